//! Property test: parsing the written-back cells of a parsed row gives the same
//! subscription, whatever context it is read with.

use super::tests::{ctx, raw};
use super::*;
use crate::ident::Country;
use crate::time::LegalZone;
use proptest::prelude::*;

fn msisdn() -> impl Strategy<Value = String> {
    ("[1-9][0-9]{8}", 0..3usize).prop_map(|(nsn, form)| match form {
        0 => format!("0{nsn}"),
        1 => format!("+31 {} {}", &nsn[..1], &nsn[1..]),
        _ => format!("0032 {nsn}"),
    })
}

fn identifiers() -> impl Strategy<Value = Vec<(&'static str, String)>> {
    let imei = "[0-9]{14}".prop_map(|b| format!("{b}{}", crate::ident::imei_check_digit(&b)));
    let lists = (
        prop::collection::vec(msisdn(), 0..3),
        prop::collection::vec("20[46][0-9]{12}", 0..2),
        prop::collection::vec(imei, 0..2),
        prop::collection::vec(
            any::<[u8; 4]>().prop_map(|b| std::net::Ipv4Addr::from(b).to_string()),
            0..2,
        ),
        prop::collection::vec("[a-z]{1,8}@[a-zA-Z]{1,8}\\.(nl|be|COM)", 0..2),
        prop::collection::vec("[A-Za-z0-9._-]{1,12}", 0..2),
        prop::collection::vec(
            any::<[u8; 6]>().prop_map(|b| {
                format!(
                    "{:02X}{:02X}.{:02X}{:02X}.{:02X}{:02X}",
                    b[0], b[1], b[2], b[3], b[4], b[5]
                )
            }),
            0..2,
        ),
    );
    lists.prop_map(|(m, imsi, imei, ip, email, uid, mac)| {
        let mut out = Vec::new();
        for (col, items) in [
            ("msisdn", m),
            ("imsi", imsi),
            ("imei", imei),
            ("ip", ip),
            ("email", email),
            ("user_id", uid),
            ("mac", mac),
        ] {
            if !items.is_empty() {
                out.push((col, items.join(" ; ")));
            }
        }
        if out.is_empty() {
            out.push(("user_id", "fallback".to_string()));
        }
        out
    })
}

fn other_cells() -> impl Strategy<Value = Vec<(&'static str, String)>> {
    (
        "[A-Za-z0-9-]{1,20}",
        prop::sample::select(vec!["fixed", "mobile", "internet", "email", "VOIP"]),
        prop::option::of("[A-Z][a-z]{1,12}( [A-Z][a-z]{1,8})?"),
        prop::option::of((
            "[A-Z][a-z]{2,12}",
            "0{0,2}[1-9][0-9]{0,2}",
            "[1-9][0-9]{3} ?[a-rt-zA-RT-Z][a-zA-Z]",
        )),
        0i64..2_000_000_000,
        prop::option::of(0i64..1_000_000_000),
        prop::option::of(1u16..=65535),
        prop::option::of(prop::sample::select(vec!["transfer", "card", "top_up"])),
        prop::option::of("[*xX]{4}( [*]{4}){0,3} [0-9]{4}"),
    )
        .prop_map(
            |(id, service, surname, billing, start, end, port, method, means)| {
                let start = jiff::Timestamp::from_second(start).unwrap();
                let mut out = vec![
                    ("subscription_id", id),
                    ("service", service.to_string()),
                    (
                        "subscription_start",
                        start
                            .to_zoned(jiff::tz::TimeZone::fixed(jiff::tz::offset(2)))
                            .strftime("%Y-%m-%dT%H:%M:%S%:z")
                            .to_string(),
                    ),
                ];
                match surname {
                    Some(s) => out.push(("surname", s)),
                    None => out.push(("organisation", "Acme".into())),
                }
                if let Some((street, number, postcode)) = billing {
                    out.extend([
                        ("billing_street", street),
                        ("billing_house_number", number),
                        ("billing_postcode", postcode),
                    ]);
                }
                if let Some(delta) = end {
                    out.push((
                        "subscription_end",
                        (start + jiff::SignedDuration::from_secs(delta)).to_string(),
                    ));
                }
                if let Some(p) = port {
                    out.extend([
                        ("registration_port", p.to_string()),
                        ("registration_ip", "::ffff:192.0.2.1".into()),
                    ]);
                }
                if let Some(m) = method {
                    out.push(("payment_method", m.to_string()));
                }
                if let Some(m) = means {
                    out.push(("payment_means", m));
                }
                out
            },
        )
}

proptest! {
    #[test]
    fn parse_of_written_row_is_stable(ids in identifiers(), other in other_cells()) {
        let cells: Vec<(&str, &str)> =
            ids.iter().chain(other.iter()).map(|(c, v)| (*c, v.as_str())).collect();
        let first = parse_row(&raw(&cells), &ctx());
        let first = match first {
            Ok(s) => s,
            Err(e) => return Err(TestCaseError::fail(format!("{e:?}"))),
        };
        let written = first.to_row();
        let mut row = RawRow::new();
        for (col, v) in &written {
            row.set(*col, v);
        }
        prop_assert_eq!(parse_row(&row, &ctx()), Ok(first.clone()));
        // The normalised values do not depend on the context they were read with.
        let be = ParseContext { default_country: Country::Be, zone: LegalZone::Brussels };
        prop_assert_eq!(parse_row(&row, &be), Ok(first));
    }
}

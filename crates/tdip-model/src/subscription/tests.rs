//! Row-level tests: tables of good and bad rows, the privacy of error messages, and the
//! stability of parsing a written-back row.

use super::*;
use crate::time::LegalZone;

pub(super) fn raw<'a>(cells: &[(&str, &'a str)]) -> RawRow<'a> {
    let mut row = RawRow::new();
    for (name, value) in cells {
        let col = Column::from_name(name).unwrap_or_else(|| panic!("no column {name}"));
        row.set(col, value);
    }
    row
}

const BASE: [(&str, &str); 5] = [
    ("subscription_id", "A-1"),
    ("service", "mobile"),
    ("msisdn", "06-12345678"),
    ("surname", "Jansen"),
    ("subscription_start", "2026-01-01"),
];

/// The base row with `changes` applied (an empty value removes the cell).
fn with<'a>(changes: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut cells: Vec<(&str, &str)> = BASE.to_vec();
    for (name, value) in changes {
        cells.retain(|(n, _)| n != name);
        cells.push((name, value));
    }
    cells
}

pub(super) fn ctx() -> ParseContext {
    ParseContext::default()
}

fn errors(cells: &[(&str, &str)]) -> Vec<(&'static str, String)> {
    match parse_row(&raw(cells), &ctx()) {
        Ok(s) => panic!("row parsed: {s:?}"),
        Err(e) => e
            .into_iter()
            .map(|e| (e.field, String::from(e.reason)))
            .collect(),
    }
}

fn check(cells: &[(&str, &str)], expected: &[(&str, &str)]) {
    let got = errors(cells);
    let got: Vec<(&str, &str)> = got.iter().map(|(f, r)| (*f, r.as_str())).collect();
    assert_eq!(got, expected, "row {cells:?}");
}

#[test]
fn minimal_row() {
    let s = parse_row(&raw(&BASE), &ctx()).unwrap();
    assert_eq!(s.subscription_id, "A-1");
    assert_eq!(s.service, Service::Mobile);
    assert_eq!(s.msisdn, ["+31612345678"]);
    assert_eq!(s.surname.as_deref(), Some("Jansen"));
    assert_eq!(s.subscription_start.to_string(), "2025-12-31T23:00:00Z");
    assert_eq!(s.billing, None);
    let ids: Vec<_> = s.identifiers().collect();
    assert_eq!(ids, [(IdentKind::Msisdn, "+31612345678")]);
}

#[test]
fn full_row_is_normalised() {
    let cells = [
        ("subscription_id", " K-77 "),
        ("service", "Internet"),
        ("supplementary", "static_ip; sms ;;STATIC_IP"),
        ("msisdn", "06-12345678; +31 6 1234 5678; 0470 12 34 56"),
        ("imsi", "204081234567890"),
        ("imei", "49-015420-323751-8"),
        ("ip", "198.51.100.0/29;::ffff:192.0.2.7"),
        ("email", "Jan@Bücher.DE"),
        ("user_id", " jan77 "),
        ("mac", "AABB.CCDD.EEFF"),
        ("organisation", "Acme B.V."),
        ("given_names", "Jan Piet"),
        ("billing_street", "Damrak"),
        ("billing_house_number", "007"),
        ("billing_house_number_addition", "bis"),
        ("billing_postcode", "1012 lg"),
        ("billing_city", "Amsterdam"),
        ("install_postcode", "1000"),
        ("install_country", "be"),
        ("subscription_start", "2026-03-29 03:30:00"),
        ("subscription_end", "2026-11-22T23:00:00+01:00"),
        ("registration_place", "Shop 12"),
        ("activation_at", "2026-03-29T01:30:00Z"),
        ("activation_cell", "204-08-1234-5678"),
        ("registration_ip", "2001:DB8::1"),
        ("registration_port", "443"),
        ("registration_ntp", "NTP-9"),
        ("ported_from", "Operator A"),
        ("ported_to", "Operator B"),
        ("ported_at", "2026-04-01"),
        ("payment_method", "direct_debit"),
        ("payment_means", "nl91 abna 0417 1643 00"),
    ];
    let s = parse_row(&raw(&cells), &ParseContext::default()).unwrap();
    assert_eq!(s.subscription_id, "K-77");
    assert_eq!(s.service, Service::Internet);
    assert_eq!(s.supplementary, ["static_ip", "sms"]);
    assert_eq!(s.msisdn, ["+31612345678", "+31470123456"]);
    assert_eq!(s.imei, ["49015420323751"]);
    assert_eq!(s.ip, ["198.51.100.0/29", "192.0.2.7"]);
    assert_eq!(s.email, ["Jan@xn--bcher-kva.de"]);
    assert_eq!(s.user_id, ["jan77"]);
    assert_eq!(s.mac, ["aa:bb:cc:dd:ee:ff"]);
    assert_eq!(s.surname, None);
    let billing = s.billing.as_ref().unwrap();
    assert_eq!(billing.house_number.as_deref(), Some("7"));
    assert_eq!(billing.postcode.as_deref(), Some("1012LG"));
    assert_eq!(billing.country, "NL");
    let install = s.install.as_ref().unwrap();
    assert_eq!(
        (install.postcode.as_deref(), install.country.as_str()),
        (Some("1000"), "BE")
    );
    assert_eq!(s.subscription_start, s.activation_at.unwrap());
    assert_eq!(s.registration_ip.as_deref(), Some("2001:db8::1"));
    assert_eq!(s.registration_port, Some(443));
    assert_eq!(s.payment_method, Some(PaymentMethod::DirectDebit));
    assert_eq!(s.payment_means.as_deref(), Some("NL91ABNA0417164300"));
    assert_eq!(s.identifiers().count(), 9);

    // Debug shows the shape only.
    let dbg = format!("{s:?}");
    for (col, value) in cells {
        let v = value.trim();
        if col != "service" && v.len() > 4 && !v.starts_with("20") && !v.contains('_') {
            assert!(!dbg.contains(v), "debug leaks a value: {dbg}");
        }
    }
    for leak in ["K-77", "+31612345678", "Jansen", "Damrak", "1012LG", "NL91"] {
        assert!(!dbg.contains(leak), "debug leaks {leak}: {dbg}");
    }
    assert!(dbg.contains("msisdn: [<2 redacted>]"), "{dbg}");

    let json = serde_json::to_string(&s).unwrap();
    assert!(
        json.contains(r#""payment_method":"direct_debit""#),
        "{json}"
    );
    assert!(json.contains(r#""service":"internet""#), "{json}");
    let back: Subscription = serde_json::from_str(&json).unwrap();
    assert_eq!(back, s);
}

#[test]
fn bad_rows_report_every_error() {
    let dutch_pc = "a Dutch postcode is four digits and two letters, e.g. 1234 AB";
    check(
        &[],
        &[
            ("subscription_id", "is missing; a value is required"),
            ("service", "is missing; a value is required"),
            (
                "identifier",
                "a row needs at least one identifier: msisdn, imsi, imei, ip, email, user_id or mac",
            ),
            ("surname", "a row needs a surname or an organisation"),
            ("subscription_start", "is missing; a value is required"),
        ],
    );
    check(
        &with(&[
            ("service", "tv"),
            ("imei", "490154203237513"),
            ("billing_postcode", "123 AB"),
        ]),
        &[
            (
                "service",
                "is not a service; expected fixed, mobile, internet, email or voip",
            ),
            (
                "imei",
                "the check digit (the 15th) does not match the other 14 (Luhn); look for a \
                 mistyped digit, or give the 14 digits without the check digit",
            ),
            ("billing_postcode", dutch_pc),
        ],
    );
    check(
        &with(&[("msisdn", "06-1234567;+31612345678;06-1234567a")]),
        &[
            (
                "msisdn",
                "item 1: a Dutch number has 9 digits after the leading 0, this has 8",
            ),
            (
                "msisdn",
                "item 3: contains a letter; a phone number has digits, an optional leading + and separators only",
            ),
        ],
    );
    check(
        &with(&[("msisdn", " ; ; ")]),
        &[(
            "identifier",
            "a row needs at least one identifier: msisdn, imsi, imei, ip, email, user_id or mac",
        )],
    );
    check(
        &with(&[
            ("subscription_end", "2025-12-31 23:59:59"),
            ("registration_port", "0"),
            ("registration_ip", "192.0.2.0/24"),
            ("payment_means", "4111 1111 1111 1111"),
            ("supplementary", "sms;tv"),
        ]),
        &[
            (
                "supplementary",
                "item 2: is not a supplementary service; expected one of call_forwarding, \
                 voicemail, sms, fax, group_call, extra_bandwidth, conference, roaming, data, static_ip",
            ),
            ("subscription_end", "lies before subscription_start"),
            ("registration_ip", "expected a single address, not a prefix"),
            ("registration_port", "a port is a number from 1 to 65535"),
            (
                "payment_means",
                "is an unmasked card number; deliver only its last four digits, masked as **** **** **** 1234",
            ),
        ],
    );
    check(
        &with(&[
            ("install_country", "XX"),
            ("install_postcode", "garbage"),
            ("install_house_number", "12a"),
            ("billing_country", "BE"),
            ("billing_postcode", "1234 AB"),
            ("payment_method", "bitcoin"),
            ("payment_means", "NL92ABNA0417164300"),
        ]),
        &[
            (
                "billing_postcode",
                "a Belgian postcode is four digits from 1000 to 9999",
            ),
            (
                "install_house_number",
                "a house number is 1 to 5 digits; put letters and suffixes in the house number addition",
            ),
            (
                "install_country",
                "is not an ISO 3166-1 alpha-2 country code such as NL or BE",
            ),
            (
                "payment_method",
                "is not a payment method; expected transfer, direct_debit, card, cash or top_up",
            ),
            ("payment_means", "IBAN check digits do not match"),
        ],
    );
    let long_id = "x".repeat(65);
    let long_name = "n".repeat(201);
    check(
        &with(&[
            ("subscription_id", &long_id),
            ("surname", &long_name),
            ("given_names", "Jan\u{0}"),
            ("subscription_start", "2026-03-29 02:30:00"),
            ("ported_at", "yesterday"),
        ]),
        &[
            (
                "subscription_id",
                "has 65 characters, at most 64 are allowed",
            ),
            ("surname", "has 201 characters, at most 200 are allowed"),
            ("given_names", "contains a control character"),
            (
                "subscription_start",
                "lies in the daylight-saving gap of Europe/Amsterdam: that hour is skipped when \
                 the clocks jump forward (+01:00 to +02:00); give a time outside the gap, or the \
                 time with its UTC offset",
            ),
            ("ported_at", &crate::time::TimeError::Format.to_string()),
        ],
    );
}

#[test]
fn context_changes_national_numbers_and_zone() {
    let cells = with(&[
        ("msisdn", "0470 12 34 56"),
        ("subscription_start", "2026-10-25 02:30:00+01:00"),
        ("billing_postcode", "1000"),
    ]);
    let be = ParseContext {
        default_country: Country::Be,
        zone: LegalZone::Brussels,
    };
    let s = parse_row(&raw(&cells), &be).unwrap();
    assert_eq!(s.msisdn, ["+32470123456"]);
    assert_eq!(s.billing.unwrap().country, "BE");
    assert!(parse_row(&raw(&cells), &ParseContext::default()).is_err());
}

#[test]
fn errors_never_quote_the_value() {
    let bad: &[(&str, &str)] = &[
        ("subscription_id", "SECRETID\u{1}"),
        ("msisdn", "06-98765432100"),
        ("msisdn", "+3169876543"),
        ("msisdn", "0698765x43"),
        ("imsi", "20408987654321"),
        ("imsi", "001019876543210"),
        ("imei", "490154203237513"),
        ("imei", "4901542032375"),
        ("ip", "198.51.100.77/29"),
        ("ip", "198.51.100.777"),
        ("email", "geheim.persoon@voorbeeld"),
        ("email", "geheim persoon@voorbeeld.nl"),
        ("mac", "aa:bb:cc:dd:ee:f0:11"),
        ("user_id", "geheim\u{7}login"),
        ("surname", "Geheimnaam\u{7}"),
        ("billing_postcode", "9876 SA"),
        ("billing_postcode", "98765 XY"),
        ("billing_house_number", "98765X"),
        ("billing_country", "QQ"),
        ("install_postcode", "98765"),
        ("registration_ip", "203.0.113.0/24"),
        ("registration_port", "98765"),
        ("payment_means", "NL03 ABNA 0123 4567 89"),
        ("payment_means", "4111 1111 1111 1111"),
        ("payment_means", "9876543210"),
        ("supplementary", "geheimdienst"),
        ("service", "geheimdienst"),
    ];
    for (col, value) in bad {
        let cells = with(&[(col, value)]);
        let errs = parse_row(&raw(&cells), &ctx())
            .err()
            .unwrap_or_else(|| panic!("{col} value {value:?} was accepted"));
        assert!(!errs.is_empty());
        let trimmed = value.trim();
        let digits: String = value.chars().filter(char::is_ascii_digit).collect();
        for e in &errs {
            for shown in [e.to_string(), format!("{e:?}")] {
                assert!(!shown.contains(trimmed), "{col}: {shown}");
                if digits.len() >= 6 {
                    assert!(!shown.contains(&digits), "{col}: {shown}");
                }
            }
        }
    }
}

#[test]
fn header_checks() {
    let ok = check_header(&[
        "msisdn",
        "subscription_id",
        " service ",
        "subscription_start",
    ]);
    assert_eq!(
        ok,
        Ok(vec![
            Column::Msisdn,
            Column::SubscriptionId,
            Column::Service,
            Column::SubscriptionStart
        ])
    );
    let all: Vec<&str> = Column::ALL.iter().map(|c| c.name()).collect();
    assert_eq!(check_header(&all).map(|c| c.len()), Ok(Column::COUNT));

    let errs = check_header(&[
        "subscription_id",
        "msidsn",
        "",
        "Jansen",
        "MSISDN",
        "subscription_id",
    ])
    .unwrap_err();
    let got: Vec<(&str, String)> = errs
        .into_iter()
        .map(|e| (e.field, String::from(e.reason)))
        .collect();
    assert_eq!(
        got,
        [
            (
                "header",
                "unknown column at position 2; did you mean msisdn?".into()
            ),
            ("header", "the column at position 3 has no name".into()),
            (
                "header",
                "unknown column at position 4; expected a column name of the delivery format"
                    .into()
            ),
            (
                "header",
                "unknown column at position 5; did you mean msisdn?".into()
            ),
            (
                "subscription_id",
                "column appears more than once in the header (again at position 6)".into()
            ),
            (
                "service",
                "required column is missing from the header".to_string()
            ),
            (
                "subscription_start",
                "required column is missing from the header".into()
            ),
        ]
    );
}

#[test]
fn a_first_line_of_data_is_one_error_that_quotes_none_of_it() {
    let data_row = "A-1,email,,,,,,jan@example.nl,u-jan,,Maas,,Jan,,,,,,,,,,,,,2024-01-01";
    let names: Vec<&str> = data_row.split(',').collect();
    let errs = check_header(&names).unwrap_err();
    assert_eq!(errs.len(), 1, "{errs:?}");
    assert_eq!(errs[0].field, "header");
    assert!(
        errs[0]
            .reason
            .starts_with("the first line looks like a data row, not a header"),
        "{errs:?}"
    );
    // A header with most of its names right is checked name by name.
    let errs = check_header(&["subscription_id", "servise", "subscription_start"]).unwrap_err();
    let reasons: Vec<&str> = errs.iter().map(|e| e.reason.as_str()).collect();
    assert_eq!(
        reasons,
        [
            "unknown column at position 2; did you mean service?",
            "required column is missing from the header"
        ]
    );
}

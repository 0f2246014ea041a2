//! Property tests: every normaliser is idempotent, and valid identifiers written in any
//! accepted form normalise to the same value.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use ipnet::IpNet;
use proptest::prelude::*;

use super::*;

/// Inputs that look like identifiers of all kinds, plus arbitrary text.
fn messy_input() -> impl Strategy<Value = String> {
    prop_oneof![
        "[0-9 +().-]{0,20}",
        "[0-9a-fA-F:.-]{0,20}",
        "[ a-zA-Z0-9.+_-]{0,12}@[a-zA-Z0-9.ü-]{0,12}",
        "[0-9./:a-f]{0,24}",
        any::<String>(),
    ]
}

fn nsn_nl() -> impl Strategy<Value = String> {
    "[1-9][0-9]{8}"
}

/// Writes `digits` with a random separator inserted after some positions.
fn with_separators(digits: &str, seps: &[(usize, char)]) -> String {
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        out.push(c);
        if let Some((_, sep)) = seps.iter().find(|(at, _)| *at == i) {
            out.push(*sep);
        }
    }
    out
}

fn separators_of(chars: &[char]) -> impl Strategy<Value = Vec<(usize, char)>> {
    proptest::collection::vec((0usize..12, prop::sample::select(chars.to_vec())), 0..4)
}

fn separators() -> impl Strategy<Value = Vec<(usize, char)>> {
    separators_of(&[' ', '-', '.'])
}

proptest! {
    #[test]
    fn normalisation_is_idempotent(raw in messy_input(), k in 0usize..7, be in any::<bool>()) {
        let kind = IdentKind::ALL[k];
        let country = if be { Country::Be } else { Country::Nl };
        if let Ok(once) = normalize(kind, &raw, country) {
            prop_assert_eq!(normalize(kind, &once, country), Ok(once.clone()));
            // The canonical form does not depend on the default country.
            let other = if be { Country::Nl } else { Country::Be };
            prop_assert_eq!(normalize(kind, &once, other), Ok(once));
        }
    }

    #[test]
    fn dutch_numbers_in_every_form_agree(nsn in nsn_nl(), seps in separators(), form in 0usize..6) {
        let e164 = format!("+31{nsn}");
        let written = match form {
            0 => format!("0{}", with_separators(&nsn, &seps)),
            1 => format!("+31 {}", with_separators(&nsn, &seps)),
            2 => format!("0031{}", with_separators(&nsn, &seps)),
            3 => format!("(0{}) {}", &nsn[..2], with_separators(&nsn[2..], &seps)),
            4 => format!("+31 (0){}", with_separators(&nsn, &seps)),
            _ => format!("0031(0) {}", with_separators(&nsn, &seps)),
        };
        prop_assert_eq!(normalize_msisdn(&written, Country::Nl), Ok(e164.clone()));
        if form != 0 && form != 3 {
            prop_assert_eq!(normalize_msisdn(&written, Country::Be), Ok(e164));
        }
    }

    #[test]
    fn belgian_numbers_in_every_form_agree(nsn in "4[0-9]{8}|[1-9][0-9]{7}", intl in any::<bool>()) {
        let written = if intl { format!("+32 {nsn}") } else { format!("0{nsn}") };
        prop_assert_eq!(normalize_msisdn(&written, Country::Be), Ok(format!("+32{nsn}")));
    }

    #[test]
    fn imei_with_check_digit_gives_body(body in "[0-9]{14}", svn in "[0-9]{2}", seps in separators_of(&[' ', '-', '/'])) {
        let full = format!("{body}{}", imei_check_digit(&body));
        prop_assert_eq!(normalize_imei(&with_separators(&full, &seps)), Ok(body.clone()));
        prop_assert_eq!(normalize_imei(&format!("{body}{svn}")), Ok(body.clone()));
        prop_assert_eq!(normalize_imei(&body), Ok(body.clone()));
        let wrong = (imei_check_digit(&body) + 1) % 10;
        let bad = format!("{body}{wrong}");
        prop_assert!(normalize_imei(&bad).is_err());
    }

    #[test]
    fn ip_nets_round_trip(v4 in any::<u32>(), v6 in any::<u128>(), len4 in 0u8..=32, len6 in 0u8..=128) {
        for net in [
            IpNet::new(IpAddr::V4(Ipv4Addr::from(v4)), len4).unwrap().trunc(),
            IpNet::new(IpAddr::V6(Ipv6Addr::from(v6)), len6).unwrap().trunc(),
        ] {
            let shown = display_ip(&net);
            let parsed = parse_ip(&shown).unwrap();
            if net.addr().is_ipv6() && Ipv6Addr::from(v6).to_ipv4_mapped().is_some() && len6 >= 96 {
                prop_assert!(parsed.addr().is_ipv4());
            } else {
                prop_assert_eq!(parsed, net);
            }
        }
    }

    #[test]
    fn mac_forms_agree(bytes in any::<[u8; 6]>(), upper in any::<bool>()) {
        let colon = bytes.iter().map(|b| format!("{b:02x}")).collect::<Vec<_>>().join(":");
        let plain = colon.replace(':', "");
        let dotted = format!("{}.{}.{}", &plain[..4], &plain[4..8], &plain[8..]);
        let dashed = colon.replace(':', "-");
        for form in [&colon, &plain, &dotted, &dashed] {
            let form = if upper { form.to_uppercase() } else { form.clone() };
            prop_assert_eq!(normalize_mac(&form), Ok(colon.clone()));
        }
    }
}

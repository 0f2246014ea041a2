//! Shared helpers of the integration tests: generation, parsing and an independent
//! validator of the delivery format.

use std::collections::{HashMap, HashSet};
use std::net::IpAddr;

use tdip_gen::{Country, GenConfig, write_csv};

pub fn generate(cfg: &GenConfig) -> Vec<u8> {
    let mut out = Vec::new();
    write_csv(cfg, &mut out).expect("generation succeeds");
    out
}

/// Rows as column-name → value maps.
pub fn parse(bytes: &[u8]) -> (Vec<String>, Vec<HashMap<String, String>>) {
    let mut rd = csv::Reader::from_reader(bytes);
    let header: Vec<String> = rd
        .headers()
        .expect("header")
        .iter()
        .map(String::from)
        .collect();
    let rows = rd
        .records()
        .map(|r| {
            let r = r.expect("record");
            header
                .iter()
                .cloned()
                .zip(r.iter().map(String::from))
                .collect()
        })
        .collect();
    (header, rows)
}

fn luhn_ok(s: &str) -> bool {
    let sum: u32 = s
        .bytes()
        .rev()
        .enumerate()
        .map(|(k, c)| {
            let d = u32::from(c - b'0');
            if k % 2 == 1 {
                if d * 2 > 9 { d * 2 - 9 } else { d * 2 }
            } else {
                d
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

fn iban_ok(s: &str) -> bool {
    if s.len() < 5
        || !s
            .bytes()
            .all(|c| c.is_ascii_digit() || c.is_ascii_uppercase())
    {
        return false;
    }
    let rearranged = format!("{}{}", &s[4..], &s[..4]);
    let mut m = 0u32;
    for c in rearranged.bytes() {
        m = if c.is_ascii_digit() {
            (m * 10 + u32::from(c - b'0')) % 97
        } else {
            (m * 100 + u32::from(c - b'A' + 10)) % 97
        };
    }
    if m != 1 {
        return false;
    }
    match &s[..2] {
        "NL" => s.len() == 18 && s[4..8].bytes().all(|c| c.is_ascii_uppercase()),
        "BE" => {
            let n10: u64 = s[4..14].parse().expect("digits");
            let check: u64 = s[14..16].parse().expect("digits");
            s.len() == 16 && check == if n10.is_multiple_of(97) { 97 } else { n10 % 97 }
        }
        _ => false,
    }
}

fn digits(s: &str, n: usize) -> bool {
    s.len() == n && s.bytes().all(|c| c.is_ascii_digit())
}

fn nl_postcode_ok(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 7
        && digits(&s[..4], 4)
        && b[0] != b'0'
        && b[4] == b' '
        && b[5].is_ascii_uppercase()
        && b[6].is_ascii_uppercase()
        && !matches!(&s[5..], "SA" | "SD" | "SS")
}

fn time_ok(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 20
        && b[4] == b'-'
        && b[7] == b'-'
        && b[10] == b'T'
        && b[13] == b':'
        && b[16] == b':'
        && b[19] == b'Z'
        && [0..4, 5..7, 8..10, 11..13, 14..16, 17..19]
            .into_iter()
            .all(|r| digits(&s[r.clone()], r.len()))
}

fn msisdn_ok(s: &str, service: &str, country: Country) -> bool {
    match (country, service) {
        (Country::Nl, "mobile") => s.starts_with("+316") && digits(&s[4..], 8),
        (Country::Be, "mobile") => {
            s.starts_with("+324") && b"56789".contains(&s.as_bytes()[4]) && digits(&s[4..], 8)
        }
        (Country::Nl, _) => {
            s.starts_with("+31") && digits(&s[3..], 9) && !s.starts_with("+316") && &s[3..4] != "0"
        }
        (Country::Be, _) => {
            s.starts_with("+32") && digits(&s[3..], 8) && !s.starts_with("+324") && &s[3..4] != "0"
        }
    }
}

fn ip_ok(s: &str) -> bool {
    match s.split_once('/') {
        None => s.parse::<IpAddr>().is_ok_and(|ip| ip.to_string() == s),
        Some((addr, len)) => {
            let Ok(IpAddr::V6(a)) = addr.parse::<IpAddr>() else {
                return false;
            };
            let len: u32 = len.parse().expect("prefix length");
            let host_bits = u128::from(a) & (u128::MAX >> len);
            a.to_string() == addr && matches!(len, 48 | 56) && host_bits == 0
        }
    }
}

const DOMAINS: &[&str] = &[
    "ziggo.nl",
    "kpnmail.nl",
    "planet.nl",
    "home.nl",
    "xs4all.nl",
    "hotmail.com",
    "gmail.com",
    "outlook.com",
    "bücher.nl",
    "fietsenmaker-één.nl",
    "telenet.be",
    "proximus.be",
    "skynet.be",
    "scarlet.be",
    "outlook.be",
    "voo.be",
    "chocolatier-liège.be",
    "brasserie-élégance.be",
];

pub const IDS: [&str; 8] = [
    "subscription_id",
    "msisdn",
    "imsi",
    "imei",
    "ip",
    "email",
    "user_id",
    "mac",
];

/// Checks every row; returns identifier sets per column.
pub fn validate(cfg: &GenConfig, bytes: &[u8]) -> HashMap<&'static str, HashSet<String>> {
    let (_, rows) = parse(bytes);
    let mut seen: HashMap<&'static str, HashSet<String>> = HashMap::new();
    for (n, r) in rows.iter().enumerate() {
        let ctx = format!("row {n}: {r:?}");
        let f = |c: &str| r[c].as_str();
        let list = |c: &str| {
            f(c).split(';')
                .filter(|s| !s.is_empty())
                .collect::<Vec<_>>()
        };
        let service = f("service");
        assert!(
            ["mobile", "internet", "fixed", "email", "voip"].contains(&service),
            "{ctx}"
        );
        assert!(
            f("subscription_id").starts_with(&format!("{}-", cfg.provider)),
            "{ctx}"
        );
        assert!(
            f("surname").is_empty() != f("organisation").is_empty(),
            "{ctx}"
        );
        assert!(IDS[1..].iter().any(|c| !f(c).is_empty()), "{ctx}");
        for s in list("supplementary") {
            assert!(
                [
                    "call_forwarding",
                    "voicemail",
                    "sms",
                    "fax",
                    "group_call",
                    "extra_bandwidth",
                    "conference",
                    "roaming",
                    "data",
                    "static_ip"
                ]
                .contains(&s),
                "{ctx}"
            );
        }
        for m in list("msisdn") {
            assert!(msisdn_ok(m, service, cfg.country), "{ctx}");
        }
        let mcc = if cfg.country == Country::Nl {
            "204"
        } else {
            "206"
        };
        for s in list("imsi") {
            assert!(digits(s, 15) && s.starts_with(mcc), "{ctx}");
        }
        for s in list("imei") {
            assert!(digits(s, 15) && luhn_ok(s), "{ctx}");
        }
        for s in list("ip") {
            assert!(ip_ok(s), "{ctx}");
        }
        for s in list("email") {
            let (local, domain) = s.split_once('@').expect("@");
            assert!(
                !local.is_empty() && local.is_ascii() && DOMAINS.contains(&domain),
                "{ctx}"
            );
        }
        for s in list("mac") {
            let hex: String = s.chars().filter(char::is_ascii_hexdigit).collect();
            assert!(hex.len() == 12 && matches!(s.len(), 14 | 17), "{ctx}");
        }
        for side in ["billing", "install"] {
            let c = |x: &str| f(&format!("{side}_{x}")).to_string();
            if c("street").is_empty() {
                assert!(c("postcode").is_empty() && c("city").is_empty(), "{ctx}");
                continue;
            }
            assert!(
                c("house_number").parse::<u16>().is_ok_and(|h| h > 0),
                "{ctx}"
            );
            let country = match c("country").as_str() {
                "" => cfg.country.code().to_string(),
                other => other.to_string(),
            };
            match country.as_str() {
                "NL" => assert!(nl_postcode_ok(&c("postcode")), "{ctx}"),
                "BE" => assert!(digits(&c("postcode"), 4) && !c("postcode").starts_with('0')),
                _ => panic!("{ctx}"),
            }
            assert!(!c("city").is_empty(), "{ctx}");
        }
        assert!(time_ok(f("subscription_start")), "{ctx}");
        for t in ["subscription_end", "activation_at", "ported_at"] {
            assert!(f(t).is_empty() || time_ok(f(t)), "{ctx}");
        }
        assert!(
            f("subscription_end").is_empty() || f("subscription_end") >= f("subscription_start")
        );
        assert!(f("activation_at").is_empty() || f("activation_at") > f("subscription_start"));
        assert!(
            f("activation_at").is_empty() == f("activation_cell").is_empty(),
            "{ctx}"
        );
        assert!(
            f("registration_ip").is_empty() || ip_ok(f("registration_ip")),
            "{ctx}"
        );
        let port = f("registration_port");
        assert!(
            port.is_empty() || port.parse::<u16>().is_ok_and(|p| p > 0),
            "{ctx}"
        );
        let ported = ["ported_from", "ported_to", "ported_at"].map(|c| f(c).is_empty());
        assert!(ported.iter().all(|&e| e == ported[0]), "{ctx}");
        let method = f("payment_method");
        assert!(["", "transfer", "direct_debit", "card", "cash", "top_up"].contains(&method));
        let means = f("payment_means");
        if let Some(last4) = means.strip_prefix("**** **** **** ") {
            assert!(digits(last4, 4), "{ctx}");
        } else if !means.is_empty() {
            assert!(iban_ok(means), "{ctx}");
        }
        if method == "top_up" {
            assert!(
                f("billing_street").is_empty(),
                "prepaid has no billing address: {ctx}"
            );
        }
        for c in IDS {
            for v in list(c) {
                assert!(
                    seen.entry(c).or_default().insert(v.to_string()),
                    "duplicate {c}: {ctx}"
                );
            }
        }
    }
    seen
}

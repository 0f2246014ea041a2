//! The retention policy reader (`data-retention.toml`) on arbitrary text: it never
//! panics; a refusal names the file; a policy it accepts has every term within 1 to 120
//! months, one traffic term for every jurisdiction, and a rule for each term (payments too).

#![no_main]

use libfuzzer_sys::fuzz_target;
use tdip_core::retention::Policy;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match Policy::parse("fuzz.toml", text) {
        Err(e) => assert!(
            e.to_string().starts_with("fuzz.toml"),
            "a refusal names no file"
        ),
        Ok(p) => {
            assert!(!p.jurisdictions.is_empty());
            let traffic = p.traffic().0;
            for (code, t) in &p.jurisdictions {
                assert!((1..=120).contains(&t.subscriber_months), "{code}");
                assert_eq!(t.traffic_months, traffic, "{code}");
                assert!((1..=120).contains(&t.payment_months), "{code}");
                assert!(!t.subscriber_rule.trim().is_empty() && !t.traffic_rule.trim().is_empty());
                assert!(!t.payment_rule.trim().is_empty());
                assert!(p.terms(&code.to_ascii_uppercase()).is_ok());
            }
        }
    }
});

//! Every generated row follows `docs/delivery-format.md` and the realism rules, checked by
//! an independent validator; identifiers are unique within a file and across providers.

mod common;

use std::collections::HashMap;

use common::{IDS, generate, parse, validate};
use tdip_gen::{COLUMNS, Country, GenConfig, write_csv};

fn documented_columns() -> Vec<String> {
    let doc = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../docs/delivery-format.md"
    ))
    .expect("delivery format doc");
    let section = doc.split("## Columns").nth(1).expect("Columns section");
    let mut cols = Vec::new();
    for line in section.lines().filter(|l| l.starts_with("| `")) {
        let first_cell = line.split('|').nth(1).unwrap_or("");
        cols.extend(first_cell.split('`').skip(1).step_by(2).map(String::from));
    }
    cols
}

#[test]
fn header_equals_documented_columns() {
    let doc = documented_columns();
    assert_eq!(doc.len(), 39);
    assert_eq!(COLUMNS.to_vec(), doc);
    let (header, _) = parse(&generate(&GenConfig::new("kpn", Country::Nl, 5, 1)));
    assert_eq!(header, doc);
}

#[test]
fn dutch_rows_are_valid_and_unique() {
    let cfg = GenConfig::new("kpn", Country::Nl, 30_000, 11).on_day(3);
    let ids = validate(&cfg, &generate(&cfg));
    assert!(ids["msisdn"].len() > 20_000 && ids["imei"].len() > 17_000);
}

#[test]
fn belgian_rows_are_valid_and_unique() {
    let cfg = GenConfig::new("proximus", Country::Be, 30_000, 12).on_day(2);
    let ids = validate(&cfg, &generate(&cfg));
    assert!(ids["email"].len() > 1_000 && ids["mac"].len() > 5_000);
}

#[test]
fn unknown_providers_are_valid_too() {
    for (p, c) in [
        ("p1", Country::Nl),
        ("some-isp", Country::Be),
        ("0", Country::Nl),
    ] {
        let cfg = GenConfig::new(p, c, 3_000, 5).on_day(1);
        validate(&cfg, &generate(&cfg));
    }
}

#[test]
fn providers_share_no_identifiers() {
    let cfgs = [
        GenConfig::new("kpn", Country::Nl, 20_000, 1),
        GenConfig::new("vodafone", Country::Nl, 20_000, 1),
        GenConfig::new("p5", Country::Nl, 5_000, 1),
        GenConfig::new("proximus", Country::Be, 20_000, 1),
        GenConfig::new("telenet", Country::Be, 20_000, 1),
    ];
    let sets: Vec<_> = cfgs.iter().map(|c| validate(c, &generate(c))).collect();
    for (a, sa) in sets.iter().enumerate() {
        for sb in &sets[a + 1..] {
            for c in IDS {
                let (x, y) = (sa.get(c), sb.get(c));
                if let (Some(x), Some(y)) = (x, y) {
                    assert!(x.is_disjoint(y), "{c} shared between providers");
                }
            }
        }
    }
}

#[test]
fn population_looks_realistic() {
    let cfg = GenConfig::new("ziggo", Country::Nl, 20_000, 3);
    let bytes = generate(&cfg);
    let text = String::from_utf8(bytes.clone()).expect("UTF-8");
    let (_, rows) = parse(&bytes);
    let share = |pred: &dyn Fn(&HashMap<String, String>) -> bool| {
        rows.iter().filter(|r| pred(r)).count() as f64 / rows.len() as f64
    };
    let mobile = share(&|r| r["service"] == "mobile");
    assert!((0.58..0.62).contains(&mobile), "{mobile}");
    assert!((0.18..0.22).contains(&share(&|r| r["service"] == "internet")));
    assert!((0.09..0.11).contains(&share(&|r| r["service"] == "fixed")));
    assert!(share(&|r| !r["organisation"].is_empty()) > 0.03);
    assert!(share(&|r| r["payment_method"] == "top_up") > 0.1);
    assert!(share(&|r| !r["ported_from"].is_empty()) > 0.03);
    assert!(share(&|r| r["supplementary"] == "voicemail;sms;data") > 0.02);
    assert!(
        share(&|r| r["surname"].contains(' ')) > 0.05,
        "particles like van der"
    );
    assert!(share(&|r| r["email"].ends_with("ziggo.nl")) > 0.02);
    assert!(share(&|r| r["email"].ends_with("bücher.nl")) > 0.0);
    assert!(share(&|r| !r["billing_house_number_addition"].is_empty()) > 0.03);
    assert!(share(&|r| r["ip"].contains("/48")) > 0.0 && share(&|r| r["ip"].contains("/56")) > 0.1);
    for needle in [
        "é",
        "ë",
        "ü",
        "ç",
        "\"",
        "van der ",
        "Amsterdam",
        "Kerkstraat",
    ] {
        assert!(text.contains(needle), "{needle}");
    }
    // Fixed lines carry the area code of their installation city.
    for r in rows
        .iter()
        .filter(|r| r["service"] == "fixed" && r["install_city"] == "Amsterdam")
    {
        assert!(r["msisdn"].starts_with("+3120"), "{r:?}");
        assert!(r["install_postcode"].starts_with("1"), "{r:?}");
    }
}

#[test]
fn too_large_populations_are_refused() {
    let cfg = GenConfig::new("kpn", Country::Nl, 50_000_000, 1);
    assert!(matches!(
        write_csv(&cfg, std::io::sink()),
        Err(tdip_gen::GenError::TooManyRows { .. })
    ));
}

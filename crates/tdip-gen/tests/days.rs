//! Determinism and day-to-day evolution: exact change counts, stable order, byte-identical
//! unchanged rows, and the change rate honoured.

use std::collections::BTreeMap;

use tdip_gen::{Country, GenConfig, GenStats, snapshot_at, write_csv};

fn generate(cfg: &GenConfig) -> (Vec<u8>, GenStats) {
    let mut out = Vec::new();
    let stats = write_csv(cfg, &mut out).expect("generation succeeds");
    (out, stats)
}

/// Data lines keyed by subscription id, in file order, as raw CSV records.
fn records(bytes: &[u8]) -> Vec<(String, csv::ByteRecord)> {
    let mut rd = csv::Reader::from_reader(bytes);
    rd.byte_records()
        .map(|r| {
            let r = r.expect("record");
            (String::from_utf8(r[0].to_vec()).expect("UTF-8 id"), r)
        })
        .collect()
}

fn index_of(id: &str) -> u64 {
    id.rsplit('-')
        .next()
        .and_then(|n| n.parse().ok())
        .expect("numbered id")
}

#[test]
fn same_config_same_bytes() {
    let cfg = GenConfig::new("kpn", Country::Nl, 5_000, 99);
    assert_eq!(generate(&cfg), generate(&cfg));
    let day3 = cfg.on_day(3);
    assert_eq!(generate(&day3), generate(&day3));
    assert_ne!(
        generate(&cfg).0,
        generate(&GenConfig {
            seed: 100,
            ..cfg.clone()
        })
        .0
    );
    // Day 0 of a smaller population is a prefix of a larger one.
    let small = generate(&GenConfig::new("kpn", Country::Nl, 1_000, 99)).0;
    assert!(generate(&cfg).0.starts_with(&small));
}

#[test]
fn consecutive_days_differ_by_exactly_the_reported_counts() {
    let base = GenConfig {
        change_rate_ppm: 20_000,
        ..GenConfig::new("odido", Country::Nl, 20_000, 7)
    };
    let mut prev = records(&generate(&base).0);
    for day in 1..=6 {
        let (bytes, stats) = generate(&base.on_day(day));
        let cur = records(&bytes);
        assert_eq!(stats.rows, cur.len() as u64);
        // Stable order: ascending subscription index, new ones appended at the end.
        let idx: Vec<u64> = cur.iter().map(|(id, _)| index_of(id)).collect();
        assert!(idx.windows(2).all(|w| w[0] < w[1]), "day {day}: order");
        let old: BTreeMap<&str, &csv::ByteRecord> =
            prev.iter().map(|(id, r)| (id.as_str(), r)).collect();
        let new: BTreeMap<&str, &csv::ByteRecord> =
            cur.iter().map(|(id, r)| (id.as_str(), r)).collect();
        let max_old = prev.iter().map(|(id, _)| index_of(id)).max().unwrap_or(0);
        let (mut changed, mut added, mut removed) = (0, 0, 0);
        for (id, r) in &new {
            match old.get(id) {
                Some(o) if o != r => changed += 1,
                Some(_) => {}
                None => {
                    assert!(
                        index_of(id) > max_old,
                        "day {day}: new ids come after old ones"
                    );
                    added += 1;
                }
            }
        }
        for id in old.keys() {
            if !new.contains_key(id) {
                removed += 1;
            }
        }
        assert_eq!(stats.changed_vs_previous_day, changed, "day {day}");
        assert_eq!(stats.added_vs_previous_day, added, "day {day}");
        assert_eq!(stats.removed_vs_previous_day, removed, "day {day}");
        assert!(
            changed > 200 && added > 0 && removed > 0,
            "day {day}: {stats:?}"
        );
        // Unchanged rows are byte-for-byte the same lines.
        let text_prev = String::from_utf8(generate(&base.on_day(day - 1)).0).expect("UTF-8");
        let lines_prev: std::collections::HashSet<&str> = text_prev.lines().collect();
        let text = String::from_utf8(bytes.clone()).expect("UTF-8");
        let same_lines = text
            .lines()
            .skip(1)
            .filter(|l| lines_prev.contains(l))
            .count() as u64;
        assert_eq!(same_lines, stats.rows - changed - added, "day {day}");
        prev = cur;
    }
}

#[test]
fn change_rate_is_roughly_honoured() {
    let cfg = GenConfig::new("proximus", Country::Be, 100_000, 5);
    for day in [1, 2] {
        let (_, stats) = generate(&cfg.on_day(day));
        let expected = stats.rows as f64 * f64::from(cfg.change_rate_ppm) / 1e6;
        let changed = stats.changed_vs_previous_day as f64;
        assert!(
            (changed - expected).abs() < 0.2 * expected,
            "{stats:?} vs {expected}"
        );
        assert!(
            (20..=100).contains(&stats.added_vs_previous_day),
            "{stats:?}"
        );
        assert!(
            (20..=100).contains(&stats.removed_vs_previous_day),
            "{stats:?}"
        );
    }
    let quiet = GenConfig {
        change_rate_ppm: 0,
        ..cfg.on_day(1)
    };
    assert_eq!(generate(&quiet).1.changed_vs_previous_day, 0);
}

#[test]
fn day_zero_reports_no_differences() {
    let (_, stats) = generate(&GenConfig::new("kpn", Country::Nl, 1_000, 1));
    assert_eq!(
        stats,
        GenStats {
            rows: 1_000,
            ..GenStats::default()
        }
    );
}

#[test]
fn snapshot_moments_advance_daily() {
    assert_eq!(snapshot_at(0), "2026-11-01T23:00:00Z");
    assert_eq!(snapshot_at(1), "2026-11-02T23:00:00Z");
    assert_eq!(snapshot_at(61), "2027-01-01T23:00:00Z");
}

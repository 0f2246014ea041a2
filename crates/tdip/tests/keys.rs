//! `tdip keys`: listing the data keys, shredding a month (dry run first, then for real,
//! never a month still in progress), and rotating a provider's open key while lookups
//! keep answering.

mod common;

use std::collections::HashMap;
use std::path::Path;

use common::{add_kpn, ok, stderr, tdip};

const SEPT: &str = "2026-09-15T10:00:00Z";
const OCT: &str = "2026-10-15T10:00:00Z";

/// Day `day` of a 60-row kpn population in which 10% of the rows change per day.
fn generate(data: &Path, file: &Path, day: u32) {
    let day = day.to_string();
    ok(
        data,
        &[
            "gen",
            "subscribers",
            "--provider",
            "kpn",
            "--rows",
            "60",
            "--change-rate",
            "10",
            "--day",
            &day,
            "--out",
            file.to_str().unwrap(),
        ],
    );
}

/// Subscription id to (first phone number, whole row) of a generated file.
fn rows(file: &Path) -> HashMap<String, (String, Vec<String>)> {
    let mut reader = csv::Reader::from_path(file).unwrap();
    let headers = reader.headers().unwrap().clone();
    let col = |name: &str| headers.iter().position(|h| h == name).unwrap();
    let (id, msisdn) = (col("subscription_id"), col("msisdn"));
    reader
        .records()
        .map(|r| {
            let r = r.unwrap();
            let number = r[msisdn].split(';').next().unwrap().to_owned();
            (
                r[id].to_owned(),
                (number, r.iter().map(str::to_owned).collect()),
            )
        })
        .collect()
}

/// How many subscriptions held `msisdn` at `at`.
fn hits(data: &Path, msisdn: &str, at: &str) -> usize {
    let out = ok(data, &["lookup", "--msisdn", msisdn, "--at", at, "--json"]);
    let answer: serde_json::Value = serde_json::from_str(&out).unwrap();
    answer["hits"].as_array().unwrap().len()
}

fn scopes(data: &Path) -> Vec<(String, bool)> {
    let list: serde_json::Value =
        serde_json::from_str(&ok(data, &["keys", "list", "--json"])).unwrap();
    list.as_array()
        .unwrap()
        .iter()
        .map(|k| {
            (
                k["scope"].as_str().unwrap().to_owned(),
                k["destroyed"].is_null(),
            )
        })
        .collect()
}

#[test]
fn a_shredded_month_no_longer_answers_and_a_rotation_keeps_everything_else() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let (day0, day1) = (dir.path().join("kpn-0.csv"), dir.path().join("kpn-1.csv"));
    ok(&data, &["init", "--dev-key"]);
    add_kpn(&data);
    generate(&data, &day0, 0);
    generate(&data, &day1, 1);
    for (at, file) in [(SEPT, &day0), (OCT, &day1)] {
        ok(
            &data,
            &[
                "deliver",
                "--provider",
                "kpn",
                "--snapshot-at",
                at,
                file.to_str().unwrap(),
            ],
        );
    }
    let (before, after) = (rows(&day0), rows(&day1));
    // A subscription that changed or left on day 1 (its first version ended in
    // October), and one that stayed as it was.
    let ended = before
        .iter()
        .find(|(id, (_, row))| after.get(*id).is_none_or(|(_, r)| r != row))
        .map(|(_, (number, _))| number.clone())
        .expect("10% change per day changes some of 60 rows");
    let kept = before
        .iter()
        .find(|(id, (number, row))| {
            after.get(*id).is_some_and(|(_, r)| r == row) && *number != ended
        })
        .map(|(_, (number, _))| number.clone())
        .unwrap();
    assert_eq!(hits(&data, &ended, SEPT), 1);
    assert_eq!(hits(&data, &kept, SEPT), 1);
    assert_eq!(
        scopes(&data),
        [
            ("open 1".to_owned(), true),
            ("month 2026-10".to_owned(), true)
        ]
    );

    let out = tdip(&data, &["keys", "shred", "--month", "2999-01", "--yes"]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("only a month that is over"),
        "{}",
        stderr(&out)
    );
    let out = tdip(&data, &["keys", "shred", "--month", "2026-10"]);
    assert!(out.status.success());
    assert!(
        stderr(&out).contains("would destroy 1 key(s)"),
        "{}",
        stderr(&out)
    );
    assert_eq!(hits(&data, &ended, SEPT), 1, "a dry run destroys nothing");

    let out = tdip(&data, &["keys", "shred", "--month", "2026-10", "--yes"]);
    assert!(
        stderr(&out).contains("destroyed 1 key(s)"),
        "{}",
        stderr(&out)
    );
    assert_eq!(hits(&data, &ended, SEPT), 0, "October's versions are gone");
    assert_eq!(hits(&data, &kept, SEPT), 1, "open versions still answer");
    assert_eq!(
        scopes(&data),
        [
            ("open 1".to_owned(), true),
            ("month 2026-10".to_owned(), false)
        ]
    );

    let out = tdip(&data, &["keys", "rotate", "--provider", "kpn"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let open_rows = after.len().to_string();
    assert!(
        stderr(&out).contains(&format!("{open_rows} open versions sealed again")),
        "{}",
        stderr(&out)
    );
    assert_eq!(
        scopes(&data),
        [
            ("open 1".to_owned(), false),
            ("open 2".to_owned(), true),
            ("month 2026-10".to_owned(), false)
        ]
    );
    assert_eq!(hits(&data, &kept, SEPT), 1);
    assert_eq!(hits(&data, &kept, OCT), 1);
}

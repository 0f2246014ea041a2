//! `tdip keys`: listing the data keys, shredding a month (dry run first, then for real,
//! never a month still in progress), and rotating a provider's open key while lookups
//! keep answering.

mod common;

use std::collections::BTreeMap;
use std::path::Path;

use common::{add_kpn, deliver_kpn, gen_kpn_day, ok, stderr, tdip};

const SEPT: &str = "2026-09-15T10:00:00Z";
const OCT: &str = "2026-10-15T10:00:00Z";

/// Subscription id to (first phone number, whole row) of a generated file, for the rows
/// that have a phone number.
fn rows(file: &Path) -> BTreeMap<String, (String, Vec<String>)> {
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
    common::add_officer(&data);
    add_kpn(&data);
    // 60 rows, 10% of them changing per day.
    gen_kpn_day(&data, &day0, 60, 0, "10");
    gen_kpn_day(&data, &day1, 60, 1, "10");
    deliver_kpn(&data, &day0, SEPT);
    deliver_kpn(&data, &day1, OCT);
    let (before, after) = (rows(&day0), rows(&day1));
    let all_after = {
        let mut reader = csv::Reader::from_path(&day1).unwrap();
        reader.records().count()
    };
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
    // The open key that sealed October's versions while they were valid went first, so
    // that no older copy of the database opens them either.
    assert!(
        stderr(&out).contains("open key rotated before shredding 2026-10"),
        "{}",
        stderr(&out)
    );
    assert_eq!(hits(&data, &ended, SEPT), 0, "October's versions are gone");
    assert_eq!(hits(&data, &kept, SEPT), 1, "open versions still answer");
    assert_eq!(
        scopes(&data),
        [
            ("open 1".to_owned(), false),
            ("open 2".to_owned(), true),
            ("month 2026-10".to_owned(), false)
        ]
    );

    let out = tdip(&data, &["keys", "rotate", "--provider", "kpn"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let open_rows = all_after.to_string();
    assert!(
        stderr(&out).contains(&format!("{open_rows} open versions sealed again")),
        "{}",
        stderr(&out)
    );
    assert_eq!(
        scopes(&data),
        [
            ("open 1".to_owned(), false),
            ("open 2".to_owned(), false),
            ("open 3".to_owned(), true),
            ("month 2026-10".to_owned(), false)
        ]
    );
    assert_eq!(hits(&data, &kept, SEPT), 1);
    assert_eq!(hits(&data, &kept, OCT), 1);
}

//! The command line on PostgreSQL: the same deliveries give the same answers, byte for
//! byte, as on the embedded SQLite store; and a dump of the database holds no delivered
//! name or number. Needs `TDIP_TEST_PG_URL` (set by `.ci/run`).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use aho_corasick::AhoCorasick;

mod common;

use common::pg::TempDb;

fn tdip(data: &Path, store: &str, args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_tdip"))
        .args(["--data", data.to_str().unwrap(), "--store", store])
        .args(args)
        .env_remove("TDIP_ZONE")
        .envs(common::DEMAND)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "tdip {args:?} on {store}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// Generates two days of kpn and returns the files.
fn two_days(dir: &Path) -> Vec<PathBuf> {
    (0..2)
        .map(|day| {
            let file = dir.join(format!("kpn-{day}.csv"));
            let out = Command::new(env!("CARGO_BIN_EXE_tdip"))
                .args([
                    "gen",
                    "subscribers",
                    "--provider",
                    "kpn",
                    "--rows",
                    "1500",
                    "--change-rate",
                    "5",
                ])
                .args(["--day", &day.to_string(), "--out", file.to_str().unwrap()])
                .output()
                .unwrap();
            assert!(out.status.success());
            file
        })
        .collect()
}

fn deliver_both_days(data: &Path, store: &str, files: &[PathBuf]) {
    tdip(data, store, &["init", "--dev-key"]);
    tdip(data, store, common::ADD_OFFICER);
    tdip(
        data,
        store,
        &[
            "providers",
            "add",
            "kpn",
            "--name",
            "KPN B.V.",
            "--country",
            "NL",
        ],
    );
    for (file, at) in files
        .iter()
        .zip(["2026-11-02T00:00:00Z", "2026-11-03T00:00:00Z"])
    {
        tdip(
            data,
            store,
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
}

fn column(file: &Path, name: &str) -> Vec<String> {
    let mut reader = csv::Reader::from_path(file).unwrap();
    let col = reader
        .headers()
        .unwrap()
        .iter()
        .position(|h| h == name)
        .unwrap();
    reader
        .records()
        .map(|r| r.unwrap()[col].to_owned())
        .filter(|v| !v.is_empty())
        .collect()
}

#[test]
fn postgres_answers_exactly_as_sqlite_and_its_dump_holds_no_plaintext() {
    let dir = tempfile::tempdir().unwrap();
    let files = two_days(dir.path());
    let db = TempDb::new("same");
    let (lite, pg) = (dir.path().join("lite"), dir.path().join("pg"));
    deliver_both_days(&lite, "sqlite:", &files);
    deliver_both_days(&pg, &db.url(), &files);

    let mut numbers: Vec<String> = column(&files[0], "msisdn")
        .into_iter()
        .step_by(150)
        .collect();
    numbers.extend(column(&files[1], "msisdn").into_iter().rev().step_by(200));
    numbers.push("+31699999999".into());
    let mut compared = 0;
    for number in numbers
        .iter()
        .map(|n| n.split(';').next().unwrap().to_owned())
    {
        for at in [
            "2026-11-02 00:00:00",
            "2026-11-02 12:00:00",
            "2026-11-04 00:00:00",
            "2025-01-01 00:00:00",
        ] {
            let args = ["lookup", "--msisdn", number.as_str(), "--at", at, "--json"];
            let answer = |out: String| {
                let mut v: serde_json::Value = serde_json::from_str(&out).unwrap();
                // Each consultation gets its own reference and a due time counted from
                // its own receipt; everything else must agree.
                v.as_object_mut().unwrap().remove("consultation");
                v.as_object_mut().unwrap().remove("due");
                v
            };
            let (a, b) = (
                answer(tdip(&lite, "sqlite:", &args)),
                answer(tdip(&pg, &db.url(), &args)),
            );
            assert_eq!(
                a, b,
                "SQLite and PostgreSQL answer {number} at {at} differently"
            );
            compared += 1;
        }
    }
    assert!(compared > 50, "only {compared} comparisons");

    // The whole database as pg_dump sees it: no delivered identifier or name in clear.
    let dump = Command::new("pg_dump").arg(db.url()).output().unwrap();
    assert!(
        dump.status.success(),
        "pg_dump: {}",
        String::from_utf8_lossy(&dump.stderr)
    );
    let mut values = BTreeSet::new();
    for file in &files {
        for col in [
            "msisdn",
            "imsi",
            "imei",
            "email",
            "user_id",
            "surname",
            "billing_street",
            "payment_means",
            "subscription_id",
        ] {
            for value in column(file, col) {
                values.extend(value.split(';').filter(|v| v.len() >= 7).map(str::to_owned));
            }
        }
    }
    assert!(values.len() > 3000, "only {} values", values.len());
    let text = dump.stdout;
    assert!(
        text.len() > 1 << 20,
        "the dump is suspiciously small: {} bytes",
        text.len()
    );
    if let Some(m) = AhoCorasick::new(&values).unwrap().find(&text) {
        let found = values.iter().nth(m.pattern().as_usize()).unwrap();
        panic!("pg_dump shows the delivered value {found:?} in clear");
    }
}

/// `tdip` on `store`, whatever its outcome: (success, stdout and stderr).
fn run(data: &Path, store: &str, args: &[&str]) -> (bool, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_tdip"))
        .args(["--data", data.to_str().unwrap(), "--store", store])
        .args(args)
        .env_remove("TDIP_ZONE")
        .envs(common::DEMAND)
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr),
    )
}

/// Issue 15 on PostgreSQL: a database administrator with `psql` who lengthens a closed
/// version's validity, deletes a version or deletes index entries is refused on read or
/// reported by `tdip audit verify --check-store`.
#[test]
fn what_psql_changes_is_refused_on_read_or_reported() {
    let db = TempDb::new("tamper");
    let store = db.url();
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let files = two_days(dir.path());
    deliver_both_days(&data, &store, &files);
    let query = |sql: &str| -> String {
        let out = Command::new("psql")
            .args([store.as_str(), "-Atqc", sql])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{sql}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).trim().to_owned()
    };
    let (clean, report) = run(&data, &store, &["audit", "verify", "--check-store"]);
    assert!(clean, "{report}");

    // A version that ended on day 2, made open again (its partition row moves back):
    // the first row of day 1 that day 2 changed or dropped (ids follow the file's order).
    let records = |file: &Path| -> Vec<csv::StringRecord> {
        csv::Reader::from_path(file)
            .unwrap()
            .records()
            .map(Result::unwrap)
            .collect()
    };
    let day2 = records(&files[1]);
    let changed = records(&files[0])
        .into_iter()
        .find(|r| !day2.iter().any(|d| d == r) && !r[3].is_empty())
        .expect("5% of the rows change");
    let number = changed[3].split(';').next().unwrap().to_owned();
    let closed: i64 = query("SELECT min(id) FROM version WHERE valid_to IS NOT NULL")
        .parse()
        .unwrap();
    let lookup = || {
        run(
            &data,
            &store,
            &[
                "lookup",
                "--msisdn",
                &number,
                "--at",
                "2026-11-02 12:00:00",
                "--json",
            ],
        )
    };
    let (ok, answer) = lookup();
    assert!(
        ok && answer
            .replace(' ', "")
            .contains(&format!("\"version\":{closed}")),
        "{answer}"
    );
    // A day longer than it was: the subscriber answers for a moment they were gone.
    query(&format!(
        "UPDATE version SET valid_to = valid_to + 86400 WHERE id = {closed}"
    ));
    let (ok, answer) = lookup();
    assert!(!ok && answer.contains("changed around tdip"), "{answer}");
    // Deleted: the lookup names the index entry that points nowhere.
    query(&format!("DELETE FROM version WHERE id = {closed}"));
    let (ok, answer) = lookup();
    assert!(
        !ok && answer.contains(&format!("points at version {closed}")),
        "{answer}"
    );
    let (clean, report) = run(&data, &store, &["audit", "verify", "--check-store"]);
    assert!(!clean, "{report}");
    assert!(report.contains("versions were deleted"), "{report}");

    // Index entries deleted: reported, not silent.
    query(
        "DELETE FROM ident WHERE version_id = (SELECT max(id) FROM version WHERE provider = 'kpn')",
    );
    let (_, report) = run(&data, &store, &["audit", "verify", "--check-store"]);
    assert!(report.contains("index entries were deleted"), "{report}");
}

/// Issue 15, item 4, on PostgreSQL: a suspension cleared with SQL in the server's
/// `officer` table is refused as a registry edited around tdip, and logged.
#[test]
fn a_suspension_cleared_in_postgres_is_refused_and_logged() {
    let dir = tempfile::tempdir().unwrap();
    let files = two_days(dir.path());
    let db = TempDb::new("registry");
    let (data, url) = (dir.path().join("pg"), db.url());
    deliver_both_days(&data, &url, &files[..1]);
    let number = column(&files[0], "msisdn")[0]
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    let lookup = || {
        Command::new(env!("CARGO_BIN_EXE_tdip"))
            .args(["--data", data.to_str().unwrap(), "--store", &url])
            .args(["lookup", "--msisdn", &number, "--at", "2026-11-02 12:00:00"])
            .env_remove("TDIP_ZONE")
            .envs(common::DEMAND)
            .output()
            .unwrap()
    };
    assert!(lookup().status.success());
    let suspend = [
        "officers",
        "suspend",
        "--agency",
        "nl/politie",
        "--officer",
        "T-1",
        "--reason",
        "internal inquiry",
    ];
    tdip(&data, &url, &suspend);
    assert_eq!(lookup().status.code(), Some(3));

    let out = Command::new("psql")
        .args([
            url.as_str(),
            "-Atqc",
            "UPDATE officer SET suspended_at = NULL, suspended_reason = NULL",
        ])
        .output()
        .unwrap();
    assert!(out.status.success());
    let refused = lookup();
    assert_eq!(refused.status.code(), Some(3));
    let said = String::from_utf8_lossy(&refused.stderr);
    assert!(said.contains("changed outside tdip"), "{said}");
    let log = tdip(&data, &url, &["audit", "log", "--json", "--limit", "10000"]);
    let findings: Vec<serde_json::Value> = log
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .filter(|e| e["kind"] == "integrity")
        .collect();
    assert_eq!(findings.len(), 1, "{log}");
    assert_eq!(findings[0]["body"]["subject"], "nl/politie T-1");
}

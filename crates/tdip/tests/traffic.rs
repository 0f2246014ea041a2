//! Retained traffic data through the command line: generated CGNAT assignments and
//! sessions delivered as batches, "who used this address and port then" answered down to
//! the subscriber for sampled assignments, a batch delivered twice applied once, a bad
//! record rejecting its batch with its line — and no address or user id in clear in the
//! SQLite files (WAL included) or, on PostgreSQL, in a `pg_dump`, whose answers are
//! SQLite's.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use aho_corasick::AhoCorasick;

mod common;

use common::{ok, stderr, tdip};

/// kpn's subscribers, CGNAT assignments and sessions of day 0, generated into `dir`.
struct Files {
    subscribers: PathBuf,
    cgnat: PathBuf,
    sessions: PathBuf,
}

fn generate(data: &Path, dir: &Path) -> Files {
    let files = Files {
        subscribers: dir.join("kpn-day0.csv"),
        cgnat: dir.join("kpn-cgnat-day0.csv"),
        sessions: dir.join("kpn-sessions-day0.csv"),
    };
    for (what, path) in [
        ("subscribers", &files.subscribers),
        ("cgnat", &files.cgnat),
        ("sessions", &files.sessions),
    ] {
        ok(
            data,
            &[
                "gen",
                what,
                "--provider",
                "kpn",
                "--rows",
                "2000",
                "--day",
                "0",
                "--out",
                path.to_str().unwrap(),
            ],
        );
    }
    files
}

/// A point on `store` with the officer, kpn, its subscribers and both traffic batches.
fn load(data: &Path, store: &str, files: &Files) {
    ok(data, &["--store", store, "init", "--dev-key"]);
    ok(
        data,
        &[
            "--store",
            store,
            "officers",
            "add",
            "--agency",
            "nl/politie",
            "--officer",
            "T-1",
            "--name",
            "Test Officer",
        ],
    );
    ok(
        data,
        &[
            "--store",
            store,
            "providers",
            "add",
            "kpn",
            "--name",
            "KPN B.V.",
            "--country",
            "NL",
        ],
    );
    ok(
        data,
        &[
            "--store",
            store,
            "deliver",
            "--provider",
            "kpn",
            "--snapshot-at",
            "2026-11-01T23:00:00Z",
            files.subscribers.to_str().unwrap(),
        ],
    );
    for (kind, path) in [("session", &files.sessions), ("cgnat", &files.cgnat)] {
        let out = ok(
            data,
            &[
                "--store",
                store,
                "traffic",
                "deliver",
                "--provider",
                "kpn",
                "--kind",
                kind,
                "--json",
                path.to_str().unwrap(),
            ],
        );
        let report: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(report["batch"], "accepted", "{report}");
    }
}

/// The rows of a generated CSV file, as (column → value) maps.
fn rows(path: &Path) -> Vec<std::collections::HashMap<String, String>> {
    let mut reader = csv::Reader::from_path(path).unwrap();
    let header: Vec<String> = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_owned)
        .collect();
    reader
        .records()
        .map(|r| {
            let r = r.unwrap();
            header
                .iter()
                .cloned()
                .zip(r.iter().map(str::to_owned))
                .collect()
        })
        .collect()
}

/// Every address and user id of the traffic files, long enough not to occur by chance.
fn traffic_values(files: &Files) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for (path, columns) in [
        (&files.cgnat, &["public_ip", "private_ip", "user_id"][..]),
        (&files.sessions, &["address", "user_id", "ntp_start"][..]),
    ] {
        for row in rows(path) {
            for c in columns {
                let v = &row[*c];
                if v.len() >= 7 {
                    out.insert(v.clone());
                }
            }
        }
    }
    out
}

/// Assignments with an end-user id and an end, every 37th: (address, port, moment, user).
fn sampled(files: &Files) -> Vec<(String, String, String, String)> {
    rows(&files.cgnat)
        .into_iter()
        .filter(|r| !r["end"].is_empty() && !r["user_id"].is_empty())
        .step_by(37)
        .take(15)
        .map(|r| {
            let port: u32 = r["first_port"].parse().unwrap();
            let start: jiff::Timestamp = r["start"].parse().unwrap();
            let end: jiff::Timestamp = r["end"].parse().unwrap();
            let middle = (start.as_second() + end.as_second()) / 2;
            let at = jiff::Timestamp::from_second(middle).unwrap().to_string();
            (
                r["public_ip"].clone(),
                (port + 3).to_string(),
                at,
                r["user_id"].clone(),
            )
        })
        .collect()
}

fn identify(data: &Path, store: &str, ip: &str, port: &str, at: &str) -> serde_json::Value {
    let out = ok(
        data,
        &[
            "--store",
            store,
            "lookup",
            "--basis",
            "nl/sv-126n",
            "--authorised-by",
            "mr. A. de Vries",
            "--ip",
            ip,
            "--port",
            port,
            "--at",
            at,
            "--json",
        ],
    );
    let mut v: serde_json::Value = serde_json::from_str(&out).unwrap();
    // Each consultation has its own reference and due time, and each point received its
    // batches at its own moment; everything else must agree.
    v.as_object_mut().unwrap().remove("consultation");
    v.as_object_mut().unwrap().remove("due");
    without(&mut v, "received_at");
    v
}

/// `v` without the key `name` at any depth.
fn without(v: &mut serde_json::Value, name: &str) {
    match v {
        serde_json::Value::Object(m) => {
            m.remove(name);
            m.values_mut().for_each(|v| without(v, name));
        }
        serde_json::Value::Array(a) => a.iter_mut().for_each(|v| without(v, name)),
        _ => {}
    }
}

fn scan(values: &BTreeSet<String>, what: &str, bytes: &[u8]) {
    if let Some(m) = AhoCorasick::new(values).unwrap().find(bytes) {
        let found = values.iter().nth(m.pattern().as_usize()).unwrap();
        panic!(
            "{what} holds the delivered traffic value {found:?} in clear at byte {}",
            m.start()
        );
    }
}

#[test]
fn an_address_and_port_lead_to_the_subscriber_and_the_store_files_hold_no_address_or_user_in_clear()
{
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let files = generate(&data, dir.path());
    // Holding a connection keeps the write-ahead log on disk after each command.
    load(&data, "sqlite:", &files);
    let hold = rusqlite::Connection::open(data.join("tdip.db")).unwrap();
    let _: i64 = hold
        .query_row("SELECT count(*) FROM provider", [], |r| r.get(0))
        .unwrap();

    let samples = sampled(&files);
    assert!(samples.len() >= 10, "only {} samples", samples.len());
    for (ip, port, at, user) in &samples {
        let a = identify(&data, "sqlite:", ip, port, at);
        let candidates = a["candidates"].as_array().unwrap();
        assert_eq!(candidates.len(), 1, "{ip}:{port} at {at}: {a}");
        let c = &candidates[0];
        assert_eq!(c["user_id"], user.as_str());
        assert_eq!(c["assignment"]["source"]["batch"], "kpn-cgnat-day0");
        let subscribers = c["subscribers"].as_array().unwrap();
        assert_eq!(subscribers.len(), 1, "{a}");
        let held = subscribers[0]["subscription"]["user_id"]
            .as_array()
            .unwrap();
        assert!(held.iter().any(|u| u == user.as_str()), "{a}");
    }
    // The same batch again changes nothing; another under its id is refused.
    let again = ok(
        &data,
        &[
            "traffic",
            "deliver",
            "--provider",
            "kpn",
            "--kind",
            "cgnat",
            "--json",
            files.cgnat.to_str().unwrap(),
        ],
    );
    let again: serde_json::Value = serde_json::from_str(&again).unwrap();
    assert_eq!(again["batch"], "already-applied", "{again}");
    // One bad record (a port out of range on line 3) rejects its batch, naming the line.
    let bad = dir.path().join("bad.csv");
    std::fs::write(
        &bad,
        "public_ip,first_port,last_port,private_ip,user_id,start,end\n\
         198.51.100.7,1024,1535,,u1,2026-11-02T10:00:00Z,2026-11-02T11:00:00Z\n\
         198.51.100.7,1024,70000,,u2,2026-11-02T12:00:00Z,2026-11-02T13:00:00Z\n",
    )
    .unwrap();
    let out = tdip(
        &data,
        &[
            "traffic",
            "deliver",
            "--provider",
            "kpn",
            "--kind",
            "cgnat",
            bad.to_str().unwrap(),
        ],
    );
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("REJECTED") && text.contains("line 3, last_port"),
        "{text}"
    );
    let log = ok(&data, &["traffic", "batches", "--json"]);
    let log: serde_json::Value = serde_json::from_str(&log).unwrap();
    let outcomes: Vec<&str> = log
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["outcome"].as_str().unwrap())
        .collect();
    assert_eq!(outcomes, ["rejected", "accepted", "accepted"], "{log}");

    let values = traffic_values(&files);
    assert!(
        values.len() > 1000,
        "only {} values to look for",
        values.len()
    );
    let mut scanned = 0;
    for name in ["tdip.db", "tdip.db-wal", "audit.db", "audit.db-wal"] {
        let path = data.join(name);
        let bytes = std::fs::read(&path).unwrap_or_default();
        scanned += bytes.len();
        scan(&values, name, &bytes);
    }
    assert!(
        scanned > 1 << 20,
        "the store files are suspiciously small: {scanned} bytes"
    );
    drop(hold);
}

#[test]
fn postgres_answers_traffic_questions_as_sqlite_and_its_dump_holds_no_address_or_user() {
    let dir = tempfile::tempdir().unwrap();
    let files = generate(&dir.path().join("gen"), dir.path());
    let db = common::pg::TempDb::new("traffic");
    let (lite, pg) = (dir.path().join("lite"), dir.path().join("pg"));
    load(&lite, "sqlite:", &files);
    load(&pg, &db.url(), &files);
    for (ip, port, at, _) in sampled(&files) {
        assert_eq!(
            identify(&lite, "sqlite:", &ip, &port, &at),
            identify(&pg, &db.url(), &ip, &port, &at),
            "{ip}:{port} at {at}"
        );
    }
    let dump = std::process::Command::new("pg_dump")
        .arg(db.url())
        .output()
        .unwrap();
    assert!(
        dump.status.success(),
        "pg_dump: {}",
        String::from_utf8_lossy(&dump.stderr)
    );
    assert!(
        dump.stdout.len() > 1 << 20,
        "the dump is suspiciously small"
    );
    scan(&traffic_values(&files), "pg_dump", &dump.stdout);
}

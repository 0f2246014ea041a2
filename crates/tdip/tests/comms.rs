//! Communications through the command line: generated cells, mobile calls and internet
//! records delivered as batches, a number's calls answered with their cells, a cell dump
//! and a device history — and no number, IMSI, IMEI or account in clear in the SQLite
//! files (WAL included) or, on PostgreSQL, in a `pg_dump`, whose answers are SQLite's.

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use aho_corasick::AhoCorasick;

mod common;

use common::ok;

struct Files {
    subscribers: PathBuf,
    cells: PathBuf,
    calls: PathBuf,
    mail: PathBuf,
}

fn generate(data: &Path, dir: &Path) -> Files {
    let files = Files {
        subscribers: dir.join("kpn-day0.csv"),
        cells: dir.join("kpn-cells-day0.csv"),
        calls: dir.join("kpn-calls-day0.csv"),
        mail: dir.join("kpn-mail-day0.csv"),
    };
    for (what, path) in [
        ("subscribers", &files.subscribers),
        ("cells", &files.cells),
        ("calls", &files.calls),
        ("mail", &files.mail),
    ] {
        ok(
            data,
            &[
                "gen",
                what,
                "--provider",
                "kpn",
                "--rows",
                "1500",
                "--day",
                "0",
                "--out",
                path.to_str().unwrap(),
            ],
        );
    }
    files
}

fn load(data: &Path, store: &str, files: &Files) {
    let s = |args: &[&str]| {
        let mut all = vec!["--store", store];
        all.extend_from_slice(args);
        ok(data, &all)
    };
    s(&["init", "--dev-key"]);
    s(&[
        "officers",
        "add",
        "--agency",
        "nl/politie",
        "--officer",
        "T-1",
        "--name",
        "Test Officer",
    ]);
    s(&[
        "providers",
        "add",
        "kpn",
        "--name",
        "KPN B.V.",
        "--country",
        "NL",
    ]);
    s(&[
        "deliver",
        "--provider",
        "kpn",
        "--snapshot-at",
        "2026-11-01T23:00:00Z",
        files.subscribers.to_str().unwrap(),
    ]);
    for (kind, path) in [
        ("cell", &files.cells),
        ("mobile", &files.calls),
        ("internet", &files.mail),
    ] {
        let out = s(&[
            "traffic",
            "deliver",
            "--provider",
            "kpn",
            "--kind",
            kind,
            "--json",
            path.to_str().unwrap(),
        ]);
        let report: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(report["batch"], "accepted", "{kind}: {report}");
    }
}

fn rows(path: &Path) -> Vec<HashMap<String, String>> {
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

/// Every number, IMSI, IMEI and account of the generated communications.
fn personal_values(files: &Files) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for (path, columns) in [
        (
            &files.calls,
            &[
                "calling_number",
                "called_number",
                "calling_imsi",
                "calling_imei",
                "called_imsi",
                "called_imei",
                "forwarded_to",
            ][..],
        ),
        (
            &files.mail,
            &["account", "recipient", "calling_number", "called_number"][..],
        ),
    ] {
        for row in rows(path) {
            for c in columns {
                if let Some(v) = row.get(*c)
                    && v.len() >= 8
                {
                    out.insert(v.clone());
                    // Numbers are stored normalised; look for the digits too.
                    out.insert(v.trim_start_matches('+').to_owned());
                }
            }
        }
    }
    out
}

/// A call of the file with a calling number and a start cell: number, cell, start.
fn sample_calls(files: &Files) -> Vec<(String, String, String)> {
    rows(&files.calls)
        .into_iter()
        .filter(|r| {
            r["type"] == "call"
                && !r["calling_number"].is_empty()
                && !r["calling_cell_start"].is_empty()
        })
        .step_by(41)
        .take(6)
        .map(|r| {
            (
                r["calling_number"].clone(),
                r["calling_cell_start"].clone(),
                r["start"].clone(),
            )
        })
        .collect()
}

fn ask(data: &Path, store: &str, extra: &[&str]) -> serde_json::Value {
    let mut args = vec![
        "--store",
        store,
        "lookup",
        "--basis",
        "nl/sv-126n",
        "--authorised-by",
        "mr. A. de Vries",
        "--json",
    ];
    args.extend_from_slice(extra);
    let out = ok(data, &args);
    let mut v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let o = v.as_object_mut().unwrap();
    o.remove("consultation");
    o.remove("due");
    without(&mut v, "received_at");
    v
}

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

fn window(start: &str) -> (String, String) {
    let t: jiff::Timestamp = start.parse().unwrap();
    let at = |s: i64| jiff::Timestamp::from_second(s).unwrap().to_string();
    (at(t.as_second() - 1800), at(t.as_second() + 1800))
}

/// The answers to a number's calls and a cell dump around each sampled call.
fn answers(data: &Path, store: &str, files: &Files) -> Vec<serde_json::Value> {
    let mut out = Vec::new();
    for (number, cell, start) in sample_calls(files) {
        let (from, to) = window(&start);
        let calls = ask(
            data,
            store,
            &[
                "--msisdn",
                &number,
                "--traffic",
                "--from",
                &from,
                "--to",
                &to,
            ],
        );
        let comms = calls["communications"].as_array().unwrap();
        let start_s = start.parse::<jiff::Timestamp>().unwrap().as_second();
        let found = comms
            .iter()
            .flat_map(|c| c["records"].as_array().unwrap())
            .find(|r| r["start"] == start_s && r["calling"]["number"] == number.as_str());
        let found = found.unwrap_or_else(|| panic!("the call of {start} is answered: {calls}"));
        let placed = found["cells"].as_array().unwrap();
        assert!(
            placed
                .iter()
                .any(|c| c["cell_id"] == cell.as_str() && c["configured"].is_object()),
            "the start cell is placed as configured: {found}"
        );
        let dump = ask(
            data,
            store,
            &[
                "--cell-dump",
                "--cell",
                &format!("kpn:{cell}"),
                "--from",
                &from,
                "--to",
                &to,
            ],
        );
        let through = dump["communications"].as_array().unwrap();
        assert!(
            through
                .iter()
                .flat_map(|c| c["records"].as_array().unwrap())
                .any(|r| r["start"] == start_s && r["calling"]["number"] == number.as_str()),
            "the dump of the call's cell holds it: {dump}"
        );
        out.push(calls);
        out.push(dump);
    }
    assert!(out.len() >= 8, "only {} answers", out.len());
    out
}

fn scan(values: &BTreeSet<String>, what: &str, bytes: &[u8]) {
    if let Some(m) = AhoCorasick::new(values).unwrap().find(bytes) {
        let found = values.iter().nth(m.pattern().as_usize()).unwrap();
        panic!(
            "{what} holds the delivered value {found:?} in clear at byte {}",
            m.start()
        );
    }
}

#[test]
fn a_numbers_calls_and_a_cell_dump_are_answered_and_the_store_files_hold_no_number_or_account() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let files = generate(&data, dir.path());
    load(&data, "sqlite:", &files);
    let hold = rusqlite::Connection::open(data.join("tdip.db")).unwrap();
    let _: i64 = hold
        .query_row("SELECT count(*) FROM provider", [], |r| r.get(0))
        .unwrap();
    answers(&data, "sqlite:", &files);
    let values = personal_values(&files);
    assert!(values.len() > 500, "only {} values", values.len());
    let mut scanned = 0;
    for name in ["tdip.db", "tdip.db-wal", "audit.db", "audit.db-wal"] {
        let bytes = std::fs::read(data.join(name)).unwrap_or_default();
        scanned += bytes.len();
        scan(&values, name, &bytes);
    }
    assert!(scanned > 1 << 20, "suspiciously small: {scanned} bytes");
    drop(hold);
}

#[test]
fn postgres_answers_communications_as_sqlite_and_its_dump_holds_no_number_or_account() {
    let dir = tempfile::tempdir().unwrap();
    let files = generate(&dir.path().join("gen"), dir.path());
    let db = common::pg::TempDb::new("comms");
    let (lite, pg) = (dir.path().join("lite"), dir.path().join("pg"));
    load(&lite, "sqlite:", &files);
    load(&pg, &db.url(), &files);
    assert_eq!(
        answers(&lite, "sqlite:", &files),
        answers(&pg, &db.url(), &files)
    );
    let dump = std::process::Command::new("pg_dump")
        .arg(db.url())
        .output()
        .unwrap();
    assert!(dump.status.success());
    assert!(
        dump.stdout.len() > 1 << 20,
        "the dump is suspiciously small"
    );
    scan(&personal_values(&files), "pg_dump", &dump.stdout);
}

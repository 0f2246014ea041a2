//! Sealed from the first row: after realistic deliveries, the raw store files (database,
//! WAL, shared memory) contain none of the delivered names, numbers or addresses.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

use aho_corasick::AhoCorasick;

mod common;

fn tdip(data: &Path, args: &[&str]) {
    let out = Command::new(env!("CARGO_BIN_EXE_tdip"))
        .arg("--data")
        .arg(data)
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "tdip {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Every value of the sensitive columns, as delivered and in the normalised forms the
/// store could hold, that is long enough not to occur in random bytes by chance.
fn sensitive_values(file: &Path) -> BTreeSet<String> {
    // City names are left out: "Amsterdam" is rightly stored as part of the provider's
    // time zone, Europe/Amsterdam.
    const COLUMNS: [&str; 15] = [
        "msisdn",
        "imsi",
        "imei",
        "ip",
        "email",
        "user_id",
        "mac",
        "surname",
        "given_names",
        "organisation",
        "billing_street",
        "install_street",
        "payment_means",
        "registration_ip",
        "subscription_id",
    ];
    let mut reader = csv::Reader::from_path(file).unwrap();
    let header = reader.headers().unwrap().clone();
    let mut out = BTreeSet::new();
    for rec in reader.records() {
        let rec = rec.unwrap();
        for (name, value) in header.iter().zip(rec.iter()) {
            if !COLUMNS.contains(&name) {
                continue;
            }
            for item in value.split(';').filter(|v| v.len() >= 7) {
                out.insert(item.to_owned());
                if name == "msisdn" {
                    out.insert(item.trim_start_matches('+').to_owned());
                }
                if name == "imei" {
                    out.insert(item[..14].to_owned());
                }
                if name == "email" {
                    out.insert(item.to_lowercase());
                }
            }
        }
    }
    out
}

#[test]
fn raw_store_files_hold_no_plaintext_after_two_days_of_deliveries() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    tdip(&data, &["init", "--dev-key"]);
    tdip(
        &data,
        &[
            "providers",
            "add",
            "kpn",
            "--name",
            "KPN",
            "--country",
            "NL",
        ],
    );
    // Holding a connection open keeps the write-ahead log on disk after each command
    // (the last connection to close would checkpoint and delete it), so it is scanned too.
    let hold = rusqlite::Connection::open(data.join("tdip.db")).unwrap();
    let _: i64 = hold
        .query_row("SELECT count(*) FROM provider", [], |r| r.get(0))
        .unwrap();
    let mut values = BTreeSet::new();
    for (day, at) in [(0, "2026-11-02T00:00:00Z"), (1, "2026-11-03T00:00:00Z")] {
        let file = dir.path().join(format!("day{day}.csv"));
        let f = file.to_str().unwrap();
        tdip(
            &data,
            &[
                "gen",
                "subscribers",
                "--provider",
                "kpn",
                "--rows",
                "3000",
                "--day",
                &day.to_string(),
                "--change-rate",
                "5",
                "--out",
                f,
            ],
        );
        tdip(
            &data,
            &["deliver", "--provider", "kpn", "--snapshot-at", at, f],
        );
        values.extend(sensitive_values(&file));
    }
    assert!(
        values.len() > 10_000,
        "only {} values to look for",
        values.len()
    );
    // Consultations put the identifiers asked about into the audit log: as blind index and
    // sealed only. A connection held open keeps the audit WAL on disk too.
    common::add_officer(&data);
    let hold_audit = rusqlite::Connection::open(data.join("audit.db")).unwrap();
    let _: i64 = hold_audit
        .query_row("SELECT count(*) FROM audit_entry", [], |r| r.get(0))
        .unwrap();
    let asked: Vec<&String> = values
        .iter()
        .filter(|v| v.starts_with("+316"))
        .step_by(31)
        .take(20)
        .collect();
    assert_eq!(asked.len(), 20);
    for number in asked {
        tdip(
            &data,
            &[
                "lookup",
                "--agency",
                "nl/politie",
                "--officer",
                "T-1",
                "--basis",
                "nl/sv-126na",
                "--case",
                "PRIVACY-1",
                "--msisdn",
                number,
            ],
        );
    }

    let finder = AhoCorasick::new(&values).unwrap();
    let mut scanned = 0;
    let mut names = Vec::new();
    let mut files: Vec<std::path::PathBuf> = Vec::new();
    let mut dirs = vec![data.clone()];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
            } else {
                files.push(path);
            }
        }
    }
    for path in files {
        let name = path
            .strip_prefix(&data)
            .unwrap()
            .to_string_lossy()
            .into_owned();
        // Data key files are named by their random id.
        let key_file = is_key_file_name(&name);
        names.push(if key_file {
            "keys/<id>.key".into()
        } else {
            name
        });
        let bytes = std::fs::read(&path).unwrap();
        scanned += bytes.len();
        if let Some(m) = finder.find(&bytes) {
            let found = &values.iter().nth(m.pattern().as_usize()).unwrap();
            panic!(
                "{} holds the delivered value {found:?} in clear at byte {}",
                path.display(),
                m.start()
            );
        }
    }
    assert!(
        scanned > 1 << 20,
        "the store files are suspiciously small: {scanned} bytes"
    );
    names.sort();
    assert_eq!(
        names,
        [
            "audit.db",
            "audit.db-shm",
            "audit.db-wal",
            "audit.head",
            "audit.pub",
            "keyfile",
            "keys/<id>.key",
            "keys/<id>.key",
            "spool.key",
            "spool.pub",
            "tdip.db",
            "tdip.db-shm",
            "tdip.db-wal"
        ],
        "one open key for kpn, one month key for the versions day two closed, the spool's key pair"
    );
    drop(hold);
}

/// Whether `name` is `keys/` and eight hex digits with `.key`.
fn is_key_file_name(name: &str) -> bool {
    name.strip_prefix("keys/")
        .and_then(|n| n.strip_suffix(".key"))
        .is_some_and(|id| id.len() == 8 && id.bytes().all(|b| b.is_ascii_hexdigit()))
}

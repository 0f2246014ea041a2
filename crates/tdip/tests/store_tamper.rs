//! What a database administrator changes in the store with `sqlite3` around tdip is
//! refused on read or reported by `tdip audit verify --check-store`, and a shredded month
//! stays shredded against an old copy of the database (issue 15, items 1–3 and 7).

mod common;

use std::path::PathBuf;

use common::{add_kpn, deliver_kpn, gen_kpn, msisdns, ok, stderr, tdip};
use rusqlite::Connection;

/// A dev-key point with the test officer and kpn, its day-0 file delivered as the
/// snapshot of 2025-09-30; and the same file without its last subscriber, not delivered.
struct Point {
    _dir: tempfile::TempDir,
    data: PathBuf,
    day0: PathBuf,
    day1: PathBuf,
    /// The phone number of the subscriber that day 1 no longer holds.
    gone: String,
}

fn point() -> Point {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let day0 = dir.path().join("kpn0.csv");
    let day1 = dir.path().join("kpn1.csv");
    ok(&data, &["init", "--dev-key"]);
    common::add_officer(&data);
    add_kpn(&data);
    gen_kpn(&data, &day0, 40);
    let text = std::fs::read_to_string(&day0).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    // The last row that has a phone number goes.
    let numbers = msisdns(&day0);
    let gone = numbers.last().unwrap().clone();
    let keep: Vec<&str> = lines
        .iter()
        .filter(|l| !l.contains(gone.trim_start_matches('+')))
        .copied()
        .collect();
    assert_eq!(keep.len(), lines.len() - 1, "the number is on one line");
    std::fs::write(&day1, keep.join("\n") + "\n").unwrap();
    deliver_kpn(&data, &day0, "2025-09-30T00:00:00Z");
    Point {
        _dir: dir,
        data,
        day0,
        day1,
        gone,
    }
}

impl Point {
    fn db(&self) -> Connection {
        Connection::open(self.data.join("tdip.db")).unwrap()
    }

    /// A consistent copy of the store, as a backup would be.
    fn backup(&self, name: &str) -> PathBuf {
        let path = self.data.parent().unwrap().join(name);
        self.db()
            .execute("VACUUM INTO ?1", [path.to_str().unwrap()])
            .unwrap();
        path
    }

    fn lookup(&self, number: &str, at: &str) -> std::process::Output {
        tdip(
            &self.data,
            &["lookup", "--msisdn", number, "--at", at, "--json"],
        )
    }

    fn hits(&self, number: &str, at: &str) -> Vec<serde_json::Value> {
        let out = self.lookup(number, at);
        assert!(out.status.success(), "lookup: {}", stderr(&out));
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        v["hits"].as_array().unwrap().clone()
    }

    fn verify_store(&self) -> (bool, String) {
        let out = tdip(&self.data, &["audit", "verify", "--check-store"]);
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned() + &stderr(&out),
        )
    }

    fn audit_log(&self) -> String {
        ok(&self.data, &["audit", "log", "--json", "--limit", "100000"])
    }

    /// The version the departed subscriber held.
    fn gone_version(&self) -> i64 {
        self.hits(&self.gone, "2025-09-30 12:00:00")[0]["version"]
            .as_i64()
            .unwrap()
    }
}

fn sealed_of(db: &Connection, id: i64) -> Vec<u8> {
    db.query_row("SELECT sealed FROM version WHERE id = ?1", [id], |r| {
        r.get(0)
    })
    .unwrap()
}

#[test]
fn a_shredded_month_stays_shredded_against_an_old_copy_of_the_database() {
    let p = point();
    let version = p.gone_version();
    let backup = p.backup("before.db");
    deliver_kpn(&p.data, &p.day1, "2025-10-05T00:00:00Z");
    assert_eq!(p.hits(&p.gone, "2025-10-01 12:00:00").len(), 1);
    ok(&p.data, &["keys", "shred", "--month", "2025-10", "--yes"]);
    assert!(p.hits(&p.gone, "2025-10-01 12:00:00").is_empty());

    let old = Connection::open(&backup).unwrap();
    let old_blob = sealed_of(&old, version);
    // The old blob alone, copied into the closed row.
    p.db()
        .execute(
            "UPDATE version SET sealed = ?2 WHERE id = ?1",
            rusqlite::params![version, old_blob],
        )
        .unwrap();
    let out = p.lookup(&p.gone, "2025-10-01 12:00:00");
    let text = String::from_utf8_lossy(&out.stdout).into_owned() + &stderr(&out);
    assert!(
        !text.contains("\"subscription\""),
        "answered from the backup: {text}"
    );
    // The whole row as the backup had it: open, with its old blob.
    p.db()
        .execute(
            "UPDATE version SET valid_to = NULL, last_seen = NULL WHERE id = ?1",
            [version],
        )
        .unwrap();
    for at in ["2025-10-01 12:00:00", "2025-12-01 12:00:00"] {
        let out = p.lookup(&p.gone, at);
        let text = String::from_utf8_lossy(&out.stdout).into_owned() + &stderr(&out);
        assert!(
            !text.contains("\"subscription\""),
            "answered from the backup: {text}"
        );
    }
    let (clean, report) = p.verify_store();
    assert!(!clean, "{report}");
    assert!(
        report.contains(&format!("versions {version} are open in the store")),
        "{report}"
    );
}

#[test]
fn validity_edited_in_the_store_is_refused_on_read() {
    let p = point();
    let version = p.gone_version();
    deliver_kpn(&p.data, &p.day1, "2025-10-05T00:00:00Z");
    assert!(p.hits(&p.gone, "2025-12-01 12:00:00").is_empty());
    let (valid_to, last_seen): (i64, i64) = p
        .db()
        .query_row(
            "SELECT valid_to, last_seen FROM version WHERE id = ?1",
            [version],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    let refused = |at: &str| {
        let out = p.lookup(&p.gone, at);
        assert!(
            !out.status.success(),
            "answered: {}",
            String::from_utf8_lossy(&out.stdout)
        );
        let err = stderr(&out);
        assert!(err.contains("changed around tdip"), "{err}");
        assert!(!err.contains(p.gone.trim_start_matches('+')), "{err}");
    };
    let edits = [
        // "still delivered"
        "UPDATE version SET valid_to = NULL, last_seen = NULL WHERE id = ?1",
        // a year longer
        "UPDATE version SET valid_to = valid_to + 31536000, last_seen = last_seen + 31536000 WHERE id = ?1",
        // a day longer, in the same month
        "UPDATE version SET valid_to = valid_to + 86400 WHERE id = ?1",
        // seen for longer
        "UPDATE version SET last_seen = last_seen + 86400 WHERE id = ?1",
        // appeared earlier
        "UPDATE version SET valid_from = valid_from - 86400 WHERE id = ?1",
    ];
    for edit in edits {
        p.db().execute(edit, [version]).unwrap();
        refused("2025-10-02 12:00:00");
        p.db()
            .execute(
                "UPDATE version SET valid_from = ?2, valid_to = ?3, last_seen = ?4 WHERE id = ?1",
                rusqlite::params![version, 1759190400i64, valid_to, last_seen],
            )
            .unwrap();
        assert_eq!(
            p.hits(&p.gone, "2025-10-02 12:00:00").len(),
            1,
            "after {edit}"
        );
    }
    // An open version's start moved.
    let other = &msisdns(&p.day0)[0];
    let open: i64 = p.hits(other, "2025-12-01 12:00:00")[0]["version"]
        .as_i64()
        .unwrap();
    p.db()
        .execute("UPDATE version SET seen_before = 1 WHERE id = ?1", [open])
        .unwrap();
    let out = p.lookup(other, "2025-12-01 12:00:00");
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("changed around tdip"),
        "{}",
        stderr(&out)
    );
    // The refusal is in the log.
    assert!(p.audit_log().contains("\"refusal\""));
}

#[test]
fn deleted_versions_and_index_entries_are_named_not_silent() {
    let p = point();
    let numbers = msisdns(&p.day0);
    let (a, b) = (&numbers[0], &numbers[1]);
    let va = p.hits(a, "2025-10-01 12:00:00")[0]["version"]
        .as_i64()
        .unwrap();
    let vb = p.hits(b, "2025-10-01 12:00:00")[0]["version"]
        .as_i64()
        .unwrap();
    assert!(p.verify_store().0, "{}", p.verify_store().1);

    p.db()
        .execute("DELETE FROM version WHERE id = ?1", [va])
        .unwrap();
    let out = p.lookup(a, "2025-10-01 12:00:00");
    assert!(!out.status.success(), "a silent no-hit");
    assert!(
        stderr(&out).contains(&format!("points at version {va}")),
        "{}",
        stderr(&out)
    );
    let (clean, report) = p.verify_store();
    assert!(!clean);
    assert!(report.contains("versions were deleted"), "{report}");
    assert!(
        report.contains(&format!("open versions {va} are in the snapshot index")),
        "{report}"
    );

    p.db()
        .execute("DELETE FROM ident WHERE version_id = ?1", [vb])
        .unwrap();
    let (_, report) = p.verify_store();
    assert!(report.contains("index entries were deleted"), "{report}");
    // What verify found is logged.
    let log = p.audit_log();
    assert!(log.contains("\"integrity\""), "{log}");
    assert!(log.contains("index entries were deleted"), "{log}");
}

#[test]
fn a_store_rolled_back_to_an_older_copy_refuses_to_start_until_adopted() {
    let p = point();
    let backup = p.backup("day0.db");
    deliver_kpn(&p.data, &p.day1, "2025-10-05T00:00:00Z");
    // The database administrator puts the older copy back.
    for ext in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(p.data.join(format!("tdip.db{ext}")));
    }
    std::fs::copy(&backup, p.data.join("tdip.db")).unwrap();

    let out = p.lookup(&p.gone, "2025-10-06 12:00:00");
    assert!(!out.status.success(), "answered from a rolled-back store");
    let err = stderr(&out);
    assert!(err.contains("delivery 2"), "{err}");
    assert!(err.contains("rolled back"), "{err}");
    let (clean, report) = p.verify_store();
    assert!(!clean, "{report}");
    let log = p.audit_log();
    assert_eq!(
        log.matches("is not in the store's delivery log").count(),
        1,
        "logged once however often it is found: {log}"
    );

    // The operator records the loss; from then on the store is held to what it is now.
    assert!(!tdip(&p.data, &["audit", "adopt-store"]).status.success());
    ok(&p.data, &["audit", "adopt-store", "--yes"]);
    assert!(ok(&p.data, &["audit", "log", "--json"]).contains("store-adopted"));
    assert_eq!(p.hits(&p.gone, "2025-10-06 12:00:00").len(), 1);
    let (clean, report) = p.verify_store();
    assert!(clean, "{report}");
    assert!(report.contains("adopted"), "{report}");
}

#[test]
fn a_deleted_snapshot_index_refuses_the_next_delivery_instead_of_duplicating() {
    let p = point();
    let count = |p: &Point| -> i64 {
        p.db()
            .query_row("SELECT COUNT(*) FROM version", [], |r| r.get(0))
            .unwrap()
    };
    let before = count(&p);
    p.db().execute("DELETE FROM snapshot_chunk", []).unwrap();
    let out = tdip(
        &p.data,
        &[
            "deliver",
            "--provider",
            "kpn",
            "--snapshot-at",
            "2025-10-05T00:00:00Z",
            p.day1.to_str().unwrap(),
        ],
    );
    assert!(
        !out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(
        stderr(&out).contains("snapshot index is missing"),
        "{}",
        stderr(&out)
    );
    assert_eq!(count(&p), before, "versions were opened again");
    let (_, report) = p.verify_store();
    assert!(report.contains("snapshot index is missing"), "{report}");
}

#[test]
fn a_delivery_whose_audit_entry_a_stop_lost_is_recorded_at_the_next_start() {
    let p = point();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_tdip"))
        .arg("--data")
        .arg(&p.data)
        .args([
            "deliver",
            "--provider",
            "kpn",
            "--snapshot-at",
            "2025-10-05T00:00:00Z",
        ])
        .arg(&p.day1)
        .env("TDIP_TEST_STOP_AFTER_COMMIT", "1")
        .output()
        .unwrap();
    assert!(!out.status.success(), "the stop did not happen");
    let log = p.audit_log();
    assert!(
        !log.contains("\"delivery\":2"),
        "the entry was written: {log}"
    );
    // The store has it: the next start records it.
    let (_, report) = p.verify_store();
    assert!(report.contains("has no entry for it yet"), "{report}");
    assert_eq!(p.hits(&p.gone, "2025-10-06 12:00:00").len(), 0);
    let log = p.audit_log();
    assert!(log.contains("\"delivery\":2"), "{log}");
    assert!(log.contains("\"recovered\":true"), "{log}");
    let (clean, report) = p.verify_store();
    assert!(clean, "{report}");
}

#[test]
fn a_delivery_log_entry_edited_with_sql_is_reported() {
    let p = point();
    assert!(p.verify_store().0, "{}", p.verify_store().1);
    p.db()
        .execute("UPDATE delivery SET closed = closed + 7 WHERE id = 1", [])
        .unwrap();
    let (clean, report) = p.verify_store();
    assert!(!clean, "{report}");
    assert!(
        report.contains("delivery 1 in the store's delivery log is not the one"),
        "{report}"
    );
    let out = p.lookup(&p.gone, "2025-09-30 12:00:00");
    assert!(
        !out.status.success(),
        "a command started on an edited delivery log"
    );
}

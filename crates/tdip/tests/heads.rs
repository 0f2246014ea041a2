//! Issue 15, items 5, 6 and 7b: what a database administrator does to the audit log with
//! SQL — blanking bodies, truncating or rolling the log back to an older checkpoint,
//! deleting its heads, rewriting it — is refused at the next start or reported by
//! `tdip audit verify`, because the latest head is kept in `audit.head` beside the custody
//! record; a supervisor's witness reports forks and rollbacks; refused unseal attempts are
//! logged although the point stays sealed.

use std::path::{Path, PathBuf};
use std::process::Output;

mod common;

use common::{add_kpn, add_officer, deliver_kpn, gen_kpn, msisdns, ok, stderr, tdip};

/// A dev-key point with kpn's 30 subscribers delivered and the test officer registered;
/// returns one delivered phone number.
fn point(data: &Path, dir: &Path) -> String {
    let file = dir.join("kpn.csv");
    ok(data, &["init", "--dev-key"]);
    add_officer(data);
    add_kpn(data);
    gen_kpn(data, &file, 30);
    deliver_kpn(data, &file, "2026-11-02T00:00:00Z");
    msisdns(&file).swap_remove(0)
}

fn lookup(data: &Path, number: &str) -> Output {
    tdip(
        data,
        &["lookup", "--msisdn", number, "--at", "2026-11-02 12:00:00"],
    )
}

/// Asserts that `out` failed and said each of `says`.
fn refused(out: &Output, says: &[&str]) {
    let err = stderr(out);
    assert!(!out.status.success(), "not refused: {err}");
    for s in says {
        assert!(err.contains(s), "{s:?} not in: {err}");
    }
}

fn sql(data: &Path, q: &str) {
    rusqlite::Connection::open(data.join("audit.db"))
        .unwrap()
        .execute_batch(q)
        .unwrap();
}

/// Copies the audit database (with its WAL) to `to`, or back.
fn copy_audit(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for f in ["audit.db", "audit.db-wal", "audit.db-shm"] {
        let _ = std::fs::remove_file(to.join(f));
        if from.join(f).exists() {
            std::fs::copy(from.join(f), to.join(f)).unwrap();
        }
    }
}

fn size_of(checkpoint: &str) -> u64 {
    checkpoint
        .lines()
        .find_map(|l| l.strip_prefix("size "))
        .unwrap()
        .parse()
        .unwrap()
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn bodies_blanked_with_sql_fail_verification() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let number = point(&data, dir.path());
    for _ in 0..2 {
        assert!(lookup(&data, &number).status.success());
    }
    // A purge with nothing due yet leaves a log that verifies.
    ok(&data, &["audit", "purge", "--yes"]);
    ok(&data, &["audit", "verify"]);
    sql(
        &data,
        "UPDATE audit_entry SET body = NULL WHERE kind IN ('request', 'reference', 'answer')",
    );
    let out = tdip(&data, &["audit", "verify"]);
    refused(
        &out,
        &[
            "of kind answer have no body, and no purge destroyed them: bodies were removed around tdip",
        ],
    );
}

#[test]
fn the_kept_head_refuses_a_truncated_rolled_back_rewritten_or_headless_log() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let witness = dir.path().join("witness");
    let number = point(&data, dir.path());
    let with_witness = tdip(
        &data,
        &[
            "lookup",
            "--witness-dir",
            witness.to_str().unwrap(),
            "--msisdn",
            &number,
            "--at",
            "2026-11-02 12:00:00",
        ],
    );
    assert!(with_witness.status.success(), "{}", stderr(&with_witness));
    let older = ok(&data, &["audit", "checkpoint"]);
    let old = write(dir.path(), "older.txt", &older);
    // The head file holds the latest head; the witness directory got a copy of it.
    let kept = std::fs::read_to_string(data.join("audit.head")).unwrap();
    assert_eq!(kept, older);
    let copy = witness.join(format!("checkpoint-{:020}.txt", size_of(&older)));
    assert_eq!(std::fs::read_to_string(copy).unwrap(), older);

    let backup = dir.path().join("backup");
    copy_audit(&data, &backup);
    assert!(lookup(&data, &number).status.success());
    let newer = ok(&data, &["audit", "checkpoint"]);
    let new = write(dir.path(), "newer.txt", &newer);
    assert!(size_of(&newer) > size_of(&older));
    assert_eq!(
        std::fs::read_to_string(data.join("audit.head")).unwrap(),
        newer
    );
    copy_audit(&data, &dir.path().join("current"));

    // Rolled back to the older checkpoint: entries and heads after it deleted.
    sql(
        &data,
        &format!(
            "DELETE FROM audit_entry WHERE seq >= {0}; DELETE FROM audit_head WHERE size > {0};",
            size_of(&older)
        ),
    );
    let old_arg = old.to_str().unwrap();
    let new_arg = new.to_str().unwrap();
    for args in [
        &["audit", "verify"][..],
        &["audit", "verify", "--checkpoint", old_arg],
        &["audit", "verify", "--checkpoint", new_arg],
    ] {
        refused(&tdip(&data, args), &["entries were removed"]);
    }
    refused(
        &lookup(&data, &number),
        &[
            "fewer than the head this point signed last",
            "audit.head",
            "The point does not start: restore the audit log",
            "`tdip audit verify` names the range",
        ],
    );
    // Sealed commands too.
    refused(
        &tdip(&data, &["officers", "list"]),
        &["fewer than the head"],
    );
    // Restoring a backup older than the head is refused the same way.
    copy_audit(&backup, &data);
    refused(&lookup(&data, &number), &["fewer than the head"]);

    // Every head deleted: noticed at start and by verify.
    copy_audit(&dir.path().join("current"), &data);
    assert!(lookup(&data, &number).status.success());
    copy_audit(&data, &dir.path().join("current"));
    sql(&data, "DELETE FROM audit_head");
    refused(&lookup(&data, &number), &["signed heads were deleted"]);
    refused(
        &tdip(&data, &["audit", "verify"]),
        &["signed heads were deleted"],
    );

    // Rewritten: the last request replaced by the first (time, body and digest), the log
    // as long as before.
    copy_audit(&dir.path().join("current"), &data);
    sql(
        &data,
        "UPDATE audit_entry SET (at, body, digest) = (SELECT at, body, digest FROM audit_entry \
         WHERE kind = 'request' ORDER BY seq LIMIT 1) \
         WHERE seq = (SELECT MAX(seq) FROM audit_entry WHERE kind = 'request')",
    );
    refused(
        &lookup(&data, &number),
        &["do not give the root of the head"],
    );
    refused(
        &tdip(&data, &["audit", "verify"]),
        &["do not match the head signed at"],
    );

    // Put back, the point starts, and entries after the kept head are fine.
    copy_audit(&dir.path().join("current"), &data);
    add_officer_2(&data);
    assert!(lookup(&data, &number).status.success());
    ok(&data, &["audit", "verify", "--checkpoint", new_arg]);
}

fn add_officer_2(data: &Path) {
    ok(
        data,
        &[
            "officers",
            "add",
            "--agency",
            "nl/politie",
            "--officer",
            "T-2",
            "--name",
            "Second Officer",
        ],
    );
}

#[test]
fn a_log_without_any_signed_head_fails_verification() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let number = point(&data, dir.path());
    assert!(lookup(&data, &number).status.success());
    ok(&data, &["audit", "verify"]);
    // Every head deleted, and no head file (a point from before it, or one removed too).
    sql(&data, "DELETE FROM audit_head");
    std::fs::remove_file(data.join("audit.head")).unwrap();
    refused(
        &tdip(&data, &["audit", "verify"]),
        &["no signed head: nothing shows that the log's"],
    );
}

#[test]
fn the_witness_keeps_consistent_checkpoints_and_reports_forks_and_rollbacks() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let w = dir.path().join("w");
    let w_arg = w.to_str().unwrap().to_owned();
    let number = point(&data, dir.path());
    let witness = |file: &Path| {
        tdip(
            &data,
            &["audit", "witness", "--dir", &w_arg, file.to_str().unwrap()],
        )
    };
    let first = ok(&data, &["audit", "checkpoint"]);
    let s1 = size_of(&first);
    let out = witness(&write(dir.path(), "1.txt", &first));
    assert!(stderr(&out).is_empty() && out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("kept the first checkpoint"));

    // A copy of the point at this size, which will go another way.
    let other = dir.path().join("other");
    copy_point(&data, &other);
    assert!(lookup(&data, &number).status.success());
    let since = s1.to_string();
    let second = ok(&data, &["audit", "checkpoint", "--since", &since]);
    let out = witness(&write(dir.path(), "2.txt", &second));
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("extends the last kept"));

    // Without its consistency proof, a larger checkpoint cannot be judged.
    assert!(lookup(&data, &number).status.success());
    let third = ok(&data, &["audit", "checkpoint"]);
    let out = witness(&write(dir.path(), "3.txt", &third));
    refused(&out, &["carries no consistency proof", "--since"]);

    // The older checkpoint again: a rollback, both heads named.
    let out = witness(&write(dir.path(), "1-again.txt", &first));
    assert_eq!(out.status.code(), Some(1));
    let said = stderr(&out);
    assert!(said.contains("ROLLBACK"), "{said}");
    assert!(
        said.contains(&format!("size {s1} root"))
            && said.contains(&format!("size {} root", size_of(&second))),
        "{said}"
    );

    // The copy's own history at the same size as the second: a fork.
    assert!(lookup(&other, &number).status.success());
    let forked = ok(&other, &["audit", "checkpoint", "--since", &since]);
    assert_eq!(size_of(&forked), size_of(&second));
    let out = witness(&write(dir.path(), "fork.txt", &forked));
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("FORK"), "{}", stderr(&out));
    // A larger head on the fork, with a proof from the witness's last size: a fork too.
    assert!(lookup(&other, &number).status.success());
    let since2 = size_of(&second).to_string();
    let forked = ok(&other, &["audit", "checkpoint", "--since", &since2]);
    let out = witness(&write(dir.path(), "fork2.txt", &forked));
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("FORK"), "{}", stderr(&out));

    // Another point's checkpoint: the pinned key refuses it.
    let stranger = dir.path().join("stranger");
    ok(&stranger, &["init", "--dev-key"]);
    add_officer(&stranger);
    let theirs = ok(&stranger, &["audit", "checkpoint"]);
    refused(
        &witness(&write(dir.path(), "stranger.txt", &theirs)),
        &["this witness pinned key"],
    );
}

/// Copies a data directory (files and the key directory).
fn copy_point(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let path = entry.unwrap().path();
        let target = to.join(path.file_name().unwrap());
        if path.is_dir() {
            copy_point(&path, &target);
        } else {
            std::fs::copy(&path, &target).unwrap();
        }
    }
}

#[test]
fn refused_shares_are_logged_while_the_point_stays_sealed() {
    let dir = tempfile::tempdir().unwrap();
    let (data, shares) = (dir.path().join("data"), dir.path().join("shares"));
    let out = shares.to_str().unwrap();
    ok(
        &data,
        &[
            "init",
            "--custodians",
            "3",
            "--threshold",
            "2",
            "--shares-out",
            out,
        ],
    );
    let mut files: Vec<PathBuf> = std::fs::read_dir(&shares)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    let damaged = write(dir.path(), "damaged.txt", "tdip-share v1\nnot a share\n");
    let (good, bad) = (files[0].to_str().unwrap(), damaged.to_str().unwrap());
    // The check of shares, and a command given too few good ones: both stay sealed.
    let check = tdip(&data, &["unseal", "--share", good, "--share", bad]);
    assert_eq!(check.status.code(), Some(1), "{}", stderr(&check));
    refused(
        &tdip(
            &data,
            &["lookup", "--msisdn", "+31612345678", "--share", bad],
        ),
        &["sealed: this point opens with 2 of its 3 custodian shares"],
    );
    let unseals: Vec<serde_json::Value> = ok(&data, &["audit", "log", "--json"])
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .filter(|e| e["kind"] == "unseal")
        .map(|e| e["body"].clone())
        .collect();
    assert_eq!(
        unseals,
        [
            serde_json::json!({"accepted": 1, "refused": 1, "opened": false}),
            serde_json::json!({"accepted": 0, "refused": 1, "opened": false}),
        ]
    );
}

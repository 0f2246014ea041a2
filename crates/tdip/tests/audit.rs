//! Lawful access end to end: every lookup carries a demand, judged against the catalogue
//! and the officer registry; answers and refusals are in the audit log, which verifies,
//! proves entries, exports checkpoints and catches changes made in its database file.

use std::path::Path;
use std::process::Output;

mod common;

use common::{add_kpn, add_officer, deliver_kpn, gen_kpn, msisdns, ok, stderr, tdip};

/// A dev-key point with kpn's 40 subscribers delivered and the test officer registered;
/// returns one delivered phone number.
fn point(data: &Path, dir: &Path) -> String {
    let file = dir.join("kpn.csv");
    ok(data, &["init", "--dev-key"]);
    add_officer(data);
    add_kpn(data);
    gen_kpn(data, &file, 40);
    deliver_kpn(data, &file, "2026-11-02T00:00:00Z");
    msisdns(&file).swap_remove(0)
}

fn lookup(data: &Path, number: &str, extra: &[&str]) -> Output {
    let mut args = vec!["lookup", "--msisdn", number, "--at", "2026-11-02 12:00:00"];
    args.extend_from_slice(extra);
    tdip(data, &args)
}

fn refused(out: &Output) -> String {
    assert_eq!(out.status.code(), Some(3), "{}", stderr(out));
    stderr(out)
}

/// The log's entries as JSON values.
fn log(data: &Path) -> Vec<serde_json::Value> {
    ok(data, &["audit", "log", "--json", "--limit", "1000"])
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn demands_are_judged_and_every_answer_and_refusal_is_logged() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let number = point(&data, dir.path());

    let answered = lookup(&data, &number, &["--json"]);
    assert!(answered.status.success(), "{}", stderr(&answered));
    let answer: serde_json::Value = serde_json::from_slice(&answered.stdout).unwrap();
    assert_eq!(answer["hits"].as_array().unwrap().len(), 1);
    let consultation = answer["consultation"].as_str().unwrap().to_owned();

    // Each missing or wrong part of the demand is refused with what to do.
    let cases: [(&[&str], &str); 7] = [
        (&["--agency", "nl/ctivd"], "nl/ctivd oversees this point"),
        (&["--case", ""], "has no case or order reference"),
        (
            &["--agency", "nl/nobody"],
            "agency nl/nobody is not authorised",
        ),
        (
            &["--basis", "nl/wiv-56"],
            "nl/politie may not consult under nl/wiv-56",
        ),
        (
            &["--basis", "nl/sv-126n"],
            "needs the demand to be authorised by the officier van justitie",
        ),
        (
            &["--officer", "T-2"],
            "officer T-2 is not registered for nl/politie",
        ),
        (&["--msisdn", "06-not-a-number"], "--msisdn"),
    ];
    for (flags, says) in cases {
        let out = if flags[0] == "--msisdn" {
            tdip(&data, &["lookup", "--msisdn", flags[1]])
        } else {
            lookup(&data, &number, flags)
        };
        let err = refused(&out);
        assert!(err.contains(says), "{flags:?}: {err}");
        assert!(err.contains("the refusal is logged"), "{err}");
    }
    // With the authorising official named, 126n is granted.
    let authorised = lookup(
        &data,
        &number,
        &[
            "--basis",
            "nl/sv-126n",
            "--authorised-by",
            "mr. A. de Vries",
        ],
    );
    assert!(authorised.status.success(), "{}", stderr(&authorised));

    // Suspension takes effect on the next query, and lifting it restores access.
    ok(
        &data,
        &[
            "officers",
            "suspend",
            "--agency",
            "nl/politie",
            "--officer",
            "T-1",
            "--reason",
            "left the unit",
        ],
    );
    let err = refused(&lookup(&data, &number, &[]));
    assert!(err.contains("T-1 of nl/politie is suspended since") && err.contains("left the unit"));
    ok(
        &data,
        &[
            "officers",
            "reinstate",
            "--agency",
            "nl/politie",
            "--officer",
            "T-1",
        ],
    );
    assert!(lookup(&data, &number, &[]).status.success());
    ok(
        &data,
        &[
            "agencies",
            "suspend",
            "nl/politie",
            "--reason",
            "mandate under review",
        ],
    );
    let err = refused(&lookup(&data, &number, &[]));
    assert!(err.contains("nl/politie is suspended since"), "{err}");
    ok(&data, &["agencies", "reinstate", "nl/politie"]);
    // An authorisation that has ended.
    ok(
        &data,
        &[
            "officers",
            "add",
            "--agency",
            "nl/politie",
            "--officer",
            "T-3",
            "--name",
            "Ex Officer",
            "--valid-until",
            "2026-01-01 00:00:00",
        ],
    );
    let err = refused(&lookup(&data, &number, &["--officer", "T-3"]));
    assert!(err.contains("expired at 2026-01-01 00:00:00 CET"), "{err}");
    ok(
        &data,
        &[
            "officers",
            "renew",
            "--agency",
            "nl/politie",
            "--officer",
            "T-3",
            "--no-end",
        ],
    );
    assert!(
        lookup(&data, &number, &["--officer", "T-3"])
            .status
            .success()
    );

    // The log: every consultation as request + reference + answer or refusal.
    let entries = log(&data);
    let kind = |k: &str| entries.iter().filter(|e| e["kind"] == k).count();
    assert_eq!(kind("request"), 14, "one per lookup");
    assert_eq!(kind("reference"), 14);
    assert_eq!(kind("answer"), 4);
    assert_eq!(kind("refusal"), 10);
    assert_eq!(kind("delivery"), 1);
    assert_eq!(
        kind("config"),
        9,
        "the new point's empty registry; officers added, suspended, reinstated, renewed; \
         agency; the catalogue in force"
    );
    let first = entries
        .iter()
        .find(|e| e["body"]["consultation"] == consultation.as_str() && e["kind"] == "answer")
        .expect("the answer's entry");
    assert_eq!(first["body"]["outcome"], "hit");
    assert_eq!(first["body"]["records"], 1);
    assert_eq!(first["body"]["providers"], serde_json::json!(["kpn"]));
    let request = entries
        .iter()
        .find(|e| e["body"]["consultation"] == consultation.as_str() && e["kind"] == "request")
        .unwrap();
    assert_eq!(request["body"]["basis"], "nl/sv-126na");
    assert_eq!(request["body"]["case_reference"], "TEST-2026-1");
    assert_eq!(request["body"]["officer"], "T-1");

    // No entry, and no byte of the audit database, holds the number asked about.
    let digits = number.trim_start_matches('+');
    let raw = std::fs::read(data.join("audit.db")).unwrap();
    let wal = std::fs::read(data.join("audit.db-wal")).unwrap_or_default();
    for bytes in [&raw, &wal] {
        assert!(!bytes.windows(digits.len()).any(|w| w == digits.as_bytes()));
    }
    assert!(!ok(&data, &["audit", "log"]).contains(digits));

    // The officer sees their own consultations, not another's.
    let history = |officer| {
        ok(
            &data,
            &[
                "audit",
                "history",
                "--agency",
                "nl/politie",
                "--officer",
                officer,
            ],
        )
    };
    let mine = history("T-1");
    assert!(
        mine.contains(&consultation) && mine.contains("hit, 1 records"),
        "{mine}"
    );
    assert!(
        mine.contains("refused: officer T-1 of nl/politie is suspended"),
        "{mine}"
    );
    let other = history("T-3");
    assert!(
        !other.contains(&consultation) && other.contains("expired"),
        "{other}"
    );
}

#[test]
fn the_log_verifies_proves_entries_and_catches_changes_in_its_database() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let number = point(&data, dir.path());
    for _ in 0..3 {
        assert!(lookup(&data, &number, &[]).status.success());
    }
    let verified = ok(&data, &["audit", "verify"]);
    assert!(verified.contains("the audit log verifies"), "{verified}");
    assert!(
        verified.contains("0 entries after it"),
        "each command signs a head: {verified}"
    );

    // A supervisor keeps a checkpoint; later verifications check the log against it too.
    let checkpoint = dir.path().join("checkpoint.txt");
    std::fs::write(&checkpoint, ok(&data, &["audit", "checkpoint"])).unwrap();
    assert!(lookup(&data, &number, &[]).status.success());
    let with = ok(
        &data,
        &[
            "audit",
            "verify",
            "--checkpoint",
            checkpoint.to_str().unwrap(),
        ],
    );
    assert!(with.contains("the audit log verifies"), "{with}");

    // An inclusion proof of an entry, checked against the checkpoint it prints.
    let proof = ok(&data, &["audit", "prove", "3"]);
    let field = |name: &str| -> String {
        proof
            .lines()
            .find_map(|l| l.strip_prefix(&format!("{name} ")))
            .unwrap_or_else(|| panic!("no {name} in {proof}"))
            .to_owned()
    };
    let head_text = proof[proof.find("tdip-checkpoint v1").unwrap()..].to_owned();
    let (head, _) = tdip_audit::SignedHead::from_checkpoint(&head_text).unwrap();
    let digest: [u8; 32] = hex::decode(field("digest")).unwrap().try_into().unwrap();
    let path = hex::decode(field("proof")).unwrap();
    tdip_audit::verify_inclusion(&head.head, 3, &digest, &path).unwrap();
    assert!(tdip_audit::verify_inclusion(&head.head, 4, &digest, &path).is_err());

    // Changes made directly in the database are caught, each with where it lies. Entries:
    // 0 the new point's registry, 1 officer added, 2 delivery, 3 catalogue in force, then
    // request, reference, answer.
    let db = rusqlite::Connection::open(data.join("audit.db")).unwrap();
    let body: Vec<u8> = db
        .query_row("SELECT body FROM audit_entry WHERE seq = 4", [], |r| {
            r.get(0)
        })
        .unwrap();
    // The officer's id, changed in place (same length, so the body still reads).
    let at = body
        .windows(3)
        .position(|w| w == b"T-1")
        .expect("entry 4 (a request) names T-1");
    let mut edited = body.clone();
    edited[at + 2] = b'9';
    let edit = |sql: &str| db.execute_batch(sql).unwrap();
    let set_body = |b: &[u8]| {
        db.execute("UPDATE audit_entry SET body = ?1 WHERE seq = 4", [b])
            .unwrap()
    };
    let fails = |says: &str| {
        let out = tdip(&data, &["audit", "verify"]);
        assert!(
            !out.status.success(),
            "verify passed after a change ({says})"
        );
        assert!(stderr(&out).contains(says), "{}", stderr(&out));
    };
    set_body(&edited);
    fails("the body of entry 4 does not match its digest");
    // The body and its digest both replaced: the tree no longer gives the signed roots.
    let forged = tdip_audit::digest(&edited);
    db.execute(
        "UPDATE audit_entry SET digest = ?1 WHERE seq = 4",
        [&forged[..]],
    )
    .unwrap();
    fails("do not match the head signed at");
    // A purged-looking entry still has to keep its digest.
    set_body(&body);
    db.execute(
        "UPDATE audit_entry SET digest = ?1 WHERE seq = 4",
        [&tdip_audit::digest(&body)[..]],
    )
    .unwrap();
    ok(&data, &["audit", "verify"]);
    // An entry deleted.
    edit(
        "CREATE TABLE saved AS SELECT * FROM audit_entry WHERE seq = 5; DELETE FROM audit_entry WHERE seq = 5;",
    );
    fails("entry 5 is missing from the log");
    edit("INSERT INTO audit_entry SELECT * FROM saved; DROP TABLE saved;");
    ok(&data, &["audit", "verify"]);
    // The kind column changed (so that a purge would treat it as another class).
    let changed = db
        .execute(
            "UPDATE audit_entry SET kind = 'reference' WHERE seq = 6 AND kind = 'answer'",
            [],
        )
        .unwrap();
    assert_eq!(changed, 1, "entry 6 is an answer");
    fails("stored time or kind differs from its body");

    // A head is never signed over a log that was changed: the next command refuses to start.
    let next = lookup(&data, &number, &[]);
    assert!(!next.status.success());
    assert!(
        stderr(&next).contains("the audit log does not verify"),
        "{}",
        stderr(&next)
    );
}

#[test]
fn a_replaced_audit_key_is_noticed() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let number = point(&data, dir.path());
    assert!(lookup(&data, &number, &[]).status.success());
    std::fs::write(data.join("audit.pub"), format!("{}\n", "ab".repeat(32))).unwrap();
    let out = lookup(&data, &number, &[]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("does not hold this point's audit key"),
        "{}",
        stderr(&out)
    );
}

//! The audit log as the point writes it: group commits from concurrent callers, heads
//! signed only over an intact log, the retention purge that keeps proofs valid, the
//! sealed identifier, and the retention configuration's validation.

mod common;

use std::sync::Arc;

use common::{D0, DAY, Point};
use tdip_core::audit::retention::{self, Retention};
use tdip_core::audit::{AuditKeys, Auditor, Event, Outcome, prove, verify};
use tdip_store::AuditStore;
use tdip_store_sqlite::SqliteAudit;

const YEAR: i64 = 365 * DAY;

fn answer(n: u32) -> Event {
    Event::Answer {
        consultation: format!("c{n}"),
        outcome: Outcome::NoHit,
        providers: Vec::new(),
        records: 0,
        age_seconds: 0,
    }
}

fn reference(n: u32, keys: &AuditKeys) -> Event {
    let c = format!("c{n}");
    Event::Reference {
        sealed: keys.seal_identifier(&c, "+31612345678"),
        consultation: c,
        blind: None,
    }
}

async fn auditor(p: &Point) -> Auditor<SqliteAudit> {
    let store = SqliteAudit::open(&p.dir.path().join("audit.db")).unwrap();
    Auditor::new(store, Some(AuditKeys::new(&p.keys)))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_entries_are_committed_together_and_each_gets_its_own_numbers() {
    let p = Point::new().await;
    let a = Arc::new(auditor(&p).await);
    let mut tasks = Vec::new();
    for n in 0..200u32 {
        let a = a.clone();
        tasks.push(tokio::spawn(async move {
            let first = a.record(D0, vec![answer(n), answer(n)]).await.unwrap();
            (n, first)
        }));
    }
    let mut firsts = Vec::new();
    for t in tasks {
        firsts.push(t.await.unwrap());
    }
    // Every caller's two entries are consecutive and hold its own consultation.
    let mut seqs: Vec<u64> = firsts.iter().map(|(_, f)| *f).collect();
    seqs.sort_unstable();
    assert_eq!(seqs, (0..200).map(|i| i * 2).collect::<Vec<u64>>());
    let stored = a.store().audit_entries(0, 1000).await.unwrap();
    assert_eq!(stored.len(), 400);
    for (n, first) in firsts {
        for seq in [first, first + 1] {
            let body = stored[seq as usize].body.as_deref().unwrap();
            let body = tdip_core::audit::EntryBody::from_bytes(body).unwrap();
            assert_eq!(body.event.consultation(), Some(format!("c{n}").as_str()));
        }
    }
    let signed = a
        .sign(D0 + 1)
        .await
        .unwrap()
        .expect("a head over 400 entries");
    assert_eq!(signed.head.size, 400);
    assert!(
        a.sign(D0 + 2).await.unwrap().is_none(),
        "nothing new to sign"
    );
    let v = verify(
        a.store(),
        &AuditKeys::new(&p.keys).public(),
        &[],
        &Retention::defaults(),
        D0 + 2,
    )
    .await
    .unwrap();
    assert_eq!((v.entries, v.unsigned, v.heads), (400, 0, 1));
}

#[tokio::test]
async fn a_head_is_not_signed_over_a_log_changed_since_the_last_head() {
    let p = Point::new().await;
    let a = auditor(&p).await;
    a.record(D0, vec![answer(1), answer(2)]).await.unwrap();
    a.sign(D0).await.unwrap().unwrap();
    drop(a);
    // Entry 1 replaced, with a digest that matches its new body.
    let db = rusqlite::Connection::open(p.dir.path().join("audit.db")).unwrap();
    let body = tdip_core::audit::EntryBody {
        v: 1,
        at: D0,
        event: Event::Answer {
            consultation: "c9".into(),
            outcome: Outcome::Hit,
            providers: vec!["kpn".into()],
            records: 1,
            age_seconds: 0,
        },
    }
    .to_bytes();
    db.execute(
        "UPDATE audit_entry SET body = ?1, digest = ?2 WHERE seq = 1",
        rusqlite::params![body, &tdip_audit::digest(&body)[..]],
    )
    .unwrap();
    let a = auditor(&p).await;
    a.record(D0 + 1, vec![answer(3)]).await.unwrap();
    let err = a.sign(D0 + 1).await.unwrap_err().to_string();
    assert!(err.contains("do not match the head signed at"), "{err}");
    assert_eq!(
        a.store().audit_heads().await.unwrap().len(),
        1,
        "no head signed"
    );
}

#[tokio::test]
async fn expired_references_are_destroyed_and_the_log_and_old_proofs_still_verify() {
    let p = Point::new().await;
    let a = auditor(&p).await;
    let keys = AuditKeys::new(&p.keys);
    let now = D0;
    // A consultation four years ago and one last year.
    a.record(now - 4 * YEAR, vec![reference(1, &keys), answer(1)])
        .await
        .unwrap();
    a.record(now - YEAR, vec![reference(2, &keys), answer(2)])
        .await
        .unwrap();
    a.sign(now - 10).await.unwrap().unwrap();
    let before = prove(a.store(), 0).await.unwrap();

    let purged = retention::purge(&a, &Retention::defaults(), now)
        .await
        .unwrap();
    let reference = purged.iter().find(|p| p.kind == "reference").unwrap();
    assert_eq!(
        (reference.class.as_str(), reference.count),
        ("provision-reference", 1)
    );
    assert_eq!(purged.iter().map(|p| p.count).sum::<u64>(), 1, "{purged:?}");

    let entries = a.store().audit_entries(0, 10).await.unwrap();
    assert!(entries[0].body.is_none(), "the old reference is destroyed");
    assert!(
        entries[1].body.is_some(),
        "proof of provision is kept 4 years at least"
    );
    assert!(entries[2].body.is_some(), "last year's reference stays");
    assert_eq!(entries[4].kind, "destruction", "the purge itself is logged");
    a.sign(now).await.unwrap().unwrap();

    let v = verify(a.store(), &keys.public(), &[], &Retention::defaults(), now)
        .await
        .unwrap();
    assert_eq!((v.entries, v.purged, v.heads), (5, 1, 2));
    let Some(Event::Purge {
        first, last, count, ..
    }) = tdip_core::audit::EntryBody::from_bytes(entries[4].body.as_deref().unwrap())
        .ok()
        .map(|b| b.event)
    else {
        panic!("the purge is recorded as a purge")
    };
    assert_eq!(
        (first, last, count),
        (0, 0, 1),
        "it names the entry it covered"
    );
    // The proof given before the purge still holds against the head it was given in.
    let digest = before.entry.digest;
    tdip_audit::verify_inclusion(&before.head.head, 0, &digest, &before.path).unwrap();
    let after = prove(a.store(), 0).await.unwrap();
    assert_eq!(after.entry.digest, digest);
    assert!(after.entry.body.is_none());
}

#[tokio::test]
async fn bodies_removed_around_tdip_or_by_a_forged_purge_fail_verification() {
    let p = Point::new().await;
    let a = auditor(&p).await;
    let keys = AuditKeys::new(&p.keys);
    let now = D0;
    let request = |n: u32| Event::Request {
        consultation: format!("c{n}"),
        agency: "nl/politie".into(),
        officer: "T-1".into(),
        basis: "nl/sv-126na".into(),
        case_reference: "CASE".into(),
        authorised_by: None,
        urgency: "normal".into(),
        category: "subscriber".into(),
        query: "msisdn".into(),
        asked: tdip_core::audit::AskedPeriod { from: now, to: now },
        channel: "cli".into(),
    };
    // Four years ago, and yesterday: only the old reference's term has passed.
    a.record(
        now - 4 * YEAR,
        vec![request(1), reference(1, &keys), answer(1)],
    )
    .await
    .unwrap();
    a.record(now - DAY, vec![request(2), reference(2, &keys), answer(2)])
        .await
        .unwrap();
    retention::purge(&a, &Retention::defaults(), now)
        .await
        .unwrap();
    a.sign(now).await.unwrap().unwrap();
    let (public, classes) = (keys.public(), Retention::defaults());
    let check = || verify(a.store(), &public, &[], &classes, now);
    assert_eq!(check().await.unwrap().purged, 1, "a real purge verifies");

    // The administrator blanks what no purge destroyed: named, by kind and number.
    let db = rusqlite::Connection::open(p.dir.path().join("audit.db")).unwrap();
    let sql = |q: &str| db.execute_batch(q).unwrap();
    sql("CREATE TABLE saved AS SELECT seq, body FROM audit_entry");
    let restore =
        "UPDATE audit_entry SET body = saved.body FROM saved WHERE saved.seq = audit_entry.seq";
    sql("UPDATE audit_entry SET body = NULL WHERE kind IN ('request', 'reference', 'answer')");
    let err = check().await.unwrap_err().to_string();
    assert!(
        err.contains("entries 2, 5 of kind answer have no body, and no purge destroyed them"),
        "{err}"
    );
    sql(restore);
    check().await.unwrap();

    // Nor does a purge entry appended with SQL after the latest head (entry 7) make it
    // pass: yesterday's reference is within its class's term, and requests are never
    // destroyed.
    let forge = |kind: &str, class: &str, seq: i64| {
        let event = Event::Purge {
            class: class.into(),
            kind: kind.into(),
            before: now,
            first: seq as u64,
            last: seq as u64,
            count: 1,
        };
        let body = tdip_core::audit::EntryBody {
            v: 1,
            at: now,
            event,
        }
        .to_bytes();
        db.execute(
            "INSERT INTO audit_entry (seq, at, kind, body, digest) VALUES (7, ?1, 'destruction', ?2, ?3)",
            rusqlite::params![now, body, &tdip_audit::digest(&body)[..]],
        )
        .unwrap();
        db.execute("UPDATE audit_entry SET body = NULL WHERE seq = ?1", [seq])
            .unwrap();
    };
    forge("reference", "provision-reference", 4);
    let err = check().await.unwrap_err().to_string();
    assert!(
        err.contains("purge entry 7 destroyed bodies of kind reference from before")
            && err.contains("class provision-reference's term let only bodies from before"),
        "{err}"
    );
    sql(&format!("DELETE FROM audit_entry WHERE seq = 7; {restore}"));
    forge("request", "requester", 3);
    let err = check().await.unwrap_err().to_string();
    assert!(
        err.contains("purge entry 7 destroyed bodies of kind request, which no retention class in force lets go"),
        "{err}"
    );
}

#[test]
fn the_sealed_identifier_opens_only_for_its_consultation() {
    let keys = tdip_core::PointKeys::new(
        &tdip_crypto::RootKey::from_bytes([7; 32]),
        &tempfile::tempdir().unwrap().path().join("keys"),
    )
    .unwrap();
    let k = AuditKeys::new(&keys);
    let sealed = k.seal_identifier("c1", "+31612345678");
    assert!(!sealed.windows(9).any(|w| w == b"612345678"));
    assert_eq!(k.open_identifier("c1", &sealed).unwrap(), "+31612345678");
    assert!(k.open_identifier("c2", &sealed).is_err());
    assert!(!format!("{k:?}").contains("31612345678"));
}

#[test]
fn retention_classes_are_validated_whole() {
    let text = r#"
[[class]]
id = "requester"
kinds = ["request", "refusal", "answr"]
keep_at_least_years = 10
destroy_after_years = 3

[[class]]
id = "everything"
kinds = ["request", "reference", "answer", "delivery", "destruction", "unseal"]
"#;
    let err = Retention::parse("r.toml", text).unwrap_err().to_string();
    for says in [
        "class requester: unknown entry kind answr",
        "destroy_after_years (3) is shorter than keep_at_least_years (10)",
        "class everything: kind request is already in class requester",
        "entry kind config is in no class",
    ] {
        assert!(err.contains(says), "{says}: {err}");
    }
    let err = Retention::parse("r.toml", "[[class]]\nid = 1\n")
        .unwrap_err()
        .to_string();
    assert!(err.starts_with("r.toml:2:"), "{err}");
    assert!(Retention::parse("r.toml", retention::DEFAULTS).is_ok());
}

fn answered(n: u32, due: i64, rule: &str, took_ms: u64) -> Event {
    Event::Answered {
        consultation: format!("c{n}"),
        outcome: Outcome::Hit,
        providers: vec!["kpn".into()],
        records: 1,
        age_seconds: 0,
        due,
        due_rule: rule.into(),
        took_ms,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_deadline_report_finds_late_and_unanswered_demands_and_reads_older_answers() {
    let p = Point::new().await;
    let a = auditor(&p).await;
    let failed = Event::Refusal {
        consultation: "c9".into(),
        code: "failed".into(),
        reason: "the store failed".into(),
    };
    let events = vec![
        answer(0),                                     // logged before due times: untimed
        answered(1, D0 + 60, "real-time", 40),         // in time
        answered(2, D0 + 60, "real-time", 60_001),     // one millisecond late
        answered(3, D0 + DAY, "set-by-demand", 1_000), // in time
        failed,
    ];
    a.record(D0, events).await.unwrap();
    // Outside the period asked: not counted.
    a.record(D0 + 2 * DAY, vec![answered(4, D0, "real-time", 1)])
        .await
        .unwrap();

    let r = tdip_core::audit::deadline_report(a.store(), D0, D0 + DAY)
        .await
        .unwrap();
    assert_eq!(r.untimed, 1);
    let rules: Vec<(&str, u64, u64, u64)> = r
        .rules
        .iter()
        .map(|f| (f.rule.as_str(), f.answered, f.late, f.max_ms))
        .collect();
    assert_eq!(
        rules,
        [("real-time", 2, 1, 60_001), ("set-by-demand", 1, 0, 1_000)]
    );
    assert_eq!(r.late.len(), 1);
    assert_eq!(
        (r.late[0].consultation.as_str(), r.late[0].due),
        ("c2", D0 + 60)
    );
    assert_eq!(r.unanswered.len(), 1);
    assert_eq!(r.unanswered[0].consultation, "c9");
    // The whole log: the later late answer too.
    let all = tdip_core::audit::deadline_report(a.store(), 0, i64::MAX)
        .await
        .unwrap();
    assert_eq!(all.late.len(), 2);
}

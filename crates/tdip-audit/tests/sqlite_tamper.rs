//! The audit log as SQLite stores it: rows edited, deleted, reordered or inserted
//! directly in the database are each caught by verifying against the signed heads.

use tdip_audit::{
    AuditLog, PurgeRange, SignedHead, Stored, TreeHead, TreeSigner, VerifyError, digest,
};
use tdip_store::{AuditHead, AuditStore, NewAuditEntry};
use tdip_store_sqlite::SqliteAudit;

/// 40 entries with heads signed at 10, 25 and 40, in a fresh audit database.
async fn stored_log(path: &std::path::Path, signer: &TreeSigner) {
    let audit = SqliteAudit::open(path).unwrap();
    let mut log = AuditLog::default();
    for i in 0..40u64 {
        let body = format!("query {i}: agency nl/politie, basis nl/sv-126na").into_bytes();
        let entry = NewAuditEntry {
            at: 1_800_000_000 + i as i64,
            kind: "query".into(),
            digest: digest(&body),
            body,
        };
        assert_eq!(
            audit
                .append_audit(std::slice::from_ref(&entry))
                .await
                .unwrap(),
            i
        );
        log.append(entry.digest);
        if [10, 25, 40].contains(&(i + 1)) {
            let s = signer.sign(log.head(1_800_000_100 + i as i64));
            audit
                .put_audit_head(&AuditHead {
                    size: s.head.size,
                    root: s.head.root,
                    at: s.head.at,
                    signature: s.signature,
                })
                .await
                .unwrap();
        }
    }
}

/// The stored entries as the log reads them.
fn stored(entries: Vec<tdip_store::AuditEntry>) -> impl Iterator<Item = Stored> {
    entries.into_iter().map(|e| Stored {
        seq: e.seq,
        at: e.at,
        kind: e.kind,
        body: e.body,
        digest: e.digest,
    })
}

/// Reads the log and its heads back and verifies them, with the purges recorded.
async fn verify_purged(
    path: &std::path::Path,
    signer: &TreeSigner,
    purges: &[PurgeRange],
) -> Result<(), VerifyError> {
    let audit = SqliteAudit::open(path).unwrap();
    let entries = audit.audit_entries(0, 1000).await.unwrap();
    let log = AuditLog::from_stored(stored(entries), purges)?;
    let heads: Vec<SignedHead> = audit
        .audit_heads()
        .await
        .unwrap()
        .into_iter()
        .map(|h| SignedHead {
            head: TreeHead {
                size: h.size,
                root: h.root,
                at: h.at,
            },
            signature: h.signature,
        })
        .collect();
    log.verify(&heads, &signer.public())
}

/// Reads the log and its heads back and verifies them (no purge recorded).
async fn verify(path: &std::path::Path, signer: &TreeSigner) -> Result<(), VerifyError> {
    verify_purged(path, signer, &[]).await
}

#[tokio::test]
async fn every_kind_of_row_tampering_is_caught() {
    let signer = TreeSigner::from_secret(&[3; 32]);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("audit.db");
    stored_log(&path, &signer).await;
    verify(&path, &signer).await.unwrap();

    let cases: [(&str, &str); 6] = [
        (
            "body edited",
            "UPDATE audit_entry SET body = CAST('query 12: agency nl/fiod' AS BLOB) WHERE seq = 12",
        ),
        (
            "body and digest replaced",
            "UPDATE audit_entry SET body = (SELECT body FROM audit_entry WHERE seq = 3), digest = (SELECT digest FROM audit_entry WHERE seq = 3) WHERE seq = 12",
        ),
        ("row deleted", "DELETE FROM audit_entry WHERE seq = 30"),
        (
            "rows reordered",
            "UPDATE audit_entry SET seq = CASE seq WHEN 5 THEN 6 ELSE 5 END + 1000 WHERE seq IN (5, 6); UPDATE audit_entry SET seq = seq - 1000 WHERE seq > 1000",
        ),
        (
            "row inserted",
            "UPDATE audit_entry SET seq = seq + 1000 WHERE seq >= 20; UPDATE audit_entry SET seq = seq - 999 WHERE seq >= 1000; INSERT INTO audit_entry (seq, at, kind, body, digest) SELECT 20, at, kind, body, digest FROM audit_entry WHERE seq = 3",
        ),
        (
            "last rows deleted",
            "DELETE FROM audit_entry WHERE seq >= 35",
        ),
    ];
    for (what, sql) in cases {
        let copy = dir.path().join(format!("{}.db", what.replace(' ', "-")));
        std::fs::copy(&path, &copy).unwrap();
        for ext in ["-wal", "-shm"] {
            let side = format!("{}{ext}", path.display());
            if std::path::Path::new(&side).exists() {
                std::fs::copy(&side, format!("{}{ext}", copy.display())).unwrap();
            }
        }
        let conn = rusqlite::Connection::open(&copy).unwrap();
        conn.execute_batch(sql).unwrap();
        drop(conn);
        let err = verify(&copy, &signer).await.unwrap_err();
        let said = err.to_string();
        match what {
            "body edited" => assert!(matches!(err, VerifyError::BodyAltered(12)), "{said}"),
            "row deleted" => assert!(
                matches!(
                    err,
                    VerifyError::Gap {
                        expected: 30,
                        found: 31
                    }
                ),
                "{said}"
            ),
            "last rows deleted" => {
                assert!(
                    matches!(
                        err,
                        VerifyError::Truncated {
                            have: 35,
                            size: 40,
                            ..
                        }
                    ),
                    "{said}"
                )
            }
            "body and digest replaced" | "rows reordered" | "row inserted" => {
                assert!(
                    matches!(err, VerifyError::Mismatch { .. }),
                    "{what}: {said}"
                )
            }
            _ => unreachable!(),
        }
    }
}

#[tokio::test]
async fn purged_bodies_leave_the_log_verifiable_and_old_proofs_valid() {
    let signer = TreeSigner::from_secret(&[3; 32]);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("audit.db");
    stored_log(&path, &signer).await;
    let audit = SqliteAudit::open(&path).unwrap();
    let entries = audit.audit_entries(0, 1000).await.unwrap();
    let log = AuditLog::from_stored(stored(entries), &[]).unwrap();
    let head = log.head(0);
    let proof = log.prove_inclusion(7, 40).unwrap();

    // Retention ends for the first 20 entries' bodies, recorded as a purge (entry 40).
    assert_eq!(
        audit
            .purge_audit_bodies("query", 1_800_000_020)
            .await
            .unwrap(),
        20
    );
    let purge = PurgeRange {
        seq: 40,
        kind: "query".into(),
        before: 1_800_000_020,
        first: 0,
        last: 19,
        count: 20,
    };
    verify_purged(&path, &signer, std::slice::from_ref(&purge))
        .await
        .unwrap();
    // Without the purge's record, the same bodies are missing around tdip.
    let err = verify(&path, &signer).await.unwrap_err();
    assert!(
        matches!(&err, VerifyError::Unpurged { kind, entries } if kind == "query" && entries.len() == 20),
        "{err}"
    );
    assert!(
        err.to_string().starts_with(
            "entries 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, … (20 entries) of kind query have no body, \
             and no purge destroyed them"
        ),
        "{err}"
    );
    // A purge that says it destroyed fewer, or covered fewer entries, does not account for them.
    let fewer = PurgeRange {
        count: 19,
        ..purge.clone()
    };
    assert!(matches!(
        verify_purged(&path, &signer, &[fewer]).await,
        Err(VerifyError::PurgeCount {
            count: 19,
            found: 20,
            ..
        })
    ));
    let narrower = PurgeRange {
        last: 18,
        count: 19,
        ..purge.clone()
    };
    assert!(matches!(
        verify_purged(&path, &signer, &[narrower]).await,
        Err(VerifyError::Unpurged { entries, .. }) if entries == [19]
    ));
    // Nor does one whose moment is not after the entries' time.
    let earlier = PurgeRange {
        before: 1_800_000_019,
        ..purge.clone()
    };
    assert!(matches!(
        verify_purged(&path, &signer, &[earlier]).await,
        Err(VerifyError::Unpurged { entries, .. }) if entries == [19]
    ));
    let kept = audit.audit_entries(0, 1000).await.unwrap();
    assert!(kept[..20].iter().all(|e| e.body.is_none()));
    assert!(kept[20..].iter().all(|e| e.body.is_some()));
    tdip_audit::verify_inclusion(&head, 7, &kept[7].digest, &proof).unwrap();
}

#[tokio::test]
async fn an_append_does_not_wait_for_a_delivery_holding_the_store() {
    use tdip_store::Store;
    let dir = tempfile::tempdir().unwrap();
    let store = tdip_store_sqlite::SqliteStore::open(&dir.path().join("tdip.db")).unwrap();
    store
        .add_provider(&tdip_store::Provider {
            id: "kpn".into(),
            name: "KPN".into(),
            country: "NL".into(),
            zone: "Europe/Amsterdam".into(),
            created_at: 0,
        })
        .await
        .unwrap();
    let delivery = store.begin_delivery("kpn").await.unwrap();
    let audit = SqliteAudit::open(&dir.path().join("audit.db")).unwrap();
    let body = b"query while a delivery runs".to_vec();
    let entry = NewAuditEntry {
        at: 1,
        kind: "query".into(),
        digest: digest(&body),
        body,
    };
    assert_eq!(audit.append_audit(&[entry]).await.unwrap(), 0);
    drop(delivery);
}

//! What every audit store must do.

use crate::{AuditHead, AuditStore, NewAuditEntry, StoreError};

fn entry(i: u8) -> NewAuditEntry {
    NewAuditEntry {
        at: 1_800_000_000 + i64::from(i),
        kind: if i.is_multiple_of(2) {
            "query"
        } else {
            "refusal"
        }
        .into(),
        body: (0..=i).collect(),
        digest: [i; 32],
    }
}

/// Runs every audit check against the empty audit store `store`.
pub async fn run_all<A: AuditStore>(store: &A) {
    assert!(store.audit_entries(0, 10).await.unwrap().is_empty());
    assert!(store.audit_heads().await.unwrap().is_empty());

    assert_eq!(
        store
            .append_audit(&[entry(0), entry(1), entry(2)])
            .await
            .unwrap(),
        0
    );
    assert_eq!(store.append_audit(&[entry(3), entry(4)]).await.unwrap(), 3);
    assert_eq!(
        store.append_audit(&[]).await.unwrap(),
        5,
        "nothing appended"
    );
    let all = store.audit_entries(0, 100).await.unwrap();
    assert_eq!(all.len(), 5);
    for (i, e) in all.iter().enumerate() {
        let want = entry(i as u8);
        assert_eq!(e.seq, i as u64);
        assert_eq!(
            (e.at, &e.kind, e.body.as_ref(), e.digest),
            (want.at, &want.kind, Some(&want.body), want.digest)
        );
    }
    // Entries of one kind, from a number on, at most so many.
    let odd = store
        .audit_entries_of_kind("refusal", 0, 100)
        .await
        .unwrap();
    assert_eq!(odd.iter().map(|e| e.seq).collect::<Vec<_>>(), [1, 3]);
    assert_eq!(odd[1].body.as_deref(), Some(&entry(3).body[..]));
    let even = store.audit_entries_of_kind("query", 1, 1).await.unwrap();
    assert_eq!(even.iter().map(|e| e.seq).collect::<Vec<_>>(), [2]);
    assert!(
        store
            .audit_entries_of_kind("config", 0, 100)
            .await
            .unwrap()
            .is_empty()
    );
    let page = store.audit_entries(3, 1).await.unwrap();
    assert_eq!(page.iter().map(|e| e.seq).collect::<Vec<_>>(), [3]);
    assert!(store.audit_entries(5, 10).await.unwrap().is_empty());

    // Appends from two tasks at once interleave whole and stay contiguous.
    let (first, second) = ([entry(5), entry(6)], [entry(7), entry(8)]);
    let (a, b) = tokio::join!(store.append_audit(&first), store.append_audit(&second));
    let (a, b) = (a.unwrap(), b.unwrap());
    assert_eq!([a.min(b), a.max(b)], [5, 7]);
    assert_eq!(store.audit_entries(0, 100).await.unwrap().len(), 9);

    // Bodies of one kind before a moment are purged; digests, numbers and the rest stay.
    let before = store.audit_entries(0, 100).await.unwrap();
    let purged = store
        .purge_audit_bodies("query", 1_800_000_003)
        .await
        .unwrap();
    assert_eq!(purged, 2, "entries 0 and 2 are queries before the moment");
    let after = store.audit_entries(0, 100).await.unwrap();
    assert_eq!(after.len(), before.len());
    for (b, a) in before.iter().zip(&after) {
        let gone = b.kind == "query" && b.at < 1_800_000_003;
        assert_eq!(a.body.is_none(), gone, "entry {}", a.seq);
        if !gone {
            assert_eq!(a.body, b.body);
        }
        assert_eq!(
            (a.seq, a.at, &a.kind, a.digest),
            (b.seq, b.at, &b.kind, b.digest)
        );
    }
    assert_eq!(
        store
            .purge_audit_bodies("query", 1_800_000_003)
            .await
            .unwrap(),
        0,
        "nothing left to purge"
    );

    let head = |size: u64| AuditHead {
        size,
        root: [size as u8; 32],
        at: 1_800_000_100 + size as i64,
        signature: [0xab; 64],
    };
    store.put_audit_head(&head(5)).await.unwrap();
    store.put_audit_head(&head(3)).await.unwrap();
    let err = store.put_audit_head(&head(5)).await.unwrap_err();
    assert!(matches!(err, StoreError::Conflict(_)), "{err}");
    assert_eq!(store.audit_heads().await.unwrap(), [head(3), head(5)]);

    // A large group (a backend may insert it in chunks) lands whole, in order.
    let group: Vec<NewAuditEntry> = (9..=93).map(entry).collect();
    assert_eq!(store.append_audit(&group).await.unwrap(), 9);
    let all = store.audit_entries(9, 1000).await.unwrap();
    assert_eq!(all.len(), group.len());
    for (e, want) in all.iter().zip(&group) {
        assert_eq!(
            (e.at, &e.kind, e.body.as_ref(), e.digest),
            (want.at, &want.kind, Some(&want.body), want.digest)
        );
    }
    assert_eq!(
        all.iter().map(|e| e.seq).collect::<Vec<_>>(),
        (9..=93).collect::<Vec<u64>>()
    );
}

//! The conformance suite: behaviour every backend must show, generic over [`Store`].
//!
//! Each backend's tests call [`run_all`] with a factory that yields a fresh, empty store.
//! The same suite will run unchanged against PostgreSQL.

use std::future::Future;

pub mod access;
pub mod audit;
pub mod payments;
pub mod retention;
pub mod traffic;

use crate::{
    BlindIndex, DeliveryOutcome, DeliverySpan, DeliveryTx, NewDelivery, NewVersion, Provider,
    Reseal, Store, StoreError,
};

/// Runs every check against fresh stores from `fresh`.
pub async fn run_all<S: Store, F, Fut>(fresh: F)
where
    F: Fn() -> Fut,
    Fut: Future<Output = S>,
{
    providers_are_registered_once(&fresh().await).await;
    a_committed_delivery_is_visible_by_blind_index(&fresh().await).await;
    a_dropped_delivery_leaves_no_trace(&fresh().await).await;
    closing_is_only_for_open_versions_of_the_same_provider(&fresh().await).await;
    open_versions_are_paged_and_resealed_only_while_unchanged(&fresh().await).await;
    snapshots_round_trip_and_are_replaced(&fresh().await).await;
    the_delivery_log_keeps_every_outcome(&fresh().await).await;
    a_delivery_needs_a_registered_provider(&fresh().await).await;
    provider_rows_are_what_the_provider_holds(&fresh().await).await;
}

fn provider(id: &str) -> Provider {
    Provider {
        id: id.into(),
        name: format!("{id} B.V."),
        country: "NL".into(),
        zone: "Europe/Amsterdam".into(),
        created_at: 1_700_000_000,
    }
}

fn delivery(provider: &str, snapshot_at: i64, outcome: DeliveryOutcome) -> NewDelivery {
    NewDelivery {
        provider: provider.into(),
        received_at: snapshot_at + 60,
        snapshot_at,
        rows: 2,
        opened: 2,
        changed: 0,
        closed: 0,
        errors: 0,
        checksum: [7; 32],
        outcome,
    }
}

/// Each id with a new sealed blob `sealed`.
pub fn closes(ids: &[i64], sealed: &[u8]) -> Vec<(i64, Vec<u8>)> {
    ids.iter().map(|id| (*id, sealed.to_vec())).collect()
}

fn version(key: u8, valid_from: i64) -> NewVersion {
    NewVersion {
        sub_key: BlindIndex([key; 16]),
        valid_from,
        seen_before: None,
        sealed: vec![key; 48],
    }
}

async fn providers_are_registered_once<S: Store>(store: &S) {
    store.add_provider(&provider("kpn")).await.unwrap();
    store.add_provider(&provider("ziggo")).await.unwrap();
    let err = store.add_provider(&provider("kpn")).await.unwrap_err();
    assert!(matches!(err, StoreError::Conflict(_)), "{err}");
    assert!(err.to_string().contains("already registered"), "{err}");
    let ids: Vec<_> = store
        .providers()
        .await
        .unwrap()
        .into_iter()
        .map(|p| p.id)
        .collect();
    assert_eq!(ids, ["kpn", "ziggo"]);
    assert_eq!(
        store.provider("ziggo").await.unwrap(),
        Some(provider("ziggo"))
    );
    assert_eq!(store.provider("nope").await.unwrap(), None);
}

async fn a_committed_delivery_is_visible_by_blind_index<S: Store>(store: &S) {
    store.add_provider(&provider("kpn")).await.unwrap();
    let mut tx = store.begin_delivery("kpn").await.unwrap();
    assert!(tx.snapshot().await.unwrap().is_empty());
    let ids = tx
        .insert_versions(&[version(1, 100), version(2, 100)])
        .await
        .unwrap();
    assert_eq!(ids.len(), 2);
    assert!(ids[0] < ids[1]);
    let shared = BlindIndex([9; 16]);
    tx.insert_indexes(&[
        (BlindIndex([1; 16]), ids[0]),
        (shared, ids[0]),
        (shared, ids[1]),
    ])
    .await
    .unwrap();
    tx.add_prefix_lengths(&[(4, 32), (6, 56), (4, 32)])
        .await
        .unwrap();
    let id = tx
        .commit(&delivery("kpn", 100, DeliveryOutcome::Accepted))
        .await
        .unwrap();

    let hits = store.versions_by_index(&[shared]).await.unwrap();
    assert_eq!(hits.iter().map(|v| v.id).collect::<Vec<_>>(), ids);
    let first = &hits[0];
    assert_eq!(
        (first.provider.as_str(), first.opened_by, first.valid_from),
        ("kpn", id, 100)
    );
    assert_eq!(
        (first.valid_to, first.last_seen, first.seen_before),
        (None, None, None)
    );
    assert_eq!(first.sealed, vec![1; 48]);
    assert_eq!(first.sub_key, BlindIndex([1; 16]));
    let both = store
        .versions_by_index(&[BlindIndex([1; 16]), shared])
        .await
        .unwrap();
    assert_eq!(
        both.len(),
        2,
        "a version reached by two indexes is returned once"
    );
    assert!(
        store
            .versions_by_index(&[BlindIndex([3; 16])])
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(store.prefix_lengths().await.unwrap(), [(4, 32), (6, 56)]);
}

async fn a_dropped_delivery_leaves_no_trace<S: Store>(store: &S) {
    store.add_provider(&provider("kpn")).await.unwrap();
    {
        let mut tx = store.begin_delivery("kpn").await.unwrap();
        let ids = tx.insert_versions(&[version(1, 100)]).await.unwrap();
        tx.insert_indexes(&[(BlindIndex([1; 16]), ids[0])])
            .await
            .unwrap();
        tx.put_snapshot(b"half").await.unwrap();
    }
    assert!(
        store
            .versions_by_index(&[BlindIndex([1; 16])])
            .await
            .unwrap()
            .is_empty()
    );
    assert!(store.deliveries(None, 10).await.unwrap().is_empty());
    let mut tx = store.begin_delivery("kpn").await.unwrap();
    assert!(
        tx.snapshot().await.unwrap().is_empty(),
        "the dropped snapshot must be gone"
    );
}

async fn closing_is_only_for_open_versions_of_the_same_provider<S: Store>(store: &S) {
    store.add_provider(&provider("kpn")).await.unwrap();
    store.add_provider(&provider("ziggo")).await.unwrap();
    let mut tx = store.begin_delivery("kpn").await.unwrap();
    let ids = tx.insert_versions(&[version(1, 100)]).await.unwrap();
    tx.insert_indexes(&[(BlindIndex([1; 16]), ids[0])])
        .await
        .unwrap();
    tx.commit(&delivery("kpn", 100, DeliveryOutcome::Accepted))
        .await
        .unwrap();

    let mut tx = store.begin_delivery("ziggo").await.unwrap();
    let err = tx.open_versions(&ids).await.unwrap_err();
    assert!(matches!(err, StoreError::Conflict(_)), "{err}");
    let err = tx
        .close_versions(&closes(&ids, b"x"), 200, 100)
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Conflict(_)), "{err}");
    drop(tx);

    let mut tx = store.begin_delivery("kpn").await.unwrap();
    let open = tx.open_versions(&ids).await.unwrap();
    assert_eq!(open.len(), 1);
    assert_eq!((open[0].id, &open[0].sealed), (ids[0], &vec![1u8; 48]));
    tx.close_versions(&closes(&ids, b"x"), 200, 100)
        .await
        .unwrap();
    let err = tx
        .close_versions(&closes(&ids, b"y"), 300, 200)
        .await
        .unwrap_err();
    assert!(
        matches!(err, StoreError::Conflict(_)),
        "closing twice: {err}"
    );
    drop(tx);

    let mut tx = store.begin_delivery("kpn").await.unwrap();
    tx.close_versions(&closes(&ids, b"sealed for its month"), 200, 100)
        .await
        .unwrap();
    let err = tx.open_versions(&ids).await.unwrap_err();
    assert!(matches!(err, StoreError::Conflict(_)), "closed: {err}");
    tx.commit(&delivery("kpn", 200, DeliveryOutcome::Accepted))
        .await
        .unwrap();
    let v = &store
        .versions_by_index(&[BlindIndex([1; 16])])
        .await
        .unwrap()[0];
    assert_eq!((v.valid_to, v.last_seen), (Some(200), Some(100)));
    assert_eq!(
        v.sealed, b"sealed for its month",
        "closing replaces the blob"
    );
}

async fn open_versions_are_paged_and_resealed_only_while_unchanged<S: Store>(store: &S) {
    store.add_provider(&provider("kpn")).await.unwrap();
    store.add_provider(&provider("ziggo")).await.unwrap();
    let mut tx = store.begin_delivery("ziggo").await.unwrap();
    let other = tx.insert_versions(&[version(9, 100)]).await.unwrap();
    tx.commit(&delivery("ziggo", 100, DeliveryOutcome::Accepted))
        .await
        .unwrap();
    let mut tx = store.begin_delivery("kpn").await.unwrap();
    let ids = tx
        .insert_versions(&(1..=5).map(|k| version(k, 100)).collect::<Vec<_>>())
        .await
        .unwrap();
    tx.commit(&delivery("kpn", 100, DeliveryOutcome::Accepted))
        .await
        .unwrap();
    let mut tx = store.begin_delivery("kpn").await.unwrap();
    tx.close_versions(&closes(&ids[1..2], b"closed"), 200, 100)
        .await
        .unwrap();
    tx.commit(&delivery("kpn", 200, DeliveryOutcome::Accepted))
        .await
        .unwrap();

    let page = store.open_versions_page("kpn", 0, 2).await.unwrap();
    assert_eq!(
        page.iter().map(|v| v.id).collect::<Vec<_>>(),
        [ids[0], ids[2]]
    );
    let rest = store.open_versions_page("kpn", ids[2], 10).await.unwrap();
    assert_eq!(
        rest.iter().map(|v| v.id).collect::<Vec<_>>(),
        [ids[3], ids[4]]
    );
    assert!(
        store
            .open_versions_page("kpn", ids[4], 10)
            .await
            .unwrap()
            .is_empty()
    );

    let change = |id: i64, old: Vec<u8>| Reseal {
        id,
        old,
        new: b"resealed".to_vec(),
    };
    let replaced = store
        .reseal(
            "kpn",
            &[
                change(ids[0], vec![1; 48]),
                change(ids[1], vec![2; 48]), // closed meanwhile: left alone
                change(ids[2], vec![0; 48]), // not the stored blob: left alone
                change(other[0], vec![9; 48]), // another provider's: left alone
            ],
        )
        .await
        .unwrap();
    assert_eq!(replaced, 1);
    assert_eq!(store.reseal("kpn", &[]).await.unwrap(), 0);
    let mut tx = store.begin_delivery("kpn").await.unwrap();
    let now = tx.open_versions(&[ids[0], ids[2]]).await.unwrap();
    drop(tx);
    assert_eq!(now[0].sealed, b"resealed");
    assert_eq!(now[1].sealed, vec![3; 48]);
    let page = store.open_versions_page("ziggo", 0, 10).await.unwrap();
    assert_eq!(page[0].sealed, vec![9; 48]);
}

async fn snapshots_round_trip_and_are_replaced<S: Store>(store: &S) {
    store.add_provider(&provider("kpn")).await.unwrap();
    store.add_provider(&provider("ziggo")).await.unwrap();
    let big: Vec<u8> = (0..(40u32 << 20)).map(|i| (i % 251) as u8).collect();
    let mut tx = store.begin_delivery("kpn").await.unwrap();
    tx.put_snapshot(&big).await.unwrap();
    tx.commit(&delivery("kpn", 100, DeliveryOutcome::Accepted))
        .await
        .unwrap();
    let mut tx = store.begin_delivery("kpn").await.unwrap();
    let parts = tx.snapshot().await.unwrap();
    assert!(
        parts.len() == 1 && parts[0] == big,
        "a multi-chunk snapshot must round trip"
    );
    tx.append_snapshot(b"delta one").await.unwrap();
    tx.commit(&delivery("kpn", 200, DeliveryOutcome::Accepted))
        .await
        .unwrap();
    let mut tx = store.begin_delivery("kpn").await.unwrap();
    tx.append_snapshot(b"delta two").await.unwrap();
    let parts = tx.snapshot().await.unwrap();
    assert_eq!(parts.len(), 3);
    assert!(parts[0] == big, "the base stays as it was");
    assert_eq!(parts[1..], [b"delta one".to_vec(), b"delta two".to_vec()]);
    tx.put_snapshot(b"small").await.unwrap();
    tx.commit(&delivery("kpn", 300, DeliveryOutcome::Accepted))
        .await
        .unwrap();
    let mut tx = store.begin_delivery("kpn").await.unwrap();
    assert_eq!(
        tx.snapshot().await.unwrap(),
        [b"small".to_vec()],
        "a new base drops the deltas"
    );
    tx.append_snapshot(b"dropped").await.unwrap();
    drop(tx);
    let mut tx = store.begin_delivery("kpn").await.unwrap();
    assert_eq!(
        tx.snapshot().await.unwrap(),
        [b"small".to_vec()],
        "an uncommitted delta is gone"
    );
    drop(tx);
    let mut tx = store.begin_delivery("ziggo").await.unwrap();
    assert!(
        tx.snapshot().await.unwrap().is_empty(),
        "snapshots are per provider"
    );
}

async fn the_delivery_log_keeps_every_outcome<S: Store>(store: &S) {
    store.add_provider(&provider("kpn")).await.unwrap();
    store.add_provider(&provider("ziggo")).await.unwrap();
    let tx = store.begin_delivery("kpn").await.unwrap();
    let first = tx
        .commit(&delivery("kpn", 100, DeliveryOutcome::Accepted))
        .await
        .unwrap();
    let mut bad = delivery("kpn", 200, DeliveryOutcome::Rejected);
    bad.errors = 3;
    let rejected = store.record_rejected(&bad).await.unwrap();
    let tx = store.begin_delivery("kpn").await.unwrap();
    let third = tx
        .commit(&delivery("kpn", 300, DeliveryOutcome::Accepted))
        .await
        .unwrap();
    let tx = store.begin_delivery("ziggo").await.unwrap();
    tx.commit(&delivery("ziggo", 150, DeliveryOutcome::Accepted))
        .await
        .unwrap();
    assert!(first < rejected && rejected < third);

    let log = store.deliveries(Some("kpn"), 10).await.unwrap();
    assert_eq!(
        log.iter().map(|d| d.id).collect::<Vec<_>>(),
        [third, rejected, first]
    );
    assert_eq!(log[1].delivery, bad);
    assert_eq!(store.deliveries(None, 2).await.unwrap().len(), 2);

    let spans = store.delivery_spans().await.unwrap();
    assert_eq!(spans.len(), 2);
    let kpn = &spans[0];
    assert_eq!(
        (
            kpn.provider.as_str(),
            kpn.first_snapshot,
            kpn.latest_snapshot
        ),
        ("kpn", 100, 300)
    );
    assert_eq!(
        (kpn.accepted, kpn.latest_received),
        (2, 360),
        "rejected deliveries do not count"
    );

    // The same spans for named providers only, with the provider itself; a provider
    // without an accepted delivery has none, an unknown id is left out.
    store.add_provider(&provider("lebara")).await.unwrap();
    let named = store
        .provider_spans(&["ziggo", "ghost", "kpn", "lebara", "kpn"])
        .await
        .unwrap();
    let seen: Vec<(&str, &str, Option<&DeliverySpan>)> = named
        .iter()
        .map(|(p, s)| (p.id.as_str(), p.name.as_str(), s.as_ref()))
        .collect();
    assert_eq!(
        seen,
        [
            ("kpn", "kpn B.V.", Some(&spans[0])),
            ("lebara", "lebara B.V.", None),
            ("ziggo", "ziggo B.V.", Some(&spans[1])),
        ]
    );
    assert!(store.provider_spans(&[]).await.unwrap().is_empty());
}

async fn a_delivery_needs_a_registered_provider<S: Store>(store: &S) {
    let err = store
        .begin_delivery("ghost")
        .await
        .err()
        .expect("unknown provider");
    assert!(matches!(err, StoreError::NotFound(_)), "{err}");
}

async fn provider_rows_are_what_the_provider_holds<S: Store>(store: &S) {
    store.add_provider(&provider("kpn")).await.unwrap();
    store.add_provider(&provider("ziggo")).await.unwrap();
    assert_eq!(
        store.provider_rows("kpn").await.unwrap(),
        Default::default()
    );
    let mut tx = store.begin_delivery("kpn").await.unwrap();
    let ids = tx
        .insert_versions(&[version(1, 100), version(2, 100)])
        .await
        .unwrap();
    tx.insert_indexes(&[
        (BlindIndex([1; 16]), ids[0]),
        (BlindIndex([5; 16]), ids[0]),
        (BlindIndex([2; 16]), ids[1]),
    ])
    .await
    .unwrap();
    tx.put_snapshot(b"base").await.unwrap();
    tx.commit(&delivery("kpn", 100, DeliveryOutcome::Accepted))
        .await
        .unwrap();
    let mut tx = store.begin_delivery("ziggo").await.unwrap();
    let other = tx.insert_versions(&[version(3, 100)]).await.unwrap();
    tx.insert_indexes(&[(BlindIndex([3; 16]), other[0])])
        .await
        .unwrap();
    tx.commit(&delivery("ziggo", 100, DeliveryOutcome::Accepted))
        .await
        .unwrap();
    let mut tx = store.begin_delivery("kpn").await.unwrap();
    tx.close_versions(&closes(&ids[..1], &[8; 48]), 200, 100)
        .await
        .unwrap();
    tx.append_snapshot(b"delta").await.unwrap();
    tx.commit(&delivery("kpn", 200, DeliveryOutcome::Accepted))
        .await
        .unwrap();

    let rows = store.provider_rows("kpn").await.unwrap();
    assert_eq!(rows.open, [(ids[1], BlindIndex([2; 16]))]);
    assert_eq!((rows.versions, rows.indexes), (2, 3));
    assert_eq!(rows.snapshot, [b"base".to_vec(), b"delta".to_vec()]);
    let rows = store.provider_rows("ziggo").await.unwrap();
    assert_eq!((rows.open.len(), rows.versions, rows.indexes), (1, 1, 1));
    assert!(rows.snapshot.is_empty());
}

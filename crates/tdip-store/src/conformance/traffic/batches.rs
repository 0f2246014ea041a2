//! Batches: what a commit makes visible, what a dropped or refused batch leaves (nothing),
//! and the batch log.

use super::{DAY, T0, block, log_entry, probe, session, with_providers};
use crate::{DeliveryOutcome, OpenRef, Store, StoreError, TrafficKind, TrafficStore, TrafficTx};

const PB: TrafficKind = TrafficKind::PortBlock;

pub(super) async fn a_committed_batch_is_visible_through_covering<S: Store + TrafficStore>(
    store: &S,
) {
    with_providers(store).await;
    let mut tx = store.begin_traffic("kpn").await.unwrap();
    let seq = tx.seq();
    let (start, end) = (T0 + 3_600, T0 + 7_200);
    let a = block(seq, DAY, 1, (40_000, 40_511), start, end, Some(9));
    let b = block(seq, DAY, 1, (40_512, 41_023), start, end, None);
    let other = block(seq, DAY, 2, (40_000, 40_511), start, end, Some(9));
    let whole = block(seq, DAY, 3, (0, 65_535), start, end, None);
    tx.insert_traffic(&[b.clone(), other.clone()])
        .await
        .unwrap();
    tx.insert_traffic(&[a.clone(), whole.clone()])
        .await
        .unwrap();
    assert_eq!(
        tx.commit(&log_entry("kpn", "b1", DeliveryOutcome::Accepted))
            .await
            .unwrap(),
        seq,
        "commit returns the sequence number the batch announced"
    );

    let at = |key, port, moment| probe(PB, &[(DAY, key)], &[], (moment, moment), port);
    let covering = |p| async move { store.traffic_covering(&p).await.unwrap() };
    // The row read back is the row written, every field.
    assert_eq!(
        covering(at(1, Some(40_000), start)).await,
        std::slice::from_ref(&a)
    );
    assert_eq!(
        covering(at(1, Some(40_511), end)).await,
        std::slice::from_ref(&a)
    );
    assert_eq!(
        covering(at(1, Some(40_512), start)).await,
        std::slice::from_ref(&b)
    );
    assert_eq!(
        covering(at(1, Some(41_023), end)).await,
        std::slice::from_ref(&b)
    );
    assert!(covering(at(1, Some(39_999), start)).await.is_empty());
    assert!(covering(at(1, Some(41_024), start)).await.is_empty());
    assert!(covering(at(1, Some(40_000), start - 1)).await.is_empty());
    assert!(covering(at(1, Some(40_000), end + 1)).await.is_empty());
    assert_eq!(covering(at(2, Some(40_100), start + 1)).await, [other]);
    assert_eq!(
        covering(at(3, Some(65_535), end)).await,
        std::slice::from_ref(&whole)
    );
    assert_eq!(covering(at(3, Some(0), start)).await, [whole]);
    // The same key under another day is another partition: nothing there.
    assert!(
        covering(probe(PB, &[(DAY + 1, 1)], &[], (start, end), Some(40_000)))
            .await
            .is_empty()
    );
    // A window that contains the interval, and one that only touches its end.
    let window = |from, to| probe(PB, &[(DAY, 1)], &[], (from, to), None);
    assert_eq!(
        covering(window(T0, T0 + 86_399)).await,
        [a.clone(), b.clone()]
    );
    assert_eq!(covering(window(end, end + 100)).await, [a.clone(), b]);
    assert!(covering(window(end + 1, end + 100)).await.is_empty());
    // A session probe does not see port blocks.
    let sessions = probe(
        TrafficKind::AccessSession,
        &[(DAY, 1)],
        &[],
        (T0, T0 + 86_399),
        None,
    );
    assert!(covering(sessions).await.is_empty());
    assert_eq!(
        store.traffic_days().await.unwrap(),
        [crate::TrafficDay { day: DAY, rows: 4 }]
    );
}

pub(super) async fn a_dropped_batch_leaves_no_trace<S: Store + TrafficStore>(store: &S) {
    with_providers(store).await;
    let mut tx = store.begin_traffic("kpn").await.unwrap();
    let seq = tx.seq();
    let open = session(seq, DAY, 4, (6, 56), T0 + 10, None, 7);
    tx.insert_traffic(&[
        block(seq, DAY, 1, (1_024, 2_047), T0 + 5, T0 + 50, Some(7)),
        session(seq, DAY + 1, 5, (4, 32), T0 + 86_500, Some(T0 + 86_600), 7),
        open.clone(),
    ])
    .await
    .unwrap();
    drop(tx);

    let all = probe(PB, &[(DAY, 1)], &[], (T0, T0 + 86_399), None);
    assert!(store.traffic_covering(&all).await.unwrap().is_empty());
    let sessions = probe(
        TrafficKind::AccessSession,
        &[(DAY + 1, 5)],
        &[4],
        (T0, T0 + 2 * 86_400),
        None,
    );
    assert!(store.traffic_covering(&sessions).await.unwrap().is_empty());
    assert!(store.traffic_days().await.unwrap().is_empty());
    assert!(store.traffic_prefix_lengths().await.unwrap().is_empty());
    assert!(store.traffic_batches(None, 10).await.unwrap().is_empty());
    assert_eq!(store.traffic_batch("kpn", "b1").await.unwrap(), None);
    let user = super::idx(7);
    let of_user = store
        .traffic_of_user(&user, T0, T0 + 2 * 86_400, 10)
        .await
        .unwrap();
    assert!(of_user.is_empty());

    // The open row is not open, and the batch id is still free.
    let mut tx = store.begin_traffic("kpn").await.unwrap();
    let r = OpenRef {
        kind: open.kind,
        key: open.key,
        first_port: open.first_port,
        start: open.start,
    };
    assert_eq!(tx.take_open(&[r]).await.unwrap(), [None]);
    tx.commit(&log_entry("kpn", "b1", DeliveryOutcome::Accepted))
        .await
        .unwrap();
    assert!(store.traffic_batch("kpn", "b1").await.unwrap().is_some());
}

pub(super) async fn an_accepted_batch_id_is_not_committed_twice<S: Store + TrafficStore>(
    store: &S,
) {
    with_providers(store).await;
    let first = block(0, DAY, 1, (0, 511), T0 + 5, T0 + 50, Some(7));
    let mut tx = store.begin_traffic("kpn").await.unwrap();
    let first = crate::TrafficRow {
        batch: tx.seq(),
        ..first
    };
    tx.insert_traffic(std::slice::from_ref(&first))
        .await
        .unwrap();
    let seq = tx
        .commit(&log_entry("kpn", "b1", DeliveryOutcome::Accepted))
        .await
        .unwrap();

    let mut tx = store.begin_traffic("kpn").await.unwrap();
    let again = tx.seq();
    tx.insert_traffic(&[
        block(again, DAY, 1, (512, 1_023), T0 + 5, T0 + 50, Some(7)),
        session(again, DAY, 2, (6, 64), T0 + 9, None, 7),
    ])
    .await
    .unwrap();
    let err = tx
        .commit(&log_entry("kpn", "b1", DeliveryOutcome::Accepted))
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Conflict(_)), "{err}");

    let all = probe(PB, &[(DAY, 1)], &[], (T0, T0 + 86_399), None);
    assert_eq!(store.traffic_covering(&all).await.unwrap(), [first]);
    let open = probe(
        TrafficKind::AccessSession,
        &[],
        &[2],
        (T0, T0 + 86_399),
        None,
    );
    assert!(store.traffic_covering(&open).await.unwrap().is_empty());
    let log = store.traffic_batches(None, 10).await.unwrap();
    assert_eq!(log.iter().map(|b| b.seq).collect::<Vec<_>>(), [seq]);
    assert_eq!(
        store.traffic_days().await.unwrap(),
        [crate::TrafficDay { day: DAY, rows: 1 }]
    );
    assert!(store.traffic_prefix_lengths().await.unwrap().is_empty());
    // Another provider may use the same id.
    let tx = store.begin_traffic("proximus").await.unwrap();
    tx.commit(&log_entry("proximus", "b1", DeliveryOutcome::Accepted))
        .await
        .unwrap();
}

pub(super) async fn the_batch_log_keeps_rejections_and_lists_newest_first<
    S: Store + TrafficStore,
>(
    store: &S,
) {
    with_providers(store).await;
    let rejected = log_entry("kpn", "bad", DeliveryOutcome::Rejected);
    let r1 = store.record_rejected_traffic(&rejected).await.unwrap();
    let r2 = store.record_rejected_traffic(&rejected).await.unwrap();
    assert!(r2 > r1, "a rejection may repeat an id; each is logged");
    assert_eq!(
        store.traffic_batch("kpn", "bad").await.unwrap(),
        None,
        "traffic_batch names accepted batches only"
    );
    let tx = store.begin_traffic("kpn").await.unwrap();
    let announced = tx.seq();
    let accepted = log_entry("kpn", "bad", DeliveryOutcome::Accepted);
    let a = tx.commit(&accepted).await.unwrap();
    assert_eq!(a, announced);
    assert!(a > r2);
    let mut other = log_entry("proximus", "p-1", DeliveryOutcome::Accepted);
    other.kind = TrafficKind::AccessSession;
    let p = store.begin_traffic("proximus").await.unwrap();
    let p = p.commit(&other).await.unwrap();

    let found = store.traffic_batch("kpn", "bad").await.unwrap().unwrap();
    assert_eq!((found.seq, &found.batch), (a, &accepted));
    let seqs = |log: Vec<crate::TrafficBatchRecord>| log.iter().map(|b| b.seq).collect::<Vec<_>>();
    assert_eq!(
        seqs(store.traffic_batches(None, 10).await.unwrap()),
        [p, a, r2, r1]
    );
    assert_eq!(seqs(store.traffic_batches(None, 2).await.unwrap()), [p, a]);
    assert_eq!(
        seqs(store.traffic_batches(Some("kpn"), 10).await.unwrap()),
        [a, r2, r1]
    );
    assert!(
        store
            .traffic_batches(Some("nope"), 10)
            .await
            .unwrap()
            .is_empty()
    );
    let by_seq = store
        .traffic_batches_by_seq(&[p, 999_999, r1])
        .await
        .unwrap();
    assert_eq!(
        seqs(by_seq.clone()),
        [p, r1],
        "in the order asked, unknown left out"
    );
    assert_eq!(by_seq[0].batch, other);
    assert_eq!(by_seq[1].batch, rejected);
}

pub(super) async fn a_batch_needs_a_registered_provider<S: Store + TrafficStore>(store: &S) {
    with_providers(store).await;
    let err = store.begin_traffic("nope").await.err().unwrap();
    assert!(matches!(err, StoreError::NotFound(_)), "{err}");
    assert!(store.traffic_batches(None, 10).await.unwrap().is_empty());
}

//! Lookups: the open set, rows of an end user, session prefix lengths, and day
//! partitions counted and dropped.

use super::{DAY, T0, block, idx, log_entry, probe, session, with_providers};
use crate::{
    DeliveryOutcome, OpenRef, Store, StoreError, TrafficDay, TrafficKind, TrafficRow, TrafficStore,
    TrafficTx,
};

const PB: TrafficKind = TrafficKind::PortBlock;
const SESSION: TrafficKind = TrafficKind::AccessSession;

fn open_ref(r: &TrafficRow) -> OpenRef {
    OpenRef {
        kind: r.kind,
        key: r.key,
        first_port: r.first_port,
        start: r.start,
    }
}

/// Commits `rows` as one accepted batch of `kpn` named `id`; returns its seq. Rows get
/// the batch's seq.
async fn commit<S: TrafficStore>(store: &S, id: &str, rows: &[TrafficRow]) -> i64 {
    let mut tx = store.begin_traffic("kpn").await.unwrap();
    let rows: Vec<TrafficRow> = rows
        .iter()
        .map(|r| TrafficRow {
            batch: tx.seq(),
            ..r.clone()
        })
        .collect();
    tx.insert_traffic(&rows).await.unwrap();
    tx.commit(&log_entry("kpn", id, DeliveryOutcome::Accepted))
        .await
        .unwrap()
}

fn with_batch(r: &TrafficRow, batch: i64) -> TrafficRow {
    TrafficRow { batch, ..r.clone() }
}

pub(super) async fn open_rows_are_found_taken_and_unique<S: Store + TrafficStore>(store: &S) {
    with_providers(store).await;
    let start = T0 + 100;
    let mut open = block(0, DAY, 5, (2_048, 2_559), start, 0, Some(8));
    open.end = None;
    let s1 = commit(store, "b1", std::slice::from_ref(&open)).await;
    let open = with_batch(&open, s1);

    let at = |to, port| probe(PB, &[(DAY, 5)], &[5], (to - 10, to), port);
    let covering = |p| async move { store.traffic_covering(&p).await.unwrap() };
    assert_eq!(
        covering(at(start, Some(2_048))).await,
        std::slice::from_ref(&open)
    );
    assert_eq!(
        covering(at(start + 86_400 * 30, Some(2_559))).await,
        std::slice::from_ref(&open)
    );
    assert_eq!(
        covering(at(start + 5, None)).await,
        std::slice::from_ref(&open)
    );
    assert!(
        covering(at(start - 1, Some(2_048))).await.is_empty(),
        "started after the window"
    );
    assert!(
        covering(at(start, Some(2_560))).await.is_empty(),
        "port outside the block"
    );
    assert!(
        covering(probe(PB, &[(DAY, 5)], &[], (start, start), Some(2_048)))
            .await
            .is_empty(),
        "an open row is found through the open keys only"
    );
    assert!(
        covering(probe(SESSION, &[], &[5], (start, start), None))
            .await
            .is_empty()
    );

    // The same open record again, in a later batch or twice in one, is a conflict.
    let mut tx = store.begin_traffic("kpn").await.unwrap();
    let again = with_batch(&open, tx.seq());
    let err = tx
        .insert_traffic(std::slice::from_ref(&again))
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Conflict(_)), "{err}");
    drop(tx);
    let mut tx = store.begin_traffic("kpn").await.unwrap();
    let mut twin = block(tx.seq(), DAY, 6, (0, 511), start, 0, None);
    twin.end = None;
    let err = tx.insert_traffic(&[twin.clone(), twin]).await.unwrap_err();
    assert!(matches!(err, StoreError::Conflict(_)), "{err}");
    drop(tx);

    // Taking it out returns it once; closed, it is written to its day.
    let mut tx = store.begin_traffic("kpn").await.unwrap();
    let s2 = tx.seq();
    let mut unknown = open_ref(&open);
    unknown.start += 1;
    let taken = tx.take_open(&[unknown, open_ref(&open)]).await.unwrap();
    assert_eq!(taken, [None, Some(open.clone())]);
    assert_eq!(tx.take_open(&[open_ref(&open)]).await.unwrap(), [None]);
    let closed = TrafficRow {
        batch: s2,
        end: Some(start + 600),
        ..open.clone()
    };
    tx.insert_traffic(std::slice::from_ref(&closed))
        .await
        .unwrap();
    tx.commit(&log_entry("kpn", "b2", DeliveryOutcome::Accepted))
        .await
        .unwrap();
    assert_eq!(covering(at(start + 600, Some(2_100))).await, [closed]);
    let after = probe(
        PB,
        &[(DAY, 5)],
        &[5],
        (start + 601, start + 700),
        Some(2_100),
    );
    assert!(covering(after).await.is_empty(), "closed: no longer open");

    // A take in a dropped batch leaves the row open.
    let mut open2 = block(0, DAY, 7, (0, 511), start, 0, None);
    open2.end = None;
    let s3 = commit(store, "b3", std::slice::from_ref(&open2)).await;
    let open2 = with_batch(&open2, s3);
    let mut tx = store.begin_traffic("kpn").await.unwrap();
    assert_eq!(
        tx.take_open(&[open_ref(&open2)]).await.unwrap(),
        [Some(open2.clone())]
    );
    drop(tx);
    let p = probe(PB, &[], &[7], (start, start), Some(10));
    assert_eq!(covering(p).await, [open2]);
}

pub(super) async fn rows_of_a_user_span_days_and_the_open_set<S: Store + TrafficStore>(store: &S) {
    with_providers(store).await;
    let t1 = T0 + 86_400;
    // A block held across midnight is stored once in each day it covers.
    let night = [
        block(0, DAY, 1, (0, 511), t1 - 60, t1 + 60, Some(7)),
        block(0, DAY + 1, 2, (0, 511), t1 - 60, t1 + 60, Some(7)),
    ];
    let morning = session(0, DAY + 1, 3, (4, 32), t1 + 3_600, Some(t1 + 7_200), 7);
    let earlier = block(0, DAY, 4, (512, 1_023), T0 + 100, T0 + 200, Some(7));
    let open = session(0, DAY + 1, 5, (6, 56), t1 + 10_000, None, 7);
    let stranger = block(0, DAY, 1, (512, 1_023), T0 + 100, T0 + 200, Some(8));
    let anonymous = block(0, DAY, 1, (1_024, 1_535), T0 + 100, T0 + 200, None);
    let rows = [
        open.clone(),
        morning.clone(),
        night[1].clone(),
        stranger,
        anonymous,
        night[0].clone(),
        earlier.clone(),
    ];
    let s = commit(store, "b1", &rows).await;
    let want = |rows: &[&TrafficRow]| rows.iter().map(|r| with_batch(r, s)).collect::<Vec<_>>();
    let user = idx(7);
    let of_user = |from, to, limit| async move {
        store.traffic_of_user(&user, from, to, limit).await.unwrap()
    };

    let everything = want(&[&earlier, &night[0], &night[1], &morning, &open]);
    assert_eq!(of_user(T0, t1 + 86_399, 100).await, everything);
    assert_eq!(of_user(T0, t1 + 86_399, 3).await, everything[..3]);
    assert_eq!(
        of_user(T0 + 201, t1 + 3_599, 100).await,
        want(&[&night[0], &night[1]])
    );
    // The open row meets every window that ends at or after its start.
    assert_eq!(of_user(t1 + 7_201, t1 + 10_000, 100).await, want(&[&open]));
    assert!(of_user(t1 + 7_201, t1 + 9_999, 100).await.is_empty());
    assert_eq!(
        of_user(t1 + 20 * 86_400, t1 + 21 * 86_400, 100).await,
        want(&[&open])
    );
    assert!(
        store
            .traffic_of_user(&idx(9), T0, t1 + 86_399, 100)
            .await
            .unwrap()
            .is_empty()
    );
}

fn sorted(mut pairs: Vec<(u8, u8)>) -> Vec<(u8, u8)> {
    pairs.sort_unstable();
    pairs
}

pub(super) async fn prefix_lengths_are_those_of_stored_sessions<S: Store + TrafficStore>(
    store: &S,
) {
    with_providers(store).await;
    assert!(store.traffic_prefix_lengths().await.unwrap().is_empty());
    let mut v6_block = block(0, DAY, 9, (0, 511), T0, T0 + 5, Some(7));
    v6_block.net = (6, 128);
    commit(
        store,
        "b1",
        &[
            session(0, DAY, 1, (4, 32), T0 + 1, Some(T0 + 2), 7),
            session(0, DAY, 2, (4, 32), T0 + 3, Some(T0 + 4), 8),
            session(0, DAY + 1, 3, (6, 56), T0 + 86_401, Some(T0 + 86_402), 7),
            session(0, DAY + 1, 4, (6, 48), T0 + 86_403, None, 7),
            v6_block,
        ],
    )
    .await;
    assert_eq!(
        sorted(store.traffic_prefix_lengths().await.unwrap()),
        [(4, 32), (6, 48), (6, 56)],
        "distinct, of sessions only, from days and the open set"
    );
    store.drop_traffic_day(DAY + 1).await.unwrap();
    assert_eq!(
        sorted(store.traffic_prefix_lengths().await.unwrap()),
        [(4, 32), (6, 48)],
        "a dropped day's lengths go with it; the open set's stay"
    );
}

pub(super) async fn a_day_is_counted_and_dropped_whole<S: Store + TrafficStore>(store: &S) {
    with_providers(store).await;
    let before_1970 = -1;
    let t = |day: i32, s: i64| i64::from(day) * 86_400 + s;
    let rows = [
        block(
            0,
            DAY - 1,
            1,
            (0, 511),
            t(DAY - 1, 10),
            t(DAY - 1, 20),
            Some(7),
        ),
        block(
            0,
            DAY - 1,
            1,
            (512, 1_023),
            t(DAY - 1, 10),
            t(DAY - 1, 20),
            Some(7),
        ),
        block(0, DAY, 1, (0, 511), t(DAY, 10), t(DAY, 20), Some(7)),
        block(0, DAY, 1, (512, 1_023), t(DAY, 10), t(DAY, 20), None),
        session(0, DAY, 2, (4, 32), t(DAY, 10), Some(t(DAY, 30)), 7),
        block(
            0,
            DAY + 1,
            1,
            (0, 511),
            t(DAY + 1, 10),
            t(DAY + 1, 20),
            Some(7),
        ),
        block(
            0,
            before_1970,
            1,
            (0, 511),
            t(before_1970, 10),
            t(before_1970, 20),
            None,
        ),
    ];
    let s = commit(store, "b1", &rows).await;
    let days = |list: &[(i32, u64)]| {
        list.iter()
            .map(|&(day, rows)| TrafficDay { day, rows })
            .collect::<Vec<_>>()
    };
    assert_eq!(
        store.traffic_days().await.unwrap(),
        days(&[(before_1970, 1), (DAY - 1, 2), (DAY, 3), (DAY + 1, 1)])
    );

    assert_eq!(store.drop_traffic_day(DAY).await.unwrap(), 3);
    assert_eq!(
        store.traffic_days().await.unwrap(),
        days(&[(before_1970, 1), (DAY - 1, 2), (DAY + 1, 1)])
    );
    let whole_day =
        |kind, day: i32, key| probe(kind, &[(day, key)], &[], (t(day, 0), t(day, 86_399)), None);
    assert!(
        store
            .traffic_covering(&whole_day(PB, DAY, 1))
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        store
            .traffic_covering(&whole_day(SESSION, DAY, 2))
            .await
            .unwrap()
            .is_empty()
    );
    let kept = store
        .traffic_covering(&whole_day(PB, DAY - 1, 1))
        .await
        .unwrap();
    assert_eq!(kept, [with_batch(&rows[0], s), with_batch(&rows[1], s)]);
    let kept = store
        .traffic_covering(&whole_day(PB, DAY + 1, 1))
        .await
        .unwrap();
    assert_eq!(kept, [with_batch(&rows[5], s)]);
    let kept = store
        .traffic_covering(&whole_day(PB, before_1970, 1))
        .await
        .unwrap();
    assert_eq!(kept, [with_batch(&rows[6], s)]);
    let user = store
        .traffic_of_user(&idx(7), t(DAY, 0), t(DAY, 86_399), 100)
        .await
        .unwrap();
    assert!(
        user.is_empty(),
        "the dropped day's rows are gone for user lookups too"
    );
    assert_eq!(
        store.drop_traffic_day(DAY).await.unwrap(),
        0,
        "nothing left to drop"
    );
    assert_eq!(store.drop_traffic_day(before_1970).await.unwrap(), 1);

    // The day may be written again after its drop: only the new row is there.
    let late = block(0, DAY, 1, (4_096, 4_607), t(DAY, 50), t(DAY, 60), None);
    let s2 = commit(store, "b2", std::slice::from_ref(&late)).await;
    let now = store
        .traffic_covering(&whole_day(PB, DAY, 1))
        .await
        .unwrap();
    assert_eq!(now, [with_batch(&late, s2)]);
    assert_eq!(
        store.traffic_days().await.unwrap(),
        days(&[(DAY - 1, 2), (DAY, 1), (DAY + 1, 1)])
    );
}

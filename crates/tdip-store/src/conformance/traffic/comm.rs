//! Communications and cell configurations: what a commit makes visible under which
//! (day, index) pairs, in which order, what a dropped batch or a duplicate leaves, and
//! how a day's communications are counted and dropped with it.

use std::future::Future;

use super::{DAY, T0, block, idx, log_entry, with_providers};
use crate::{
    CellBox, CommProbe, CommRow, Day, DeliveryOutcome, NewTrafficBatch, Store, StoreError,
    TrafficDay, TrafficKind, TrafficStore, TrafficTx,
};

mod cells;

use cells::cell;

/// Runs every check of communications and cells against fresh stores from `fresh`.
pub(super) async fn run_all<S: Store + TrafficStore, F, Fut>(fresh: &F)
where
    F: Fn() -> Fut,
    Fut: Future<Output = S>,
{
    communications_are_found_under_each_key_on_their_day_only(&fresh().await).await;
    a_record_on_two_days_comes_back_once_per_day_asked(&fresh().await).await;
    a_dropped_or_rejected_batch_leaves_no_communications_or_cells(&fresh().await).await;
    a_communication_stored_twice_is_a_conflict(&fresh().await).await;
    communications_are_counted_and_dropped_with_their_day(&fresh().await).await;
    cells::cells_are_found_by_history_and_by_area(&fresh().await).await;
    cells::a_cell_configuration_stored_twice_is_a_conflict(&fresh().await).await;
}

/// A communication of `batch` (record `ord`) on `day`, found by the indexes `keys`.
fn comm(
    (batch, ord): (i64, u32),
    day: Day,
    kind: TrafficKind,
    (start, end): (i64, i64),
    keys: &[u8],
) -> CommRow {
    let mut sealed: Vec<u8> = (0..300u32).map(|i| (i as u8).wrapping_mul(7)).collect();
    sealed[..4].copy_from_slice(&ord.to_be_bytes());
    sealed[4..8].copy_from_slice(&day.to_be_bytes());
    sealed[8..16].copy_from_slice(&start.to_be_bytes());
    sealed[16] = kind.code() as u8;
    CommRow {
        batch,
        ord,
        kind,
        day,
        start,
        end,
        keys: keys.iter().map(|k| idx(*k)).collect(),
        sealed,
    }
}

/// The row as a read returns it: without its keys.
fn read(r: &CommRow) -> CommRow {
    CommRow {
        keys: Vec::new(),
        ..r.clone()
    }
}

fn reads(rows: &[&CommRow]) -> Vec<CommRow> {
    rows.iter().map(|r| read(r)).collect()
}

/// An accepted log entry for a batch of communications.
fn comm_entry(provider: &str, id: &str) -> NewTrafficBatch {
    NewTrafficBatch {
        kind: TrafficKind::Mobile,
        ..log_entry(provider, id, DeliveryOutcome::Accepted)
    }
}

/// Commits `rows` as one accepted batch of `kpn` named `id`, each row given the batch's
/// seq; returns the rows as stored.
async fn commit_comm<S: TrafficStore>(store: &S, id: &str, rows: &[CommRow]) -> Vec<CommRow> {
    let mut tx = store.begin_traffic("kpn").await.unwrap();
    let seq = tx.seq();
    let rows: Vec<CommRow> = rows
        .iter()
        .map(|r| CommRow {
            batch: seq,
            ..r.clone()
        })
        .collect();
    tx.insert_comm(&rows).await.unwrap();
    tx.commit(&comm_entry("kpn", id)).await.unwrap();
    rows
}

fn cprobe(keys: &[(Day, u8)], (from, to): (i64, i64), limit: u32) -> CommProbe {
    CommProbe {
        keys: keys.iter().map(|(d, k)| (*d, idx(*k))).collect(),
        from,
        to,
        limit,
    }
}

const WHOLE_DAY: (i64, i64) = (T0, T0 + 86_399);

async fn communications_are_found_under_each_key_on_their_day_only<S: Store + TrafficStore>(
    store: &S,
) {
    use TrafficKind::{Fixed, Internet, Mobile};
    with_providers(store).await;
    let b1 = commit_comm(
        store,
        "c1",
        &[
            comm((0, 0), DAY, Mobile, (T0 + 100, T0 + 200), &[1, 2, 3]),
            comm((0, 1), DAY, Fixed, (T0 + 150, T0 + 150), &[2, 4]),
            comm((0, 2), DAY, Internet, (T0 + 50, T0 + 400), &[5]),
            comm((0, 3), DAY, Mobile, (T0 + 100, T0 + 300), &[1]),
        ],
    )
    .await;
    let b2 = commit_comm(
        store,
        "c2",
        &[comm((0, 0), DAY, Fixed, (T0 + 100, T0 + 120), &[1])],
    )
    .await;
    assert!(b2[0].batch > b1[0].batch, "a later batch has a larger seq");
    let rows = |p: CommProbe| async move { store.comm_rows(&p).await.unwrap() };
    let one = |key: u8, window| cprobe(&[(DAY, key)], window, 100);

    // Under each of its keys, every field as written and no keys; start, batch, ord.
    assert_eq!(
        rows(one(1, WHOLE_DAY)).await,
        reads(&[&b1[0], &b1[3], &b2[0]])
    );
    assert_eq!(rows(one(2, WHOLE_DAY)).await, reads(&[&b1[0], &b1[1]]));
    assert_eq!(rows(one(3, WHOLE_DAY)).await, reads(&[&b1[0]]));
    assert_eq!(rows(one(4, WHOLE_DAY)).await, reads(&[&b1[1]]));
    assert!(rows(one(6, WHOLE_DAY)).await.is_empty(), "an unknown key");
    // The same key under another day is another partition.
    let next_day = (T0 + 86_400, T0 + 2 * 86_400 - 1);
    assert!(
        rows(cprobe(&[(DAY + 1, 1)], next_day, 100))
            .await
            .is_empty()
    );
    assert!(
        rows(cprobe(&[(DAY - 1, 2)], WHOLE_DAY, 100))
            .await
            .is_empty()
    );
    assert!(
        rows(cprobe(&[(DAY + 1, 2)], WHOLE_DAY, 100))
            .await
            .is_empty()
    );

    // A row found by several asked keys comes back once.
    let many = cprobe(&[(DAY, 3), (DAY, 1), (DAY, 2), (DAY, 1)], WHOLE_DAY, 100);
    assert_eq!(
        rows(many).await,
        reads(&[&b1[0], &b1[3], &b2[0], &b1[1]]),
        "ordered by start, batch, ord"
    );
    let all = cprobe(&[(DAY, 1), (DAY, 4), (DAY, 5)], WHOLE_DAY, 100);
    let everything = reads(&[&b1[2], &b1[0], &b1[3], &b2[0], &b1[1]]);
    assert_eq!(rows(all.clone()).await, everything);
    for limit in [0, 1, 2, 4] {
        let limited = CommProbe {
            limit,
            ..all.clone()
        };
        assert_eq!(
            rows(limited).await,
            everything[..limit as usize],
            "a limit keeps the earliest"
        );
    }

    // Windows meet a row when start <= to and end >= from, both ends inclusive.
    let r0 = || reads(&[&b1[0]]);
    assert_eq!(rows(one(3, (T0 + 200, T0 + 300))).await, r0());
    assert!(rows(one(3, (T0 + 201, T0 + 300))).await.is_empty());
    assert_eq!(rows(one(3, (T0, T0 + 100))).await, r0());
    assert!(rows(one(3, (T0, T0 + 99))).await.is_empty());
    assert_eq!(rows(one(3, (T0 + 150, T0 + 160))).await, r0(), "inside");
    assert_eq!(rows(one(3, (T0, T0 + 86_399))).await, r0(), "around");
    assert_eq!(rows(one(4, (T0 + 150, T0 + 150))).await, reads(&[&b1[1]]));
    assert!(rows(one(4, (T0 + 151, T0 + 151))).await.is_empty());
    assert!(rows(one(4, (T0 + 149, T0 + 149))).await.is_empty());
}

async fn a_record_on_two_days_comes_back_once_per_day_asked<S: Store + TrafficStore>(store: &S) {
    with_providers(store).await;
    // A call over midnight: each copy has its day's party index; cell index 7 on both.
    let times = (T0 + 86_000, T0 + 86_400 + 100);
    let kind = TrafficKind::Mobile;
    let stored = commit_comm(
        store,
        "c1",
        &[
            comm((0, 4), DAY + 1, kind, times, &[2, 7]),
            comm((0, 4), DAY, kind, times, &[1, 7]),
        ],
    )
    .await;
    let (second, first) = (&stored[0], &stored[1]);
    let rows = |p: CommProbe| async move { store.comm_rows(&p).await.unwrap() };
    let window = (T0 + 86_390, T0 + 86_410);
    assert_eq!(
        rows(cprobe(&[(DAY + 1, 2), (DAY, 1)], window, 10)).await,
        reads(&[first, second]),
        "once per day, ordered by day last"
    );
    assert_eq!(
        rows(cprobe(&[(DAY, 7), (DAY, 1)], window, 10)).await,
        reads(&[first])
    );
    assert_eq!(
        rows(cprobe(&[(DAY + 1, 7)], window, 10)).await,
        reads(&[second])
    );
    assert!(rows(cprobe(&[(DAY, 2)], window, 10)).await.is_empty());
    assert_eq!(
        rows(cprobe(&[(DAY, 7), (DAY + 1, 7)], window, 1)).await,
        reads(&[first]),
        "a limit counts day copies"
    );
}

async fn a_dropped_or_rejected_batch_leaves_no_communications_or_cells<S: Store + TrafficStore>(
    store: &S,
) {
    with_providers(store).await;
    let area = CellBox {
        lat_min: i32::MIN,
        lat_max: i32::MAX,
        lon_min: i32::MIN,
        lon_max: i32::MAX,
    };
    let write = |seq: i64| {
        let rows = [
            comm((seq, 0), DAY, TrafficKind::Fixed, (T0 + 5, T0 + 50), &[1]),
            comm(
                (seq, 1),
                DAY + 1,
                TrafficKind::Fixed,
                (T0 + 86_405, T0 + 86_450),
                &[2],
            ),
        ];
        let cells = [cell("kpn", "c1", T0, seq, Some((52_000_000, 4_000_000)))];
        (rows, cells)
    };
    let nothing_visible = || async {
        let probe = cprobe(&[(DAY, 1), (DAY + 1, 2)], (T0, T0 + 2 * 86_400), 10);
        assert!(store.comm_rows(&probe).await.unwrap().is_empty());
        assert!(store.traffic_days().await.unwrap().is_empty());
        let ids = ["c1".to_string()];
        assert!(store.cell_history("kpn", &ids).await.unwrap().is_empty());
        assert!(store.cells_in(area).await.unwrap().is_empty());
    };

    let mut tx = store.begin_traffic("kpn").await.unwrap();
    let (rows, cells) = write(tx.seq());
    tx.insert_comm(&rows).await.unwrap();
    tx.insert_cells(&cells).await.unwrap();
    drop(tx);
    nothing_visible().await;

    // A batch rejected after its rows were written: the rows are dropped, the rejection logged.
    let mut tx = store.begin_traffic("kpn").await.unwrap();
    let (rows, cells) = write(tx.seq());
    tx.insert_cells(&cells).await.unwrap();
    tx.insert_comm(&rows).await.unwrap();
    drop(tx);
    let rejected = NewTrafficBatch {
        kind: TrafficKind::Fixed,
        ..log_entry("kpn", "bad", DeliveryOutcome::Rejected)
    };
    store.record_rejected_traffic(&rejected).await.unwrap();
    nothing_visible().await;

    // Nothing of them is left to conflict with: the same rows commit.
    let mut tx = store.begin_traffic("kpn").await.unwrap();
    let (rows, cells) = write(tx.seq());
    tx.insert_comm(&rows).await.unwrap();
    tx.insert_cells(&cells).await.unwrap();
    tx.commit(&comm_entry("kpn", "good")).await.unwrap();
    let probe = cprobe(&[(DAY, 1), (DAY + 1, 2)], (T0, T0 + 2 * 86_400), 10);
    assert_eq!(
        store.comm_rows(&probe).await.unwrap(),
        reads(&[&rows[0], &rows[1]])
    );
    assert_eq!(store.cells_in(area).await.unwrap(), cells);
}

async fn a_communication_stored_twice_is_a_conflict<S: Store + TrafficStore>(store: &S) {
    with_providers(store).await;
    let kind = TrafficKind::Internet;
    let stored = commit_comm(
        store,
        "c1",
        &[comm((0, 0), DAY, kind, (T0 + 10, T0 + 20), &[1])],
    )
    .await;
    let first = &stored[0];
    let again = comm((first.batch, 0), DAY, kind, (T0 + 30, T0 + 40), &[2]);

    let mut tx = store.begin_traffic("kpn").await.unwrap();
    let err = tx
        .insert_comm(std::slice::from_ref(&again))
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Conflict(_)), "{err}");
    drop(tx);
    let mut tx = store.begin_traffic("kpn").await.unwrap();
    let twin = comm((tx.seq(), 3), DAY, kind, (T0 + 30, T0 + 40), &[3]);
    let err = tx
        .insert_comm(&[twin.clone(), twin.clone()])
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Conflict(_)), "{err}");
    drop(tx);
    let mut tx = store.begin_traffic("kpn").await.unwrap();
    let twin = comm((tx.seq(), 3), DAY, kind, (T0 + 30, T0 + 40), &[3]);
    tx.insert_comm(std::slice::from_ref(&twin)).await.unwrap();
    let err = tx
        .insert_comm(std::slice::from_ref(&twin))
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Conflict(_)), "{err}");
    drop(tx);

    let probe = cprobe(&[(DAY, 1), (DAY, 2), (DAY, 3)], WHOLE_DAY, 10);
    assert_eq!(store.comm_rows(&probe).await.unwrap(), reads(&[first]));
}

async fn communications_are_counted_and_dropped_with_their_day<S: Store + TrafficStore>(store: &S) {
    with_providers(store).await;
    let mut tx = store.begin_traffic("kpn").await.unwrap();
    let seq = tx.seq();
    let kind = TrafficKind::Mobile;
    let day = |d: Day, s: i64| d as i64 * 86_400 + s;
    let rows = [
        comm(
            (seq, 0),
            DAY - 1,
            kind,
            (day(DAY - 1, 5), day(DAY - 1, 9)),
            &[1],
        ),
        comm((seq, 1), DAY, kind, (day(DAY, 5), day(DAY, 9)), &[1, 2]),
        comm(
            (seq, 2),
            DAY,
            kind,
            (day(DAY, 86_000), day(DAY + 1, 9)),
            &[1],
        ),
        comm(
            (seq, 2),
            DAY + 1,
            kind,
            (day(DAY, 86_000), day(DAY + 1, 9)),
            &[1],
        ),
        comm((seq, 3), DAY, kind, (day(DAY, 7), day(DAY, 7)), &[3]),
    ];
    let port_block = block(seq, DAY, 1, (0, 511), day(DAY, 1), day(DAY, 2), None);
    tx.insert_comm(&rows).await.unwrap();
    tx.insert_traffic(std::slice::from_ref(&port_block))
        .await
        .unwrap();
    tx.commit(&comm_entry("kpn", "c1")).await.unwrap();
    let days = |list: &[(Day, u64)]| {
        list.iter()
            .map(|&(day, rows)| TrafficDay { day, rows })
            .collect::<Vec<_>>()
    };
    assert_eq!(
        store.traffic_days().await.unwrap(),
        days(&[(DAY - 1, 1), (DAY, 4), (DAY + 1, 1)]),
        "communications count with the traffic rows of their day"
    );

    assert_eq!(store.drop_traffic_day(DAY).await.unwrap(), 4);
    assert_eq!(
        store.traffic_days().await.unwrap(),
        days(&[(DAY - 1, 1), (DAY + 1, 1)])
    );
    let rows_of = |d: Day, keys: &[u8]| {
        let pairs: Vec<(Day, u8)> = keys.iter().map(|k| (d, *k)).collect();
        let p = cprobe(&pairs, (day(d, 0), day(d + 1, 86_399)), 10);
        async move { store.comm_rows(&p).await.unwrap() }
    };
    assert!(rows_of(DAY, &[1, 2, 3]).await.is_empty());
    assert_eq!(rows_of(DAY - 1, &[1]).await, reads(&[&rows[0]]));
    assert_eq!(rows_of(DAY + 1, &[1]).await, reads(&[&rows[3]]));
    assert_eq!(store.drop_traffic_day(DAY).await.unwrap(), 0);

    // The dropped day's index entries went with it: the same record written again under
    // another key is found by that key only.
    let mut tx = store.begin_traffic("kpn").await.unwrap();
    let rewritten = CommRow {
        keys: vec![idx(9)],
        ..rows[1].clone()
    };
    tx.insert_comm(std::slice::from_ref(&rewritten))
        .await
        .unwrap();
    tx.commit(&comm_entry("kpn", "c2")).await.unwrap();
    assert!(rows_of(DAY, &[1, 2]).await.is_empty());
    assert_eq!(rows_of(DAY, &[9]).await, reads(&[&rewritten]));
    assert_eq!(
        store.traffic_days().await.unwrap(),
        days(&[(DAY - 1, 1), (DAY, 1), (DAY + 1, 1)])
    );
}

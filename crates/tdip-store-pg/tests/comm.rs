//! The PostgreSQL store's communications and cell configurations against a real server:
//! lookups by (day, index) pairs, their window, order, limit and deduplication; conflicts;
//! day partitions, their counts and their drop; cells by id and by area.
//!
//! Needs `TDIP_TEST_PG_URL` (see `conformance.rs`).

mod traffic_common;

use sqlx::{Connection, PgConnection};
use tdip_store::{
    BlindIndex, CellBox, CellRow, CommProbe, CommRow, DeliveryOutcome, NewTrafficBatch, Store,
    StoreError, TrafficDay, TrafficKind, TrafficStore, TrafficTx,
};
use tdip_store_pg::PgStore;
use traffic_common::{TestDatabases, batch_log, block, key, provider};

const DAY: i32 = 20_394;
const T0: i64 = DAY as i64 * 86_400;

fn comm(batch: i64, ord: u32, day: i32, span: (i64, i64), keys: &[BlindIndex]) -> CommRow {
    CommRow {
        batch,
        ord,
        kind: TrafficKind::Mobile,
        day,
        start: span.0,
        end: span.1,
        keys: keys.to_vec(),
        sealed: vec![ord as u8; 30],
    }
}

/// `r` as a read returns it: without its keys.
fn read_back(r: &CommRow) -> CommRow {
    CommRow {
        keys: Vec::new(),
        ..r.clone()
    }
}

fn log(id: &str, kind: TrafficKind) -> NewTrafficBatch {
    NewTrafficBatch {
        kind,
        ..batch_log("kpn", id, DeliveryOutcome::Accepted)
    }
}

fn probe(keys: Vec<(i32, BlindIndex)>, from: i64, to: i64, limit: u32) -> CommProbe {
    CommProbe {
        keys,
        from,
        to,
        limit,
    }
}

async fn store_with_provider(dbs: &TestDatabases) -> PgStore {
    let store = dbs.fresh_store().await;
    store.add_provider(&provider("kpn")).await.unwrap();
    store.add_provider(&provider("odido")).await.unwrap();
    store
}

/// Commits `rows` in one batch of kind mobile; returns the batch's number.
async fn commit_comm(store: &PgStore, id: &str, rows: impl FnOnce(i64) -> Vec<CommRow>) -> i64 {
    let mut tx = store.begin_traffic("kpn").await.unwrap();
    let seq = tx.seq();
    tx.insert_comm(&rows(seq)).await.unwrap();
    tx.commit(&log(id, TrafficKind::Mobile)).await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_probe_finds_each_row_once_by_any_of_its_keys_in_start_order() {
    let dbs = TestDatabases::new();
    let store = store_with_provider(&dbs).await;
    let (a, b, c) = (key(1, 1), key(2, 2), key(3, 3));
    let mut rows = Vec::new();
    let seq = commit_comm(&store, "b1", |seq| {
        rows = vec![
            comm(seq, 0, DAY, (T0 + 300, T0 + 400), &[a, b]),
            comm(seq, 1, DAY, (T0 + 100, T0 + 100), &[a]),
            comm(seq, 2, DAY, (T0 + 100, T0 + 200), &[b, c]),
            comm(seq, 3, DAY + 1, (T0 + 86_500, T0 + 86_600), &[a]),
        ];
        rows.clone()
    })
    .await;
    assert_eq!(seq, 1);

    // Row 0 is under both a and b, row 2 under b and c: each comes once, by start then ord.
    let found = store
        .comm_rows(&probe(
            vec![(DAY, a), (DAY, b), (DAY, c)],
            T0,
            T0 + 1000,
            10,
        ))
        .await
        .unwrap();
    let want: Vec<CommRow> = [1, 2, 0].iter().map(|&i| read_back(&rows[i])).collect();
    assert_eq!(found, want);

    // The limit keeps the earliest.
    let found = store
        .comm_rows(&probe(vec![(DAY, a), (DAY, b)], T0, T0 + 1000, 2))
        .await
        .unwrap();
    assert_eq!(found, want[..2]);

    // Window edges are inclusive: ending at `from` or starting at `to` meets the window.
    let found = store
        .comm_rows(&probe(vec![(DAY, b)], T0 + 200, T0 + 300, 10))
        .await
        .unwrap();
    assert_eq!(found, vec![read_back(&rows[2]), read_back(&rows[0])]);
    let found = store
        .comm_rows(&probe(vec![(DAY, b)], T0 + 201, T0 + 299, 10))
        .await
        .unwrap();
    assert!(found.is_empty(), "{found:?}");

    // A key is per day: day 1's key under day 0 finds day 0's rows only, and vice versa.
    let found = store
        .comm_rows(&probe(vec![(DAY + 1, a)], T0, T0 + 2 * 86_400, 10))
        .await
        .unwrap();
    assert_eq!(found, vec![read_back(&rows[3])]);
    let found = store
        .comm_rows(&probe(
            vec![(DAY + 2, a), (DAY, key(9, 9))],
            T0,
            T0 + 3 * 86_400,
            10,
        ))
        .await
        .unwrap();
    assert!(found.is_empty(), "{found:?}");
    assert!(
        store
            .comm_rows(&probe(vec![(DAY, a)], T0, T0 + 1000, 0))
            .await
            .unwrap()
            .is_empty()
    );
    store.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn copies_of_one_record_on_several_days_come_back_ordered_by_day() {
    let dbs = TestDatabases::new();
    let store = store_with_provider(&dbs).await;
    let (a, b) = (key(1, 1), key(2, 2));
    // A five-hour call over midnight, one copy per day (each with that day's key), and a
    // short one: a window near the long call's end finds it though it started long before.
    let span = (T0 + 86_400 - 3_600, T0 + 86_400 + 4 * 3_600);
    let mut rows = Vec::new();
    commit_comm(&store, "b1", |seq| {
        rows = vec![
            comm(seq, 0, DAY, span, &[a]),
            comm(seq, 0, DAY + 1, span, &[b]),
            comm(seq, 1, DAY + 1, (T0 + 86_400 + 60, T0 + 86_400 + 70), &[b]),
        ];
        rows.clone()
    })
    .await;
    let near_end = (span.1 - 10, span.1 - 5);
    let found = store
        .comm_rows(&probe(
            vec![(DAY + 1, b), (DAY, a)],
            near_end.0,
            near_end.1,
            10,
        ))
        .await
        .unwrap();
    assert_eq!(found, vec![read_back(&rows[0]), read_back(&rows[1])]);
    assert_eq!(
        store.traffic_days().await.unwrap(),
        vec![
            TrafficDay { day: DAY, rows: 1 },
            TrafficDay {
                day: DAY + 1,
                rows: 2
            }
        ]
    );
    store.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_record_stored_twice_for_one_day_is_a_conflict_and_leaves_no_trace() {
    let dbs = TestDatabases::new();
    let store = store_with_provider(&dbs).await;
    let a = key(1, 1);

    // Twice in one call.
    let mut tx = store.begin_traffic("kpn").await.unwrap();
    let seq = tx.seq();
    let row = comm(seq, 7, DAY, (T0 + 1, T0 + 2), &[a]);
    let err = tx
        .insert_comm(&[row.clone(), row.clone()])
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Conflict(_)), "{err}");
    assert!(
        !err.to_string().contains('7'),
        "the message names no value: {err}"
    );
    drop(tx);

    // Twice in two calls of one batch.
    let mut tx = store.begin_traffic("kpn").await.unwrap();
    assert_eq!(tx.seq(), seq, "the dropped batch left its number free");
    tx.insert_comm(std::slice::from_ref(&row)).await.unwrap();
    let err = tx
        .insert_comm(std::slice::from_ref(&row))
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Conflict(_)), "{err}");
    drop(tx);
    assert!(store.traffic_days().await.unwrap().is_empty());
    let found = store
        .comm_rows(&probe(vec![(DAY, a)], T0, T0 + 10, 10))
        .await
        .unwrap();
    assert!(found.is_empty(), "{found:?}");

    // A repeated key in one row is one index entry; the row is stored and found once.
    commit_comm(&store, "b1", |seq| {
        vec![comm(seq, 7, DAY, (T0 + 1, T0 + 2), &[a, a])]
    })
    .await;
    let found = store
        .comm_rows(&probe(vec![(DAY, a)], T0, T0 + 10, 10))
        .await
        .unwrap();
    assert_eq!(found.len(), 1);
    store.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rows_of_another_kind_or_ending_before_they_start_are_refused() {
    let dbs = TestDatabases::new();
    let store = store_with_provider(&dbs).await;
    let mut tx = store.begin_traffic("kpn").await.unwrap();
    let mut wrong_kind = comm(tx.seq(), 0, DAY, (T0, T0 + 1), &[key(1, 1)]);
    wrong_kind.kind = TrafficKind::PortBlock;
    let err = tx.insert_comm(&[wrong_kind]).await.unwrap_err();
    assert!(matches!(err, StoreError::Conflict(_)), "{err}");
    let backwards = comm(tx.seq(), 0, DAY, (T0 + 5, T0 + 4), &[key(1, 1)]);
    let err = tx.insert_comm(&[backwards]).await.unwrap_err();
    assert!(matches!(err, StoreError::Conflict(_)), "{err}");
    // Refused before anything was sent: the batch goes on.
    tx.insert_comm(&[comm(tx.seq(), 0, DAY, (T0, T0), &[key(1, 1)])])
        .await
        .unwrap();
    tx.commit(&log("b1", TrafficKind::Fixed)).await.unwrap();
    assert_eq!(
        store.traffic_days().await.unwrap(),
        vec![TrafficDay { day: DAY, rows: 1 }]
    );
    store.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn days_count_communications_once_and_retention_drops_their_partitions() {
    let dbs = TestDatabases::new();
    let url = dbs.fresh_url().await;
    let store = PgStore::connect(&url).await.unwrap();
    store.add_provider(&provider("kpn")).await.unwrap();
    let keys: Vec<BlindIndex> = (0..7).map(|i| key(i, i)).collect();
    commit_comm(&store, "b1", |seq| {
        vec![
            comm(seq, 0, DAY, (T0, T0 + 60), &keys),
            comm(seq, 1, DAY + 1, (T0 + 86_400, T0 + 86_460), &keys),
        ]
    })
    .await;
    let mut tx = store.begin_traffic("kpn").await.unwrap();
    let cgnat = block(tx.seq(), DAY, key(8, 8), (0, 63), (T0, T0 + 1));
    tx.insert_traffic(&[cgnat]).await.unwrap();
    tx.commit(&batch_log("kpn", "b2", DeliveryOutcome::Accepted))
        .await
        .unwrap();
    assert_eq!(
        store.traffic_days().await.unwrap(),
        vec![
            TrafficDay { day: DAY, rows: 2 },
            TrafficDay {
                day: DAY + 1,
                rows: 1
            }
        ]
    );

    assert_eq!(store.drop_traffic_day(DAY).await.unwrap(), 2);
    assert_eq!(store.drop_traffic_day(DAY).await.unwrap(), 0);
    assert_eq!(
        store.traffic_days().await.unwrap(),
        vec![TrafficDay {
            day: DAY + 1,
            rows: 1
        }]
    );
    let found = store
        .comm_rows(&probe(
            vec![(DAY, keys[0]), (DAY + 1, keys[0])],
            T0,
            T0 + 2 * 86_400,
            10,
        ))
        .await
        .unwrap();
    assert_eq!(found.iter().map(|r| r.day).collect::<Vec<_>>(), [DAY + 1]);
    let mut conn = PgConnection::connect(&url).await.unwrap();
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT relname::text FROM pg_class WHERE relname ~ '^comm_(row|key)_d' ORDER BY 1",
    )
    .fetch_all(&mut conn)
    .await
    .unwrap();
    assert_eq!(
        tables,
        [
            format!("comm_key_d{}", DAY + 1),
            format!("comm_key_d{}_key", DAY + 1),
            format!("comm_row_d{}", DAY + 1),
            format!("comm_row_d{}_key", DAY + 1)
        ]
    );
    conn.close().await.unwrap();
    store.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lookups_go_on_beside_a_batch_that_creates_a_communication_day() {
    let dbs = TestDatabases::new();
    let url = dbs.fresh_url().await;
    let options: sqlx::postgres::PgConnectOptions = url.parse().unwrap();
    let store = PgStore::connect_with(options, std::time::Duration::from_millis(300))
        .await
        .unwrap();
    store.add_provider(&provider("kpn")).await.unwrap();
    let a = key(1, 1);
    let first = commit_comm(&store, "b1", |seq| {
        vec![comm(seq, 0, DAY, (T0 + 10, T0 + 20), &[a])]
    })
    .await;
    let mut tx = store.begin_traffic("kpn").await.unwrap();
    tx.insert_comm(&[comm(
        tx.seq(),
        0,
        DAY + 3,
        (T0 + 3 * 86_400, T0 + 3 * 86_400),
        &[a],
    )])
    .await
    .unwrap();
    let found = store
        .comm_rows(&probe(
            vec![(DAY, a), (DAY + 3, a)],
            T0,
            T0 + 4 * 86_400,
            10,
        ))
        .await
        .unwrap();
    assert_eq!(found.iter().map(|r| r.batch).collect::<Vec<_>>(), [first]);
    tx.commit(&log("b2", TrafficKind::Internet)).await.unwrap();
    let found = store
        .comm_rows(&probe(
            vec![(DAY, a), (DAY + 3, a)],
            T0,
            T0 + 4 * 86_400,
            10,
        ))
        .await
        .unwrap();
    assert_eq!(found.len(), 2);
    store.close().await;
}

fn cell(provider: &str, id: &str, valid_from: i64, place: Option<(i32, i32)>) -> CellRow {
    CellRow {
        provider: provider.into(),
        cell_id: id.into(),
        valid_from,
        batch: 0,
        latitude: place.map(|p| p.0),
        longitude: place.map(|p| p.1),
        config: id.as_bytes().to_vec(),
        mac: key(valid_from as u8, 5),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cells_are_found_by_id_and_by_area_and_stored_once() {
    let dbs = TestDatabases::new();
    let store = store_with_provider(&dbs).await;
    let cells = vec![
        cell("kpn", "B", 20, Some((52_000_000, 4_000_000))),
        cell("kpn", "B", 10, Some((52_100_000, 4_100_000))),
        cell("kpn", "A", 30, None),
        cell("kpn", "A", 10, Some((52_000_000, 4_900_000))),
        cell("odido", "A", 10, Some((52_000_001, 4_000_001))),
        cell("kpn", "C", 10, Some((51_000_000, 4_000_000))),
    ];
    let mut tx = store.begin_traffic("kpn").await.unwrap();
    tx.insert_cells(&cells).await.unwrap();
    tx.commit(&log("c1", TrafficKind::Cell)).await.unwrap();

    let history = store
        .cell_history("kpn", &["B".into(), "A".into(), "Z".into()])
        .await
        .unwrap();
    assert_eq!(
        history,
        vec![
            cells[3].clone(),
            cells[2].clone(),
            cells[1].clone(),
            cells[0].clone()
        ]
    );
    assert!(store.cell_history("kpn", &[]).await.unwrap().is_empty());

    // The box is inclusive; a removal (no coordinates) is in no area.
    let area = CellBox {
        lat_min: 52_000_000,
        lat_max: 52_100_000,
        lon_min: 4_000_000,
        lon_max: 4_100_000,
    };
    assert_eq!(
        store.cells_in(area).await.unwrap(),
        vec![cells[1].clone(), cells[0].clone(), cells[4].clone()]
    );
    assert!(store.traffic_days().await.unwrap().is_empty());

    // Stored already by an earlier batch, or twice in this one: a conflict.
    let mut tx = store.begin_traffic("kpn").await.unwrap();
    let err = tx.insert_cells(&cells[..1]).await.unwrap_err();
    assert!(matches!(err, StoreError::Conflict(_)), "{err}");
    drop(tx);
    let mut tx = store.begin_traffic("kpn").await.unwrap();
    let new = cell("kpn", "D", 10, None);
    let err = tx.insert_cells(&[new.clone(), new]).await.unwrap_err();
    assert!(matches!(err, StoreError::Conflict(_)), "{err}");
    drop(tx);
    assert!(
        store
            .cell_history("kpn", &["D".into()])
            .await
            .unwrap()
            .is_empty()
    );
    store.close().await;
}

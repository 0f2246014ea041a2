//! What is particular to the SQLite backend's communications: the per-day tables, what a
//! batch dropped before its commit (a crash) leaves in them, and the day's index runs.

use tdip_store::{
    BlindIndex, CommProbe, CommRow, DeliveryOutcome, NewTrafficBatch, Provider, Store, TrafficKind,
    TrafficStore, TrafficTx,
};
use tdip_store_sqlite::SqliteStore;

const DAY: i32 = 20_394;

async fn store_with_kpn(path: &std::path::Path) -> SqliteStore {
    let store = SqliteStore::open(path).unwrap();
    store
        .add_provider(&Provider {
            id: "kpn".into(),
            name: "KPN".into(),
            country: "NL".into(),
            zone: "Europe/Amsterdam".into(),
            created_at: 0,
        })
        .await
        .unwrap();
    store
}

fn accepted(batch_id: &str) -> NewTrafficBatch {
    NewTrafficBatch {
        provider: "kpn".into(),
        batch_id: batch_id.into(),
        kind: TrafficKind::Mobile,
        received_at: 10,
        records: 1,
        closed: 1,
        opened: 0,
        ended: 0,
        errors: 0,
        first_at: 0,
        last_at: 0,
        checksum: [1; 32],
        outcome: DeliveryOutcome::Accepted,
    }
}

/// Record `ord` of `batch` on `day`, found by the keys `1..=keys`.
fn call(batch: i64, ord: u32, day: i32, keys: u8) -> CommRow {
    let start = i64::from(day) * 86_400 + i64::from(ord);
    CommRow {
        batch,
        ord,
        kind: TrafficKind::Mobile,
        day,
        start,
        end: start + 30,
        keys: (1..=keys).map(|k| BlindIndex([k; 16])).collect(),
        sealed: vec![ord as u8; 300],
    }
}

/// The comm tables of the store and the rows of each, by name.
fn tables(path: &std::path::Path) -> Vec<(String, i64)> {
    let conn = rusqlite::Connection::open(path).unwrap();
    let names: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_schema WHERE type = 'table' AND name LIKE 'comm\\_%' ESCAPE '\\' AND name NOT IN ('comm_day', 'comm_run') ORDER BY name")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    names
        .into_iter()
        .map(|n| {
            let rows = conn
                .query_row(&format!("SELECT COUNT(*) FROM {n}"), [], |r| r.get(0))
                .unwrap();
            (n, rows)
        })
        .collect()
}

fn named(list: &[(&str, i64)]) -> Vec<(String, i64)> {
    list.iter().map(|(n, r)| (n.to_string(), *r)).collect()
}

#[tokio::test]
async fn a_batch_dropped_before_commit_leaves_the_day_tables_without_its_rows() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store.db");
    let store = store_with_kpn(&path).await;
    let mut tx = store.begin_traffic("kpn").await.unwrap();
    let kept = call(tx.seq(), 0, DAY, 3);
    tx.insert_comm(std::slice::from_ref(&kept)).await.unwrap();
    tx.commit(&accepted("b1")).await.unwrap();

    // A second batch writes to the same day and a new one, then dies before its commit.
    let mut tx = store.begin_traffic("kpn").await.unwrap();
    let seq = tx.seq();
    let lost = [call(seq, 0, DAY, 5), call(seq, 1, DAY + 1, 2)];
    tx.insert_comm(&lost).await.unwrap();
    drop(tx);

    assert_eq!(
        tables(&path),
        named(&[("comm_d20394", 1), ("comm_k20394", 3)]),
        "the day keeps the committed row and its three entries; the new day has no tables"
    );
    let probe = CommProbe {
        keys: (1..=5).map(|k| (DAY, BlindIndex([k; 16]))).collect(),
        from: 0,
        to: i64::MAX,
        limit: 10,
    };
    let found = store.comm_rows(&probe).await.unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!((found[0].batch, found[0].sealed.len()), (kept.batch, 300));
    let days = store.traffic_days().await.unwrap();
    assert_eq!(days.len(), 1);
    assert_eq!((days[0].day, days[0].rows), (DAY, 1));
}

#[tokio::test]
async fn comm_tables_are_named_per_day_and_dropped_with_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store.db");
    let store = store_with_kpn(&path).await;
    let mut tx = store.begin_traffic("kpn").await.unwrap();
    let seq = tx.seq();
    tx.insert_comm(&[
        call(seq, 0, -5, 1),
        call(seq, 1, DAY, 2),
        call(seq, 2, DAY, 2),
    ])
    .await
    .unwrap();
    tx.commit(&accepted("b1")).await.unwrap();
    assert_eq!(
        tables(&path),
        named(&[
            ("comm_d20394", 2),
            ("comm_dm5", 1),
            ("comm_k20394", 4),
            ("comm_km5", 1)
        ])
    );
    assert_eq!(store.drop_traffic_day(-5).await.unwrap(), 1);
    assert_eq!(
        tables(&path),
        named(&[("comm_d20394", 2), ("comm_k20394", 4)])
    );
}

#[tokio::test]
async fn each_batch_appends_its_own_index_run_and_every_entry_is_found() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store.db");
    let store = store_with_kpn(&path).await;
    let mut written = Vec::new();
    for b in 0..3u32 {
        let mut tx = store.begin_traffic("kpn").await.unwrap();
        let rows: Vec<CommRow> = (0..50)
            .map(|o| call(tx.seq(), b * 100 + o, DAY, 2))
            .collect();
        tx.insert_comm(&rows).await.unwrap();
        tx.commit(&accepted(&format!("b{b}"))).await.unwrap();
        written.extend(rows);
    }
    let conn = rusqlite::Connection::open(&path).unwrap();
    let runs: i64 = conn
        .query_row("SELECT COUNT(*) FROM comm_run WHERE day = ?1", [DAY], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(runs, 3, "one run per batch");
    let probe = CommProbe {
        keys: vec![(DAY, BlindIndex([2; 16]))],
        from: 0,
        to: i64::MAX,
        limit: 1_000,
    };
    let found: Vec<(i64, u32)> = store
        .comm_rows(&probe)
        .await
        .unwrap()
        .iter()
        .map(|r| (r.batch, r.ord))
        .collect();
    let mut want: Vec<(i64, i64, u32)> =
        written.iter().map(|r| (r.start, r.batch, r.ord)).collect();
    want.sort();
    let want: Vec<(i64, u32)> = want.into_iter().map(|(_, b, o)| (b, o)).collect();
    assert_eq!(found, want);
}

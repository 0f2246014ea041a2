//! The traffic conformance suite against the embedded SQLite backend, and what is
//! particular to it: the day tables and the migration of an older store.

use tdip_store::{
    BlindIndex, DeliveryOutcome, NewTrafficBatch, Provider, Store, StoreError, TrafficKind,
    TrafficProbe, TrafficRow, TrafficStore, TrafficTx,
};
use tdip_store_sqlite::SqliteStore;

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
        kind: TrafficKind::PortBlock,
        received_at: 10,
        records: 0,
        closed: 0,
        opened: 0,
        ended: 0,
        errors: 0,
        first_at: 0,
        last_at: 0,
        checksum: [1; 32],
        outcome: DeliveryOutcome::Accepted,
    }
}

/// Port block `n` (of 128 blocks of 512 ports) of address `key` on `day`.
fn block(batch: i64, day: i32, key: u32, n: u16) -> TrafficRow {
    let mut k = [7; 16];
    k[..4].copy_from_slice(&key.to_be_bytes());
    let start = i64::from(day) * 86_400 + i64::from(n);
    TrafficRow {
        batch,
        kind: TrafficKind::PortBlock,
        day,
        key: BlindIndex(k),
        net: (4, 32),
        user: Some(BlindIndex([n as u8; 16])),
        first_port: n * 512,
        last_port: n * 512 + 511,
        start,
        end: Some(start + 60),
        sealed: key.to_be_bytes().repeat(20),
    }
}

#[tokio::test]
async fn sqlite_backend_passes_the_traffic_conformance_suite() {
    let dir = tempfile::tempdir().unwrap();
    let counter = std::cell::Cell::new(0);
    tdip_store::conformance::traffic::run_all(|| {
        counter.set(counter.get() + 1);
        let path = dir.path().join(format!("store-{}.db", counter.get()));
        async move { SqliteStore::open(&path).unwrap() }
    })
    .await;
}

#[tokio::test]
async fn a_store_of_migration_2_gains_the_traffic_tables_and_keeps_its_data() {
    use tdip_store::{
        DeliveryOutcome, NewTrafficBatch, Store, TrafficKind, TrafficStore, TrafficTx,
    };
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store.db");
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute_batch(include_str!("../src/0001_init.sql"))
        .unwrap();
    conn.execute_batch(include_str!("../src/0002_access.sql"))
        .unwrap();
    conn.execute_batch(
        "PRAGMA user_version = 2;
         INSERT INTO provider VALUES ('kpn', 'KPN', 'NL', 'Europe/Amsterdam', 0);",
    )
    .unwrap();
    drop(conn);

    let store = SqliteStore::open(&path).unwrap();
    assert_eq!(store.providers().await.unwrap()[0].id, "kpn");
    let tx = store.begin_traffic("kpn").await.unwrap();
    let batch = NewTrafficBatch {
        provider: "kpn".into(),
        batch_id: "first".into(),
        kind: TrafficKind::PortBlock,
        received_at: 10,
        records: 0,
        closed: 0,
        opened: 0,
        ended: 0,
        errors: 0,
        first_at: 0,
        last_at: 0,
        checksum: [1; 32],
        outcome: DeliveryOutcome::Accepted,
    };
    let seq = tx.commit(&batch).await.unwrap();
    let found = store.traffic_batch("kpn", "first").await.unwrap().unwrap();
    assert_eq!((found.seq, found.batch), (seq, batch));
    drop(store);
    let conn = rusqlite::Connection::open(&path).unwrap();
    let version: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(version, 6, "every later migration applies too");
}

#[tokio::test]
async fn day_tables_are_named_per_day_and_dropped_with_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store.db");
    let store = SqliteStore::open(&path).unwrap();
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
    let mut tx = store.begin_traffic("kpn").await.unwrap();
    let row = |day: i32| TrafficRow {
        batch: tx.seq(),
        kind: TrafficKind::PortBlock,
        day,
        key: BlindIndex([3; 16]),
        net: (4, 32),
        user: None,
        first_port: 0,
        last_port: 511,
        start: i64::from(day) * 86_400,
        end: Some(i64::from(day) * 86_400 + 1),
        sealed: vec![1; 90],
    };
    let rows = [row(-5), row(20_394)];
    tx.insert_traffic(&rows).await.unwrap();
    let batch = NewTrafficBatch {
        provider: "kpn".into(),
        batch_id: "b".into(),
        kind: TrafficKind::PortBlock,
        received_at: 0,
        records: 2,
        closed: 2,
        opened: 0,
        ended: 0,
        errors: 0,
        first_at: 0,
        last_at: 0,
        checksum: [1; 32],
        outcome: DeliveryOutcome::Accepted,
    };
    tx.commit(&batch).await.unwrap();
    let tables = || {
        let conn = rusqlite::Connection::open(&path).unwrap();
        let mut st = conn
            .prepare(
                "SELECT name FROM sqlite_schema WHERE type = 'table' AND name LIKE 'traffic_d%'
                 AND name <> 'traffic_day' ORDER BY name",
            )
            .unwrap();
        st.query_map([], |r| r.get::<_, String>(0))
            .unwrap()
            .collect::<Result<Vec<_>, _>>()
            .unwrap()
    };
    assert_eq!(tables(), ["traffic_d20394", "traffic_dm5"]);
    assert_eq!(store.drop_traffic_day(-5).await.unwrap(), 1);
    assert_eq!(tables(), ["traffic_d20394"]);
}

#[tokio::test]
async fn a_large_batch_is_written_in_several_runs_and_every_row_is_found() {
    let dir = tempfile::tempdir().unwrap();
    let store = store_with_kpn(&dir.path().join("store.db")).await;
    let day = 20_394;
    // More rows than one run holds (65,536), handed over in slices, in two batches.
    let mut tx = store.begin_traffic("kpn").await.unwrap();
    let first: Vec<TrafficRow> = (0..70_000u32)
        .map(|i| block(tx.seq(), day, i, (i % 128) as u16))
        .collect();
    for slice in first.chunks(9_000) {
        tx.insert_traffic(slice).await.unwrap();
    }
    tx.commit(&accepted("one")).await.unwrap();
    let mut tx = store.begin_traffic("kpn").await.unwrap();
    let second: Vec<TrafficRow> = (0..1_000u32)
        .map(|i| block(tx.seq(), day, i, ((i + 1) % 128) as u16))
        .collect();
    tx.insert_traffic(&second).await.unwrap();
    tx.commit(&accepted("two")).await.unwrap();

    let days = store.traffic_days().await.unwrap();
    assert_eq!((days[0].day, days[0].rows), (day, 71_000));
    let rows: Vec<&TrafficRow> = first.iter().chain(&second).collect();
    every_row_is_found(&store, &rows, &first, &second).await;

    // Merged into one run, the day answers the same; a later batch adds a run again.
    assert_eq!(store.compact_traffic_day(day).unwrap(), 3);
    assert_eq!(
        store.compact_traffic_day(day).unwrap(),
        1,
        "one run is left as it is"
    );
    every_row_is_found(&store, &rows, &first, &second).await;
    let mut tx = store.begin_traffic("kpn").await.unwrap();
    let late = block(tx.seq(), day, 5, 100);
    tx.insert_traffic(std::slice::from_ref(&late))
        .await
        .unwrap();
    tx.commit(&accepted("three")).await.unwrap();
    let mut rows = rows;
    rows.push(&late);
    every_row_is_found(&store, &rows, &first, &second).await;
    assert_eq!(store.traffic_days().await.unwrap()[0].rows, 71_001);
    let conn = rusqlite::Connection::open(dir.path().join("store.db")).unwrap();
    let objects: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_schema WHERE tbl_name = 'traffic_d20394' ORDER BY name")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(
        objects,
        ["traffic_d20394", "traffic_d20394_by_user"],
        "the merge leaves the day's table and its one user index, nothing else"
    );
}

/// Sampled rows are found by address, port and moment; all rows of one address in key
/// order whatever run holds them; and a user's rows through the user index.
async fn every_row_is_found(
    store: &SqliteStore,
    rows: &[&TrafficRow],
    first: &[TrafficRow],
    second: &[TrafficRow],
) {
    let day = rows[0].day;
    for want in rows.iter().step_by(997).chain(rows.iter().rev().take(3)) {
        let probe = TrafficProbe {
            kind: TrafficKind::PortBlock,
            days: vec![(day, want.key)],
            open: vec![],
            from: want.start,
            to: want.start,
            port: Some(want.last_port),
        };
        let found = store.traffic_covering(&probe).await.unwrap();
        assert_eq!(found, [(*want).clone()]);
    }
    let probe = TrafficProbe {
        kind: TrafficKind::PortBlock,
        days: vec![(day, first[7].key)],
        open: vec![],
        from: i64::from(day) * 86_400,
        to: i64::from(day + 1) * 86_400,
        port: None,
    };
    let found = store.traffic_covering(&probe).await.unwrap();
    assert_eq!(found, [first[7].clone(), second[7].clone()]);
    let user = BlindIndex([3; 16]);
    let of_user = store
        .traffic_of_user(&user, 0, i64::MAX, 100_000)
        .await
        .unwrap();
    let want = rows.iter().filter(|r| r.user == Some(user)).count();
    assert_eq!(of_user.len(), want);
}

#[tokio::test]
async fn a_batch_whose_write_failed_is_not_committed() {
    let dir = tempfile::tempdir().unwrap();
    let store = store_with_kpn(&dir.path().join("store.db")).await;
    let mut tx = store.begin_traffic("kpn").await.unwrap();
    let mut open = block(tx.seq(), 20_394, 1, 0);
    open.end = None;
    tx.insert_traffic(std::slice::from_ref(&open))
        .await
        .unwrap();
    let err = tx
        .insert_traffic(&[block(tx.seq(), 20_394, 2, 0), open])
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Conflict(_)), "{err}");
    let err = tx.commit(&accepted("one")).await.unwrap_err();
    assert!(err.to_string().contains("not committed"), "{err}");
    assert!(store.traffic_days().await.unwrap().is_empty());
    assert!(store.traffic_batches(None, 10).await.unwrap().is_empty());
}

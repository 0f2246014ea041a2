//! The traffic conformance suite against the embedded SQLite backend, and what is
//! particular to it: the day tables and the migration of an older store.

use tdip_store_sqlite::SqliteStore;

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
    assert_eq!(version, 3);
}

#[tokio::test]
async fn day_tables_are_named_per_day_and_dropped_with_it() {
    use tdip_store::{
        BlindIndex, DeliveryOutcome, NewTrafficBatch, Provider, Store, TrafficKind, TrafficRow,
        TrafficStore, TrafficTx,
    };
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

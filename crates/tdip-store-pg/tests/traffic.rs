//! The PostgreSQL traffic store against a real server: the backend-independent traffic
//! conformance suite, and this backend's own behaviours (day partitions, the largest block
//! per day, the open set, retention by dropping a partition, the batch log).
//!
//! Needs `TDIP_TEST_PG_URL` (see `conformance.rs`).

mod traffic_common;

use sqlx::{Connection, PgConnection};
use tdip_store::{
    DeliveryOutcome, OpenRef, Store, StoreError, TrafficDay, TrafficKind, TrafficProbe, TrafficRow,
    TrafficStore, TrafficTx,
};
use traffic_common::{TestDatabases, batch_log, block, key, provider};

const DAY: i32 = 20_394;
const T0: i64 = DAY as i64 * 86_400;

fn probe(days: Vec<(i32, tdip_store::BlindIndex)>, port: Option<u16>, at: i64) -> TrafficProbe {
    TrafficProbe {
        kind: TrafficKind::PortBlock,
        days,
        open: Vec::new(),
        from: at,
        to: at,
        port,
    }
}

fn open_session(batch: i64, k: u8, user: u8, start: i64) -> TrafficRow {
    TrafficRow {
        batch,
        kind: TrafficKind::AccessSession,
        day: tdip_store::day_of(start),
        key: key(k, 0),
        net: (6, 56),
        user: Some(key(user, user)),
        first_port: 0,
        last_port: 65_535,
        start,
        end: None,
        sealed: vec![k; 40],
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_traffic_conformance_suite_passes() {
    let dbs = TestDatabases::new();
    let factory = {
        let dbs = dbs.clone();
        move || {
            let dbs = dbs.clone();
            async move { dbs.fresh_store().await }
        }
    };
    tdip_store::conformance::traffic::run_all(factory).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rows_land_in_their_day_partition_and_probes_find_them() {
    let dbs = TestDatabases::new();
    let url = dbs.fresh_url().await;
    let store = tdip_store_pg::PgStore::connect(&url).await.unwrap();
    store.add_provider(&provider("kpn")).await.unwrap();

    let mut tx = store.begin_traffic("kpn").await.unwrap();
    let seq = tx.seq();
    let a = key(1, 1);
    let rows = vec![
        // A 4096-port block: found by its last port thanks to the day's largest block.
        block(seq, DAY, a, (4096, 8191), (T0 + 100, T0 + 200)),
        block(seq, DAY, a, (0, 63), (T0 + 100, T0 + 200)),
        // The same block later in the day.
        block(seq, DAY, a, (4096, 8191), (T0 + 300, T0 + 400)),
        // The next day, with that day's key.
        block(
            seq,
            DAY + 1,
            key(2, 2),
            (64, 127),
            (T0 + 86_500, T0 + 86_600),
        ),
    ];
    tx.insert_traffic(&rows).await.unwrap();
    tx.commit(&batch_log("kpn", "b1", DeliveryOutcome::Accepted))
        .await
        .unwrap();

    let found = store
        .traffic_covering(&probe(vec![(DAY, a)], Some(8191), T0 + 150))
        .await
        .unwrap();
    assert_eq!(found, vec![rows[0].clone()]);
    let found = store
        .traffic_covering(&probe(vec![(DAY, a), (DAY, a)], Some(4096), T0 + 150))
        .await
        .unwrap();
    assert_eq!(found, vec![rows[0].clone()], "a repeated pair answers once");
    // Outside every block, or outside the window.
    for (port, at) in [(8192, T0 + 150), (64, T0 + 150), (5000, T0 + 250)] {
        let found = store
            .traffic_covering(&probe(vec![(DAY, a)], Some(port), at))
            .await
            .unwrap();
        assert!(found.is_empty(), "port {port} at {at}");
    }
    // Without a port, every block of the window, in key order.
    let mut window = probe(vec![(DAY + 1, key(2, 2)), (DAY, a)], None, T0);
    window.to = T0 + 90_000;
    let found = store.traffic_covering(&window).await.unwrap();
    assert_eq!(
        found,
        vec![
            rows[1].clone(),
            rows[0].clone(),
            rows[2].clone(),
            rows[3].clone()
        ]
    );
    // The wrong day's key finds nothing.
    let found = store
        .traffic_covering(&probe(vec![(DAY + 1, a)], Some(8191), T0 + 86_550))
        .await
        .unwrap();
    assert!(found.is_empty());

    assert_eq!(
        store.traffic_days().await.unwrap(),
        vec![
            TrafficDay { day: DAY, rows: 3 },
            TrafficDay {
                day: DAY + 1,
                rows: 1
            }
        ]
    );
    let mut conn = PgConnection::connect(&url).await.unwrap();
    let placed: Vec<(String, i64)> = sqlx::query_as(
        "SELECT tableoid::regclass::text, count(*) FROM traffic_row GROUP BY 1 ORDER BY 1",
    )
    .fetch_all(&mut conn)
    .await
    .unwrap();
    assert_eq!(
        placed,
        [
            (format!("traffic_row_d{DAY}"), 3),
            (format!("traffic_row_d{}", DAY + 1), 1)
        ]
    );
    assert_eq!(tdip_store_pg::traffic_day_table(DAY), placed[0].0);

    // Retention drops the day whole; the other stays.
    assert_eq!(store.drop_traffic_day(DAY).await.unwrap(), 3);
    assert_eq!(store.drop_traffic_day(DAY).await.unwrap(), 0);
    assert_eq!(
        store.traffic_days().await.unwrap(),
        vec![TrafficDay {
            day: DAY + 1,
            rows: 1
        }]
    );
    let found = store
        .traffic_covering(&probe(vec![(DAY, a)], Some(8191), T0 + 150))
        .await
        .unwrap();
    assert!(found.is_empty());
    let tables: i64 = sqlx::query_scalar("SELECT count(*) FROM pg_class WHERE relname = $1")
        .bind(format!("traffic_row_d{DAY}"))
        .fetch_one(&mut conn)
        .await
        .unwrap();
    assert_eq!(tables, 0, "the partition is gone");
    conn.close().await.unwrap();
    store.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn open_rows_are_taken_once_and_found_by_user() {
    let dbs = TestDatabases::new();
    let store = dbs.fresh_store().await;
    store.add_provider(&provider("kpn")).await.unwrap();

    let mut tx = store.begin_traffic("kpn").await.unwrap();
    let seq = tx.seq();
    let opened = vec![
        open_session(seq, 3, 9, T0 + 10),
        open_session(seq, 4, 9, T0 + 5),
    ];
    tx.insert_traffic(&opened).await.unwrap();
    tx.commit(&batch_log("kpn", "open", DeliveryOutcome::Accepted))
        .await
        .unwrap();
    assert_eq!(store.traffic_prefix_lengths().await.unwrap(), vec![(6, 56)]);

    // An open session is found from the open set by its address without day.
    let found = store
        .traffic_covering(&TrafficProbe {
            kind: TrafficKind::AccessSession,
            days: Vec::new(),
            open: vec![key(3, 0)],
            from: T0 + 1000,
            to: T0 + 1000,
            port: Some(443),
        })
        .await
        .unwrap();
    assert_eq!(found, vec![opened[0].clone()]);
    let of_user = store
        .traffic_of_user(&key(9, 9), T0, T0 + 100, 10)
        .await
        .unwrap();
    assert_eq!(of_user, vec![opened[1].clone(), opened[0].clone()]);
    let limited = store
        .traffic_of_user(&key(9, 9), T0, T0 + 100, 1)
        .await
        .unwrap();
    assert_eq!(limited, vec![opened[1].clone()]);

    // The same open record again is a conflict, and the batch leaves no trace.
    let mut tx = store.begin_traffic("kpn").await.unwrap();
    let err = tx
        .insert_traffic(&[open_session(tx.seq(), 3, 9, T0 + 10)])
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Conflict(_)), "{err}");
    drop(tx);

    // A later batch closes it: taken out (once), written to its day.
    let mut tx = store.begin_traffic("kpn").await.unwrap();
    let seq2 = tx.seq();
    assert_eq!(seq2, seq + 1);
    let refs = [
        OpenRef {
            kind: TrafficKind::AccessSession,
            key: key(3, 0),
            first_port: 0,
            start: T0 + 10,
        },
        OpenRef {
            kind: TrafficKind::AccessSession,
            key: key(5, 0),
            first_port: 0,
            start: T0 + 10,
        },
    ];
    let taken = tx.take_open(&refs).await.unwrap();
    assert_eq!(taken, vec![Some(opened[0].clone()), None]);
    assert_eq!(tx.take_open(&refs[..1]).await.unwrap(), vec![None]);
    let mut closed = opened[0].clone();
    closed.batch = seq2;
    closed.key = key(3, 3);
    closed.end = Some(T0 + 500);
    tx.insert_traffic(std::slice::from_ref(&closed))
        .await
        .unwrap();
    tx.commit(&batch_log("kpn", "close", DeliveryOutcome::Accepted))
        .await
        .unwrap();
    let of_user = store
        .traffic_of_user(&key(9, 9), T0, T0 + 100, 10)
        .await
        .unwrap();
    assert_eq!(of_user, vec![opened[1].clone(), closed.clone()]);
    assert_eq!(store.traffic_prefix_lengths().await.unwrap(), vec![(6, 56)]);
    assert_eq!(
        store.traffic_days().await.unwrap(),
        vec![TrafficDay { day: DAY, rows: 1 }]
    );
    store.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_batch_log_keeps_accepted_ids_unique_and_rejections_apart() {
    let dbs = TestDatabases::new();
    let store = dbs.fresh_store().await;
    let err = store.begin_traffic("kpn").await.unwrap_err();
    assert!(matches!(err, StoreError::NotFound(_)), "{err}");
    store.add_provider(&provider("kpn")).await.unwrap();

    let rejected = batch_log("kpn", "b1", DeliveryOutcome::Rejected);
    assert_eq!(store.record_rejected_traffic(&rejected).await.unwrap(), 1);
    let accepted = batch_log("kpn", "b1", DeliveryOutcome::Accepted);
    let err = store.record_rejected_traffic(&accepted).await.unwrap_err();
    assert!(matches!(err, StoreError::Conflict(_)), "{err}");

    // A dropped batch leaves no trace, its number is given again.
    let mut tx = store.begin_traffic("kpn").await.unwrap();
    assert_eq!(tx.seq(), 2);
    tx.insert_traffic(&[block(2, DAY, key(1, 1), (0, 63), (T0, T0 + 1))])
        .await
        .unwrap();
    drop(tx);
    assert!(store.traffic_days().await.unwrap().is_empty());
    let tx = store.begin_traffic("kpn").await.unwrap();
    assert_eq!(tx.seq(), 2);
    assert_eq!(tx.commit(&accepted).await.unwrap(), 2);

    let tx = store.begin_traffic("kpn").await.unwrap();
    let err = tx.commit(&accepted).await.unwrap_err();
    assert!(matches!(err, StoreError::Conflict(_)), "{err}");

    let found = store.traffic_batch("kpn", "b1").await.unwrap().unwrap();
    assert_eq!((found.seq, &found.batch), (2, &accepted));
    assert!(store.traffic_batch("kpn", "b2").await.unwrap().is_none());
    let by_seq = store.traffic_batches_by_seq(&[2, 7, 1]).await.unwrap();
    assert_eq!(
        by_seq
            .iter()
            .map(|b| (b.seq, b.batch.outcome))
            .collect::<Vec<_>>(),
        [
            (2, DeliveryOutcome::Accepted),
            (1, DeliveryOutcome::Rejected)
        ]
    );
    let newest = store.traffic_batches(Some("kpn"), 1).await.unwrap();
    assert_eq!(newest.iter().map(|b| b.seq).collect::<Vec<_>>(), [2]);
    assert!(
        store
            .traffic_batches(Some("other"), 10)
            .await
            .unwrap()
            .is_empty()
    );
    store.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lookups_go_on_beside_a_batch_that_creates_a_day() {
    let dbs = TestDatabases::new();
    let url = dbs.fresh_url().await;
    let options: sqlx::postgres::PgConnectOptions = url.parse().unwrap();
    let store =
        tdip_store_pg::PgStore::connect_with(options, std::time::Duration::from_millis(300))
            .await
            .unwrap();
    store.add_provider(&provider("kpn")).await.unwrap();
    let a = key(1, 1);
    let mut tx = store.begin_traffic("kpn").await.unwrap();
    let first = block(tx.seq(), DAY, a, (0, 63), (T0 + 100, T0 + 200));
    tx.insert_traffic(std::slice::from_ref(&first))
        .await
        .unwrap();
    tx.commit(&batch_log("kpn", "b1", DeliveryOutcome::Accepted))
        .await
        .unwrap();

    // A batch open on a new day (its partition made) holds no lock that lookups wait for.
    let mut tx = store.begin_traffic("kpn").await.unwrap();
    let later = block(
        tx.seq(),
        DAY + 3,
        a,
        (0, 63),
        (T0 + 3 * 86_400, T0 + 3 * 86_400 + 5),
    );
    tx.insert_traffic(std::slice::from_ref(&later))
        .await
        .unwrap();
    let found = store
        .traffic_covering(&probe(vec![(DAY, a), (DAY + 3, a)], Some(10), T0 + 150))
        .await
        .unwrap();
    assert_eq!(found, vec![first.clone()]);
    assert_eq!(store.traffic_days().await.unwrap().len(), 1);
    // Writers wait for it: a second batch and retention fail as busy.
    let err = store.begin_traffic("kpn").await.unwrap_err();
    assert!(matches!(err, StoreError::Busy), "{err}");
    let err = store.drop_traffic_day(DAY).await.unwrap_err();
    assert!(matches!(err, StoreError::Busy), "{err}");
    tx.commit(&batch_log("kpn", "b2", DeliveryOutcome::Accepted))
        .await
        .unwrap();
    let found = store
        .traffic_covering(&probe(vec![(DAY + 3, a)], Some(10), T0 + 3 * 86_400 + 1))
        .await
        .unwrap();
    assert_eq!(found, vec![later]);
    assert_eq!(store.drop_traffic_day(DAY).await.unwrap(), 1);
    store.close().await;
}

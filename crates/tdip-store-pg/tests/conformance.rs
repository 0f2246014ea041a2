//! The PostgreSQL backend against a real server: the conformance suite, the same results
//! as the SQLite backend for one scenario, and the schema's own guarantees.
//!
//! Needs `TDIP_TEST_PG_URL`, the URL of a server whose user may create databases (CI
//! always sets it; locally `postgres://postgres@127.0.0.1:5432/postgres`). Each store
//! gets a new database, dropped when the test ends.

use std::hash::{BuildHasher, RandomState};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use sqlx::{AssertSqlSafe, Connection, PgConnection};
use tdip_store::{AccessStore, AuditStore};
use tdip_store::{
    BlindIndex, DeliveryOutcome, DeliveryRecord, DeliverySpan, DeliveryTx, NewDelivery, NewVersion,
    Provider, Store, StoreError, VersionRow,
};
use tdip_store_pg::PgStore;
use tdip_store_sqlite::SqliteStore;

/// The ids to close, each with a new blob as a delivery gives them.
fn closed(ids: &[i64]) -> Vec<(i64, Vec<u8>)> {
    tdip_store::conformance::closes(ids, b"sealed for its month")
}

const URL_VAR: &str = "TDIP_TEST_PG_URL";

/// Databases created by one test, dropped when it ends (also when it fails).
struct TestDatabases {
    url: String,
    names: Mutex<Vec<String>>,
}

static COUNTER: AtomicU64 = AtomicU64::new(0);

impl TestDatabases {
    fn new() -> Arc<Self> {
        let url = std::env::var(URL_VAR).unwrap_or_else(|_| {
            panic!(
                "set {URL_VAR} to the URL of a PostgreSQL server whose user may create \
                 databases, e.g. postgres://postgres@127.0.0.1:5432/postgres"
            )
        });
        Arc::new(TestDatabases {
            url,
            names: Mutex::new(Vec::new()),
        })
    }

    /// Creates an empty database and returns its URL.
    async fn fresh_url(&self) -> String {
        let random = RandomState::new().hash_one(std::time::SystemTime::now()) as u32;
        let name = format!(
            "tdip_test_{}_{}_{random:08x}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        );
        let mut admin = PgConnection::connect(&self.url)
            .await
            .unwrap_or_else(|e| panic!("cannot connect to {URL_VAR}: {e}"));
        sqlx::raw_sql(AssertSqlSafe(format!("CREATE DATABASE \"{name}\"")))
            .execute(&mut admin)
            .await
            .expect("create a test database");
        self.names.lock().unwrap().push(name.clone());
        admin.close().await.expect("close the admin connection");
        with_database(&self.url, &name)
    }

    /// A store on a new database.
    async fn fresh_store(&self) -> PgStore {
        PgStore::connect(&self.fresh_url().await)
            .await
            .expect("connect the store")
    }
}

impl Drop for TestDatabases {
    fn drop(&mut self) {
        let names = std::mem::take(&mut *self.names.lock().unwrap_or_else(|e| e.into_inner()));
        if names.is_empty() {
            return;
        }
        let url = self.url.clone();
        // Its own thread and runtime: this may run inside the test's runtime.
        let dropped = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("a runtime to drop test databases");
            rt.block_on(async move {
                let mut admin = PgConnection::connect(&url).await?;
                for name in names {
                    sqlx::raw_sql(AssertSqlSafe(format!(
                        "DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"
                    )))
                    .execute(&mut admin)
                    .await?;
                }
                admin.close().await
            })
        })
        .join();
        match dropped {
            Ok(Ok(())) => {}
            Ok(Err(e)) => eprintln!("could not drop the test databases: {e}"),
            Err(_) => eprintln!("dropping the test databases panicked"),
        }
    }
}

/// `url` with its database replaced by `name`.
fn with_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base, format!("?{query}")),
        None => (url, String::new()),
    };
    let host = base.find("://").map_or(0, |i| i + 3);
    let path = base[host..].find('/').map_or(base.len(), |i| host + i);
    format!("{}/{name}{query}", &base[..path])
}

#[test]
fn database_names_replace_the_url_path() {
    assert_eq!(
        with_database("postgres://u@h:5432/postgres", "x"),
        "postgres://u@h:5432/x"
    );
    assert_eq!(with_database("postgres://u@h", "x"), "postgres://u@h/x");
    assert_eq!(
        with_database("postgres://u:p@h/db?sslmode=disable", "x"),
        "postgres://u:p@h/x?sslmode=disable"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_conformance_suite_passes() {
    let dbs = TestDatabases::new();
    let factory = {
        let dbs = dbs.clone();
        move || {
            let dbs = dbs.clone();
            async move { dbs.fresh_store().await }
        }
    };
    tdip_store::conformance::run_all(factory).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_audit_log_passes_the_conformance_suite() {
    let dbs = TestDatabases::new();
    tdip_store::conformance::audit::run_all(&dbs.fresh_store().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_access_registry_passes_the_conformance_suite() {
    let dbs = TestDatabases::new();
    tdip_store::conformance::access::run_all(&dbs.fresh_store().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_payment_conformance_suite_passes_and_a_month_no_provider_holds_is_dropped() {
    let dbs = TestDatabases::new();
    let url = dbs.fresh_url().await;
    let store = PgStore::connect(&url).await.unwrap();
    tdip_store::conformance::payments::run_all(&store).await;
    let mut admin = PgConnection::connect(&url).await.unwrap();
    let january =
        || sqlx::query_scalar::<_, bool>("SELECT to_regclass('payment_2026_01') IS NOT NULL");
    // ziggo still has a January payment (and kpn one again): the partition stays.
    assert!(january().fetch_one(&mut admin).await.unwrap());
    use tdip_store::PaymentStore;
    let jan = tdip_store::conformance::payments::JANUARY;
    assert_eq!(store.delete_payments("kpn", jan).await.unwrap(), 1);
    assert!(january().fetch_one(&mut admin).await.unwrap());
    assert_eq!(store.delete_payments("ziggo", jan).await.unwrap(), 1);
    assert!(!january().fetch_one(&mut admin).await.unwrap());
    assert_eq!(store.payments_in("ziggo", jan).await.unwrap(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_retention_conformance_suite_passes_and_an_emptied_month_is_dropped() {
    let dbs = TestDatabases::new();
    let url = dbs.fresh_url().await;
    let store = PgStore::connect(&url).await.unwrap();
    tdip_store::conformance::retention::run_all(&store).await;
    // Every provider's January went, then a late delivery closed one version into it
    // again: the partition is there (recreated). February's is there, untouched.
    let mut admin = PgConnection::connect(&url).await.unwrap();
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT relname::text FROM pg_class WHERE relname ~ '^(version|ident)_2026_0[12]$'
         ORDER BY relname",
    )
    .fetch_all(&mut admin)
    .await
    .unwrap();
    assert_eq!(
        tables,
        [
            "ident_2026_01",
            "ident_2026_02",
            "version_2026_01",
            "version_2026_02"
        ]
    );
    // Delete January again: with nothing left in it, both partitions are dropped.
    use tdip_store::RetentionStore;
    store
        .delete_closed("kpn", tdip_store::conformance::retention::JANUARY)
        .await
        .unwrap();
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT relname::text FROM pg_class WHERE relname ~ '^(version|ident)_2026_0[12]$'
         ORDER BY relname",
    )
    .fetch_all(&mut admin)
    .await
    .unwrap();
    assert_eq!(tables, ["ident_2026_02", "version_2026_02"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn suspending_an_officer_does_not_wait_for_a_delivery() {
    let dbs = TestDatabases::new();
    let store = dbs.fresh_store().await;
    let officer = tdip_store::Officer {
        agency: "be/politie".into(),
        id: "1".into(),
        name: "Officer 1".into(),
        registered_at: 0,
        valid_until: None,
        suspended: None,
    };
    store.add_officer(&officer).await.unwrap();
    store.add_provider(&provider("kpn")).await.unwrap();
    let tx = store.begin_delivery("kpn").await.unwrap();
    let lost = tdip_store::Suspension {
        at: 1,
        reason: "authority withdrawn".into(),
    };
    let suspended = tokio::time::timeout(std::time::Duration::from_secs(5), async {
        store.suspend_officer("be/politie", "1", &lost).await?;
        store.suspend_agency("be/politie", &lost).await?;
        store.officer("be/politie", "1").await
    })
    .await
    .expect("the suspension waited for the delivery's lock");
    assert_eq!(suspended.unwrap().unwrap().suspended, Some(lost));
    drop(tx);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_audit_append_does_not_wait_for_a_delivery() {
    let dbs = TestDatabases::new();
    let store = dbs.fresh_store().await;
    store.add_provider(&provider("kpn")).await.unwrap();
    let tx = store.begin_delivery("kpn").await.unwrap();
    let entry = tdip_store::NewAuditEntry {
        at: 1,
        kind: "query".into(),
        body: b"x".to_vec(),
        digest: [1; 32],
    };
    let appended = tokio::time::timeout(
        std::time::Duration::from_secs(5),
        store.append_audit(std::slice::from_ref(&entry)),
    )
    .await
    .expect("the append waited for the delivery's lock");
    assert_eq!(appended.unwrap(), 0);
    drop(tx);
}

fn provider(id: &str) -> Provider {
    Provider {
        id: id.into(),
        name: format!("{id} N.V."),
        country: "BE".into(),
        zone: "Europe/Brussels".into(),
        created_at: 1_700_000_000,
    }
}

fn log(provider: &str, snapshot_at: i64, outcome: DeliveryOutcome) -> NewDelivery {
    NewDelivery {
        provider: provider.into(),
        received_at: snapshot_at + 5,
        snapshot_at,
        rows: 3,
        opened: 1,
        changed: 1,
        closed: 1,
        errors: u64::from(outcome == DeliveryOutcome::Rejected),
        checksum: [0xa5; 32],
        outcome,
    }
}

fn key(first: u8, last: u8) -> BlindIndex {
    let mut k = [first; 16];
    k[15] = last;
    BlindIndex(k)
}

/// A megabyte of deterministic noise, every byte value included.
fn noise() -> Vec<u8> {
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    (0..1 << 20)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect()
}

fn all_bytes() -> Vec<u8> {
    (0..=255u8).collect()
}

/// Everything a scenario leaves visible through the traits.
#[derive(Debug, PartialEq)]
struct Seen {
    ids: Vec<Vec<i64>>,
    hits: Vec<Vec<VersionRow>>,
    log: Vec<DeliveryRecord>,
    spans: Vec<DeliverySpan>,
    prefixes: Vec<(u8, u8)>,
    providers: Vec<Provider>,
    snapshot: Vec<Vec<u8>>,
    refusal: String,
}

/// Opens, changes and closes versions over several deliveries, including a dropped one,
/// a rejected one, duplicate and colliding blind indexes, and a refused close.
async fn scenario<S: Store>(store: &S) -> Seen {
    let shared = key(0x42, 0);
    // Same first eight bytes as `shared`: one stored key, two candidates' worth.
    let twin = key(0x42, 1);
    let (a, b, c) = (key(0xa0, 0), key(0xb0, 0), key(0xc0, 0));
    store.add_provider(&provider("proximus")).await.unwrap();
    store.add_provider(&provider("base")).await.unwrap();
    // Sorted by their bytes, whatever the database's collation ("kpn-c" sorts after
    // "kpnb" in most natural-language collations).
    store.add_provider(&provider("kpnb")).await.unwrap();
    store.add_provider(&provider("kpn-c")).await.unwrap();
    let mut ids = Vec::new();

    // 1: three subscriptions.
    let mut tx = store.begin_delivery("proximus").await.unwrap();
    let first = tx
        .insert_versions(&[
            NewVersion {
                sub_key: a,
                valid_from: 100,
                seen_before: None,
                sealed: noise(),
            },
            NewVersion {
                sub_key: b,
                valid_from: 100,
                seen_before: None,
                sealed: all_bytes(),
            },
            NewVersion {
                sub_key: c,
                valid_from: 100,
                seen_before: None,
                sealed: Vec::new(),
            },
        ])
        .await
        .unwrap();
    tx.insert_indexes(&[
        (a, first[0]),
        (shared, first[0]),
        (shared, first[1]),
        (twin, first[1]),
        (twin, first[2]),
        (b, first[1]),
        (c, first[2]),
        (c, first[2]),
    ])
    .await
    .unwrap();
    tx.add_prefix_lengths(&[(6, 48), (4, 24), (5, 1), (4, 32), (6, 48)])
        .await
        .unwrap();
    tx.put_snapshot(&all_bytes()).await.unwrap();
    tx.commit(&log("proximus", 100, DeliveryOutcome::Accepted))
        .await
        .unwrap();
    ids.push(first.clone());

    // A delivery that never commits: its ids are reused.
    let mut tx = store.begin_delivery("proximus").await.unwrap();
    let gone = tx
        .insert_versions(&[NewVersion {
            sub_key: key(0xdd, 0),
            valid_from: 150,
            seen_before: Some(100),
            sealed: vec![1, 2, 3],
        }])
        .await
        .unwrap();
    tx.insert_indexes(&[(shared, gone[0])]).await.unwrap();
    drop(tx);
    ids.push(gone);

    store
        .record_rejected(&log("proximus", 150, DeliveryOutcome::Rejected))
        .await
        .unwrap();

    // 2: a changes (new version opened before the old is closed), c vanishes.
    let mut tx = store.begin_delivery("proximus").await.unwrap();
    let parts = tx.snapshot().await.unwrap();
    let second = tx
        .insert_versions(&[NewVersion {
            sub_key: a,
            valid_from: 200,
            seen_before: Some(100),
            sealed: noise()[..1000].to_vec(),
        }])
        .await
        .unwrap();
    // Closing replaces the blobs (a delivery seals them again for their month).
    tx.close_versions(&[(first[0], all_bytes()), (first[2], Vec::new())], 200, 100)
        .await
        .unwrap();
    // Two calls with a pair in common: the second skips what the first stored.
    tx.insert_indexes(&[(a, second[0]), (shared, second[0])])
        .await
        .unwrap();
    tx.insert_indexes(&[(shared, second[0]), (twin, second[0])])
        .await
        .unwrap();
    tx.append_snapshot(b"delta").await.unwrap();
    tx.commit(&log("proximus", 200, DeliveryOutcome::Accepted))
        .await
        .unwrap();
    ids.push(second.clone());

    // Another provider, with its own subscription key (keys are derived from the provider
    // and its subscription id, so they never coincide across providers).
    let mut tx = store.begin_delivery("base").await.unwrap();
    let third = tx
        .insert_versions(&[NewVersion {
            sub_key: BlindIndex([0xb7; 16]),
            valid_from: 50,
            seen_before: None,
            sealed: b"base".to_vec(),
        }])
        .await
        .unwrap();
    tx.insert_indexes(&[(shared, third[0])]).await.unwrap();
    tx.commit(&log("base", 50, DeliveryOutcome::Accepted))
        .await
        .unwrap();
    ids.push(third);

    // 3: a refused close keeps the versions before the refused id closed and the ones
    // after it open.
    let mut tx = store.begin_delivery("proximus").await.unwrap();
    let err = tx
        .close_versions(
            &[
                (first[1], noise()),
                (first[0], vec![1]),
                (second[0], vec![2]),
            ],
            300,
            200,
        )
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Conflict(_)), "{err}");
    let refusal = err.to_string();
    tx.commit(&log("proximus", 300, DeliveryOutcome::Accepted))
        .await
        .unwrap();

    let mut tx = store.begin_delivery("proximus").await.unwrap();
    let snapshot = [parts, tx.snapshot().await.unwrap()].concat();
    drop(tx);

    let lookups: [&[BlindIndex]; 7] = [
        &[shared],
        &[twin],
        &[a],
        &[b, c],
        &[a, shared, twin, b, c],
        &[key(0x99, 0)],
        &[],
    ];
    let mut hits = Vec::new();
    for l in lookups {
        hits.push(store.versions_by_index(l).await.unwrap());
    }
    Seen {
        ids,
        hits,
        log: store.deliveries(None, 100).await.unwrap(),
        spans: store.delivery_spans().await.unwrap(),
        prefixes: store.prefix_lengths().await.unwrap(),
        providers: store.providers().await.unwrap(),
        snapshot,
        refusal,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn blobs_and_lookups_match_the_sqlite_backend() {
    let dir = tempfile::tempdir().unwrap();
    let sqlite = SqliteStore::open(&dir.path().join("tdip.db")).unwrap();
    let want = scenario(&sqlite).await;

    let dbs = TestDatabases::new();
    let pg = dbs.fresh_store().await;
    let got = scenario(&pg).await;

    // Blobs come back byte for byte.
    let every = &got.hits[4];
    assert_eq!(every.len(), 5, "{every:?}");
    assert_eq!(every[0].sealed, all_bytes(), "replaced when closed");
    assert_eq!(every[1].sealed, noise(), "replaced when closed");
    assert!(every[2].sealed.is_empty());
    assert_eq!(every[3].sealed, noise()[..1000]);
    assert_eq!(
        got.snapshot,
        [all_bytes(), all_bytes(), b"delta".to_vec()],
        "the base as delivery 2 read it, then base and delta as delivery 4 read them"
    );
    // b closed, the first version of a closed in delivery 2, its second still open.
    assert_eq!(
        (every[1].valid_to, every[0].valid_to, every[3].valid_to),
        (Some(300), Some(200), None)
    );

    assert_eq!(got, want);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgresql_refuses_overlapping_versions() {
    let dbs = TestDatabases::new();
    let url = dbs.fresh_url().await;
    let store = PgStore::connect(&url).await.unwrap();
    store.add_provider(&provider("proximus")).await.unwrap();
    store.add_provider(&provider("base")).await.unwrap();

    // Straight into the tables: within a partition PostgreSQL itself refuses overlaps.
    let mut conn = PgConnection::connect(&url).await.unwrap();
    sqlx::query("SELECT tdip_month_partitions(tdip_month(0))")
        .execute(&mut conn)
        .await
        .unwrap();
    let insert = "INSERT INTO version (id, provider, sub_key, opened_by, valid_from, valid_to,
                                       last_seen, sealed, ends_month)
                  VALUES ($1, $2, $3, 1, $4, $5, $6, '\\x00',
                          COALESCE(tdip_month($5), 2147483647))";
    let sub = vec![7u8; 16];
    let row = |id: i64, provider: &'static str, from: i64, to: Option<i64>| {
        sqlx::query(insert)
            .bind(id)
            .bind(provider)
            .bind(sub.clone())
            .bind(from)
            .bind(to)
            .bind(to.map(|t| t - 1))
    };
    row(1, "proximus", 100, Some(200))
        .execute(&mut conn)
        .await
        .expect("a first version");
    row(2, "proximus", 200, None)
        .execute(&mut conn)
        .await
        .expect("a version starting where the last ended");
    // A second open version (the open partition's deferred unique key, checked at once
    // outside a transaction), and a closed one overlapping a closed one of its month.
    for (id, from, to, code) in [(4, 150, None, "23505"), (5, 50, Some(101), "23P01")] {
        let err = row(id, "proximus", from, to)
            .execute(&mut conn)
            .await
            .expect_err("an overlapping version must be refused");
        let code_seen = err
            .as_database_error()
            .and_then(|e| e.code())
            .map(|c| c.into_owned());
        assert_eq!(code_seen.as_deref(), Some(code), "{err}");
        assert!(err.to_string().contains("no_overlap"), "{err}");
    }

    // Through the store: a delivery that opens a second version of a subscription without
    // closing the first is refused at commit, as a conflict naming only the constraint.
    let a = BlindIndex([0xa0; 16]);
    let version = |from: i64| NewVersion {
        sub_key: a,
        valid_from: from,
        seen_before: None,
        sealed: b"secret".to_vec(),
    };
    let mut tx = store.begin_delivery("proximus").await.unwrap();
    let first = tx.insert_versions(&[version(100)]).await.unwrap();
    tx.insert_indexes(&[(a, first[0])]).await.unwrap();
    tx.commit(&log("proximus", 100, DeliveryOutcome::Accepted))
        .await
        .unwrap();
    let mut tx = store.begin_delivery("proximus").await.unwrap();
    tx.insert_versions(&[version(200)]).await.unwrap();
    let err = tx
        .commit(&log("proximus", 200, DeliveryOutcome::Accepted))
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Conflict(_)), "{err}");
    let message = err.to_string();
    assert!(message.contains("version_open_no_overlap"), "{message}");
    assert!(
        !message.contains("secret") && !message.contains("\\x"),
        "{message}"
    );
    assert_eq!(store.deliveries(None, 10).await.unwrap().len(), 1);

    // Across partitions the store checks at commit: closing the old version after the new
    // one began leaves the old one (now in its month's partition) overlapping the new one
    // (in the open partition).
    let mut tx = store.begin_delivery("proximus").await.unwrap();
    tx.insert_versions(&[version(200)]).await.unwrap();
    tx.close_versions(&closed(&first), 300, 250).await.unwrap();
    let err = tx
        .commit(&log("proximus", 300, DeliveryOutcome::Accepted))
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Conflict(_)), "{err}");
    assert!(err.to_string().contains("version_no_overlap"), "{err}");
    assert_eq!(store.deliveries(None, 10).await.unwrap().len(), 1);
    let mut tx = store.begin_delivery("proximus").await.unwrap();
    let second = tx.insert_versions(&[version(300)]).await.unwrap();
    tx.insert_indexes(&[(a, second[0])]).await.unwrap();
    tx.close_versions(&closed(&first), 300, 250).await.unwrap();
    tx.commit(&log("proximus", 300, DeliveryOutcome::Accepted))
        .await
        .unwrap();
    let seen: Vec<(i64, Option<i64>)> = store
        .versions_by_index(&[a])
        .await
        .unwrap()
        .iter()
        .map(|v| (v.valid_from, v.valid_to))
        .collect();
    assert_eq!(seen, [(100, Some(300)), (300, None)]);

    // Constraint violations name the constraint, not the values.
    let err = store
        .record_rejected(&log("nobody", 300, DeliveryOutcome::Rejected))
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Conflict(_)), "{err}");
    assert!(!err.to_string().contains("nobody"), "{err}");
    conn.close().await.unwrap();
    store.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_delivery_is_applied_at_a_time() {
    let dbs = TestDatabases::new();
    let store = dbs.fresh_store().await;
    store.add_provider(&provider("proximus")).await.unwrap();
    store.add_provider(&provider("base")).await.unwrap();

    let mut first = store.begin_delivery("proximus").await.unwrap();
    let ids = first
        .insert_versions(&[NewVersion {
            sub_key: BlindIndex([1; 16]),
            valid_from: 100,
            seen_before: None,
            sealed: vec![1],
        }])
        .await
        .unwrap();
    let waiting = {
        let store = store.clone();
        tokio::spawn(async move {
            let mut tx = store.begin_delivery("base").await?;
            let ids = tx
                .insert_versions(&[NewVersion {
                    sub_key: BlindIndex([2; 16]),
                    valid_from: 100,
                    seen_before: None,
                    sealed: vec![2],
                }])
                .await?;
            Ok::<_, StoreError>((tx.delivery_id(), ids))
        })
    };
    let rejected = {
        let store = store.clone();
        tokio::spawn(async move {
            store
                .record_rejected(&log("base", 50, DeliveryOutcome::Rejected))
                .await
        })
    };
    // Blocking this worker is fine: the other one runs the waiting tasks.
    std::thread::sleep(std::time::Duration::from_millis(500));
    assert!(!waiting.is_finished(), "a second delivery must wait");
    assert!(!rejected.is_finished(), "the delivery log must wait");
    let id = first
        .commit(&log("proximus", 100, DeliveryOutcome::Accepted))
        .await
        .unwrap();
    let (next, next_ids) = waiting.await.unwrap().unwrap();
    let rejected = rejected.await.unwrap();
    // The second delivery and the rejected entry follow the first, in either order (the
    // second delivery is dropped uncommitted, so its id may be given to the entry).
    assert_eq!(next_ids, [ids[0] + 1]);
    match rejected {
        Ok(r) => assert!(
            r == id + 1 && (next == id + 1 || next == id + 2),
            "{id} {r} {next}"
        ),
        Err(e) => panic!("{e}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn closed_versions_move_to_their_month_and_a_month_drops_whole() {
    let dbs = TestDatabases::new();
    let url = dbs.fresh_url().await;
    let store = PgStore::connect(&url).await.unwrap();
    store.add_provider(&provider("kpn")).await.unwrap();
    // 2026-01-01, 2026-02-01 and 2026-03-01 at 00:00 UTC.
    let (jan, feb, mar) = (1_767_225_600, 1_769_904_000, 1_772_323_200);
    let version = |n: u8, from: i64| NewVersion {
        sub_key: key(n, n),
        valid_from: from,
        seen_before: None,
        sealed: vec![n],
    };
    let deliver = |opens: Vec<NewVersion>, closes: Vec<i64>, at: i64| {
        let store = store.clone();
        async move {
            let mut tx = store.begin_delivery("kpn").await.unwrap();
            let ids = tx.insert_versions(&opens).await.unwrap();
            let pairs: Vec<(BlindIndex, i64)> = opens
                .iter()
                .zip(&ids)
                .map(|(v, id)| (v.sub_key, *id))
                .collect();
            tx.insert_indexes(&pairs).await.unwrap();
            tx.close_versions(&closed(&closes), at, at - 1)
                .await
                .unwrap();
            tx.commit(&log("kpn", at, DeliveryOutcome::Accepted))
                .await
                .unwrap();
            ids
        }
    };
    let day0 = deliver(
        vec![version(1, jan), version(2, jan), version(3, jan)],
        vec![],
        jan,
    )
    .await;
    // Subscription 1 changes in February, 2 ends in February, 1 changes again in March.
    let day1 = deliver(vec![version(1, feb + 10)], vec![day0[0], day0[1]], feb + 10).await;
    deliver(vec![version(1, mar + 10)], vec![day1[0]], mar + 10).await;

    let mut conn = PgConnection::connect(&url).await.unwrap();
    let placed: Vec<(String, i64)> =
        sqlx::query_as("SELECT tableoid::regclass::text, id FROM version ORDER BY id")
            .fetch_all(&mut conn)
            .await
            .unwrap();
    let placed: Vec<(&str, i64)> = placed.iter().map(|(t, id)| (t.as_str(), *id)).collect();
    assert_eq!(
        placed,
        [
            ("version_2026_02", 1),
            ("version_2026_02", 2),
            ("version_open", 3),
            ("version_2026_03", 4),
            ("version_open", 5)
        ]
    );
    let idents: Vec<(String, i64)> = sqlx::query_as(
        "SELECT tableoid::regclass::text, count(*) FROM ident GROUP BY 1 ORDER BY 1",
    )
    .fetch_all(&mut conn)
    .await
    .unwrap();
    assert_eq!(
        idents,
        [
            ("ident_2026_02".to_owned(), 2),
            ("ident_2026_03".to_owned(), 1),
            ("ident_open".to_owned(), 2)
        ]
    );

    // Retention of February: two DROP TABLEs, and nothing of February is found any more.
    sqlx::raw_sql("DROP TABLE version_2026_02, ident_2026_02")
        .execute(&mut conn)
        .await
        .unwrap();
    let found: Vec<(i64, i64, Option<i64>)> = store
        .versions_by_index(&[key(1, 1), key(2, 2), key(3, 3)])
        .await
        .unwrap()
        .iter()
        .map(|v| (v.id, v.valid_from, v.valid_to))
        .collect();
    assert_eq!(
        found,
        [
            (3, jan, None),
            (4, feb + 10, Some(mar + 10)),
            (5, mar + 10, None)
        ]
    );
    conn.close().await.unwrap();
    store.close().await;
}

/// Ends every session of the store (as a server restart does), from another connection.
async fn kill_store_sessions(admin: &mut PgConnection) -> i64 {
    sqlx::query_scalar(
        "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
         WHERE datname = current_database() AND application_name = 'tdip'
           AND pid <> pg_backend_pid()",
    )
    .fetch_one(admin)
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lost_connection_applies_nothing_and_reads_recover() {
    let dbs = TestDatabases::new();
    let url = dbs.fresh_url().await;
    let store = PgStore::connect(&url).await.unwrap();
    store.add_provider(&provider("kpn")).await.unwrap();
    let version = |key_byte: u8, from: i64| NewVersion {
        sub_key: key(key_byte, key_byte),
        valid_from: from,
        seen_before: None,
        sealed: vec![key_byte],
    };
    let mut tx = store.begin_delivery("kpn").await.unwrap();
    let first = tx.insert_versions(&[version(1, 100)]).await.unwrap();
    tx.insert_indexes(&[(key(1, 1), first[0])]).await.unwrap();
    tx.commit(&log("kpn", 100, DeliveryOutcome::Accepted))
        .await
        .unwrap();

    // The next delivery loses its connection half-way (the server ends every session).
    let mut admin = PgConnection::connect(&url).await.unwrap();
    let mut tx = store.begin_delivery("kpn").await.unwrap();
    let second = tx.insert_versions(&[version(1, 200)]).await.unwrap();
    tx.close_versions(&closed(&first), 200, 150).await.unwrap();
    assert!(kill_store_sessions(&mut admin).await >= 1);
    let err = tx
        .insert_indexes(&[(key(1, 1), second[0])])
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Unavailable(_)), "{err}");
    drop(tx);

    // Reads go on, on new connections, and see the state before that delivery.
    let seen = store.versions_by_index(&[key(1, 1)]).await.unwrap();
    assert_eq!(
        seen.iter().map(|v| (v.id, v.valid_to)).collect::<Vec<_>>(),
        [(first[0], None)]
    );
    assert_eq!(store.deliveries(None, 10).await.unwrap().len(), 1);

    // Idle pooled connections that the server ended are replaced, not handed out.
    kill_store_sessions(&mut admin).await;
    assert_eq!(store.providers().await.unwrap().len(), 1);

    // The same delivery, sent again, applies whole.
    let mut tx = store.begin_delivery("kpn").await.unwrap();
    let second = tx.insert_versions(&[version(1, 200)]).await.unwrap();
    tx.insert_indexes(&[(key(1, 1), second[0])]).await.unwrap();
    tx.close_versions(&closed(&first), 200, 150).await.unwrap();
    tx.commit(&log("kpn", 200, DeliveryOutcome::Accepted))
        .await
        .unwrap();
    let seen = store.versions_by_index(&[key(1, 1)]).await.unwrap();
    assert_eq!(
        seen.iter()
            .map(|v| (v.valid_from, v.valid_to))
            .collect::<Vec<_>>(),
        [(100, Some(200)), (200, None)]
    );
    admin.close().await.unwrap();
    store.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn waits_past_the_timeout_fail_as_busy_and_change_nothing() {
    let dbs = TestDatabases::new();
    let url = dbs.fresh_url().await;
    let options: sqlx::postgres::PgConnectOptions = url.parse().unwrap();
    let store = PgStore::connect_with(options, std::time::Duration::from_millis(300))
        .await
        .unwrap();
    store.add_provider(&provider("kpn")).await.unwrap();

    // Another session holds the tables (as a long maintenance statement would).
    let mut admin = PgConnection::connect(&url).await.unwrap();
    let mut hold = admin.begin().await.unwrap();
    sqlx::raw_sql("LOCK TABLE delivery, version IN ACCESS EXCLUSIVE MODE")
        .execute(&mut *hold)
        .await
        .unwrap();
    let started = std::time::Instant::now();
    let err = store.deliveries(None, 10).await.unwrap_err();
    assert!(matches!(err, StoreError::Busy), "{err}");
    let err = store.versions_by_index(&[key(1, 1)]).await.unwrap_err();
    assert!(matches!(err, StoreError::Busy), "{err}");
    let err = store
        .record_rejected(&log("kpn", 100, DeliveryOutcome::Rejected))
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Busy), "{err}");
    assert!(
        started.elapsed() < std::time::Duration::from_secs(20),
        "three waits of 300 ms took {:?}",
        started.elapsed()
    );
    hold.rollback().await.unwrap();

    assert!(store.deliveries(None, 10).await.unwrap().is_empty());
    store
        .record_rejected(&log("kpn", 100, DeliveryOutcome::Rejected))
        .await
        .unwrap();
    assert_eq!(store.deliveries(None, 10).await.unwrap().len(), 1);
    admin.close().await.unwrap();
    store.close().await;
}

/// A version as stored: id, valid from, valid to, seen before, sealed blob.
type Stored = (i64, i64, Option<i64>, Option<i64>, Vec<u8>);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_store_of_migration_1_keeps_its_history_through_migration_2() {
    use sqlx::SqlSafeStr;
    use sqlx::migrate::{Migration, MigrationType, Migrator};
    let dbs = TestDatabases::new();
    let url = dbs.fresh_url().await;
    let mut conn = PgConnection::connect(&url).await.unwrap();
    let first = Migrator::with_migrations(vec![Migration::new(
        1,
        "init".into(),
        MigrationType::Simple,
        include_str!("../migrations/0001_init.sql").into_sql_str(),
        false,
    )]);
    first.run(&mut conn).await.unwrap();
    // Subscription 1: closed in November 2023, then open; subscription 2: closed in
    // September 2026.
    sqlx::raw_sql(
        "INSERT INTO provider VALUES ('kpn', 'KPN', 'NL', 'Europe/Amsterdam', 0);
         INSERT INTO version VALUES
             (1, 'kpn', '\\x01010101010101010101010101010101', 1, 100, NULL, 1700000000,
              1699999999, '\\x01'),
             (2, 'kpn', '\\x01010101010101010101010101010101', 2, 1700000000, NULL, NULL,
              NULL, '\\x02'),
             (3, 'kpn', '\\x02020202020202020202020202020202', 2, 1700000000, 1600000000,
              1790000000, 1789999999, '\\x03');
         INSERT INTO ident VALUES (-9151031864016699135, 1, 'kpn'), (-9151031864016699135, 2, 'kpn'),
                                  (-9078691691178622462, 3, 'kpn');",
    )
    .execute(&mut conn)
    .await
    .unwrap();
    let before: Vec<Stored> = sqlx::query_as(
        "SELECT id, valid_from, valid_to, seen_before, sealed FROM version ORDER BY id",
    )
    .fetch_all(&mut conn)
    .await
    .unwrap();

    let store = PgStore::connect(&url).await.unwrap();
    let found = store
        .versions_by_index(&[key(1, 1), key(2, 2)])
        .await
        .unwrap();
    let after: Vec<Stored> = found
        .iter()
        .map(|v| {
            (
                v.id,
                v.valid_from,
                v.valid_to,
                v.seen_before,
                v.sealed.clone(),
            )
        })
        .collect();
    assert_eq!(after, before);
    let placed: Vec<String> =
        sqlx::query_scalar("SELECT tableoid::regclass::text FROM version ORDER BY id")
            .fetch_all(&mut conn)
            .await
            .unwrap();
    assert_eq!(
        placed,
        ["version_2023_11", "version_open", "version_2026_09"]
    );
    let tables: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM pg_class WHERE relname IN ('version_v1', 'ident_v1')",
    )
    .fetch_one(&mut conn)
    .await
    .unwrap();
    assert_eq!(tables, 0, "the tables of migration 1 are gone");
    conn.close().await.unwrap();
    store.close().await;
}

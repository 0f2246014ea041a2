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
use tdip_store::sqlite::SqliteStore;
use tdip_store::{
    BlindIndex, DeliveryOutcome, DeliveryRecord, DeliverySpan, DeliveryTx, NewDelivery, NewVersion,
    Provider, Store, StoreError, VersionRow,
};
use tdip_store_pg::PgStore;

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
    tx.close_versions(&[first[0], first[2]], 200, 100)
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
        .close_versions(&[first[1], first[0], second[0]], 300, 200)
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
    assert_eq!(every[0].sealed, noise());
    assert_eq!(every[1].sealed, all_bytes());
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

    let mut conn = PgConnection::connect(&url).await.unwrap();
    let insert = "INSERT INTO version (id, provider, sub_key, opened_by, valid_from, valid_to,
                                       last_seen, sealed)
                  VALUES ($1, $2, $3, 1, $4, $5, $6, '\\x00')";
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
    for (id, from, to) in [(4, 150, None), (5, 50, Some(101)), (6, 300, Some(400))] {
        let err = row(id, "proximus", from, to)
            .execute(&mut conn)
            .await
            .expect_err("an overlapping version must be refused");
        let code = err
            .as_database_error()
            .and_then(|e| e.code())
            .map(|c| c.into_owned());
        assert_eq!(code.as_deref(), Some("23P01"), "{err}");
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
    tx.insert_versions(&[version(100)]).await.unwrap();
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
    assert!(message.contains("version_no_overlap"), "{message}");
    assert!(
        !message.contains("secret") && !message.contains("\\x"),
        "{message}"
    );
    assert_eq!(store.deliveries(None, 10).await.unwrap().len(), 1);

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

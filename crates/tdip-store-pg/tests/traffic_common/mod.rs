//! Shared by the traffic tests: databases created per test and dropped when it ends, as
//! `conformance.rs` makes them (needs `TDIP_TEST_PG_URL`, see there), and row builders.

#![allow(dead_code)]

use std::hash::{BuildHasher, RandomState};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use sqlx::{AssertSqlSafe, Connection, PgConnection};
use tdip_store::{BlindIndex, DeliveryOutcome, NewTrafficBatch, TrafficKind, TrafficRow};
use tdip_store_pg::PgStore;

pub const URL_VAR: &str = "TDIP_TEST_PG_URL";

/// Databases created by one test, dropped when it ends (also when it fails).
pub struct TestDatabases {
    pub url: String,
    names: Mutex<Vec<String>>,
}

static COUNTER: AtomicU64 = AtomicU64::new(0);

impl TestDatabases {
    pub fn new() -> Arc<Self> {
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
    pub async fn fresh_url(&self) -> String {
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
    pub async fn fresh_store(&self) -> PgStore {
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
pub fn with_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base, format!("?{query}")),
        None => (url, String::new()),
    };
    let host = base.find("://").map_or(0, |i| i + 3);
    let path = base[host..].find('/').map_or(base.len(), |i| host + i);
    format!("{}/{name}{query}", &base[..path])
}

/// A blind index made of one repeated byte pair.
pub fn key(a: u8, b: u8) -> BlindIndex {
    let mut k = [a; 16];
    k[8..].fill(b);
    BlindIndex(k)
}

/// A closed port-block row of day `day`.
pub fn block(
    batch: i64,
    day: i32,
    k: BlindIndex,
    ports: (u16, u16),
    span: (i64, i64),
) -> TrafficRow {
    TrafficRow {
        batch,
        kind: TrafficKind::PortBlock,
        day,
        key: k,
        net: (4, 32),
        user: None,
        first_port: ports.0,
        last_port: ports.1,
        start: span.0,
        end: Some(span.1),
        sealed: vec![7; 90],
    }
}

/// A batch log entry for `provider`.
pub fn batch_log(provider: &str, id: &str, outcome: DeliveryOutcome) -> NewTrafficBatch {
    NewTrafficBatch {
        provider: provider.into(),
        batch_id: id.into(),
        kind: TrafficKind::PortBlock,
        received_at: 1_700_000_000,
        records: 1,
        closed: 1,
        opened: 0,
        ended: 0,
        errors: 0,
        first_at: 1_700_000_000,
        last_at: 1_700_000_100,
        checksum: [9; 32],
        outcome,
    }
}

/// A provider record.
pub fn provider(id: &str) -> tdip_store::Provider {
    tdip_store::Provider {
        id: id.into(),
        name: id.to_uppercase(),
        country: "NL".into(),
        zone: "Europe/Amsterdam".into(),
        created_at: 0,
    }
}

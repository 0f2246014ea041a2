//! The point's stores on PostgreSQL: the store and the audit log share one connection
//! pool. Needs `TDIP_TEST_PG_URL` (set by `.ci/run`), a server whose user may create
//! databases.

#![cfg(feature = "postgres")]

use std::process::Command;

use tdip_point::store::AnyStore;
use tdip_store::AuditStore;

fn pg_url() -> String {
    std::env::var("TDIP_TEST_PG_URL").expect(
        "set TDIP_TEST_PG_URL (e.g. postgres://postgres@127.0.0.1:5432/postgres) to run the PostgreSQL tests",
    )
}

/// A database of its own for one test, dropped at the end.
struct TempDb {
    admin: String,
    name: String,
}

impl TempDb {
    fn new(tag: &str) -> TempDb {
        let db = TempDb {
            admin: pg_url(),
            name: format!("tdip_point_{tag}_{}", std::process::id()),
        };
        db.psql(&format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", db.name));
        db.psql(&format!("CREATE DATABASE {}", db.name));
        db
    }

    fn url(&self) -> String {
        let (base, query) = match self.admin.split_once('?') {
            Some((b, q)) => (b, format!("?{q}")),
            None => (self.admin.as_str(), String::new()),
        };
        let (server, _) = base
            .rsplit_once('/')
            .expect("a postgres:// URL with a database");
        format!("{server}/{}{query}", self.name)
    }

    fn psql(&self, sql: &str) {
        let out = Command::new("psql")
            .args([&self.admin, "-Atqc", sql])
            .output()
            .expect("psql runs");
        assert!(
            out.status.success(),
            "psql {sql}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

impl Drop for TempDb {
    fn drop(&mut self) {
        let _ = Command::new("psql")
            .args([
                &self.admin,
                "-Atqc",
                &format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name),
            ])
            .output();
    }
}

#[tokio::test]
async fn the_store_and_the_audit_log_share_one_postgresql_pool() {
    let db = TempDb::new("pool");
    let dir = tempfile::tempdir().unwrap();
    let stores = tdip_point::stores::open(&db.url(), dir.path())
        .await
        .unwrap();
    let AnyStore::Postgres(pg) = &stores.store else {
        panic!("a postgres:// URL opens the PostgreSQL store");
    };
    assert!(stores.audit.audit_heads().await.is_ok());
    // Closing the store's pool closes the audit log's: they are one pool.
    pg.close().await;
    assert!(
        stores.audit.audit_heads().await.is_err(),
        "the audit log still reads after the store's pool was closed: it has a pool of its own"
    );
}

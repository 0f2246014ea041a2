//! The conformance suite against the embedded SQLite backend.

use tdip_store::sqlite::{SqliteAudit, SqliteStore};

#[tokio::test]
async fn sqlite_backend_passes_the_conformance_suite() {
    let dir = tempfile::tempdir().unwrap();
    let counter = std::cell::Cell::new(0);
    tdip_store::conformance::run_all(|| {
        counter.set(counter.get() + 1);
        let path = dir.path().join(format!("store-{}.db", counter.get()));
        async move { SqliteStore::open(&path).unwrap() }
    })
    .await;
}

#[test]
fn a_newer_schema_is_refused_with_a_clear_message() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store.db");
    drop(SqliteStore::open(&path).unwrap());
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute_batch("PRAGMA user_version = 99").unwrap();
    drop(conn);
    let err = SqliteStore::open(&path).unwrap_err().to_string();
    assert!(err.contains("newer than this tdip knows"), "{err}");
}

#[tokio::test]
async fn sqlite_audit_log_passes_the_conformance_suite() {
    let dir = tempfile::tempdir().unwrap();
    let audit = SqliteAudit::open(&dir.path().join("audit.db")).unwrap();
    tdip_store::conformance::audit::run_all(&audit).await;
}

//! The conformance suite against the embedded SQLite backend.

use tdip_store_sqlite::{SqliteAudit, SqliteStore};

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

#[tokio::test]
async fn sqlite_access_registry_passes_the_conformance_suite() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("store.db")).unwrap();
    tdip_store::conformance::access::run_all(&store).await;
}

#[tokio::test]
async fn sqlite_backend_passes_the_retention_conformance_suite() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("store.db")).unwrap();
    tdip_store::conformance::retention::run_all(&store).await;
}

#[tokio::test]
async fn sqlite_backend_passes_the_payment_conformance_suite_and_leaves_no_deleted_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store.db");
    let store = SqliteStore::open(&path).unwrap();
    tdip_store::conformance::payments::run_all(&store).await;
    // kpn's January payments (blobs of 11s and 21s; the 21 came back later) went: the
    // 11s must not be in the file any more, the live 12s must.
    drop(store);
    let mut bytes = std::fs::read(&path).unwrap();
    if let Ok(wal) = std::fs::read(dir.path().join("store.db-wal")) {
        bytes.extend(wal);
    }
    let has = |b: u8| bytes.windows(40).any(|w| w == [b; 40]);
    assert!(!has(11), "a deleted payment is still in the file");
    assert!(has(12), "the scan is vacuous: a live payment is not found");
}

/// Deleted versions leave no byte of theirs in the file: `secure_delete` zeroes their
/// pages, and the WAL is truncated after the delete.
#[tokio::test]
async fn deleted_versions_leave_no_bytes_in_the_database_file() {
    use tdip_store::{RetentionStore, Store};
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store.db");
    let store = SqliteStore::open(&path).unwrap();
    tdip_store::conformance::retention::run_all(&store).await;
    // run_all deleted kpn's January: versions 1 and 2 (blobs of byte 1 and 2 repeated).
    // ziggo's January version (blob of 5s) went too. Their distinctive 48-byte blobs must
    // not be anywhere in the files.
    drop(store);
    let mut bytes = std::fs::read(&path).unwrap();
    if let Ok(wal) = std::fs::read(dir.path().join("store.db-wal")) {
        bytes.extend(wal);
    }
    for gone in [1u8, 2, 5] {
        let blob = [gone; 48];
        assert!(
            !bytes.windows(48).any(|w| w == blob),
            "the blob of deleted version {gone} is still in the file"
        );
    }
    // The open version's blob (byte 4) was closed again with "late": the file still holds
    // what is live, so the scan above is not vacuous.
    let store = SqliteStore::open(&path).unwrap();
    assert_eq!(
        store
            .closed_in("kpn", tdip_store::conformance::retention::JANUARY)
            .await
            .unwrap()
            .versions,
        1
    );
    assert!(store.provider_rows("kpn").await.unwrap().versions >= 2);
}

fn officer_1() -> tdip_store::Officer {
    tdip_store::Officer {
        agency: "nl/politie".into(),
        id: "1".into(),
        name: "Officer 1".into(),
        registered_at: 0,
        valid_until: None,
        suspended: None,
    }
}

#[tokio::test]
async fn a_store_of_migration_1_gains_the_access_registry_and_keeps_its_data() {
    use tdip_store::{AccessStore, Store};
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store.db");
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute_batch(include_str!("../src/0001_init.sql"))
        .unwrap();
    conn.execute_batch(
        "PRAGMA user_version = 1;
         INSERT INTO provider VALUES ('kpn', 'KPN', 'NL', 'Europe/Amsterdam', 0);",
    )
    .unwrap();
    drop(conn);

    let store = SqliteStore::open(&path).unwrap();
    assert_eq!(store.providers().await.unwrap()[0].id, "kpn");
    let officer = officer_1();
    store.add_officer(&officer).await.unwrap();
    assert_eq!(store.officers(None).await.unwrap(), [officer]);
    drop(store);
    let conn = rusqlite::Connection::open(&path).unwrap();
    let version: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    // Every later migration applies too (2 is the access registry's).
    assert!(version >= 2, "schema version {version}");
}

#[tokio::test]
async fn officers_are_read_while_a_delivery_holds_the_write_lock() {
    use tdip_store::{AccessStore, Provider, Store};
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("store.db")).unwrap();
    let officer = officer_1();
    store.add_officer(&officer).await.unwrap();
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
    let tx = store.begin_delivery("kpn").await.unwrap();
    // An authorisation check during a long delivery must not wait for it.
    assert_eq!(
        store.officer("nl/politie", "1").await.unwrap(),
        Some(officer)
    );
    assert!(store.agency_suspensions().await.unwrap().is_empty());
    drop(tx);
}

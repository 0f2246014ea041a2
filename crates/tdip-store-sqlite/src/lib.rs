//! The embedded SQLite backend, the default store.
//!
//! One file in WAL mode. Readers take a connection from a small pool; a delivery opens
//! its own connection and holds SQLite's single write lock (`BEGIN IMMEDIATE`) until it
//! commits, so a delivery is applied atomically or not at all. Commits use
//! `synchronous = FULL`: an acknowledged delivery survives a crash or power loss.

mod access;
mod audit;
mod comm;
mod comm_tx;
mod delivery;
mod payments;
mod read;
mod retention;
mod traffic;
mod traffic_compact;
mod traffic_rows;
mod traffic_tx;

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;

use rusqlite::{Connection, OpenFlags};

use tdip_store::{StoreError, StoreResult};

pub use audit::SqliteAudit;
pub use delivery::SqliteDelivery;
pub use traffic_tx::SqliteTrafficBatch;

/// Migrations in order; index + 1 is the schema version in `PRAGMA user_version`.
const MIGRATIONS: &[&str] = &[
    include_str!("0001_init.sql"),
    include_str!("0002_access.sql"),
    include_str!("0003_traffic.sql"),
    include_str!("0004_comm.sql"),
    include_str!("0005_retention.sql"),
    include_str!("0006_payments.sql"),
];

/// The SQLite store.
pub struct SqliteStore {
    path: PathBuf,
    readers: Mutex<Vec<Connection>>,
}

impl std::fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteStore")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

impl SqliteStore {
    /// Opens (creating if needed) the store at `path` and applies pending migrations.
    pub fn open(path: &Path) -> StoreResult<Self> {
        let conn = connect(path)?;
        migrate(&conn, MIGRATIONS)?;
        Ok(SqliteStore {
            path: path.to_owned(),
            readers: Mutex::new(vec![conn]),
        })
    }

    /// Copies the write-ahead log into the database file and truncates it.
    ///
    /// A delivery's commit makes it durable in the WAL; copying it into the main file is
    /// left out of the commit so that acknowledging a delivery does not wait for it. Call
    /// this after a delivery, or periodically; SQLite also does it when the last
    /// connection closes.
    pub fn checkpoint(&self) -> StoreResult<()> {
        self.read(|c| c.execute_batch("PRAGMA wal_checkpoint(TRUNCATE)"))
    }

    /// Runs `f` on a pooled read connection.
    fn read<T>(&self, f: impl FnOnce(&Connection) -> rusqlite::Result<T>) -> StoreResult<T> {
        let conn = self.readers.lock().expect("reader pool lock").pop();
        let conn = match conn {
            Some(c) => c,
            None => connect(&self.path)?,
        };
        let out = f(&conn).map_err(backend);
        self.readers.lock().expect("reader pool lock").push(conn);
        out
    }
}

fn connect(path: &Path) -> StoreResult<Connection> {
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
        | OpenFlags::SQLITE_OPEN_CREATE
        | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags(path, flags)
        .map_err(|e| StoreError::Unavailable(format!("cannot open {}: {e}", path.display())))?;
    conn.busy_timeout(Duration::from_secs(30))
        .map_err(backend)?;
    conn.execute_batch(
        "PRAGMA journal_mode = WAL;
         PRAGMA synchronous = FULL;
         PRAGMA foreign_keys = ON;
         PRAGMA temp_store = MEMORY;
         PRAGMA cache_size = -262144;",
    )
    .map_err(backend)?;
    // Room for the statements of a 30-day communications lookup (two per day table)
    // beside the others, so a lookup does not push out the statements it uses next.
    conn.set_prepared_statement_cache_capacity(256);
    Ok(conn)
}

fn migrate(conn: &Connection, migrations: &[&str]) -> StoreResult<()> {
    let current: usize = conn
        .query_row("PRAGMA user_version", [], |r| r.get::<_, i64>(0))
        .map_err(backend)? as usize;
    if current > migrations.len() {
        return Err(StoreError::Corrupt(format!(
            "database schema version {current} is newer than this tdip knows ({}); upgrade tdip",
            migrations.len()
        )));
    }
    for (i, sql) in migrations.iter().enumerate().skip(current) {
        let batch = format!(
            "BEGIN IMMEDIATE; {sql}; PRAGMA user_version = {}; COMMIT;",
            i + 1
        );
        conn.execute_batch(&batch).map_err(backend)?;
    }
    Ok(())
}

/// The 64-bit key under which a blind index is stored: its first eight bytes, ordered
/// as the bytes are (big-endian, sign bit flipped), so index pairs sorted by blind index
/// are appended to the B-tree in key order.
pub(crate) fn short_index(idx: &tdip_store::BlindIndex) -> i64 {
    i64::from_be_bytes(idx.0[..8].try_into().expect("8 bytes")) ^ i64::MIN
}

pub(crate) fn backend(e: rusqlite::Error) -> StoreError {
    match e {
        rusqlite::Error::SqliteFailure(f, _)
            if f.code == rusqlite::ErrorCode::DatabaseBusy
                || f.code == rusqlite::ErrorCode::DatabaseLocked =>
        {
            StoreError::Busy
        }
        rusqlite::Error::SqliteFailure(f, msg)
            if f.code == rusqlite::ErrorCode::ConstraintViolation =>
        {
            StoreError::Conflict(msg.unwrap_or_else(|| "constraint violated".into()))
        }
        other => StoreError::Backend(other.to_string()),
    }
}

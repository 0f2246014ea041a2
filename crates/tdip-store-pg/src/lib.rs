//! The PostgreSQL backend of tdip's storage traits ([`tdip_store::Store`],
//! [`tdip_store::DeliveryTx`], [`tdip_store::AuditStore`], [`tdip_store::AccessStore`],
//! [`tdip_store::TrafficStore`]; traffic days partitioned by UTC day, see `traffic`).
//!
//! It behaves exactly as the embedded SQLite backend (`tdip_store_sqlite`): the
//! conformance suite `tdip_store::conformance::run_all` is the judge. A small pool of
//! connections serves reads; a delivery takes one pooled connection, opens a transaction
//! and holds a transaction-level advisory lock until it commits or is dropped, so one
//! delivery is applied at a time, atomically or not at all (like SQLite's single writer).
//! Bulk writes (versions, blind indexes) use binary `COPY`.
//!
//! The schema is this crate's own (`migrations/`, applied by [`PgStore::connect`]);
//! released migrations are never edited. Queries are built at run time: building this
//! crate never needs a database.

mod access;
mod audit;
mod cells;
mod comm;
mod comm_tx;
mod copy;
mod delivery;
mod error;
mod months;
mod payments;
mod read;
mod retention;
mod traffic;
mod traffic_remote;
mod traffic_tx;

use std::str::FromStr;
use std::time::Duration;

use sqlx::migrate::{MigrateError, Migration, MigrationType, Migrator};
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::{PgConnection, SqlSafeStr};
use tdip_store::{BlindIndex, StoreError, StoreResult};

pub use delivery::PgDelivery;
use error::backend;
pub use traffic_remote::traffic_day_table;
pub use traffic_tx::PgTrafficBatch;

/// Connections in the pool: a delivery holds one for its whole length, readers share the
/// rest.
const POOL_SIZE: u32 = 8;

/// How long a wait for a lock may last before it fails with [`StoreError::Busy`]
/// (SQLite's busy timeout is the same 30 s); a statement may run twice as long.
const WAIT_TIMEOUT: Duration = Duration::from_secs(30);

/// Raises the statement timeout for the rest of a delivery's transaction once it holds the
/// write lock: bulk `COPY`s of a large provider's first delivery take far longer than a
/// lookup.
const DELIVERY_TIMEOUT: &str = "SET LOCAL statement_timeout = '15min'";

/// New versions from which a delivery is followed by an `ANALYZE` of the open partitions
/// ([`PgStore::after_delivery`]); autovacuum keeps the statistics for smaller changes.
const ANALYZE_AFTER: u64 = 10_000;

/// The `ends_month` of versions still valid (and of their blind indexes): the partition
/// key of migration 2, whose other values are calendar months.
pub(crate) const OPEN_MONTH: i32 = i32::MAX;

/// The key of the advisory lock that serialises deliveries (and writes to the delivery
/// log). Advisory locks are per database, so stores in different databases of one server
/// do not contend.
const WRITE_LOCK: &str = "SELECT pg_advisory_xact_lock(hashtext('tdip-delivery'))";

/// The schema migrations, in order. The version is the file's number and the description
/// its name, as `sqlx::migrate!("./migrations")` would embed them (so the recorded
/// checksums in `_sqlx_migrations` are the same either way); listed by hand because the
/// macro needs sqlx's `macros` feature, which compiles the PostgreSQL driver a second
/// time for the proc-macro. A new migration is a new file and a new line here.
fn migrator() -> Migrator {
    let migration = |version, description: &str, sql: &'static str| {
        Migration::new(
            version,
            description.to_owned().into(),
            MigrationType::Simple,
            sql.into_sql_str(),
            false,
        )
    };
    Migrator::with_migrations(vec![
        migration(1, "init", include_str!("../migrations/0001_init.sql")),
        migration(
            2,
            "month partitions",
            include_str!("../migrations/0002_month_partitions.sql"),
        ),
        migration(3, "audit", include_str!("../migrations/0003_audit.sql")),
        migration(4, "access", include_str!("../migrations/0004_access.sql")),
        migration(
            5,
            "audit by kind",
            include_str!("../migrations/0005_audit_by_kind.sql"),
        ),
        migration(6, "traffic", include_str!("../migrations/0006_traffic.sql")),
        migration(7, "comm", include_str!("../migrations/0007_comm.sql")),
        migration(
            8,
            "payments",
            include_str!("../migrations/0008_payments.sql"),
        ),
    ])
}

/// The PostgreSQL store.
#[derive(Clone)]
pub struct PgStore {
    pool: PgPool,
}

impl std::fmt::Debug for PgStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The connect options hold the password: never print them.
        f.debug_struct("PgStore")
            .field("connections", &self.pool.size())
            .finish_non_exhaustive()
    }
}

impl PgStore {
    /// Connects to the database at `url` (`postgres://user@host:port/database`, with the
    /// usual libpq query parameters such as `sslmode`) and applies pending migrations.
    pub async fn connect(url: &str) -> StoreResult<PgStore> {
        let options = PgConnectOptions::from_str(url).map_err(|e| {
            StoreError::Unavailable(format!(
                "the postgresql url is not valid ({e}); write it as postgres://user@host:port/database"
            ))
        })?;
        Self::connect_with(options, WAIT_TIMEOUT).await
    }

    /// Connects with explicit options and applies pending migrations. `timeout` bounds
    /// each wait for a lock or a pooled connection, and twice `timeout` each statement
    /// (longer, so that a statement held up by a lock fails as [`StoreError::Busy`]; a
    /// delivery raises its statement timeout once it holds the write lock). Both are
    /// added to `options`.
    pub async fn connect_with(
        options: PgConnectOptions,
        timeout: Duration,
    ) -> StoreResult<PgStore> {
        let lock = timeout.as_millis().to_string();
        let statement = (2 * timeout.as_millis()).to_string();
        let options = options.application_name("tdip").options([
            ("statement_timeout", statement.as_str()),
            ("lock_timeout", lock.as_str()),
            // tdip's statements are index probes and bulk COPYs: JIT compilation never
            // pays for itself, and on a freshly loaded table (no statistics yet, so
            // huge estimates) it added ~20 ms to every lookup.
            ("jit", "off"),
            // Plan each prepared statement once: tdip's statements are written so
            // that their generic plans are index probes (see `read` and `months`),
            // and planning for the partitions on every lookup took twice as long as
            // running it.
            ("plan_cache_mode", "force_generic_plan"),
        ]);
        let pool = PgPoolOptions::new()
            .max_connections(POOL_SIZE)
            .acquire_timeout(timeout)
            // Every connection is checked as it leaves the pool, so the connections a
            // server restart killed are replaced rather than handed out.
            .test_before_acquire(true)
            .connect_with(options)
            .await
            .map_err(|e| {
                StoreError::Unavailable(format!(
                    "cannot connect to postgresql ({e}); check that the server runs and the url, user and password are right"
                ))
            })?;
        migrator().run(&pool).await.map_err(migrate_error)?;
        Ok(PgStore { pool })
    }

    /// Refreshes the planner's statistics of the partitions of open versions after a
    /// delivery that added `opened` versions, when that is many: until autovacuum gets
    /// to it, a freshly loaded table has no statistics, and lookups are planned for the
    /// worst case. Called after the delivery is acknowledged, like SQLite's checkpoint.
    pub async fn after_delivery(&self, opened: u64) -> StoreResult<()> {
        if opened < ANALYZE_AFTER {
            return Ok(());
        }
        sqlx::query("ANALYZE version_open, ident_open")
            .execute(&self.pool)
            .await
            .map_err(backend)?;
        Ok(())
    }

    /// Closes every connection of the pool, waiting for those in use to come back.
    pub async fn close(&self) {
        self.pool.close().await;
    }
}

fn migrate_error(e: MigrateError) -> StoreError {
    match e {
        MigrateError::Execute(e) | MigrateError::ExecuteMigration(e, _) => backend(e),
        MigrateError::VersionMissing(v) => StoreError::Corrupt(format!(
            "database schema version {v} is newer than this tdip knows ({}); upgrade tdip",
            migrator().migrations.len()
        )),
        MigrateError::VersionMismatch(v) => StoreError::Corrupt(format!(
            "database schema migration {v} differs from the one this tdip ships; \
             released migrations must not be edited"
        )),
        MigrateError::Dirty(v) => StoreError::Corrupt(format!(
            "database schema migration {v} was left half applied; restore the database \
             from a backup"
        )),
        other => StoreError::Backend(format!("cannot migrate the schema: {other}")),
    }
}

/// Takes the write lock for the rest of the current transaction, waiting for a delivery
/// that holds it; fails with [`StoreError::Busy`] when the wait times out.
async fn lock_writer(conn: &mut PgConnection) -> StoreResult<()> {
    match sqlx::query(WRITE_LOCK).execute(conn).await {
        Ok(_) => Ok(()),
        Err(e) if error::is_timeout(&e) => Err(StoreError::Busy),
        Err(e) => Err(backend(e)),
    }
}

/// The 64-bit key under which a blind index is stored: its first eight bytes, ordered as
/// the bytes are (big-endian, sign bit flipped), the same mapping as the SQLite backend.
pub(crate) fn short_index(idx: &BlindIndex) -> i64 {
    let mut first = [0u8; 8];
    first.copy_from_slice(&idx.0[..8]);
    i64::from_be_bytes(first) ^ i64::MIN
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_indexes_sort_as_the_bytes_do() {
        let mut keys: Vec<BlindIndex> = [0x00u8, 0x01, 0x7f, 0x80, 0xfe, 0xff]
            .iter()
            .map(|b| BlindIndex([*b; 16]))
            .collect();
        keys.sort();
        let shorts: Vec<i64> = keys.iter().map(short_index).collect();
        assert!(shorts.windows(2).all(|w| w[0] < w[1]), "{shorts:?}");
        assert_eq!(short_index(&BlindIndex([0; 16])), i64::MIN);
        assert_eq!(short_index(&BlindIndex([0xff; 16])), i64::MAX);
    }

    #[test]
    fn the_migration_list_matches_the_folder() {
        let files = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/migrations"))
            .expect("migrations folder")
            .count();
        assert_eq!(
            files,
            migrator().migrations.len(),
            "list every migration file"
        );
    }
}

//! The `RetentionStore` implementation of the SQLite backend: a provider's closed versions
//! by the moment they ended (index `version_by_end`, migration 5), deleted a month at a
//! time with their index entries under `secure_delete`, so their pages are zeroed rather
//! than left in the free list, and the WAL checkpointed and truncated afterwards.

use rusqlite::{OptionalExtension, params};
use tdip_store::{ClosedCounts, ClosedMonth, RetentionStore, StoreResult};

use super::{SqliteStore, backend, connect};

const IN_MONTH: &str = "SELECT id FROM version
                        WHERE provider = ?1 AND valid_to >= ?2 AND valid_to < ?3";

impl RetentionStore for SqliteStore {
    async fn oldest_closed_end(&self, provider: &str) -> StoreResult<Option<i64>> {
        self.read(|c| {
            c.query_row(
                "SELECT valid_to FROM version WHERE provider = ?1 AND valid_to IS NOT NULL
                 ORDER BY valid_to LIMIT 1",
                [provider],
                |r| r.get(0),
            )
            .optional()
        })
    }

    async fn closed_versions_in(&self, provider: &str, month: ClosedMonth) -> StoreResult<u64> {
        self.read(|c| versions_in(c, provider, month))
    }

    async fn closed_in(&self, provider: &str, month: ClosedMonth) -> StoreResult<ClosedCounts> {
        self.read(|c| {
            let tx = c.unchecked_transaction()?;
            let counts = counts(&tx, provider, month)?;
            tx.commit()?;
            Ok(counts)
        })
    }

    async fn delete_closed(&self, provider: &str, month: ClosedMonth) -> StoreResult<ClosedCounts> {
        let conn = connect(&self.path)?;
        conn.execute_batch("PRAGMA secure_delete = ON; BEGIN IMMEDIATE")
            .map_err(backend)?;
        let args = params![provider, month.from, month.to];
        let indexes = conn
            .execute(
                &format!("DELETE FROM ident WHERE version_id IN ({IN_MONTH})"),
                args,
            )
            .map_err(backend)?;
        let versions = conn
            .execute(
                "DELETE FROM version WHERE provider = ?1 AND valid_to >= ?2 AND valid_to < ?3",
                args,
            )
            .map_err(backend)?;
        conn.execute_batch("COMMIT").map_err(backend)?;
        conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE)")
            .map_err(backend)?;
        Ok(ClosedCounts {
            versions: versions as u64,
            indexes: indexes as u64,
        })
    }
}

fn counts(
    c: &rusqlite::Connection,
    provider: &str,
    month: ClosedMonth,
) -> rusqlite::Result<ClosedCounts> {
    let indexes: i64 = c.query_row(
        &format!("SELECT COUNT(*) FROM ident WHERE version_id IN ({IN_MONTH})"),
        params![provider, month.from, month.to],
        |r| r.get(0),
    )?;
    Ok(ClosedCounts {
        versions: versions_in(c, provider, month)?,
        indexes: indexes as u64,
    })
}

/// The versions of `provider` that ended in `month` (an index range of `version_by_end`).
fn versions_in(
    c: &rusqlite::Connection,
    provider: &str,
    month: ClosedMonth,
) -> rusqlite::Result<u64> {
    let n: i64 = c.query_row(
        "SELECT COUNT(*) FROM version WHERE provider = ?1 AND valid_to >= ?2 AND valid_to < ?3",
        params![provider, month.from, month.to],
        |r| r.get(0),
    )?;
    Ok(n as u64)
}

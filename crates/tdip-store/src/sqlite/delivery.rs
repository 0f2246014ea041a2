//! One delivery as one SQLite write transaction on its own connection.

use rusqlite::{Connection, params};

use super::backend;
use super::read::insert_delivery;
use crate::{BlindIndex, DeliveryTx, NewDelivery, NewVersion, StoreError, StoreResult};

/// Snapshot indexes are stored in chunks so no single blob nears SQLite's 1 GB limit.
const CHUNK: usize = 32 << 20;

/// An open delivery. Holds the database's write lock until commit or drop.
pub struct SqliteDelivery {
    conn: Connection,
    provider: String,
    delivery_id: i64,
    next_version: i64,
    committed: bool,
}

impl SqliteDelivery {
    pub(super) fn begin(conn: Connection, provider: &str) -> StoreResult<Self> {
        conn.execute_batch("BEGIN IMMEDIATE").map_err(backend)?;
        let exists: bool = conn
            .query_row(
                "SELECT EXISTS (SELECT 1 FROM provider WHERE id = ?1)",
                [provider],
                |r| r.get(0),
            )
            .map_err(backend)?;
        if !exists {
            return Err(StoreError::NotFound(format!("provider {provider}")));
        }
        let (delivery_id, next_version): (i64, i64) = conn
            .query_row(
                "SELECT (SELECT COALESCE(MAX(id), 0) + 1 FROM delivery),
                        (SELECT COALESCE(MAX(id), 0) + 1 FROM version)",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .map_err(backend)?;
        Ok(SqliteDelivery {
            conn,
            provider: provider.to_owned(),
            delivery_id,
            next_version,
            committed: false,
        })
    }
}

impl Drop for SqliteDelivery {
    fn drop(&mut self) {
        if !self.committed {
            // Rolling back is also what SQLite does when the connection closes; doing it
            // explicitly keeps the WAL small. An error here changes nothing durable.
            let _ = self.conn.execute_batch("ROLLBACK");
        }
    }
}

impl DeliveryTx for SqliteDelivery {
    fn delivery_id(&self) -> i64 {
        self.delivery_id
    }

    async fn snapshot(&mut self) -> StoreResult<Vec<u8>> {
        let mut st = self
            .conn
            .prepare_cached("SELECT data FROM snapshot_chunk WHERE provider = ?1 ORDER BY seq")
            .map_err(backend)?;
        let mut out = Vec::new();
        let mut rows = st.query([&self.provider]).map_err(backend)?;
        while let Some(row) = rows.next().map_err(backend)? {
            let chunk = row
                .get_ref(0)
                .map_err(backend)?
                .as_blob()
                .map_err(|e| backend(e.into()))?;
            out.extend_from_slice(chunk);
        }
        Ok(out)
    }

    async fn insert_versions(&mut self, versions: &[NewVersion]) -> StoreResult<Vec<i64>> {
        let mut st = self
            .conn
            .prepare_cached(
                "INSERT INTO version (id, provider, sub_key, opened_by, valid_from, seen_before, sealed)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )
            .map_err(backend)?;
        let mut ids = Vec::with_capacity(versions.len());
        for v in versions {
            let id = self.next_version;
            st.execute(params![
                id,
                self.provider,
                &v.sub_key.0[..],
                self.delivery_id,
                v.valid_from,
                v.seen_before,
                v.sealed
            ])
            .map_err(backend)?;
            self.next_version += 1;
            ids.push(id);
        }
        Ok(ids)
    }

    async fn close_versions(
        &mut self,
        ids: &[i64],
        valid_to: i64,
        last_seen: i64,
    ) -> StoreResult<()> {
        let mut st = self
            .conn
            .prepare_cached(
                "UPDATE version SET valid_to = ?2, last_seen = ?3
                 WHERE id = ?1 AND provider = ?4 AND valid_to IS NULL",
            )
            .map_err(backend)?;
        for id in ids {
            let n = st
                .execute(params![id, valid_to, last_seen, self.provider])
                .map_err(backend)?;
            if n != 1 {
                return Err(StoreError::Conflict(format!(
                    "version {id} is not an open version of provider {}",
                    self.provider
                )));
            }
        }
        Ok(())
    }

    async fn insert_indexes(&mut self, pairs: &[(BlindIndex, i64)]) -> StoreResult<()> {
        let mut st = self
            .conn
            .prepare_cached("INSERT OR IGNORE INTO ident (bidx, version_id) VALUES (?1, ?2)")
            .map_err(backend)?;
        for (idx, id) in pairs {
            st.execute(params![&idx.0[..], id]).map_err(backend)?;
        }
        Ok(())
    }

    async fn add_prefix_lengths(&mut self, lengths: &[(u8, u8)]) -> StoreResult<()> {
        let mut st = self
            .conn
            .prepare_cached("INSERT OR IGNORE INTO ip_prefix_len (family, len) VALUES (?1, ?2)")
            .map_err(backend)?;
        for (family, len) in lengths {
            st.execute(params![family, len]).map_err(backend)?;
        }
        Ok(())
    }

    async fn put_snapshot(&mut self, data: &[u8]) -> StoreResult<()> {
        self.conn
            .execute(
                "DELETE FROM snapshot_chunk WHERE provider = ?1",
                [&self.provider],
            )
            .map_err(backend)?;
        let mut st = self
            .conn
            .prepare_cached("INSERT INTO snapshot_chunk (provider, seq, data) VALUES (?1, ?2, ?3)")
            .map_err(backend)?;
        for (seq, chunk) in data.chunks(CHUNK).enumerate() {
            st.execute(params![self.provider, seq as i64, chunk])
                .map_err(backend)?;
        }
        Ok(())
    }

    async fn commit(mut self, d: &NewDelivery) -> StoreResult<i64> {
        if d.provider != self.provider {
            return Err(StoreError::Conflict(
                "delivery log entry names another provider".into(),
            ));
        }
        insert_delivery(&self.conn, Some(self.delivery_id), d).map_err(backend)?;
        self.conn.execute_batch("COMMIT").map_err(backend)?;
        self.committed = true;
        Ok(self.delivery_id)
    }
}

//! One delivery as one SQLite write transaction on its own connection.

use rusqlite::{Connection, OptionalExtension, params};

use super::read::{insert_delivery, version_row};
use super::{backend, short_index};
use tdip_store::{
    BlindIndex, DeliveryTx, NewDelivery, NewPayment, NewVersion, StoreError, StoreResult,
    VersionRow,
};

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
        // A delivery may write hundreds of megabytes. Its pages are mostly appended, so a
        // moderate cache lets SQLite spill finished pages to the WAL while the delivery
        // streams, and the commit only waits for the fsync. The checkpoint is left to
        // `SqliteStore::checkpoint`, out of the path that acknowledges the delivery.
        conn.execute_batch(
            "PRAGMA cache_size = -131072; PRAGMA wal_autocheckpoint = 0; BEGIN IMMEDIATE",
        )
        .map_err(backend)?;
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

/// Versions per INSERT statement.
const VERSION_ROWS: usize = 64;

fn version_insert(rows: usize) -> String {
    let mut sql = String::from(
        "INSERT INTO version (id, provider, sub_key, opened_by, valid_from, seen_before, sealed) VALUES ",
    );
    for i in 0..rows {
        sql.push_str(if i == 0 {
            "(?,?,?,?,?,?,?)"
        } else {
            ",(?,?,?,?,?,?,?)"
        });
    }
    sql
}

fn bind_versions(
    st: &mut rusqlite::Statement<'_>,
    versions: &[NewVersion],
    first_id: i64,
    provider: &str,
    delivery_id: i64,
) -> StoreResult<i64> {
    let mut id = first_id;
    for (i, v) in versions.iter().enumerate() {
        let p = 7 * i;
        st.raw_bind_parameter(p + 1, id).map_err(backend)?;
        st.raw_bind_parameter(p + 2, provider).map_err(backend)?;
        st.raw_bind_parameter(p + 3, &v.sub_key.0[..])
            .map_err(backend)?;
        st.raw_bind_parameter(p + 4, delivery_id).map_err(backend)?;
        st.raw_bind_parameter(p + 5, v.valid_from)
            .map_err(backend)?;
        st.raw_bind_parameter(p + 6, v.seen_before)
            .map_err(backend)?;
        st.raw_bind_parameter(p + 7, &v.sealed[..])
            .map_err(backend)?;
        id += 1;
    }
    st.raw_execute().map_err(backend)?;
    Ok(id)
}

/// Index pairs per INSERT statement.
const INDEX_ROWS: usize = 256;

fn index_insert(rows: usize) -> String {
    let mut sql = String::from("INSERT OR IGNORE INTO ident (bidx, version_id) VALUES ");
    for i in 0..rows {
        sql.push_str(if i == 0 { "(?,?)" } else { ",(?,?)" });
    }
    sql
}

fn bind_pairs(st: &mut rusqlite::Statement<'_>, pairs: &[(BlindIndex, i64)]) -> StoreResult<()> {
    for (i, (idx, id)) in pairs.iter().enumerate() {
        st.raw_bind_parameter(2 * i + 1, short_index(idx))
            .map_err(backend)?;
        st.raw_bind_parameter(2 * i + 2, id).map_err(backend)?;
    }
    st.raw_execute().map_err(backend)?;
    Ok(())
}

impl SqliteDelivery {
    pub(super) fn conn(&self) -> &Connection {
        &self.conn
    }

    pub(super) fn provider(&self) -> &str {
        &self.provider
    }

    pub(super) fn delivery_id_now(&self) -> i64 {
        self.delivery_id
    }

    fn write_part(&mut self, part: i64, data: &[u8]) -> StoreResult<()> {
        let mut st = self
            .conn
            .prepare_cached(
                "INSERT INTO snapshot_chunk (provider, part, seq, data) VALUES (?1, ?2, ?3, ?4)",
            )
            .map_err(backend)?;
        for (seq, chunk) in data.chunks(CHUNK).enumerate() {
            st.execute(params![self.provider, part, seq as i64, chunk])
                .map_err(backend)?;
        }
        Ok(())
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

    async fn snapshot(&mut self) -> StoreResult<Vec<Vec<u8>>> {
        let mut st = self
            .conn
            .prepare_cached(
                "SELECT part, data FROM snapshot_chunk WHERE provider = ?1 ORDER BY part, seq",
            )
            .map_err(backend)?;
        let mut parts: Vec<(i64, Vec<u8>)> = Vec::new();
        let mut rows = st.query([&self.provider]).map_err(backend)?;
        while let Some(row) = rows.next().map_err(backend)? {
            let part: i64 = row.get(0).map_err(backend)?;
            let chunk = row
                .get_ref(1)
                .map_err(backend)?
                .as_blob()
                .map_err(|e| backend(e.into()))?;
            match parts.last_mut() {
                Some((p, data)) if *p == part => data.extend_from_slice(chunk),
                _ => parts.push((part, chunk.to_vec())),
            }
        }
        Ok(parts.into_iter().map(|(_, data)| data).collect())
    }

    async fn insert_versions(&mut self, versions: &[NewVersion]) -> StoreResult<Vec<i64>> {
        let first = self.next_version;
        let mut chunks = versions.chunks_exact(VERSION_ROWS);
        let mut st = self
            .conn
            .prepare_cached(&version_insert(VERSION_ROWS))
            .map_err(backend)?;
        let mut id = first;
        for chunk in &mut chunks {
            id = bind_versions(&mut st, chunk, id, &self.provider, self.delivery_id)?;
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut st = self
                .conn
                .prepare(&version_insert(rest.len()))
                .map_err(backend)?;
            id = bind_versions(&mut st, rest, id, &self.provider, self.delivery_id)?;
        }
        self.next_version = id;
        Ok((first..id).collect())
    }

    async fn open_versions(&mut self, ids: &[i64]) -> StoreResult<Vec<VersionRow>> {
        let mut st = self
            .conn
            .prepare_cached(
                "SELECT id, provider, sub_key, opened_by, valid_from, seen_before, valid_to,
                        last_seen, sealed
                 FROM version WHERE id = ?1 AND provider = ?2 AND valid_to IS NULL",
            )
            .map_err(backend)?;
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            let row = st
                .query_row(params![id, self.provider], version_row)
                .optional()
                .map_err(backend)?;
            out.push(row.ok_or_else(|| not_open(*id, &self.provider))?);
        }
        Ok(out)
    }

    async fn close_versions(
        &mut self,
        closes: &[(i64, Vec<u8>)],
        valid_to: i64,
        last_seen: i64,
    ) -> StoreResult<()> {
        let mut st = self
            .conn
            .prepare_cached(
                "UPDATE version SET valid_to = ?2, last_seen = ?3, sealed = ?5
                 WHERE id = ?1 AND provider = ?4 AND valid_to IS NULL",
            )
            .map_err(backend)?;
        for (id, sealed) in closes {
            let n = st
                .execute(params![id, valid_to, last_seen, self.provider, sealed])
                .map_err(backend)?;
            if n != 1 {
                return Err(not_open(*id, &self.provider));
            }
        }
        Ok(())
    }

    async fn insert_indexes(&mut self, pairs: &[(BlindIndex, i64)]) -> StoreResult<()> {
        // Many rows per statement: the per-statement overhead dominates for small rows.
        let mut chunks = pairs.chunks_exact(INDEX_ROWS);
        let mut st = self
            .conn
            .prepare_cached(&index_insert(INDEX_ROWS))
            .map_err(backend)?;
        for chunk in &mut chunks {
            bind_pairs(&mut st, chunk)?;
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut st = self
                .conn
                .prepare(&index_insert(rest.len()))
                .map_err(backend)?;
            bind_pairs(&mut st, rest)?;
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

    async fn insert_payments(&mut self, payments: &[NewPayment]) -> StoreResult<u64> {
        self.put_payments(payments)
    }

    async fn put_snapshot(&mut self, data: &[u8]) -> StoreResult<()> {
        self.conn
            .execute(
                "DELETE FROM snapshot_chunk WHERE provider = ?1",
                [&self.provider],
            )
            .map_err(backend)?;
        self.write_part(0, data)
    }

    async fn append_snapshot(&mut self, data: &[u8]) -> StoreResult<()> {
        let part: i64 = self
            .conn
            .query_row(
                "SELECT COALESCE(MAX(part) + 1, 0) FROM snapshot_chunk WHERE provider = ?1",
                [&self.provider],
                |r| r.get(0),
            )
            .map_err(backend)?;
        self.write_part(part, data)
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

fn not_open(id: i64, provider: &str) -> StoreError {
    StoreError::Conflict(format!(
        "version {id} is not an open version of provider {provider}"
    ))
}

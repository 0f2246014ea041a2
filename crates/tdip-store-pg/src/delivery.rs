//! One delivery as one PostgreSQL transaction on one pooled connection.
//!
//! The transaction holds the write lock (a transaction-level advisory lock) from
//! [`PgDelivery::begin`] until commit or rollback, so delivery and version ids are
//! assigned as the SQLite backend assigns them: the next id after the largest stored one,
//! in input order. Versions and blind indexes go in with binary `COPY`.

use std::collections::{HashMap, HashSet};

use sqlx::postgres::{PgPool, Postgres};
use sqlx::{AssertSqlSafe, Connection, Transaction};
use tdip_store::{
    BlindIndex, DeliveryTx, NewDelivery, NewPayment, NewVersion, StoreError, StoreResult,
    VersionRow,
};

use crate::copy::{Field, check_field, copy_in};
use crate::error::{backend, is_connection_lost, read};
use crate::read::{insert_delivery, version_row};
use crate::{DELIVERY_TIMEOUT, OPEN_MONTH, lock_writer, months, short_index};

/// Snapshot indexes are stored in chunks, as in the SQLite backend: no single value nears
/// PostgreSQL's 1 GB field limit, and no single message is huge.
const CHUNK: usize = 32 << 20;

/// An open delivery. Holds the store's write lock until commit or drop; dropping it
/// without [`DeliveryTx::commit`] rolls the transaction back (the rollback is sent when
/// the connection returns to the pool, so drop it inside the Tokio runtime).
///
/// After an error the delivery should be dropped: PostgreSQL refuses further statements
/// in a transaction where one failed (closing a version that is not open is the
/// exception, as it is refused before anything fails in the database).
pub struct PgDelivery {
    tx: Transaction<'static, Postgres>,
    pool: PgPool,
    provider: String,
    delivery_id: i64,
    /// The id of the first version this delivery opens, and of the next one.
    first_version: i64,
    next_version: i64,
    /// Whether the provider had an accepted delivery before: without one it has no
    /// versions that this delivery's new ones could overlap.
    has_history: bool,
    /// Versions this delivery closed, and the months whose partitions it made sure of.
    closed: Vec<i64>,
    months: Vec<i32>,
}

impl std::fmt::Debug for PgDelivery {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgDelivery")
            .field("provider", &self.provider)
            .field("delivery_id", &self.delivery_id)
            .finish_non_exhaustive()
    }
}

impl PgDelivery {
    pub(crate) fn conn(&mut self) -> &mut sqlx::PgConnection {
        &mut self.tx
    }

    pub(crate) fn provider(&self) -> &str {
        &self.provider
    }

    pub(crate) fn id(&self) -> i64 {
        self.delivery_id
    }

    pub(crate) async fn begin(pool: &PgPool, provider: &str) -> StoreResult<Self> {
        months::ensure_current(pool).await?;
        let mut tx = pool.begin().await.map_err(backend)?;
        lock_writer(&mut tx).await?;
        sqlx::query(DELIVERY_TIMEOUT)
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
        let exists: bool =
            sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM provider WHERE id = $1)")
                .bind(provider)
                .fetch_one(&mut *tx)
                .await
                .map_err(backend)?;
        if !exists {
            return Err(StoreError::NotFound(format!("provider {provider}")));
        }
        let (delivery_id, next_version, has_history): (i64, i64, bool) = sqlx::query_as(
            "SELECT (SELECT COALESCE(MAX(id), 0) + 1 FROM delivery),
                    (SELECT COALESCE(MAX(id), 0) + 1 FROM version),
                    EXISTS (SELECT 1 FROM delivery WHERE provider = $1 AND outcome = 'accepted')",
        )
        .bind(provider)
        .fetch_one(&mut *tx)
        .await
        .map_err(backend)?;
        Ok(PgDelivery {
            tx,
            pool: pool.clone(),
            provider: provider.to_owned(),
            delivery_id,
            first_version: next_version,
            next_version,
            has_history,
            closed: Vec::new(),
            months: Vec::new(),
        })
    }

    async fn write_part(&mut self, part: i64, data: &[u8]) -> StoreResult<()> {
        for (seq, chunk) in data.chunks(CHUNK).enumerate() {
            sqlx::query(
                "INSERT INTO snapshot_chunk (provider, part, seq, data) VALUES ($1, $2, $3, $4)",
            )
            .bind(&self.provider)
            .bind(part)
            .bind(seq as i64)
            .bind(chunk)
            .execute(&mut *self.tx)
            .await
            .map_err(backend)?;
        }
        Ok(())
    }

    fn not_open(&self, id: i64) -> StoreError {
        StoreError::Conflict(format!(
            "version {id} is not an open version of provider {}",
            self.provider
        ))
    }
}

/// Decides a commit whose reply was lost with the connection: acknowledged if the
/// delivery log holds this delivery (same id, provider and file checksum), otherwise
/// reported as not applied. Never guesses.
async fn settle_lost_commit(pool: &PgPool, id: i64, d: &NewDelivery) -> StoreResult<i64> {
    let stored: Option<(String, Vec<u8>)> = read(|| {
        sqlx::query_as("SELECT provider, checksum FROM delivery WHERE id = $1")
            .bind(id)
            .fetch_optional(pool)
    })
    .await
    .map_err(|e| {
        StoreError::Unavailable(format!(
            "the connection to postgresql was lost while committing delivery {id}, and \
             whether it was applied cannot be read now ({e}); run `tdip deliveries` when the \
             server is back: it is listed if it was applied"
        ))
    })?;
    match stored {
        Some((provider, checksum)) if provider == d.provider && checksum == d.checksum => Ok(id),
        _ => Err(StoreError::Unavailable(format!(
            "the connection to postgresql was lost while committing delivery {id}; it was not \
             applied, deliver the file again"
        ))),
    }
}

impl DeliveryTx for PgDelivery {
    fn delivery_id(&self) -> i64 {
        self.delivery_id
    }

    async fn snapshot(&mut self) -> StoreResult<Vec<Vec<u8>>> {
        // Chunk by chunk, so a large index is held once, not also as query rows.
        let keys: Vec<(i64, i64)> = sqlx::query_as(
            "SELECT part, seq FROM snapshot_chunk WHERE provider = $1 ORDER BY part, seq",
        )
        .bind(&self.provider)
        .fetch_all(&mut *self.tx)
        .await
        .map_err(backend)?;
        let mut parts: Vec<(i64, Vec<u8>)> = Vec::new();
        for (part, seq) in keys {
            let chunk: Vec<u8> = sqlx::query_scalar(
                "SELECT data FROM snapshot_chunk WHERE provider = $1 AND part = $2 AND seq = $3",
            )
            .bind(&self.provider)
            .bind(part)
            .bind(seq)
            .fetch_one(&mut *self.tx)
            .await
            .map_err(backend)?;
            match parts.last_mut() {
                Some((p, data)) if *p == part => data.extend_from_slice(&chunk),
                _ => parts.push((part, chunk)),
            }
        }
        Ok(parts.into_iter().map(|(_, data)| data).collect())
    }

    async fn insert_versions(&mut self, versions: &[NewVersion]) -> StoreResult<Vec<i64>> {
        if versions.is_empty() {
            return Ok(Vec::new());
        }
        for v in versions {
            check_field(v.sealed.len(), "sealed subscription")?;
        }
        let first = self.next_version;
        let (provider, opened_by) = (self.provider.as_str(), self.delivery_id);
        let mut id = first;
        let stored = copy_in(
            &mut self.tx,
            "version (id, provider, sub_key, opened_by, valid_from, seen_before, sealed)",
            versions,
            |out, v| {
                out.row(&[
                    Field::Int(id),
                    Field::Text(provider),
                    Field::Bytes(&v.sub_key.0),
                    Field::Int(opened_by),
                    Field::Int(v.valid_from),
                    Field::OptInt(v.seen_before),
                    Field::Bytes(&v.sealed),
                ]);
                id += 1;
            },
        )
        .await
        .map_err(backend)?;
        if stored != versions.len() as u64 {
            return Err(StoreError::Backend(format!(
                "postgresql stored {stored} of {} versions; drop the delivery and try again",
                versions.len()
            )));
        }
        self.next_version = id;
        Ok((first..id).collect())
    }

    async fn open_versions(&mut self, ids: &[i64]) -> StoreResult<Vec<VersionRow>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let rows = sqlx::query(AssertSqlSafe(format!(
            "SELECT id, provider, sub_key, opened_by, valid_from, seen_before, valid_to,
                    last_seen, sealed
             FROM version WHERE id = ANY($1) AND provider = $2 AND ends_month = {OPEN_MONTH}"
        )))
        .bind(ids)
        .bind(&self.provider)
        .fetch_all(&mut *self.tx)
        .await
        .map_err(backend)?;
        let mut by_id = HashMap::with_capacity(rows.len());
        for row in &rows {
            let v = version_row(row).map_err(backend)?;
            by_id.insert(v.id, v);
        }
        ids.iter()
            .map(|id| by_id.get(id).cloned().ok_or_else(|| self.not_open(*id)))
            .collect()
    }

    async fn close_versions(
        &mut self,
        closes: &[(i64, Vec<u8>)],
        valid_to: i64,
        last_seen: i64,
    ) -> StoreResult<()> {
        if closes.is_empty() {
            return Ok(());
        }
        let ids: Vec<i64> = closes.iter().map(|(id, _)| *id).collect();
        // Refuse like the SQLite backend, which closes the ids in order up to the first
        // that is not open (or repeats): close that prefix, name the failing id.
        let open: HashSet<i64> = sqlx::query_scalar(AssertSqlSafe(format!(
            "SELECT id FROM version
             WHERE id = ANY($1) AND provider = $2 AND ends_month = {OPEN_MONTH}"
        )))
        .bind(&ids)
        .bind(&self.provider)
        .fetch_all(&mut *self.tx)
        .await
        .map_err(backend)?
        .into_iter()
        .collect();
        let mut closing = HashSet::with_capacity(ids.len());
        let failed_at = ids
            .iter()
            .position(|id| !open.contains(id) || !closing.insert(*id));
        let prefix = &closes[..failed_at.unwrap_or(ids.len())];
        if !prefix.is_empty() {
            months::close(&mut self.tx, prefix, valid_to, last_seen, &mut self.months).await?;
            self.closed.extend(prefix.iter().map(|(id, _)| *id));
        }
        match failed_at {
            Some(i) => Err(self.not_open(ids[i])),
            None => Ok(()),
        }
    }

    async fn insert_indexes(&mut self, pairs: &[(BlindIndex, i64)]) -> StoreResult<()> {
        if pairs.is_empty() {
            return Ok(());
        }
        // The stored key is shortened, so distinct blind indexes can give one key; pairs
        // already stored are skipped, as the SQLite backend's INSERT OR IGNORE does.
        let mut rows: Vec<(i64, i64)> = pairs
            .iter()
            .map(|(idx, id)| (short_index(idx), *id))
            .collect();
        rows.sort_unstable();
        rows.dedup();
        let provider = self.provider.as_str();
        // COPY cannot skip duplicates: try it in a savepoint, and only if a pair was
        // already stored (by an earlier call of this delivery) fall back to an INSERT
        // that skips them.
        let mut savepoint = Connection::begin(&mut *self.tx).await.map_err(backend)?;
        let copied = copy_in(
            &mut savepoint,
            "ident (bidx, version_id, provider)",
            &rows,
            |out, (bidx, id)| out.row(&[Field::Int(*bidx), Field::Int(*id), Field::Text(provider)]),
        )
        .await;
        match copied {
            Ok(_) => savepoint.commit().await.map_err(backend),
            Err(sqlx::Error::Database(e)) if e.is_unique_violation() => {
                savepoint.rollback().await.map_err(backend)?;
                let (bidx, ids): (Vec<i64>, Vec<i64>) = rows.into_iter().unzip();
                sqlx::query(
                    "INSERT INTO ident (bidx, version_id, provider)
                     SELECT b, v, $3 FROM unnest($1::bigint[], $2::bigint[]) AS t(b, v)
                     ON CONFLICT DO NOTHING",
                )
                .bind(&bidx)
                .bind(&ids)
                .bind(provider)
                .execute(&mut *self.tx)
                .await
                .map_err(backend)?;
                Ok(())
            }
            Err(e) => Err(backend(e)),
        }
    }

    async fn add_prefix_lengths(&mut self, lengths: &[(u8, u8)]) -> StoreResult<()> {
        // SQLite's INSERT OR IGNORE also skips rows that fail the family CHECK.
        let (families, lens): (Vec<i16>, Vec<i16>) = lengths
            .iter()
            .filter(|(family, _)| matches!(family, 4 | 6))
            .map(|(family, len)| (i16::from(*family), i16::from(*len)))
            .unzip();
        if families.is_empty() {
            return Ok(());
        }
        sqlx::query(
            "INSERT INTO ip_prefix_len (family, len)
             SELECT * FROM unnest($1::smallint[], $2::smallint[])
             ON CONFLICT DO NOTHING",
        )
        .bind(&families)
        .bind(&lens)
        .execute(&mut *self.tx)
        .await
        .map_err(backend)?;
        Ok(())
    }

    async fn insert_payments(&mut self, payments: &[NewPayment]) -> StoreResult<u64> {
        self.put_payments(payments).await
    }

    async fn put_snapshot(&mut self, data: &[u8]) -> StoreResult<()> {
        sqlx::query("DELETE FROM snapshot_chunk WHERE provider = $1")
            .bind(&self.provider)
            .execute(&mut *self.tx)
            .await
            .map_err(backend)?;
        self.write_part(0, data).await
    }

    async fn append_snapshot(&mut self, data: &[u8]) -> StoreResult<()> {
        let part: i64 = sqlx::query_scalar(
            "SELECT COALESCE(MAX(part) + 1, 0) FROM snapshot_chunk WHERE provider = $1",
        )
        .bind(&self.provider)
        .fetch_one(&mut *self.tx)
        .await
        .map_err(backend)?;
        self.write_part(part, data).await
    }

    async fn commit(self, d: &NewDelivery) -> StoreResult<i64> {
        if d.provider != self.provider {
            return Err(StoreError::Conflict(
                "delivery log entry names another provider".into(),
            ));
        }
        let PgDelivery {
            mut tx,
            pool,
            delivery_id,
            first_version,
            next_version,
            has_history,
            closed,
            ..
        } = self;
        // Without an earlier accepted delivery the provider has no versions that the new
        // ones could overlap.
        let opened = if has_history {
            first_version..next_version
        } else {
            next_version..next_version
        };
        months::check_overlaps(&mut tx, &closed, opened).await?;
        insert_delivery(&mut tx, Some(delivery_id), d).await?;
        // Deferred constraints (no overlapping versions) are checked here.
        match tx.commit().await {
            Ok(()) => Ok(delivery_id),
            Err(e) if is_connection_lost(&e) => {
                // The commit may or may not have been applied before the connection went:
                // the delivery log, read on another connection, tells which.
                settle_lost_commit(&pool, delivery_id, d).await
            }
            Err(e) => Err(backend(e)),
        }
    }
}

//! The `Store` implementation of the PostgreSQL backend (everything but the delivery
//! itself), on pooled connections.

use sqlx::Row;
use sqlx::postgres::PgRow;
use sqlx::{AssertSqlSafe, PgConnection};
use tdip_store::{
    BlindIndex, DeliveryOutcome, DeliveryRecord, DeliverySpan, NewDelivery, Provider, ProviderRows,
    Reseal, Store, StoreError, StoreResult, VersionRow,
};

use crate::error::{backend, read};
use crate::{OPEN_MONTH, PgDelivery, PgStore, lock_writer, short_index};

impl Store for PgStore {
    type Delivery<'a> = PgDelivery;

    async fn add_provider(&self, p: &Provider) -> StoreResult<()> {
        let res = sqlx::query(
            "INSERT INTO provider (id, name, country, zone, created_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(&p.id)
        .bind(&p.name)
        .bind(&p.country)
        .bind(&p.zone)
        .bind(p.created_at)
        .execute(&self.pool)
        .await
        .map_err(backend);
        match res {
            Err(StoreError::Conflict(_)) => Err(StoreError::Conflict(format!(
                "provider {} is already registered",
                p.id
            ))),
            other => other.map(drop),
        }
    }

    async fn provider(&self, id: &str) -> StoreResult<Option<Provider>> {
        let row = read(|| {
            sqlx::query("SELECT id, name, country, zone, created_at FROM provider WHERE id = $1")
                .bind(id)
                .fetch_optional(&self.pool)
        })
        .await?;
        row.as_ref().map(provider_row).transpose()
    }

    async fn providers(&self) -> StoreResult<Vec<Provider>> {
        let rows = read(|| {
            sqlx::query("SELECT id, name, country, zone, created_at FROM provider ORDER BY id")
                .fetch_all(&self.pool)
        })
        .await?;
        rows.iter().map(provider_row).collect()
    }

    async fn deliveries(
        &self,
        provider: Option<&str>,
        limit: u32,
    ) -> StoreResult<Vec<DeliveryRecord>> {
        let rows = read(|| {
            sqlx::query(
                "SELECT id, provider, received_at, snapshot_at, rows, opened, changed, closed,
                        errors, checksum, outcome
                 FROM delivery WHERE $1::text IS NULL OR provider = $1
                 ORDER BY id DESC LIMIT $2",
            )
            .bind(provider)
            .bind(i64::from(limit))
            .fetch_all(&self.pool)
        })
        .await?;
        rows.iter().map(delivery_row).collect()
    }

    async fn delivery_spans(&self) -> StoreResult<Vec<DeliverySpan>> {
        let rows = read(|| {
            sqlx::query(
                "SELECT provider, MIN(snapshot_at), MAX(snapshot_at), MAX(received_at), COUNT(*)
                 FROM delivery WHERE outcome = 'accepted' GROUP BY provider ORDER BY provider",
            )
            .fetch_all(&self.pool)
        })
        .await?;
        rows.iter()
            .map(|r| {
                Ok(DeliverySpan {
                    provider: r.try_get(0)?,
                    first_snapshot: r.try_get(1)?,
                    latest_snapshot: r.try_get(2)?,
                    latest_received: r.try_get(3)?,
                    accepted: r.try_get::<i64, _>(4)? as u64,
                })
            })
            .collect::<Result<_, sqlx::Error>>()
            .map_err(backend)
    }

    async fn provider_spans(
        &self,
        ids: &[&str],
    ) -> StoreResult<Vec<(Provider, Option<DeliverySpan>)>> {
        let ids: Vec<&str> = ids.to_vec();
        let rows = read(|| {
            sqlx::query(
                "SELECT p.id, p.name, p.country, p.zone, p.created_at,
                        s.first, s.latest, s.received, s.accepted
                 FROM provider AS p
                 CROSS JOIN LATERAL (
                     SELECT MIN(snapshot_at) AS first, MAX(snapshot_at) AS latest,
                            MAX(received_at) AS received, COUNT(*) AS accepted
                     FROM delivery WHERE provider = p.id AND outcome = 'accepted') AS s
                 WHERE p.id = ANY($1)
                 ORDER BY p.id",
            )
            .bind(&ids)
            .fetch_all(&self.pool)
        })
        .await?;
        rows.iter()
            .map(|r| {
                let provider = provider_row(r)?;
                let accepted = r.try_get::<i64, _>(8).map_err(backend)? as u64;
                let span = if accepted == 0 {
                    None
                } else {
                    let span = (|| {
                        Ok::<_, sqlx::Error>(DeliverySpan {
                            provider: provider.id.clone(),
                            first_snapshot: r.try_get(5)?,
                            latest_snapshot: r.try_get(6)?,
                            latest_received: r.try_get(7)?,
                            accepted,
                        })
                    })();
                    Some(span.map_err(backend)?)
                };
                Ok((provider, span))
            })
            .collect()
    }

    async fn record_rejected(&self, d: &NewDelivery) -> StoreResult<i64> {
        // Delivery log ids are assigned under the write lock, as a delivery's are.
        let mut tx = self.pool.begin().await.map_err(backend)?;
        lock_writer(&mut tx).await?;
        let id = insert_delivery(&mut tx, None, d).await?;
        tx.commit().await.map_err(backend)?;
        Ok(id)
    }

    async fn begin_delivery(&self, provider: &str) -> StoreResult<PgDelivery> {
        PgDelivery::begin(&self.pool, provider).await
    }

    async fn versions_by_index(&self, indexes: &[BlindIndex]) -> StoreResult<Vec<VersionRow>> {
        if indexes.is_empty() {
            return Ok(Vec::new());
        }
        let keys: Vec<i64> = indexes.iter().map(short_index).collect();
        let rows = read(|| {
            sqlx::query(
                // Each candidate is read from the one partition its index entry names.
                // The LATERAL ... LIMIT 1 keeps this a nested loop of index probes in
                // the session's generic plan, whatever the statistics say.
                // An entry whose version is gone comes back as a row of NULLs.
                "SELECT v.id, v.provider, v.sub_key, v.opened_by, v.valid_from,
                        v.seen_before, v.valid_to, v.last_seen, v.sealed, i.version_id
                 FROM (SELECT DISTINCT version_id, ends_month FROM ident
                       WHERE bidx = ANY($1)) AS i
                 LEFT JOIN LATERAL (
                     SELECT * FROM version
                     WHERE id = i.version_id AND ends_month = i.ends_month LIMIT 1) AS v
                     ON true
                 ORDER BY v.id",
            )
            .bind(&keys)
            .fetch_all(&self.pool)
        })
        .await?;
        for r in &rows {
            if r.try_get::<Option<i64>, _>(0).map_err(backend)?.is_none() {
                let id: i64 = r.try_get(9).map_err(backend)?;
                return Err(StoreError::Corrupt(format!(
                    "a blind-index entry points at version {id}, which is not in the store: \
                     versions were deleted around tdip; `tdip audit verify --check-store` lists what \
                     differs"
                )));
            }
        }
        version_rows(&rows)
    }

    async fn provider_rows(&self, provider: &str) -> StoreResult<ProviderRows> {
        let mut tx = self.pool.begin().await.map_err(backend)?;
        sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
        let versions: Vec<(i64, Vec<u8>, bool)> = sqlx::query_as(AssertSqlSafe(format!(
            "SELECT id, sub_key, ends_month = {OPEN_MONTH} FROM version WHERE provider = $1
             ORDER BY id"
        )))
        .bind(provider)
        .fetch_all(&mut *tx)
        .await
        .map_err(backend)?;
        let indexes: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM ident i JOIN version v
               ON v.id = i.version_id AND v.ends_month = i.ends_month
             WHERE v.provider = $1",
        )
        .bind(provider)
        .fetch_one(&mut *tx)
        .await
        .map_err(backend)?;
        let chunks: Vec<(i64, Vec<u8>)> = sqlx::query_as(
            "SELECT part, data FROM snapshot_chunk WHERE provider = $1 ORDER BY part, seq",
        )
        .bind(provider)
        .fetch_all(&mut *tx)
        .await
        .map_err(backend)?;
        tx.commit().await.map_err(backend)?;
        let mut parts: Vec<(i64, Vec<u8>)> = Vec::new();
        for (part, chunk) in chunks {
            match parts.last_mut() {
                Some((p, data)) if *p == part => data.extend_from_slice(&chunk),
                _ => parts.push((part, chunk)),
            }
        }
        Ok(ProviderRows {
            versions: versions.len() as u64,
            open: versions
                .into_iter()
                .filter(|v| v.2)
                .map(|(id, key, _)| (id, BlindIndex(key.try_into().unwrap_or([0; 16]))))
                .collect(),
            indexes: indexes as u64,
            snapshot: parts.into_iter().map(|(_, d)| d).collect(),
        })
    }

    async fn open_versions_page(
        &self,
        provider: &str,
        after: i64,
        limit: u32,
    ) -> StoreResult<Vec<VersionRow>> {
        let rows = read(|| {
            sqlx::query(AssertSqlSafe(format!(
                "SELECT id, provider, sub_key, opened_by, valid_from, seen_before, valid_to,
                        last_seen, sealed
                 FROM version WHERE ends_month = {OPEN_MONTH} AND id > $2 AND provider = $1
                 ORDER BY id LIMIT $3"
            )))
            .bind(provider)
            .bind(after)
            .bind(i64::from(limit))
            .fetch_all(&self.pool)
        })
        .await?;
        version_rows(&rows)
    }

    async fn reseal(&self, provider: &str, changes: &[Reseal]) -> StoreResult<u64> {
        let mut tx = self.pool.begin().await.map_err(backend)?;
        lock_writer(&mut tx).await?;
        let ids: Vec<i64> = changes.iter().map(|c| c.id).collect();
        let old: Vec<&[u8]> = changes.iter().map(|c| c.old.as_slice()).collect();
        let new: Vec<&[u8]> = changes.iter().map(|c| c.new.as_slice()).collect();
        // Each row finds its blobs by its position in the id array: the statement stays
        // an index probe per id (a join with unnest may be planned as a scan).
        let replaced = sqlx::query(AssertSqlSafe(format!(
            "UPDATE version SET sealed = ($4::bytea[])[array_position($2::bigint[], id)]
             WHERE id = ANY($2) AND ends_month = {OPEN_MONTH} AND provider = $1
               AND sealed = ($3::bytea[])[array_position($2::bigint[], id)]"
        )))
        .bind(provider)
        .bind(&ids)
        .bind(&old)
        .bind(&new)
        .execute(&mut *tx)
        .await
        .map_err(backend)?
        .rows_affected();
        tx.commit().await.map_err(backend)?;
        Ok(replaced)
    }

    async fn prefix_lengths(&self) -> StoreResult<Vec<(u8, u8)>> {
        let rows: Vec<(i16, i16)> = read(|| {
            sqlx::query_as("SELECT family, len FROM ip_prefix_len ORDER BY family, len DESC")
                .fetch_all(&self.pool)
        })
        .await?;
        rows.into_iter()
            .map(
                |(family, len)| match (u8::try_from(family), u8::try_from(len)) {
                    (Ok(family), Ok(len)) => Ok((family, len)),
                    _ => Err(StoreError::Corrupt(
                        "an ip prefix length is out of range".into(),
                    )),
                },
            )
            .collect()
    }
}

fn provider_row(r: &PgRow) -> StoreResult<Provider> {
    let p = (|| {
        Ok::<_, sqlx::Error>(Provider {
            id: r.try_get(0)?,
            name: r.try_get(1)?,
            country: r.try_get(2)?,
            zone: r.try_get(3)?,
            created_at: r.try_get(4)?,
        })
    })();
    p.map_err(backend)
}

fn delivery_row(r: &PgRow) -> StoreResult<DeliveryRecord> {
    let checksum: Vec<u8> = r.try_get(9).map_err(backend)?;
    let outcome: String = r.try_get(10).map_err(backend)?;
    let (Ok(checksum), Some(outcome)) = (checksum.try_into(), DeliveryOutcome::parse(&outcome))
    else {
        return Err(StoreError::Corrupt(
            "a delivery log row has a bad checksum or outcome".into(),
        ));
    };
    let count = |i: usize| r.try_get::<i64, _>(i).map(|n| n as u64);
    let record = (|| {
        Ok::<_, sqlx::Error>(DeliveryRecord {
            id: r.try_get(0)?,
            delivery: NewDelivery {
                provider: r.try_get(1)?,
                received_at: r.try_get(2)?,
                snapshot_at: r.try_get(3)?,
                rows: count(4)?,
                opened: count(5)?,
                changed: count(6)?,
                closed: count(7)?,
                errors: count(8)?,
                checksum,
                outcome,
            },
        })
    })();
    record.map_err(backend)
}

fn version_rows(rows: &[PgRow]) -> StoreResult<Vec<VersionRow>> {
    rows.iter()
        .map(version_row)
        .collect::<Result<_, _>>()
        .map_err(backend)
}

pub(crate) fn version_row(r: &PgRow) -> Result<VersionRow, sqlx::Error> {
    let key: Vec<u8> = r.try_get(2)?;
    let mut sub_key = [0u8; 16];
    if key.len() == 16 {
        sub_key.copy_from_slice(&key);
    }
    Ok(VersionRow {
        id: r.try_get(0)?,
        provider: r.try_get(1)?,
        sub_key: BlindIndex(sub_key),
        opened_by: r.try_get(3)?,
        valid_from: r.try_get(4)?,
        seen_before: r.try_get(5)?,
        valid_to: r.try_get(6)?,
        last_seen: r.try_get(7)?,
        sealed: r.try_get(8)?,
    })
}

/// Writes a delivery log entry with `id`, or with the next id when `None`; the caller
/// holds the write lock. Returns the id.
pub(crate) async fn insert_delivery(
    conn: &mut PgConnection,
    id: Option<i64>,
    d: &NewDelivery,
) -> StoreResult<i64> {
    sqlx::query_scalar(
        "INSERT INTO delivery (id, provider, received_at, snapshot_at, rows, opened, changed,
                               closed, errors, checksum, outcome)
         VALUES (COALESCE($1, (SELECT COALESCE(MAX(id), 0) + 1 FROM delivery)),
                 $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
         RETURNING id",
    )
    .bind(id)
    .bind(&d.provider)
    .bind(d.received_at)
    .bind(d.snapshot_at)
    .bind(d.rows as i64)
    .bind(d.opened as i64)
    .bind(d.changed as i64)
    .bind(d.closed as i64)
    .bind(d.errors as i64)
    .bind(&d.checksum[..])
    .bind(d.outcome.as_str())
    .fetch_one(conn)
    .await
    .map_err(backend)
}

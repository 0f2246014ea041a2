//! The `Store` implementation of the SQLite backend (everything but the delivery itself).

use rusqlite::{OptionalExtension, Row, params};

use super::{SqliteDelivery, SqliteStore, backend, connect, short_index};
use tdip_store::{
    BlindIndex, DeliveryOutcome, DeliveryRecord, DeliverySpan, NewDelivery, Provider, ProviderRows,
    Reseal, Store, StoreError, StoreResult, VersionRow,
};

impl Store for SqliteStore {
    type Delivery<'a> = SqliteDelivery;

    async fn add_provider(&self, p: &Provider) -> StoreResult<()> {
        let res = self.read(|c| {
            c.execute(
                "INSERT INTO provider (id, name, country, zone, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![p.id, p.name, p.country, p.zone, p.created_at],
            )
        });
        match res {
            Err(StoreError::Conflict(_)) => Err(StoreError::Conflict(format!(
                "provider {} is already registered",
                p.id
            ))),
            other => other.map(drop),
        }
    }

    async fn provider(&self, id: &str) -> StoreResult<Option<Provider>> {
        self.read(|c| {
            c.query_row(
                "SELECT id, name, country, zone, created_at FROM provider WHERE id = ?1",
                [id],
                provider_row,
            )
            .optional()
        })
    }

    async fn providers(&self) -> StoreResult<Vec<Provider>> {
        self.read(|c| {
            let mut st = c.prepare_cached(
                "SELECT id, name, country, zone, created_at FROM provider ORDER BY id",
            )?;
            st.query_map([], provider_row)?.collect()
        })
    }

    async fn deliveries(
        &self,
        provider: Option<&str>,
        limit: u32,
    ) -> StoreResult<Vec<DeliveryRecord>> {
        let rows = self.read(|c| {
            let mut st = c.prepare_cached(
                "SELECT id, provider, received_at, snapshot_at, rows, opened, changed, closed,
                        errors, checksum, outcome
                 FROM delivery WHERE ?1 IS NULL OR provider = ?1 ORDER BY id DESC LIMIT ?2",
            )?;
            st.query_map(params![provider, limit], delivery_row)?
                .collect::<Result<Vec<_>, _>>()
        })?;
        rows.into_iter().collect()
    }

    async fn delivery_spans(&self) -> StoreResult<Vec<DeliverySpan>> {
        self.read(|c| {
            let mut st = c.prepare_cached(
                "SELECT provider, MIN(snapshot_at), MAX(snapshot_at), MAX(received_at), COUNT(*)
                 FROM delivery WHERE outcome = 'accepted' GROUP BY provider ORDER BY provider",
            )?;
            st.query_map([], |r| {
                Ok(DeliverySpan {
                    provider: r.get(0)?,
                    first_snapshot: r.get(1)?,
                    latest_snapshot: r.get(2)?,
                    latest_received: r.get(3)?,
                    accepted: r.get::<_, i64>(4)? as u64,
                })
            })?
            .collect()
        })
    }

    async fn provider_spans(
        &self,
        ids: &[&str],
    ) -> StoreResult<Vec<(Provider, Option<DeliverySpan>)>> {
        let mut ids = ids.to_vec();
        ids.sort_unstable();
        ids.dedup();
        self.read(|c| {
            let mut st = c.prepare_cached(
                "SELECT p.id, p.name, p.country, p.zone, p.created_at,
                        MIN(d.snapshot_at), MAX(d.snapshot_at), MAX(d.received_at), COUNT(d.id)
                 FROM provider AS p
                 LEFT JOIN delivery AS d ON d.provider = p.id AND d.outcome = 'accepted'
                 WHERE p.id = ?1
                 GROUP BY p.id",
            )?;
            let mut out = Vec::with_capacity(ids.len());
            for id in &ids {
                let found = st
                    .query_row([id], |r| {
                        let provider = provider_row(r)?;
                        let accepted = r.get::<_, i64>(8)? as u64;
                        let span = if accepted == 0 {
                            None
                        } else {
                            Some(DeliverySpan {
                                provider: provider.id.clone(),
                                first_snapshot: r.get(5)?,
                                latest_snapshot: r.get(6)?,
                                latest_received: r.get(7)?,
                                accepted,
                            })
                        };
                        Ok((provider, span))
                    })
                    .optional()?;
                out.extend(found);
            }
            Ok(out)
        })
    }

    async fn record_rejected(&self, d: &NewDelivery) -> StoreResult<i64> {
        self.read(|c| {
            insert_delivery(c, None, d)?;
            Ok(c.last_insert_rowid())
        })
    }

    async fn begin_delivery(&self, provider: &str) -> StoreResult<SqliteDelivery> {
        SqliteDelivery::begin(connect(&self.path)?, provider)
    }

    async fn versions_by_index(&self, indexes: &[BlindIndex]) -> StoreResult<Vec<VersionRow>> {
        self.read(|c| {
            let mut st = c.prepare_cached(
                "SELECT v.id, v.provider, v.sub_key, v.opened_by, v.valid_from, v.seen_before,
                        v.valid_to, v.last_seen, v.sealed, i.version_id
                 FROM ident i LEFT JOIN version v ON v.id = i.version_id WHERE i.bidx = ?1",
            )?;
            let mut out: Vec<VersionRow> = Vec::new();
            let mut dangling = None;
            for idx in indexes {
                let mut rows = st.query([short_index(idx)])?;
                while let Some(row) = rows.next()? {
                    match row.get::<_, Option<i64>>(0)? {
                        Some(_) => out.push(version_row(row)?),
                        None => dangling = Some(row.get::<_, i64>(9)?),
                    }
                }
            }
            out.sort_by_key(|v| v.id);
            out.dedup_by_key(|v| v.id);
            Ok((out, dangling))
        })
        .and_then(|(out, dangling)| match dangling {
            Some(id) => Err(dangling_index(id)),
            None => Ok(out),
        })
    }

    async fn provider_rows(&self, provider: &str) -> StoreResult<ProviderRows> {
        self.read(|c| {
            let tx = c.unchecked_transaction()?;
            let mut rows = ProviderRows::default();
            {
                let mut st = tx.prepare_cached(
                    "SELECT id, sub_key, valid_to IS NULL FROM version WHERE provider = ?1
                     ORDER BY id",
                )?;
                let mut q = st.query([provider])?;
                while let Some(r) = q.next()? {
                    rows.versions += 1;
                    if r.get::<_, bool>(2)? {
                        let key: Vec<u8> = r.get(1)?;
                        let key: [u8; 16] = key.as_slice().try_into().unwrap_or([0; 16]);
                        rows.open.push((r.get(0)?, BlindIndex(key)));
                    }
                }
            }
            rows.indexes = tx.query_row(
                "SELECT COUNT(*) FROM ident i JOIN version v ON v.id = i.version_id
                 WHERE v.provider = ?1",
                [provider],
                |r| r.get::<_, i64>(0),
            )? as u64;
            let mut st = tx.prepare_cached(
                "SELECT part, data FROM snapshot_chunk WHERE provider = ?1 ORDER BY part, seq",
            )?;
            let mut parts: Vec<(i64, Vec<u8>)> = Vec::new();
            let mut q = st.query([provider])?;
            while let Some(r) = q.next()? {
                let part: i64 = r.get(0)?;
                let chunk: Vec<u8> = r.get(1)?;
                match parts.last_mut() {
                    Some((p, data)) if *p == part => data.extend_from_slice(&chunk),
                    _ => parts.push((part, chunk)),
                }
            }
            rows.snapshot = parts.into_iter().map(|(_, d)| d).collect();
            Ok(rows)
        })
    }

    async fn open_versions_page(
        &self,
        provider: &str,
        after: i64,
        limit: u32,
    ) -> StoreResult<Vec<VersionRow>> {
        self.read(|c| {
            let mut st = c.prepare_cached(
                "SELECT id, provider, sub_key, opened_by, valid_from, seen_before, valid_to,
                        last_seen, sealed
                 FROM version WHERE provider = ?1 AND valid_to IS NULL AND id > ?2
                 ORDER BY id LIMIT ?3",
            )?;
            st.query_map(params![provider, after, limit], version_row)?
                .collect()
        })
    }

    async fn reseal(&self, provider: &str, changes: &[Reseal]) -> StoreResult<u64> {
        let conn = connect(&self.path)?;
        conn.execute_batch("BEGIN IMMEDIATE").map_err(backend)?;
        let mut replaced = 0;
        {
            let mut st = conn
                .prepare(
                    "UPDATE version SET sealed = ?4
                     WHERE id = ?1 AND provider = ?2 AND valid_to IS NULL AND sealed = ?3",
                )
                .map_err(backend)?;
            for c in changes {
                replaced += st
                    .execute(params![c.id, provider, c.old, c.new])
                    .map_err(backend)? as u64;
            }
        }
        conn.execute_batch("COMMIT").map_err(backend)?;
        Ok(replaced)
    }

    async fn prefix_lengths(&self) -> StoreResult<Vec<(u8, u8)>> {
        self.read(|c| {
            let mut st = c.prepare_cached(
                "SELECT family, len FROM ip_prefix_len ORDER BY family, len DESC",
            )?;
            st.query_map([], |r| Ok((r.get::<_, u8>(0)?, r.get::<_, u8>(1)?)))?
                .collect()
        })
    }
}

fn provider_row(r: &Row<'_>) -> rusqlite::Result<Provider> {
    Ok(Provider {
        id: r.get(0)?,
        name: r.get(1)?,
        country: r.get(2)?,
        zone: r.get(3)?,
        created_at: r.get(4)?,
    })
}

fn delivery_row(r: &Row<'_>) -> rusqlite::Result<StoreResult<DeliveryRecord>> {
    let checksum: Vec<u8> = r.get(9)?;
    let outcome: String = r.get(10)?;
    let (Ok(checksum), Some(outcome)) = (checksum.try_into(), DeliveryOutcome::parse(&outcome))
    else {
        return Ok(Err(StoreError::Corrupt(
            "a delivery log row has a bad checksum or outcome".into(),
        )));
    };
    Ok(Ok(DeliveryRecord {
        id: r.get(0)?,
        delivery: NewDelivery {
            provider: r.get(1)?,
            received_at: r.get(2)?,
            snapshot_at: r.get(3)?,
            rows: r.get::<_, i64>(4)? as u64,
            opened: r.get::<_, i64>(5)? as u64,
            changed: r.get::<_, i64>(6)? as u64,
            closed: r.get::<_, i64>(7)? as u64,
            errors: r.get::<_, i64>(8)? as u64,
            checksum,
            outcome,
        },
    }))
}

pub(super) fn version_row(r: &Row<'_>) -> rusqlite::Result<VersionRow> {
    let key: Vec<u8> = r.get(2)?;
    let mut sub_key = [0u8; 16];
    if key.len() == 16 {
        sub_key.copy_from_slice(&key);
    }
    Ok(VersionRow {
        id: r.get(0)?,
        provider: r.get(1)?,
        sub_key: BlindIndex(sub_key),
        opened_by: r.get(3)?,
        valid_from: r.get(4)?,
        seen_before: r.get(5)?,
        valid_to: r.get(6)?,
        last_seen: r.get(7)?,
        sealed: r.get(8)?,
    })
}

pub(super) fn insert_delivery(
    c: &rusqlite::Connection,
    id: Option<i64>,
    d: &NewDelivery,
) -> rusqlite::Result<usize> {
    c.execute(
        "INSERT INTO delivery (id, provider, received_at, snapshot_at, rows, opened, changed,
                               closed, errors, checksum, outcome)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
        params![
            id,
            d.provider,
            d.received_at,
            d.snapshot_at,
            d.rows as i64,
            d.opened as i64,
            d.changed as i64,
            d.closed as i64,
            d.errors as i64,
            &d.checksum[..],
            d.outcome.as_str()
        ],
    )
}

/// The error of an index entry that points at no stored version.
pub(crate) fn dangling_index(version: i64) -> StoreError {
    StoreError::Corrupt(format!(
        "a blind-index entry points at version {version}, which is not in the store: versions \
         were deleted around tdip; `tdip audit verify --check-store` lists what differs"
    ))
}

//! The `TrafficStore` implementation of the PostgreSQL backend (migration 6): the batch
//! log, `traffic_row` partitioned by UTC day, the open set and the session prefix lengths;
//! communications and cells (migration 7) are read by `comm` and `cells`.
//!
//! A day partition's unique key is (kind, key, first port, start, batch) and includes the
//! last port and end, so a lookup of an address and port is one range of that index: first
//! ports from the port minus the largest block stored that day (kept in `traffic_day`) up
//! to the port. All the (day, key) pairs of a probe go in one statement, a nested loop
//! whose inner side is pruned to one partition per pair at run time (plans are generic,
//! see `lib.rs`). Reads are repeated once on a lost connection.

use sqlx::postgres::PgRow;
use sqlx::{PgConnection, Row};
use tdip_store::{
    BlindIndex, CellBox, CellRow, CommProbe, CommRow, Day, DeliveryOutcome, NewTrafficBatch,
    StoreError, StoreResult, TrafficBatchRecord, TrafficDay, TrafficKind, TrafficProbe, TrafficRow,
    TrafficStore,
};

use crate::PgStore;
use crate::error::{backend, read};
use crate::traffic_tx::{PgTrafficBatch, lock_traffic};

/// The key of the advisory lock that serialises traffic batches, the drop of a day and the
/// attachment of a remote day (per database, like the delivery lock, and distinct from
/// it: traffic batches and subscriber deliveries touch different tables).
pub(crate) const TRAFFIC_LOCK: &str = "SELECT pg_advisory_xact_lock(hashtext('tdip-traffic'))";

/// Columns of a day row, in the order [`day_row`] reads them.
const DAY_COLUMNS: &str =
    "kind, key, first_port, start, batch, family, len, user_key, sealed, last_port, end_at, day";

/// Columns of an open row, in the order [`open_row`] reads them.
pub(crate) const OPEN_COLUMNS: &str =
    "kind, key, first_port, start, batch, family, len, user_key, sealed, last_port, day";

const BATCH_COLUMNS: &str = "seq, provider, batch_id, kind, received_at, records, closed, opened,
     ended, errors, first_at, last_at, checksum, outcome";

fn corrupt(what: &str) -> sqlx::Error {
    sqlx::Error::Decode(format!("a stored traffic {what} is not valid").into())
}

fn blind(r: &PgRow, i: usize) -> Result<BlindIndex, sqlx::Error> {
    let b: Vec<u8> = r.try_get(i)?;
    Ok(BlindIndex(b.try_into().map_err(|_| corrupt("index"))?))
}

fn blind_opt(r: &PgRow, i: usize) -> Result<Option<BlindIndex>, sqlx::Error> {
    let b: Option<Vec<u8>> = r.try_get(i)?;
    b.map(|b| Ok(BlindIndex(b.try_into().map_err(|_| corrupt("index"))?)))
        .transpose()
}

fn kind_at(r: &PgRow, i: usize) -> Result<TrafficKind, sqlx::Error> {
    TrafficKind::from_code(r.try_get(i)?).ok_or_else(|| corrupt("kind"))
}

/// A port (an `integer` column).
fn port(r: &PgRow, i: usize) -> Result<u16, sqlx::Error> {
    u16::try_from(r.try_get::<i32, _>(i)?).map_err(|_| corrupt("port"))
}

/// A family or prefix length (a `smallint` column).
fn small(r: &PgRow, i: usize) -> Result<u8, sqlx::Error> {
    u8::try_from(r.try_get::<i16, _>(i)?).map_err(|_| corrupt("address length"))
}

/// The columns both kinds of row share, as [`DAY_COLUMNS`] and [`OPEN_COLUMNS`] start.
fn row_common(r: &PgRow, end: Option<i64>, day: Day) -> Result<TrafficRow, sqlx::Error> {
    Ok(TrafficRow {
        kind: kind_at(r, 0)?,
        key: blind(r, 1)?,
        first_port: port(r, 2)?,
        start: r.try_get(3)?,
        batch: r.try_get(4)?,
        net: (small(r, 5)?, small(r, 6)?),
        user: blind_opt(r, 7)?,
        sealed: r.try_get(8)?,
        last_port: port(r, 9)?,
        end,
        day,
    })
}

/// A row of a day partition, columns as [`DAY_COLUMNS`].
fn day_row(r: &PgRow) -> Result<TrafficRow, sqlx::Error> {
    row_common(r, Some(r.try_get(10)?), r.try_get(11)?)
}

/// A row of the open set, columns as [`OPEN_COLUMNS`].
pub(crate) fn open_row(r: &PgRow) -> Result<TrafficRow, sqlx::Error> {
    row_common(r, None, r.try_get(10)?)
}

fn count(r: &PgRow, i: usize) -> Result<u64, sqlx::Error> {
    u64::try_from(r.try_get::<i64, _>(i)?).map_err(|_| corrupt("count"))
}

fn batch_row(r: &PgRow) -> Result<TrafficBatchRecord, sqlx::Error> {
    let checksum: Vec<u8> = r.try_get(12)?;
    let outcome: String = r.try_get(13)?;
    Ok(TrafficBatchRecord {
        seq: r.try_get(0)?,
        batch: NewTrafficBatch {
            provider: r.try_get(1)?,
            batch_id: r.try_get(2)?,
            kind: kind_at(r, 3)?,
            received_at: r.try_get(4)?,
            records: count(r, 5)?,
            closed: count(r, 6)?,
            opened: count(r, 7)?,
            ended: count(r, 8)?,
            errors: count(r, 9)?,
            first_at: r.try_get(10)?,
            last_at: r.try_get(11)?,
            checksum: checksum.try_into().map_err(|_| corrupt("checksum"))?,
            outcome: DeliveryOutcome::parse(&outcome).ok_or_else(|| corrupt("outcome"))?,
        },
    })
}

fn batch_rows(rows: &[PgRow]) -> StoreResult<Vec<TrafficBatchRecord>> {
    rows.iter()
        .map(batch_row)
        .collect::<Result<_, _>>()
        .map_err(backend)
}

/// Writes a batch log entry (`seq` `None`: the next free one); the caller holds the
/// traffic write lock.
pub(crate) async fn insert_batch_log(
    conn: &mut PgConnection,
    seq: Option<i64>,
    b: &NewTrafficBatch,
) -> StoreResult<i64> {
    sqlx::query_scalar(
        "INSERT INTO traffic_batch (seq, provider, batch_id, kind, received_at, records, closed,
                                    opened, ended, errors, first_at, last_at, checksum, outcome)
         VALUES (COALESCE($1, (SELECT COALESCE(MAX(seq), 0) + 1 FROM traffic_batch)),
                 $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
         RETURNING seq",
    )
    .bind(seq)
    .bind(&b.provider)
    .bind(&b.batch_id)
    .bind(b.kind.code())
    .bind(b.received_at)
    .bind(b.records as i64)
    .bind(b.closed as i64)
    .bind(b.opened as i64)
    .bind(b.ended as i64)
    .bind(b.errors as i64)
    .bind(b.first_at)
    .bind(b.last_at)
    .bind(&b.checksum[..])
    .bind(b.outcome.as_str())
    .fetch_one(conn)
    .await
    .map_err(backend)
}

/// Orders rows by their place in a day partition.
fn placement(r: &TrafficRow) -> (Day, BlindIndex, u16, i64, i64) {
    (r.day, r.key, r.first_port, r.start, r.batch)
}

impl TrafficStore for PgStore {
    type Batch<'a> = PgTrafficBatch;

    async fn begin_traffic(&self, provider: &str) -> StoreResult<PgTrafficBatch> {
        PgTrafficBatch::begin(&self.pool, provider).await
    }

    async fn record_rejected_traffic(&self, batch: &NewTrafficBatch) -> StoreResult<i64> {
        if batch.outcome != DeliveryOutcome::Rejected {
            return Err(StoreError::Conflict(
                "only a rejected batch is logged this way; an accepted one is committed".into(),
            ));
        }
        // Sequence numbers are assigned under the traffic write lock, as a batch's is.
        let mut tx = self.pool.begin().await.map_err(backend)?;
        lock_traffic(&mut tx).await?;
        let seq = insert_batch_log(&mut tx, None, batch).await?;
        tx.commit().await.map_err(backend)?;
        Ok(seq)
    }

    async fn traffic_batch(
        &self,
        provider: &str,
        batch_id: &str,
    ) -> StoreResult<Option<TrafficBatchRecord>> {
        let sql = format!(
            "SELECT {BATCH_COLUMNS} FROM traffic_batch
             WHERE provider = $1 AND batch_id = $2 AND outcome = 'accepted'"
        );
        let row = read(|| {
            sqlx::query(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(provider)
                .bind(batch_id)
                .fetch_optional(&self.pool)
        })
        .await?;
        row.as_ref().map(batch_row).transpose().map_err(backend)
    }

    async fn traffic_batches_by_seq(&self, seqs: &[i64]) -> StoreResult<Vec<TrafficBatchRecord>> {
        let sql = format!(
            "SELECT {BATCH_COLUMNS} FROM unnest($1::bigint[]) WITH ORDINALITY AS s(seq, n)
             JOIN traffic_batch USING (seq) ORDER BY s.n"
        );
        let rows = read(|| {
            sqlx::query(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(seqs)
                .fetch_all(&self.pool)
        })
        .await?;
        batch_rows(&rows)
    }

    async fn traffic_batches(
        &self,
        provider: Option<&str>,
        limit: u32,
    ) -> StoreResult<Vec<TrafficBatchRecord>> {
        let sql = format!(
            "SELECT {BATCH_COLUMNS} FROM traffic_batch
             WHERE $1::text IS NULL OR provider = $1 ORDER BY seq DESC LIMIT $2"
        );
        let rows = read(|| {
            sqlx::query(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(provider)
                .bind(i64::from(limit))
                .fetch_all(&self.pool)
        })
        .await?;
        batch_rows(&rows)
    }

    async fn traffic_covering(&self, probe: &TrafficProbe) -> StoreResult<Vec<TrafficRow>> {
        let mut pairs = probe.days.clone();
        pairs.sort();
        pairs.dedup();
        let mut open = probe.open.clone();
        open.sort();
        open.dedup();
        let days: Vec<Day> = pairs.iter().map(|(d, _)| *d).collect();
        let keys: Vec<&[u8]> = pairs.iter().map(|(_, k)| &k.0[..]).collect();
        let open_keys: Vec<&[u8]> = open.iter().map(|k| &k.0[..]).collect();
        let port = probe.port.map(i32::from);
        let kind = probe.kind.code();
        // Per (day, key): the day's largest block bounds the range of first ports.
        let day_sql = format!(
            "SELECT {} FROM unnest($1::integer[], $2::bytea[]) AS p(day, key)
             JOIN traffic_day AS d ON d.day = p.day AND d.kind = $3
             CROSS JOIN LATERAL (
                 SELECT * FROM traffic_row AS r
                 WHERE r.day = p.day AND r.kind = $3 AND r.key = p.key
                   AND r.first_port BETWEEN
                       CASE WHEN $4::integer IS NULL THEN 0
                            ELSE greatest(0, $4::integer - (d.max_block - 1)) END
                       AND COALESCE($4::integer, 65535)
                   AND r.last_port >= COALESCE($4::integer, 0)
                   AND r.start <= $6 AND r.end_at >= $5) AS r
             ORDER BY r.day, r.key, r.first_port, r.start, r.batch",
            prefixed("r", DAY_COLUMNS)
        );
        let open_sql = format!(
            "SELECT {OPEN_COLUMNS} FROM traffic_open
             WHERE kind = $1 AND key = ANY($2) AND start <= $3
               AND ($4::integer IS NULL OR (first_port <= $4 AND last_port >= $4))
             ORDER BY key, first_port, start"
        );
        let mut out = Vec::new();
        if !pairs.is_empty() {
            let rows = read(|| {
                sqlx::query(sqlx::AssertSqlSafe(day_sql.as_str()))
                    .bind(&days)
                    .bind(&keys)
                    .bind(kind)
                    .bind(port)
                    .bind(probe.from)
                    .bind(probe.to)
                    .fetch_all(&self.pool)
            })
            .await?;
            for r in &rows {
                out.push(day_row(r).map_err(backend)?);
            }
            out.dedup_by_key(|r| placement(r));
        }
        if !open.is_empty() {
            let rows = read(|| {
                sqlx::query(sqlx::AssertSqlSafe(open_sql.as_str()))
                    .bind(kind)
                    .bind(&open_keys)
                    .bind(probe.to)
                    .bind(port)
                    .fetch_all(&self.pool)
            })
            .await?;
            for r in &rows {
                out.push(open_row(r).map_err(backend)?);
            }
        }
        Ok(out)
    }

    async fn traffic_of_user(
        &self,
        user: &BlindIndex,
        from: i64,
        to: i64,
        limit: u32,
    ) -> StoreResult<Vec<TrafficRow>> {
        let day_sql = format!(
            "SELECT {DAY_COLUMNS} FROM traffic_row
             WHERE user_key = $1 AND start <= $3 AND end_at >= $2
             ORDER BY start, day, kind, key, first_port, batch LIMIT $4"
        );
        let open_sql = format!(
            "SELECT {OPEN_COLUMNS} FROM traffic_open
             WHERE user_key = $1 AND start <= $2
             ORDER BY start, day, kind, key, first_port LIMIT $3"
        );
        let limit = i64::from(limit);
        let days = read(|| {
            sqlx::query(sqlx::AssertSqlSafe(day_sql.as_str()))
                .bind(&user.0[..])
                .bind(from)
                .bind(to)
                .bind(limit)
                .fetch_all(&self.pool)
        })
        .await?;
        let open = read(|| {
            sqlx::query(sqlx::AssertSqlSafe(open_sql.as_str()))
                .bind(&user.0[..])
                .bind(to)
                .bind(limit)
                .fetch_all(&self.pool)
        })
        .await?;
        let mut out = Vec::with_capacity(days.len() + open.len());
        for r in &days {
            out.push(day_row(r).map_err(backend)?);
        }
        for r in &open {
            out.push(open_row(r).map_err(backend)?);
        }
        // Stable: rows of one (start, day) keep the order above, closed before open.
        out.sort_by_key(|r| (r.start, r.day, r.end.is_none()));
        out.truncate(limit as usize);
        Ok(out)
    }

    async fn traffic_prefix_lengths(&self) -> StoreResult<Vec<(u8, u8)>> {
        let rows: Vec<(i16, i16)> = read(|| {
            sqlx::query_as(
                "SELECT DISTINCT family, len FROM traffic_prefix_len ORDER BY family, len DESC",
            )
            .fetch_all(&self.pool)
        })
        .await?;
        rows.into_iter()
            .map(|(f, l)| Ok((u8::try_from(f)?, u8::try_from(l)?)))
            .collect::<Result<_, std::num::TryFromIntError>>()
            .map_err(|_| StoreError::Corrupt("a stored session prefix length is not valid".into()))
    }

    async fn traffic_days(&self) -> StoreResult<Vec<TrafficDay>> {
        let rows: Vec<(Day, i64)> = read(|| {
            sqlx::query_as(
                "SELECT day, SUM(rows)::bigint FROM traffic_day GROUP BY day
                 HAVING SUM(rows) > 0 ORDER BY day",
            )
            .fetch_all(&self.pool)
        })
        .await?;
        Ok(rows
            .into_iter()
            .map(|(day, rows)| TrafficDay {
                day,
                rows: rows.max(0) as u64,
            })
            .collect())
    }

    async fn comm_rows(&self, probe: &CommProbe) -> StoreResult<Vec<CommRow>> {
        crate::comm::comm_rows(&self.pool, probe).await
    }

    async fn cell_history(&self, provider: &str, cell_ids: &[String]) -> StoreResult<Vec<CellRow>> {
        crate::cells::history(&self.pool, provider, cell_ids).await
    }

    async fn cells_in(&self, area: CellBox) -> StoreResult<Vec<CellRow>> {
        crate::cells::within(&self.pool, area).await
    }

    async fn drop_traffic_day(&self, day: Day) -> StoreResult<u64> {
        // Detaching takes an ACCESS EXCLUSIVE lock on `traffic_row` for the few
        // milliseconds until this commits: lookups wait that long, never longer.
        let mut tx = self.pool.begin().await.map_err(backend)?;
        lock_traffic(&mut tx).await?;
        let rows: Option<i64> =
            sqlx::query_scalar("SELECT SUM(rows)::bigint FROM traffic_day WHERE day = $1")
                .bind(day)
                .fetch_one(&mut *tx)
                .await
                .map_err(backend)?;
        sqlx::query("SELECT tdip_traffic_drop_day($1)")
            .bind(day)
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
        crate::comm::drop_day(&mut tx, day).await?;
        sqlx::query("DELETE FROM traffic_day WHERE day = $1")
            .bind(day)
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
        sqlx::query("DELETE FROM traffic_prefix_len WHERE NOT open AND day = $1")
            .bind(day)
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
        tx.commit().await.map_err(backend)?;
        Ok(rows.unwrap_or(0).max(0) as u64)
    }
}

/// `columns` (comma-separated) each prefixed with `alias.`.
pub(crate) fn prefixed(alias: &str, columns: &str) -> String {
    columns
        .split(',')
        .map(|c| format!("{alias}.{}", c.trim()))
        .collect::<Vec<_>>()
        .join(", ")
}

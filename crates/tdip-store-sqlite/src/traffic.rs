//! The `TrafficStore` implementation of the SQLite backend: the batch log, one table per
//! UTC day (`traffic_d<day>`), the open set and the session prefix lengths.
//!
//! A day table is clustered on (kind, run, key, first port, start, batch): a batch writes
//! its rows in sorted runs of up to 65,536 (appending to the B-trees rather than
//! inserting at random: about half the CPU per row at a million rows a day, and no
//! slowdown once a day outgrows the page cache), and a lookup of an address and port is
//! one primary-key seek per run of the day (`traffic_run`), over first ports from the
//! port minus the largest block stored that day (kept in `traffic_day`) up to the port.
//! [`SqliteStore::compact_traffic_day`] merges a finished day into one run. Reads run in one
//! read transaction, so the registry and the tables it names are seen at one moment even
//! while a day is being dropped.

use rusqlite::{Connection, OptionalExtension, Row, params};

use super::comm;
use super::traffic_tx::SqliteTrafficBatch;
use super::{SqliteStore, backend, connect};
use tdip_store::{
    BlindIndex, Day, DeliveryOutcome, NewTrafficBatch, StoreError, StoreResult, TrafficBatchRecord,
    TrafficDay, TrafficKind, TrafficProbe, TrafficRow, TrafficStore,
};

/// The table of one UTC day: `traffic_d20394`, or `traffic_dm5` for day -5.
pub(crate) fn day_table(day: Day) -> String {
    if day < 0 {
        format!("traffic_dm{}", i64::from(day).unsigned_abs())
    } else {
        format!("traffic_d{day}")
    }
}

/// Columns of a day row, in the order [`day_row`] reads them.
const DAY_COLUMNS: &str =
    "kind, key, first_port, start, batch, family, len, user, sealed, last_port, end_at";

/// Columns of an open row, in the order [`open_row`] reads them.
const OPEN_COLUMNS: &str =
    "kind, key, first_port, start, batch, family, len, user, sealed, last_port, day";

const BATCH_COLUMNS: &str = "seq, provider, batch_id, kind, received_at, records, closed, opened,
     ended, errors, first_at, last_at, checksum, outcome";

fn corrupt_row() -> rusqlite::Error {
    rusqlite::Error::InvalidColumnType(0, "traffic row".into(), rusqlite::types::Type::Blob)
}

fn blind(r: &Row<'_>, i: usize) -> rusqlite::Result<BlindIndex> {
    let b = r.get_ref(i)?.as_blob()?;
    Ok(BlindIndex(b.try_into().map_err(|_| corrupt_row())?))
}

pub(crate) fn blind_opt(r: &Row<'_>, i: usize) -> rusqlite::Result<Option<BlindIndex>> {
    match r.get_ref(i)?.as_blob_or_null()? {
        None => Ok(None),
        Some(b) => Ok(Some(BlindIndex(b.try_into().map_err(|_| corrupt_row())?))),
    }
}

fn kind_at(r: &Row<'_>, i: usize) -> rusqlite::Result<TrafficKind> {
    TrafficKind::from_code(r.get(i)?).ok_or_else(corrupt_row)
}

/// A row of a day table (`day` is the table's), columns as [`DAY_COLUMNS`].
fn day_row(r: &Row<'_>, day: Day) -> rusqlite::Result<TrafficRow> {
    Ok(TrafficRow {
        kind: kind_at(r, 0)?,
        key: blind(r, 1)?,
        first_port: r.get(2)?,
        start: r.get(3)?,
        batch: r.get(4)?,
        net: (r.get(5)?, r.get(6)?),
        user: blind_opt(r, 7)?,
        sealed: r.get(8)?,
        last_port: r.get(9)?,
        end: Some(r.get(10)?),
        day,
    })
}

/// A row of the open set, columns as [`OPEN_COLUMNS`].
fn open_row(r: &Row<'_>) -> rusqlite::Result<TrafficRow> {
    Ok(TrafficRow {
        kind: kind_at(r, 0)?,
        key: blind(r, 1)?,
        first_port: r.get(2)?,
        start: r.get(3)?,
        batch: r.get(4)?,
        net: (r.get(5)?, r.get(6)?),
        user: blind_opt(r, 7)?,
        sealed: r.get(8)?,
        last_port: r.get(9)?,
        end: None,
        day: r.get(10)?,
    })
}

fn batch_row(r: &Row<'_>) -> rusqlite::Result<TrafficBatchRecord> {
    let checksum = r.get_ref(12)?.as_blob()?;
    let outcome: String = r.get(13)?;
    Ok(TrafficBatchRecord {
        seq: r.get(0)?,
        batch: NewTrafficBatch {
            provider: r.get(1)?,
            batch_id: r.get(2)?,
            kind: kind_at(r, 3)?,
            received_at: r.get(4)?,
            records: r.get::<_, i64>(5)? as u64,
            closed: r.get::<_, i64>(6)? as u64,
            opened: r.get::<_, i64>(7)? as u64,
            ended: r.get::<_, i64>(8)? as u64,
            errors: r.get::<_, i64>(9)? as u64,
            first_at: r.get(10)?,
            last_at: r.get(11)?,
            checksum: checksum.try_into().map_err(|_| corrupt_row())?,
            outcome: DeliveryOutcome::parse(&outcome).ok_or_else(corrupt_row)?,
        },
    })
}

/// Writes a batch log entry (`seq` `None`: the next free one).
pub(crate) fn insert_batch_log(
    c: &Connection,
    seq: Option<i64>,
    b: &NewTrafficBatch,
) -> rusqlite::Result<usize> {
    c.prepare_cached(&format!(
        "INSERT INTO traffic_batch ({BATCH_COLUMNS})
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)"
    ))?
    .execute(params![
        seq,
        b.provider,
        b.batch_id,
        b.kind.code(),
        b.received_at,
        b.records as i64,
        b.closed as i64,
        b.opened as i64,
        b.ended as i64,
        b.errors as i64,
        b.first_at,
        b.last_at,
        &b.checksum[..],
        b.outcome.as_str()
    ])
}

/// The largest block of `kind` stored on `day`, `None` when the day holds none.
fn max_block(c: &Connection, day: Day, kind: TrafficKind) -> rusqlite::Result<Option<i64>> {
    c.prepare_cached("SELECT max_block FROM traffic_day WHERE day = ?1 AND kind = ?2")?
        .query_row(params![day, kind.code()], |r| r.get(0))
        .optional()
}

/// The rows of one (day, key) a probe asks for.
fn probe_day(
    c: &Connection,
    p: &TrafficProbe,
    day: Day,
    key: &BlindIndex,
    out: &mut Vec<TrafficRow>,
) -> rusqlite::Result<()> {
    let Some(max_block) = max_block(c, day, p.kind)? else {
        return Ok(());
    };
    let t = day_table(day);
    let mut st;
    let mut rows = match p.port {
        Some(port) => {
            st = c.prepare_cached(&format!(
                "SELECT {DAY_COLUMNS} FROM {t}
                 WHERE kind = ?1
                   AND run IN (SELECT run FROM traffic_run WHERE day = ?7 AND kind = ?1)
                   AND key = ?2 AND first_port BETWEEN ?3 AND ?4
                   AND last_port >= ?4 AND start <= ?6 AND end_at >= ?5"
            ))?;
            let low = (i64::from(port) - (max_block - 1)).max(0);
            st.query(params![
                p.kind.code(),
                &key.0[..],
                low,
                port,
                p.from,
                p.to,
                day
            ])?
        }
        None => {
            st = c.prepare_cached(&format!(
                "SELECT {DAY_COLUMNS} FROM {t}
                 WHERE kind = ?1
                   AND run IN (SELECT run FROM traffic_run WHERE day = ?5 AND kind = ?1)
                   AND key = ?2 AND start <= ?4 AND end_at >= ?3"
            ))?;
            st.query(params![p.kind.code(), &key.0[..], p.from, p.to, day])?
        }
    };
    while let Some(r) = rows.next()? {
        out.push(day_row(r, day)?);
    }
    Ok(())
}

/// The open rows under one key a probe asks for.
fn probe_open(
    c: &Connection,
    p: &TrafficProbe,
    key: &BlindIndex,
    out: &mut Vec<TrafficRow>,
) -> rusqlite::Result<()> {
    let mut st = c.prepare_cached(&format!(
        "SELECT {OPEN_COLUMNS} FROM traffic_open
         WHERE kind = ?1 AND key = ?2 AND start <= ?3
           AND (?4 IS NULL OR (first_port <= ?4 AND last_port >= ?4))"
    ))?;
    let mut rows = st.query(params![p.kind.code(), &key.0[..], p.to, p.port])?;
    while let Some(r) = rows.next()? {
        out.push(open_row(r)?);
    }
    Ok(())
}

fn placement(r: &TrafficRow) -> (Day, BlindIndex, u16, i64, i64) {
    (r.day, r.key, r.first_port, r.start, r.batch)
}

impl TrafficStore for SqliteStore {
    type Batch<'a> = SqliteTrafficBatch;

    async fn begin_traffic(&self, provider: &str) -> StoreResult<SqliteTrafficBatch> {
        SqliteTrafficBatch::begin(connect(&self.path)?, provider)
    }

    async fn record_rejected_traffic(&self, batch: &NewTrafficBatch) -> StoreResult<i64> {
        if batch.outcome != DeliveryOutcome::Rejected {
            return Err(StoreError::Conflict(
                "only a rejected batch is logged this way; an accepted one is committed".into(),
            ));
        }
        self.read(|c| {
            insert_batch_log(c, None, batch)?;
            Ok(c.last_insert_rowid())
        })
    }

    async fn traffic_batch(
        &self,
        provider: &str,
        batch_id: &str,
    ) -> StoreResult<Option<TrafficBatchRecord>> {
        self.read(|c| {
            c.prepare_cached(&format!(
                "SELECT {BATCH_COLUMNS} FROM traffic_batch
                 WHERE provider = ?1 AND batch_id = ?2 AND outcome = 'accepted'"
            ))?
            .query_row([provider, batch_id], batch_row)
            .optional()
        })
    }

    async fn traffic_batches_by_seq(&self, seqs: &[i64]) -> StoreResult<Vec<TrafficBatchRecord>> {
        self.read(|c| {
            let mut st = c.prepare_cached(&format!(
                "SELECT {BATCH_COLUMNS} FROM traffic_batch WHERE seq = ?1"
            ))?;
            let mut out = Vec::with_capacity(seqs.len());
            for seq in seqs {
                out.extend(st.query_row([seq], batch_row).optional()?);
            }
            Ok(out)
        })
    }

    async fn traffic_batches(
        &self,
        provider: Option<&str>,
        limit: u32,
    ) -> StoreResult<Vec<TrafficBatchRecord>> {
        self.read(|c| {
            let mut st = c.prepare_cached(&format!(
                "SELECT {BATCH_COLUMNS} FROM traffic_batch
                 WHERE ?1 IS NULL OR provider = ?1 ORDER BY seq DESC LIMIT ?2"
            ))?;
            st.query_map(params![provider, limit], batch_row)?.collect()
        })
    }

    async fn traffic_covering(&self, probe: &TrafficProbe) -> StoreResult<Vec<TrafficRow>> {
        self.read(|c| {
            let tx = c.unchecked_transaction()?;
            let mut days = Vec::new();
            for (day, key) in &probe.days {
                probe_day(&tx, probe, *day, key, &mut days)?;
            }
            days.sort_by_key(placement);
            days.dedup_by_key(|r| placement(r));
            let mut open = Vec::new();
            for key in &probe.open {
                probe_open(&tx, probe, key, &mut open)?;
            }
            open.sort_by_key(|r| (r.key, r.first_port, r.start));
            open.dedup_by_key(|r| (r.key, r.first_port, r.start));
            days.append(&mut open);
            Ok(days)
        })
    }

    async fn traffic_of_user(
        &self,
        user: &BlindIndex,
        from: i64,
        to: i64,
        limit: u32,
    ) -> StoreResult<Vec<TrafficRow>> {
        self.read(|c| {
            let tx = c.unchecked_transaction()?;
            let days: Vec<Day> = tx
                .prepare_cached("SELECT DISTINCT day FROM traffic_day ORDER BY day")?
                .query_map([], |r| r.get(0))?
                .collect::<Result<_, _>>()?;
            let mut out = Vec::new();
            for day in days {
                // Not cached: one statement per day would push the lookups' out.
                let mut st = tx.prepare(&format!(
                    "SELECT {DAY_COLUMNS} FROM {} INDEXED BY {}_by_user
                     WHERE run IN (SELECT run FROM traffic_run WHERE day = ?5)
                       AND user = ?1 AND start <= ?3 AND end_at >= ?2
                     ORDER BY start LIMIT ?4",
                    day_table(day),
                    day_table(day)
                ))?;
                let mut rows = st.query(params![&user.0[..], from, to, limit, day])?;
                while let Some(r) = rows.next()? {
                    out.push(day_row(r, day)?);
                }
            }
            let mut st = tx.prepare_cached(&format!(
                "SELECT {OPEN_COLUMNS} FROM traffic_open
                 WHERE user = ?1 AND start <= ?2 ORDER BY start LIMIT ?3"
            ))?;
            let mut rows = st.query(params![&user.0[..], to, limit])?;
            while let Some(r) = rows.next()? {
                out.push(open_row(r)?);
            }
            out.sort_by_key(|r| (r.start, r.day, r.end.is_none()));
            out.truncate(limit as usize);
            Ok(out)
        })
    }

    async fn traffic_prefix_lengths(&self) -> StoreResult<Vec<(u8, u8)>> {
        self.read(|c| {
            c.prepare_cached(
                "SELECT DISTINCT family, len FROM traffic_prefix_len ORDER BY family, len DESC",
            )?
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect()
        })
    }

    async fn traffic_days(&self) -> StoreResult<Vec<TrafficDay>> {
        self.read(|c| {
            c.prepare_cached(
                "SELECT day, SUM(rows) FROM (
                    SELECT day, rows FROM traffic_day UNION ALL SELECT day, rows FROM comm_day
                 ) GROUP BY day HAVING SUM(rows) > 0 ORDER BY day",
            )?
            .query_map([], |r| {
                Ok(TrafficDay {
                    day: r.get(0)?,
                    rows: r.get::<_, i64>(1)? as u64,
                })
            })?
            .collect()
        })
    }

    async fn comm_rows(
        &self,
        probe: &tdip_store::CommProbe,
    ) -> StoreResult<Vec<tdip_store::CommRow>> {
        self.read(|c| comm::comm_rows(c, probe))
    }

    async fn cell_history(
        &self,
        provider: &str,
        cell_ids: &[String],
    ) -> StoreResult<Vec<tdip_store::CellRow>> {
        self.read(|c| comm::cell_history(c, provider, cell_ids))
    }

    async fn cells_in(&self, area: tdip_store::CellBox) -> StoreResult<Vec<tdip_store::CellRow>> {
        self.read(|c| comm::cells_in(c, area))
    }

    async fn drop_traffic_day(&self, day: Day) -> StoreResult<u64> {
        let conn = connect(&self.path)?;
        // Freed pages are zeroed, not left in the file's free list (nor, after the
        // checkpoint below, in the WAL).
        conn.execute_batch("PRAGMA secure_delete = ON; BEGIN IMMEDIATE")
            .map_err(backend)?;
        let rows: Option<i64> = conn
            .query_row(
                "SELECT COALESCE((SELECT SUM(rows) FROM traffic_day WHERE day = ?1), 0)
                      + COALESCE((SELECT rows FROM comm_day WHERE day = ?1), 0)",
                [day],
                |r| r.get(0),
            )
            .map_err(backend)?;
        let t = day_table(day);
        let (cd, ck) = (comm::comm_table('d', day), comm::comm_table('k', day));
        conn.execute_batch(&format!(
            "DROP TABLE IF EXISTS {t};
             DROP TABLE IF EXISTS {cd};
             DROP TABLE IF EXISTS {ck};
             DELETE FROM comm_day WHERE day = {day};
             DELETE FROM comm_run WHERE day = {day};
             DELETE FROM traffic_day WHERE day = {day};
             DELETE FROM traffic_run WHERE day = {day};
             DELETE FROM traffic_prefix_len WHERE open = 0 AND day = {day};
             COMMIT;"
        ))
        .map_err(backend)?;
        conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE)")
            .map_err(backend)?;
        Ok(rows.unwrap_or(0) as u64)
    }
}

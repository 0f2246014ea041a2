//! One traffic batch as one SQLite write transaction on its own connection.

use std::collections::{BTreeMap, BTreeSet, HashSet};

use rusqlite::{Connection, OptionalExtension, params};

use super::backend;
use super::comm_tx::{CommWriter, insert_cells};
use super::traffic::{blind_opt, insert_batch_log};
use super::traffic_rows::{bind_row, day_table_ddl, duplicate, insert_sql};
use tdip_store::{
    Day, DeliveryOutcome, NewTrafficBatch, OpenRef, StoreError, StoreResult, TrafficKind,
    TrafficRow, TrafficTx,
};

/// Rows per INSERT statement (12 parameters each).
const ROWS_PER_INSERT: usize = 64;

/// Closed rows a batch gathers before writing them, sorted, as one run. Bounds the
/// memory of a batch (about 15 MB of rows) and the runs of a day (a lookup seeks each).
const RUN_ROWS: usize = 65_536;

/// What a batch adds to one (day, kind) partition, written to `traffic_day` on commit.
#[derive(Clone, Copy, Default)]
struct Tally {
    rows: u64,
    max_block: u32,
}

/// An open traffic batch. Holds the database's write lock until commit or drop.
pub struct SqliteTrafficBatch {
    conn: Connection,
    provider: String,
    seq: i64,
    /// Day tables known to exist (registered before, or created by this batch).
    tables: HashSet<Day>,
    tally: BTreeMap<(Day, i16), Tally>,
    /// Closed rows not yet written (the next run).
    pending: Vec<TrafficRow>,
    /// Runs written so far by this batch.
    runs: i64,
    /// Communications and cells of this batch.
    comm: CommWriter,
    /// A write of this batch failed: part of it may be written, so it cannot commit.
    failed: bool,
    committed: bool,
}

impl SqliteTrafficBatch {
    pub(super) fn begin(conn: Connection, provider: &str) -> StoreResult<Self> {
        // Like a delivery: pages spill to the WAL while the batch streams; the
        // checkpoint is left to `SqliteStore::checkpoint`.
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
        let seq: i64 = conn
            .query_row(
                "SELECT COALESCE(MAX(seq), 0) + 1 FROM traffic_batch",
                [],
                |r| r.get(0),
            )
            .map_err(backend)?;
        let tables = {
            let mut st = conn
                .prepare("SELECT DISTINCT day FROM traffic_day")
                .map_err(backend)?;
            st.query_map([], |r| r.get::<_, Day>(0))
                .map_err(backend)?
                .collect::<Result<HashSet<_>, _>>()
                .map_err(backend)?
        };
        let comm = CommWriter::begin(&conn, seq)?;
        Ok(SqliteTrafficBatch {
            comm,
            conn,
            provider: provider.to_owned(),
            seq,
            tables,
            tally: BTreeMap::new(),
            pending: Vec::new(),
            runs: 0,
            failed: false,
            committed: false,
        })
    }

    /// Creates the table of `day` unless it exists (inside the batch: a rollback
    /// removes it again).
    fn ensure_table(&mut self, day: Day) -> StoreResult<()> {
        if self.tables.contains(&day) {
            return Ok(());
        }
        self.conn
            .execute_batch(&day_table_ddl(day))
            .map_err(backend)?;
        self.tables.insert(day);
        Ok(())
    }

    /// Inserts rows bound for one place: a day table (`Some(day)`) or the open set.
    fn insert_run(&mut self, day: Option<Day>, run: i64, rows: &[&TrafficRow]) -> StoreResult<()> {
        for chunk in rows.chunks(ROWS_PER_INSERT) {
            let mut st = self
                .conn
                .prepare_cached(&insert_sql(day, chunk.len()))
                .map_err(backend)?;
            let stride = if day.is_some() { 12 } else { 11 };
            for (i, r) in chunk.iter().enumerate() {
                bind_row(&mut st, stride * i, day.is_some(), run, r).map_err(backend)?;
            }
            st.raw_execute().map_err(|e| duplicate(e, day.is_none()))?;
            if let Some(d) = day {
                for r in chunk {
                    let t = self.tally.entry((d, r.kind.code())).or_default();
                    t.rows += 1;
                    t.max_block = t
                        .max_block
                        .max(u32::from(r.last_port.saturating_sub(r.first_port)) + 1);
                }
            }
        }
        Ok(())
    }

    /// Open rows go to the open set at once; closed rows gather into the next run.
    fn insert_rows(&mut self, rows: &[TrafficRow]) -> StoreResult<()> {
        let mut open: Vec<&TrafficRow> = rows.iter().filter(|r| r.end.is_none()).collect();
        open.sort_unstable_by_key(|r| (r.kind, r.key, r.first_port, r.start));
        self.insert_run(None, 0, &open)?;
        for r in rows.iter().filter(|r| r.end.is_some()) {
            self.pending.push(r.clone());
            if self.pending.len() >= RUN_ROWS {
                self.flush()?;
            }
        }
        self.note_prefix_lengths(rows)
    }

    /// Writes the pending closed rows as one run: sorted by day and primary key, so each
    /// day table's B-trees are appended to in key order.
    fn flush(&mut self) -> StoreResult<()> {
        if self.pending.is_empty() {
            return Ok(());
        }
        let mut pending = std::mem::take(&mut self.pending);
        pending.sort_unstable_by(|a, b| {
            (a.day, a.kind, a.key, a.first_port, a.start, a.batch).cmp(&(
                b.day,
                b.kind,
                b.key,
                b.first_port,
                b.start,
                b.batch,
            ))
        });
        self.runs += 1;
        let run = (self.seq << 24) | self.runs;
        let st_run = "INSERT OR IGNORE INTO traffic_run (day, kind, run) VALUES (?1, ?2, ?3)";
        let mut rest = &pending[..];
        while let Some(first) = rest.first() {
            let day = first.day;
            let n = rest.iter().take_while(|r| r.day == day).count();
            self.ensure_table(day)?;
            let refs: Vec<&TrafficRow> = rest[..n].iter().collect();
            self.insert_run(Some(day), run, &refs)?;
            let kinds: BTreeSet<i16> = refs.iter().map(|r| r.kind.code()).collect();
            for kind in kinds {
                self.conn
                    .prepare_cached(st_run)
                    .and_then(|mut st| st.execute(params![day, kind, run]))
                    .map_err(backend)?;
            }
            rest = &rest[n..];
        }
        // The buffer is kept for the next run (its capacity, not its rows).
        pending.clear();
        self.pending = pending;
        Ok(())
    }

    /// Records the (family, length) pairs of the session rows among `rows`.
    fn note_prefix_lengths(&mut self, rows: &[TrafficRow]) -> StoreResult<()> {
        let pairs: BTreeSet<(bool, Day, u8, u8)> = rows
            .iter()
            .filter(|r| r.kind == TrafficKind::AccessSession)
            .map(|r| match r.end {
                Some(_) => (false, r.day, r.net.0, r.net.1),
                None => (true, 0, r.net.0, r.net.1),
            })
            .collect();
        if pairs.is_empty() {
            return Ok(());
        }
        let mut st = self
            .conn
            .prepare_cached(
                "INSERT OR IGNORE INTO traffic_prefix_len (open, day, family, len)
                 VALUES (?1, ?2, ?3, ?4)",
            )
            .map_err(backend)?;
        for (open, day, family, len) in pairs {
            st.execute(params![open, day, family, len])
                .map_err(backend)?;
        }
        Ok(())
    }
}

impl Drop for SqliteTrafficBatch {
    fn drop(&mut self) {
        if !self.committed {
            // What SQLite also does when the connection closes; explicit keeps the WAL small.
            let _ = self.conn.execute_batch("ROLLBACK");
        }
    }
}

impl TrafficTx for SqliteTrafficBatch {
    fn seq(&self) -> i64 {
        self.seq
    }

    async fn insert_traffic(&mut self, rows: &[TrafficRow]) -> StoreResult<()> {
        let out = self.insert_rows(rows);
        self.failed |= out.is_err();
        out
    }

    async fn take_open(&mut self, refs: &[OpenRef]) -> StoreResult<Vec<Option<TrafficRow>>> {
        let mut st = self
            .conn
            .prepare_cached(
                "DELETE FROM traffic_open
                 WHERE kind = ?1 AND key = ?2 AND first_port = ?3 AND start = ?4
                 RETURNING batch, day, family, len, user, last_port, sealed",
            )
            .map_err(backend)?;
        let mut out = Vec::with_capacity(refs.len());
        for o in refs {
            let row = st
                .query_row(
                    params![o.kind.code(), &o.key.0[..], o.first_port, o.start],
                    |r| {
                        Ok(TrafficRow {
                            batch: r.get(0)?,
                            kind: o.kind,
                            day: r.get(1)?,
                            key: o.key,
                            net: (r.get(2)?, r.get(3)?),
                            user: blind_opt(r, 4)?,
                            first_port: o.first_port,
                            last_port: r.get(5)?,
                            start: o.start,
                            end: None,
                            sealed: r.get(6)?,
                        })
                    },
                )
                .optional()
                .map_err(backend)?;
            out.push(row);
        }
        Ok(out)
    }

    async fn insert_comm(&mut self, rows: &[tdip_store::CommRow]) -> StoreResult<()> {
        let out = self.comm.insert_comm(&self.conn, rows);
        self.failed |= out.is_err();
        out
    }

    async fn insert_cells(&mut self, rows: &[tdip_store::CellRow]) -> StoreResult<()> {
        let out = insert_cells(&self.conn, rows);
        self.failed |= out.is_err();
        out
    }

    async fn commit(mut self, batch: &NewTrafficBatch) -> StoreResult<i64> {
        if self.failed {
            return Err(StoreError::Conflict(
                "a write of this batch failed, so part of it may be missing; the batch is \
                 not committed (deliver it again once corrected)"
                    .into(),
            ));
        }
        if batch.provider != self.provider {
            return Err(StoreError::Conflict(
                "the batch log entry names another provider than the batch was begun for".into(),
            ));
        }
        if batch.outcome != DeliveryOutcome::Accepted {
            return Err(StoreError::Conflict(
                "a committed batch is accepted; log a rejected one with \
                 record_rejected_traffic"
                    .into(),
            ));
        }
        let accepted: bool = self
            .conn
            .query_row(
                "SELECT EXISTS (SELECT 1 FROM traffic_batch
                                WHERE provider = ?1 AND batch_id = ?2 AND outcome = 'accepted')",
                params![batch.provider, batch.batch_id],
                |r| r.get(0),
            )
            .map_err(backend)?;
        if accepted {
            return Err(StoreError::Conflict(format!(
                "provider {} has an accepted traffic batch with this id already; give the \
                 batch a new id",
                batch.provider
            )));
        }
        if let Err(e) = self.flush().and_then(|()| self.comm.finish(&self.conn)) {
            self.failed = true;
            return Err(e);
        }
        insert_batch_log(&self.conn, Some(self.seq), batch).map_err(backend)?;
        {
            let mut st = self
                .conn
                .prepare_cached(
                    "INSERT INTO traffic_day (day, kind, rows, max_block) VALUES (?1, ?2, ?3, ?4)
                     ON CONFLICT (day, kind) DO UPDATE SET
                        rows = rows + excluded.rows,
                        max_block = MAX(max_block, excluded.max_block)",
                )
                .map_err(backend)?;
            for ((day, kind), t) in &self.tally {
                st.execute(params![day, kind, t.rows as i64, t.max_block])
                    .map_err(backend)?;
            }
        }
        self.conn.execute_batch("COMMIT").map_err(backend)?;
        self.committed = true;
        Ok(self.seq)
    }
}

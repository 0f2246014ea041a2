//! The writes of communications and cell configurations within one traffic batch.
//!
//! Rows go to their day's `comm_d` table at once (in row-id order, so appended); their
//! index entries gather and are written, sorted by day and key, as one run per day when
//! the buffer is full and at commit. The day registry (`comm_day`) is updated at commit.

use std::collections::{BTreeMap, HashSet};

use rusqlite::{Connection, params};

use super::backend;
use super::comm::{comm_day_ddl, comm_table, rid};
use tdip_store::{CellRow, CommRow, Day, StoreError, StoreResult};

/// Rows per INSERT into a day's rows table (5 parameters each).
const ROWS_PER_INSERT: usize = 64;

/// Index entries per INSERT (4 parameters each).
const ENTRIES_PER_INSERT: usize = 128;

/// Index entries a batch gathers before writing them as a run: bounds the batch's memory
/// (about 60 MB) and the runs of a day (a lookup seeks each).
const RUN_ENTRIES: usize = 1 << 20;

/// One index entry waiting for its run.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Entry {
    day: Day,
    key: [u8; 16],
    start: i64,
    rid: i64,
    span: i64,
}

/// What a batch adds to one day.
#[derive(Clone, Copy, Default)]
struct Tally {
    rows: u64,
    max_span: i64,
}

/// The communications and cells part of an open traffic batch.
pub(crate) struct CommWriter {
    seq: i64,
    /// Days whose tables exist (registered before, or created by this batch).
    tables: HashSet<Day>,
    tally: BTreeMap<Day, Tally>,
    pending: Vec<Entry>,
    runs: i64,
}

fn conflict(e: rusqlite::Error, what: &'static str) -> StoreError {
    match backend(e) {
        StoreError::Conflict(_) => StoreError::Conflict(what.into()),
        other => other,
    }
}

impl CommWriter {
    /// The writer of batch `seq`, on the batch's connection (inside its transaction).
    pub(crate) fn begin(conn: &Connection, seq: i64) -> StoreResult<Self> {
        let tables = conn
            .prepare("SELECT day FROM comm_day")
            .and_then(|mut st| st.query_map([], |r| r.get::<_, Day>(0))?.collect())
            .map_err(backend)?;
        Ok(CommWriter {
            seq,
            tables,
            tally: BTreeMap::new(),
            pending: Vec::new(),
            runs: 0,
        })
    }

    fn ensure_tables(&mut self, conn: &Connection, day: Day) -> StoreResult<()> {
        if self.tables.insert(day) {
            conn.execute_batch(&comm_day_ddl(day)).map_err(backend)?;
        }
        Ok(())
    }

    /// Writes rows to their days and keeps their index entries for the next run.
    pub(crate) fn insert_comm(&mut self, conn: &Connection, rows: &[CommRow]) -> StoreResult<()> {
        let mut sorted: Vec<&CommRow> = rows.iter().collect();
        sorted.sort_by_key(|r| (r.day, r.batch, r.ord));
        let mut rest = &sorted[..];
        while let Some(first) = rest.first() {
            let day = first.day;
            let n = rest.iter().take_while(|r| r.day == day).count();
            self.ensure_tables(conn, day)?;
            for chunk in rest[..n].chunks(ROWS_PER_INSERT) {
                insert_rows(conn, day, chunk)?;
            }
            let t = self.tally.entry(day).or_default();
            for r in &rest[..n] {
                let span = r.end - r.start;
                t.rows += 1;
                t.max_span = t.max_span.max(span);
                let rid = rid(r.batch, r.ord);
                self.pending.extend(r.keys.iter().map(|k| Entry {
                    day,
                    key: k.0,
                    start: r.start,
                    rid,
                    span,
                }));
            }
            rest = &rest[n..];
        }
        if self.pending.len() >= RUN_ENTRIES {
            self.flush(conn)?;
        }
        Ok(())
    }

    /// Writes the pending index entries as one run per day, in key order.
    pub(crate) fn flush(&mut self, conn: &Connection) -> StoreResult<()> {
        if self.pending.is_empty() {
            return Ok(());
        }
        let mut pending = std::mem::take(&mut self.pending);
        pending.sort_unstable();
        self.runs += 1;
        let run = (self.seq << 24) | self.runs;
        let mut rest = &pending[..];
        while let Some(first) = rest.first() {
            let day = first.day;
            let n = rest.iter().take_while(|e| e.day == day).count();
            for chunk in rest[..n].chunks(ENTRIES_PER_INSERT) {
                insert_entries(conn, day, run, chunk)?;
            }
            conn.prepare_cached("INSERT OR IGNORE INTO comm_run (day, run) VALUES (?1, ?2)")
                .and_then(|mut st| st.execute(params![day, run]))
                .map_err(backend)?;
            rest = &rest[n..];
        }
        pending.clear();
        self.pending = pending;
        Ok(())
    }

    /// Writes what is pending and registers the batch's days (before the batch commits).
    pub(crate) fn finish(&mut self, conn: &Connection) -> StoreResult<()> {
        self.flush(conn)?;
        let mut st = conn
            .prepare_cached(
                "INSERT INTO comm_day (day, rows, max_span) VALUES (?1, ?2, ?3)
                 ON CONFLICT (day) DO UPDATE SET
                    rows = rows + excluded.rows,
                    max_span = MAX(max_span, excluded.max_span)",
            )
            .map_err(backend)?;
        for (day, t) in &self.tally {
            st.execute(params![day, t.rows as i64, t.max_span])
                .map_err(backend)?;
        }
        Ok(())
    }
}

fn insert_rows(conn: &Connection, day: Day, rows: &[&CommRow]) -> StoreResult<()> {
    let mut sql = format!(
        "INSERT INTO {} (rid, kind, start, end_at, sealed) VALUES ",
        comm_table('d', day)
    );
    push_tuples(&mut sql, rows.len(), "(?,?,?,?,?)");
    let mut st = conn.prepare_cached(&sql).map_err(backend)?;
    for (i, r) in rows.iter().enumerate() {
        let p = 5 * i;
        (|| {
            st.raw_bind_parameter(p + 1, rid(r.batch, r.ord))?;
            st.raw_bind_parameter(p + 2, r.kind.code())?;
            st.raw_bind_parameter(p + 3, r.start)?;
            st.raw_bind_parameter(p + 4, r.end)?;
            st.raw_bind_parameter(p + 5, &r.sealed[..])
        })()
        .map_err(backend)?;
    }
    st.raw_execute().map(drop).map_err(|e| {
        conflict(
            e,
            "a communication of this batch and number is already stored on this day (or \
             ends before it starts); deliver each record once",
        )
    })
}

fn insert_entries(conn: &Connection, day: Day, run: i64, entries: &[Entry]) -> StoreResult<()> {
    // A row's keys are without repeats; OR IGNORE makes a repeat harmless all the same.
    let mut sql = format!(
        "INSERT OR IGNORE INTO {} (run, key, start, rid, span) VALUES ",
        comm_table('k', day)
    );
    // `?1` is the run; the `?` after it number on from 2.
    push_tuples(&mut sql, entries.len(), "(?1,?,?,?,?)");
    let mut st = conn.prepare_cached(&sql).map_err(backend)?;
    st.raw_bind_parameter(1, run).map_err(backend)?;
    for (i, e) in entries.iter().enumerate() {
        let p = 1 + 4 * i;
        (|| {
            st.raw_bind_parameter(p + 1, &e.key[..])?;
            st.raw_bind_parameter(p + 2, e.start)?;
            st.raw_bind_parameter(p + 3, e.rid)?;
            st.raw_bind_parameter(p + 4, e.span)
        })()
        .map_err(backend)?;
    }
    st.raw_execute().map(drop).map_err(backend)
}

fn push_tuples(sql: &mut String, n: usize, one: &str) {
    for i in 0..n {
        if i > 0 {
            sql.push(',');
        }
        sql.push_str(one);
    }
}

/// Adds cell configurations; one already stored is a conflict.
pub(crate) fn insert_cells(conn: &Connection, rows: &[CellRow]) -> StoreResult<()> {
    let mut st = conn
        .prepare_cached(
            "INSERT INTO cell_config (provider, cell_id, valid_from, batch, latitude, longitude,
                                      config, mac)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        )
        .map_err(backend)?;
    for r in rows {
        st.execute(params![
            r.provider,
            r.cell_id,
            r.valid_from,
            r.batch,
            r.latitude,
            r.longitude,
            r.config,
            &r.mac.0[..]
        ])
        .map_err(|e| {
            conflict(
                e,
                "a configuration of this cell from this moment is already stored (or its \
                 provider is not registered, or it has one coordinate without the other); \
                 deliver each configuration once",
            )
        })?;
    }
    Ok(())
}

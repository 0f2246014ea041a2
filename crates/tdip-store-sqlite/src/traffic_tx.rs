//! One traffic batch as one SQLite write transaction on its own connection.

use std::collections::{BTreeMap, BTreeSet, HashSet};

use rusqlite::{Connection, OptionalExtension, params};

use super::backend;
use super::traffic::{blind_opt, day_table, insert_batch_log};
use tdip_store::{
    Day, DeliveryOutcome, NewTrafficBatch, OpenRef, StoreError, StoreResult, TrafficKind,
    TrafficRow, TrafficTx,
};

/// Rows per INSERT statement (11 parameters each).
const ROWS_PER_INSERT: usize = 64;

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
        Ok(SqliteTrafficBatch {
            conn,
            provider: provider.to_owned(),
            seq,
            tables,
            tally: BTreeMap::new(),
            committed: false,
        })
    }

    /// Creates the table of `day` unless it exists (inside the batch: a rollback
    /// removes it again).
    fn ensure_table(&mut self, day: Day) -> StoreResult<()> {
        if self.tables.contains(&day) {
            return Ok(());
        }
        let t = day_table(day);
        self.conn
            .execute_batch(&format!(
                "CREATE TABLE IF NOT EXISTS {t} (
                    kind INTEGER NOT NULL,
                    key BLOB NOT NULL,
                    first_port INTEGER NOT NULL,
                    start INTEGER NOT NULL,
                    batch INTEGER NOT NULL,
                    last_port INTEGER NOT NULL CHECK (last_port >= first_port),
                    end_at INTEGER NOT NULL,
                    family INTEGER NOT NULL,
                    len INTEGER NOT NULL,
                    user BLOB,
                    sealed BLOB NOT NULL,
                    PRIMARY KEY (kind, key, first_port, start, batch)
                 ) STRICT, WITHOUT ROWID;
                 CREATE INDEX IF NOT EXISTS {t}_by_user ON {t}(user, start)
                    WHERE user IS NOT NULL;"
            ))
            .map_err(backend)?;
        self.tables.insert(day);
        Ok(())
    }

    /// Inserts rows bound for one place: a day table (`Some(day)`) or the open set.
    fn insert_run(&mut self, day: Option<Day>, rows: &[&TrafficRow]) -> StoreResult<()> {
        for chunk in rows.chunks(ROWS_PER_INSERT) {
            let mut st = self
                .conn
                .prepare_cached(&insert_sql(day, chunk.len()))
                .map_err(backend)?;
            for (i, r) in chunk.iter().enumerate() {
                bind_row(&mut st, 11 * i, day.is_some(), r).map_err(backend)?;
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

/// The INSERT of `n` rows into a day table (`Some(day)`) or the open set.
fn insert_sql(day: Option<Day>, n: usize) -> String {
    let mut sql = match day {
        Some(d) => format!(
            "INSERT INTO {} (kind, key, first_port, start, batch, family, len, user, sealed,
                             last_port, end_at) VALUES ",
            day_table(d)
        ),
        None => "INSERT INTO traffic_open (kind, key, first_port, start, batch, family, len,
                                           user, sealed, last_port, day) VALUES "
            .to_owned(),
    };
    for i in 0..n {
        sql.push_str(if i == 0 {
            "(?,?,?,?,?,?,?,?,?,?,?)"
        } else {
            ",(?,?,?,?,?,?,?,?,?,?,?)"
        });
    }
    sql
}

/// Binds one row's eleven values from parameter `p + 1` on, in [`insert_sql`]'s order.
fn bind_row(
    st: &mut rusqlite::Statement<'_>,
    p: usize,
    closed: bool,
    r: &TrafficRow,
) -> rusqlite::Result<()> {
    st.raw_bind_parameter(p + 1, r.kind.code())?;
    st.raw_bind_parameter(p + 2, &r.key.0[..])?;
    st.raw_bind_parameter(p + 3, r.first_port)?;
    st.raw_bind_parameter(p + 4, r.start)?;
    st.raw_bind_parameter(p + 5, r.batch)?;
    st.raw_bind_parameter(p + 6, r.net.0)?;
    st.raw_bind_parameter(p + 7, r.net.1)?;
    st.raw_bind_parameter(p + 8, r.user.as_ref().map(|u| &u.0[..]))?;
    st.raw_bind_parameter(p + 9, &r.sealed[..])?;
    st.raw_bind_parameter(p + 10, r.last_port)?;
    if closed {
        st.raw_bind_parameter(p + 11, r.end)
    } else {
        st.raw_bind_parameter(p + 11, r.day)
    }
}

/// A row that is already stored: the same open record, or the same record of one batch
/// twice in a day. The message names no value.
fn duplicate(e: rusqlite::Error, open: bool) -> StoreError {
    match backend(e) {
        StoreError::Conflict(_) if open => StoreError::Conflict(
            "an open record of this kind, address, first port and start is already open; \
             close it (event end) before delivering it open again"
                .into(),
        ),
        StoreError::Conflict(_) => StoreError::Conflict(
            "a record of this kind, address, first port and start appears twice in this batch \
             (or a port block's last port lies before its first); deliver it once"
                .into(),
        ),
        other => other,
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
        // Sorted by destination and then by primary key: one run per table, appended to
        // each B-tree in key order.
        let mut order: Vec<&TrafficRow> = rows.iter().collect();
        order.sort_unstable_by(|a, b| {
            (a.end.is_none(), a.day, a.kind, a.key, a.first_port, a.start).cmp(&(
                b.end.is_none(),
                b.day,
                b.kind,
                b.key,
                b.first_port,
                b.start,
            ))
        });
        let mut rest = &order[..];
        while let Some(first) = rest.first() {
            let place = first.end.map(|_| first.day);
            let n = rest
                .iter()
                .take_while(|r| r.end.map(|_| r.day) == place)
                .count();
            if let Some(day) = place {
                self.ensure_table(day)?;
            }
            self.insert_run(place, &rest[..n])?;
            rest = &rest[n..];
        }
        self.note_prefix_lengths(rows)
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

    async fn commit(mut self, batch: &NewTrafficBatch) -> StoreResult<i64> {
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

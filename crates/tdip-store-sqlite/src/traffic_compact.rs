//! Merging a day's runs into one, so a lookup seeks that day once.
//!
//! A batch writes its rows in sorted runs, so ingest appends to the B-trees; a lookup
//! then seeks each run of the day. Once a day no longer receives rows (the day is over
//! and late batches are in), compacting it rewrites the day in one sorted pass.

use rusqlite::params;

use super::traffic::day_table;
use super::traffic_rows::{table_ddl, user_index_ddl};
use super::{SqliteStore, backend, connect};
use tdip_store::{Day, StoreError, StoreResult};

/// Day columns copied by a compaction (all but `run`).
const COPIED: &str =
    "kind, key, first_port, start, batch, last_port, end_at, family, len, user, sealed";

impl SqliteStore {
    /// Merges the runs of `day` into one (holding the write lock like a batch, for a few
    /// seconds per million rows); returns how many runs there were. A day with one run
    /// or none is left as it is. Readers keep reading meanwhile (they see the day as it
    /// was until the merge commits). The sort spills to temporary files, not memory.
    pub fn compact_traffic_day(&self, day: Day) -> StoreResult<u64> {
        let conn = connect(&self.path)?;
        conn.execute_batch("PRAGMA temp_store = FILE; BEGIN IMMEDIATE")
            .map_err(backend)?;
        let (runs, merged): (i64, Option<i64>) = conn
            .query_row(
                "SELECT COUNT(DISTINCT run), MIN(run) FROM traffic_run WHERE day = ?1",
                [day],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .map_err(backend)?;
        let Some(merged) = merged.filter(|_| runs > 1) else {
            conn.execute_batch("COMMIT").map_err(backend)?;
            return Ok(runs as u64);
        };
        let t = day_table(day);
        let tmp = format!("{t}_compacting");
        let sql = format!(
            "{create}
             INSERT INTO {tmp} ({COPIED}, run)
                SELECT {COPIED}, {merged} FROM {t}
                ORDER BY kind, key, first_port, start, batch;
             DROP TABLE {t};
             ALTER TABLE {tmp} RENAME TO {t};
             {index}
             DELETE FROM traffic_run WHERE day = {day};",
            create = table_ddl(&tmp),
            index = user_index_ddl(&t),
        );
        conn.execute_batch(&sql).map_err(|e| match backend(e) {
            StoreError::Conflict(_) => StoreError::Conflict(
                "this day holds the same record twice within one batch (in two runs), so its \
                 runs cannot be merged; the day is left as it was"
                    .into(),
            ),
            other => other,
        })?;
        conn.execute(
            "INSERT INTO traffic_run (day, kind, run)
             SELECT day, kind, ?2 FROM traffic_day WHERE day = ?1",
            params![day, merged],
        )
        .map_err(backend)?;
        conn.execute_batch("COMMIT").map_err(backend)?;
        Ok(runs as u64)
    }
}

//! The communications part of a traffic batch (migration 7): rows into `comm_row`, their
//! blind indexes into `comm_key`, both by binary `COPY` through the partitioned parents,
//! which route each row to its day partition.
//!
//! As for traffic rows, the partitions a batch needs are created before its rows are sent,
//! each day in a short transaction of its own on another connection, so the batch's
//! transaction never holds a lock on the tables' structure. Per day the batch tallies the
//! rows it wrote (into `traffic_day`, through the batch's tally) and the longest span
//! (into `comm_day`), both written at commit.

use std::collections::{BTreeMap, BTreeSet, HashSet};

use sqlx::PgConnection;
use sqlx::postgres::PgPool;
use tdip_store::{BlindIndex, CommRow, Day, StoreError, StoreResult};

use crate::copy::{BinaryRows, Field, check_field, copy_in};
use crate::error::backend;

/// The columns of `comm_row` in [`encode_row`]'s order.
const ROW_TARGET: &str = "comm_row (day, batch, ord, kind, start, end_at, sealed)";

/// The columns of `comm_key` in [`encode_key`]'s order.
const KEY_TARGET: &str = "comm_key (day, key, start, end_at, batch, ord)";

/// What a batch has written of communications so far.
#[derive(Debug, Default)]
pub(crate) struct CommBatch {
    /// Days whose partitions exist (made sure of by this batch).
    days: HashSet<Day>,
    /// The longest span (end - start) written per day.
    spans: BTreeMap<Day, i64>,
}

/// One index entry: the row it finds and its blind index.
struct KeyEntry<'a> {
    row: &'a CommRow,
    key: &'a BlindIndex,
}

fn encode_row(out: &mut BinaryRows, r: &CommRow) {
    let day = r.day.to_be_bytes();
    let kind = r.kind.code().to_be_bytes();
    out.row(&[
        Field::Bytes(&day),
        Field::Int(r.batch),
        Field::Int(i64::from(r.ord)),
        Field::Bytes(&kind),
        Field::Int(r.start),
        Field::Int(r.end),
        Field::Bytes(&r.sealed),
    ]);
}

fn encode_key(out: &mut BinaryRows, e: &KeyEntry<'_>) {
    let day = e.row.day.to_be_bytes();
    out.row(&[
        Field::Bytes(&day),
        Field::Bytes(&e.key.0),
        Field::Int(e.row.start),
        Field::Int(e.row.end),
        Field::Int(e.row.batch),
        Field::Int(i64::from(e.row.ord)),
    ]);
}

/// Refuses rows the tables would refuse with a less helpful message, before any is sent.
fn check_rows(rows: &[CommRow]) -> StoreResult<()> {
    for r in rows {
        if !r.kind.is_communication() {
            return Err(StoreError::Conflict(
                "a communication row is of kind fixed, mobile or internet; store port blocks \
                 and sessions as traffic rows and cells as cell configurations"
                    .into(),
            ));
        }
        if r.end < r.start {
            return Err(StoreError::Conflict(
                "a communication ends before it starts; give it an end at or after its start"
                    .into(),
            ));
        }
        check_field(r.sealed.len(), "sealed communication")?;
    }
    Ok(())
}

/// A row that is already stored. The message names no value.
fn duplicate(e: sqlx::Error) -> StoreError {
    match backend(e) {
        StoreError::Conflict(_) => StoreError::Conflict(
            "a communication is stored twice for one day (same batch and record number); \
             deliver each record once"
                .into(),
        ),
        other => other,
    }
}

/// Makes sure the partitions of `days` exist, each day in a short transaction of its own
/// on another connection. Called by the holder of the traffic write lock only.
async fn ensure_days(pool: &PgPool, days: &[Day]) -> StoreResult<()> {
    let mut tx = pool.begin().await.map_err(backend)?;
    sqlx::query("SELECT tdip_comm_day(d) FROM unnest($1::integer[]) AS d")
        .bind(days)
        .execute(&mut *tx)
        .await
        .map_err(backend)?;
    tx.commit().await.map_err(backend)
}

impl CommBatch {
    /// Writes `rows` and their index entries (each index once per row) on `conn` (the
    /// batch's transaction), adding one per row to `tally` under (day, kind).
    pub(crate) async fn insert(
        &mut self,
        conn: &mut PgConnection,
        pool: &PgPool,
        rows: &[CommRow],
        tally: &mut BTreeMap<(Day, i16), (u64, i32)>,
    ) -> StoreResult<()> {
        if rows.is_empty() {
            return Ok(());
        }
        check_rows(rows)?;
        let new_days: Vec<Day> = rows
            .iter()
            .map(|r| r.day)
            .filter(|d| !self.days.contains(d))
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        if !new_days.is_empty() {
            ensure_days(pool, &new_days).await?;
            self.days.extend(new_days);
        }
        copy_in(conn, ROW_TARGET, rows, encode_row)
            .await
            .map_err(duplicate)?;
        let mut entries: Vec<KeyEntry<'_>> =
            Vec::with_capacity(rows.iter().map(|r| r.keys.len()).sum());
        for row in rows {
            let first = entries.len();
            for key in &row.keys {
                // The contract says without repeats; a repeat is the same entry, kept once.
                if !entries[first..].iter().any(|e| e.key == key) {
                    entries.push(KeyEntry { row, key });
                }
            }
        }
        copy_in(conn, KEY_TARGET, &entries, encode_key)
            .await
            .map_err(duplicate)?;
        for r in rows {
            let t = tally.entry((r.day, r.kind.code())).or_insert((0, 1));
            t.0 += 1;
            let span = r.end.checked_sub(r.start).unwrap_or(i64::MAX);
            let max = self.spans.entry(r.day).or_default();
            *max = (*max).max(span);
        }
        Ok(())
    }

    /// Records the longest span per day in `comm_day`; part of the batch's commit.
    pub(crate) async fn commit(&self, conn: &mut PgConnection) -> StoreResult<()> {
        if self.spans.is_empty() {
            return Ok(());
        }
        let days: Vec<Day> = self.spans.keys().copied().collect();
        let spans: Vec<i64> = self.spans.values().copied().collect();
        sqlx::query(
            "INSERT INTO comm_day (day, max_span)
             SELECT * FROM unnest($1::integer[], $2::bigint[])
             ON CONFLICT (day) DO UPDATE SET
                max_span = greatest(comm_day.max_span, excluded.max_span)",
        )
        .bind(&days)
        .bind(&spans)
        .execute(conn)
        .await
        .map_err(backend)?;
        Ok(())
    }
}

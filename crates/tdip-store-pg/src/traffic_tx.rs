//! One traffic batch as one PostgreSQL transaction on one pooled connection.
//!
//! The transaction holds the traffic write lock (a transaction-level advisory lock of its
//! own, so a traffic batch and a subscriber delivery do not wait for each other) from
//! [`PgTrafficBatch::begin`] until commit or rollback. Rows go in with binary `COPY`:
//! closed rows into `traffic_row`, which routes each to its day partition (a local table
//! or a `postgres_fdw` foreign table), open rows into `traffic_open`; communications and
//! cells through `comm_tx` and `cells`.
//!
//! Day partitions a batch needs are learnt from the rows as they come and created before
//! the rows are sent, each in a short transaction of its own on another connection (see
//! [`ensure_days`]): the batch's transaction then never holds a lock on the table's
//! structure, so lookups and the attachment of remote days go on beside it. A partition
//! left empty by a batch that rolls back stays, and is harmless (it holds no rows, and
//! `traffic_days` does not list it).

use std::collections::{BTreeMap, BTreeSet, HashSet};

use sqlx::PgConnection;
use sqlx::postgres::{PgPool, Postgres};
use sqlx::{AssertSqlSafe, Transaction};
use tdip_store::{
    CellRow, CommRow, Day, DeliveryOutcome, NewTrafficBatch, OpenRef, StoreError, StoreResult,
    TrafficKind, TrafficRow, TrafficTx,
};

use crate::DELIVERY_TIMEOUT;
use crate::comm_tx::CommBatch;
use crate::copy::{BinaryRows, Field, check_field, copy_in};
use crate::error::{backend, is_connection_lost, is_timeout, read};
use crate::traffic::{OPEN_COLUMNS, TRAFFIC_LOCK, insert_batch_log, open_row, prefixed};

/// An open traffic batch. Holds the traffic write lock until commit or drop; dropping it
/// without [`TrafficTx::commit`] rolls the transaction back (sent when the connection
/// returns to the pool, so drop it inside the Tokio runtime). After an error the batch
/// should be dropped: PostgreSQL refuses further statements in a failed transaction.
pub struct PgTrafficBatch {
    tx: Transaction<'static, Postgres>,
    pool: PgPool,
    provider: String,
    seq: i64,
    /// Days whose partitions exist (made sure of by this batch).
    days: HashSet<Day>,
    /// Rows written per (day, kind) and the largest block among them, for `traffic_day`.
    tally: BTreeMap<(Day, i16), (u64, i32)>,
    /// Communications written so far.
    comm: CommBatch,
}

impl std::fmt::Debug for PgTrafficBatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgTrafficBatch")
            .field("provider", &self.provider)
            .field("seq", &self.seq)
            .finish_non_exhaustive()
    }
}

/// Takes the traffic write lock for the rest of the current transaction; fails with
/// [`StoreError::Busy`] when the wait times out.
pub(crate) async fn lock_traffic(conn: &mut PgConnection) -> StoreResult<()> {
    match sqlx::query(TRAFFIC_LOCK).execute(conn).await {
        Ok(_) => Ok(()),
        Err(e) if is_timeout(&e) => Err(StoreError::Busy),
        Err(e) => Err(backend(e)),
    }
}

/// Makes sure the partitions of `days` exist, in one short transaction on a connection of
/// its own. Called by the holder of the traffic write lock only (a batch or the drop of a
/// day), so no two callers race to create one partition.
async fn ensure_days(pool: &PgPool, days: &[Day]) -> StoreResult<()> {
    let mut tx = pool.begin().await.map_err(backend)?;
    sqlx::query("SELECT tdip_traffic_day(d) FROM unnest($1::integer[]) AS d")
        .bind(days)
        .execute(&mut *tx)
        .await
        .map_err(backend)?;
    tx.commit().await.map_err(backend)
}

/// Four bytes big-endian: an `integer` in COPY's binary format.
fn int4(v: i32) -> [u8; 4] {
    v.to_be_bytes()
}

/// Two bytes big-endian: a `smallint` in COPY's binary format.
fn int2(v: i16) -> [u8; 2] {
    v.to_be_bytes()
}

/// Appends one closed row in `traffic_row`'s column order.
fn encode_closed(out: &mut BinaryRows, r: &TrafficRow) {
    let (day, kind) = (int4(r.day), int2(r.kind.code()));
    let (first, last) = (int4(r.first_port.into()), int4(r.last_port.into()));
    let (family, len) = (int2(r.net.0.into()), int2(r.net.1.into()));
    out.row(&[
        Field::Bytes(&day),
        Field::Bytes(&kind),
        Field::Bytes(&r.key.0),
        Field::Bytes(&first),
        Field::Int(r.start),
        Field::Int(r.batch),
        Field::Bytes(&last),
        Field::Int(r.end.unwrap_or_default()),
        Field::Bytes(&family),
        Field::Bytes(&len),
        match &r.user {
            Some(u) => Field::Bytes(&u.0),
            None => Field::OptInt(None),
        },
        Field::Bytes(&r.sealed),
    ]);
}

/// Appends one open row in [`OPEN_COLUMNS`]' order.
fn encode_open(out: &mut BinaryRows, r: &TrafficRow) {
    let (day, kind) = (int4(r.day), int2(r.kind.code()));
    let (first, last) = (int4(r.first_port.into()), int4(r.last_port.into()));
    let (family, len) = (int2(r.net.0.into()), int2(r.net.1.into()));
    out.row(&[
        Field::Bytes(&kind),
        Field::Bytes(&r.key.0),
        Field::Bytes(&first),
        Field::Int(r.start),
        Field::Int(r.batch),
        Field::Bytes(&family),
        Field::Bytes(&len),
        match &r.user {
            Some(u) => Field::Bytes(&u.0),
            None => Field::OptInt(None),
        },
        Field::Bytes(&r.sealed),
        Field::Bytes(&last),
        Field::Bytes(&day),
    ]);
}

/// The columns of `traffic_row` in [`encode_closed`]'s order.
const CLOSED_TARGET: &str = "traffic_row (day, kind, key, first_port, start, batch, last_port, \
                             end_at, family, len, user_key, sealed)";

/// A row that is already stored. The message names no value.
fn duplicate(e: sqlx::Error, open: bool) -> StoreError {
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

impl PgTrafficBatch {
    pub(crate) async fn begin(pool: &PgPool, provider: &str) -> StoreResult<Self> {
        let mut tx = pool.begin().await.map_err(backend)?;
        lock_traffic(&mut tx).await?;
        sqlx::query(DELIVERY_TIMEOUT)
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
        let (exists, seq): (bool, i64) = sqlx::query_as(
            "SELECT EXISTS (SELECT 1 FROM provider WHERE id = $1),
                    (SELECT COALESCE(MAX(seq), 0) + 1 FROM traffic_batch)",
        )
        .bind(provider)
        .fetch_one(&mut *tx)
        .await
        .map_err(backend)?;
        if !exists {
            return Err(StoreError::NotFound(format!("provider {provider}")));
        }
        Ok(PgTrafficBatch {
            tx,
            pool: pool.clone(),
            provider: provider.to_owned(),
            seq,
            days: HashSet::new(),
            tally: BTreeMap::new(),
            comm: CommBatch::default(),
        })
    }
}

/// Decides a commit whose reply was lost with the connection: acknowledged if the batch
/// log holds this batch (same seq, provider and checksum), otherwise not applied.
async fn settle_lost_commit(pool: &PgPool, seq: i64, b: &NewTrafficBatch) -> StoreResult<i64> {
    let stored: Option<(String, Vec<u8>)> = read(|| {
        sqlx::query_as("SELECT provider, checksum FROM traffic_batch WHERE seq = $1")
            .bind(seq)
            .fetch_optional(pool)
    })
    .await
    .map_err(|e| {
        StoreError::Unavailable(format!(
            "the connection to postgresql was lost while committing traffic batch {seq}, and \
             whether it was applied cannot be read now ({e}); list the traffic batches when \
             the server is back: it is listed if it was applied"
        ))
    })?;
    match stored {
        Some((provider, checksum)) if provider == b.provider && checksum == b.checksum => Ok(seq),
        _ => Err(StoreError::Unavailable(format!(
            "the connection to postgresql was lost while committing traffic batch {seq}; it \
             was not applied, deliver the batch again"
        ))),
    }
}

impl TrafficTx for PgTrafficBatch {
    fn seq(&self) -> i64 {
        self.seq
    }

    async fn insert_traffic(&mut self, rows: &[TrafficRow]) -> StoreResult<()> {
        for r in rows {
            check_field(r.sealed.len(), "sealed traffic record")?;
        }
        let (closed, open): (Vec<&TrafficRow>, Vec<&TrafficRow>) =
            rows.iter().partition(|r| r.end.is_some());
        let new_days: Vec<Day> = closed
            .iter()
            .map(|r| r.day)
            .filter(|d| !self.days.contains(d))
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        if !new_days.is_empty() {
            ensure_days(&self.pool, &new_days).await?;
            self.days.extend(new_days);
        }
        if !closed.is_empty() {
            copy_in(&mut self.tx, CLOSED_TARGET, &closed, |out, r| {
                encode_closed(out, r)
            })
            .await
            .map_err(|e| duplicate(e, false))?;
            for r in &closed {
                let t = self.tally.entry((r.day, r.kind.code())).or_default();
                t.0 += 1;
                let block = i32::from(r.last_port) - i32::from(r.first_port) + 1;
                t.1 = t.1.max(block.max(1));
            }
        }
        if !open.is_empty() {
            let target = format!("traffic_open ({OPEN_COLUMNS})");
            copy_in(&mut self.tx, &target, &open, |out, r| encode_open(out, r))
                .await
                .map_err(|e| duplicate(e, true))?;
        }
        let pairs: BTreeSet<(bool, Day, i16, i16)> = rows
            .iter()
            .filter(|r| r.kind == TrafficKind::AccessSession)
            .map(|r| match r.end {
                Some(_) => (false, r.day, r.net.0.into(), r.net.1.into()),
                None => (true, 0, r.net.0.into(), r.net.1.into()),
            })
            .collect();
        if !pairs.is_empty() && pairs.iter().any(|p| matches!(p.2, 4 | 6)) {
            let mut cols: (Vec<bool>, Vec<Day>, Vec<i16>, Vec<i16>) = Default::default();
            for (open, day, family, len) in pairs.into_iter().filter(|p| matches!(p.2, 4 | 6)) {
                cols.0.push(open);
                cols.1.push(day);
                cols.2.push(family);
                cols.3.push(len);
            }
            sqlx::query(
                "INSERT INTO traffic_prefix_len (open, day, family, len)
                 SELECT * FROM unnest($1::boolean[], $2::integer[], $3::smallint[],
                                      $4::smallint[])
                 ON CONFLICT DO NOTHING",
            )
            .bind(&cols.0)
            .bind(&cols.1)
            .bind(&cols.2)
            .bind(&cols.3)
            .execute(&mut *self.tx)
            .await
            .map_err(backend)?;
        }
        Ok(())
    }

    async fn take_open(&mut self, refs: &[OpenRef]) -> StoreResult<Vec<Option<TrafficRow>>> {
        if refs.is_empty() {
            return Ok(Vec::new());
        }
        let kinds: Vec<i16> = refs.iter().map(|o| o.kind.code()).collect();
        let keys: Vec<&[u8]> = refs.iter().map(|o| &o.key.0[..]).collect();
        let firsts: Vec<i32> = refs.iter().map(|o| o.first_port.into()).collect();
        let starts: Vec<i64> = refs.iter().map(|o| o.start).collect();
        // One statement; each ref is an index probe of the primary key.
        let rows = sqlx::query(AssertSqlSafe(format!(
            "DELETE FROM traffic_open AS o
             USING unnest($1::smallint[], $2::bytea[], $3::integer[], $4::bigint[])
                   AS r(kind, key, first_port, start)
             WHERE o.kind = r.kind AND o.key = r.key AND o.first_port = r.first_port
               AND o.start = r.start
             RETURNING {}",
            prefixed("o", OPEN_COLUMNS)
        )))
        .bind(&kinds)
        .bind(&keys)
        .bind(&firsts)
        .bind(&starts)
        .fetch_all(&mut *self.tx)
        .await
        .map_err(backend)?;
        let mut taken = Vec::with_capacity(rows.len());
        for row in &rows {
            taken.push(open_row(row).map_err(backend)?);
        }
        Ok(refs
            .iter()
            .map(|o| {
                let i = taken.iter().position(|r| {
                    r.kind == o.kind
                        && r.key == o.key
                        && r.first_port == o.first_port
                        && r.start == o.start
                })?;
                Some(taken.swap_remove(i))
            })
            .collect())
    }

    async fn insert_comm(&mut self, rows: &[CommRow]) -> StoreResult<()> {
        self.comm
            .insert(&mut self.tx, &self.pool, rows, &mut self.tally)
            .await
    }

    async fn insert_cells(&mut self, rows: &[CellRow]) -> StoreResult<()> {
        crate::cells::insert(&mut self.tx, rows).await
    }

    async fn commit(self, batch: &NewTrafficBatch) -> StoreResult<i64> {
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
        let PgTrafficBatch {
            mut tx,
            pool,
            seq,
            tally,
            comm,
            ..
        } = self;
        match insert_batch_log(&mut tx, Some(seq), batch).await {
            Err(StoreError::Conflict(_)) => {
                return Err(StoreError::Conflict(format!(
                    "provider {} has an accepted traffic batch with this id already; give the \
                     batch a new id",
                    batch.provider
                )));
            }
            other => other?,
        };
        if !tally.is_empty() {
            let mut cols: (Vec<Day>, Vec<i16>, Vec<i64>, Vec<i32>) = Default::default();
            for ((day, kind), (rows, block)) in tally {
                cols.0.push(day);
                cols.1.push(kind);
                cols.2.push(rows as i64);
                cols.3.push(block);
            }
            sqlx::query(
                "INSERT INTO traffic_day (day, kind, rows, max_block)
                 SELECT * FROM unnest($1::integer[], $2::smallint[], $3::bigint[], $4::integer[])
                 ON CONFLICT (day, kind) DO UPDATE SET
                    rows = traffic_day.rows + excluded.rows,
                    max_block = greatest(traffic_day.max_block, excluded.max_block)",
            )
            .bind(&cols.0)
            .bind(&cols.1)
            .bind(&cols.2)
            .bind(&cols.3)
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
        }
        comm.commit(&mut tx).await?;
        match tx.commit().await {
            Ok(()) => Ok(seq),
            Err(e) if is_connection_lost(&e) => settle_lost_commit(&pool, seq, batch).await,
            Err(e) => Err(backend(e)),
        }
    }
}

//! Monthly partitions of versions and their blind indexes (migration 2): closing
//! versions into the partition of their month, making sure partitions exist, and the
//! overlap check across partitions that PostgreSQL's per-partition constraints cannot do.

use std::ops::Range;

use sqlx::postgres::PgPool;
use sqlx::{AssertSqlSafe, PgConnection};
use tdip_store::{StoreError, StoreResult};

use crate::error::backend;
use crate::{OPEN_MONTH, lock_writer};

/// Makes sure the partitions of this month and the next exist, in a short transaction of
/// its own under the write lock: creating a partition locks the whole table, which inside
/// a delivery would hold lookups up until the delivery commits. (A delivery that closes
/// versions in another month still creates that month's partitions itself.)
pub(crate) async fn ensure_current(pool: &PgPool) -> StoreResult<()> {
    let mut tx = pool.begin().await.map_err(backend)?;
    lock_writer(&mut tx).await?;
    sqlx::query(
        "SELECT tdip_month_partitions(tdip_month(extract(epoch FROM now())::bigint) + k)
         FROM generate_series(0, 1) AS k",
    )
    .execute(&mut *tx)
    .await
    .map_err(backend)?;
    // The payment partitions of the last year and the next month: a delivery lists the
    // payments of the past months, which then need no partition made inside it.
    sqlx::query(
        "SELECT tdip_payment_partition(tdip_month(extract(epoch FROM now())::bigint) + k)
         FROM generate_series(-12, 1) AS k",
    )
    .execute(&mut *tx)
    .await
    .map_err(backend)?;
    tx.commit().await.map_err(backend)
}

/// Closes open versions (checked by the caller) at `valid_to`, last seen at `last_seen`,
/// and moves them and their blind indexes into the partitions of the month of
/// `valid_to`, creating those unless the month is in `made` (months this transaction
/// already made sure of).
pub(crate) async fn close(
    conn: &mut PgConnection,
    closes: &[(i64, Vec<u8>)],
    valid_to: i64,
    last_seen: i64,
    made: &mut Vec<i32>,
) -> StoreResult<()> {
    let month: i32 = sqlx::query_scalar("SELECT tdip_month($1)")
        .bind(valid_to)
        .fetch_one(&mut *conn)
        .await
        .map_err(backend)?;
    if !made.contains(&month) {
        sqlx::query("SELECT tdip_month_partitions($1)")
            .bind(month)
            .execute(&mut *conn)
            .await
            .map_err(backend)?;
        made.push(month);
    }
    // The open month is written into the statement, not bound: the partition is then
    // chosen when the statement is planned (plans are generic, see `lib.rs`).
    let ids: Vec<i64> = closes.iter().map(|(id, _)| *id).collect();
    let sealed: Vec<&[u8]> = closes.iter().map(|(_, s)| s.as_slice()).collect();
    // Each row finds its new blob by its position in the id array, so the statement
    // stays an index probe per id.
    sqlx::query(AssertSqlSafe(format!(
        "UPDATE version SET valid_to = $2, last_seen = $3, ends_month = $4,
                sealed = ($5::bytea[])[array_position($1::bigint[], id)]
         WHERE id = ANY($1) AND ends_month = {OPEN_MONTH}"
    )))
    .bind(&ids)
    .bind(valid_to)
    .bind(last_seen)
    .bind(month)
    .bind(&sealed)
    .execute(&mut *conn)
    .await
    .map_err(backend)?;
    sqlx::query(AssertSqlSafe(format!(
        "UPDATE ident SET ends_month = $2 WHERE version_id = ANY($1) AND ends_month = {OPEN_MONTH}"
    )))
    .bind(&ids)
    .bind(month)
    .execute(&mut *conn)
    .await
    .map_err(backend)?;
    Ok(())
}

/// Refuses a delivery if a version it closed (`closed`) or opened (ids in `opened`)
/// overlaps another version of the same subscription in another partition; within one
/// partition PostgreSQL's own constraints refuse it at commit. One set-based query.
pub(crate) async fn check_overlaps(
    conn: &mut PgConnection,
    closed: &[i64],
    opened: Range<i64>,
) -> StoreResult<()> {
    if opened.is_empty() && closed.is_empty() {
        return Ok(());
    }
    let touched: Vec<i64> = closed.iter().copied().chain(opened).collect();
    // One index probe per partition for each touched version (the LATERAL ... LIMIT 1
    // keeps the planner from scanning whole partitions to hash them): a daily delivery
    // touches a fraction of a percent of the versions.
    let overlap: bool = sqlx::query_scalar(
        "SELECT EXISTS (
             SELECT 1 FROM version AS n
             CROSS JOIN LATERAL (
                 SELECT 1 FROM version AS c
                 WHERE c.sub_key = n.sub_key AND c.id <> n.id AND c.ends_month <> n.ends_month
                   AND int8range(c.valid_from, c.valid_to) && int8range(n.valid_from, n.valid_to)
                 LIMIT 1) AS clash
             WHERE n.id = ANY($1))",
    )
    .bind(&touched)
    .fetch_one(conn)
    .await
    .map_err(backend)?;
    if overlap {
        return Err(StoreError::Conflict(
            "version_no_overlap: a version of this delivery overlaps another version of the \
             same subscription"
                .into(),
        ));
    }
    Ok(())
}

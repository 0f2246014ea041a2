//! The `RetentionStore` implementation of the PostgreSQL backend: closed versions and
//! their index entries live in the month partitions of their end (migration 2), so a
//! provider's month is a `DELETE` confined to one partition of each table (the month is
//! written into the statement so the partition is chosen when it is planned), and a month
//! left empty by every provider has both partitions dropped: its files go whole.

use sqlx::{AssertSqlSafe, PgConnection};
use tdip_store::{ClosedCounts, ClosedMonth, RetentionStore, StoreError, StoreResult};

use crate::error::backend;
use crate::{OPEN_MONTH, PgStore, lock_writer};

impl RetentionStore for PgStore {
    async fn oldest_closed_end(&self, provider: &str) -> StoreResult<Option<i64>> {
        // One probe per month partition, oldest first: retention leaves only a few.
        let mut conn = self.pool.acquire().await.map_err(backend)?;
        for month in months(&mut conn).await? {
            let end: Option<i64> = sqlx::query_scalar(AssertSqlSafe(format!(
                "SELECT min(valid_to) FROM version WHERE ends_month = {month} AND provider = $1"
            )))
            .bind(provider)
            .fetch_one(&mut *conn)
            .await
            .map_err(backend)?;
            if end.is_some() {
                return Ok(end);
            }
        }
        Ok(None)
    }

    async fn closed_versions_in(&self, provider: &str, month: ClosedMonth) -> StoreResult<u64> {
        let m = checked(month)?;
        let mut conn = self.pool.acquire().await.map_err(backend)?;
        versions_in(&mut conn, provider, m).await
    }

    async fn closed_in(&self, provider: &str, month: ClosedMonth) -> StoreResult<ClosedCounts> {
        let m = checked(month)?;
        let mut tx = self.pool.begin().await.map_err(backend)?;
        sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
        let versions = versions_in(&mut tx, provider, m).await?;
        let indexes: i64 = sqlx::query_scalar(AssertSqlSafe(format!(
            "SELECT count(*) FROM ident WHERE ends_month = {m} AND provider = $1"
        )))
        .bind(provider)
        .fetch_one(&mut *tx)
        .await
        .map_err(backend)?;
        tx.commit().await.map_err(backend)?;
        Ok(ClosedCounts {
            versions,
            indexes: indexes as u64,
        })
    }

    async fn delete_closed(&self, provider: &str, month: ClosedMonth) -> StoreResult<ClosedCounts> {
        let m = checked(month)?;
        let mut tx = self.pool.begin().await.map_err(backend)?;
        lock_writer(&mut tx).await?;
        let indexes = sqlx::query(AssertSqlSafe(format!(
            "DELETE FROM ident WHERE ends_month = {m} AND provider = $1"
        )))
        .bind(provider)
        .execute(&mut *tx)
        .await
        .map_err(backend)?
        .rows_affected();
        let versions = sqlx::query(AssertSqlSafe(format!(
            "DELETE FROM version WHERE ends_month = {m} AND provider = $1"
        )))
        .bind(provider)
        .execute(&mut *tx)
        .await
        .map_err(backend)?
        .rows_affected();
        let left: bool = sqlx::query_scalar(AssertSqlSafe(format!(
            "SELECT EXISTS (SELECT 1 FROM version WHERE ends_month = {m})
                 OR EXISTS (SELECT 1 FROM ident WHERE ends_month = {m})"
        )))
        .fetch_one(&mut *tx)
        .await
        .map_err(backend)?;
        if !left {
            let suffix = format!("{:04}_{:02}", m.div_euclid(12), m.rem_euclid(12) + 1);
            for table in ["version", "ident"] {
                sqlx::query(AssertSqlSafe(format!(
                    "DROP TABLE IF EXISTS {table}_{suffix}"
                )))
                .execute(&mut *tx)
                .await
                .map_err(backend)?;
            }
        }
        tx.commit().await.map_err(backend)?;
        Ok(ClosedCounts { versions, indexes })
    }
}

/// The versions of `provider` in month partition `m` (the month written into the
/// statement, so the partition is chosen when it is planned).
async fn versions_in(conn: &mut PgConnection, provider: &str, m: i32) -> StoreResult<u64> {
    let n: i64 = sqlx::query_scalar(AssertSqlSafe(format!(
        "SELECT count(*) FROM version WHERE ends_month = {m} AND provider = $1"
    )))
    .bind(provider)
    .fetch_one(conn)
    .await
    .map_err(backend)?;
    Ok(n as u64)
}

/// The month, refused if it is not one a closed version can end in.
fn checked(month: ClosedMonth) -> StoreResult<i32> {
    if month.month < 0 || month.month == OPEN_MONTH {
        return Err(StoreError::Backend(
            "a month of closed versions is out of range".into(),
        ));
    }
    Ok(month.month)
}

/// The months that have a partition of closed versions, oldest first.
async fn months(conn: &mut PgConnection) -> StoreResult<Vec<i32>> {
    let names: Vec<String> = sqlx::query_scalar(
        "SELECT c.relname::text FROM pg_inherits i
           JOIN pg_class c ON c.oid = i.inhrelid
         WHERE i.inhparent = 'version'::regclass AND c.relname ~ '^version_[0-9]{4}_[0-9]{2}$'
         ORDER BY c.relname",
    )
    .fetch_all(conn)
    .await
    .map_err(backend)?;
    Ok(names
        .iter()
        .filter_map(|n| {
            let (y, m) = n.strip_prefix("version_")?.split_once('_')?;
            Some(y.parse::<i32>().ok()? * 12 + m.parse::<i32>().ok()? - 1)
        })
        .collect())
}

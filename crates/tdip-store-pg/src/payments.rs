//! The `PaymentStore` implementation of the PostgreSQL backend (migration 8): payments in
//! partitions by the UTC month they were made in; a provider's month is a `DELETE`
//! confined to one partition, and a month no provider has payments of any more is
//! dropped whole.

use sqlx::{AssertSqlSafe, PgConnection, Row};
use tdip_store::{BlindIndex, NewPayment, PaymentRow, PaymentStore, StoreError, StoreResult};

use crate::delivery::PgDelivery;
use crate::error::backend;
use crate::{PgStore, lock_writer};

impl PaymentStore for PgStore {
    async fn payments_of(&self, sub_keys: &[BlindIndex]) -> StoreResult<Vec<PaymentRow>> {
        if sub_keys.is_empty() {
            return Ok(Vec::new());
        }
        let keys: Vec<&[u8]> = sub_keys.iter().map(|k| &k.0[..]).collect();
        let rows = sqlx::query(
            "SELECT provider, key, sub_key, month, sealed FROM payment
             WHERE sub_key = ANY($1) ORDER BY month, key",
        )
        .bind(&keys)
        .fetch_all(&self.pool)
        .await
        .map_err(backend)?;
        rows.iter()
            .map(|r| {
                Ok(PaymentRow {
                    provider: r.try_get("provider").map_err(backend)?,
                    key: index(r.try_get("key").map_err(backend)?)?,
                    sub_key: index(r.try_get("sub_key").map_err(backend)?)?,
                    month: r.try_get("month").map_err(backend)?,
                    sealed: r.try_get("sealed").map_err(backend)?,
                })
            })
            .collect()
    }

    async fn oldest_payment_month(&self, provider: &str) -> StoreResult<Option<i32>> {
        sqlx::query_scalar("SELECT min(month) FROM payment WHERE provider = $1")
            .bind(provider)
            .fetch_one(&self.pool)
            .await
            .map_err(backend)
    }

    async fn payments_in(&self, provider: &str, month: i32) -> StoreResult<u64> {
        let m = checked(month)?;
        let n: i64 = sqlx::query_scalar(AssertSqlSafe(format!(
            "SELECT count(*) FROM payment WHERE month = {m} AND provider = $1"
        )))
        .bind(provider)
        .fetch_one(&self.pool)
        .await
        .map_err(backend)?;
        Ok(n as u64)
    }

    async fn delete_payments(&self, provider: &str, month: i32) -> StoreResult<u64> {
        let m = checked(month)?;
        let mut tx = self.pool.begin().await.map_err(backend)?;
        lock_writer(&mut tx).await?;
        let n = sqlx::query(AssertSqlSafe(format!(
            "DELETE FROM payment WHERE month = {m} AND provider = $1"
        )))
        .bind(provider)
        .execute(&mut *tx)
        .await
        .map_err(backend)?
        .rows_affected();
        let left: bool = sqlx::query_scalar(AssertSqlSafe(format!(
            "SELECT EXISTS (SELECT 1 FROM payment WHERE month = {m})"
        )))
        .fetch_one(&mut *tx)
        .await
        .map_err(backend)?;
        if !left {
            sqlx::query(AssertSqlSafe(format!(
                "DROP TABLE IF EXISTS payment_{:04}_{:02}",
                m.div_euclid(12),
                m.rem_euclid(12) + 1
            )))
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
        }
        tx.commit().await.map_err(backend)?;
        Ok(n)
    }
}

impl PgDelivery {
    /// See [`tdip_store::DeliveryTx::insert_payments`]: the partitions of the months are
    /// made sure of first (those of the last year exist already, see
    /// `months::ensure_current`), then the rows go in with one statement per call.
    pub(crate) async fn put_payments(&mut self, payments: &[NewPayment]) -> StoreResult<u64> {
        if payments.is_empty() {
            return Ok(0);
        }
        let mut months: Vec<i32> = payments.iter().map(|p| p.month).collect();
        months.sort_unstable();
        months.dedup();
        for m in &months {
            checked(*m)?;
        }
        let (provider, delivery) = (self.provider().to_owned(), self.id());
        let conn: &mut PgConnection = self.conn();
        sqlx::query("SELECT tdip_payment_partition(m) FROM unnest($1::integer[]) AS m")
            .bind(&months)
            .execute(&mut *conn)
            .await
            .map_err(backend)?;
        let keys: Vec<&[u8]> = payments.iter().map(|p| &p.key.0[..]).collect();
        let subs: Vec<&[u8]> = payments.iter().map(|p| &p.sub_key.0[..]).collect();
        let month: Vec<i32> = payments.iter().map(|p| p.month).collect();
        let sealed: Vec<&[u8]> = payments.iter().map(|p| p.sealed.as_slice()).collect();
        let n = sqlx::query(
            "INSERT INTO payment (key, provider, sub_key, month, delivery, sealed)
             SELECT k, $2, s, m, $3, b FROM unnest($1::bytea[], $4::bytea[], $5::integer[],
                                                   $6::bytea[]) AS t(k, s, m, b)
             ON CONFLICT (key, month) DO NOTHING",
        )
        .bind(&keys)
        .bind(&provider)
        .bind(delivery)
        .bind(&subs)
        .bind(&month)
        .bind(&sealed)
        .execute(&mut *conn)
        .await
        .map_err(backend)?
        .rows_affected();
        Ok(n)
    }
}

fn index(bytes: Vec<u8>) -> StoreResult<BlindIndex> {
    bytes
        .try_into()
        .map(BlindIndex)
        .map_err(|_| StoreError::Corrupt("a stored payment key is not 16 bytes".into()))
}

/// The month, refused if it is not one a payment can lie in.
fn checked(month: i32) -> StoreResult<i32> {
    if !(0..i32::MAX).contains(&month) {
        return Err(StoreError::Backend(
            "a payment month is out of range".into(),
        ));
    }
    Ok(month)
}

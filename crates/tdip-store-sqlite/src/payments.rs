//! The `PaymentStore` implementation of the SQLite backend (migration 6): payments found
//! by subscription key, a provider's month deleted under `secure_delete` (pages zeroed,
//! not left in the free list) and the WAL checkpointed and truncated afterwards.

use rusqlite::params;
use tdip_store::{BlindIndex, NewPayment, PaymentRow, PaymentStore, StoreResult};

use super::delivery::SqliteDelivery;
use super::{SqliteStore, backend, connect};

impl PaymentStore for SqliteStore {
    async fn payments_of(&self, sub_keys: &[BlindIndex]) -> StoreResult<Vec<PaymentRow>> {
        self.read(|c| {
            let mut st = c.prepare_cached(
                "SELECT provider, key, sub_key, month, sealed FROM payment WHERE sub_key = ?1",
            )?;
            let mut out = Vec::new();
            for k in sub_keys {
                let rows = st.query_map([&k.0[..]], |r| {
                    Ok(PaymentRow {
                        provider: r.get(0)?,
                        key: BlindIndex(r.get(1)?),
                        sub_key: BlindIndex(r.get(2)?),
                        month: r.get(3)?,
                        sealed: r.get(4)?,
                    })
                })?;
                for row in rows {
                    out.push(row?);
                }
            }
            out.sort_by_key(|p| (p.month, p.key));
            out.dedup_by(|a, b| a.key == b.key);
            Ok(out)
        })
    }

    async fn oldest_payment_month(&self, provider: &str) -> StoreResult<Option<i32>> {
        self.read(|c| {
            c.query_row(
                "SELECT MIN(month) FROM payment WHERE provider = ?1",
                [provider],
                |r| r.get(0),
            )
        })
    }

    async fn payments_in(&self, provider: &str, month: i32) -> StoreResult<u64> {
        self.read(|c| {
            c.query_row(
                "SELECT COUNT(*) FROM payment WHERE provider = ?1 AND month = ?2",
                params![provider, month],
                |r| r.get::<_, i64>(0),
            )
        })
        .map(|n| n as u64)
    }

    async fn delete_payments(&self, provider: &str, month: i32) -> StoreResult<u64> {
        let conn = connect(&self.path)?;
        conn.execute_batch("PRAGMA secure_delete = ON; BEGIN IMMEDIATE")
            .map_err(backend)?;
        let n = conn
            .execute(
                "DELETE FROM payment WHERE provider = ?1 AND month = ?2",
                params![provider, month],
            )
            .map_err(backend)?;
        conn.execute_batch("COMMIT").map_err(backend)?;
        conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE)")
            .map_err(backend)?;
        Ok(n as u64)
    }
}

impl SqliteDelivery {
    /// See [`tdip_store::DeliveryTx::insert_payments`].
    pub(super) fn put_payments(&mut self, payments: &[NewPayment]) -> StoreResult<u64> {
        let (provider, delivery) = (self.provider().to_owned(), self.delivery_id_now());
        let mut st = self
            .conn()
            .prepare_cached(
                "INSERT OR IGNORE INTO payment (key, provider, sub_key, month, delivery, sealed)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )
            .map_err(backend)?;
        let mut new = 0u64;
        for p in payments {
            new += st
                .execute(params![
                    &p.key.0[..],
                    provider,
                    &p.sub_key.0[..],
                    p.month,
                    delivery,
                    p.sealed
                ])
                .map_err(backend)? as u64;
        }
        Ok(new)
    }
}

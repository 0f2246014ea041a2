//! What retention asks of whichever backend the point opened: [`RetentionStore`] and
//! [`PaymentStore`] for [`AnyStore`], each call handed to SQLite or PostgreSQL.

use tdip_store::{
    BlindIndex, ClosedCounts, ClosedMonth, PaymentRow, PaymentStore, RetentionStore, StoreResult,
};

use crate::store::AnyStore;

macro_rules! each {
    ($self:expr, $s:ident => $e:expr) => {
        match $self {
            AnyStore::Sqlite($s) => $e,
            #[cfg(feature = "postgres")]
            AnyStore::Postgres($s) => $e,
        }
    };
}

impl RetentionStore for AnyStore {
    async fn oldest_closed_end(&self, provider: &str) -> StoreResult<Option<i64>> {
        each!(self, s => s.oldest_closed_end(provider).await)
    }

    async fn closed_versions_in(&self, provider: &str, month: ClosedMonth) -> StoreResult<u64> {
        each!(self, s => s.closed_versions_in(provider, month).await)
    }

    async fn closed_in(&self, provider: &str, month: ClosedMonth) -> StoreResult<ClosedCounts> {
        each!(self, s => s.closed_in(provider, month).await)
    }

    async fn delete_closed(&self, provider: &str, month: ClosedMonth) -> StoreResult<ClosedCounts> {
        each!(self, s => s.delete_closed(provider, month).await)
    }
}

impl PaymentStore for AnyStore {
    async fn payments_of(&self, sub_keys: &[BlindIndex]) -> StoreResult<Vec<PaymentRow>> {
        each!(self, s => s.payments_of(sub_keys).await)
    }

    async fn oldest_payment_month(&self, provider: &str) -> StoreResult<Option<i32>> {
        each!(self, s => s.oldest_payment_month(provider).await)
    }

    async fn payments_in(&self, provider: &str, month: i32) -> StoreResult<u64> {
        each!(self, s => s.payments_in(provider, month).await)
    }

    async fn delete_payments(&self, provider: &str, month: i32) -> StoreResult<u64> {
        each!(self, s => s.delete_payments(provider, month).await)
    }
}

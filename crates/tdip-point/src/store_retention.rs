//! What retention asks of whichever backend the point opened: [`RetentionStore`] for
//! [`AnyStore`], each call handed to SQLite or PostgreSQL.

use tdip_store::{ClosedCounts, ClosedMonth, RetentionStore, StoreResult};

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

//! What retention asks of a store beyond the traffic days ([`crate::TrafficStore::traffic_days`]
//! and `drop_traffic_day`): a provider's closed subscriber versions of one month, counted
//! and deleted with the blind-index entries that point at them. Open versions are never
//! touched: a subscription still valid is kept whatever its age.

use std::future::Future;

use crate::StoreResult;

/// A calendar month (UTC) of closed versions: those whose validity ended in it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClosedMonth {
    /// The month as `year * 12 + month - 1` (PostgreSQL's `tdip_month`, its partition key).
    pub month: i32,
    /// Its first second (UTC), inclusive.
    pub from: i64,
    /// The first second of the next month, exclusive.
    pub to: i64,
}

/// What a month of closed versions holds, or what deleting it removed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ClosedCounts {
    /// Versions.
    pub versions: u64,
    /// Blind-index entries pointing at them.
    pub indexes: u64,
}

/// The closed versions of a store, by month of their end. (The payment history, which
/// retention destroys a month at a time too, is every store's: [`crate::PaymentStore`].)
pub trait RetentionStore: Send + Sync {
    /// When the earliest closed version of `provider` stopped being valid (UTC seconds),
    /// if it has any.
    fn oldest_closed_end(
        &self,
        provider: &str,
    ) -> impl Future<Output = StoreResult<Option<i64>>> + Send;

    /// How many closed versions of `provider` ended in `month`: the versions alone, which
    /// is cheap (counting their index entries can mean a scan of every index entry).
    fn closed_versions_in(
        &self,
        provider: &str,
        month: ClosedMonth,
    ) -> impl Future<Output = StoreResult<u64>> + Send;

    /// How many closed versions of `provider` ended in `month`, and their index entries.
    fn closed_in(
        &self,
        provider: &str,
        month: ClosedMonth,
    ) -> impl Future<Output = StoreResult<ClosedCounts>> + Send;

    /// Deletes the closed versions of `provider` that ended in `month` and their index
    /// entries, in one transaction holding the write lock (it waits for a delivery in
    /// progress); returns what went. Deleted content is overwritten, not left in free
    /// pages, and a month left empty is dropped whole where the backend partitions by
    /// month. Deleting a month already deleted removes nothing.
    fn delete_closed(
        &self,
        provider: &str,
        month: ClosedMonth,
    ) -> impl Future<Output = StoreResult<ClosedCounts>> + Send;
}

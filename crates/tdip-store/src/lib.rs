//! Storage for tdip: small, domain-shaped traits, their conformance suite, and backends.
//!
//! The traits speak only of what tdip stores — providers, the delivery log, subscriber
//! versions with their blind indexes and sealed blobs, and each provider's snapshot
//! index — never of SQL. They are async so that a networked backend (PostgreSQL) fits
//! the same shape as the embedded one (SQLite). No plaintext identifier or personal
//! datum of a subscriber ever crosses these traits: only blind indexes, sealed blobs and
//! times. Beside them, [`AuditStore`] keeps the audit log and [`AccessStore`] the
//! registry of officers and suspensions, and [`PaymentStore`]
//! the payment history.

mod access;
mod audit;
mod comm;
mod error;
mod payments;
mod records;
mod retention;
mod traffic;

#[cfg(feature = "conformance")]
pub mod conformance;

use std::future::Future;

pub use access::{AccessStore, AgencySuspension, Officer, Standing, Suspension};
pub use audit::{AuditEntry, AuditHead, AuditStore, NewAuditEntry, fixed_len};
pub use comm::{CellBox, CellRow, CommProbe, CommRow};
pub use error::StoreError;
pub use payments::{NewPayment, PaymentRow, PaymentStore};
pub use records::{
    BlindIndex, DeliveryOutcome, DeliveryRecord, DeliverySpan, NewDelivery, NewVersion, Provider,
    ProviderRows, Reseal, VersionRow,
};
pub use retention::{ClosedCounts, ClosedMonth, RetentionStore};
pub use traffic::{
    Day, NewTrafficBatch, OpenRef, TrafficBatchRecord, TrafficDay, TrafficKind, TrafficProbe,
    TrafficRow, TrafficStore, TrafficTx, day_of,
};

/// Result of a store operation.
pub type StoreResult<T> = Result<T, StoreError>;

/// A tdip store: the durable state of one information point, its payment history
/// included.
pub trait Store: PaymentStore + Send + Sync {
    /// An open delivery: one atomic change of one provider's subscriber state.
    type Delivery<'a>: DeliveryTx + 'a
    where
        Self: 'a;

    /// Registers a provider; refuses an id that exists.
    fn add_provider(&self, provider: &Provider) -> impl Future<Output = StoreResult<()>> + Send;

    /// One provider by id.
    fn provider(&self, id: &str) -> impl Future<Output = StoreResult<Option<Provider>>> + Send;

    /// Every registered provider, by id.
    fn providers(&self) -> impl Future<Output = StoreResult<Vec<Provider>>> + Send;

    /// The delivery log, newest first, optionally for one provider.
    fn deliveries(
        &self,
        provider: Option<&str>,
        limit: u32,
    ) -> impl Future<Output = StoreResult<Vec<DeliveryRecord>>> + Send;

    /// Per provider: first and latest accepted snapshot moments and the accepted count.
    fn delivery_spans(&self) -> impl Future<Output = StoreResult<Vec<DeliverySpan>>> + Send;

    /// The named providers, each with its accepted-delivery span (`None` before its first
    /// accepted delivery), by id; ids not registered are left out. Reads only those
    /// providers' deliveries, so its cost does not grow with the whole delivery log.
    fn provider_spans(
        &self,
        ids: &[&str],
    ) -> impl Future<Output = StoreResult<Vec<(Provider, Option<DeliverySpan>)>>> + Send;

    /// Logs a delivery that was rejected; it changes no subscriber state.
    fn record_rejected(
        &self,
        delivery: &NewDelivery,
    ) -> impl Future<Output = StoreResult<i64>> + Send;

    /// Starts a delivery for `provider`. Only one delivery per store is open at a time;
    /// a second waits or fails with [`StoreError::Busy`].
    fn begin_delivery(
        &self,
        provider: &str,
    ) -> impl Future<Output = StoreResult<Self::Delivery<'_>>> + Send;

    /// Every subscriber version carrying any of these blind indexes, by id. A backend
    /// may store a shortened index and so return extra candidates: callers must check
    /// each candidate's identifier after unsealing it. An index entry that points at no
    /// version (a version deleted around tdip) is [`StoreError::Corrupt`], never a
    /// silent no-hit.
    fn versions_by_index(
        &self,
        indexes: &[BlindIndex],
    ) -> impl Future<Output = StoreResult<Vec<VersionRow>>> + Send;

    /// A page of `provider`'s open versions with ids above `after`, by id, at most `limit`.
    fn open_versions_page(
        &self,
        provider: &str,
        after: i64,
        limit: u32,
    ) -> impl Future<Output = StoreResult<Vec<VersionRow>>> + Send;

    /// Replaces sealed blobs of `provider`'s open versions, each only if the version is
    /// still open and its blob is still `old` (a delivery may have closed it meanwhile).
    /// Holds the write lock like a delivery (and waits for one in progress); returns how
    /// many were replaced. With no changes it only waits for the write lock and releases it.
    fn reseal(
        &self,
        provider: &str,
        changes: &[Reseal],
    ) -> impl Future<Output = StoreResult<u64>> + Send;

    /// `provider`'s open versions, version and index counts and snapshot index, read in
    /// one consistent snapshot of the store (a full scan: for verification, not for
    /// lookups).
    fn provider_rows(
        &self,
        provider: &str,
    ) -> impl Future<Output = StoreResult<ProviderRows>> + Send;

    /// The distinct (address family, prefix length) pairs of stored IP prefixes, so a
    /// lookup of one address knows which enclosing prefixes to probe. Family is 4 or 6.
    fn prefix_lengths(&self) -> impl Future<Output = StoreResult<Vec<(u8, u8)>>> + Send;
}

/// One open delivery. Dropping it without [`DeliveryTx::commit`] rolls everything back.
pub trait DeliveryTx: Send {
    /// The id the delivery log entry will get on commit.
    fn delivery_id(&self) -> i64;

    /// The provider's snapshot index as left by the last accepted delivery: opaque parts
    /// owned by the application, in the order written (a base, then appended deltas);
    /// empty before the first delivery.
    fn snapshot(&mut self) -> impl Future<Output = StoreResult<Vec<Vec<u8>>>> + Send;

    /// Opens versions; returns their ids in input order.
    fn insert_versions(
        &mut self,
        versions: &[NewVersion],
    ) -> impl Future<Output = StoreResult<Vec<i64>>> + Send;

    /// The open versions of this provider with these ids, in the order given. Fails with
    /// [`StoreError::Conflict`] if an id is not an open version of this provider.
    fn open_versions(
        &mut self,
        ids: &[i64],
    ) -> impl Future<Output = StoreResult<Vec<VersionRow>>> + Send;

    /// Closes open versions of this provider at `valid_to`, last seen at `last_seen`,
    /// replacing each one's sealed blob with the one given (sealed again for the month
    /// its validity ended in). Fails if any id is not an open version of this provider.
    fn close_versions(
        &mut self,
        closes: &[(i64, Vec<u8>)],
        valid_to: i64,
        last_seen: i64,
    ) -> impl Future<Output = StoreResult<()>> + Send;

    /// Adds (blind index, version id) pairs. Callers pass them sorted for speed.
    fn insert_indexes(
        &mut self,
        pairs: &[(BlindIndex, i64)],
    ) -> impl Future<Output = StoreResult<()>> + Send;

    /// Records IP prefix lengths in use (see [`Store::prefix_lengths`]).
    fn add_prefix_lengths(
        &mut self,
        lengths: &[(u8, u8)],
    ) -> impl Future<Output = StoreResult<()>> + Send;

    /// Keeps payments of this provider's subscriptions; a payment whose key is stored
    /// already is left as it is. Returns how many were new.
    fn insert_payments(
        &mut self,
        payments: &[NewPayment],
    ) -> impl Future<Output = StoreResult<u64>> + Send;

    /// Replaces the provider's snapshot index with one base part.
    fn put_snapshot(&mut self, data: &[u8]) -> impl Future<Output = StoreResult<()>> + Send;

    /// Appends a part (a delta) to the provider's snapshot index.
    fn append_snapshot(&mut self, data: &[u8]) -> impl Future<Output = StoreResult<()>> + Send;

    /// Writes the delivery log entry and makes everything durable at once.
    fn commit(self, delivery: &NewDelivery) -> impl Future<Output = StoreResult<i64>> + Send;
}

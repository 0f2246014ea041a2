//! Payment history (payment data, decree 004 art. 3 §1 6°, art. 4 §1 7°, art. 5 §1 7°,
//! art. 6 §1 5°): each payment of a subscription sealed on its own and kept by the
//! calendar month (UTC) it was made in, so that retention destroys payments a month at a
//! time. Only blind indexes, the month and the sealed record cross this trait: the moment,
//! method and means are inside the seal.

use std::fmt;
use std::future::Future;

use crate::{BlindIndex, StoreResult};

/// A payment to keep.
#[derive(Clone, PartialEq, Eq)]
pub struct NewPayment {
    /// Keyed digest of the subscription and the payment's moment: a payment delivered
    /// again (every daily file lists the last months' payments) is kept once.
    pub key: BlindIndex,
    /// Blind index of the provider's subscription id ([`crate::NewVersion::sub_key`]).
    pub sub_key: BlindIndex,
    /// The UTC month of the payment, as `year * 12 + month - 1`.
    pub month: i32,
    /// The sealed payment (moment, method, means).
    pub sealed: Vec<u8>,
}

impl fmt::Debug for NewPayment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NewPayment")
            .field("month", &self.month)
            .field("sealed_len", &self.sealed.len())
            .finish_non_exhaustive()
    }
}

/// A stored payment.
#[derive(Clone, PartialEq, Eq)]
pub struct PaymentRow {
    /// Provider id.
    pub provider: String,
    /// See [`NewPayment::key`].
    pub key: BlindIndex,
    /// See [`NewPayment::sub_key`].
    pub sub_key: BlindIndex,
    /// See [`NewPayment::month`].
    pub month: i32,
    /// The sealed payment.
    pub sealed: Vec<u8>,
}

impl fmt::Debug for PaymentRow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PaymentRow")
            .field("provider", &self.provider)
            .field("month", &self.month)
            .field("sealed_len", &self.sealed.len())
            .finish_non_exhaustive()
    }
}

/// The payment history of a store. Payments are written by a delivery
/// ([`crate::DeliveryTx::insert_payments`]), in its transaction.
pub trait PaymentStore: Send + Sync {
    /// Every payment of the subscriptions with these keys, by month, then key.
    fn payments_of(
        &self,
        sub_keys: &[BlindIndex],
    ) -> impl Future<Output = StoreResult<Vec<PaymentRow>>> + Send;

    /// The earliest month of which `provider` has payments, if any.
    fn oldest_payment_month(
        &self,
        provider: &str,
    ) -> impl Future<Output = StoreResult<Option<i32>>> + Send;

    /// How many payments of `provider` lie in `month`.
    fn payments_in(
        &self,
        provider: &str,
        month: i32,
    ) -> impl Future<Output = StoreResult<u64>> + Send;

    /// Deletes `provider`'s payments of `month` in one transaction holding the write lock
    /// (it waits for a delivery in progress); returns how many went. Deleted content is
    /// overwritten, not left in free pages, and a month left empty is dropped whole where
    /// the backend partitions by month. Deleting a month already deleted removes nothing.
    fn delete_payments(
        &self,
        provider: &str,
        month: i32,
    ) -> impl Future<Output = StoreResult<u64>> + Send;
}

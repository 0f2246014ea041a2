//! The delivery report: what was applied, or every reason the file was rejected.

use serde::Serialize;
use tdip_model::Reason;

/// At most this many row errors are listed; the rest are counted.
pub const MAX_ERRORS: usize = 10_000;

/// One problem in one row. Never carries the offending value.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RowError {
    /// 1-based line where the row starts (0: the file as a whole).
    pub line: u64,
    /// The column, or `row`, `header`, `file`, `snapshot_at`.
    pub field: String,
    /// What is wrong and what is expected: a [`Reason`], which cannot hold a value.
    pub reason: Reason,
}

/// The outcome of one delivery.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct DeliveryReport {
    /// `accepted` or `rejected`.
    pub delivery: &'static str,
    /// Delivery log id.
    pub id: i64,
    /// Provider id.
    pub provider: String,
    /// Data rows read.
    pub rows: u64,
    /// Versions opened for new subscriptions.
    pub opened: u64,
    /// Subscriptions whose content changed.
    pub changed: u64,
    /// Subscriptions no longer delivered.
    pub closed: u64,
    /// Rows identical to the previous delivery.
    pub unchanged: u64,
    /// SHA-256 of the file as received, hex.
    pub checksum: String,
    /// Every problem, by line (at most [`MAX_ERRORS`]).
    pub errors: Vec<RowError>,
    /// Problems beyond [`MAX_ERRORS`].
    pub errors_truncated: u64,
    /// Accepted, closing more of the provider's open subscriptions than a delivery may
    /// close unasked, because the delivery said it meant to.
    pub mass_close: bool,
    /// Payments (format version 2, `payment_at`) kept that the point did not hold yet.
    pub payments: u64,
    /// Payments listed that the point does not keep: older than the payment term (or of
    /// a month whose payments were destroyed already).
    pub payments_not_kept: u64,
    /// For an accepted delivery: its snapshot moment and the state it left the provider
    /// in, for its audit entry.
    #[serde(skip)]
    pub applied: Option<(i64, crate::audit::ProviderState)>,
}

impl DeliveryReport {
    /// Whether the delivery was applied.
    pub fn accepted(&self) -> bool {
        self.delivery == "accepted"
    }
}

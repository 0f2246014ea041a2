//! Ingesting a provider's daily delivery: stream, validate, diff against the previous
//! snapshot, and apply the changes atomically — or reject the whole file with a
//! row-level report and change nothing.
//!
//! The pipeline: one thread reads the file and splits it into records without parsing
//! fields; worker threads fingerprint every record's bytes and decode, validate, seal and
//! index only the records that are not byte-identical to the previous delivery; the
//! calling task applies the outcomes in file order to one store transaction. On a normal
//! day almost every row takes the fast path, so only the changed rows are parsed, and
//! only they touch the store.

mod apply;
mod policy;
mod record;
mod report;
mod run;
mod scan;
pub mod source;
mod worker;

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::AtomicU64;

use tdip_crypto::SpoolIdentity;

pub use apply::deliver;
pub use policy::DeliveryPolicy;
#[doc(hidden)]
pub use record::decode_json;
pub use report::{DeliveryReport, MAX_ERRORS, RowError};
pub use source::Format;

/// Version of the validation rules. Bump it whenever a rule in tdip-model changes, so the
/// next delivery re-validates rows that are byte-identical to accepted ones.
///
/// 2: a JSON Lines row that gives a column twice or a number that is not a whole 64-bit
/// one, and any value holding U+FEFF, are refused. (The strict CSV quoting rules are the
/// reader's, which sees every row, so they needed no new version.)
pub const RULES_VERSION: u32 = 2;

/// One delivery to ingest.
#[derive(Clone, Debug)]
pub struct DeliveryRequest {
    /// Provider id.
    pub provider: String,
    /// The file.
    pub path: PathBuf,
    /// Its encoding.
    pub format: Format,
    /// The declared snapshot moment, UTC seconds.
    pub snapshot_at: i64,
    /// When the point received it, UTC seconds.
    pub received_at: i64,
    /// Bytes of the file read so far, for a progress display.
    pub progress: Arc<AtomicU64>,
    /// For a delivery taken from the spool: the key that decrypts `path`.
    pub spooled: Option<Arc<SpoolIdentity>>,
    /// The point's rules for the envelope (clock skew, mass closure).
    pub policy: DeliveryPolicy,
    /// The provider says this delivery means to close more of its subscriptions than the
    /// policy lets a delivery close unasked.
    pub allow_mass_close: bool,
    /// The state the audit log recorded after the provider's latest accepted delivery
    /// (`integrity::Recorded::latest`): the snapshot index loaded must be the one it left,
    /// else the delivery is refused. `None` before the first recorded one.
    pub expected: Option<crate::audit::ProviderState>,
}

//! Ingesting a traffic batch (docs/traffic-format.md): stream, validate, blind-index and
//! seal every record, and apply the batch to one store transaction — or reject it whole
//! with the line, field and reason of every bad record and change nothing.
//!
//! The pipeline: a reader thread hashes the bytes as received, gunzips, splits and
//! decodes the records (`read`); a worker thread blind-indexes and seals them (`build`);
//! the calling task hands the rows to the transaction in chunks, in file order, and
//! closes the open rows that `end` records name.

mod apply;
mod build;
mod json;
mod read;

use serde::Serialize;

pub use apply::deliver_batch;
pub use read::{CLOCK_SKEW, MAX_DAYS, ROW_LIMIT};

use crate::ingest::RowError;

/// At most this many errors are listed in a rejected batch's report; all are counted.
pub const MAX_LISTED_ERRORS: usize = 1000;

/// One traffic batch to ingest: the envelope beside the bytes.
#[derive(Clone, Copy, Debug)]
pub struct BatchInput<'a> {
    /// The provider, as registered.
    pub provider: &'a tdip_store::Provider,
    /// The provider's id of the batch, `[A-Za-z0-9._:-]{1,64}`.
    pub batch_id: &'a str,
    /// Which records the batch holds.
    pub kind: tdip_store::TrafficKind,
    /// When the point received it, UTC seconds.
    pub received_at: i64,
}

/// The outcome of one batch.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct BatchReport {
    /// `accepted`, `rejected` or `already-applied`.
    pub batch: &'static str,
    /// The batch log's sequence number (of the first acceptance, for `already-applied`;
    /// 0 when a rejection could not be logged because its batch id is not valid).
    pub seq: i64,
    /// Provider id.
    pub provider: String,
    /// The provider's id of the batch.
    pub batch_id: String,
    /// `cgnat` or `session`.
    pub kind: &'static str,
    /// Records read.
    pub records: u64,
    /// Records written to day partitions (complete, or closed by this batch).
    pub closed: u64,
    /// Records left open.
    pub opened: u64,
    /// Open records of earlier batches this batch closed.
    pub ended: u64,
    /// The errors, by line (at most [`MAX_LISTED_ERRORS`]).
    pub errors: Vec<RowError>,
    /// Every error, listed or not.
    pub error_count: u64,
    /// SHA-256 of the batch as received, hex.
    pub checksum: String,
    /// Earliest start (UTC seconds; 0 when none).
    pub first_at: i64,
    /// Latest start or end (UTC seconds; 0 when none).
    pub last_at: i64,
}

impl BatchReport {
    /// Whether the batch is stored (accepted now or before).
    pub fn applied(&self) -> bool {
        self.batch != "rejected"
    }
}

/// Whether `id` is a valid batch id: `[A-Za-z0-9._:-]{1,64}`.
pub fn valid_batch_id(id: &str) -> bool {
    (1..=64).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b':' | b'-'))
}

/// What the reader makes of a batch on its own: each record's line and verdict, and the
/// error that stopped it, if any.
#[doc(hidden)]
#[derive(Debug, Default)]
pub struct ReadOutcome {
    /// Every record read, in order.
    pub records: Vec<(
        u64,
        Result<tdip_model::traffic::DecodedRecord, Vec<tdip_model::FieldError>>,
    )>,
    /// The error that stopped the reading (line, error).
    pub fatal: Option<(u64, tdip_model::FieldError)>,
}

/// Reads `bytes` as a batch of `kind` (no store, no sealing), local times in `zone`, for
/// the fuzz target and the tests of the reader.
#[doc(hidden)]
pub fn read_all(
    kind: tdip_model::traffic::BatchKind,
    zone: tdip_model::LegalZone,
    received_at: i64,
    bytes: &[u8],
) -> ReadOutcome {
    let (tx, rx) = crossbeam_channel::unbounded();
    let ctx = read::ReadContext {
        kind,
        zone,
        received_at,
    };
    read::read_batch(bytes, ctx, &tx);
    drop(tx);
    let mut out = ReadOutcome::default();
    for msg in rx {
        match msg {
            read::Msg::Chunk(items) => out.records.extend(items.into_iter().map(|i| match i {
                read::Item::Record { line, decoded } => (line, Ok(decoded)),
                read::Item::Invalid { line, errors } => (line, Err(errors)),
            })),
            read::Msg::Fatal(line, e) => out.fatal = out.fatal.take().or(Some((line, e))),
            read::Msg::Done(_) => {}
        }
    }
    out
}

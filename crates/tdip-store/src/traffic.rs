//! Retained traffic data: append-only batches of port-block assignments and access
//! sessions, kept in partitions by UTC day so that retention drops a day whole.
//!
//! What crosses these traits: blind indexes (the row's address per UTC day, the address
//! without day while a record is still open, the end-user id), port numbers, times and a
//! sealed blob; never an address or a user id in clear. A record that spans several UTC
//! days is stored once in each day's partition it covers (each copy with that day's
//! address index), so a lookup probes only the days around its moment and a day's
//! partition holds everything that happened on that day. A record still open (no end
//! yet) lives in the open set, indexed by its address without day, until a later batch
//! closes it: then it is taken out of the open set and written to its days.

use std::future::Future;

use crate::{BlindIndex, CellBox, CellRow, CommProbe, CommRow, DeliveryOutcome, StoreResult};

/// The kind of retained traffic record.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TrafficKind {
    /// A block of ports of a public address assigned by a carrier-grade NAT.
    PortBlock,
    /// An internet-access session (RADIUS accounting): an address or delegated prefix
    /// assigned to an end-user id from log-in to log-off.
    AccessSession,
    /// Fixed-telephony calls (communications; [`CommRow`]).
    Fixed,
    /// Mobile calls, SMS and MMS (communications).
    Mobile,
    /// E-mail, VoIP calls and service log-ins (communications).
    Internet,
    /// Cell configurations ([`CellRow`]).
    Cell,
}

impl TrafficKind {
    /// Every kind, in a stable order.
    pub const ALL: [TrafficKind; 6] = [
        TrafficKind::PortBlock,
        TrafficKind::AccessSession,
        TrafficKind::Fixed,
        TrafficKind::Mobile,
        TrafficKind::Internet,
        TrafficKind::Cell,
    ];

    /// Whether batches of this kind hold communications ([`CommRow`]).
    pub fn is_communication(self) -> bool {
        matches!(
            self,
            TrafficKind::Fixed | TrafficKind::Mobile | TrafficKind::Internet
        )
    }

    /// Stable lower-case name (`cgnat`, `session`, `fixed`, `mobile`, `internet`,
    /// `cell`), as in the batch log and the formats.
    pub fn as_str(self) -> &'static str {
        match self {
            TrafficKind::PortBlock => "cgnat",
            TrafficKind::AccessSession => "session",
            TrafficKind::Fixed => "fixed",
            TrafficKind::Mobile => "mobile",
            TrafficKind::Internet => "internet",
            TrafficKind::Cell => "cell",
        }
    }

    /// Parses [`TrafficKind::as_str`].
    pub fn parse(s: &str) -> Option<Self> {
        TrafficKind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// The small integer a backend stores (1 to 6).
    pub fn code(self) -> i16 {
        match self {
            TrafficKind::PortBlock => 1,
            TrafficKind::AccessSession => 2,
            TrafficKind::Fixed => 3,
            TrafficKind::Mobile => 4,
            TrafficKind::Internet => 5,
            TrafficKind::Cell => 6,
        }
    }

    /// Reads [`TrafficKind::code`].
    pub fn from_code(code: i16) -> Option<Self> {
        TrafficKind::ALL.into_iter().find(|k| k.code() == code)
    }
}

/// A UTC day as the number of days since 1970-01-01 (the partition key).
pub type Day = i32;

/// The UTC day of a moment (Unix seconds).
pub fn day_of(utc_seconds: i64) -> Day {
    // Moments tdip stores lie well inside ±5.8 million years.
    i32::try_from(utc_seconds.div_euclid(86_400)).unwrap_or(if utc_seconds < 0 {
        i32::MIN
    } else {
        i32::MAX
    })
}

/// One stored traffic record: in a day partition (`end` is `Some`), or in the open set
/// (`end` is `None`, `day` the day it started, `key` its address index without day).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TrafficRow {
    /// The batch (its [`TrafficBatchRecord::seq`]) that wrote this row.
    pub batch: i64,
    /// Kind of record.
    pub kind: TrafficKind,
    /// The UTC day partition this copy lives in; for an open row, the day it started.
    pub day: Day,
    /// Blind index of the row's address: the public address of a port block, the assigned
    /// address or prefix of a session; keyed per day for rows in a day partition, without
    /// day for open rows.
    pub key: BlindIndex,
    /// The address's family (4 or 6) and prefix length (32 or 128 for one address; a
    /// session's delegated prefix is shorter).
    pub net: (u8, u8),
    /// Blind index of the end-user id, when the record names one.
    pub user: Option<BlindIndex>,
    /// First port of the block (0 for a session).
    pub first_port: u16,
    /// Last port of the block (65535 for a session).
    pub last_port: u16,
    /// Start (assignment, log-in), UTC seconds.
    pub start: i64,
    /// End (release, log-off), UTC seconds; `None` while open.
    pub end: Option<i64>,
    /// The record, sealed (bound to this row's placement by the application).
    pub sealed: Vec<u8>,
}

/// Names one open row: its kind, address index without day, first port and start.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct OpenRef {
    /// Kind of record.
    pub kind: TrafficKind,
    /// Address index without day.
    pub key: BlindIndex,
    /// First port (0 for a session).
    pub first_port: u16,
    /// Start, UTC seconds.
    pub start: i64,
}

/// What a lookup asks the traffic store for: rows of one kind covering `port` (when
/// given) whose interval meets `[from, to]`, from the day partitions under the given
/// (day, key) pairs and from the open set under the given keys (an open row meets the
/// window when it started at or before `to`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TrafficProbe {
    /// Kind of record.
    pub kind: TrafficKind,
    /// Day partitions and the address index of each day to probe.
    pub days: Vec<(Day, BlindIndex)>,
    /// Address indexes without day to probe in the open set.
    pub open: Vec<BlindIndex>,
    /// Window start, UTC seconds (inclusive).
    pub from: i64,
    /// Window end, UTC seconds (inclusive).
    pub to: i64,
    /// A port the row's block must cover.
    pub port: Option<u16>,
}

/// A traffic batch log entry to write.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewTrafficBatch {
    /// Provider id.
    pub provider: String,
    /// The provider's id of the batch (`[A-Za-z0-9._:-]{1,64}`), unique per provider
    /// among accepted batches.
    pub batch_id: String,
    /// Kind of records.
    pub kind: TrafficKind,
    /// When the point received it.
    pub received_at: i64,
    /// Records in the batch.
    pub records: u64,
    /// Records written to day partitions (closed when delivered, or closed by this batch).
    pub closed: u64,
    /// Records left open (no end yet).
    pub opened: u64,
    /// Open records of earlier batches this batch closed.
    pub ended: u64,
    /// Rows with errors (a rejected batch).
    pub errors: u64,
    /// Earliest start in the batch (UTC seconds; 0 when empty).
    pub first_at: i64,
    /// Latest start or end in the batch (UTC seconds; 0 when empty).
    pub last_at: i64,
    /// SHA-256 of the batch as delivered.
    pub checksum: [u8; 32],
    /// Accepted or rejected.
    pub outcome: DeliveryOutcome,
}

/// A traffic batch log entry as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TrafficBatchRecord {
    /// The store's sequence number of the batch (what rows name).
    pub seq: i64,
    /// The entry.
    pub batch: NewTrafficBatch,
}

/// One day partition and its size.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TrafficDay {
    /// The UTC day.
    pub day: Day,
    /// Rows in it (every kind).
    pub rows: u64,
}

/// The traffic store: beside [`crate::Store`], implemented by the same backends.
pub trait TrafficStore: Send + Sync {
    /// An open batch: one atomic, append-only change.
    type Batch<'a>: TrafficTx + 'a
    where
        Self: 'a;

    /// Starts a batch for `provider` (registered in the [`crate::Store`]). One batch per
    /// store is open at a time; a second waits or fails with [`crate::StoreError::Busy`].
    fn begin_traffic(
        &self,
        provider: &str,
    ) -> impl Future<Output = StoreResult<Self::Batch<'_>>> + Send;

    /// Logs a batch that was rejected; it changes no traffic data.
    fn record_rejected_traffic(
        &self,
        batch: &NewTrafficBatch,
    ) -> impl Future<Output = StoreResult<i64>> + Send;

    /// The accepted batch of `provider` with this id, if any.
    fn traffic_batch(
        &self,
        provider: &str,
        batch_id: &str,
    ) -> impl Future<Output = StoreResult<Option<TrafficBatchRecord>>> + Send;

    /// Batch log entries by sequence number (accepted or rejected), in the order given;
    /// unknown numbers are left out.
    fn traffic_batches_by_seq(
        &self,
        seqs: &[i64],
    ) -> impl Future<Output = StoreResult<Vec<TrafficBatchRecord>>> + Send;

    /// The batch log, newest first, optionally for one provider.
    fn traffic_batches(
        &self,
        provider: Option<&str>,
        limit: u32,
    ) -> impl Future<Output = StoreResult<Vec<TrafficBatchRecord>>> + Send;

    /// The rows a probe asks for, day-partition rows first (by day, key, first port,
    /// start), then open rows (by key, first port, start).
    fn traffic_covering(
        &self,
        probe: &TrafficProbe,
    ) -> impl Future<Output = StoreResult<Vec<TrafficRow>>> + Send;

    /// Every row (every kind, day partitions and open set) carrying this end-user index
    /// whose interval meets `[from, to]` (open rows: started at or before `to`), at most
    /// `limit`, ordered by start, then day.
    fn traffic_of_user(
        &self,
        user: &BlindIndex,
        from: i64,
        to: i64,
        limit: u32,
    ) -> impl Future<Output = StoreResult<Vec<TrafficRow>>> + Send;

    /// The distinct (address family 4 or 6, prefix length) pairs of stored session
    /// addresses, so a lookup of one address probes exactly the enclosing prefixes.
    fn traffic_prefix_lengths(&self) -> impl Future<Output = StoreResult<Vec<(u8, u8)>>> + Send;

    /// The day partitions that hold rows (traffic rows and communications), by day.
    fn traffic_days(&self) -> impl Future<Output = StoreResult<Vec<TrafficDay>>> + Send;

    /// The communications a probe asks for: each row found under any of its (day, index)
    /// pairs whose interval meets the window, once per (batch, ord, day) however many of
    /// its indexes were asked, ordered by start, batch, ord, day; at most `limit` (the
    /// earliest). `keys` of the rows returned are empty.
    fn comm_rows(
        &self,
        probe: &CommProbe,
    ) -> impl Future<Output = StoreResult<Vec<CommRow>>> + Send;

    /// Every configuration of these cells of `provider`, by cell id, then `valid_from`.
    fn cell_history(
        &self,
        provider: &str,
        cell_ids: &[String],
    ) -> impl Future<Output = StoreResult<Vec<CellRow>>> + Send;

    /// Every configuration (of every provider) whose coordinates lie in `area`, by
    /// provider, cell id, `valid_from`. Removals (no coordinates) are not in an area.
    fn cells_in(&self, area: CellBox) -> impl Future<Output = StoreResult<Vec<CellRow>>> + Send;

    /// Drops a day partition whole (retention), its communications included; returns the
    /// rows it held (traffic rows and communications). Waits for the write lock like a
    /// batch.
    fn drop_traffic_day(&self, day: Day) -> impl Future<Output = StoreResult<u64>> + Send;
}

/// One open traffic batch. Dropping it without [`TrafficTx::commit`] leaves no trace.
pub trait TrafficTx: Send {
    /// The sequence number the batch log entry will get on commit (rows carry it).
    fn seq(&self) -> i64;

    /// Appends rows: those with an end to their day partitions (created when missing),
    /// those without to the open set. An open row with the same [`OpenRef`] as one
    /// already open is [`crate::StoreError::Conflict`].
    fn insert_traffic(
        &mut self,
        rows: &[TrafficRow],
    ) -> impl Future<Output = StoreResult<()>> + Send;

    /// Takes open rows out of the open set (to be written again, closed); returns each
    /// in the order asked, `None` where no such row is open.
    fn take_open(
        &mut self,
        refs: &[OpenRef],
    ) -> impl Future<Output = StoreResult<Vec<Option<TrafficRow>>>> + Send;

    /// Appends communications to their day partitions (created when missing), each with
    /// its index entries. A (batch, ord, day) already stored is
    /// [`crate::StoreError::Conflict`].
    fn insert_comm(&mut self, rows: &[CommRow]) -> impl Future<Output = StoreResult<()>> + Send;

    /// Adds cell configurations. A (provider, cell id, valid_from) already stored — by
    /// an earlier batch or earlier in this one — is [`crate::StoreError::Conflict`].
    fn insert_cells(&mut self, rows: &[CellRow]) -> impl Future<Output = StoreResult<()>> + Send;

    /// Records the batch as accepted and makes everything durable at once. A batch id
    /// the provider already has accepted is [`crate::StoreError::Conflict`].
    fn commit(self, batch: &NewTrafficBatch) -> impl Future<Output = StoreResult<i64>> + Send;
}

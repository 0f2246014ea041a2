//! The answer of `POST /v1/traffic/lookups` (and of `tdip lookup --port … --json`): who used
//! a public address and port at a moment, with its chain of evidence, the retained
//! traffic records of an address or end-user id over a period, or communications, a
//! device history or a cell dump (their types in `comm`). Times are UTC seconds.
//!
//! No type here shows an address, a user id or a personal datum through `Debug`.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::answer::{Hit, Searched, When};
use crate::comm::{Communication, DeviceUse, DumpedCell};

/// An answered traffic consultation.
#[derive(Clone, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
pub struct TrafficAnswered {
    /// The consultation's reference, for the officer's file.
    pub consultation: String,
    /// The agency, as the catalogue names it.
    pub agency: String,
    /// The legal basis granted.
    pub legal_basis: String,
    /// The data category the catalogue judged the demand by: `traffic_identification`
    /// (who used the address), `traffic` (the records, communications or devices of an
    /// identifier) or `cell_dump`.
    pub category: String,
    /// When the answer was due (UTC seconds).
    pub due: i64,
    /// The rule that set it: `real-time`, `retrospective`, `set-by-demand`.
    pub due_rule: String,
    /// The address or end-user id searched, normalised.
    pub searched: Searched,
    /// The port asked, for an identification.
    pub port: Option<u16>,
    /// The moment (identification) or period (records) asked.
    pub when: When,
    /// The clock tolerance used, seconds either side of the moment.
    pub tolerance_seconds: u32,
    /// No port was given and more than one subscriber used the address then: nobody is
    /// named; ask again with the port.
    pub port_needed: bool,
    /// For an identification: every candidate (more than one only within the tolerance,
    /// each saying how it fits the moment); none is a no-hit.
    pub candidates: Vec<Candidate>,
    /// For a records query: the records, by start; none is a no-hit.
    pub records: Vec<TrafficRecord>,
    /// More records matched than one answer holds; ask for a shorter period.
    pub truncated: bool,
    /// For a communications query or a cell dump: the communications, by start; none is
    /// a no-hit.
    #[serde(default)]
    pub communications: Vec<Communication>,
    /// For a device history: every combination of device, SIM and number seen together,
    /// by first use; none is a no-hit.
    #[serde(default)]
    pub devices: Vec<DeviceUse>,
    /// For a cell dump: the cells it covered, with their configurations then.
    #[serde(default)]
    pub dump_cells: Vec<DumpedCell>,
}

impl std::fmt::Debug for TrafficAnswered {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TrafficAnswered")
            .field("consultation", &self.consultation)
            .field("category", &self.category)
            .field("candidates", &self.candidates.len())
            .field("records", &self.records.len())
            .field("communications", &self.communications.len())
            .field("devices", &self.devices.len())
            .field("dump_cells", &self.dump_cells.len())
            .finish_non_exhaustive()
    }
}

/// One candidate of an identification: the chain from the address to a subscriber.
#[derive(Clone, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
pub struct Candidate {
    /// The port-block assignment covering the port then (none when the address was a
    /// session's own).
    pub assignment: Option<PortBlock>,
    /// How the assignment's interval stands to the moment asked.
    pub assignment_fit: Option<Fit>,
    /// The access session that held the address (the assignment's private address, or the
    /// address or delegated prefix itself).
    pub session: Option<Session>,
    /// How the session's interval stands to the moment asked.
    pub session_fit: Option<Fit>,
    /// The end-user id the chain leads to.
    pub user_id: Option<String>,
    /// The subscriber versions of that provider that held the end-user id at the moment,
    /// each with what it rests on; none when the subscriber file does not know the id then.
    pub subscribers: Vec<Hit>,
}

impl std::fmt::Debug for Candidate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Candidate")
            .field("assignment_fit", &self.assignment_fit)
            .field("session_fit", &self.session_fit)
            .field("subscribers", &self.subscribers.len())
            .finish_non_exhaustive()
    }
}

/// How a record's interval stands to the moment asked.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Fit {
    /// The moment lies inside the interval.
    Covers,
    /// The record ended this many seconds before the moment (within the tolerance).
    EndedBefore {
        /// Seconds.
        seconds: i64,
    },
    /// The record started this many seconds after the moment (within the tolerance).
    StartedAfter {
        /// Seconds.
        seconds: i64,
    },
}

/// Where a record came from.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
pub struct Source {
    /// Provider id.
    pub provider: String,
    /// Provider name.
    pub provider_name: String,
    /// The provider's id of the batch holding the record.
    pub batch: String,
    /// When the point received that batch.
    pub received_at: i64,
    /// The batch that delivered the record still open, when a later one closed it.
    pub opened_in: Option<String>,
}

/// A port-block assignment as delivered (docs/traffic-format.md, `cgnat`).
#[derive(Clone, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
pub struct PortBlock {
    /// Where it came from.
    pub source: Source,
    /// The shared public address.
    pub public_ip: String,
    /// First port of the block.
    pub first_port: u16,
    /// Last port of the block.
    pub last_port: u16,
    /// The subscriber's private address.
    pub private_ip: Option<String>,
    /// The end-user id.
    pub user_id: Option<String>,
    /// Assignment moment.
    pub start: i64,
    /// Release moment; none while still assigned at the latest batch.
    pub end: Option<i64>,
}

/// An internet-access session as delivered (`session`).
#[derive(Clone, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
pub struct Session {
    /// Where it came from.
    pub source: Source,
    /// The end-user id.
    pub user_id: String,
    /// The address or delegated prefix assigned.
    pub address: String,
    /// Network termination point at log-in.
    pub ntp_start: Option<String>,
    /// Network termination point at log-off.
    pub ntp_end: Option<String>,
    /// Log-in moment.
    pub login: i64,
    /// Log-off moment; none while the session lasted at the latest batch.
    pub logoff: Option<i64>,
    /// Bytes uploaded.
    pub uploaded: Option<u64>,
    /// Bytes downloaded.
    pub downloaded: Option<u64>,
    /// The cell at connection time.
    pub cell: Option<String>,
}

/// A retained traffic record of either kind.
#[derive(Clone, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum TrafficRecord {
    /// A port-block assignment.
    Cgnat(PortBlock),
    /// An access session.
    Session(Session),
}

impl std::fmt::Debug for PortBlock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PortBlock")
            .field("source", &self.source)
            .field("start", &self.start)
            .field("end", &self.end)
            .finish_non_exhaustive()
    }
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("source", &self.source)
            .field("login", &self.login)
            .field("logoff", &self.logoff)
            .finish_non_exhaustive()
    }
}

impl std::fmt::Debug for TrafficRecord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TrafficRecord::Cgnat(b) => b.fmt(f),
            TrafficRecord::Session(s) => s.fmt(f),
        }
    }
}

/// A traffic batch as the batch log holds it (`GET /v1/traffic/batches`).
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
pub struct TrafficBatch {
    /// The store's sequence number.
    pub seq: i64,
    /// Provider id.
    pub provider: String,
    /// The provider's id of the batch.
    pub batch: String,
    /// `cgnat` or `session`.
    pub kind: String,
    /// `accepted` or `rejected`.
    pub outcome: String,
    /// When the point received it.
    pub received_at: i64,
    /// Records in it.
    pub records: u64,
    /// Records written to their days.
    pub closed: u64,
    /// Records left open.
    pub opened: u64,
    /// Open records of earlier batches it closed.
    pub ended: u64,
    /// Records with errors.
    pub errors: u64,
    /// Earliest start in it.
    pub first_at: i64,
    /// Latest start or end in it.
    pub last_at: i64,
    /// SHA-256 of the batch as received, hex.
    pub checksum: String,
}

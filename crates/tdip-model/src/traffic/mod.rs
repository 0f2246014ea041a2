//! Retained traffic records (docs/traffic-format.md): port-block assignments of a
//! carrier-grade NAT and internet-access sessions, as the point keeps them once read.
//!
//! Times are UTC seconds. `Debug` shows the shape and the times, never an address or an
//! end-user id (they identify a person as much as a phone number does).

#[cfg(test)]
mod cell_tests;
mod columns;
mod comm;
mod comm_fields;
#[cfg(test)]
mod comm_proptests;
#[cfg(test)]
mod comm_strategies;
#[cfg(test)]
mod comm_tests;
#[cfg(test)]
mod format_examples;
mod parse;
mod parse_cell;
mod parse_comm;
#[cfg(test)]
mod proptests;
#[cfg(test)]
mod tests;
mod write;
mod write_comm;

use std::fmt;
use std::net::IpAddr;

use ipnet::IpNet;
use serde::{Deserialize, Serialize};

pub use columns::{
    BatchKind, CELL_COLUMNS, CGNAT_COLUMNS, ColumnMap, FIXED_COLUMNS, INTERNET_COLUMNS,
    MAX_COLUMNS, MOBILE_COLUMNS, SESSION_COLUMNS, check_traffic_header,
};
pub use comm::{CellConfig, CommType, Communication, MicroDegrees, Network, Party};
pub use parse::{DecodedRecord, Event, MAX_CELL_CHARS, MAX_NTP_CHARS, decode_record};
pub use write::encode_record;

/// A block of ports of a public address assigned to a subscriber (004 art. 5 §2 2°b): by
/// private address, end-user id or both, from `start` until `end` (`None`: still
/// assigned when the batch was written; a later record closes it).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PortBlock {
    /// The shared public address.
    pub public_ip: IpAddr,
    /// First port of the block.
    pub first_port: u16,
    /// Last port of the block (inclusive, ≥ `first_port`).
    pub last_port: u16,
    /// The subscriber's private (inside) address, when logged.
    pub private_ip: Option<IpAddr>,
    /// The end-user id (normalised as `tdip_model::ident` does `user_id`), when logged.
    pub user_id: Option<String>,
    /// Assignment moment, UTC seconds.
    pub start: i64,
    /// Release moment, UTC seconds; `None` while assigned.
    pub end: Option<i64>,
}

/// An internet-access session (RADIUS accounting shaped; 004 art. 5 §2).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessSession {
    /// The end-user id (normalised).
    pub user_id: String,
    /// The assigned address, or the first address of the delegated prefix.
    pub address: IpAddr,
    /// The prefix length: 32 or 128 for one address, shorter for a delegated prefix.
    pub prefix_len: u8,
    /// Network termination point at the start (line id, NAS port, …), as delivered.
    pub ntp_start: Option<String>,
    /// Network termination point at the end, when it differs or is logged.
    pub ntp_end: Option<String>,
    /// Log-in moment, UTC seconds.
    pub login: i64,
    /// Log-off moment, UTC seconds; `None` while the session lasts.
    pub logoff: Option<i64>,
    /// Uploaded volume in bytes.
    pub uploaded: Option<u64>,
    /// Downloaded volume in bytes.
    pub downloaded: Option<u64>,
    /// The cell at connection time (mobile access), as delivered.
    pub cell: Option<String>,
}

/// One traffic record of any kind.
// A communication is the largest variant by far; records travel by value in chunks of
// thousands between the reader and the sealer, where a box per record would cost an
// allocation each for no gain.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum TrafficRecord {
    /// A port-block assignment.
    PortBlock(PortBlock),
    /// An access session.
    Session(AccessSession),
    /// A call, message, e-mail, VoIP call or service log-in (kinds `fixed`, `mobile`,
    /// `internet`); always complete.
    Communication(Communication),
    /// A cell's configuration from a moment on (kind `cell`).
    Cell(CellConfig),
}

impl AccessSession {
    /// The assigned address or prefix; `None` if `prefix_len` is longer than the family
    /// allows (a record the reader would have refused).
    pub fn net(&self) -> Option<IpNet> {
        IpNet::new(self.address, self.prefix_len).ok()
    }
}

impl TrafficRecord {
    /// Start (assignment, log-in), UTC seconds.
    pub fn start(&self) -> i64 {
        match self {
            TrafficRecord::PortBlock(b) => b.start,
            TrafficRecord::Session(s) => s.login,
            TrafficRecord::Communication(c) => c.start,
            TrafficRecord::Cell(c) => c.valid_from,
        }
    }

    /// End (release, log-off), UTC seconds, once known.
    pub fn end(&self) -> Option<i64> {
        match self {
            TrafficRecord::PortBlock(b) => b.end,
            TrafficRecord::Session(s) => s.logoff,
            TrafficRecord::Communication(c) => Some(c.end),
            TrafficRecord::Cell(c) => Some(c.valid_from),
        }
    }

    /// The end-user id, when the record names one.
    pub fn user_id(&self) -> Option<&str> {
        match self {
            TrafficRecord::PortBlock(b) => b.user_id.as_deref(),
            TrafficRecord::Session(s) => Some(&s.user_id),
            TrafficRecord::Communication(_) | TrafficRecord::Cell(_) => None,
        }
    }
}

impl fmt::Debug for PortBlock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PortBlock")
            .field("public_ip", &"<redacted>")
            .field("first_port", &self.first_port)
            .field("last_port", &self.last_port)
            .field("private_ip", &self.private_ip.map(|_| "<redacted>"))
            .field("user_id", &self.user_id.as_ref().map(|_| "<redacted>"))
            .field("start", &self.start)
            .field("end", &self.end)
            .finish()
    }
}

impl fmt::Debug for AccessSession {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AccessSession")
            .field("user_id", &"<redacted>")
            .field("address", &"<redacted>")
            .field("prefix_len", &self.prefix_len)
            .field("login", &self.login)
            .field("logoff", &self.logoff)
            .field("uploaded", &self.uploaded)
            .field("downloaded", &self.downloaded)
            .finish_non_exhaustive()
    }
}

impl fmt::Debug for TrafficRecord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TrafficRecord::PortBlock(b) => b.fmt(f),
            TrafficRecord::Session(s) => s.fmt(f),
            TrafficRecord::Communication(c) => c.fmt(f),
            TrafficRecord::Cell(c) => c.fmt(f),
        }
    }
}

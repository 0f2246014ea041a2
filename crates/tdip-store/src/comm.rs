//! What crosses the traffic traits for communications (calls, messages, e-mail, VoIP,
//! log-ins) and cell configurations.
//!
//! A communication is stored once per UTC day it covers (like every traffic row), as one
//! sealed row and one index entry per blind index it carries: each party identifier of
//! that day (number, IMSI, IMEI, account, address — keyed per day, so one identifier
//! cannot be followed across days in the store) and each cell of that day. A cell's
//! configuration is network data, not about a person: it is stored in clear (so the
//! store can search by area) with a keyed MAC that the point checks on every read.

use crate::BlindIndex;
use crate::traffic::{Day, TrafficKind};

/// One stored communication, in one day partition.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CommRow {
    /// The batch (its sequence number) that wrote it.
    pub batch: i64,
    /// The record's number in its batch (from 0); with `batch`, names the record across
    /// its day copies.
    pub ord: u32,
    /// `Fixed`, `Mobile` or `Internet`.
    pub kind: TrafficKind,
    /// The UTC day partition this copy lives in.
    pub day: Day,
    /// Start, UTC seconds.
    pub start: i64,
    /// End, UTC seconds (≥ `start`; = `start` for an event).
    pub end: i64,
    /// The blind indexes this copy is found by (party identifiers and cells of `day`),
    /// without repeats. Written on insert; a read leaves it empty.
    pub keys: Vec<BlindIndex>,
    /// The record, sealed (bound to batch, ord, kind, day and times by the application).
    pub sealed: Vec<u8>,
}

/// What a communication lookup asks for: the rows found under any of the (day, index)
/// pairs whose interval meets `[from, to]`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CommProbe {
    /// Day partitions and an index to find in each (several per day allowed).
    pub keys: Vec<(Day, BlindIndex)>,
    /// Window start, UTC seconds (inclusive): rows ending before it are left out.
    pub from: i64,
    /// Window end, UTC seconds (inclusive): rows starting after it are left out.
    pub to: i64,
    /// At most this many rows.
    pub limit: u32,
}

/// One configuration of a cell from a moment on, as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CellRow {
    /// Provider id.
    pub provider: String,
    /// The provider's cell id.
    pub cell_id: String,
    /// From when the configuration holds, UTC seconds.
    pub valid_from: i64,
    /// The batch (sequence number) that delivered it.
    pub batch: i64,
    /// Latitude in micro-degrees (`None`: the cell was removed at `valid_from`).
    pub latitude: Option<i32>,
    /// Longitude in micro-degrees.
    pub longitude: Option<i32>,
    /// The whole configuration as the application encodes it (opaque to the store).
    pub config: Vec<u8>,
    /// Keyed MAC over provider, cell id, valid_from, batch, coordinates and config.
    pub mac: BlindIndex,
}

/// An area to search cells in: a latitude and longitude range, micro-degrees, inclusive.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CellBox {
    /// Southern edge.
    pub lat_min: i32,
    /// Northern edge.
    pub lat_max: i32,
    /// Western edge.
    pub lon_min: i32,
    /// Eastern edge.
    pub lon_max: i32,
}

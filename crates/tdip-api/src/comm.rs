//! The communications part of a traffic answer (`POST /v1/traffic/lookups` with
//! `communications`, `devices` or `cell_dump`, and `tdip lookup … --json`): each
//! communication with the records of every provider that saw it, its parties (with the
//! subscriber behind each, where the basis permits) and its cells placed as they were
//! configured then; a device history; the cells a dump covered. Times are UTC seconds;
//! coordinates are decimal degrees written exactly, as strings (`"52.370216"`).
//!
//! No type here shows a number, an identifier, a cell id or a place through `Debug`.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::answer::Hit;
use crate::traffic::Source;

/// What a cell dump asks for (`cell_dump` of a lookup): either named cells of one
/// provider, or every cell within `radius_metres` of `near`; the window is the lookup's
/// `from` and `to`.
#[derive(Clone, Default, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CellDumpRequest {
    /// Cells as `provider:cell-id`, all of one provider.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cells: Vec<String>,
    /// The centre of an area as `latitude,longitude`, decimal degrees with at most six
    /// decimals (`52.370216,4.895168`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub near: Option<String>,
    /// The radius of the area around `near`, metres.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::whole::option"
    )]
    pub radius_metres: Option<u32>,
}

impl std::fmt::Debug for CellDumpRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CellDumpRequest")
            .field("cells", &self.cells.len())
            .field("near", &self.near.is_some())
            .field("radius_metres", &self.radius_metres)
            .finish()
    }
}

/// One communication: the records of every provider that saw it (two for a call between
/// two networks, or a VoIP call entering the phone network).
#[derive(Clone, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
pub struct Communication {
    /// The records, by provider.
    pub records: Vec<CommRecord>,
}

impl std::fmt::Debug for Communication {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Communication")
            .field("records", &self.records)
            .finish()
    }
}

/// One provider's record of a communication.
#[derive(Clone, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
pub struct CommRecord {
    /// Where it came from.
    pub source: Source,
    /// The network that carried it: `fixed`, `mobile` or `internet`.
    pub network: String,
    /// What it was: `call`, `sms`, `mms`, `mail`, `voip` or `login`.
    #[serde(rename = "type")]
    pub kind: String,
    /// The calling party (sender; the account holder of a log-in).
    pub calling: Party,
    /// The called party (recipient); empty for a log-in.
    pub called: Party,
    /// The number the call was forwarded or transferred to (E.164).
    pub forwarded_to: Option<String>,
    /// Every further line of a conference (E.164), in the order delivered.
    pub lines: Vec<String>,
    /// Start (the moment of an event).
    pub start: i64,
    /// End (= `start` for an event).
    pub end: i64,
    /// The service used (`voice`, `volte`, `smtp`, `sip` …), as delivered.
    pub service: Option<String>,
    /// Its cells, placed as configured at the moment; empty when the basis does not
    /// permit location data or the record names none.
    pub cells: Vec<PlacedCell>,
}

impl std::fmt::Debug for CommRecord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CommRecord")
            .field("source", &self.source)
            .field("network", &self.network)
            .field("kind", &self.kind)
            .field("start", &self.start)
            .field("end", &self.end)
            .field("cells", &self.cells.len())
            .finish_non_exhaustive()
    }
}

/// One side of a communication: every identifier the provider logged for it.
#[derive(Clone, Default, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
pub struct Party {
    /// Phone number, E.164.
    pub number: Option<String>,
    /// IMSI (mobile).
    pub imsi: Option<String>,
    /// IMEI (mobile).
    pub imei: Option<String>,
    /// E-mail address or VoIP account (internet).
    pub account: Option<String>,
    /// IP address (internet).
    pub address: Option<String>,
    /// Source port (internet).
    pub port: Option<u16>,
    /// Location of the network termination point (fixed), as delivered.
    pub ntp: Option<String>,
    /// Who held the party's identifier at the start, where the basis permits naming them;
    /// none otherwise, or when the subscriber file does not know it then.
    #[serde(default)]
    pub subscribers: Vec<Hit>,
}

impl std::fmt::Debug for Party {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Party")
            .field("port", &self.port)
            .field("subscribers", &self.subscribers.len())
            .finish_non_exhaustive()
    }
}

/// A cell of a communication, placed as it was configured at its moment.
#[derive(Clone, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
pub struct PlacedCell {
    /// Which party and end: `calling_start`, `calling_end`, `called_start`, `called_end`.
    pub role: String,
    /// The provider's cell id.
    pub cell_id: String,
    /// The moment it is placed at (the communication's start or end).
    pub at: i64,
    /// The configuration in force then; none when the provider delivered none.
    pub configured: Option<Cell>,
}

impl std::fmt::Debug for PlacedCell {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PlacedCell")
            .field("role", &self.role)
            .field("at", &self.at)
            .field("configured", &self.configured.is_some())
            .finish_non_exhaustive()
    }
}

/// A cell's configuration from a moment on, as the provider delivered it.
#[derive(Clone, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
pub struct Cell {
    /// From when it holds.
    pub valid_from: i64,
    /// The cell was taken out of service then (no place follows).
    #[serde(default)]
    pub removed: bool,
    /// Latitude of the antenna, decimal degrees written exactly (`"52.370216"`).
    pub latitude: Option<String>,
    /// Longitude of the antenna, decimal degrees written exactly (`"-4.500000"`).
    pub longitude: Option<String>,
    /// Direction of the beam, whole degrees from north; none: omnidirectional.
    pub azimuth: Option<u16>,
    /// Beam width, whole degrees.
    pub beam_width: Option<u16>,
    /// Postal address of the site, as delivered.
    pub address: Option<String>,
    /// Radio technology (`gsm`, `umts`, `lte`, `nr`), as delivered.
    pub technology: Option<String>,
}

impl std::fmt::Debug for Cell {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cell")
            .field("valid_from", &self.valid_from)
            .field("removed", &self.removed)
            .finish_non_exhaustive()
    }
}

/// One combination of device, SIM and number seen together in a device history.
#[derive(Clone, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
pub struct DeviceUse {
    /// Provider id.
    pub provider: String,
    /// The device.
    pub imei: Option<String>,
    /// The SIM.
    pub imsi: Option<String>,
    /// The number.
    pub number: Option<String>,
    /// First communication seen with it.
    pub first: i64,
    /// Last communication seen with it.
    pub last: i64,
    /// Communications seen with it.
    pub communications: u32,
}

impl std::fmt::Debug for DeviceUse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DeviceUse")
            .field("provider", &self.provider)
            .field("first", &self.first)
            .field("last", &self.last)
            .field("communications", &self.communications)
            .finish_non_exhaustive()
    }
}

/// A cell a dump covered, with its configurations in force during the window.
#[derive(Clone, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
pub struct DumpedCell {
    /// Provider id.
    pub provider: String,
    /// The provider's cell id.
    pub cell_id: String,
    /// Its configurations in force during the window (within the radius, for an area).
    pub configs: Vec<Cell>,
}

impl std::fmt::Debug for DumpedCell {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DumpedCell")
            .field("provider", &self.provider)
            .field("configs", &self.configs)
            .finish_non_exhaustive()
    }
}

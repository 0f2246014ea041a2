//! The communication records a `TrafficData` task is answered with: one provider's record
//! of one communication, its cells placed as they were configured then, and the number of
//! the communication it belongs to (the records of one communication seen by several
//! providers share it).

use std::fmt;

use tdip_model::traffic::{CellConfig, Communication};

/// One provider's record of a communication answering a `TrafficData` task.
///
/// `Debug` shows the format asked by, the provider, the communication's number and the
/// record's shape and times, never an identifier, a number or a cell id.
#[derive(Clone, PartialEq, Eq)]
pub struct CommRecord {
    /// The `RequestValue` `FormatType` it answers, e.g. `InternationalE164`.
    pub format: String,
    /// The identifier searched, normalised (E.164 with `+`, …).
    pub searched: String,
    /// The provider's id.
    pub provider: String,
    /// The provider's name.
    pub provider_name: String,
    /// The communication's number in the delivery, from 1: the records of one
    /// communication (a call between two networks, a VoIP call entering the phone network)
    /// share it.
    pub communication: usize,
    /// The record as the provider logged it.
    pub record: Communication,
    /// Its cells, placed (empty when the basis does not permit location data).
    pub cells: Vec<CommCell>,
}

/// Which party's cell, and at which end of the communication.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CellEnd {
    /// The calling party's cell at the start.
    CallingStart,
    /// The calling party's cell at the end.
    CallingEnd,
    /// The called party's cell at the start.
    CalledStart,
    /// The called party's cell at the end.
    CalledEnd,
}

impl CellEnd {
    /// Stable name (`calling_start`, …), as the core names it.
    pub fn as_str(self) -> &'static str {
        match self {
            CellEnd::CallingStart => "calling_start",
            CellEnd::CallingEnd => "calling_end",
            CellEnd::CalledStart => "called_start",
            CellEnd::CalledEnd => "called_end",
        }
    }

    /// Whether it is the calling party's cell.
    pub fn calling(self) -> bool {
        matches!(self, CellEnd::CallingStart | CellEnd::CallingEnd)
    }
}

/// A cell of a communication record, placed as it was configured at its moment.
#[derive(Clone, PartialEq, Eq)]
pub struct CommCell {
    /// Which party and end.
    pub end: CellEnd,
    /// The provider's cell id.
    pub cell_id: String,
    /// The moment it is placed at (the communication's start or end), UTC seconds.
    pub at: i64,
    /// The configuration in force then; `None` when the provider delivered none (or the
    /// cell was removed by then).
    pub config: Option<CellConfig>,
}

impl fmt::Debug for CommRecord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CommRecord")
            .field("format", &self.format)
            .field("provider", &self.provider)
            .field("provider_name", &self.provider_name)
            .field("communication", &self.communication)
            .field("record", &self.record)
            .field("cells", &self.cells)
            .finish_non_exhaustive()
    }
}

impl fmt::Debug for CommCell {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CommCell")
            .field("end", &self.end)
            .field("at", &self.at)
            .field("configured", &self.config.is_some())
            .finish_non_exhaustive()
    }
}

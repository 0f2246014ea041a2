//! The columns of a traffic batch (docs/traffic-format.md) and the check of a CSV header.

use crate::Reason;
use crate::subscription::FieldError;

/// Which records a batch holds, as the format names them (`cgnat`, `session`, `fixed`,
/// `mobile`, `internet`, `cell`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BatchKind {
    /// Port-block assignments of a carrier-grade NAT.
    Cgnat,
    /// Internet-access sessions.
    Session,
    /// Fixed-telephony calls (004 art. 3 §2).
    Fixed,
    /// Mobile calls, SMS and MMS (004 art. 4 §2).
    Mobile,
    /// E-mail, VoIP calls and service log-ins (004 art. 6 §2).
    Internet,
    /// Cell configurations as dated changes (004 art. 4 §2 7°).
    Cell,
}

/// The columns of a `fixed` batch.
pub const FIXED_COLUMNS: [&str; 10] = [
    "type",
    "calling_number",
    "called_number",
    "calling_ntp",
    "called_ntp",
    "forwarded_to",
    "lines",
    "start",
    "end",
    "service",
];

/// The columns of a `mobile` batch.
pub const MOBILE_COLUMNS: [&str; 16] = [
    "type",
    "calling_number",
    "called_number",
    "calling_imsi",
    "calling_imei",
    "called_imsi",
    "called_imei",
    "calling_cell_start",
    "calling_cell_end",
    "called_cell_start",
    "called_cell_end",
    "forwarded_to",
    "lines",
    "start",
    "end",
    "service",
];

/// The columns of an `internet` batch.
pub const INTERNET_COLUMNS: [&str; 12] = [
    "type",
    "account",
    "recipient",
    "calling_number",
    "called_number",
    "user_ip",
    "user_port",
    "recipient_ip",
    "recipient_port",
    "start",
    "end",
    "service",
];

/// The columns of a `cell` batch.
pub const CELL_COLUMNS: [&str; 9] = [
    "cell_id",
    "valid_from",
    "event",
    "latitude",
    "longitude",
    "azimuth",
    "beam_width",
    "address",
    "technology",
];

/// The columns of a `cgnat` batch, in the order the format lists them.
pub const CGNAT_COLUMNS: [&str; 8] = [
    "public_ip",
    "first_port",
    "last_port",
    "private_ip",
    "user_id",
    "start",
    "end",
    "event",
];

/// The columns of a `session` batch, in the order the format lists them.
pub const SESSION_COLUMNS: [&str; 10] = [
    "user_id",
    "address",
    "ntp_start",
    "ntp_end",
    "login",
    "logoff",
    "uploaded",
    "downloaded",
    "cell",
    "event",
];

/// The most columns any kind has.
pub const MAX_COLUMNS: usize = 16;

impl BatchKind {
    /// The format's name of the kind.
    pub fn as_str(self) -> &'static str {
        match self {
            BatchKind::Cgnat => "cgnat",
            BatchKind::Session => "session",
            BatchKind::Fixed => "fixed",
            BatchKind::Mobile => "mobile",
            BatchKind::Internet => "internet",
            BatchKind::Cell => "cell",
        }
    }

    /// The kind's columns; a column's index in this list is what
    /// [`BatchKind::column`] returns and what a [`ColumnMap`] is indexed by.
    pub fn columns(self) -> &'static [&'static str] {
        match self {
            BatchKind::Cgnat => &CGNAT_COLUMNS,
            BatchKind::Session => &SESSION_COLUMNS,
            BatchKind::Fixed => &FIXED_COLUMNS,
            BatchKind::Mobile => &MOBILE_COLUMNS,
            BatchKind::Internet => &INTERNET_COLUMNS,
            BatchKind::Cell => &CELL_COLUMNS,
        }
    }

    /// The columns every header must name.
    pub fn required(self) -> &'static [&'static str] {
        match self {
            BatchKind::Cgnat => &["public_ip", "first_port", "last_port", "start"],
            BatchKind::Session => &["user_id", "address", "login"],
            BatchKind::Fixed => &["calling_number", "called_number", "start", "end"],
            BatchKind::Mobile => &["type", "start"],
            BatchKind::Internet => &["type", "start"],
            BatchKind::Cell => &["cell_id", "valid_from"],
        }
    }

    /// The index of a column of this kind, by its exact name.
    pub fn column(self, name: &str) -> Option<usize> {
        self.columns().iter().position(|c| *c == name)
    }
}

/// Where each column of a kind sits in a CSV record: `map[column]` is the field position.
pub type ColumnMap = Vec<Option<usize>>;

/// Checks a CSV header of a batch of `kind` (names trimmed): an unknown, unnamed or
/// repeated column, and a required column missing, each give a [`FieldError`] (naming the
/// column where there is one, else `header`). Returns where each column sits.
pub fn check_traffic_header(kind: BatchKind, names: &[&str]) -> Result<ColumnMap, Vec<FieldError>> {
    let columns = kind.columns();
    let mut map: ColumnMap = vec![None; columns.len()];
    let mut errors = Vec::new();
    for (pos, name) in names.iter().enumerate() {
        let name = name.trim();
        let at = pos as u64 + 1;
        match kind.column(name) {
            Some(c) if map[c].is_some() => errors.push(FieldError::new(
                columns[c],
                Reason::counted(
                    "column appears more than once in the header (again at position {})",
                    &[at],
                ),
            )),
            Some(c) => map[c] = Some(pos),
            None if name.is_empty() => errors.push(FieldError::new(
                "header",
                Reason::counted("the column at position {} has no name", &[at]),
            )),
            None => errors.push(FieldError::new(
                "header",
                Reason::counted(
                    "unknown column at position {}; the columns of this kind of batch are listed \
                     in docs/traffic-format.md (is the batch of the other kind?)",
                    &[at],
                ),
            )),
        }
    }
    for required in kind.required() {
        let c = kind
            .column(required)
            .expect("a required column is a column");
        if map[c].is_none() {
            errors.push(FieldError::new(
                columns[c],
                Reason::new("required column is missing from the header"),
            ));
        }
    }
    if errors.is_empty() {
        Ok(map)
    } else {
        Err(errors)
    }
}

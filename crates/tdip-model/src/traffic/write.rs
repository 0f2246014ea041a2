//! Writing a record back as the fields of its kind, in the format's own spelling (UTC
//! times, canonical addresses): what a generator writes and what the fuzz target reads
//! back.

use jiff::Timestamp;

use super::TrafficRecord;
use super::columns::BatchKind;
use super::parse::{DecodedRecord, Event};
use crate::ident::display_ip;

/// A UTC moment as RFC 3339 (`2026-11-02T18:02:11Z`); `None` out of jiff's range.
pub(super) fn time(t: i64) -> Option<String> {
    Timestamp::from_second(t).ok().map(|t| t.to_string())
}

/// The fields of `decoded`, indexed as `kind.columns()` (`None` = empty), with `event`
/// written out where the kind has one (`cgnat`, `session`: as decoded; `cell`:
/// `configured` or `removed`). `None` when the record is not of `kind`, or cannot be
/// written in it (a time out of range, a party field the kind has no column for, a
/// communication or cell that is not [`Event::Complete`]).
pub fn encode_record(kind: BatchKind, decoded: &DecodedRecord) -> Option<Vec<Option<String>>> {
    let mut out = vec![None; kind.columns().len()];
    let mut set = |name: &str, v: Option<String>| {
        out[kind.column(name).expect("a column of its kind")] = v;
    };
    match (&decoded.record, kind) {
        (TrafficRecord::PortBlock(b), BatchKind::Cgnat) => {
            set("public_ip", Some(b.public_ip.to_string()));
            set("first_port", Some(b.first_port.to_string()));
            set("last_port", Some(b.last_port.to_string()));
            set("private_ip", b.private_ip.map(|a| a.to_string()));
            set("user_id", b.user_id.clone());
            set("start", Some(time(b.start)?));
            set("end", b.end.map(time).transpose_none()?);
            set("event", Some(decoded.event.as_str().to_string()));
        }
        (TrafficRecord::Session(s), BatchKind::Session) => {
            set("user_id", Some(s.user_id.clone()));
            set("address", Some(display_ip(&s.net()?)));
            set("ntp_start", s.ntp_start.clone());
            set("ntp_end", s.ntp_end.clone());
            set("login", Some(time(s.login)?));
            set("logoff", s.logoff.map(time).transpose_none()?);
            set("uploaded", s.uploaded.map(|v| v.to_string()));
            set("downloaded", s.downloaded.map(|v| v.to_string()));
            set("cell", s.cell.clone());
            set("event", Some(decoded.event.as_str().to_string()));
        }
        // Communications and cells are always complete; they have no open or closing form.
        (TrafficRecord::Communication(_) | TrafficRecord::Cell(_), _)
            if decoded.event != Event::Complete =>
        {
            return None;
        }
        (TrafficRecord::Communication(c), _) => {
            super::write_comm::communication(kind, c, &mut set)?
        }
        (TrafficRecord::Cell(c), BatchKind::Cell) => super::write_comm::cell(c, &mut set)?,
        _ => return None,
    }
    Some(out)
}

/// `Some(None)` → absent, `Some(Some(x))` → `x`, `None` (out of range) → failure.
trait TransposeNone<T> {
    fn transpose_none(self) -> Option<Option<T>>;
}

impl<T> TransposeNone<T> for Option<Option<T>> {
    fn transpose_none(self) -> Option<Option<T>> {
        match self {
            None => Some(None),
            Some(Some(v)) => Some(Some(v)),
            Some(None) => None,
        }
    }
}

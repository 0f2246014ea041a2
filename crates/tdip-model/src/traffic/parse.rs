//! Decoding one traffic record from its fields, by the rules of docs/traffic-format.md.
//!
//! Every bad field of a record is reported (not just the first), as a [`FieldError`]
//! naming the column; no error holds the value it refuses.

use std::net::IpAddr;

use super::columns::BatchKind;
use super::{AccessSession, PortBlock, TrafficRecord};
use crate::ident::{normalize_user_id, parse_ip, parse_ip_addr};
use crate::subscription::FieldError;
use crate::{LegalZone, Reason, parse_time};

/// The longest network termination point, in characters.
pub const MAX_NTP_CHARS: usize = 128;
/// The longest cell id, in characters.
pub const MAX_CELL_CHARS: usize = 64;

/// What a record says about its interval (column `event`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Event {
    /// Start and end both given.
    Complete,
    /// Started, still open: no end yet.
    Start,
    /// Closes a record delivered open (earlier, or earlier in the same batch).
    End,
}

impl Event {
    /// The format's name of the event.
    pub fn as_str(self) -> &'static str {
        match self {
            Event::Complete => "complete",
            Event::Start => "start",
            Event::End => "end",
        }
    }

    /// Parses [`Event::as_str`].
    pub fn parse(s: &str) -> Option<Event> {
        [Event::Complete, Event::Start, Event::End]
            .into_iter()
            .find(|e| e.as_str() == s)
    }
}

/// A record as read: the record and its event.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DecodedRecord {
    /// The record, normalised (an `end` record: as it closes, with its end).
    pub record: TrafficRecord,
    /// What it says about its interval.
    pub event: Event,
}

/// The fields of one record, indexed as [`BatchKind::columns`]; empty = absent.
pub(super) struct Fields<'a, 'v> {
    kind: BatchKind,
    values: &'a [Option<&'v str>],
    pub(super) errors: Vec<FieldError>,
}

impl<'v> Fields<'_, 'v> {
    /// The kind of batch the record is of (the communication reader serves three).
    pub(super) fn kind(&self) -> BatchKind {
        self.kind
    }

    pub(super) fn get(&self, name: &'static str) -> Option<&'v str> {
        let i = self.kind.column(name).expect("a column of its kind");
        self.values
            .get(i)
            .copied()
            .flatten()
            .map(str::trim)
            .filter(|s| !s.is_empty())
    }

    pub(super) fn error(&mut self, field: &'static str, reason: impl Into<Reason>) {
        self.errors.push(FieldError::new(field, reason));
    }

    pub(super) fn required(&mut self, name: &'static str) -> Option<&'v str> {
        let v = self.get(name);
        if v.is_none() {
            self.error(name, "is required and missing or empty");
        }
        v
    }

    pub(super) fn time(
        &mut self,
        name: &'static str,
        v: Option<&str>,
        zone: LegalZone,
    ) -> Option<i64> {
        match parse_time(v?, zone) {
            Ok(t) => Some(t.as_second()),
            Err(e) => {
                self.error(name, e.reason());
                None
            }
        }
    }

    pub(super) fn port(&mut self, name: &'static str, v: Option<&str>) -> Option<u16> {
        let v = v?;
        match digits(v).and_then(|n| u16::try_from(n).ok()) {
            Some(p) => Some(p),
            None => {
                self.error(
                    name,
                    "is not a port number: expected a whole number from 0 to 65535",
                );
                None
            }
        }
    }

    pub(super) fn volume(&mut self, name: &'static str) -> Option<u64> {
        let v = self.get(name)?;
        let n = digits(v);
        if n.is_none() {
            self.error(
                name,
                "is not a volume: expected a whole number of bytes (digits only, at most \
                 18446744073709551615)",
            );
        }
        n
    }

    pub(super) fn address(&mut self, name: &'static str, v: Option<&str>) -> Option<IpAddr> {
        match parse_ip_addr(v?) {
            Ok(a) => Some(a),
            Err(e) => {
                self.error(name, Reason::from(e));
                None
            }
        }
    }

    pub(super) fn user(&mut self, name: &'static str, v: Option<&str>) -> Option<String> {
        match normalize_user_id(v?) {
            Ok(u) => Some(u),
            Err(e) => {
                self.error(name, Reason::from(e));
                None
            }
        }
    }

    pub(super) fn text(&mut self, name: &'static str, max: usize) -> Option<String> {
        let v = self.get(name)?;
        let n = v.chars().count();
        if n > max {
            self.error(
                name,
                Reason::counted(
                    "has {} characters; at most {} are allowed",
                    &[n as u64, max as u64],
                ),
            );
            return None;
        }
        if v.chars().any(|c| c.is_control() || c == '\u{feff}') {
            self.error(name, "contains a control character");
            return None;
        }
        Some(v.to_string())
    }

    pub(super) fn event(&mut self, end_given: bool) -> Option<Event> {
        match self.get("event") {
            None if end_given => Some(Event::Complete),
            None => Some(Event::Start),
            Some(v) => match Event::parse(v) {
                Some(e) => Some(e),
                None => {
                    self.error("event", "is not an event: expected complete, start or end");
                    None
                }
            },
        }
    }

    /// The event's consistency with the end (`end_name`) and the order of the times.
    pub(super) fn interval(
        &mut self,
        event: Option<Event>,
        end_name: &'static str,
        end_given: bool,
        start: Option<i64>,
        end: Option<i64>,
    ) {
        match event {
            Some(Event::Complete) if !end_given => self.error(
                "event",
                "is complete but the record has no end; give the end, or write event start \
                 for a record still open",
            ),
            Some(Event::Start) if end_given => self.error(
                "event",
                "is start (still open) but the record has an end; leave the end empty, or \
                 write event complete",
            ),
            Some(Event::End) if !end_given => self.error(
                end_name,
                "is required in an end record (it closes an open one)",
            ),
            _ => {}
        }
        if let (Some(s), Some(e)) = (start, end)
            && e < s
        {
            self.error(
                end_name,
                "lies before the start; an end must not lie before its start",
            );
        }
    }
}

/// A whole number written in ASCII digits only.
pub(super) fn digits(v: &str) -> Option<u64> {
    if v.is_empty() || v.len() > 20 || !v.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    v.parse().ok()
}

/// Decodes one record of `kind` from `values` (indexed as [`BatchKind::columns`]; `None`
/// or empty = absent), local times read in `zone`. Every bad field is an error.
pub fn decode_record(
    kind: BatchKind,
    values: &[Option<&str>],
    zone: LegalZone,
) -> Result<DecodedRecord, Vec<FieldError>> {
    let mut f = Fields {
        kind,
        values,
        errors: Vec::new(),
    };
    let decoded = match kind {
        BatchKind::Cgnat => decode_block(&mut f, zone),
        BatchKind::Session => decode_session(&mut f, zone),
        BatchKind::Fixed | BatchKind::Mobile | BatchKind::Internet => {
            super::parse_comm::decode_communication(&mut f, zone)
        }
        BatchKind::Cell => super::parse_comm::decode_cell(&mut f, zone),
    };
    match decoded {
        Some(d) if f.errors.is_empty() => Ok(d),
        _ => {
            if f.errors.is_empty() {
                f.error("row", "is not a valid record");
            }
            Err(f.errors)
        }
    }
}

fn decode_block(f: &mut Fields<'_, '_>, zone: LegalZone) -> Option<DecodedRecord> {
    let v = f.required("public_ip");
    let public_ip = f.address("public_ip", v);
    let v = f.required("first_port");
    let first_port = f.port("first_port", v);
    let v = f.required("last_port");
    let last_port = f.port("last_port", v);
    if let (Some(a), Some(b)) = (first_port, last_port)
        && b < a
    {
        f.error(
            "last_port",
            "is below first_port; a block runs from first_port up to last_port",
        );
    }
    let (pv, uv) = (f.get("private_ip"), f.get("user_id"));
    if pv.is_none() && uv.is_none() {
        f.error(
            "private_ip",
            "neither private_ip nor user_id is given; a port block names the subscriber by \
             one of them (or both)",
        );
    }
    let private_ip = f.address("private_ip", pv);
    let user_id = f.user("user_id", uv);
    let v = f.required("start");
    let start = f.time("start", v, zone);
    let ev = f.get("end");
    let end = f.time("end", ev, zone);
    let event = f.event(ev.is_some());
    f.interval(event, "end", ev.is_some(), start, end);
    let record = TrafficRecord::PortBlock(PortBlock {
        public_ip: public_ip?,
        first_port: first_port?,
        last_port: last_port?,
        private_ip: if pv.is_some() {
            Some(private_ip?)
        } else {
            None
        },
        user_id: if uv.is_some() { Some(user_id?) } else { None },
        start: start?,
        end: if ev.is_some() { Some(end?) } else { None },
    });
    Some(DecodedRecord {
        record,
        event: event?,
    })
}

fn decode_session(f: &mut Fields<'_, '_>, zone: LegalZone) -> Option<DecodedRecord> {
    let v = f.required("user_id");
    let user_id = f.user("user_id", v);
    let address = match f.required("address").map(parse_ip) {
        Some(Ok(net)) => Some(net),
        Some(Err(e)) => {
            f.error("address", Reason::from(e));
            None
        }
        None => None,
    };
    let ntp_start = f.text("ntp_start", MAX_NTP_CHARS);
    let ntp_end = f.text("ntp_end", MAX_NTP_CHARS);
    let v = f.required("login");
    let login = f.time("login", v, zone);
    let ev = f.get("logoff");
    let logoff = f.time("logoff", ev, zone);
    let uploaded = f.volume("uploaded");
    let downloaded = f.volume("downloaded");
    let cell = f.text("cell", MAX_CELL_CHARS);
    let event = f.event(ev.is_some());
    f.interval(event, "logoff", ev.is_some(), login, logoff);
    if !f.errors.is_empty() {
        return None;
    }
    let net = address?;
    let record = TrafficRecord::Session(AccessSession {
        user_id: user_id?,
        address: net.network(),
        prefix_len: net.prefix_len(),
        ntp_start,
        ntp_end,
        login: login?,
        logoff,
        uploaded,
        downloaded,
        cell,
    });
    Some(DecodedRecord {
        record,
        event: event?,
    })
}

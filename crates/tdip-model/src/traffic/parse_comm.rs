//! Decoding communications (`fixed`, `mobile`, `internet`) from their fields, by the
//! rules of docs/traffic-format.md. Cell configurations (`cell`) are read in
//! `parse_cell`, re-exported here for the dispatcher.
//!
//! Every bad field is reported: each helper records its error and answers `None`, and
//! the record is built only at the end, once all fields were looked at.

use super::TrafficRecord;
use super::columns::BatchKind;
use super::comm::{CommType, Communication, Network, Party};
use super::parse::{DecodedRecord, Event, Fields, MAX_CELL_CHARS, MAX_NTP_CHARS};
use crate::ident::{
    normalize_email, normalize_imei, normalize_imsi, normalize_msisdn, normalize_user_id,
};
use crate::{Country, IdentError, LegalZone, Reason};

pub(super) use super::parse_cell::decode_cell;

/// The most numbers a `lines` field may hold.
pub(super) const MAX_LINES: usize = 32;
/// The longest `service`, in characters.
pub(super) const MAX_SERVICE_CHARS: usize = 64;

/// The country whose national numbers a provider in `zone` writes.
fn country_of(zone: LegalZone) -> Country {
    match zone {
        LegalZone::Amsterdam => Country::Nl,
        LegalZone::Brussels => Country::Be,
    }
}

/// Decodes a communication of the batch's kind (`fixed`, `mobile` or `internet`).
pub(super) fn decode_communication(
    f: &mut Fields<'_, '_>,
    zone: LegalZone,
) -> Option<DecodedRecord> {
    let comm = match f.kind() {
        BatchKind::Fixed => fixed(f, zone),
        BatchKind::Mobile => mobile(f, zone),
        BatchKind::Internet => internet(f, zone),
        BatchKind::Cgnat | BatchKind::Session | BatchKind::Cell => {
            f.error("row", "is not a communication");
            None
        }
    }?;
    Some(DecodedRecord {
        record: TrafficRecord::Communication(comm),
        event: Event::Complete,
    })
}

fn fixed(f: &mut Fields<'_, '_>, zone: LegalZone) -> Option<Communication> {
    let c = country_of(zone);
    if f.get("type").is_some_and(|t| t != "call") {
        f.error(
            "type",
            "is not a fixed-network type: expected call (or leave it empty)",
        );
    }
    let v = f.required("calling_number");
    let calling_number = number(f, "calling_number", v, c);
    let v = f.required("called_number");
    let called_number = number(f, "called_number", v, c);
    let calling_ntp = f.text("calling_ntp", MAX_NTP_CHARS);
    let called_ntp = f.text("called_ntp", MAX_NTP_CHARS);
    let (forwarded_to, lines) = forwarding(f, c, true);
    let (start, end) = times(f, zone, Timing::EndRequired);
    let service = f.text("service", MAX_SERVICE_CHARS);
    if !f.errors.is_empty() {
        return None;
    }
    Some(Communication {
        network: Network::Fixed,
        kind: CommType::Call,
        calling: Party {
            number: Some(calling_number?),
            ntp: calling_ntp,
            ..Party::default()
        },
        called: Party {
            number: Some(called_number?),
            ntp: called_ntp,
            ..Party::default()
        },
        forwarded_to: forwarded_to?,
        lines: lines?,
        start: start?,
        end: end?,
        service,
    })
}

fn mobile(f: &mut Fields<'_, '_>, zone: LegalZone) -> Option<Communication> {
    let c = country_of(zone);
    let kind = comm_type(
        f,
        &[CommType::Call, CommType::Sms, CommType::Mms],
        "is not a mobile type: expected call, sms or mms",
    );
    let calling = mobile_party(f, c, Side::Calling);
    let called = mobile_party(f, c, Side::Called);
    let is_call = kind.map(|k| k == CommType::Call);
    let (forwarded_to, lines) = forwarding(f, c, is_call != Some(false));
    let timing = match kind {
        Some(k) if k.is_event() => Timing::Event,
        Some(_) => Timing::EndRequired,
        None => Timing::Unknown,
    };
    let (start, end) = times(f, zone, timing);
    let service = f.text("service", MAX_SERVICE_CHARS);
    if !f.errors.is_empty() {
        return None;
    }
    Some(Communication {
        network: Network::Mobile,
        kind: kind?,
        calling: calling?,
        called: called?,
        forwarded_to: forwarded_to?,
        lines: lines?,
        start: start?,
        end: end?,
        service,
    })
}

fn internet(f: &mut Fields<'_, '_>, zone: LegalZone) -> Option<Communication> {
    let c = country_of(zone);
    let kind = comm_type(
        f,
        &[CommType::Mail, CommType::Voip, CommType::Login],
        "is not an internet type: expected mail, voip or login",
    );
    let v = f.required("account");
    let user = account(f, "account", v);
    let rv = f.get("recipient");
    match (kind, rv) {
        (Some(CommType::Mail), None) => f.error(
            "recipient",
            "is required for a mail (the address it was sent to or received from)",
        ),
        (Some(CommType::Login), Some(_)) => f.error(
            "recipient",
            "must be empty for a log-in (a log-in to a service has no recipient)",
        ),
        _ => {}
    }
    let recipient = account(f, "recipient", rv);
    let v = f.get("calling_number");
    let calling_number = number(f, "calling_number", v, c);
    let v = f.get("called_number");
    let called_number = number(f, "called_number", v, c);
    let v = f.get("user_ip");
    let user_ip = f.address("user_ip", v);
    let v = f.get("user_port");
    let user_port = f.port("user_port", v);
    let v = f.get("recipient_ip");
    let recipient_ip = f.address("recipient_ip", v);
    let v = f.get("recipient_port");
    let recipient_port = f.port("recipient_port", v);
    let timing = match kind {
        Some(k) if k.is_event() => Timing::Event,
        Some(_) => Timing::EndRequired,
        None => Timing::Unknown,
    };
    let (start, end) = times(f, zone, timing);
    let service = f.text("service", MAX_SERVICE_CHARS);
    if !f.errors.is_empty() {
        return None;
    }
    Some(Communication {
        network: Network::Internet,
        kind: kind?,
        calling: Party {
            account: user,
            number: calling_number,
            address: user_ip,
            port: user_port,
            ..Party::default()
        },
        called: Party {
            account: recipient,
            number: called_number,
            address: recipient_ip,
            port: recipient_port,
            ..Party::default()
        },
        forwarded_to: None,
        lines: Vec::new(),
        start: start?,
        end: end?,
        service,
    })
}

/// The column `type`, required, one of `allowed`.
fn comm_type(
    f: &mut Fields<'_, '_>,
    allowed: &[CommType],
    refusal: &'static str,
) -> Option<CommType> {
    let v = f.required("type")?;
    let t = CommType::parse(v).filter(|t| allowed.contains(t));
    if t.is_none() {
        f.error("type", refusal);
    }
    t
}

/// Which side of a mobile communication, with its column names.
#[derive(Clone, Copy)]
enum Side {
    Calling,
    Called,
}

fn mobile_party(f: &mut Fields<'_, '_>, c: Country, side: Side) -> Option<Party> {
    let [n, s, i, cs, ce] = match side {
        Side::Calling => [
            "calling_number",
            "calling_imsi",
            "calling_imei",
            "calling_cell_start",
            "calling_cell_end",
        ],
        Side::Called => [
            "called_number",
            "called_imsi",
            "called_imei",
            "called_cell_start",
            "called_cell_end",
        ],
    };
    let (nv, sv, iv) = (f.get(n), f.get(s), f.get(i));
    match side {
        Side::Calling if nv.is_none() && sv.is_none() && iv.is_none() => f.error(
            n,
            "none of calling_number, calling_imsi and calling_imei is given; the calling \
             side is named by at least one of them",
        ),
        Side::Called if nv.is_none() && sv.is_none() => f.error(
            n,
            "neither called_number nor called_imsi is given; the called side is named by \
             at least one of them",
        ),
        _ => {}
    }
    let number = number(f, n, nv, c);
    let imsi = ident(f, s, sv, normalize_imsi);
    let imei = ident(f, i, iv, normalize_imei);
    let cell_start = cell_id(f, cs);
    let cell_end = cell_id(f, ce);
    Some(Party {
        number: present(nv, number)?,
        imsi: present(sv, imsi)?,
        imei: present(iv, imei)?,
        cell_start,
        cell_end,
        ..Party::default()
    })
}

/// `Some(None)` when the field was absent, `Some(Some(v))` when read, `None` when refused.
fn present<T>(given: Option<&str>, read: Option<T>) -> Option<Option<T>> {
    match (given, read) {
        (None, _) => Some(None),
        (Some(_), Some(v)) => Some(Some(v)),
        (Some(_), None) => None,
    }
}

fn ident(
    f: &mut Fields<'_, '_>,
    name: &'static str,
    v: Option<&str>,
    normalize: fn(&str) -> Result<String, IdentError>,
) -> Option<String> {
    match normalize(v?) {
        Ok(s) => Some(s),
        Err(e) => {
            f.error(name, Reason::from(e));
            None
        }
    }
}

/// A phone number read in `c` when national.
fn number(
    f: &mut Fields<'_, '_>,
    name: &'static str,
    v: Option<&str>,
    c: Country,
) -> Option<String> {
    match normalize_msisdn(v?, c) {
        Ok(s) => Some(s),
        Err(e) => {
            f.error(name, Reason::from(e));
            None
        }
    }
}

/// An e-mail address when it holds an `@`, else a service account id.
fn account(f: &mut Fields<'_, '_>, name: &'static str, v: Option<&str>) -> Option<String> {
    let v = v?;
    let normalize = if v.contains('@') {
        normalize_email
    } else {
        normalize_user_id
    };
    ident(f, name, Some(v), normalize)
}

/// A cell id: text of at most [`MAX_CELL_CHARS`], no control character, no white space.
pub(super) fn cell_id(f: &mut Fields<'_, '_>, name: &'static str) -> Option<String> {
    let v = f.text(name, MAX_CELL_CHARS)?;
    if v.chars().any(char::is_whitespace) {
        f.error(name, "contains white space; a cell id has none");
        return None;
    }
    Some(v)
}

/// `forwarded_to` and `lines`, each `Some(..)` when read or absent, `None` when refused.
/// Where `allowed` is false (a message), either given is an error.
fn forwarding(
    f: &mut Fields<'_, '_>,
    c: Country,
    allowed: bool,
) -> (Option<Option<String>>, Option<Vec<String>>) {
    let fv = f.get("forwarded_to");
    let lv = f.get("lines");
    if !allowed {
        if fv.is_some() {
            f.error(
                "forwarded_to",
                "is only for calls; leave it empty for a message",
            );
        }
        if lv.is_some() {
            f.error("lines", "is only for calls; leave it empty for a message");
        }
        return (Some(None), Some(Vec::new()));
    }
    let forwarded = number(f, "forwarded_to", fv, c);
    let lines = match lv {
        None => Some(Vec::new()),
        Some(v) => lines(f, v, c),
    };
    (present(fv, forwarded), lines)
}

/// The further lines of a conference: numbers separated by `;`.
fn lines(f: &mut Fields<'_, '_>, v: &str, c: Country) -> Option<Vec<String>> {
    let items: Vec<&str> = v.split(';').map(str::trim).collect();
    if items.len() > MAX_LINES {
        f.error(
            "lines",
            Reason::counted(
                "has {} numbers; at most {} are allowed",
                &[items.len() as u64, MAX_LINES as u64],
            ),
        );
        return None;
    }
    let mut out = Vec::with_capacity(items.len());
    let mut ok = true;
    for (i, item) in items.iter().enumerate() {
        let at = i as u64 + 1;
        if item.is_empty() {
            f.error(
                "lines",
                Reason::counted(
                    "item {} is empty; separate the numbers by one ; each",
                    &[at],
                ),
            );
            ok = false;
            continue;
        }
        match normalize_msisdn(item, c) {
            Ok(n) => out.push(n),
            Err(e) => {
                f.error(
                    "lines",
                    Reason::counted("item {}: ", &[at]).then(Reason::from(e)),
                );
                ok = false;
            }
        }
    }
    ok.then_some(out)
}

/// What the type says about `end`.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Timing {
    /// A call or session: `end` is required.
    EndRequired,
    /// A message or mail: `end` empty (= start) or equal to `start`.
    Event,
    /// The type was refused: `end` is read when given, nothing more is checked.
    Unknown,
}

/// `start` (required) and `end`, and their order.
fn times(f: &mut Fields<'_, '_>, zone: LegalZone, timing: Timing) -> (Option<i64>, Option<i64>) {
    let v = f.required("start");
    let start = f.time("start", v, zone);
    let ev = match timing {
        Timing::EndRequired => f.required("end"),
        Timing::Event | Timing::Unknown => f.get("end"),
    };
    let end = f.time("end", ev, zone);
    match (start, end) {
        (Some(s), Some(e)) if timing == Timing::Event && e != s => f.error(
            "end",
            "differs from the start; a message is an event: leave end empty or equal to start",
        ),
        (Some(s), Some(e)) if e < s => f.error(
            "end",
            "lies before the start; an end must not lie before its start",
        ),
        _ => {}
    }
    let end = match (ev, timing) {
        (None, Timing::Event) => start,
        _ => end,
    };
    (start, end)
}

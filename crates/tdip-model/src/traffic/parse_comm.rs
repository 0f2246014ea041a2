//! Decoding communications (`fixed`, `mobile`, `internet`) from their fields, by the
//! rules of docs/traffic-format.md. Cell configurations (`cell`) are read in
//! `parse_cell`, re-exported here for the dispatcher.
//!
//! Every bad field is reported: each helper records its error and answers `None`, and
//! the record is built only at the end, once all fields were looked at.

use super::TrafficRecord;
use super::columns::BatchKind;
use super::comm::{CommType, Communication, Network, Party};
use super::comm_fields::{Timing, account, cell_id, forwarding, ident, number, present, times};
use super::parse::{DecodedRecord, Event, Fields, MAX_NTP_CHARS};
use crate::ident::{normalize_imei, normalize_imsi};
use crate::{Country, LegalZone};

pub(super) use super::parse_cell::decode_cell;

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
    // A log-in's recipient is refused above; it is not read as an account too.
    let recipient = match kind {
        Some(CommType::Login) => None,
        _ => account(f, "recipient", rv),
    };
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

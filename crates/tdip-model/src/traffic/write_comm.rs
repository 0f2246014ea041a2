//! Writing communications and cell configurations back as the fields of their kind
//! (docs/traffic-format.md): the inverse of `parse_comm` and `parse_cell`, so that a
//! record read and written reads back equal.
//!
//! A record that its kind cannot hold (a party field the kind has no column for, a type of
//! another network) is not written: `None`, never a record that drops a field silently.

use super::columns::BatchKind;
use super::comm::{CellConfig, CommType, Communication, Network, Party};
use super::parse_cell::format_degrees;
use super::write::time;

/// Sets the field of a column by its name.
pub(super) trait Set {
    fn set(&mut self, name: &str, v: Option<String>);
}

impl<F: FnMut(&str, Option<String>)> Set for F {
    fn set(&mut self, name: &str, v: Option<String>) {
        self(name, v)
    }
}

/// Writes `c` in the columns of `kind`; `None` when `kind` cannot hold it.
pub(super) fn communication(kind: BatchKind, c: &Communication, out: &mut impl Set) -> Option<()> {
    let allowed: &[CommType] = match (kind, c.network) {
        (BatchKind::Fixed, Network::Fixed) => &[CommType::Call],
        (BatchKind::Mobile, Network::Mobile) => &[CommType::Call, CommType::Sms, CommType::Mms],
        (BatchKind::Internet, Network::Internet) => {
            &[CommType::Mail, CommType::Voip, CommType::Login]
        }
        _ => return None,
    };
    if !allowed.contains(&c.kind) {
        return None;
    }
    out.set("type", Some(c.kind.as_str().to_string()));
    match kind {
        BatchKind::Fixed => {
            let only_ntp = |p: &Party| {
                Party {
                    number: p.number.clone(),
                    ntp: p.ntp.clone(),
                    ..Party::default()
                } == *p
            };
            if !only_ntp(&c.calling) || !only_ntp(&c.called) {
                return None;
            }
            out.set("calling_number", c.calling.number.clone());
            out.set("called_number", c.called.number.clone());
            out.set("calling_ntp", c.calling.ntp.clone());
            out.set("called_ntp", c.called.ntp.clone());
            forwarding(c, out);
        }
        BatchKind::Mobile => {
            for (p, side) in [(&c.calling, "calling"), (&c.called, "called")] {
                let mobile = Party {
                    account: None,
                    address: None,
                    port: None,
                    ntp: None,
                    ..p.clone()
                };
                if mobile != *p {
                    return None;
                }
                let col = |what: &str| format!("{side}_{what}");
                out.set(&col("number"), p.number.clone());
                out.set(&col("imsi"), p.imsi.clone());
                out.set(&col("imei"), p.imei.clone());
                out.set(&col("cell_start"), p.cell_start.clone());
                out.set(&col("cell_end"), p.cell_end.clone());
            }
            forwarding(c, out);
        }
        BatchKind::Internet => {
            for p in [&c.calling, &c.called] {
                let internet = Party {
                    account: p.account.clone(),
                    number: p.number.clone(),
                    address: p.address,
                    port: p.port,
                    ..Party::default()
                };
                if internet != *p {
                    return None;
                }
            }
            if c.forwarded_to.is_some() || !c.lines.is_empty() {
                return None;
            }
            out.set("account", c.calling.account.clone());
            out.set("recipient", c.called.account.clone());
            out.set("calling_number", c.calling.number.clone());
            out.set("called_number", c.called.number.clone());
            out.set("user_ip", c.calling.address.map(|a| a.to_string()));
            out.set("user_port", c.calling.port.map(|p| p.to_string()));
            out.set("recipient_ip", c.called.address.map(|a| a.to_string()));
            out.set("recipient_port", c.called.port.map(|p| p.to_string()));
        }
        BatchKind::Cgnat | BatchKind::Session | BatchKind::Cell => return None,
    }
    out.set("start", Some(time(c.start)?));
    // An event is written without an end (it reads back as end = start).
    let end = if c.kind.is_event() && c.end == c.start {
        None
    } else {
        Some(time(c.end)?)
    };
    out.set("end", end);
    out.set("service", c.service.clone());
    Some(())
}

fn forwarding(c: &Communication, out: &mut impl Set) {
    out.set("forwarded_to", c.forwarded_to.clone());
    let lines = (!c.lines.is_empty()).then(|| c.lines.join(";"));
    out.set("lines", lines);
}

/// Writes `c` in the columns of `cell`; `None` for a time out of range.
pub(super) fn cell(c: &CellConfig, out: &mut impl Set) -> Option<()> {
    out.set("cell_id", Some(c.cell_id.clone()));
    out.set("valid_from", Some(time(c.valid_from)?));
    let event = if c.removed { "removed" } else { "configured" };
    out.set("event", Some(event.to_string()));
    out.set("latitude", c.latitude.map(format_degrees));
    out.set("longitude", c.longitude.map(format_degrees));
    out.set("azimuth", c.azimuth.map(|a| a.to_string()));
    out.set("beam_width", c.beam_width.map(|b| b.to_string()));
    out.set("address", c.address.clone());
    out.set("technology", c.technology.clone());
    Some(())
}

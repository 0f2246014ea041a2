//! Communications, device histories and cell dumps as an officer reads them at a glance:
//! one line per communication (local time to the second, type, calling → called,
//! duration, forwarded and conference marks, cells as configured then, provider — or
//! "seen by kpn + vodafone" for one communication several providers logged), the names of
//! the subscribers under the parties; a device history as a table; a dump's cells, then
//! its communications.

use std::fmt::Write as _;

use tdip_api::{Cell, CommRecord, Communication, DeviceUse, DumpedCell, Party, TrafficAnswered};
use tdip_model::LegalZone;

/// A moment in the agency's zone to the second, without the zone (the table's heading
/// names it once).
fn short(secs: i64, zone: LegalZone) -> String {
    match jiff::Timestamp::from_second(secs) {
        Ok(ts) => ts
            .to_zoned(zone.try_tz().unwrap_or(jiff::tz::TimeZone::UTC))
            .strftime("%Y-%m-%d %H:%M:%S")
            .to_string(),
        Err(_) => "(invalid time)".into(),
    }
}

/// The communications of a communications query.
pub fn communications(out: &mut String, a: &TrafficAnswered, zone: LegalZone) {
    if a.communications.is_empty() {
        out.push_str("NO HIT: no retained communication of this identifier in the period.\n");
        return;
    }
    list(out, &a.communications, zone);
    if a.truncated {
        out.push_str("(more communications matched: ask for a shorter period)\n");
    }
}

fn list(out: &mut String, items: &[Communication], zone: LegalZone) {
    let _ = writeln!(
        out,
        "{} COMMUNICATIONS (times {}):",
        items.len(),
        zone.name()
    );
    for c in items {
        out.push_str(&line(c, zone));
    }
}

/// One communication's line, and its subscribers under it.
pub fn line(c: &Communication, zone: LegalZone) -> String {
    let Some(first) = c.records.first() else {
        return String::new();
    };
    let start = c
        .records
        .iter()
        .map(|r| r.start)
        .min()
        .unwrap_or(first.start);
    let end = c.records.iter().map(|r| r.end).max().unwrap_or(first.end);
    let calling = merged(&c.records, |r| &r.calling);
    let called = merged(&c.records, |r| &r.called);
    let parties = if first.kind == "login" {
        format!("{} (log-in)", label(&calling))
    } else {
        format!("{} → {}", label(&calling), label(&called))
    };
    let duration = if start == end && first.kind != "call" && first.kind != "voip" {
        "—".to_owned()
    } else {
        let d = (end - start).max(0);
        format!("{}:{:02}:{:02}", d / 3600, d / 60 % 60, d % 60)
    };
    let mut marks = String::new();
    if let Some(to) = c.records.iter().find_map(|r| r.forwarded_to.as_ref()) {
        let _ = write!(marks, "  FORWARDED → {to}");
    }
    let lines = c.records.iter().map(|r| r.lines.len()).max().unwrap_or(0);
    if lines > 0 {
        let _ = write!(marks, "  CONFERENCE +{lines}");
    }
    let cells = cells(&c.records);
    let mut providers: Vec<&str> = c
        .records
        .iter()
        .map(|r| r.source.provider.as_str())
        .collect();
    providers.dedup();
    let by = if providers.len() > 1 {
        format!("seen by {}", providers.join(" + "))
    } else {
        providers.join("")
    };
    let mut out = format!(
        "  {}  {:<5}  {parties}  {duration}{marks}{}  {by}\n",
        short(start, zone),
        first.kind,
        if cells.is_empty() {
            String::new()
        } else {
            format!("  {cells}")
        },
    );
    for (role, p) in [("calling", &calling), ("called", &called)] {
        for h in &p.subscribers {
            let s = &h.subscription;
            let name = [&s.given_names, &s.surname, &s.organisation]
                .into_iter()
                .flatten()
                .cloned()
                .collect::<Vec<_>>()
                .join(" ");
            let _ = writeln!(
                out,
                "      {role}: {} (subscription {} of {})",
                if name.is_empty() {
                    "(no name)"
                } else {
                    name.as_str()
                },
                s.subscription_id,
                h.provider
            );
        }
    }
    out
}

/// A party as every record of the communication knows it: the first record's, its gaps
/// filled from the others', and the subscribers of all.
fn merged(records: &[CommRecord], side: impl Fn(&CommRecord) -> &Party) -> Party {
    let mut p = Party::default();
    for r in records {
        let q = side(r);
        let fill = |a: &mut Option<String>, b: &Option<String>| {
            if a.is_none() {
                a.clone_from(b);
            }
        };
        fill(&mut p.number, &q.number);
        fill(&mut p.imsi, &q.imsi);
        fill(&mut p.imei, &q.imei);
        fill(&mut p.account, &q.account);
        fill(&mut p.address, &q.address);
        fill(&mut p.ntp, &q.ntp);
        p.port = p.port.or(q.port);
        for h in &q.subscribers {
            if !p.subscribers.contains(h) {
                p.subscribers.push(h.clone());
            }
        }
    }
    p
}

/// The identifier that names a party best: its number, account, address, SIM, device or
/// line, in that order.
fn label(p: &Party) -> String {
    if let Some(n) = p.number.as_ref().or(p.account.as_ref()) {
        return n.clone();
    }
    if let Some(a) = &p.address {
        return match p.port {
            Some(port) => format!("{a} port {port}"),
            None => a.clone(),
        };
    }
    p.imsi
        .as_ref()
        .map(|v| format!("IMSI {v}"))
        .or_else(|| p.imei.as_ref().map(|v| format!("IMEI {v}")))
        .or_else(|| p.ntp.as_ref().map(|v| format!("line {v}")))
        .unwrap_or_else(|| "(unknown)".into())
}

/// Every cell of the records, once each, as configured then.
fn cells(records: &[CommRecord]) -> String {
    let mut seen: Vec<&str> = Vec::new();
    let mut out = Vec::new();
    for c in records.iter().flat_map(|r| &r.cells) {
        if seen.contains(&c.cell_id.as_str()) {
            continue;
        }
        seen.push(&c.cell_id);
        out.push(format!("{}{}", c.cell_id, placed(c.configured.as_ref())));
    }
    out.join("; ")
}

/// ` @ lat,lon az 120°`, or why there is no place.
fn placed(c: Option<&Cell>) -> String {
    match c {
        None => " (no configuration delivered)".into(),
        Some(c) if c.removed => " (removed by then)".into(),
        Some(c) => {
            let mut s = match (&c.latitude, &c.longitude) {
                (Some(lat), Some(lon)) => format!(" @ {lat},{lon}"),
                _ => " (no place delivered)".into(),
            };
            match c.azimuth {
                Some(az) => {
                    let _ = write!(s, " az {az}°");
                }
                None => s.push_str(" omni"),
            }
            s
        }
    }
}

/// A device history as a table.
pub fn devices(out: &mut String, a: &TrafficAnswered, zone: LegalZone) {
    if a.devices.is_empty() {
        out.push_str("NO HIT: no retained mobile communication names this identifier then.\n");
        return;
    }
    let _ = writeln!(
        out,
        "{} COMBINATIONS OF DEVICE, SIM AND NUMBER (times {}):",
        a.devices.len(),
        zone.name()
    );
    let _ = writeln!(
        out,
        "  {:<16}  {:<15}  {:<16}  {:<19}  {:<19}  {:>6}  PROVIDER",
        "IMEI", "IMSI", "NUMBER", "FIRST", "LAST", "COUNT"
    );
    for u in &a.devices {
        out.push_str(&device(u, zone));
    }
    if a.truncated {
        out.push_str("(more records matched than one answer reads: ask for a shorter period)\n");
    }
}

fn device(u: &DeviceUse, zone: LegalZone) -> String {
    let or_dash = |v: &Option<String>| v.clone().unwrap_or_else(|| "-".into());
    format!(
        "  {:<16}  {:<15}  {:<16}  {}  {}  {:>6}  {}\n",
        or_dash(&u.imei),
        or_dash(&u.imsi),
        or_dash(&u.number),
        short(u.first, zone),
        short(u.last, zone),
        u.communications,
        u.provider
    )
}

/// A cell dump: the cells covered, then the communications.
pub fn dump(out: &mut String, a: &TrafficAnswered, zone: LegalZone) {
    if a.dump_cells.is_empty() {
        out.push_str("NO CELL: no cell of the dump was configured there in the window.\n");
        return;
    }
    let _ = writeln!(out, "{} CELLS COVERED:", a.dump_cells.len());
    for c in &a.dump_cells {
        out.push_str(&dumped(c, zone));
    }
    if a.communications.is_empty() {
        out.push_str("NO HIT: no retained communication through these cells in the window.\n");
        return;
    }
    list(out, &a.communications, zone);
    if a.truncated {
        out.push_str("(more communications matched: ask for a shorter window)\n");
    }
}

fn dumped(c: &DumpedCell, zone: LegalZone) -> String {
    let mut out = String::new();
    for k in &c.configs {
        let extra: Vec<&str> = [&k.technology, &k.address]
            .into_iter()
            .flatten()
            .map(String::as_str)
            .collect();
        let _ = writeln!(
            out,
            "  {}  {}{}{}  from {}",
            c.provider,
            c.cell_id,
            placed(Some(k)),
            if extra.is_empty() {
                String::new()
            } else {
                format!(" ({})", extra.join(", "))
            },
            short(k.valid_from, zone)
        );
    }
    if c.configs.is_empty() {
        let _ = writeln!(out, "  {}  {}", c.provider, c.cell_id);
    }
    out
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn record(provider: &str, called_number: Option<&str>) -> serde_json::Value {
        json!({"source": {"provider": provider, "provider_name": provider, "batch": "b1",
                          "received_at": 0, "opened_in": null},
               "network": "mobile", "type": "call",
               "calling": {"number": "+31612345678", "imsi": null, "imei": null, "account": null,
                           "address": null, "port": null, "ntp": null},
               "called": {"number": called_number, "imsi": null, "imei": null, "account": null,
                          "address": null, "port": null, "ntp": null},
               "forwarded_to": "+31201234567", "lines": ["+31301234567"],
               "start": 1_793_527_200, "end": 1_793_527_392, "service": "voice",
               "cells": [{"role": "calling_start", "cell_id": "204-08-1-11", "at": 1_793_527_200,
                          "configured": {"valid_from": 0, "latitude": "52.370216",
                                         "longitude": "-4.500000", "azimuth": 120,
                                         "beam_width": 65, "address": null, "technology": "lte"}}]})
    }

    #[test]
    fn a_linked_call_is_one_line_with_its_marks_cells_and_both_providers() {
        let c: Communication = serde_json::from_value(json!({"records": [
            record("kpn", None),
            record("vodafone", Some("+31687654321")),
        ]}))
        .unwrap();
        let text = line(&c, LegalZone::Amsterdam);
        assert_eq!(
            text,
            "  2026-11-01 11:00:00  call   +31612345678 → +31687654321  0:03:12  FORWARDED → \
             +31201234567  CONFERENCE +1  204-08-1-11 @ 52.370216,-4.500000 az 120°  seen by \
             kpn + vodafone\n"
        );
    }

    #[test]
    fn a_device_history_is_a_table_row_per_combination() {
        let u = DeviceUse {
            provider: "kpn".into(),
            imei: Some("490154203237518".into()),
            imsi: None,
            number: Some("+31612345678".into()),
            first: 1_793_527_200,
            last: 1_793_527_392,
            communications: 7,
        };
        assert_eq!(
            device(&u, LegalZone::Amsterdam),
            "  490154203237518   -                +31612345678      2026-11-01 11:00:00  \
             2026-11-01 11:03:12       7  kpn\n"
        );
    }
}

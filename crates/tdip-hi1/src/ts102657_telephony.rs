//! A communication record as a TS 102 657 `ResponseRecord`: a call, message or VoIP call
//! as `recordPayload/telephonyRecord/telephonyServiceUsage` (one `TelephonyPartyInformation`
//! per party, the communication's time, each party's cells as `detailedLocation/
//! cellInformation`); an e-mail or log-in, which has no telephony element, in tdip's
//! extension namespace; what TS 102 657 has no element for (provider, linked communication,
//! accounts and addresses, cell details) in [`crate::EXTENSION`]'s `tdip:extension`.

use std::io;

use quick_xml::Writer;
use tdip_model::traffic::{CommType, Network, Party};

use crate::delivery::{opt, present};
use crate::response::text;
use crate::traffic_records::{CommCell, CommRecord};
use crate::ts102657::generalized;

/// A party's role, as the XER encoding of TS 102 657's enumeration writes it (an empty
/// element named after the value).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Role {
    Originating,
    Terminating,
    ForwardedTo,
    Conference,
}

impl Role {
    fn element(self) -> &'static str {
        match self {
            Role::Originating => "originating-Party",
            Role::Terminating => "terminating-Party",
            Role::ForwardedTo => "forwarded-to-Party",
            Role::Conference => "conference-Party",
        }
    }
}

/// Whether TS 102 657 files the record under its telephony records.
fn telephony(kind: CommType) -> bool {
    matches!(
        kind,
        CommType::Call | CommType::Sms | CommType::Mms | CommType::Voip
    )
}

/// The party type of a calling or called party, by the network that carried it.
fn party_type(network: Network) -> &'static str {
    match network {
        Network::Fixed => "fixed",
        Network::Mobile => "mobile",
        Network::Internet => "voip",
    }
}

/// One `ResponseRecord` numbered `number`.
pub(crate) fn record(w: &mut Writer<Vec<u8>>, number: usize, r: &CommRecord) -> io::Result<()> {
    let c = &r.record;
    w.create_element("ResponseRecord")
        .write_inner_content(|w| {
            text(w, "recordNumber", &number.to_string())?;
            w.create_element("recordPayload").write_inner_content(|w| {
                if telephony(c.kind) {
                    w.create_element("telephonyRecord")
                        .write_inner_content(|w| {
                            w.create_element("telephonyServiceUsage")
                                .write_inner_content(|w| usage(w, r))?;
                            Ok(())
                        })?;
                } else {
                    w.create_element("tdip:internetRecord")
                        .write_inner_content(|w| time(w, "tdip:", r))?;
                }
                Ok(())
            })?;
            extension(w, r)
        })?;
    Ok(())
}

/// `telephonyServiceUsage`: the parties, then the communication's time.
fn usage(w: &mut Writer<Vec<u8>>, r: &CommRecord) -> io::Result<()> {
    let c = &r.record;
    w.create_element("partyInformation")
        .write_inner_content(|w| {
            let kind = Some(party_type(c.network));
            let calling: Vec<&CommCell> = r.cells.iter().filter(|x| x.end.calling()).collect();
            let called: Vec<&CommCell> = r.cells.iter().filter(|x| !x.end.calling()).collect();
            party(w, Role::Originating, kind, &c.calling, &calling)?;
            if !c.called.is_empty() {
                party(w, Role::Terminating, kind, &c.called, &called)?;
            }
            let number = |n: &String| Party {
                number: Some(n.clone()),
                ..Party::default()
            };
            if let Some(n) = &c.forwarded_to {
                party(w, Role::ForwardedTo, None, &number(n), &[])?;
            }
            for n in c.lines.iter().filter(|n| !n.is_empty()) {
                party(w, Role::Conference, None, &number(n), &[])?;
            }
            Ok(())
        })?;
    time(w, "", r)
}

/// One `TelephonyPartyInformation`: role, type, number, SIM and device, cells.
fn party(
    w: &mut Writer<Vec<u8>>,
    role: Role,
    kind: Option<&str>,
    p: &Party,
    cells: &[&CommCell],
) -> io::Result<()> {
    w.create_element("TelephonyPartyInformation")
        .write_inner_content(|w| {
            w.create_element("partyRole").write_inner_content(|w| {
                w.create_element(role.element()).write_empty().map(drop)
            })?;
            if let Some(kind) = kind {
                w.create_element("partyType")
                    .write_inner_content(|w| w.create_element(kind).write_empty().map(drop))?;
            }
            opt(w, "partyNumber", &p.number)?;
            opt(w, "iMSI", &p.imsi)?;
            opt(w, "iMEI", &p.imei)?;
            if !cells.is_empty() {
                w.create_element("detailedLocation")
                    .write_inner_content(|w| {
                        for cell in cells {
                            cell_information(w, cell)?;
                        }
                        Ok(())
                    })?;
            }
            Ok(())
        })?;
    Ok(())
}

/// `cellInformation`: the cell id, the moment it is placed at, and where its antenna stood
/// then (decimal degrees, WGS 84) and pointed, when the provider configured it.
fn cell_information(w: &mut Writer<Vec<u8>>, cell: &CommCell) -> io::Result<()> {
    w.create_element("cellInformation")
        .write_inner_content(|w| {
            text(w, "iD", &cell.cell_id)?;
            text(w, "timeStamp", &generalized_at(cell.at))?;
            let placed = cell
                .config
                .as_ref()
                .filter(|c| !c.removed)
                .and_then(|c| Some((c.latitude?, c.longitude?, c.azimuth)));
            if let Some((latitude, longitude, azimuth)) = placed {
                w.create_element("geoCoordinates")
                    .write_inner_content(|w| {
                        text(w, "latitude", &degrees(latitude))?;
                        text(w, "longitude", &degrees(longitude))?;
                        w.create_element("mapDatum").write_inner_content(|w| {
                            w.create_element("wGS84").write_empty().map(drop)
                        })?;
                        match azimuth {
                            Some(a) => text(w, "azimuth", &a.to_string()),
                            None => Ok(()),
                        }
                    })?;
            }
            Ok(())
        })?;
    Ok(())
}

/// `communicationTime` (prefixed `tdip:` outside a telephony record, its times RFC 3339 as
/// everywhere in tdip's namespace): start, end, and the duration in whole seconds.
fn time(w: &mut Writer<Vec<u8>>, prefix: &str, r: &CommRecord) -> io::Result<()> {
    let c = &r.record;
    let at = |t: i64| {
        if prefix.is_empty() {
            generalized_at(t)
        } else {
            rfc3339(t)
        }
    };
    w.create_element(format!("{prefix}communicationTime"))
        .write_inner_content(|w| {
            text(w, &format!("{prefix}startTime"), &at(c.start))?;
            text(w, &format!("{prefix}endTime"), &at(c.end))?;
            text(
                w,
                &format!("{prefix}durationTime"),
                &(c.end - c.start).max(0).to_string(),
            )
        })?;
    Ok(())
}

/// `tdip:extension`: what TS 102 657 has no element for — the identifier searched, the
/// provider, the linked communication's number, the record's network, type and service,
/// each party's account, address, port and termination point, each cell's configuration
/// details — names as in tdip's payload schema, times RFC 3339.
fn extension(w: &mut Writer<Vec<u8>>, r: &CommRecord) -> io::Result<()> {
    let c = &r.record;
    w.create_element("tdip:extension")
        .write_inner_content(|w| {
            text(w, "tdip:requestFormat", &r.format)?;
            text(w, "tdip:requestValue", &r.searched)?;
            text(w, "tdip:provider", &r.provider)?;
            if !r.provider_name.is_empty() {
                text(w, "tdip:providerName", &r.provider_name)?;
            }
            text(w, "tdip:linkedCommunication", &r.communication.to_string())?;
            text(w, "tdip:network", network(c.network))?;
            text(w, "tdip:communicationType", c.kind.as_str())?;
            opt(w, "tdip:service", &c.service)?;
            party_extension(w, "originating", &c.calling)?;
            party_extension(w, "terminating", &c.called)?;
            for cell in &r.cells {
                cell_extension(w, cell)?;
            }
            Ok(())
        })?;
    Ok(())
}

fn network(n: Network) -> &'static str {
    match n {
        Network::Fixed => "fixed",
        Network::Mobile => "mobile",
        Network::Internet => "internet",
    }
}

/// A party's identifiers TS 102 657's telephony party has no element for; nothing when it
/// has none.
fn party_extension(w: &mut Writer<Vec<u8>>, role: &str, p: &Party) -> io::Result<()> {
    let address = p.address.map(|a| a.to_string());
    if present(&p.account).is_none()
        && address.is_none()
        && p.port.is_none()
        && present(&p.ntp).is_none()
    {
        return Ok(());
    }
    w.create_element("tdip:party").write_inner_content(|w| {
        text(w, "tdip:role", role)?;
        opt(w, "tdip:account", &p.account)?;
        opt(w, "tdip:ipAddress", &address)?;
        if let Some(port) = p.port {
            text(w, "tdip:port", &port.to_string())?;
        }
        opt(w, "tdip:ntp", &p.ntp)
    })?;
    Ok(())
}

/// A cell's role and the configuration it was placed by (or that it had none).
fn cell_extension(w: &mut Writer<Vec<u8>>, cell: &CommCell) -> io::Result<()> {
    w.create_element("tdip:cell").write_inner_content(|w| {
        text(w, "tdip:cellID", &cell.cell_id)?;
        text(w, "tdip:cellRole", cell.end.as_str())?;
        match &cell.config {
            None => text(w, "tdip:configuration", "none"),
            Some(c) => {
                let state = if c.removed { "removed" } else { "in-force" };
                text(w, "tdip:configuration", state)?;
                text(w, "tdip:configuredFrom", &rfc3339(c.valid_from))?;
                if let Some(b) = c.beam_width {
                    text(w, "tdip:beamWidth", &b.to_string())?;
                }
                opt(w, "tdip:technology", &c.technology)?;
                opt(w, "tdip:siteAddress", &c.address)
            }
        }
    })?;
    Ok(())
}

/// Micro-degrees as decimal degrees with six decimals (`52.370216`, `-0.000500`).
pub(crate) fn degrees(micro: i32) -> String {
    let sign = if micro < 0 { "-" } else { "" };
    let abs = micro.unsigned_abs();
    format!("{sign}{}.{:06}", abs / 1_000_000, abs % 1_000_000)
}

fn timestamp(t: i64) -> jiff::Timestamp {
    jiff::Timestamp::from_second(t).unwrap_or(jiff::Timestamp::UNIX_EPOCH)
}

fn generalized_at(t: i64) -> String {
    generalized(timestamp(t))
}

fn rfc3339(t: i64) -> String {
    crate::response::seconds(timestamp(t))
}

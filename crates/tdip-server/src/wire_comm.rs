//! The edge between core's communications, device histories and cell dumps and the wire's
//! (`tdip_api::{Communication, DeviceUse, DumpedCell}`), field by field like
//! `wire_traffic`, so that a field added to the model does not compile until the wire says
//! whether it carries it. Coordinates go out as decimal degrees written exactly from their
//! micro-degrees, never through floating point.

use tdip_api::{Cell, CommRecord, Communication, DeviceUse, DumpedCell, Party, PlacedCell};
use tdip_core::traffic::comms::{self, Communicated, FetchedComm, devices, dump};
use tdip_model::traffic::{self as model, CommType, MicroDegrees, Network};

/// A communication: the records of every provider that saw it.
pub fn communication(c: &Communicated) -> Communication {
    Communication {
        records: c.records.iter().map(comm_record).collect(),
    }
}

fn comm_record(f: &FetchedComm) -> CommRecord {
    let r = &f.record;
    CommRecord {
        source: crate::wire_traffic::source(&f.source),
        network: network(r.network).to_owned(),
        kind: comm_type(r.kind).to_owned(),
        calling: party(&r.calling, &f.calling_subscriber),
        called: party(&r.called, &f.called_subscriber),
        forwarded_to: r.forwarded_to.clone(),
        lines: r.lines.clone(),
        start: r.start,
        end: r.end,
        service: r.service.clone(),
        cells: f.cells.iter().map(placed_cell).collect(),
    }
}

fn network(n: Network) -> &'static str {
    match n {
        Network::Fixed => "fixed",
        Network::Mobile => "mobile",
        Network::Internet => "internet",
    }
}

fn comm_type(t: CommType) -> &'static str {
    t.as_str()
}

/// A party; its cells travel placed, in the record's `cells`.
fn party(p: &model::Party, subscribers: &[tdip_core::lookup::Hit]) -> Party {
    let model::Party {
        number,
        imsi,
        imei,
        account,
        address,
        port,
        ntp,
        cell_start: _,
        cell_end: _,
    } = p;
    Party {
        number: number.clone(),
        imsi: imsi.clone(),
        imei: imei.clone(),
        account: account.clone(),
        address: address.map(|a| a.to_string()),
        port: *port,
        ntp: ntp.clone(),
        subscribers: subscribers.iter().map(crate::wire::hit).collect(),
    }
}

fn placed_cell(c: &comms::PlacedCell) -> PlacedCell {
    PlacedCell {
        role: c.role.as_str().to_owned(),
        cell_id: c.cell_id.clone(),
        at: c.at,
        configured: c.config.as_ref().map(cell),
    }
}

/// A cell configuration; its id travels beside it (`PlacedCell`, `DumpedCell`).
pub fn cell(c: &model::CellConfig) -> Cell {
    let model::CellConfig {
        cell_id: _,
        valid_from,
        removed,
        latitude,
        longitude,
        azimuth,
        beam_width,
        address,
        technology,
    } = c;
    Cell {
        valid_from: *valid_from,
        removed: *removed,
        latitude: latitude.map(degrees),
        longitude: longitude.map(degrees),
        azimuth: *azimuth,
        beam_width: *beam_width,
        address: address.clone(),
        technology: technology.clone(),
    }
}

/// Micro-degrees as decimal degrees with six decimals: `-4500000` is `"-4.500000"`.
pub fn degrees(micro: MicroDegrees) -> String {
    let sign = if micro < 0 { "-" } else { "" };
    let abs = i64::from(micro).abs();
    format!("{sign}{}.{:06}", abs / 1_000_000, abs % 1_000_000)
}

/// A combination of device, SIM and number.
pub fn device_use(u: &devices::DeviceUse) -> DeviceUse {
    DeviceUse {
        provider: u.provider.clone(),
        imei: u.imei.clone(),
        imsi: u.imsi.clone(),
        number: u.number.clone(),
        first: u.first,
        last: u.last,
        communications: u.communications,
    }
}

/// A cell a dump covered.
pub fn dumped_cell(c: &dump::DumpedCell) -> DumpedCell {
    DumpedCell {
        provider: c.provider.clone(),
        cell_id: c.cell_id.clone(),
        configs: c.configs.iter().map(cell).collect(),
    }
}

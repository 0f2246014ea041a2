//! The edge between core's traffic answers and the wire's (`tdip_api::TrafficAnswered`;
//! communications, devices and cells through `wire_comm`), field by field, so that a field added to the model does not compile until the wire
//! says whether it carries it.

use tdip_api::{
    Candidate, Fit, PortBlock, Searched, Session, Source, TrafficAnswered, TrafficBatch,
    TrafficRecord, When,
};
use tdip_core::traffic::consult::{TrafficAnswer, TrafficConsulted};
use tdip_core::traffic::fetch::{self, Fetched};
use tdip_core::traffic::identify;
use tdip_model::ident::display_ip;
use tdip_model::traffic as model;
use tdip_store::TrafficBatchRecord;

use crate::wire_comm;

/// The answer to a traffic consultation as the CLI's `--json` and the API give it.
pub fn traffic_answered(done: &TrafficConsulted) -> TrafficAnswered {
    let mut out = TrafficAnswered {
        consultation: done.consultation.clone(),
        agency: done.grant.agency_name.clone(),
        legal_basis: done.grant.basis_title.clone(),
        category: String::new(),
        due: done.due.at,
        due_rule: done.due.rule.as_str().to_owned(),
        searched: Searched {
            kind: String::new(),
            value: String::new(),
        },
        port: None,
        when: When::At { at: 0 },
        tolerance_seconds: 0,
        port_needed: false,
        candidates: Vec::new(),
        records: Vec::new(),
        truncated: false,
        communications: Vec::new(),
        devices: Vec::new(),
        dump_cells: Vec::new(),
    };
    match &done.answer {
        TrafficAnswer::Identified(a) => {
            out.category = "traffic_identification".into();
            out.searched = searched(&a.searched);
            out.port = a.port;
            out.when = When::At { at: a.at };
            out.tolerance_seconds = a.tolerance;
            out.port_needed = a.port_needed;
            out.candidates = a.candidates.iter().map(candidate).collect();
        }
        TrafficAnswer::Records(r) => {
            out.category = "traffic".into();
            out.searched = searched(&r.searched);
            out.when = When::Between {
                from: r.from,
                to: r.to,
            };
            out.records = r.records.iter().filter_map(record).collect();
            out.truncated = r.truncated;
        }
        TrafficAnswer::Comms(c) => {
            out.category = "traffic".into();
            out.searched = searched(&c.searched);
            out.when = When::Between {
                from: c.from,
                to: c.to,
            };
            out.communications = c.items.iter().map(wire_comm::communication).collect();
            out.truncated = c.truncated;
        }
        TrafficAnswer::Devices(d) => {
            out.category = "traffic".into();
            out.searched = searched(&d.searched);
            out.when = When::Between {
                from: d.from,
                to: d.to,
            };
            out.devices = d.uses.iter().map(wire_comm::device_use).collect();
            out.truncated = d.truncated;
        }
        // A dump searches by cells, not by an identifier: `searched` stays empty.
        TrafficAnswer::Dumped(d) => {
            out.category = "cell_dump".into();
            out.searched.kind = "cell".into();
            out.when = When::Between {
                from: d.from,
                to: d.to,
            };
            out.dump_cells = d.cells.iter().map(wire_comm::dumped_cell).collect();
            out.communications = d.items.iter().map(wire_comm::communication).collect();
            out.truncated = d.truncated;
        }
    }
    out
}

fn searched(s: &tdip_core::lookup::Searched) -> Searched {
    Searched {
        kind: s.kind.clone(),
        value: s.value.clone(),
    }
}

fn candidate(c: &identify::Candidate) -> Candidate {
    Candidate {
        assignment: c.assignment.as_ref().and_then(port_block),
        assignment_fit: c.assignment_fit.map(fit),
        session: c.session.as_ref().and_then(session),
        session_fit: c.session_fit.map(fit),
        user_id: c.user_id.clone(),
        subscribers: c.subscriber.iter().map(crate::wire::hit).collect(),
    }
}

fn fit(f: identify::Fit) -> Fit {
    match f {
        identify::Fit::Covers => Fit::Covers,
        identify::Fit::EndedBefore(seconds) => Fit::EndedBefore { seconds },
        identify::Fit::StartedAfter(seconds) => Fit::StartedAfter { seconds },
    }
}

/// Where a record came from.
pub(crate) fn source(s: &fetch::Source) -> Source {
    Source {
        provider: s.provider.clone(),
        provider_name: s.provider_name.clone(),
        batch: s.batch.clone(),
        received_at: s.received_at,
        opened_in: s.opened_in.clone(),
    }
}

/// A port block or session as the wire gives it (communications and cells have their
/// own wire types).
pub fn record(f: &Fetched) -> Option<TrafficRecord> {
    match &f.record {
        model::TrafficRecord::PortBlock(b) => Some(TrafficRecord::Cgnat(port_block_of(f, b))),
        model::TrafficRecord::Session(s) => Some(TrafficRecord::Session(session_of(f, s))),
        model::TrafficRecord::Communication(_) | model::TrafficRecord::Cell(_) => None,
    }
}

fn port_block(f: &Fetched) -> Option<PortBlock> {
    match &f.record {
        model::TrafficRecord::PortBlock(b) => Some(port_block_of(f, b)),
        _ => None,
    }
}

fn session(f: &Fetched) -> Option<Session> {
    match &f.record {
        model::TrafficRecord::Session(s) => Some(session_of(f, s)),
        _ => None,
    }
}

fn port_block_of(f: &Fetched, b: &model::PortBlock) -> PortBlock {
    PortBlock {
        source: source(&f.source),
        public_ip: b.public_ip.to_string(),
        first_port: b.first_port,
        last_port: b.last_port,
        private_ip: b.private_ip.map(|a| a.to_string()),
        user_id: b.user_id.clone(),
        start: b.start,
        end: b.end,
    }
}

fn session_of(f: &Fetched, s: &model::AccessSession) -> Session {
    Session {
        source: source(&f.source),
        user_id: s.user_id.clone(),
        address: s
            .net()
            .map_or_else(|| s.address.to_string(), |n| display_ip(&n)),
        ntp_start: s.ntp_start.clone(),
        ntp_end: s.ntp_end.clone(),
        login: s.login,
        logoff: s.logoff,
        uploaded: s.uploaded,
        downloaded: s.downloaded,
        cell: s.cell.clone(),
    }
}

/// A batch log entry as the wire gives it.
pub fn batch(b: &TrafficBatchRecord) -> TrafficBatch {
    TrafficBatch {
        seq: b.seq,
        provider: b.batch.provider.clone(),
        batch: b.batch.batch_id.clone(),
        kind: b.batch.kind.as_str().to_owned(),
        outcome: b.batch.outcome.as_str().to_owned(),
        received_at: b.batch.received_at,
        records: b.batch.records,
        closed: b.batch.closed,
        opened: b.batch.opened,
        ended: b.batch.ended,
        errors: b.batch.errors,
        first_at: b.batch.first_at,
        last_at: b.batch.last_at,
        checksum: hex::encode(b.batch.checksum),
    }
}

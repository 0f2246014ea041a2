//! Turning decoded records into sealed rows (the worker thread), and closing an open row
//! with the `end` record that names it.

use std::net::IpAddr;
use std::sync::Arc;

use hashbrown::HashMap;
use ipnet::IpNet;
use tdip_crypto::Sealer;
use tdip_model::FieldError;
use tdip_model::traffic::{Communication, DecodedRecord, Event, TrafficRecord};
use tdip_store::{BlindIndex, CellRow, CommRow, Day, OpenRef, TrafficKind, TrafficRow, day_of};

use super::read::Item;
use crate::CoreError;
use crate::datakeys::{DataClass, Month};
use crate::keys::PointKeys;
use crate::traffic::seal::{SealedTraffic, month_of, seal_row_with};
use crate::traffic::seal_comm::{cell_row, comm_keys, kind_of, seal_comm_with};

/// One record's verdict, in file order.
// Items move by value in chunks between the pipeline's threads; a box per record
// would cost an allocation each.
#[allow(clippy::large_enum_variant)]
pub enum Built {
    /// A complete record, written to its days (`rows` rows of the chunk's rows).
    Closed { start: i64, end: i64 },
    /// A record left open (one row of the chunk's rows).
    Opened {
        line: u64,
        start: i64,
        open: OpenRef,
    },
    /// An `end` record: closed once its open row is taken.
    End {
        line: u64,
        decoded: DecodedRecord,
        open: OpenRef,
    },
    /// A communication, written to its days (rows in the chunk's `comm`).
    Comm { start: i64, end: i64 },
    /// A cell configuration, to add once checked against the cell's history.
    Cell { line: u64, row: Box<CellRow> },
    /// A record with errors.
    Invalid { line: u64, errors: Vec<FieldError> },
}

/// A chunk's verdicts and the rows of its complete and open records, in file order.
pub struct BuiltChunk {
    /// Verdicts.
    pub items: Vec<Built>,
    /// Rows of the `Closed` and `Opened` items; `rows_of[i]` is the end of item `i`'s rows.
    pub rows: Vec<TrafficRow>,
    /// For each item, the end of its rows in `rows`.
    pub rows_end: Vec<usize>,
    /// The day copies of the chunk's communications, in file order.
    pub comm: Vec<CommRow>,
}

/// Seals rows of one batch: the keys, the provider, the batch and a sealer per month.
pub struct RowBuilder {
    keys: PointKeys,
    provider: String,
    kind: TrafficKind,
    batch: i64,
    sealers: HashMap<Month, Arc<Sealer>>,
    /// The number the next record gets in its batch (communications are named by it).
    next_ord: u32,
}

/// The address of a record as a net (a port block's: /32 or /128).
pub fn net_of(record: &TrafficRecord) -> IpNet {
    match record {
        TrafficRecord::PortBlock(b) => IpNet::from(b.public_ip),
        // The reader built it from a valid net.
        TrafficRecord::Session(s) => s.net().unwrap_or_else(|| IpNet::from(s.address)),
        // Not traffic rows: no address of their own.
        TrafficRecord::Communication(_) | TrafficRecord::Cell(_) => {
            IpNet::from(IpAddr::from([0u8; 4]))
        }
    }
}

fn family(net: &IpNet) -> (u8, u8) {
    let f = match net.addr() {
        IpAddr::V4(_) => 4,
        IpAddr::V6(_) => 6,
    };
    (f, net.prefix_len())
}

fn ports(record: &TrafficRecord) -> (u16, u16) {
    match record {
        TrafficRecord::PortBlock(b) => (b.first_port, b.last_port),
        TrafficRecord::Session(_) | TrafficRecord::Communication(_) | TrafficRecord::Cell(_) => {
            (0, u16::MAX)
        }
    }
}

impl RowBuilder {
    /// A builder for the batch numbered `batch` of `provider`.
    pub fn new(keys: PointKeys, provider: &str, kind: TrafficKind, batch: i64) -> Self {
        RowBuilder {
            keys,
            provider: provider.to_string(),
            kind,
            batch,
            sealers: HashMap::new(),
            next_ord: 0,
        }
    }

    fn sealer(&mut self, day: Day) -> Result<Arc<Sealer>, CoreError> {
        let month = month_of(day)?;
        if let Some(s) = self.sealers.get(&month) {
            return Ok(s.clone());
        }
        let s = self
            .keys
            .data()
            .for_month(&self.provider, DataClass::Traffic, month)?;
        self.sealers.insert(month, s.clone());
        Ok(s)
    }

    /// The open set's name of a record.
    pub fn open_ref(&self, record: &TrafficRecord) -> OpenRef {
        let net = net_of(record);
        OpenRef {
            kind: self.kind,
            key: self.keys.traffic().address_open(self.kind, &net),
            first_port: ports(record).0,
            start: record.start(),
        }
    }

    fn user(&self, record: &TrafficRecord) -> Option<BlindIndex> {
        record.user_id().map(|u| self.keys.traffic().user(u))
    }

    /// Appends the day rows of a closed `content` (one per UTC day it covers) to `out`.
    pub fn closed_rows(
        &mut self,
        content: &SealedTraffic,
        out: &mut Vec<TrafficRow>,
    ) -> Result<(), CoreError> {
        let record = &content.record;
        let end = record
            .end()
            .ok_or(CoreError::Internal("a closed record has an end"))?;
        let net = net_of(record);
        let (first_port, last_port) = ports(record);
        let user = self.user(record);
        for day in day_of(record.start())..=day_of(end) {
            let mut row = TrafficRow {
                batch: self.batch,
                kind: self.kind,
                day,
                key: self.keys.traffic().address_on(self.kind, &net, day),
                net: family(&net),
                user,
                first_port,
                last_port,
                start: record.start(),
                end: Some(end),
                sealed: Vec::new(),
            };
            let sealer = self.sealer(day)?;
            seal_row_with(&sealer, &self.provider, &mut row, content);
            out.push(row);
        }
        Ok(())
    }

    /// Appends the day copies of a communication (one per UTC day it covers) to `out`.
    fn comm_rows(
        &mut self,
        ord: u32,
        c: &Communication,
        out: &mut Vec<CommRow>,
    ) -> Result<(), CoreError> {
        let kind = kind_of(c);
        for day in day_of(c.start)..=day_of(c.end) {
            let mut row = CommRow {
                batch: self.batch,
                ord,
                kind,
                day,
                start: c.start,
                end: c.end,
                keys: comm_keys(self.keys.traffic(), &self.provider, c, day),
                sealed: Vec::new(),
            };
            let sealer = self.sealer(day)?;
            seal_comm_with(&sealer, &self.provider, &mut row, c);
            out.push(row);
        }
        Ok(())
    }

    /// The open-set row of an open record.
    fn open_row(&mut self, record: TrafficRecord, open: &OpenRef) -> Result<TrafficRow, CoreError> {
        let net = net_of(&record);
        let (first_port, last_port) = ports(&record);
        let day = day_of(record.start());
        let mut row = TrafficRow {
            batch: self.batch,
            kind: self.kind,
            day,
            key: open.key,
            net: family(&net),
            user: self.user(&record),
            first_port,
            last_port,
            start: record.start(),
            end: None,
            sealed: Vec::new(),
        };
        let sealer = self.sealer(day)?;
        let content = SealedTraffic {
            record,
            opened_in: None,
        };
        seal_row_with(&sealer, &self.provider, &mut row, &content);
        Ok(row)
    }

    /// Builds a chunk read by the reader: verdicts, and the sealed rows of its complete
    /// and open records.
    pub fn build(&mut self, items: Vec<Item>) -> BuiltChunk {
        let mut out = BuiltChunk {
            items: Vec::with_capacity(items.len()),
            rows: Vec::with_capacity(items.len()),
            rows_end: Vec::with_capacity(items.len()),
            comm: Vec::new(),
        };
        for item in items {
            let ord = self.next_ord;
            self.next_ord = self.next_ord.saturating_add(1);
            let built = match item {
                Item::Invalid { line, errors } => Built::Invalid { line, errors },
                Item::Record { line, decoded } => {
                    match self.one(line, ord, decoded, &mut out.rows, &mut out.comm) {
                        Ok(b) => b,
                        Err(_) => Built::Invalid {
                            line,
                            errors: vec![FieldError::new(
                                "start",
                                "cannot be sealed: the provider's traffic key of its month is \
                             unavailable (destroyed by retention, or the key file is not \
                             this point's); leave the record out or ask the operator",
                            )],
                        },
                    }
                }
            };
            out.items.push(built);
            out.rows_end.push(out.rows.len());
        }
        out
    }

    fn one(
        &mut self,
        line: u64,
        ord: u32,
        decoded: DecodedRecord,
        rows: &mut Vec<TrafficRow>,
        comm: &mut Vec<CommRow>,
    ) -> Result<Built, CoreError> {
        let start = decoded.record.start();
        match decoded.record {
            TrafficRecord::Communication(c) => {
                let mark = comm.len();
                if let Err(e) = self.comm_rows(ord, &c, comm) {
                    comm.truncate(mark);
                    return Err(e);
                }
                return Ok(Built::Comm { start, end: c.end });
            }
            TrafficRecord::Cell(c) => {
                let row = cell_row(self.keys.traffic(), &self.provider, self.batch, &c);
                return Ok(Built::Cell {
                    line,
                    row: Box::new(row),
                });
            }
            _ => {}
        }
        match (decoded.event, decoded.record.end()) {
            (Event::End, _) => {
                let open = self.open_ref(&decoded.record);
                Ok(Built::End {
                    line,
                    decoded,
                    open,
                })
            }
            (_, Some(end)) => {
                let mark = rows.len();
                let content = SealedTraffic {
                    record: decoded.record,
                    opened_in: None,
                };
                if let Err(e) = self.closed_rows(&content, rows) {
                    rows.truncate(mark);
                    return Err(e);
                }
                Ok(Built::Closed { start, end })
            }
            (_, None) => {
                let open = self.open_ref(&decoded.record);
                rows.push(self.open_row(decoded.record, &open)?);
                Ok(Built::Opened { line, start, open })
            }
        }
    }
}

/// The closed record an `end` record makes of the open one it names: the end record,
/// with the open one's termination point and cell where the end record leaves them out.
/// `Err`: the field the end record repeats differently.
pub fn close(open: &TrafficRecord, end: &TrafficRecord) -> Result<TrafficRecord, &'static str> {
    match (open, end) {
        (TrafficRecord::PortBlock(o), TrafficRecord::PortBlock(e)) => {
            if o.public_ip != e.public_ip || o.first_port != e.first_port || o.start != e.start {
                return Err("public_ip");
            }
            if o.last_port != e.last_port {
                return Err("last_port");
            }
            if o.private_ip != e.private_ip {
                return Err("private_ip");
            }
            if o.user_id != e.user_id {
                return Err("user_id");
            }
            Ok(end.clone())
        }
        (TrafficRecord::Session(o), TrafficRecord::Session(e)) => {
            if o.address != e.address || o.prefix_len != e.prefix_len || o.login != e.login {
                return Err("address");
            }
            if o.user_id != e.user_id {
                return Err("user_id");
            }
            let mut closed = e.clone();
            closed.ntp_start = closed.ntp_start.or_else(|| o.ntp_start.clone());
            closed.cell = closed.cell.or_else(|| o.cell.clone());
            Ok(TrafficRecord::Session(closed))
        }
        _ => Err("row"),
    }
}

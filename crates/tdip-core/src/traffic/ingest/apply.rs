//! Applying a traffic batch: the batch id check, the pipeline threads, and the one store
//! transaction the rows go to — committed only when no record has an error.

use std::io::Read;
use std::thread;

use hashbrown::HashSet;
use tdip_model::traffic::{BatchKind, DecodedRecord};
use tdip_model::{FieldError, LegalZone, Reason};
use tdip_store::{
    CellRow, CommRow, DeliveryOutcome, NewTrafficBatch, OpenRef, Store, TrafficBatchRecord,
    TrafficKind, TrafficRow, TrafficStore, TrafficTx,
};

use super::build::{Built, BuiltChunk, RowBuilder, close};
use super::read::{self, Msg, ReadContext};
use super::{BatchInput, BatchReport, MAX_LISTED_ERRORS, valid_batch_id};
use crate::CoreError;
use crate::ingest::RowError;
use crate::keys::PointKeys;
use crate::traffic::seal::{SealedTraffic, open_row};

/// Rows handed to the transaction at a time.
const FLUSH: usize = 4096;

/// What the worker thread sends the applying task.
enum Step {
    Chunk(BuiltChunk),
    Fatal(u64, FieldError),
    Done([u8; 32]),
}

/// Ingests one traffic batch of `input.provider` read from `source` (CSV or JSON Lines,
/// gzip or not). Returns the report for accepted, rejected and already-applied batches
/// alike; an `Err` means the point itself failed (store, keys), and nothing was stored.
pub async fn deliver_batch<S: Store + TrafficStore>(
    store: &S,
    keys: &PointKeys,
    input: BatchInput<'_>,
    source: impl Read + Send + 'static,
) -> Result<BatchReport, CoreError> {
    let provider = input.provider;
    let mut report = BatchReport {
        batch: "rejected",
        seq: 0,
        provider: provider.id.clone(),
        batch_id: input.batch_id.to_string(),
        kind: input.kind.as_str(),
        records: 0,
        closed: 0,
        opened: 0,
        ended: 0,
        errors: Vec::new(),
        error_count: 0,
        checksum: String::new(),
        first_at: 0,
        last_at: 0,
    };
    let batch_error = |report: &mut BatchReport, field: &str, reason: Reason| {
        report.errors.push(RowError {
            line: 0,
            field: field.to_string(),
            reason,
        });
        report.error_count += 1;
    };
    if !valid_batch_id(input.batch_id) {
        report.checksum = hex::encode(checksum(source).await.unwrap_or_default());
        let reason =
            Reason::new("is not a valid batch id: 1 to 64 characters of A-Z, a-z, 0-9 and . _ : -");
        batch_error(&mut report, "batch", reason);
        return Ok(report);
    }
    let zone: LegalZone = provider.zone.parse().map_err(|_| {
        CoreError::Config(format!("provider {} has an unknown time zone", provider.id))
    })?;
    let log = |report: &BatchReport, checksum: [u8; 32]| NewTrafficBatch {
        provider: provider.id.clone(),
        batch_id: input.batch_id.to_string(),
        kind: input.kind,
        received_at: input.received_at,
        records: report.records,
        closed: report.closed,
        opened: report.opened,
        ended: report.ended,
        errors: report.error_count,
        first_at: report.first_at,
        last_at: report.last_at,
        checksum,
        outcome: DeliveryOutcome::Rejected,
    };

    if let Some(before) = store.traffic_batch(&provider.id, input.batch_id).await? {
        match checksum(source).await {
            Ok(sum) if sum == before.batch.checksum => return Ok(already_applied(report, &before)),
            Ok(sum) => {
                report.checksum = hex::encode(sum);
                let reason = Reason::new(
                    "this batch id was accepted before with other content; give the batch a \
                     new id",
                );
                batch_error(&mut report, "batch", reason);
                report.seq = store.record_rejected_traffic(&log(&report, sum)).await?;
            }
            Err(e) => {
                let e = read::io_error(&e);
                batch_error(&mut report, e.field, e.reason);
                report.seq = store
                    .record_rejected_traffic(&log(&report, [0; 32]))
                    .await?;
            }
        }
        return Ok(report);
    }

    let tx = store.begin_traffic(&provider.id).await?;
    let mut run = Run {
        report,
        tx,
        store,
        pending_comm: Vec::with_capacity(2 * FLUSH),
        pending_cells: Vec::new(),
        cells_seen: HashSet::new(),
        builder: RowBuilder::new(keys.clone(), &provider.id, input.kind, 0),
        keys,
        provider: &provider.id,
        kind: input.kind,
        pending: Vec::with_capacity(2 * FLUSH),
        pending_opens: Vec::new(),
        ends: Vec::new(),
        first_at: None,
        last_at: None,
    };
    let seq = run.tx.seq();
    run.builder = RowBuilder::new(keys.clone(), &provider.id, input.kind, seq);
    let ctx = ReadContext {
        kind: match input.kind {
            TrafficKind::PortBlock => BatchKind::Cgnat,
            TrafficKind::AccessSession => BatchKind::Session,
            TrafficKind::Fixed => BatchKind::Fixed,
            TrafficKind::Mobile => BatchKind::Mobile,
            TrafficKind::Internet => BatchKind::Internet,
            TrafficKind::Cell => BatchKind::Cell,
        },
        zone,
        received_at: input.received_at,
    };

    let (raw_tx, raw_rx) = crossbeam_channel::bounded::<Msg>(4);
    let (out_tx, mut out_rx) = tokio::sync::mpsc::channel::<Step>(4);
    let reader = thread::Builder::new()
        .name("tdip-traffic-read".into())
        .spawn(move || read::read_batch(source, ctx, &raw_tx))
        .map_err(|_| CoreError::Internal("cannot start the traffic reader thread"))?;
    let worker = {
        let mut builder = RowBuilder::new(keys.clone(), &provider.id, input.kind, seq);
        thread::Builder::new()
            .name("tdip-traffic-seal".into())
            .spawn(move || {
                for msg in raw_rx {
                    let step = match msg {
                        Msg::Chunk(items) => Step::Chunk(builder.build(items)),
                        Msg::Fatal(line, e) => Step::Fatal(line, e),
                        Msg::Done(sum) => Step::Done(sum),
                    };
                    if out_tx.blocking_send(step).is_err() {
                        return;
                    }
                }
            })
            .map_err(|_| CoreError::Internal("cannot start the traffic sealing thread"))?
    };

    let mut sum = [0; 32];
    let mut result = Ok(());
    while let Some(step) = out_rx.recv().await {
        let r = match step {
            Step::Chunk(chunk) => run.take(chunk).await,
            Step::Fatal(line, e) => {
                run.error(line, e.field, e.reason);
                Ok(())
            }
            Step::Done(s) => {
                sum = s;
                Ok(())
            }
        };
        if let Err(e) = r {
            // The point failed: stop reading (the threads end when the channel closes).
            result = Err(e);
            break;
        }
    }
    drop(out_rx);
    for handle in [reader, worker] {
        handle
            .join()
            .map_err(|_| CoreError::Internal("a traffic ingest thread panicked"))?;
    }
    result?;
    run.end_ends().await?;
    run.flush().await?;
    run.report.first_at = run.first_at.unwrap_or(0);
    run.report.last_at = run.last_at.unwrap_or(0);
    run.report.checksum = hex::encode(sum);
    let mut entry = log(&run.report, sum);
    let Run { mut report, tx, .. } = run;
    if report.error_count > 0 {
        drop(tx);
        report.seq = store.record_rejected_traffic(&entry).await?;
        return Ok(report);
    }
    entry.outcome = DeliveryOutcome::Accepted;
    tx.commit(&entry).await?;
    report.seq = seq;
    report.batch = "accepted";
    Ok(report)
}

/// The SHA-256 of `source`, read on a blocking thread.
async fn checksum(source: impl Read + Send + 'static) -> std::io::Result<[u8; 32]> {
    tokio::task::spawn_blocking(move || read::checksum_of(source))
        .await
        .unwrap_or_else(|_| Err(std::io::Error::other("the checksum thread panicked")))
}

fn already_applied(mut report: BatchReport, before: &TrafficBatchRecord) -> BatchReport {
    let b = &before.batch;
    report.batch = "already-applied";
    report.seq = before.seq;
    (report.records, report.closed, report.opened, report.ended) =
        (b.records, b.closed, b.opened, b.ended);
    (report.first_at, report.last_at) = (b.first_at, b.last_at);
    report.checksum = hex::encode(b.checksum);
    report
}

/// The state of one batch being applied.
struct Run<'a, S, T> {
    report: BatchReport,
    tx: T,
    store: &'a S,
    /// Communications not yet handed to the transaction.
    pending_comm: Vec<CommRow>,
    /// Cell configurations not yet checked and handed over, with their lines.
    pending_cells: Vec<(u64, CellRow)>,
    /// (cell id, valid_from) of every configuration of this batch so far.
    cells_seen: HashSet<(String, i64)>,
    builder: RowBuilder,
    keys: &'a PointKeys,
    provider: &'a str,
    kind: TrafficKind,
    /// Rows not yet handed to the transaction.
    pending: Vec<TrafficRow>,
    /// Open rows among `pending`: their line, name and place in `pending`.
    pending_opens: Vec<(u64, OpenRef, usize)>,
    /// `end` records waiting for their open rows.
    ends: Vec<(u64, DecodedRecord, OpenRef)>,
    first_at: Option<i64>,
    last_at: Option<i64>,
}

impl<S: TrafficStore, T: TrafficTx> Run<'_, S, T> {
    fn error(&mut self, line: u64, field: &str, reason: Reason) {
        if self.report.errors.len() < MAX_LISTED_ERRORS {
            self.report.errors.push(RowError {
                line,
                field: field.to_string(),
                reason,
            });
        }
        self.report.error_count += 1;
    }

    fn times(&mut self, start: i64, end: Option<i64>) {
        self.first_at = Some(self.first_at.map_or(start, |f| f.min(start)));
        let last = end.unwrap_or(start).max(start);
        self.last_at = Some(self.last_at.map_or(last, |l| l.max(last)));
    }

    fn start_field(&self) -> &'static str {
        match self.kind {
            TrafficKind::PortBlock => "start",
            TrafficKind::AccessSession => "login",
            TrafficKind::Cell => "valid_from",
            TrafficKind::Fixed | TrafficKind::Mobile | TrafficKind::Internet => "start",
        }
    }

    async fn take(&mut self, chunk: BuiltChunk) -> Result<(), CoreError> {
        self.pending_comm.extend(chunk.comm);
        let mut rows = chunk.rows.into_iter();
        let mut taken = 0;
        for (item, end) in chunk.items.into_iter().zip(chunk.rows_end) {
            self.report.records += 1;
            if !matches!(item, Built::End { .. }) && !self.ends.is_empty() {
                self.end_ends().await?;
            }
            let from = self.pending.len();
            self.pending.extend(rows.by_ref().take(end - taken));
            taken = end;
            match item {
                Built::Closed { start, end, .. } => {
                    self.report.closed += 1;
                    self.times(start, Some(end));
                }
                Built::Opened { line, start, open } => {
                    self.report.opened += 1;
                    self.times(start, None);
                    self.pending_opens.push((line, open, from));
                }
                Built::End {
                    line,
                    decoded,
                    open,
                } => {
                    self.ends.push((line, decoded, open));
                    if self.ends.len() >= FLUSH {
                        self.end_ends().await?;
                    }
                }
                Built::Comm { start, end } => {
                    self.report.closed += 1;
                    self.times(start, Some(end));
                }
                Built::Cell { line, row } => {
                    self.report.closed += 1;
                    self.times(row.valid_from, None);
                    if self
                        .cells_seen
                        .insert((row.cell_id.clone(), row.valid_from))
                    {
                        self.pending_cells.push((line, *row));
                    } else {
                        self.error(
                            line,
                            "valid_from",
                            Reason::new(
                                "repeats a configuration earlier in this batch (same cell_id \
                                 and valid_from); deliver each dated change once",
                            ),
                        );
                    }
                }
                Built::Invalid { line, errors } => {
                    for e in errors {
                        self.error(line, e.field, e.reason);
                    }
                }
            }
            if self.pending.len() >= FLUSH
                || self.pending_comm.len() >= FLUSH
                || self.pending_cells.len() >= FLUSH
            {
                self.flush().await?;
            }
        }
        Ok(())
    }

    /// Hands the pending rows to the transaction. Open rows first have their names
    /// checked: an open row with the name of one already open (in an earlier batch, or
    /// earlier in this one) is an error of its line, and is not written.
    async fn flush(&mut self) -> Result<(), CoreError> {
        if !self.pending_opens.is_empty() {
            let opens = std::mem::take(&mut self.pending_opens);
            let refs: Vec<OpenRef> = opens.iter().map(|(_, r, _)| *r).collect();
            // Taking an open row out is harmless: finding one rejects the batch.
            let found = self.tx.take_open(&refs).await?;
            let mut seen = HashSet::with_capacity(opens.len());
            let mut drop_rows = Vec::new();
            for ((line, open, at), found) in opens.into_iter().zip(found) {
                if found.is_some() || !seen.insert(open) {
                    let reason = match self.kind {
                        TrafficKind::PortBlock => {
                            "opens an assignment of a block that is already open with the same \
                             start (same public_ip, first_port and start); deliver it once"
                        }
                        _ => {
                            "opens a session that is already open with the same address and \
                             login; deliver it once"
                        }
                    };
                    let field = self.start_field();
                    self.error(line, field, Reason::new(reason));
                    drop_rows.push(at);
                }
            }
            for at in drop_rows.into_iter().rev() {
                self.pending.remove(at);
            }
        }
        if !self.pending.is_empty() {
            self.tx.insert_traffic(&self.pending).await?;
            self.pending.clear();
        }
        if !self.pending_comm.is_empty() {
            // After an error the batch is rejected whole: nothing more need be written.
            if self.report.error_count == 0 {
                self.tx.insert_comm(&self.pending_comm).await?;
            }
            self.pending_comm.clear();
        }
        if !self.pending_cells.is_empty() {
            self.flush_cells().await?;
        }
        Ok(())
    }

    /// Checks the waiting cell configurations against those already stored (a dated
    /// change is delivered once) and hands the others to the transaction.
    async fn flush_cells(&mut self) -> Result<(), CoreError> {
        let cells = std::mem::take(&mut self.pending_cells);
        let mut ids: Vec<String> = cells.iter().map(|(_, r)| r.cell_id.clone()).collect();
        ids.sort_unstable();
        ids.dedup();
        let stored: HashSet<(String, i64)> = self
            .store
            .cell_history(self.provider, &ids)
            .await?
            .into_iter()
            .map(|r| (r.cell_id, r.valid_from))
            .collect();
        let mut fresh = Vec::with_capacity(cells.len());
        for (line, row) in cells {
            if stored.contains(&(row.cell_id.clone(), row.valid_from)) {
                self.error(
                    line,
                    "valid_from",
                    Reason::new(
                        "repeats a configuration an earlier batch delivered (same cell_id and \
                         valid_from); a correction is a new dated change",
                    ),
                );
            } else {
                fresh.push(row);
            }
        }
        if self.report.error_count == 0 && !fresh.is_empty() {
            self.tx.insert_cells(&fresh).await?;
        }
        Ok(())
    }

    /// Closes the open rows the waiting `end` records name.
    async fn end_ends(&mut self) -> Result<(), CoreError> {
        if self.ends.is_empty() {
            return Ok(());
        }
        self.flush().await?;
        let ends = std::mem::take(&mut self.ends);
        let refs: Vec<OpenRef> = ends.iter().map(|(_, _, r)| *r).collect();
        let found = self.tx.take_open(&refs).await?;
        let seq = self.tx.seq();
        for ((line, decoded, _), row) in ends.into_iter().zip(found) {
            let opened = match row {
                Some(row) => open_row(self.keys, self.provider, &row)?.map(|c| (row.batch, c)),
                None => None,
            };
            let Some((batch, content)) = opened else {
                let reason = match self.kind {
                    TrafficKind::PortBlock => {
                        "closes an assignment that is not open: deliver its start first, or \
                         the complete record"
                    }
                    _ => {
                        "closes a session that is not open: deliver its start first, or the \
                         complete record"
                    }
                };
                let field = self.start_field();
                self.error(line, field, Reason::new(reason));
                continue;
            };
            match close(&content.record, &decoded.record) {
                Err(field) => self.error(
                    line,
                    field,
                    Reason::new(
                        "differs from the open record this end record closes; an end record \
                         repeats it as delivered at the start",
                    ),
                ),
                Ok(record) => {
                    self.report.closed += 1;
                    if batch == seq {
                        self.report.opened -= 1;
                    } else {
                        self.report.ended += 1;
                    }
                    self.times(record.start(), record.end());
                    let content = SealedTraffic {
                        record,
                        opened_in: Some(batch),
                    };
                    self.builder.closed_rows(&content, &mut self.pending)?;
                }
            }
        }
        if self.pending.len() >= FLUSH {
            self.flush().await?;
        }
        Ok(())
    }
}

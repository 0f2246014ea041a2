//! Applying a delivery: run the pipeline and turn its outcomes into one store transaction.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::thread;

use hashbrown::HashMap;
use tdip_model::subscription::ParseContext;
use tdip_store::{
    BlindIndex, DeliveryOutcome, DeliveryTx, NewDelivery, NewVersion, Store, StoreError,
};

use super::report::{DeliveryReport, MAX_ERRORS, RowError};
use super::source::{self, Msg};
use super::worker::{self, Fresh, Outcome, WorkContext};
use super::{DeliveryRequest, RULES_VERSION};
use crate::keys::PointKeys;
use crate::snapshot::{Delta, Entry, Snapshot};
use crate::{CoreError, provider_context};

const WORKERS: usize = 2;
const FLUSH: usize = 4096;
/// Deltas of the snapshot index are folded into a new base once they hold more than an
/// eighth of the entries, and never for fewer than this many.
const REBASE_MIN: usize = 64;

/// Ingests one delivery. Returns the report for accepted and rejected deliveries alike;
/// an `Err` means the point itself failed (store unavailable, unknown provider), and then
/// nothing was changed either.
pub async fn deliver<S: Store>(
    store: &S,
    keys: &PointKeys,
    req: DeliveryRequest,
) -> Result<DeliveryReport, CoreError> {
    let provider = store
        .provider(&req.provider)
        .await?
        .ok_or_else(|| CoreError::UnknownProvider(req.provider.clone()))?;
    let parse = provider_context(&provider)?;
    let latest = store
        .delivery_spans()
        .await?
        .into_iter()
        .find(|s| s.provider == provider.id)
        .map(|s| s.latest_snapshot);

    let mut tx = store.begin_delivery(&provider.id).await?;
    let (previous, applied_deltas) = Snapshot::load(&tx.snapshot().await?)?;
    let previous = Arc::new(previous);
    let ctx = Arc::new(work_context(
        keys,
        &provider.id,
        parse,
        &req,
        previous.clone(),
    ));

    let (raw_tx, raw_rx) = crossbeam_channel::bounded::<Msg>(2 * WORKERS + 2);
    let (out_tx, mut out_rx) = tokio::sync::mpsc::channel::<Step>(2 * WORKERS + 2);
    let reader = {
        let (path, format, progress) = (req.path.clone(), req.format, req.progress.clone());
        thread::Builder::new()
            .name("tdip-read".into())
            .spawn(move || source::read_file(&path, format, progress, raw_tx))
            .map_err(|_| CoreError::Internal("cannot start the delivery reader thread"))?
    };
    let workers: Vec<thread::JoinHandle<()>> = (0..WORKERS)
        .map(|i| {
            let (rx, tx, ctx) = (raw_rx.clone(), out_tx.clone(), ctx.clone());
            thread::Builder::new()
                .name(format!("tdip-work-{i}"))
                .spawn(move || {
                    let mut decoder = worker::Decoder::default();
                    for msg in rx {
                        let step = match msg {
                            Msg::Batch(seq, header, chunk) => Step::Batch(
                                seq,
                                worker::process(&ctx, &header, &chunk, &mut decoder),
                            ),
                            Msg::Done { rows, checksum } => Step::Done { rows, checksum },
                            Msg::Fatal(errors) => Step::Fatal(errors),
                        };
                        if tx.blocking_send(step).is_err() {
                            return;
                        }
                    }
                })
        })
        .collect::<Result<_, _>>()
        .map_err(|_| CoreError::Internal("cannot start the delivery worker threads"))?;
    drop(out_tx);
    drop(raw_rx);

    let mut run = Run::new(previous.entries.len());
    let mut waiting: BTreeMap<u64, Vec<Outcome>> = BTreeMap::new();
    let mut next_seq = 0u64;
    let mut end: Option<(u64, [u8; 32])> = None;
    while let Some(step) = out_rx.recv().await {
        match step {
            Step::Batch(seq, outcomes) => {
                waiting.insert(seq, outcomes);
                while let Some(outcomes) = waiting.remove(&next_seq) {
                    next_seq += 1;
                    for outcome in outcomes {
                        run.take(outcome);
                    }
                    if run.error_count == 0 && run.pending.len() >= FLUSH {
                        run.flush(&mut tx, req.snapshot_at, latest).await?;
                    }
                }
            }
            Step::Done { rows, checksum } => end = Some((rows, checksum)),
            Step::Fatal(errors) => {
                for (line, e) in errors {
                    run.error(line, e.field, e.reason);
                }
            }
        }
    }
    for handle in workers.into_iter().chain([reader]) {
        handle
            .join()
            .map_err(|_| CoreError::Internal("a delivery worker thread panicked"))?;
    }
    let (rows, checksum) = end.unwrap_or((0, [0; 32]));
    run.check_envelope(&previous, req.snapshot_at, latest);

    let mut log = NewDelivery {
        provider: provider.id.clone(),
        received_at: req.received_at,
        snapshot_at: req.snapshot_at,
        rows,
        opened: 0,
        changed: 0,
        closed: 0,
        errors: run.error_count,
        checksum,
        outcome: DeliveryOutcome::Rejected,
    };
    if run.error_count > 0 {
        drop(tx);
        let id = store.record_rejected(&log).await?;
        return Ok(run.report(id, &log));
    }

    run.flush(&mut tx, req.snapshot_at, latest).await?;
    let closing = run.closing(&previous);
    if !closing.is_empty() {
        let last_seen = latest.ok_or_else(|| {
            CoreError::Store(StoreError::Corrupt(
                "a snapshot exists without a delivery".into(),
            ))
        })?;
        tx.close_versions(&closing, req.snapshot_at, last_seen)
            .await?;
    }
    run.pairs.sort_unstable();
    for chunk in run.pairs.chunks(1 << 16) {
        tx.insert_indexes(chunk).await?;
    }
    run.prefix_lengths.sort_unstable();
    run.prefix_lengths.dedup();
    tx.add_prefix_lengths(&run.prefix_lengths).await?;
    let delta = run.delta(&previous);
    let rebase = previous.rules != RULES_VERSION
        || previous.entries.is_empty()
        || applied_deltas + delta.len() > (previous.entries.len() / 8).max(REBASE_MIN);
    if rebase {
        let mut next = Snapshot::clone(&previous).apply(delta);
        next.rules = RULES_VERSION;
        tx.put_snapshot(&next.encode()).await?;
    } else if !delta.is_empty() {
        tx.append_snapshot(&delta.encode()).await?;
    }
    log.opened = run.opened;
    log.changed = run.changed;
    log.closed = run.vanished(&previous);
    log.outcome = DeliveryOutcome::Accepted;
    let id = tx.commit(&log).await?;
    Ok(run.report(id, &log))
}

fn work_context(
    keys: &PointKeys,
    provider: &str,
    parse: ParseContext,
    req: &DeliveryRequest,
    previous: Arc<Snapshot>,
) -> WorkContext {
    let mut raw_index = HashMap::new();
    if previous.rules == RULES_VERSION {
        raw_index.reserve(previous.entries.len());
        for (i, e) in previous.entries.iter().enumerate() {
            raw_index.insert(e.raw_fp, i as u32);
        }
    }
    WorkContext {
        keys: keys.clone(),
        provider: provider.to_owned(),
        parse,
        snapshot_at: req.snapshot_at,
        previous,
        raw_index,
    }
}

enum Step {
    Batch(u64, Vec<Outcome>),
    Done { rows: u64, checksum: [u8; 32] },
    Fatal(Vec<(u64, tdip_model::subscription::FieldError)>),
}

/// The running state of one delivery.
struct Run {
    errors: Vec<RowError>,
    error_count: u64,
    /// Per previous entry: the line that claimed it (0: none yet).
    claimed: Vec<u64>,
    /// Subscriptions new in this delivery, with their line.
    new_keys: HashMap<BlindIndex, u64>,
    pending: Vec<Fresh>,
    pairs: Vec<(BlindIndex, i64)>,
    prefix_lengths: Vec<(u8, u8)>,
    new_entries: Vec<Entry>,
    changed_prev: Vec<u32>,
    reformatted: Vec<(u32, [u8; 16])>,
    opened: u64,
    changed: u64,
    unchanged: u64,
}

impl Run {
    fn new(previous: usize) -> Self {
        Run {
            errors: Vec::new(),
            error_count: 0,
            claimed: vec![0; previous],
            new_keys: HashMap::new(),
            pending: Vec::new(),
            pairs: Vec::new(),
            prefix_lengths: Vec::new(),
            new_entries: Vec::new(),
            changed_prev: Vec::new(),
            reformatted: Vec::new(),
            opened: 0,
            changed: 0,
            unchanged: 0,
        }
    }

    fn error(&mut self, line: u64, field: &str, reason: String) {
        self.error_count += 1;
        if self.errors.len() < MAX_ERRORS {
            self.errors.push(RowError {
                line,
                field: field.to_owned(),
                reason,
            });
        }
    }

    fn duplicate(&mut self, line: u64, first: u64) {
        let reason = format!("appears more than once in this delivery (first on line {first})");
        self.error(line, "subscription_id", reason);
    }

    /// Marks a previous entry as present in this delivery; false if it already was.
    fn claim(&mut self, prev: u32, line: u64) -> bool {
        let slot = &mut self.claimed[prev as usize];
        if *slot != 0 {
            let first = *slot;
            self.duplicate(line, first);
            return false;
        }
        *slot = line;
        true
    }

    fn take(&mut self, outcome: Outcome) {
        match outcome {
            Outcome::Unchanged { line, prev } => {
                if self.claim(prev, line) {
                    self.unchanged += 1;
                }
            }
            Outcome::Reformatted { line, prev, raw_fp } => {
                if self.claim(prev, line) {
                    self.unchanged += 1;
                    self.reformatted.push((prev, raw_fp));
                }
            }
            Outcome::Fresh(fresh) => {
                let fresh_ok = match fresh.prev {
                    Some(prev) => {
                        let ok = self.claim(prev, fresh.line);
                        if ok {
                            self.changed += 1;
                            self.changed_prev.push(prev);
                        }
                        ok
                    }
                    None => match self.new_keys.try_insert(fresh.sub_key, fresh.line) {
                        Ok(_) => {
                            self.opened += 1;
                            true
                        }
                        Err(e) => {
                            let first = *e.entry.get();
                            self.duplicate(fresh.line, first);
                            false
                        }
                    },
                };
                if fresh_ok && self.error_count == 0 {
                    self.pending.push(*fresh);
                }
            }
            Outcome::Invalid { line, errors } => {
                for e in errors {
                    self.error(line, e.field, e.reason);
                }
            }
        }
    }

    async fn flush<T: DeliveryTx>(
        &mut self,
        tx: &mut T,
        valid_from: i64,
        seen_before: Option<i64>,
    ) -> Result<(), CoreError> {
        if self.pending.is_empty() {
            return Ok(());
        }
        let versions: Vec<NewVersion> = self
            .pending
            .iter_mut()
            .map(|f| NewVersion {
                sub_key: f.sub_key,
                valid_from,
                seen_before,
                sealed: std::mem::take(&mut f.sealed),
            })
            .collect();
        let ids = tx.insert_versions(&versions).await?;
        for (fresh, id) in self.pending.drain(..).zip(ids) {
            self.pairs.extend(fresh.indexes.iter().map(|b| (*b, id)));
            self.prefix_lengths.extend_from_slice(&fresh.prefix_lengths);
            self.new_entries.push(Entry {
                sub_key: fresh.sub_key,
                raw_fp: fresh.raw_fp,
                canon_fp: fresh.canon_fp,
                version_id: id,
            });
        }
        Ok(())
    }

    /// Envelope rules: snapshots never go back in time, and a second delivery for the
    /// same moment must describe the same state.
    fn check_envelope(&mut self, previous: &Snapshot, snapshot_at: i64, latest: Option<i64>) {
        let Some(latest) = latest else { return };
        if snapshot_at < latest {
            let reason = "is before the provider's latest accepted delivery; snapshots must not \
                          go back in time (declare the moment the snapshot was taken)";
            self.error(0, "snapshot_at", reason.into());
        } else if snapshot_at == latest
            && (self.opened + self.changed + self.vanished(previous) > 0)
        {
            let reason = "equals the provider's latest accepted delivery but the content differs; \
                          a new state needs a new snapshot moment";
            self.error(0, "snapshot_at", reason.into());
        }
    }

    /// Previous entries not present in this delivery.
    fn vanished(&self, previous: &Snapshot) -> u64 {
        debug_assert_eq!(self.claimed.len(), previous.entries.len());
        self.claimed.iter().filter(|c| **c == 0).count() as u64
    }

    /// Version ids to close: changed and vanished subscriptions.
    fn closing(&self, previous: &Snapshot) -> Vec<i64> {
        let mut ids: Vec<i64> = self
            .changed_prev
            .iter()
            .map(|p| previous.entries[*p as usize].version_id)
            .collect();
        ids.extend(
            self.claimed
                .iter()
                .zip(&previous.entries)
                .filter(|(c, _)| **c == 0)
                .map(|(_, e)| e.version_id),
        );
        ids.sort_unstable();
        ids
    }

    /// What this delivery changes in the snapshot index.
    fn delta(&self, previous: &Snapshot) -> Delta {
        let mut upserts = self.new_entries.clone();
        upserts.extend(self.reformatted.iter().map(|(p, raw_fp)| Entry {
            raw_fp: *raw_fp,
            ..previous.entries[*p as usize]
        }));
        let removals = self
            .claimed
            .iter()
            .zip(&previous.entries)
            .filter(|(c, _)| **c == 0)
            .map(|(_, e)| e.sub_key)
            .collect();
        Delta { upserts, removals }
    }

    fn report(mut self, id: i64, log: &NewDelivery) -> DeliveryReport {
        self.errors.sort_by_key(|e| e.line);
        DeliveryReport {
            delivery: log.outcome.as_str(),
            id,
            provider: log.provider.clone(),
            rows: log.rows,
            opened: log.opened,
            changed: log.changed,
            closed: log.closed,
            unchanged: if log.outcome == DeliveryOutcome::Accepted {
                self.unchanged
            } else {
                0
            },
            checksum: log.checksum.iter().map(|b| format!("{b:02x}")).collect(),
            errors_truncated: self.error_count - self.errors.len() as u64,
            errors: self.errors,
        }
    }
}

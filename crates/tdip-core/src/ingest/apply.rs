//! Applying a delivery: run the pipeline and turn its outcomes into one store transaction.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::thread;

use hashbrown::HashMap;
use tdip_crypto::Sealer;
use tdip_model::subscription::ParseContext;
use tdip_store::{DeliveryOutcome, DeliveryTx, NewDelivery, Store, StoreError};

use super::report::DeliveryReport;
use super::run::Run;
use super::source::{self, Msg};
use super::worker::{self, Outcome, WorkContext};
use super::{DeliveryRequest, RULES_VERSION};
use crate::audit::ProviderState;
use crate::datakeys::{DataClass, Month};
use crate::keys::{PointKeys, VersionAad};
use crate::payments::{PaymentSealer, kept_from};
use crate::snapshot::Snapshot;
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
    let mut tx = store.begin_delivery(&provider.id).await?;
    // Read only once the delivery holds the write lock, so no other delivery of this
    // provider can land between this read and the commit.
    let latest = store
        .provider_spans(&[provider.id.as_str()])
        .await?
        .into_iter()
        .find_map(|(_, span)| span)
        .map(|s| s.latest_snapshot);
    let parts = tx.snapshot().await?;
    let mut index_parts =
        crate::integrity::check_loaded_index(&provider.id, &parts, req.expected.as_ref())?;
    let (previous, applied_deltas) = Snapshot::load(&parts)?;
    drop(parts);
    let previous = Arc::new(previous);
    // Chosen only now that the delivery holds the write lock: a key rotation waits for
    // this delivery to end before it re-seals, so it cannot miss the versions sealed here.
    let sealer = keys.data().current(&provider.id, DataClass::Subscriber)?;
    let ctx = Arc::new(work_context(
        keys,
        sealer,
        &provider.id,
        parse,
        &req,
        latest,
        previous.clone(),
    )?);

    let (raw_tx, raw_rx) = crossbeam_channel::bounded::<Msg>(2 * WORKERS + 2);
    let (out_tx, mut out_rx) = tokio::sync::mpsc::channel::<Step>(2 * WORKERS + 2);
    let reader = {
        let (path, format, progress) = (req.path.clone(), req.format, req.progress.clone());
        let spooled = req.spooled.clone();
        thread::Builder::new()
            .name("tdip-read".into())
            .spawn(move || source::read_file(&path, format, spooled.as_deref(), progress, raw_tx))
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
    let mut payment_sealer = PaymentSealer::new(keys, &provider.id);
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
                    if run.error_count == 0 && run.payments.len() >= 4 * FLUSH {
                        run.flush_payments(&mut tx, &mut payment_sealer).await?;
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
    let mass_close = run.check_envelope(&previous, &req, latest);

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
    run.flush_payments(&mut tx, &mut payment_sealer).await?;
    let closing = run.closing(&previous);
    if !closing.is_empty() {
        let last_seen = latest.ok_or_else(|| {
            CoreError::Store(StoreError::Corrupt(
                "a snapshot exists without a delivery".into(),
            ))
        })?;
        close(&mut tx, keys, &closing, req.snapshot_at, last_seen).await?;
    }
    run.pairs.sort_unstable();
    run.pairs.dedup();
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
        let base = next.encode();
        index_parts = vec![crate::integrity::part_digest(&base)];
        tx.put_snapshot(&base).await?;
    } else if !delta.is_empty() {
        let delta = delta.encode();
        index_parts.push(crate::integrity::part_digest(&delta));
        tx.append_snapshot(&delta).await?;
    }
    log.opened = run.opened;
    log.changed = run.changed;
    log.closed = run.vanished(&previous);
    log.outcome = DeliveryOutcome::Accepted;
    let new_indexes = run.pairs.len() as u64;
    let id = tx.commit(&log).await?;
    let open = previous.entries.len() as u64 + log.opened - log.closed;
    let state = match (&req.expected, latest) {
        (Some(before), _) => ProviderState {
            open,
            versions: before.versions + log.opened + log.changed,
            indexes: before.indexes + new_indexes,
            index_parts,
        },
        (None, None) => ProviderState {
            open,
            versions: log.opened + log.changed,
            indexes: new_indexes,
            index_parts,
        },
        // The first delivery recorded with its state, on a store with earlier ones: the
        // counts are read from the store once.
        (None, Some(_)) => crate::integrity::state_of(&store.provider_rows(&provider.id).await?),
    };
    let mut report = run.report(id, &log);
    report.mass_close = mass_close;
    report.applied = Some((req.snapshot_at, state));
    Ok(report)
}

/// Closes versions at `valid_to`, sealing each again under the key of the month its
/// validity ended in, so that shredding that month destroys it.
async fn close<T: DeliveryTx>(
    tx: &mut T,
    keys: &PointKeys,
    ids: &[i64],
    valid_to: i64,
    last_seen: i64,
) -> Result<(), CoreError> {
    let mut month_sealer = None;
    for chunk in ids.chunks(FLUSH) {
        let rows = tx.open_versions(chunk).await?;
        let mut closes = Vec::with_capacity(rows.len());
        for v in rows {
            let plain = keys.open_version(&v)?.ok_or_else(|| {
                CoreError::Store(StoreError::Corrupt(format!(
                    "open version {} is sealed under a destroyed key",
                    v.id
                )))
            })?;
            let aad = VersionAad::closed(
                &v.provider,
                &v.sub_key,
                v.valid_from,
                v.seen_before,
                valid_to,
                last_seen,
            );
            let month = match &month_sealer {
                Some(s) => s,
                None => month_sealer.insert(keys.data().for_month(
                    &v.provider,
                    DataClass::Subscriber,
                    Month::of(valid_to)?,
                )?),
            };
            closes.push((v.id, month.seal(aad.as_bytes(), &plain)));
        }
        tx.close_versions(&closes, valid_to, last_seen).await?;
    }
    Ok(())
}

fn work_context(
    keys: &PointKeys,
    sealer: Arc<Sealer>,
    provider: &str,
    parse: ParseContext,
    req: &DeliveryRequest,
    seen_before: Option<i64>,
    previous: Arc<Snapshot>,
) -> Result<WorkContext, CoreError> {
    let mut raw_index = HashMap::new();
    if previous.rules == RULES_VERSION {
        raw_index.reserve(previous.entries.len());
        for (i, e) in previous.entries.iter().enumerate() {
            raw_index.insert(e.raw_fp, i as u32);
        }
    }
    Ok(WorkContext {
        payments_from: kept_from(req.snapshot_at, req.policy.payment_months)?,
        keys: keys.clone(),
        sealer,
        provider: provider.to_owned(),
        parse,
        snapshot_at: req.snapshot_at,
        seen_before,
        previous,
        raw_index,
    })
}

enum Step {
    Batch(u64, Vec<Outcome>),
    Done { rows: u64, checksum: [u8; 32] },
    Fatal(Vec<(u64, tdip_model::subscription::FieldError)>),
}

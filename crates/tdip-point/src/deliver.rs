//! Deliveries of subscriber snapshots: one function per way in, each the whole job —
//! ingest, the audit entry, the store's upkeep — used alike by the CLI, the API and the
//! spool; and the delivery log with every provider's standing.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::AtomicU64;

use anyhow::{Context, Result, anyhow, bail};
use tdip_core::audit::Event;
use tdip_core::ingest::{DeliveryReport, DeliveryRequest, Format};
use tdip_core::lateness::{DeliveryStanding, standings};
use tdip_core::spool::{Applied, SpoolEntry};
use tdip_store::{DeliveryRecord, Store};

use crate::point::Point;
use crate::store::AnyStore;

/// The format of a delivery file: as `format` names it (`csv`, `jsonl`), or from the
/// file's name.
pub fn format_of(file: &Path, format: Option<&str>) -> Result<Format> {
    Ok(match format {
        Some(named) => format_named(named)?,
        None => Format::from_path(file).ok_or_else(|| {
            anyhow!(
                "cannot tell the format from the file name; name it .csv, .jsonl (optionally \
                 .gz) or pass --format"
            )
        })?,
    })
}

/// A format by its name: `csv` or `jsonl`.
pub fn format_named(named: &str) -> Result<Format> {
    match named {
        "csv" => Ok(Format::Csv),
        "jsonl" => Ok(Format::JsonLines),
        other => bail!("format {other}: use csv or jsonl"),
    }
}

/// Delivers one file of `provider`'s snapshot at `snapshot_at`: ingested in one store
/// transaction, its outcome recorded in the audit log, then the store's upkeep. `progress`
/// counts the bytes read, for a progress bar.
pub async fn deliver_file(
    point: &Point,
    provider: &str,
    file: &Path,
    format: Format,
    snapshot_at: i64,
    allow_mass_close: bool,
    progress: Arc<AtomicU64>,
) -> Result<DeliveryReport> {
    std::fs::metadata(file).with_context(|| format!("cannot read {}", file.display()))?;
    let req = DeliveryRequest {
        provider: provider.to_owned(),
        path: file.to_owned(),
        format,
        snapshot_at,
        received_at: point.clock.now(),
        progress,
        spooled: None,
        policy: point.policy,
        allow_mass_close,
        expected: crate::integrity::expected(point).await?.remove(provider),
    };
    let report = tdip_core::ingest::deliver(&point.store, &point.keys, req).await?;
    // A stop between the store's commit and the audit entry, on demand, for the test that
    // shows the next start records the entry (`crate::integrity::on_start`).
    if std::env::var_os("TDIP_TEST_STOP_AFTER_COMMIT").is_some() {
        std::process::abort();
    }
    record_outcome(point, &report).await?;
    // The delivery is durable already; this is the store's upkeep after it (SQLite folds
    // its write-ahead log into the database).
    point.store.after_delivery(report.opened).await?;
    Ok(report)
}

/// What applying one spool entry came to.
pub enum SpoolOutcome {
    /// Applied: accepted or rejected, with its row-level report.
    Delivered(DeliveryReport),
    /// Given up on after too many tries, or for a reason of its own; kept aside.
    SetAside(DeliveryReport),
    /// Applied before (the point stopped before removing it); now removed.
    AlreadyApplied,
}

/// Applies every spooled delivery in arrival order, each recorded in the audit log and
/// followed by the store's upkeep. The caller holds whatever lock keeps applications one
/// at a time.
pub async fn apply_spool(point: &Point) -> Result<Vec<(SpoolEntry, SpoolOutcome)>> {
    let applied = point
        .spool
        .apply_all(
            &point.store,
            &point.keys,
            &point.spool_key,
            point.policy,
            crate::integrity::expected(point).await?,
        )
        .await?;
    let mut done = Vec::with_capacity(applied.len());
    for (entry, outcome) in applied {
        let outcome = match outcome {
            Applied::SetAside(report) => {
                record_set_aside(point, &entry, &report).await?;
                SpoolOutcome::SetAside(report)
            }
            Applied::Delivered(report) => {
                record_outcome(point, &report).await?;
                point.store.after_delivery(report.opened).await?;
                SpoolOutcome::Delivered(report)
            }
            Applied::AlreadyApplied => SpoolOutcome::AlreadyApplied,
        };
        done.push((entry, outcome));
    }
    Ok(done)
}

/// The audit entry of a delivery kept in the spool of a sealed point.
pub fn spooled(provider: &str) -> Event {
    Event::Delivery {
        provider: provider.to_owned(),
        outcome: "spooled".into(),
        rows: 0,
        opened: 0,
        closed: 0,
    }
}

/// Records a delivery's outcome in the audit log, and a mass closure it was allowed.
pub async fn record_outcome(point: &Point, r: &DeliveryReport) -> Result<()> {
    let mut events = vec![match &r.applied {
        Some((snapshot_at, state)) => crate::integrity::accepted(r, *snapshot_at, state, false),
        None => Event::Delivery {
            provider: r.provider.clone(),
            outcome: if r.accepted() { "accepted" } else { "rejected" }.into(),
            rows: r.rows,
            opened: r.opened,
            closed: r.closed,
        },
    }];
    if r.mass_close {
        events.push(Event::Config {
            change: "mass-close-allowed".into(),
            subject: format!("provider {}", r.provider),
            detail: format!(
                "delivery {} was allowed to close {} subscriptions (allow_mass_close)",
                r.id, r.closed
            ),
        });
    }
    point.auditor.record(point.clock.now(), events).await?;
    Ok(())
}

/// Records in the audit log that a spool entry was set aside, as a rejected delivery
/// and with why.
pub async fn record_set_aside(
    point: &Point,
    entry: &SpoolEntry,
    report: &DeliveryReport,
) -> Result<()> {
    record_outcome(point, report).await?;
    let why = report.errors.first().map(|e| e.reason.to_string());
    let event = Event::Config {
        change: "spool-entry-set-aside".into(),
        subject: format!("spool entry {}", entry.name),
        detail: why.unwrap_or_default(),
    };
    point.auditor.record(point.clock.now(), vec![event]).await?;
    Ok(())
}

/// The delivery log (of `provider`, or all, newest first, at most `limit`) and every
/// provider's standing: late when its last accepted delivery is older than 24 hours plus
/// `grace_seconds` at `now`.
pub async fn status(
    store: &AnyStore,
    provider: Option<&str>,
    limit: u32,
    grace_seconds: i64,
    now: i64,
) -> Result<(Vec<DeliveryRecord>, Vec<DeliveryStanding>)> {
    let log = store.deliveries(provider, limit).await?;
    let mut providers = store.providers().await?;
    if let Some(p) = provider {
        providers.retain(|x| x.id == p);
        if providers.is_empty() {
            return Err(tdip_core::CoreError::UnknownProvider(p.to_owned()).into());
        }
    }
    let spans = store.delivery_spans().await?;
    let standing = standings(&providers, &spans, now, grace_seconds);
    Ok((log, standing))
}

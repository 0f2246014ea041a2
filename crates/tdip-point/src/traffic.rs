//! Retained traffic data at the point: a batch delivered as one call (read, sealed and
//! applied atomically by `tdip_core::traffic::ingest`, then its audit entry), and the
//! batch log.

use std::io::Read;

use anyhow::{Context, Result, anyhow};
use tdip_core::audit::Event;
use tdip_core::traffic::ingest::{BatchInput, BatchReport, deliver_batch};
use tdip_store::{Store, TrafficBatchRecord, TrafficKind, TrafficStore};

use crate::point::Point;

/// Delivers one batch of `kind` from `provider` under its `batch_id`, read from `source`
/// (CSV or JSON Lines, gzip or not). A rejected batch changes no traffic data and is
/// logged; a batch already applied is not applied again.
pub async fn deliver(
    point: &Point,
    provider: &str,
    batch_id: &str,
    kind: TrafficKind,
    source: impl Read + Send + 'static,
) -> Result<BatchReport> {
    let registered = point.store.provider(provider).await?.ok_or_else(|| {
        anyhow!("provider {provider} is not registered; register it with `tdip providers add`")
    })?;
    let input = BatchInput {
        provider: &registered,
        batch_id,
        kind,
        received_at: point.clock.now(),
    };
    let report = deliver_batch(&point.store, &point.keys, input, source).await?;
    if report.batch != "already-applied" {
        let event = Event::TrafficBatch {
            provider: report.provider.clone(),
            batch: report.batch_id.clone(),
            kind: report.kind.to_owned(),
            seq: report.seq,
            outcome: report.batch.to_owned(),
            checksum: hex::decode(&report.checksum).unwrap_or_default(),
            records: report.records,
            closed: report.closed,
            opened: report.opened,
            ended: report.ended,
            errors: report.error_count,
        };
        point.auditor.record(point.clock.now(), vec![event]).await?;
        if report.batch == "accepted" && report.records > 0 {
            let days = tdip_store::day_of(report.first_at)..=tdip_store::day_of(report.last_at);
            point.store.after_traffic(days).await?;
        }
    }
    Ok(report)
}

/// [`deliver`] from a file.
pub async fn deliver_file(
    point: &Point,
    provider: &str,
    batch_id: &str,
    kind: TrafficKind,
    path: &std::path::Path,
) -> Result<BatchReport> {
    let file =
        std::fs::File::open(path).with_context(|| format!("cannot read {}", path.display()))?;
    deliver(point, provider, batch_id, kind, file).await
}

/// The traffic batch log, newest first, optionally of one provider.
pub async fn batches<S: TrafficStore>(
    store: &S,
    provider: Option<&str>,
    limit: u32,
) -> Result<Vec<TrafficBatchRecord>> {
    Ok(store.traffic_batches(provider, limit).await?)
}

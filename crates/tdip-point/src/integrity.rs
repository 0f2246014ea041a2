//! The store held to the audit log at every start of an unsealed point (see
//! `tdip_core::integrity`): the delivery log must hold every accepted delivery the log
//! recorded; an accepted delivery whose entry a stop lost is recorded now; a difference
//! is logged once and refuses the command, naming `tdip audit verify --check-store`.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use anyhow::Result;
use tdip_core::audit::{Auditor, Event, ProviderState};
use tdip_core::ingest::DeliveryReport;
use tdip_core::integrity::{self, Finding, Recorded};
use tdip_store::{DeliveryRecord, Store};

use crate::audit_store::AnyAudit;
use crate::point::{Check, Point};
use crate::store::AnyStore;

/// The state each provider's latest accepted delivery recorded.
pub async fn expected(point: &Point) -> Result<HashMap<String, ProviderState>> {
    Ok(Recorded::read(point.auditor.store()).await?.latest())
}

/// The audit entry of an accepted delivery.
pub fn accepted(
    r: &DeliveryReport,
    snapshot_at: i64,
    state: &ProviderState,
    recovered: bool,
) -> Event {
    Event::DeliveryAccepted {
        provider: r.provider.clone(),
        delivery: r.id,
        snapshot_at,
        checksum: hex::decode(&r.checksum).unwrap_or_default(),
        rows: r.rows,
        opened: r.opened,
        changed: r.changed,
        closed: r.closed,
        state: state.clone(),
        recovered,
    }
}

fn recovered(d: &DeliveryRecord, state: ProviderState) -> Event {
    Event::DeliveryAccepted {
        provider: d.delivery.provider.clone(),
        delivery: d.id,
        snapshot_at: d.delivery.snapshot_at,
        checksum: d.delivery.checksum.to_vec(),
        rows: d.delivery.rows,
        opened: d.delivery.opened,
        changed: d.delivery.changed,
        closed: d.delivery.closed,
        state,
        recovered: true,
    }
}

/// At the start of an unsealed point: records the accepted deliveries whose audit entry
/// a stop lost (the delivery had committed, its entry had not been written), and refuses
/// to go on — after logging what it found, once — if the store's delivery log lacks a
/// recorded delivery or holds one never recorded; with [`Check::Everything`], also if a
/// provider's rows are not what its latest accepted delivery left.
pub async fn on_start(
    store: &AnyStore,
    auditor: &Auditor<AnyAudit>,
    check: Check,
    now: i64,
) -> Result<()> {
    let recorded = Recorded::read(auditor.store()).await?;
    let (mut findings, unrecorded) = integrity::check_deliveries(store, &recorded).await?;
    if check == Check::Everything && unrecorded.is_empty() {
        findings.extend(integrity::check_recorded(store, &recorded).await?);
    }
    if !findings.is_empty() {
        report(auditor, &findings, now).await?;
        return Err(integrity::tampered(&findings).into());
    }
    let mut events = Vec::new();
    let mut states: HashMap<&str, ProviderState> = HashMap::new();
    for d in &unrecorded {
        // Only the state of now can still be read: a delivery in the same gap before the
        // provider's latest is recorded with it too (only the latest is compared).
        let provider = d.delivery.provider.as_str();
        if !states.contains_key(provider) {
            let rows = store.provider_rows(provider).await?;
            states.insert(provider, integrity::state_of(&rows));
        }
        events.push(recovered(d, states[provider].clone()));
    }
    if !events.is_empty() {
        auditor.record(now, events).await?;
    }
    Ok(())
}

/// Logs each finding as an integrity entry, unless the log holds that finding already (a
/// refused start repeats it).
pub async fn report(auditor: &Auditor<AnyAudit>, findings: &[Finding], now: i64) -> Result<()> {
    let seen: HashSet<(String, String)> = integrity::of_kind(auditor.store(), "integrity")
        .await?
        .into_iter()
        .filter_map(|(_, e)| match e {
            Event::Integrity {
                what,
                subject,
                detail,
            } if what == "store-state" => Some((subject, detail)),
            _ => None,
        })
        .collect();
    let events: Vec<Event> = findings
        .iter()
        .filter(|f| !seen.contains(&(f.provider.clone(), f.what.clone())))
        .map(|f| Event::Integrity {
            what: "store-state".into(),
            subject: f.provider.clone(),
            detail: f.what.clone(),
        })
        .collect();
    if !events.is_empty() {
        auditor.record(now, events).await?;
    }
    Ok(())
}

/// What holding the store to the audit log found (`tdip audit verify --check-store`).
#[derive(Debug)]
pub struct StoreCheck {
    /// Every difference between the store and what the log recorded (each also logged).
    pub findings: Vec<Finding>,
    /// Providers checked.
    pub providers: usize,
    /// Providers whose deliveries were all accepted before tdip recorded each delivery's
    /// state: not checked until their next accepted delivery.
    pub unchecked: Vec<String>,
    /// The audit entry at which the store was adopted as it was, if it was.
    pub adopted_at: Option<u64>,
}

/// Holds every provider's rows in the store to the state the audit log recorded for it;
/// the findings are logged too.
pub async fn check_store(data: &Path, url: &str, now: i64) -> Result<StoreCheck> {
    let store = crate::point::open_store(data, url).await?;
    let auditor = crate::point::open_auditor(data, url).await?;
    let recorded = Recorded::read(auditor.store()).await?;
    let (mut findings, unrecorded) = integrity::check_deliveries(&store, &recorded).await?;
    for d in &unrecorded {
        findings.push(Finding {
            provider: d.delivery.provider.clone(),
            what: format!(
                "delivery {} is accepted in the store but the audit log has no entry for it yet \
                 (the point stopped after its commit; the next unsealed start records it)",
                d.id
            ),
        });
    }
    let latest = recorded.latest();
    let providers: Vec<&String> = latest.keys().collect();
    findings.extend(integrity::check_recorded(&store, &recorded).await?);
    let mut unchecked = Vec::new();
    for p in store.providers().await? {
        if !latest.contains_key(&p.id) && !store.deliveries(Some(&p.id), 1).await?.is_empty() {
            unchecked.push(p.id);
        }
    }
    if !findings.is_empty() {
        report(&auditor, &findings, now).await?;
    }
    Ok(StoreCheck {
        findings,
        providers: providers.len(),
        unchecked,
        adopted_at: recorded.adopted_at,
    })
}

/// `tdip audit adopt-store`: records the store as it is as every provider's state, so
/// that deliveries lost with a restored backup are no longer asked for (logged). Returns
/// the number of providers whose state was recorded.
pub async fn adopt_store(data: &Path, url: &str, now: i64) -> Result<usize> {
    let store = crate::point::open_store(data, url).await?;
    let auditor = crate::point::open_auditor(data, url).await?;
    let mut events = vec![Event::Integrity {
        what: integrity::ADOPTED.into(),
        subject: "store".into(),
        detail: "the operator adopted the store as it is as each provider's state".into(),
    }];
    for p in store.providers().await? {
        let latest = store
            .deliveries(Some(&p.id), u32::MAX)
            .await?
            .into_iter()
            .find(|d| d.delivery.outcome == tdip_store::DeliveryOutcome::Accepted);
        if let Some(d) = latest {
            let rows = store.provider_rows(&p.id).await?;
            events.push(recovered(&d, integrity::state_of(&rows)));
        }
    }
    let n = events.len() - 1;
    auditor.record(now, events).await?;
    Ok(n)
}

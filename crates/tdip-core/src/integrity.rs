//! The store held to the audit log: each accepted delivery's audit entry records the
//! state it left its provider in ([`ProviderState`]), and this compares the store with
//! it, naming what differs — a delivery rolled back or deleted, versions deleted or
//! brought back from an older copy, a snapshot index removed or changed.
//!
//! Nothing here needs a key: a sealed point and `tdip audit verify --check-store` check the
//! same way. Findings carry ids, counts and moments, never a subscriber value.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;

use sha2::{Digest, Sha256};
use tdip_store::{AuditStore, BlindIndex, DeliveryOutcome, DeliveryRecord, ProviderRows, Store};

use crate::CoreError;
use crate::audit::{EntryBody, Event, ProviderState};
use crate::snapshot::Snapshot;

/// `what` of the integrity entry written when an operator adopts the store as it is.
pub const ADOPTED: &str = "store-adopted";

/// The digest of one stored part of a snapshot index, hex.
pub fn part_digest(part: &[u8]) -> String {
    let mut h = Sha256::new();
    h.update(b"tdip/v1/snapshot-index-part\0");
    h.update(part);
    hex::encode(h.finalize())
}

/// The state a provider's rows make, as an accepted delivery records it.
pub fn state_of(rows: &ProviderRows) -> ProviderState {
    ProviderState {
        open: rows.open.len() as u64,
        versions: rows.versions,
        indexes: rows.indexes,
        index_parts: rows.snapshot.iter().map(|p| part_digest(p)).collect(),
    }
}

/// An accepted delivery as the audit log recorded it.
#[derive(Clone, Debug)]
pub struct Audited {
    /// The audit entry's number.
    pub seq: u64,
    /// Provider id.
    pub provider: String,
    /// Delivery log id.
    pub delivery: i64,
    /// Declared snapshot moment.
    pub snapshot_at: i64,
    /// File checksum.
    pub checksum: Vec<u8>,
    /// Rows read, versions opened, subscriptions changed and closed, as logged.
    pub counts: [u64; 4],
    /// The state it left.
    pub state: ProviderState,
}

/// What the audit log says the store must hold: every accepted delivery recorded with
/// its state since the store was last adopted (see [`ADOPTED`]), in log order.
#[derive(Clone, Debug, Default)]
pub struct Recorded {
    /// The deliveries.
    pub deliveries: Vec<Audited>,
    /// The entry number of the latest adoption, if any.
    pub adopted_at: Option<u64>,
    /// Whether the log holds accepted deliveries recorded before their state was (by an
    /// earlier tdip): the store's older deliveries are then not expected in the log.
    pub legacy: bool,
    /// Months of closed versions retention destroyed or began to destroy, in log order.
    pub destroyed: Vec<Destroyed>,
}

/// A month of a provider's closed versions that retention began to destroy (its `begun`
/// entry) and, if `done`, finished destroying.
#[derive(Clone, Debug)]
pub struct Destroyed {
    /// The `begun` entry's number.
    pub seq: u64,
    /// Provider id.
    pub provider: String,
    /// The month, `YYYY-MM`.
    pub period: String,
    /// Versions and index entries the month held when it was begun.
    pub versions: u64,
    /// Index entries.
    pub indexes: u64,
    /// Whether its `done` entry is in the log.
    pub done: bool,
}

impl Recorded {
    /// Reads them from the log (by kind: the log's lookups are not read).
    pub async fn read<A: AuditStore>(audit: &A) -> Result<Self, CoreError> {
        let adopted_at = of_kind(audit, "integrity")
            .await?
            .into_iter()
            .filter_map(|(seq, e)| match e {
                Event::Integrity { what, .. } if what == ADOPTED => Some(seq),
                _ => None,
            })
            .max();
        let mut deliveries = Vec::new();
        let mut legacy = false;
        for (seq, e) in of_kind(audit, "delivery").await? {
            if let Event::Delivery { outcome, .. } = &e {
                legacy |= outcome == "accepted";
            }
            if let Event::DeliveryAccepted {
                provider,
                delivery,
                snapshot_at,
                checksum,
                rows,
                opened,
                changed,
                closed,
                state,
                ..
            } = e
            {
                deliveries.push(Audited {
                    seq,
                    provider,
                    delivery,
                    snapshot_at,
                    checksum,
                    counts: [rows, opened, changed, closed],
                    state,
                });
            }
        }
        let mut destroyed: Vec<Destroyed> = Vec::new();
        for (seq, e) in of_kind(audit, "destruction").await? {
            let Event::Retention {
                step,
                class,
                provider,
                period,
                records,
                indexes,
                ..
            } = e
            else {
                continue;
            };
            if class != "subscriber" {
                continue;
            }
            if step == "begun" {
                destroyed.push(Destroyed {
                    seq,
                    provider,
                    period,
                    versions: records,
                    indexes,
                    done: false,
                });
            } else if let Some(d) = destroyed
                .iter_mut()
                .rev()
                .find(|d| !d.done && d.provider == provider && d.period == period)
            {
                d.done = true;
            }
        }
        Ok(Recorded {
            deliveries,
            adopted_at,
            legacy,
            destroyed,
        })
    }

    /// The state each provider must be in: its latest recorded delivery's, less the
    /// months of closed versions retention destroyed since.
    pub fn latest(&self) -> HashMap<String, ProviderState> {
        let mut out: HashMap<String, (u64, ProviderState)> = self
            .deliveries
            .iter()
            .map(|a| (a.provider.clone(), (a.seq, a.state.clone())))
            .collect();
        for d in self.destroyed.iter().filter(|d| d.done) {
            if let Some((seq, state)) = out.get_mut(&d.provider)
                && d.seq > *seq
            {
                state.versions = state.versions.saturating_sub(d.versions);
                state.indexes = state.indexes.saturating_sub(d.indexes);
            }
        }
        out.into_iter().map(|(p, (_, s))| (p, s)).collect()
    }

    /// A destruction of `provider`'s closed versions begun after its latest recorded
    /// delivery and not done (a run stopped in it): the store may hold the month or not,
    /// until the next run finishes it.
    pub fn pending(&self, provider: &str) -> Option<(u64, u64)> {
        let after = self
            .deliveries
            .iter()
            .filter(|a| a.provider == provider)
            .map(|a| a.seq)
            .max()?;
        let (v, i) = self
            .destroyed
            .iter()
            .filter(|d| !d.done && d.provider == provider && d.seq > after)
            .fold((0, 0), |(v, i), d| (v + d.versions, i + d.indexes));
        (v > 0 || i > 0).then_some((v, i))
    }

    /// The deliveries that count: those recorded since the latest adoption (an adoption
    /// records every provider's state anew).
    fn current(&self) -> impl Iterator<Item = &Audited> {
        let from = self.adopted_at.unwrap_or(0);
        self.deliveries.iter().filter(move |a| a.seq >= from)
    }
}

/// Every readable entry of one kind, with its number (bodies purged are left out).
pub async fn of_kind<A: AuditStore>(audit: &A, kind: &str) -> Result<Vec<(u64, Event)>, CoreError> {
    Ok(bodies_of_kind(audit, kind)
        .await?
        .into_iter()
        .map(|(seq, body)| (seq, body.event))
        .collect())
}

/// The same with each entry's time: its whole body.
pub async fn bodies_of_kind<A: AuditStore>(
    audit: &A,
    kind: &str,
) -> Result<Vec<(u64, EntryBody)>, CoreError> {
    let mut out = Vec::new();
    let mut from = 0;
    loop {
        let page = audit.audit_entries_of_kind(kind, from, 10_000).await?;
        let Some(last) = page.last() else { break };
        from = last.seq + 1;
        for e in page {
            // A purged body has nothing to compare; the log's own verification judges
            // whether it may be missing.
            if let Some(bytes) = &e.body {
                let body = EntryBody::from_bytes(bytes).map_err(|_| {
                    CoreError::AuditBroken(format!("entry {} cannot be read", e.seq))
                })?;
                out.push((e.seq, body));
            }
        }
    }
    Ok(out)
}

/// A difference between the store and the audit log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    /// The provider it concerns.
    pub provider: String,
    /// What differs.
    pub what: String,
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "provider {}: {}", self.provider, self.what)
    }
}

/// The store's delivery log held to the audit log: every recorded delivery must be in
/// it as recorded, and no accepted delivery may be there that the log never recorded.
/// Returns the findings and, per provider, the accepted deliveries after its latest
/// recorded one (a stop between a delivery's commit and its audit entry leaves those).
pub async fn check_deliveries<S: Store>(
    store: &S,
    recorded: &Recorded,
) -> Result<(Vec<Finding>, Vec<DeliveryRecord>), CoreError> {
    let mut by_provider: BTreeMap<String, Vec<&Audited>> = BTreeMap::new();
    for a in recorded.current() {
        by_provider.entry(a.provider.clone()).or_default().push(a);
    }
    let mut findings = Vec::new();
    let mut unrecorded = Vec::new();
    // A provider with no recorded delivery: its accepted deliveries after the first one
    // recorded with its state (or all, on a point that never recorded one without) were
    // accepted by this tdip, so their entries were lost by a stop after the commit.
    let since = match recorded.current().map(|a| a.delivery).min() {
        Some(first) => Some(first),
        None if !recorded.legacy && recorded.adopted_at.is_none() => Some(0),
        None => None,
    };
    if let Some(since) = since {
        for p in store.providers().await? {
            if by_provider.contains_key(&p.id) {
                continue;
            }
            let mut after: Vec<DeliveryRecord> = store
                .deliveries(Some(&p.id), u32::MAX)
                .await?
                .into_iter()
                .filter(|d| d.delivery.outcome == DeliveryOutcome::Accepted && d.id > since)
                .collect();
            after.sort_by_key(|d| d.id);
            unrecorded.extend(after);
        }
    }
    for (provider, audited) in &by_provider {
        let provider = provider.as_str();
        let stored: HashMap<i64, DeliveryRecord> = store
            .deliveries(Some(provider), u32::MAX)
            .await?
            .into_iter()
            .filter(|d| d.delivery.outcome == DeliveryOutcome::Accepted)
            .map(|d| (d.id, d))
            .collect();
        let finding = |what: String| Finding {
            provider: provider.to_owned(),
            what,
        };
        for a in audited {
            match stored.get(&a.delivery) {
                None => findings.push(finding(format!(
                    "delivery {} (audit entry {}) was accepted but is not in the store's \
                     delivery log: the store was rolled back to an older copy, or the row deleted",
                    a.delivery, a.seq
                ))),
                Some(d) if !as_recorded(d, a) => findings.push(finding(format!(
                    "delivery {} in the store's delivery log is not the one audit entry {} \
                     recorded (file checksum, snapshot moment or counts differ)",
                    a.delivery, a.seq
                ))),
                Some(_) => {}
            }
        }
        let known: HashSet<i64> = audited.iter().map(|a| a.delivery).collect();
        let first = known.iter().min().copied().unwrap_or(0);
        let last = known.iter().max().copied().unwrap_or(0);
        let mut after: Vec<&DeliveryRecord> = Vec::new();
        for (id, d) in &stored {
            if *id > last {
                after.push(d);
            } else if *id > first && !known.contains(id) {
                findings.push(finding(format!(
                    "delivery {id} is in the store's delivery log as accepted, but the audit \
                     log never recorded it: the row was added around tdip"
                )));
            }
        }
        after.sort_by_key(|d| d.id);
        unrecorded.extend(after.into_iter().cloned());
    }
    findings.sort_by(|a, b| (&a.provider, &a.what).cmp(&(&b.provider, &b.what)));
    Ok((findings, unrecorded))
}

/// Whether the delivery log's entry is the one the audit log recorded.
fn as_recorded(d: &DeliveryRecord, a: &Audited) -> bool {
    let logged = &d.delivery;
    logged.checksum[..] == a.checksum[..]
        && logged.snapshot_at == a.snapshot_at
        && [logged.rows, logged.opened, logged.changed, logged.closed] == a.counts
}

/// A provider's rows held to the state its latest accepted delivery recorded: the
/// snapshot index part by part, the open versions against the snapshot index's entries,
/// and the counts of versions and index entries.
pub async fn check_state<S: Store>(
    store: &S,
    provider: &str,
    expected: &ProviderState,
) -> Result<Vec<Finding>, CoreError> {
    let rows = store.provider_rows(provider).await?;
    Ok(compare(provider, &rows, expected))
}

/// Every provider's rows held to what the log recorded ([`Recorded::latest`]), by
/// provider id. A provider with a retention step stopped half-way may hold its month or
/// not: either state passes.
pub async fn check_recorded<S: Store>(
    store: &S,
    recorded: &Recorded,
) -> Result<Vec<Finding>, CoreError> {
    let latest = recorded.latest();
    let mut providers: Vec<&String> = latest.keys().collect();
    providers.sort();
    let mut findings = Vec::new();
    for provider in providers {
        let rows = store.provider_rows(provider).await?;
        let expected = &latest[provider];
        let mut found = compare(provider, &rows, expected);
        if !found.is_empty()
            && let Some((versions, indexes)) = recorded.pending(provider)
        {
            let after = ProviderState {
                versions: expected.versions.saturating_sub(versions),
                indexes: expected.indexes.saturating_sub(indexes),
                ..expected.clone()
            };
            let other = compare(provider, &rows, &after);
            if other.is_empty() {
                found = other;
            }
        }
        findings.extend(found);
    }
    Ok(findings)
}

fn compare(provider: &str, rows: &ProviderRows, expected: &ProviderState) -> Vec<Finding> {
    let mut out = Vec::new();
    let mut say = |what: String| {
        out.push(Finding {
            provider: provider.to_owned(),
            what,
        })
    };
    let now = state_of(rows);
    if now.index_parts != expected.index_parts {
        say(index_difference(&now.index_parts, &expected.index_parts));
    }
    if now.versions != expected.versions {
        say(format!(
            "the store holds {} versions, the latest accepted delivery left {}: versions were \
             {} around tdip",
            now.versions,
            expected.versions,
            if now.versions < expected.versions {
                "deleted"
            } else {
                "added"
            }
        ));
    }
    if now.indexes != expected.indexes {
        say(format!(
            "the store holds {} blind-index entries, the latest accepted delivery left {}: \
             index entries were {} around tdip (lookups would miss or mislead)",
            now.indexes,
            expected.indexes,
            if now.indexes < expected.indexes {
                "deleted"
            } else {
                "added"
            }
        ));
    }
    if now.open != expected.open {
        say(format!(
            "{} versions are open, the latest accepted delivery left {}",
            now.open, expected.open
        ));
    }
    // The snapshot index names each subscription's open version: the open rows must be
    // exactly those (when the index itself is intact, else that is the finding).
    if now.index_parts == expected.index_parts
        && let Ok((snapshot, _)) = Snapshot::load(&rows.snapshot)
    {
        let mut want: Vec<(i64, BlindIndex)> = snapshot
            .entries
            .iter()
            .map(|e| (e.version_id, e.sub_key))
            .collect();
        want.sort_unstable();
        let (missing, extra) = differ(&want, &rows.open);
        if !missing.is_empty() {
            say(format!(
                "open versions {} are in the snapshot index but not open in the store: deleted \
                 or closed around tdip",
                ids(&missing)
            ));
        }
        if !extra.is_empty() {
            say(format!(
                "versions {} are open in the store but no delivery left them open: brought back \
                 from an older copy of the store, or edited",
                ids(&extra)
            ));
        }
    }
    out
}

fn index_difference(now: &[String], expected: &[String]) -> String {
    if now.is_empty() {
        return format!(
            "the snapshot index is missing (the latest accepted delivery left {} parts): it was \
             deleted around tdip, and the next delivery is refused until it is restored",
            expected.len()
        );
    }
    let first = now
        .iter()
        .zip(expected)
        .position(|(a, b)| a != b)
        .unwrap_or(now.len().min(expected.len()));
    format!(
        "the snapshot index differs from what the latest accepted delivery left ({} parts \
         stored, {} recorded; part {} is the first that differs)",
        now.len(),
        expected.len(),
        first
    )
}

/// What is in `want` but not in `have`, and what is in `have` but not in `want`; both
/// sorted by id.
fn differ(want: &[(i64, BlindIndex)], have: &[(i64, BlindIndex)]) -> (Vec<i64>, Vec<i64>) {
    let (mut i, mut j) = (0, 0);
    let (mut missing, mut extra) = (Vec::new(), Vec::new());
    while i < want.len() || j < have.len() {
        match (want.get(i), have.get(j)) {
            (Some(a), Some(b)) if a == b => {
                i += 1;
                j += 1;
            }
            (Some(a), Some(b)) if a.0 == b.0 => {
                // Same id, another subscription key: the row was edited.
                missing.push(a.0);
                extra.push(b.0);
                i += 1;
                j += 1;
            }
            (Some(a), Some(b)) if a.0 < b.0 => {
                missing.push(a.0);
                i += 1;
            }
            (Some(_), Some(b)) => {
                extra.push(b.0);
                j += 1;
            }
            (Some(a), None) => {
                missing.push(a.0);
                i += 1;
            }
            (None, Some(b)) => {
                extra.push(b.0);
                j += 1;
            }
            (None, None) => break,
        }
    }
    (missing, extra)
}

/// At most ten ids, then how many more.
fn ids(ids: &[i64]) -> String {
    let shown: Vec<String> = ids.iter().take(10).map(i64::to_string).collect();
    match ids.len() {
        n if n > 10 => format!("{} and {} more", shown.join(", "), n - 10),
        _ => shown.join(", "),
    }
}

/// The snapshot index a delivery loaded, held to the state the audit log recorded: a
/// delivery over a deleted or changed index would open every subscription again.
pub fn check_loaded_index(
    provider: &str,
    parts: &[Vec<u8>],
    expected: Option<&ProviderState>,
) -> Result<Vec<String>, CoreError> {
    let digests: Vec<String> = parts.iter().map(|p| part_digest(p)).collect();
    if let Some(expected) = expected
        && digests != expected.index_parts
    {
        return Err(CoreError::Tampered(format!(
            "provider {provider}: {}; the delivery was not applied",
            index_difference(&digests, &expected.index_parts)
        )));
    }
    Ok(digests)
}

/// The error of a store that does not hold what the audit log recorded.
pub fn tampered(findings: &[Finding]) -> CoreError {
    let shown: Vec<String> = findings.iter().take(5).map(Finding::to_string).collect();
    let more = findings.len().saturating_sub(5);
    CoreError::Tampered(if more > 0 {
        format!("{}; and {more} more", shown.join("; "))
    } else {
        shown.join("; ")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn differ_names_missing_extra_and_edited_ids() {
        let k = |b| BlindIndex([b; 16]);
        let want = [(1, k(1)), (2, k(2)), (4, k(4)), (5, k(5))];
        let have = [(1, k(1)), (3, k(3)), (4, k(9)), (5, k(5)), (6, k(6))];
        assert_eq!(differ(&want, &have), (vec![2, 4], vec![3, 4, 6]));
        assert_eq!(differ(&want, &want), (vec![], vec![]));
    }

    #[test]
    fn ids_are_capped_at_ten() {
        let many: Vec<i64> = (1..=12).collect();
        assert_eq!(ids(&many), "1, 2, 3, 4, 5, 6, 7, 8, 9, 10 and 2 more");
    }
}

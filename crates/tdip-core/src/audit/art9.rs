//! The Belgian art. 9 statistics (decree 004 art. 9) of one provider for a period,
//! counted from the audit log alone over the entries a signed head covers: (a) the cases
//! in which the provider's data were provided, (b) for each provision, how old the data
//! asked about were when asked — as buckets and exact quantiles — and (c) the requests the
//! point could not meet, with why. Only the consultations of agencies of the provider's
//! jurisdiction count (a Belgian provider reports the Belgian authorities' requests).

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde::{Deserialize, Serialize};
use tdip_audit::TreeHead;
use tdip_store::AuditStore;

use super::figures::{Count, each_entry};
use super::{Event, Outcome};
use crate::CoreError;

const DAY: i64 = 86_400;

/// The age buckets of (b), as (label, upper bound in seconds, exclusive).
pub const BUCKETS: [(&str, i64); 5] = [
    ("under 1 week", 7 * DAY),
    ("under 1 month (30 days)", 30 * DAY),
    ("under 3 months (91 days)", 91 * DAY),
    ("under 6 months (182 days)", 182 * DAY),
    ("under 12 months (365 days)", 365 * DAY),
];

/// The statistics of one provider.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Art9 {
    /// (a) Distinct cases (case references) in which the provider's data were provided.
    pub cases_provided: u64,
    /// Provisions (answers that gave the provider's records).
    pub provisions: u64,
    /// (b) Provisions per age of the data asked about, in [`BUCKETS`] order, then the
    /// rest (`12 months or more`).
    pub age_buckets: Vec<Count>,
    /// (b) Exact quantiles of the age, seconds: median, 90th and 99th percentile, most
    /// (the element at rank ⌈p·n⌉, none when there were no provisions).
    pub age_p50_seconds: Option<i64>,
    /// 90th percentile.
    pub age_p90_seconds: Option<i64>,
    /// 99th percentile.
    pub age_p99_seconds: Option<i64>,
    /// Oldest.
    pub age_max_seconds: Option<i64>,
    /// (c) Requests of the jurisdiction's agencies the point could not meet, for every
    /// provider alike (a request goes to the point, not to one provider): answered with
    /// no record (`no-data`), or refused, per refusal code.
    pub not_met: Vec<Count>,
}

/// Counts `provider`'s statistics for consultations of agencies `jurisdiction/…` asked
/// from `from` to `to` (UTC seconds, inclusive), over the first `size` entries; returns
/// them with the head of those entries (`at` 0).
pub async fn art9<A: AuditStore>(
    store: &A,
    size: u64,
    provider: &str,
    jurisdiction: &str,
    (from, to): (i64, i64),
) -> Result<(Art9, TreeHead), CoreError> {
    let prefix = format!("{jurisdiction}/");
    let mut pending: HashMap<String, String> = HashMap::new();
    let mut cases: BTreeSet<String> = BTreeSet::new();
    let mut ages: Vec<i64> = Vec::new();
    let mut not_met: BTreeMap<String, u64> = BTreeMap::new();
    let head = each_entry(store, size, (from, to), |at, event| match event {
        Event::Request {
            consultation,
            agency,
            case_reference,
            ..
        } if (from..=to).contains(&at) && agency.starts_with(&prefix) => {
            pending.insert(consultation, case_reference);
        }
        Event::Answer {
            consultation,
            outcome,
            providers,
            age_seconds,
            ..
        }
        | Event::Answered {
            consultation,
            outcome,
            providers,
            age_seconds,
            ..
        } => {
            let Some(case) = pending.remove(&consultation) else {
                return;
            };
            match outcome {
                Outcome::Hit if providers.iter().any(|p| p == provider) => {
                    cases.insert(case);
                    ages.push(age_seconds.max(0));
                }
                Outcome::Hit => {}
                Outcome::NoHit => *not_met.entry("no-data".into()).or_default() += 1,
            }
        }
        Event::Refusal {
            consultation, code, ..
        } if pending.remove(&consultation).is_some() => {
            *not_met.entry(code).or_default() += 1;
        }
        _ => {}
    })
    .await?;
    ages.sort_unstable();
    let mut counts = vec![0u64; BUCKETS.len() + 1];
    for a in &ages {
        let i = BUCKETS
            .iter()
            .position(|(_, upper)| a < upper)
            .unwrap_or(BUCKETS.len());
        counts[i] += 1;
    }
    let labels = BUCKETS.iter().map(|(l, _)| *l).chain(["12 months or more"]);
    let rank = |p: u64| -> Option<i64> {
        let n = ages.len() as u64;
        (n > 0).then(|| ages[((p * n).div_ceil(100)).clamp(1, n) as usize - 1])
    };
    let stats = Art9 {
        cases_provided: cases.len() as u64,
        provisions: ages.len() as u64,
        age_buckets: labels
            .zip(counts)
            .map(|(name, count)| Count {
                name: name.into(),
                count,
            })
            .collect(),
        age_p50_seconds: rank(50),
        age_p90_seconds: rank(90),
        age_p99_seconds: rank(99),
        age_max_seconds: ages.last().copied(),
        not_met: not_met
            .into_iter()
            .map(|(name, count)| Count { name, count })
            .collect(),
    };
    Ok((stats, head))
}

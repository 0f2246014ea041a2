//! Point-in-time lookup: who held identifier X at moment T (or during a period), across
//! all providers, and what that answer rests on.
//!
//! The store is asked by blind index only; every candidate version is unsealed, its
//! identifier compared with the one asked for (a blind-index collision never becomes an
//! answer), and its validity judged against the delivery record. An answer never presents
//! an inference as an observation: see [`Evidence`].
//!
//! None of these types is serialisable: the wire's answer is `tdip_api::Answered`, built
//! from them at the service's edge (`tdip_server::wire`).

use std::collections::HashMap;

use ipnet::IpNet;
use tdip_model::ident::{display_ip, parse_ip};
use tdip_model::subscription::Subscription;
use tdip_model::{Country, IdentKind, normalize};
use tdip_store::{BlindIndex, Store, VersionRow};

use crate::CoreError;
use crate::keys::PointKeys;

/// When the identifier was held.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum When {
    /// At one moment (UTC seconds).
    At {
        /// The moment.
        at: i64,
    },
    /// At any moment of a closed period (UTC seconds, both ends included).
    Between {
        /// Start.
        from: i64,
        /// End.
        to: i64,
    },
}

/// A lookup.
#[derive(Clone)]
pub struct Query {
    /// Identifier type.
    pub kind: IdentKind,
    /// The identifier as typed; normalised before use.
    pub value: String,
    /// The moment or period.
    pub when: When,
    /// Country of a national phone number, when the request names one; a consultation
    /// otherwise takes the asking agency's jurisdiction's (`consult`). With none, a
    /// national number is refused.
    pub default_country: Option<Country>,
}

impl std::fmt::Debug for Query {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Query")
            .field("kind", &self.kind)
            .field("when", &self.when)
            .finish_non_exhaustive()
    }
}

/// What a hit rests on, judged at the moment asked (the start of the overlap for a period).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Evidence {
    /// The moment lies between two deliveries that both showed this version.
    Observed {
        /// First delivery (snapshot moment) that showed it.
        first_delivery: i64,
        /// Last delivery that showed it.
        last_delivery: i64,
    },
    /// The moment is after the provider's latest delivery, which still showed it.
    AfterLatestDelivery {
        /// First delivery that showed it.
        first_delivery: i64,
        /// The provider's latest delivery.
        latest_delivery: i64,
    },
    /// The version was shown by one delivery and gone from the next; the moment lies
    /// between them, so the change may have come before or after it.
    ChangedBetween {
        /// Last delivery that showed it.
        last_delivery_with: i64,
        /// First delivery without it.
        first_delivery_without: i64,
    },
    /// The version first appeared in a delivery after the moment, but not in the one
    /// before it: it may already have held the identifier at the moment.
    AppearedBetween {
        /// Last delivery without it.
        last_delivery_without: i64,
        /// First delivery with it.
        first_delivery_with: i64,
    },
    /// Before the provider's first delivery: only the subscription start date says so.
    InferredFromStartDate {
        /// The declared subscription start.
        subscription_start: i64,
        /// The provider's first delivery.
        first_delivery: i64,
    },
}

/// One subscriber version that held the identifier.
#[derive(Clone)]
pub struct Hit {
    /// Provider id.
    pub provider: String,
    /// Provider name.
    pub provider_name: String,
    /// Version id (stable reference for this answer).
    pub version: i64,
    /// Snapshot moment of the delivery that first showed this version.
    pub valid_from: i64,
    /// Snapshot moment of the delivery that no longer showed it, if any.
    pub valid_to: Option<i64>,
    /// What the answer rests on.
    pub basis: Evidence,
    /// The subscriber data.
    pub subscription: Subscription,
    /// The subscription's payments the point holds (the last months only, see the
    /// retention policy) that were made while this version may have been the one in
    /// force: after the delivery before it (`seen_before`; any time for a version of the
    /// provider's first delivery) and before its end. A payment in the gap between two
    /// deliveries is listed with both versions, as either may have been in force.
    pub payments: Vec<crate::payments::Payment>,
}

impl std::fmt::Debug for Hit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Hit")
            .field("provider", &self.provider)
            .field("version", &self.version)
            .field("basis", &self.basis)
            .finish_non_exhaustive()
    }
}

/// The identifier a lookup searched, normalised: what the officer's input was read as
/// (`0470 12 34 56` asked by a Belgian agency is `+32470123456`), shown with every answer.
///
/// `Debug` shows the kind only.
#[derive(Clone, PartialEq, Eq)]
pub struct Searched {
    /// Its kind (`msisdn`, …).
    pub kind: String,
    /// The identifier as indexed: E.164, an IP prefix in canonical form, ….
    pub value: String,
}

impl std::fmt::Debug for Searched {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Searched")
            .field("kind", &self.kind)
            .finish_non_exhaustive()
    }
}

/// The answer: every hit, or none (a no-hit is an answer too).
#[derive(Clone, Debug)]
pub struct Answer {
    /// The identifier searched, normalised.
    pub searched: Searched,
    /// Identifier type asked.
    pub kind: &'static str,
    /// The moment or period asked.
    pub when: When,
    /// Hits, by provider and validity.
    pub hits: Vec<Hit>,
}

/// Answers a lookup.
pub async fn lookup<S: Store>(store: &S, keys: &PointKeys, q: &Query) -> Result<Answer, CoreError> {
    let prepared = Prepared::new(keys, q)?;
    lookup_prepared(store, keys, q, &prepared).await
}

/// The identifier a query asks about, parsed and normalised once, with its blind index:
/// what a consultation logs and what its lookup searches.
pub struct Prepared {
    target: Target,
    blind: BlindIndex,
}

impl std::fmt::Debug for Prepared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Prepared(<redacted>)")
    }
}

impl Prepared {
    /// Parses and normalises the query's identifier; the error says what is wrong with it.
    pub fn new(keys: &PointKeys, q: &Query) -> Result<Self, CoreError> {
        let target = Target::parse(q)?;
        let blind = keys.ident(q.kind, &target.normalised());
        Ok(Prepared { target, blind })
    }

    /// The identifier as it is indexed (an IP prefix in its canonical form).
    pub fn normalised(&self) -> String {
        self.target.normalised()
    }

    /// Its blind index.
    pub fn blind(&self) -> &BlindIndex {
        &self.blind
    }
}

/// Answers a lookup of an identifier already parsed.
pub async fn lookup_prepared<S: Store>(
    store: &S,
    keys: &PointKeys,
    q: &Query,
    prepared: &Prepared,
) -> Result<Answer, CoreError> {
    if let When::Between { from, to } = q.when
        && from > to
    {
        return Err(CoreError::Config(
            "the period ends before it starts; swap --from and --to".into(),
        ));
    }
    let target = &prepared.target;
    let indexes = match target {
        Target::Exact(..) => vec![prepared.blind],
        Target::Ip(net) => enclosing(net, store, keys).await?,
    };
    let versions = store.versions_by_index(&indexes).await?;
    let mut hits = Vec::new();
    let mut windows: Vec<(BlindIndex, Option<i64>, Option<i64>)> = Vec::new();
    if !versions.is_empty() {
        let mut ids: Vec<&str> = versions.iter().map(|v| v.provider.as_str()).collect();
        ids.sort_unstable();
        ids.dedup();
        let mut spans: HashMap<String, (i64, i64)> = HashMap::new();
        let mut names: HashMap<String, String> = HashMap::new();
        for (provider, span) in store.provider_spans(&ids).await? {
            if let Some(s) = span {
                spans.insert(provider.id.clone(), (s.first_snapshot, s.latest_snapshot));
            }
            names.insert(provider.id, provider.name);
        }
        for v in versions {
            // A version whose month was shredded is past retention: it is no answer.
            let Some(sub) = keys.unseal(&v)? else {
                continue;
            };
            if !target.matches(&sub) {
                continue;
            }
            let latest = spans.get(&v.provider).map_or(v.valid_from, |s| s.1);
            if let Some(basis) = judge(&v, &sub, latest, q.when) {
                windows.push((v.sub_key, v.seen_before, v.valid_to));
                hits.push(Hit {
                    provider_name: names.get(&v.provider).cloned().unwrap_or_default(),
                    provider: v.provider,
                    version: v.id,
                    valid_from: v.valid_from,
                    valid_to: v.valid_to,
                    basis,
                    subscription: sub,
                    payments: Vec::new(),
                });
            }
        }
    }
    add_payments(store, keys, &mut hits, &windows).await?;
    hits.sort_by(|a, b| {
        (&a.provider, a.valid_from, a.version).cmp(&(&b.provider, b.valid_from, b.version))
    });
    Ok(Answer {
        searched: Searched {
            kind: q.kind.as_str().to_owned(),
            value: prepared.normalised(),
        },
        kind: q.kind.as_str(),
        when: q.when,
        hits,
    })
}

/// Gives each hit its subscription's payments made while it may have been in force
/// (`windows`: per hit, its subscription key, the delivery before it and its end). A
/// payment whose month was destroyed is past its term: no part of the answer.
async fn add_payments<S: Store>(
    store: &S,
    keys: &PointKeys,
    hits: &mut [Hit],
    windows: &[(BlindIndex, Option<i64>, Option<i64>)],
) -> Result<(), CoreError> {
    if hits.is_empty() {
        return Ok(());
    }
    let mut subs: Vec<BlindIndex> = windows.iter().map(|w| w.0).collect();
    subs.sort_unstable();
    subs.dedup();
    let rows = store.payments_of(&subs).await?;
    if rows.is_empty() {
        return Ok(());
    }
    for row in rows {
        let Some(payment) = crate::payments::open(keys, &row)? else {
            continue;
        };
        for (hit, (sub_key, after, before)) in hits.iter_mut().zip(windows) {
            let in_window =
                after.is_none_or(|a| payment.at > a) && before.is_none_or(|b| payment.at < b);
            if *sub_key == row.sub_key && row.provider == hit.provider && in_window {
                hit.payments.push(payment.clone());
            }
        }
    }
    for hit in hits.iter_mut() {
        hit.payments.sort_by_key(|p| p.at);
    }
    Ok(())
}

/// The blind indexes to search for an IP address or prefix: those of every stored prefix
/// enclosing it.
async fn enclosing<S: Store>(
    net: &IpNet,
    store: &S,
    keys: &PointKeys,
) -> Result<Vec<BlindIndex>, CoreError> {
    let family = if net.addr().is_ipv4() { 4 } else { 6 };
    let mut out = Vec::new();
    for (fam, len) in store.prefix_lengths().await? {
        if fam == family && len <= net.prefix_len() {
            let enclosing = IpNet::new(net.addr(), len)
                .map_err(|_| CoreError::Internal("a stored prefix length is out of range"))?
                .trunc();
            out.push(keys.ident(IdentKind::Ip, &display_ip(&enclosing)));
        }
    }
    Ok(out)
}

/// The normalised identifier asked for.
enum Target {
    Exact(IdentKind, String),
    Ip(IpNet),
}

impl Target {
    fn parse(q: &Query) -> Result<Self, CoreError> {
        let bad = |e: tdip_model::IdentError| {
            CoreError::Config(format!("--{}: {e}", q.kind.as_str().replace('_', "-")))
        };
        if q.kind == IdentKind::Ip {
            return parse_ip(&q.value).map(Target::Ip).map_err(bad);
        }
        normalize(q.kind, &q.value, q.default_country)
            .map(|v| Target::Exact(q.kind, v))
            .map_err(bad)
    }

    fn normalised(&self) -> String {
        match self {
            Target::Exact(_, v) => v.clone(),
            Target::Ip(net) => display_ip(net),
        }
    }

    fn matches(&self, sub: &Subscription) -> bool {
        match self {
            Target::Exact(kind, value) => sub.identifiers().any(|(k, v)| k == *kind && v == value),
            Target::Ip(net) => sub
                .ip
                .iter()
                .filter_map(|s| parse_ip(s).ok())
                .any(|held| held.contains(net)),
        }
    }
}

/// Whether version `v` held the identifier at the moment or in the period, and on what basis.
fn judge(v: &VersionRow, sub: &Subscription, latest: i64, when: When) -> Option<Evidence> {
    let start = sub.subscription_start.as_second();
    let end = sub.subscription_end.map(|t| t.as_second());
    let (lo, hi) = match when {
        When::At { at } => (at, at),
        When::Between { from, to } => (from, to),
    };
    // The earliest moment of the period this version can account for.
    let earliest = match v.seen_before {
        Some(before) => before + 1,
        None => start.min(v.valid_from),
    }
    .max(start);
    let t = lo.max(earliest);
    if t > hi || end.is_some_and(|e| t >= e) || v.valid_to.is_some_and(|to| t >= to) {
        return None;
    }
    Some(if t >= v.valid_from {
        match (v.valid_to, v.last_seen) {
            (Some(to), Some(last)) if t > last => Evidence::ChangedBetween {
                last_delivery_with: last,
                first_delivery_without: to,
            },
            (Some(_), Some(last)) => Evidence::Observed {
                first_delivery: v.valid_from,
                last_delivery: last,
            },
            _ if t > latest => Evidence::AfterLatestDelivery {
                first_delivery: v.valid_from,
                latest_delivery: latest,
            },
            _ => Evidence::Observed {
                first_delivery: v.valid_from,
                last_delivery: latest,
            },
        }
    } else {
        match v.seen_before {
            Some(before) => Evidence::AppearedBetween {
                last_delivery_without: before,
                first_delivery_with: v.valid_from,
            },
            None => Evidence::InferredFromStartDate {
                subscription_start: start,
                first_delivery: v.valid_from,
            },
        }
    })
}

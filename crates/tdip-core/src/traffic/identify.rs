//! "Who used public address a.b.c.d, port p, at moment t": the port-block assignments
//! covering that port then lead to an end-user id (directly, or through the private address
//! to the session that held it), and the subscriber history says who held that end-user
//! id at that moment — one answer per candidate, with its chain of evidence. Without a
//! port, an address is answered only when exactly one subscriber used it then. IPv6: an
//! address inside a delegated prefix leads to the session that held the prefix.

use ipnet::IpNet;
use std::net::IpAddr;
use tdip_model::IdentKind;
use tdip_model::ident::parse_ip_addr;
use tdip_model::traffic::TrafficRecord;
use tdip_store::{Store, TrafficKind, TrafficProbe, TrafficStore, day_of};

use crate::CoreError;
use crate::keys::PointKeys;
use crate::lookup::{Hit, Query, Searched, When, lookup};
use crate::traffic::fetch::{Fetched, fetch};

/// The largest clock tolerance a query may take: an hour either side.
pub const MAX_TOLERANCE_SECONDS: u32 = 3600;

/// An identification through retained traffic data.
#[derive(Clone)]
pub struct Identify {
    /// The public address as typed.
    pub address: String,
    /// The port, when known.
    pub port: Option<u16>,
    /// The moment, UTC seconds.
    pub at: i64,
    /// How far the logs may be off the moment asked, in seconds (0: exact).
    pub tolerance: u32,
}

impl std::fmt::Debug for Identify {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Identify")
            .field("at", &self.at)
            .field("tolerance", &self.tolerance)
            .finish_non_exhaustive()
    }
}

/// How a record's interval stands to the moment asked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fit {
    /// The moment lies inside the record's interval.
    Covers,
    /// The record ended this many seconds before the moment (within the tolerance).
    EndedBefore(i64),
    /// The record started this many seconds after the moment (within the tolerance).
    StartedAfter(i64),
}

/// One candidate: the records that lead to an end-user id, and who held that id then.
#[derive(Clone, Debug)]
pub struct Candidate {
    /// The port-block assignment (none when the address was assigned to a session directly).
    pub assignment: Option<Fetched>,
    /// How the assignment's interval stands to the moment.
    pub assignment_fit: Option<Fit>,
    /// The access session that held the address (the private address of the assignment, or
    /// the public address or prefix itself).
    pub session: Option<Fetched>,
    /// How the session's interval stands to the moment.
    pub session_fit: Option<Fit>,
    /// The end-user id the chain leads to, if any.
    pub user_id: Option<String>,
    /// The subscriber versions of the provider that held this end-user id at the moment.
    pub subscriber: Vec<Hit>,
}

/// The answer to an [`Identify`].
#[derive(Clone, Debug)]
pub struct Identified {
    /// The address searched, canonical.
    pub searched: Searched,
    /// The port asked.
    pub port: Option<u16>,
    /// The moment asked.
    pub at: i64,
    /// The tolerance used.
    pub tolerance: u32,
    /// Every candidate (none: a no-hit).
    pub candidates: Vec<Candidate>,
    /// No port was given and more than one subscriber used the address then: the answer
    /// names nobody and says a port is needed.
    pub port_needed: bool,
}

/// The address asked, parsed: the error names the field.
pub fn parse_address(raw: &str) -> Result<IpAddr, CoreError> {
    parse_ip_addr(raw).map_err(|e| CoreError::Config(format!("--ip: {e}")))
}

/// Answers an identification.
pub async fn identify<S: Store + TrafficStore>(
    store: &S,
    keys: &PointKeys,
    q: &Identify,
) -> Result<Identified, CoreError> {
    if q.tolerance > MAX_TOLERANCE_SECONDS {
        return Err(CoreError::Config(format!(
            "--tolerance: at most {MAX_TOLERANCE_SECONDS} seconds"
        )));
    }
    let addr = parse_address(&q.address)?;
    let tol = i64::from(q.tolerance);
    let (from, to) = (q.at.saturating_sub(tol), q.at.saturating_add(tol));
    let net = IpNet::from(addr);
    let blocks = probe(
        store,
        keys,
        TrafficKind::PortBlock,
        &[net],
        from,
        to,
        q.port,
    )
    .await?;
    let blocks = fetch(store, keys, blocks, |r| match r {
        TrafficRecord::PortBlock(b) => {
            b.public_ip == addr
                && q.port.is_none_or(|p| b.first_port <= p && p <= b.last_port)
                && meets(b.start, b.end, from, to)
        }
        _ => false,
    })
    .await?;
    let mut candidates = Vec::new();
    if blocks.is_empty() {
        for session in sessions_holding(store, keys, addr, from, to).await? {
            candidates.push(candidate(None, Some(session), q.at));
        }
    } else {
        if q.port.is_none() {
            let mut holders: Vec<(String, Option<String>, Option<IpAddr>)> = blocks
                .iter()
                .filter_map(|f| match &f.record {
                    TrafficRecord::PortBlock(b) => {
                        Some((f.source.provider.clone(), b.user_id.clone(), b.private_ip))
                    }
                    _ => None,
                })
                .collect();
            holders.sort();
            holders.dedup();
            if holders.len() > 1 {
                return Ok(answer(q, addr, Vec::new(), true));
            }
        }
        for block in blocks {
            let TrafficRecord::PortBlock(b) = &block.record else {
                continue;
            };
            match (&b.user_id, b.private_ip) {
                (None, Some(private)) => {
                    // The session that held the private address during the window, at the
                    // same provider (private address spaces are the provider's own).
                    let (lo, hi) = (from.max(b.start), b.end.map_or(to, |e| to.min(e)));
                    let sessions: Vec<Fetched> =
                        sessions_holding(store, keys, private, lo.min(hi), hi)
                            .await?
                            .into_iter()
                            .filter(|s| s.source.provider == block.source.provider)
                            .collect();
                    if sessions.is_empty() {
                        candidates.push(candidate(Some(block.clone()), None, q.at));
                    }
                    for s in sessions {
                        candidates.push(candidate(Some(block.clone()), Some(s), q.at));
                    }
                }
                _ => candidates.push(candidate(Some(block), None, q.at)),
            }
        }
    }
    for c in &mut candidates {
        let Some(user) = c.user_id.clone() else {
            continue;
        };
        let provider = c
            .assignment
            .as_ref()
            .or(c.session.as_ref())
            .map(|f| f.source.provider.clone())
            .unwrap_or_default();
        let held = lookup(
            store,
            keys,
            &Query {
                kind: IdentKind::UserId,
                value: user,
                when: When::At { at: q.at },
                default_country: None,
            },
        )
        .await?;
        c.subscriber = held
            .hits
            .into_iter()
            .filter(|h| h.provider == provider)
            .collect();
    }
    Ok(answer(q, addr, candidates, false))
}

fn answer(q: &Identify, addr: IpAddr, candidates: Vec<Candidate>, port_needed: bool) -> Identified {
    Identified {
        searched: Searched {
            kind: IdentKind::Ip.as_str().to_owned(),
            value: addr.to_string(),
        },
        port: q.port,
        at: q.at,
        tolerance: q.tolerance,
        candidates,
        port_needed,
    }
}

fn candidate(assignment: Option<Fetched>, session: Option<Fetched>, at: i64) -> Candidate {
    let fit_of = |f: &Fetched| fit(f.record.start(), f.record.end(), at);
    let user_id = session
        .as_ref()
        .and_then(|s| s.record.user_id().map(str::to_owned))
        .or_else(|| {
            assignment
                .as_ref()
                .and_then(|a| a.record.user_id().map(str::to_owned))
        });
    Candidate {
        assignment_fit: assignment.as_ref().map(fit_of),
        session_fit: session.as_ref().map(fit_of),
        assignment,
        session,
        user_id,
        subscriber: Vec::new(),
    }
}

/// Whether `[start, end]` (open-ended when `end` is `None`) meets `[from, to]`.
pub fn meets(start: i64, end: Option<i64>, from: i64, to: i64) -> bool {
    start <= to && end.is_none_or(|e| e >= from)
}

fn fit(start: i64, end: Option<i64>, at: i64) -> Fit {
    if start > at {
        Fit::StartedAfter(start - at)
    } else if let Some(end) = end.filter(|e| *e < at) {
        Fit::EndedBefore(at - end)
    } else {
        Fit::Covers
    }
}

/// The rows of `kind` under each of `nets` (their day indexes for every UTC day of the
/// window, and their open index).
pub(crate) async fn probe<S: TrafficStore>(
    store: &S,
    keys: &PointKeys,
    kind: TrafficKind,
    nets: &[IpNet],
    from: i64,
    to: i64,
    port: Option<u16>,
) -> Result<Vec<tdip_store::TrafficRow>, CoreError> {
    let (first, last) = (day_of(from), day_of(to));
    if i64::from(last) - i64::from(first) > 400 {
        return Err(CoreError::Config(
            "the period is longer than the 12 months traffic data are kept; ask for a shorter one"
                .into(),
        ));
    }
    let mut days = Vec::new();
    let mut open = Vec::new();
    for net in nets {
        for day in first..=last {
            days.push((day, keys.traffic().address_on(kind, net, day)));
        }
        open.push(keys.traffic().address_open(kind, net));
    }
    Ok(store
        .traffic_covering(&TrafficProbe {
            kind,
            days,
            open,
            from,
            to,
            port,
        })
        .await?)
}

/// The access sessions whose address or delegated prefix held `addr` during `[from, to]`.
pub(crate) async fn sessions_holding<S: Store + TrafficStore>(
    store: &S,
    keys: &PointKeys,
    addr: IpAddr,
    from: i64,
    to: i64,
) -> Result<Vec<Fetched>, CoreError> {
    let family = if addr.is_ipv4() { 4 } else { 6 };
    let mut nets = Vec::new();
    for (fam, len) in store.traffic_prefix_lengths().await? {
        if fam == family
            && let Ok(net) = IpNet::new(addr, len)
        {
            nets.push(net.trunc());
        }
    }
    if nets.is_empty() {
        return Ok(Vec::new());
    }
    let rows = probe(
        store,
        keys,
        TrafficKind::AccessSession,
        &nets,
        from,
        to,
        None,
    )
    .await?;
    fetch(store, keys, rows, |r| match r {
        TrafficRecord::Session(s) => {
            s.net().is_some_and(|n| n.contains(&addr)) && meets(s.login, s.logoff, from, to)
        }
        _ => false,
    })
    .await
}

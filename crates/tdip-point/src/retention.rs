//! Retention as the point runs it: the policy in force (the data directory's
//! `data-retention.toml`, else the shipped one), the plan (sealed: counts and key ids
//! only), a run (the data's retention, then the audit log's purge of expired bodies),
//! and what the log says was destroyed, when, under which rule.

use std::fs;
use std::path::Path;

use anyhow::{Context, Result, bail};
use tdip_core::audit::{Auditor, Event, retention as audit_retention};
use tdip_core::datakeys;
use tdip_core::integrity::bodies_of_kind;
use tdip_core::retention::{self, Plan, Policy, Preservation};
use tdip_store::AuditStore;

use crate::data_dir::DATA_RETENTION_FILE;
use crate::point::{Point, key_dir};
use crate::store::AnyStore;

/// The policy in force, validated whole.
pub fn policy_in_force(data: &Path) -> Result<Policy> {
    let path = data.join(DATA_RETENTION_FILE);
    match fs::read_to_string(&path) {
        Ok(text) => Ok(Policy::parse(&path.display().to_string(), &text)?),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Policy::defaults()),
        Err(e) => Err(e).with_context(|| format!("cannot read {}", path.display())),
    }
}

/// What is due at `now` and what comes next, from the store, the key directory's
/// descriptions and the preservation orders the log records (no unsealed point needed).
pub async fn plan<A: AuditStore + 'static>(
    data: &Path,
    store: &AnyStore,
    auditor: &Auditor<A>,
    now: i64,
) -> Result<Plan> {
    let policy = policy_in_force(data)?;
    let dir = key_dir(data);
    let keys = if dir.exists() {
        datakeys::list(&dir)?
    } else {
        Vec::new()
    };
    let orders = retention::orders(auditor.store()).await?;
    Ok(retention::plan(store, &keys, &policy, &orders, now).await?)
}

/// A change to a preservation order, as the operator asks it.
pub enum OrderChange {
    /// A new order.
    Place(Preservation),
    /// A later end for an order in force.
    Extend {
        /// Its id.
        id: String,
        /// The new end.
        until: i64,
    },
    /// The order ends now.
    Lift {
        /// Its id.
        id: String,
    },
}

/// Places, extends or lifts a preservation order, recorded in the audit log (the only
/// record of it), with `reason`; returns the order as it now stands.
pub async fn change_order<A: AuditStore + 'static>(
    auditor: &Auditor<A>,
    change: OrderChange,
    reason: &str,
    now: i64,
) -> Result<Preservation> {
    let orders = retention::orders(auditor.store()).await?;
    let find = |id: &str| -> Result<Preservation> {
        let Some(p) = orders.iter().find(|p| p.id == id) else {
            bail!("no preservation order {id}; `tdip retention orders` lists them");
        };
        if !p.in_force(now) {
            bail!("preservation order {id} is no longer in force (it ended or was lifted)");
        }
        Ok(p.clone())
    };
    if reason.trim().is_empty() {
        bail!("--reason: say why (the order, the case file): it is logged");
    }
    let (action, mut order) = match change {
        OrderChange::Place(mut p) => {
            p.id = format!("P-{:08x}", tdip_crypto::DataKey::fresh_id());
            p.placed_at = now;
            tdip_core::retention::preserve::check_new(&p, now)?;
            ("placed", p)
        }
        OrderChange::Extend { id, until } => {
            let mut p = find(&id)?;
            if until <= p.until {
                bail!(
                    "--until must be later than the order's end now; an order is shortened by lifting it"
                );
            }
            p.until = until;
            ("extended", p)
        }
        OrderChange::Lift { id } => {
            let mut p = find(&id)?;
            p.lifted_at = Some(now);
            ("lifted", p)
        }
    };
    let event = Event::Preservation {
        action: action.into(),
        id: order.id.clone(),
        case: order.case.clone(),
        basis: order.basis.clone(),
        provider: order.provider.clone(),
        class: order.class.clone(),
        from: order.from,
        to: order.to,
        until: order.until,
        reason: reason.to_owned(),
    };
    auditor.record(now, vec![event]).await?;
    if action == "placed" {
        order.placed_at = now;
    }
    Ok(order)
}

/// What one run did.
#[derive(Debug, Default)]
pub struct JobOutcome {
    /// The data's retention.
    pub data: retention::Outcome,
    /// Audit bodies purged, per class and kind.
    pub purged: Vec<audit_retention::Purged>,
}

/// Runs retention at `now` on an unsealed point: the data first (finishing what a
/// stopped run began), then the audit log's expired bodies.
pub async fn run_job(point: &Point, data: &Path, now: i64) -> Result<JobOutcome> {
    let policy = policy_in_force(data)?;
    let audit_classes = crate::reports::retention_in_force(data)?;
    let data_outcome =
        retention::run(&point.store, &point.keys, &point.auditor, &policy, now).await?;
    let purged = audit_retention::purge(&point.auditor, &audit_classes, now).await?;
    Ok(JobOutcome {
        data: data_outcome,
        purged,
    })
}

/// One destruction the log records.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Destroyed {
    /// The entry recording it (the `done` entry; the `begun` one for a step not done).
    pub seq: u64,
    /// When (UTC seconds).
    pub at: i64,
    /// What: a retention class (`subscriber`, `traffic-day`, `traffic-keys`), `month-keys`
    /// (`tdip keys shred`) or `audit-bodies`.
    pub what: String,
    /// Provider, where one.
    pub provider: String,
    /// The period (`YYYY-MM`, `YYYY-MM-DD`), or the audit class and kind.
    pub period: String,
    /// Records, bodies or keys destroyed.
    pub count: u64,
    /// Keys destroyed (ids, hex).
    pub keys: Vec<String>,
    /// The rule applied.
    pub rule: String,
    /// When it was due.
    pub due: Option<i64>,
    /// False for a step begun and not done yet (a stopped run; the next finishes it).
    pub done: bool,
}

/// Every destruction the log records, in log order.
pub async fn destroyed<A: AuditStore + 'static>(auditor: &Auditor<A>) -> Result<Vec<Destroyed>> {
    let mut out: Vec<Destroyed> = Vec::new();
    for (seq, body) in bodies_of_kind(auditor.store(), "destruction").await? {
        match body.event {
            Event::Retention {
                step,
                class,
                provider,
                period,
                records,
                keys,
                rule,
                due,
                ..
            } => {
                if step == "done"
                    && let Some(begun) = out.iter_mut().rev().find(|d| {
                        !d.done && d.what == class && d.provider == provider && d.period == period
                    })
                {
                    begun.done = true;
                    begun.seq = seq;
                    begun.at = body.at;
                    continue;
                }
                out.push(Destroyed {
                    seq,
                    at: body.at,
                    what: class,
                    provider,
                    period,
                    count: records,
                    keys,
                    rule,
                    due: Some(due),
                    done: step == "done",
                });
            }
            Event::Destruction { what, scope, count } => out.push(Destroyed {
                seq,
                at: body.at,
                what,
                provider: String::new(),
                period: scope,
                count,
                keys: Vec::new(),
                rule: "by hand (tdip keys shred)".into(),
                due: None,
                done: true,
            }),
            Event::Purge {
                class, kind, count, ..
            } => out.push(Destroyed {
                seq,
                at: body.at,
                what: "audit-bodies".into(),
                provider: String::new(),
                period: format!("class {class}, {kind} entries"),
                count,
                keys: Vec::new(),
                rule: format!("audit retention class {class}"),
                due: None,
                done: true,
            }),
            _ => {}
        }
    }
    Ok(out)
}

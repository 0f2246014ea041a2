//! Carrying out a plan: each step recorded before it starts and when it is done, each
//! destruction idempotent, so a run stopped at any point (a crash, `kill -9`) is
//! finished by the next: it first completes every step the log shows begun and not done,
//! then plans afresh. Order within a step: for a month of subscriber versions, the
//! provider's open key is rotated first when it is older than the month's end (a copy of
//! the database from before a version closed holds it sealed under that key), then the
//! month keys are destroyed (every copy of the month unreadable), then the rows and
//! their index entries deleted; a traffic day partition is dropped whole, and its
//! month's traffic keys destroyed once its last day is due.

use std::collections::BTreeMap;

use tdip_store::{AuditStore, RetentionStore, Store, TrafficStore};

use super::plan::{Class, Period, Plan, Step, plan};
use super::policy::Policy;
use super::preserve::orders;
use crate::CoreError;
use crate::audit::{Auditor, Event};
use crate::datakeys::{DataClass, Scope};
use crate::integrity::of_kind;
use crate::keys::PointKeys;
use crate::rotate::rotate;

/// What a run did.
#[derive(Clone, Debug, Default)]
pub struct Outcome {
    /// Steps finished that an earlier, stopped run had begun.
    pub resumed: Vec<Step>,
    /// Steps carried out, in order.
    pub done: Vec<Step>,
    /// Providers whose open key was rotated before their month keys went.
    pub rotated: Vec<String>,
    /// Steps due but held back by preservation orders in force (their ids).
    pub held: Vec<(Step, Vec<String>)>,
}

/// Finishes what a stopped run began, then carries out what is due at `now`.
pub async fn run<S, A>(
    store: &S,
    keys: &PointKeys,
    auditor: &Auditor<A>,
    policy: &Policy,
    now: i64,
) -> Result<Outcome, CoreError>
where
    S: Store + TrafficStore + RetentionStore,
    A: AuditStore + 'static,
{
    let mut out = Outcome::default();
    let (pending, mut before) = history(auditor.store()).await?;
    for step in pending {
        carry_out(store, keys, auditor, &step, now, &mut out.rotated).await?;
        let seq = auditor.record(now, vec![event(&step, "done", &[])]).await?;
        before.insert(step_id(&step), seq);
        out.resumed.push(step);
    }
    let orders = orders(auditor.store()).await?;
    let Plan { due, held, .. } = plan(store, &keys.data().list()?, policy, &orders, now).await?;
    for step in due {
        // A period destroyed before that is there again was brought back around tdip (a
        // backup of the database or of the key directory copied in): say so, then destroy it
        // again.
        if let Some(seq) = before.get(&step_id(&step)) {
            let whose = if step.provider.is_empty() {
                "every provider"
            } else {
                step.provider.as_str()
            };
            let (class, period) = (step.class.as_str(), step.period.label());
            let finding = Event::Integrity {
                what: "retention".into(),
                subject: format!("{class} {period}"),
                detail: format!(
                    "{class} {period} of {whose} is held again after its destruction (entry \
                     {seq}): brought back from a copy around tdip; destroyed again"
                ),
            };
            auditor.record(now, vec![finding]).await?;
        }
        // The orders that held it back past its due moment, ended or lifted since.
        let preserved: Vec<String> = orders
            .iter()
            .filter(|o| o.covers(&step) && step.due < o.until.min(o.lifted_at.unwrap_or(i64::MAX)))
            .map(|o| o.id.clone())
            .collect();
        auditor
            .record(now, vec![event(&step, "begun", &preserved)])
            .await?;
        carry_out(store, keys, auditor, &step, now, &mut out.rotated).await?;
        auditor
            .record(now, vec![event(&step, "done", &preserved)])
            .await?;
        out.done.push(step);
    }
    out.held = held;
    Ok(out)
}

/// Finishes every step the log shows begun and not done (a run stopped in it); returns
/// them. An unsealed point does this when it opens, before it holds the store to the
/// log, so a half-done destruction never outlives a restart.
pub async fn finish<S, A>(
    store: &S,
    keys: &PointKeys,
    auditor: &Auditor<A>,
    now: i64,
) -> Result<Vec<Step>, CoreError>
where
    S: Store + TrafficStore + RetentionStore,
    A: AuditStore + 'static,
{
    let mut finished = Vec::new();
    for step in unfinished(auditor.store()).await? {
        carry_out(store, keys, auditor, &step, now, &mut Vec::new()).await?;
        auditor.record(now, vec![event(&step, "done", &[])]).await?;
        finished.push(step);
    }
    Ok(finished)
}

/// The destruction record of a step.
pub fn event(step: &Step, phase: &str, preserved: &[String]) -> Event {
    Event::Retention {
        step: phase.into(),
        class: step.class.as_str().into(),
        provider: step.provider.clone(),
        period: step.period.label(),
        records: step.records,
        indexes: step.indexes,
        keys: step.keys.iter().map(|k| format!("{k:08x}")).collect(),
        rule: step.rule.clone(),
        due: step.due,
        preserved: preserved.to_vec(),
    }
}

/// A step's identity in the log: class, provider and period as its entries name them.
type StepId = (String, String, String);

fn step_id(step: &Step) -> StepId {
    (
        step.class.as_str().to_owned(),
        step.provider.clone(),
        step.period.label(),
    )
}

/// The steps the log shows begun and not done, in the order they were begun.
pub async fn unfinished<A: AuditStore>(audit: &A) -> Result<Vec<Step>, CoreError> {
    Ok(history(audit).await?.0)
}

/// One read of the log's retention entries: the steps begun and not done, in the order
/// they were begun, and every period done, with the entry that says so.
async fn history<A: AuditStore>(
    audit: &A,
) -> Result<(Vec<Step>, BTreeMap<StepId, u64>), CoreError> {
    let mut open: BTreeMap<StepId, (u64, Step)> = BTreeMap::new();
    let mut done: BTreeMap<StepId, u64> = BTreeMap::new();
    for (seq, e) in of_kind(audit, "destruction").await? {
        let Event::Retention {
            step: phase,
            class,
            provider,
            period,
            records,
            indexes,
            keys,
            rule,
            due,
            ..
        } = e
        else {
            continue;
        };
        let id = (class.clone(), provider.clone(), period.clone());
        if phase != "begun" {
            open.remove(&id);
            done.insert(id, seq);
            continue;
        }
        let (Some(class), Some(period)) = (Class::parse(&class), Period::parse(&period)) else {
            return Err(CoreError::AuditBroken(format!(
                "destruction entry {seq} names a class or period tdip does not know"
            )));
        };
        let keys = keys
            .iter()
            .map(|k| u32::from_str_radix(k, 16))
            .collect::<Result<Vec<u32>, _>>()
            .map_err(|_| {
                CoreError::AuditBroken(format!("destruction entry {seq} names a key badly"))
            })?;
        let step = Step {
            class,
            provider,
            period,
            records,
            indexes,
            keys,
            rule,
            due,
        };
        open.insert(id, (seq, step));
    }
    let mut steps: Vec<(u64, Step)> = open.into_values().collect();
    steps.sort_by_key(|(seq, _)| *seq);
    Ok((steps.into_iter().map(|(_, s)| s).collect(), done))
}

/// Destroys what `step` names; doing it again destroys nothing more.
async fn carry_out<S, A>(
    store: &S,
    keys: &PointKeys,
    auditor: &Auditor<A>,
    step: &Step,
    now: i64,
    rotated: &mut Vec<String>,
) -> Result<(), CoreError>
where
    S: Store + TrafficStore + RetentionStore,
    A: AuditStore + 'static,
{
    match (step.class, step.period) {
        (Class::TrafficDay, Period::Day(day)) => {
            store.drop_traffic_day(day).await?;
        }
        (Class::TrafficKeys, Period::Month(_)) => destroy_keys(keys, &step.keys)?,
        (Class::Subscriber, Period::Month(m)) => {
            let range = step.period.closed_month()?.expect("a month");
            let live = keys.data().list()?;
            let stale_open_key = live.iter().any(|k| {
                k.provider == step.provider
                    && k.class == DataClass::Subscriber
                    && matches!(k.scope, Scope::Open(_))
                    && k.destroyed_at.is_none()
                    && k.created_at < range.to
            });
            if stale_open_key && !step.keys.is_empty() && !rotated.contains(&step.provider) {
                let r = rotate(store, keys, &step.provider).await?;
                auditor
                    .record(
                        now,
                        vec![Event::Config {
                            change: "open-key-rotated".into(),
                            subject: step.provider.clone(),
                            detail: format!(
                                "new key {:08x}; {} versions sealed again; before retention \
                                 destroyed {m}",
                                r.key.id, r.resealed
                            ),
                        }],
                    )
                    .await?;
                rotated.push(step.provider.clone());
            }
            destroy_keys(keys, &step.keys)?;
            store.delete_closed(&step.provider, range).await?;
            // Their index entries went in the same transaction as the versions.
            if store.closed_versions_in(&step.provider, range).await? != 0 {
                return Err(CoreError::Internal(
                    "closed versions of a destroyed month are still in the store",
                ));
            }
        }
        (Class::Payment, Period::Month(m)) => {
            // The keys first: from then on every copy of the month's payments is
            // unreadable; the rows go after, and a stop between the two is finished by the
            // next run.
            destroy_keys(keys, &step.keys)?;
            store.delete_payments(&step.provider, m.index()).await?;
            if store.payments_in(&step.provider, m.index()).await? != 0 {
                return Err(CoreError::Internal(
                    "payments of a destroyed month are still in the store",
                ));
            }
        }
        _ => {
            return Err(CoreError::Internal(
                "a retention step's class and period do not go together",
            ));
        }
    }
    Ok(())
}

/// Destroys each key that is still live (a key destroyed already, by this step before a
/// stop or by `tdip keys shred`, is left as it is).
fn destroy_keys(keys: &PointKeys, ids: &[u32]) -> Result<(), CoreError> {
    let listed = keys.data().list()?;
    for id in ids {
        let live = listed
            .iter()
            .any(|k| k.id == *id && k.destroyed_at.is_none());
        let tomb = listed
            .iter()
            .any(|k| k.id == *id && k.destroyed_at.is_some());
        if live {
            keys.data().destroy(*id)?;
        } else if !tomb {
            return Err(CoreError::Config(format!(
                "data key {id:08x} named by a retention step is not in the key directory (neither \
                 live nor destroyed): the key directory is not this point's"
            )));
        }
    }
    Ok(())
}

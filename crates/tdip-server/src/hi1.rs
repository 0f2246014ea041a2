//! `POST /hi1`: ETSI TS 103 120 requests from agencies' systems. A CREATE of a task is
//! judged (tdip's profile, the catalogue), each identifier it asks about is consulted and
//! logged like any lookup, and the answer is kept as a `DeliveryObject` for the sender to
//! GET; GET and LIST answer from the tasks kept. Tasks and their records are kept in
//! memory only, for [`KEPT`], and never written to disk: the audit log holds every
//! consultation, sealed.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::State as Shared;
use axum::http::header::CONTENT_TYPE;
use axum::response::{IntoResponse, Response};
use jiff::Timestamp;
use tdip_access::RefusalCode;
use tdip_core::consult::{self, Channel, ConsultError};
use tdip_core::lookup::{Query, When};
use tdip_hi1::{
    Body, DeliveryView, Hi1Code, LdTask, Listed, Object, Outcome, Record, Request, TaskStatus,
    TaskView, Verb,
};

use super::State;
use crate::error::ApiError;
use tdip_point::callers::{Caller, Role};

/// How long a task and its delivery are kept for the sender to fetch.
pub const KEPT: Duration = Duration::from_secs(24 * 3600);

/// The point's own identifier as owner of the deliveries it makes.
const OWNER: &str = "tdip";

/// The tasks created through HI-1, by object identifier, and the order they expire in.
#[derive(Default)]
pub struct Tasks {
    kept: Mutex<TaskBook>,
}

/// The kept tasks and deliveries themselves, behind [`Tasks`]' lock (in memory; not the
/// database's `Store`).
#[derive(Default)]
struct TaskBook {
    by_id: HashMap<String, Kept>,
    /// Identifiers oldest first: expired ones are dropped from the front as new ones come.
    order: VecDeque<(Instant, String)>,
}

/// A task or delivery, with the agency that may see it.
struct Kept {
    agency: String,
    at: Instant,
    object: Kind,
}

/// Boxed, so that the map moves small entries when it grows.
enum Kind {
    Task(Box<TaskView>),
    Delivery(Arc<DeliveryView>),
}

impl Tasks {
    fn keep(&self, agency: &str, id: String, object: Kind) {
        let mut kept = self.kept.lock().unwrap_or_else(|e| e.into_inner());
        let now = Instant::now();
        while let Some((at, _)) = kept.order.front() {
            if now.duration_since(*at) < KEPT {
                break;
            }
            if let Some((at, old)) = kept.order.pop_front() {
                // Unless the identifier was kept again since.
                if kept.by_id.get(&old).is_some_and(|k| k.at == at) {
                    kept.by_id.remove(&old);
                }
            }
        }
        kept.order.push_back((now, id.clone()));
        kept.by_id.insert(
            id,
            Kept {
                agency: agency.to_owned(),
                at: now,
                object,
            },
        );
    }

    fn get(&self, agency: &str, id: &str) -> Outcome {
        let kept = self.kept.lock().unwrap_or_else(|e| e.into_inner());
        match kept.by_id.get(id) {
            Some(k) if k.agency == agency && k.at.elapsed() < KEPT => match &k.object {
                Kind::Task(t) => Outcome::Got(TaskView::clone(t)),
                Kind::Delivery(d) => Outcome::Delivered(DeliveryView::clone(d)),
            },
            _ => Outcome::Failed {
                code: Hi1Code::UnknownObject,
                description: format!(
                    "no object {id} is kept for this sender: tasks and deliveries are kept for \
                     {} hours after they are created",
                    KEPT.as_secs() / 3600
                ),
            },
        }
    }

    /// The sender's objects, of the `ObjectType` asked (`LDTask`, `Delivery`) or all.
    fn list(&self, agency: &str, of: Option<&str>) -> Outcome {
        let kept = self.kept.lock().unwrap_or_else(|e| e.into_inner());
        let mut listed: Vec<Listed> = kept
            .by_id
            .iter()
            .filter(|(_, k)| k.agency == agency && k.at.elapsed() < KEPT)
            .map(|(id, k)| match &k.object {
                Kind::Task(t) => Listed {
                    kind: "LDTask",
                    object: id.clone(),
                    generation: t.generation,
                    last_changed: t.last_changed,
                },
                Kind::Delivery(d) => Listed {
                    kind: "Delivery",
                    object: id.clone(),
                    generation: d.generation,
                    last_changed: d.last_changed,
                },
            })
            .filter(|l| of.is_none_or(|kind| kind == l.kind))
            .collect();
        listed.sort_by(|a, b| (a.last_changed, &a.object).cmp(&(b.last_changed, &b.object)));
        Outcome::Listed(listed)
    }
}

/// Answers an HI-1 message from an agency's system with the response to each action.
pub async fn hi1(
    Shared(state): Shared<Arc<State>>,
    crate::api::Authenticated(caller): crate::api::Authenticated,
    body: Bytes,
) -> Response {
    match respond(&state, &caller, &body).await {
        Ok(xml) => ([(CONTENT_TYPE, "application/xml")], xml).into_response(),
        Err(e) => e.into_response(),
    }
}

async fn respond(state: &State, caller: &Caller, body: &[u8]) -> Result<String, ApiError> {
    let Role::Agency(agency) = &caller.role else {
        return Err(ApiError::forbidden(format!(
            "only agencies send HI-1 requests; this caller is the {}",
            caller.role.describe()
        )));
    };
    let xml = std::str::from_utf8(body)
        .map_err(|_| ApiError::bad_request("the HI-1 message is not UTF-8 text"))?;
    // A message that cannot be read has no header to answer to.
    let request = tdip_hi1::parse_request(xml).map_err(|e| {
        ApiError::bad_request(format!(
            "the HI-1 message cannot be read (code {}): {e}",
            Hi1Code::Unreadable
        ))
    })?;
    let point = state.point().ok_or_else(ApiError::sealed)?;
    let now = state.clock.now();
    let verdicts = tdip_hi1::judge_for(&request, agency, &state.catalogue);
    let mut answers = Vec::new();
    for (action, (id, verdict)) in request.actions.iter().zip(verdicts) {
        let outcome = match (&action.verb, &action.object) {
            (Verb::Get, _) => match &action.target {
                Some(target) => state.tasks.get(agency, target),
                None => verdict,
            },
            (Verb::List, _) => state.tasks.list(agency, action.list_type.as_deref()),
            (Verb::Create, Some(Object::LdTask(task))) => {
                let (status, reason, delivery) = match &verdict {
                    Outcome::Created(_) => {
                        disclose(state, &point, &request, task, agency, now).await
                    }
                    Outcome::Failed { code, description } => (
                        TaskStatus::Rejected,
                        Some((*code, description.clone())),
                        None,
                    ),
                    _ => (TaskStatus::Error, None, None),
                };
                keep_task(state, agency, task, status, reason, delivery, now);
                verdict
            }
            _ => verdict,
        };
        super::metrics::hi1_action(action.verb.as_str(), outcome_name(&outcome));
        answers.push((id, outcome));
    }
    Ok(tdip_hi1::Response {
        to: request.header,
        at: Timestamp::from_second(now).map_err(|e| ApiError::internal(&e))?,
        body: Body::Actions(answers),
    }
    .to_xml())
}

fn outcome_name(o: &Outcome) -> &'static str {
    match o {
        Outcome::Created(_) => "created",
        Outcome::Got(_) | Outcome::Delivered(_) => "got",
        Outcome::Listed(_) => "listed",
        Outcome::Failed { .. } => "failed",
    }
}

/// Keeps the task as it stands, and its delivery if one was made.
fn keep_task(
    state: &State,
    agency: &str,
    task: &LdTask,
    status: TaskStatus,
    reason: Option<(Hi1Code, String)>,
    delivery: Option<DeliveryView>,
    now: i64,
) {
    let at = Timestamp::from_second(now).unwrap_or(Timestamp::UNIX_EPOCH);
    if let Some(d) = delivery {
        state
            .tasks
            .keep(agency, d.object.clone(), Kind::Delivery(Arc::new(d)));
    }
    let view = TaskView {
        object: task.object.clone(),
        country: state.country().to_owned(),
        owner: agency.to_owned(),
        generation: 1,
        associated: task.associated.clone(),
        last_changed: at,
        reference: task.reference.clone(),
        status,
        reason,
    };
    state
        .tasks
        .keep(agency, task.object.clone(), Kind::Task(Box::new(view)));
}

/// Consults every identifier the task asks about; the task's status, why, and the
/// delivery holding the records.
async fn disclose(
    state: &State,
    point: &tdip_point::point::Point,
    request: &Request,
    task: &LdTask,
    agency: &str,
    now: i64,
) -> (TaskStatus, Option<(Hi1Code, String)>, Option<DeliveryView>) {
    let demands = match tdip_hi1::authorisation_of(request, task)
        .ok_or_else(|| "no authorisation".to_owned())
        .and_then(|auth| tdip_hi1::demands(auth, task, agency).map_err(|e| e.to_string()))
    {
        Ok(d) => d,
        Err(why) => return (TaskStatus::Rejected, Some((Hi1Code::Profile, why)), None),
    };
    let p = point.consulting(&state.catalogue, &state.deadlines, state.zone);
    let mut records = Vec::new();
    for ((demand, sought), value) in demands.iter().zip(&task.values) {
        let query = Query {
            kind: sought.kind,
            value: sought.value.clone(),
            when: if sought.from == sought.to {
                When::At { at: sought.from }
            } else {
                When::Between {
                    from: sought.from,
                    to: sought.to,
                }
            },
            // HI-1 numbers are international; the agency's jurisdiction reads any other.
            default_country: None,
        };
        match consult::consult(&p, demand, &query, Channel::Hi1, now).await {
            Ok(done) => {
                super::metrics::consultation("hi1", "answered");
                for hit in done.answer.hits {
                    records.push(Record {
                        format: value.format.clone(),
                        searched: done.answer.searched.value.clone(),
                        provider: hit.provider,
                        provider_name: hit.provider_name,
                        valid_from: ts(hit.valid_from),
                        valid_to: hit.valid_to.map(ts),
                        basis: crate::wire::basis(hit.basis).kind().to_owned(),
                        subscription: hit.subscription,
                    });
                }
            }
            Err(ConsultError::Refused {
                consultation,
                code: refusal,
                reason,
            }) => {
                super::metrics::consultation("hi1", refusal);
                let why = format!(
                    "task {}: {reason} (consultation {consultation})",
                    task.reference
                );
                return (TaskStatus::Rejected, Some((Hi1Code::Refused, why)), None);
            }
            Err(ConsultError::Core(e)) => {
                super::metrics::consultation("hi1", RefusalCode::Failed.as_str());
                tracing::error!("HI-1 task failed: {e}");
                let why = "the point failed to answer; ask again later".to_owned();
                return (TaskStatus::Error, Some((Hi1Code::Unreadable, why)), None);
            }
        }
    }
    if records.is_empty() {
        let why = format!(
            "task {}: no provider's deliveries show the identifiers asked about in the period asked",
            task.reference
        );
        return (
            TaskStatus::DisclosureNotAvailable,
            Some((Hi1Code::NoData, why)),
            None,
        );
    }
    let delivery = DeliveryView {
        object: uuid(),
        country: state.country().to_owned(),
        owner: OWNER.to_owned(),
        generation: 1,
        associated: vec![task.object.clone()],
        last_changed: ts(now),
        reference: task.reference.clone(),
        delivery_id: uuid(),
        records,
    };
    (TaskStatus::Disclosed, None, Some(delivery))
}

fn ts(s: i64) -> Timestamp {
    Timestamp::from_second(s).unwrap_or(Timestamp::UNIX_EPOCH)
}

/// A random (version 4) UUID, as HI-1 object identifiers are.
fn uuid() -> String {
    let mut b = [0u8; 16];
    // Without the system's randomness nothing else works either.
    getrandom::fill(&mut b).expect("the system's random generator");
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h = hex::encode(b);
    format!(
        "{}-{}-{}-{}-{}",
        &h[..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..]
    )
}

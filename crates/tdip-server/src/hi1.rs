//! `POST /hi1`: ETSI TS 103 120 requests from agencies' systems. Each action is judged on
//! its own (tdip's profile, the catalogue): a CREATE of an authorisation keeps it for tasks
//! to rest on, now or in later messages; a CREATE of a task consults every identifier it
//! asks about (logged like any lookup), keeps the task and its `DeliveryObject` for GET and
//! LIST, and pushes the delivery to the destination the task names. One rule for refusals:
//! a CREATE refused for any reason is answered with `ErrorInformation` and keeps nothing.
//! What is kept lives in memory only ([`hi1_book`](crate::hi1_book)), never on disk: the
//! audit log holds every consultation, sealed.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State as Shared;
use axum::http::header::CONTENT_TYPE;
use axum::response::{IntoResponse, Response};
use jiff::Timestamp;
use tdip_access::RefusalCode;
use tdip_core::consult::{self, Channel, ConsultError};
use tdip_core::lookup::{Query, When};
use tdip_hi1::{
    Address, Body, Deliver, DeliveryView, Hi1Code, LdTask, Object, Outcome, Record, Request,
    TaskStatus, TaskView, Unreadable, Verb,
};

use super::State;
use crate::error::ApiError;
use crate::hi1_book::{Book, Resend};
use crate::hi1_push::{Attempt, Label, Pusher};
use tdip_point::callers::{Caller, Role};

/// The point's own identifier as owner of the deliveries it makes.
const OWNER: &str = "tdip";

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
    let now = state.clock.now();
    let at = Timestamp::from_second(now).map_err(|e| ApiError::internal(&e))?;
    let request = match tdip_hi1::parse_request(xml) {
        Ok(r) => r,
        // A header to answer to: ETSI's message-level ErrorInformation.
        Err(Unreadable {
            header: Some(to),
            error,
        }) => {
            super::metrics::hi1_action("message", "failed");
            let body = Body::Error {
                code: Hi1Code::Unreadable,
                description: error.to_string(),
            };
            return Ok(tdip_hi1::Response { to, at, body }.to_xml());
        }
        // Nothing to answer to in HI-1.
        Err(Unreadable {
            header: None,
            error,
        }) => {
            return Err(ApiError::bad_request(format!(
                "the HI-1 message cannot be read (code {}): {error}",
                Hi1Code::Unreadable
            )));
        }
    };
    let point = state.point().ok_or_else(ApiError::sealed)?;
    let book = &state.tasks;
    let kept = |id: &str| book.authorisation(agency, id);
    let verdicts = tdip_hi1::judge_for(&request, agency, &state.catalogue, &kept, now);
    let mut answers = Vec::new();
    for (action, (id, verdict)) in request.actions.iter().zip(verdicts) {
        let outcome = match (&action.verb, &action.object) {
            (Verb::Get, _) => match &action.target {
                Some(target) => book.get(agency, target),
                None => verdict,
            },
            (Verb::List, _) => book.list(agency, action.list_type.as_deref()),
            (Verb::Create, Some(object)) => {
                let object_id = match object {
                    Object::Authorisation(a) => Some(&a.object),
                    Object::LdTask(t) => Some(&t.object),
                    Object::Other(_) => None,
                };
                match object_id.map(|o| (o, book.resend(agency, o, action.received.as_ref()))) {
                    Some((o, Resend::Identical)) => Outcome::Created(o.clone()),
                    Some((o, Resend::Different)) => Outcome::Failed {
                        code: Hi1Code::Exists,
                        description: format!(
                            "action {id}: an object {o} is already kept for this sender, with \
                             other content; give a new ObjectIdentifier (an authorisation is \
                             changed with UPDATE)"
                        ),
                    },
                    _ if matches!(verdict, Outcome::Created(_)) && book.full(agency) => {
                        Outcome::Failed {
                            code: Hi1Code::Full,
                            description: format!(
                                "action {id}: the point keeps {} objects for this sender, the most \
                             it keeps for one; send the CREATE again once older ones expire \
                             (tasks and deliveries after 24 hours)",
                                book.most()
                            ),
                        }
                    }
                    _ => create(state, &point, &request, action, object, verdict, agency, at).await,
                }
            }
            (Verb::Update, Some(Object::Authorisation(auth))) => {
                if let (Outcome::Updated(_), Some(received)) = (&verdict, &action.received) {
                    book.keep_authorisation(agency, auth.clone(), received.clone(), at);
                }
                verdict
            }
            _ => verdict,
        };
        super::metrics::hi1_action(action.verb.as_str(), outcome_name(&outcome));
        answers.push((id, outcome));
    }
    Ok(tdip_hi1::Response {
        to: request.header,
        at,
        body: Body::Actions(answers),
    }
    .to_xml())
}

/// Carries out a CREATE the judge let through (anything else is answered with its verdict
/// and keeps nothing).
#[allow(clippy::too_many_arguments)]
async fn create(
    state: &State,
    point: &tdip_point::point::Point,
    request: &Request,
    action: &tdip_hi1::Action,
    object: &Object,
    verdict: Outcome,
    agency: &str,
    at: Timestamp,
) -> Outcome {
    let Outcome::Created(_) = &verdict else {
        return verdict;
    };
    let Some(received) = action.received.clone() else {
        return verdict;
    };
    match object {
        Object::Authorisation(auth) => {
            state
                .tasks
                .keep_authorisation(agency, auth.clone(), received, at);
            verdict
        }
        Object::LdTask(task) => {
            let pushes = task.destinations.iter().any(|d| d.address.is_some());
            let pusher = match (pushes, state.push.clone()) {
                (false, _) => None,
                (true, Some(p)) => Some(p),
                (true, None) => {
                    return Outcome::Failed {
                        code: Hi1Code::Profile,
                        description: format!(
                            "action {}: task {} names a DeliveryAddress, but this point pushes \
                             no deliveries (its operator configured no push certificate); leave \
                             DeliveryAddress out and fetch the delivery with GET",
                            action.id,
                            task.label()
                        ),
                    };
                }
            };
            disclose_and_keep(state, point, request, task, agency, at, received, pusher)
                .await
                .unwrap_or(verdict)
        }
        Object::Other(_) => verdict,
    }
}

/// Consults the task, keeps it (and its delivery), and starts its pushes: `None` when it
/// was answered (the caller answers `CREATEResponse`), or the refusal.
#[allow(clippy::too_many_arguments)]
async fn disclose_and_keep(
    state: &State,
    point: &tdip_point::point::Point,
    request: &Request,
    task: &LdTask,
    agency: &str,
    at: Timestamp,
    received: tdip_hi1::Received,
    pusher: Option<Arc<Pusher>>,
) -> Option<Outcome> {
    let (status, reason, delivery) =
        match disclose(state, point, request, task, agency, at.as_second()).await {
            Ok(answered) => answered,
            Err(refused) => return Some(refused),
        };
    let delivery = delivery.map(Arc::new);
    if let Some(d) = &delivery {
        state.tasks.keep_delivery(agency, d.clone());
    }
    state.tasks.keep_task(
        agency,
        TaskView {
            object: task.object.clone(),
            country: state.country().to_owned(),
            owner: agency.to_owned(),
            generation: 1,
            associated: task.associated.clone(),
            last_changed: at,
            reference: task.label().to_owned(),
            status,
            reason,
            received: Some(received),
        },
    );
    if let (Some(pusher), Some(delivery)) = (pusher, delivery) {
        for destination in &task.destinations {
            let Some(Address::Https(url)) = &destination.address else {
                continue;
            };
            let mut d = DeliveryView::clone(&delivery);
            d.format = destination.format;
            let message = Deliver {
                to: request.header.clone(),
                transaction: uuid(),
                at,
                delivery: d,
            }
            .to_xml();
            tokio::spawn(push(
                state.tasks.clone(),
                pusher.clone(),
                state.clock.clone(),
                Pushing {
                    agency: agency.to_owned(),
                    task: task.object.clone(),
                    delivery: delivery.object.clone(),
                    url: url.clone(),
                    message,
                },
            ));
        }
    }
    None
}

/// One delivery on its way to one destination.
struct Pushing {
    agency: String,
    task: String,
    delivery: String,
    url: String,
    message: String,
}

/// Pushes one delivery; a push given up sets its task's status to `Error` with why.
async fn push(book: Arc<Book>, pusher: Arc<Pusher>, clock: tdip_point::SharedClock, p: Pushing) {
    let label = Label {
        task: &p.task,
        delivery: &p.delivery,
        agency: &p.agency,
    };
    let (outcome, attempts) = pusher.push(&p.url, &p.message, &label).await;
    let why = match outcome {
        Attempt::Delivered => return,
        Attempt::Refused(why) => format!("the receiver refused it: {why}"),
        Attempt::Failed(why) => format!("{why}, after {attempts} attempts"),
    };
    let reason = format!(
        "delivery {} could not be pushed to {}: {why}; fetch it with GET",
        p.delivery,
        crate::hi1_push::host_of(&p.url)
    );
    let now = Timestamp::from_second(clock.now()).unwrap_or(Timestamp::UNIX_EPOCH);
    book.set_status(
        &p.agency,
        &p.task,
        TaskStatus::Error,
        Some((Hi1Code::NotDelivered, reason)),
        now,
    );
}

fn outcome_name(o: &Outcome) -> &'static str {
    match o {
        Outcome::Created(_) => "created",
        Outcome::Updated(_) => "updated",
        Outcome::Got(_) | Outcome::Delivered(_) | Outcome::GotAuthorisation(_) => "got",
        Outcome::Listed(_) => "listed",
        Outcome::Failed { .. } => "failed",
    }
}

/// The task's status, why, and the delivery holding the records.
type Answered = (TaskStatus, Option<(Hi1Code, String)>, Option<DeliveryView>);

/// Consults every identifier the task asks about: the task answered, or why it is refused
/// (as the CREATE's `ErrorInformation`; nothing is kept then).
async fn disclose(
    state: &State,
    point: &tdip_point::point::Point,
    request: &Request,
    task: &LdTask,
    agency: &str,
    now: i64,
) -> Result<Answered, Outcome> {
    let fail = |code, description: String| Outcome::Failed { code, description };
    let kept = |id: &str| state.tasks.authorisation(agency, id);
    let demands = tdip_hi1::authorisation_of(request, task, &kept)
        .ok_or_else(|| format!("task {}: its authorisation is not kept", task.label()))
        .and_then(|auth| tdip_hi1::demands(&auth, task, agency).map_err(|e| e.to_string()))
        .map_err(|why| fail(Hi1Code::Profile, why))?;
    let p = point.consulting(&state.catalogue, &state.deadlines, state.zone);
    let mut records = Vec::new();
    for (demand, sought) in &demands {
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
                        format: sought.format.clone(),
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
                    task.label()
                );
                return Err(fail(Hi1Code::Refused, why));
            }
            Err(ConsultError::Core(e)) => {
                super::metrics::consultation("hi1", RefusalCode::Failed.as_str());
                tracing::error!("HI-1 task failed: {e}");
                let why = format!(
                    "task {}: the point failed to answer; send the task again later",
                    task.label()
                );
                return Err(fail(Hi1Code::Unreadable, why));
            }
        }
    }
    if records.is_empty() {
        let why = format!(
            "task {}: no provider's deliveries show the identifiers asked about in the period asked",
            task.label()
        );
        return Ok((
            TaskStatus::DisclosureNotAvailable,
            Some((Hi1Code::NoData, why)),
            None,
        ));
    }
    let delivery = DeliveryView {
        object: uuid(),
        country: state.country().to_owned(),
        owner: OWNER.to_owned(),
        generation: 1,
        associated: vec![task.object.clone()],
        last_changed: ts(now),
        reference: task.label().to_owned(),
        delivery_id: uuid(),
        records,
        format: task
            .destinations
            .first()
            .map(|d| d.format)
            .unwrap_or_default(),
        requester: request.header.sender.clone(),
    };
    Ok((TaskStatus::Disclosed, None, Some(delivery)))
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

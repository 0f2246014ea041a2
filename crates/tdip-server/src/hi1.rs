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
use tdip_hi1::{Address, Body, Hi1Code, Object, Outcome, Request, Unreadable, Verb};

use super::State;
use crate::error::ApiError;
use crate::hi1_book::{Book, Claim};
use tdip_point::callers::{Caller, Role};

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
                match (object_id, &action.received) {
                    (Some(o), Some(received)) => {
                        let creating = matches!(verdict, Outcome::Created(_));
                        match book.claim(agency, o, received, creating) {
                            Claim::Identical => Outcome::Created(o.clone()),
                            Claim::Different => exists(
                                &id,
                                o,
                                "is already kept for this sender, with other content; give a new ObjectIdentifier (an authorisation is changed with UPDATE)",
                            ),
                            Claim::InFlight => exists(
                                &id,
                                o,
                                "is being created by another request of this sender right now; send it again in a moment",
                            ),
                            Claim::Full if creating => Outcome::Failed {
                                code: Hi1Code::Full,
                                description: format!(
                                    "action {id}: the point keeps {} objects for this sender, \
                                     the most it keeps for one; send the CREATE again once \
                                     older ones expire (tasks and deliveries after 24 hours)",
                                    book.most()
                                ),
                            },
                            Claim::Full => verdict,
                            Claim::New => {
                                // Released if the CREATE is refused, or the request dropped
                                // half-way (a client that hung up): a resend then starts anew.
                                let _reserved = Reserved {
                                    book,
                                    agency,
                                    id: o,
                                };
                                create(state, &point, &request, action, object, verdict, agency, at)
                                    .await
                            }
                        }
                    }
                    _ => verdict,
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

/// An identifier reserved in the book for a CREATE being carried out; released when
/// dropped unless the object was kept under it meanwhile.
struct Reserved<'a> {
    book: &'a Book,
    agency: &'a str,
    id: &'a str,
}

impl Drop for Reserved<'_> {
    fn drop(&mut self) {
        self.book.release(self.agency, self.id);
    }
}

/// Action `action`'s CREATE of `object`, refused with 2004 as `why` says.
fn exists(action: &str, object: &str, why: &str) -> Outcome {
    Outcome::Failed {
        code: Hi1Code::Exists,
        description: format!("action {action}: an object {object} {why}"),
    }
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
            // Only where the agency's own systems said its deliveries may go.
            let allowed = state.callers.push_destinations(agency);
            let unlisted = task.destinations.iter().find_map(|d| match &d.address {
                Some(Address::Https(url)) if !crate::hi1_push::listed(url, allowed) => Some(url),
                _ => None,
            });
            if let Some(url) = unlisted {
                return Outcome::Failed {
                    code: Hi1Code::Profile,
                    description: format!(
                        "action {}: task {} names a DeliveryAddress ({}) that no system of \
                         {agency} lists as a push destination (push_to in the point's \
                         clients.toml); ask the point's operator to list it, or leave \
                         DeliveryAddress out and fetch the delivery with GET",
                        action.id,
                        task.label(),
                        crate::hi1_push::host_of(url)
                    ),
                };
            }
            crate::hi1_disclose::disclose_and_keep(
                state, point, request, task, agency, at, received, pusher,
            )
            .await
            .unwrap_or(verdict)
        }
        Object::Other(_) => verdict,
    }
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

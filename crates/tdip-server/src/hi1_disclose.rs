//! A task that passed the judge, carried out: every identifier it asks about consulted
//! (and logged), the task and its `DeliveryObject` kept for GET and LIST, and the delivery
//! pushed to each destination the task names, a push given up shown in the task's status.

use std::sync::Arc;

use jiff::Timestamp;
use tdip_access::RefusalCode;
use tdip_core::consult::{self, Channel, ConsultError};
use tdip_core::lookup::{Query, When};
use tdip_hi1::{
    Address, Deliver, DeliveryView, Hi1Code, LdTask, Outcome, Record, Request, TaskStatus, TaskView,
};

use super::State;
use crate::hi1_book::Book;
use crate::hi1_push::{Attempt, Label, Pusher};

/// The point's own identifier as owner of the deliveries it makes.
const OWNER: &str = "tdip";

/// Consults the task, keeps it (and its delivery), and starts its pushes: `None` when it
/// was answered (the caller answers `CREATEResponse`), or the refusal.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn disclose_and_keep(
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
        let done = if sought.format == tdip_hi1::IP_ADDRESS_PORT {
            identify(&p, demand, sought, now).await
        } else {
            consult::consult(&p, demand, &query, Channel::Hi1, now).await
        };
        match done {
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
        comms: Vec::new(),
        format: task
            .destinations
            .first()
            .map(|d| d.format)
            .unwrap_or_default(),
        requester: request.header.sender.clone(),
    };
    Ok((TaskStatus::Disclosed, None, Some(delivery)))
}

/// An `IPAddressPort` value consulted through the retained traffic data, its answer put
/// as a lookup's: the subscriber versions every candidate leads to (the chain of evidence
/// itself is the JSON API's `POST /v1/traffic/lookups`).
async fn identify(
    p: &tdip_core::consult::Consulting<
        '_,
        tdip_point::store::AnyStore,
        tdip_point::audit_store::AnyAudit,
    >,
    demand: &tdip_access::Demand,
    sought: &tdip_hi1::Sought,
    now: i64,
) -> Result<consult::Consulted, ConsultError> {
    use tdip_core::traffic::consult::{TrafficAnswer, TrafficAsk, consult_traffic};
    use tdip_core::traffic::identify::Identify;
    let (address, port) = tdip_hi1::address_port(&sought.value).ok_or(ConsultError::Core(
        tdip_core::CoreError::Internal("an IPAddressPort value read once no longer reads"),
    ))?;
    let ask = TrafficAsk::Identify(Identify {
        address: address.to_string(),
        port: Some(port),
        at: sought.from,
        tolerance: 0,
    });
    let done = consult_traffic(p, demand, &ask, Channel::Hi1, now).await?;
    let TrafficAnswer::Identified(identified) = done.answer else {
        return Err(ConsultError::Core(tdip_core::CoreError::Internal(
            "an identification was answered as records",
        )));
    };
    Ok(consult::Consulted {
        consultation: done.consultation,
        grant: done.grant,
        due: done.due,
        answer: tdip_core::lookup::Answer {
            searched: tdip_core::lookup::Searched {
                kind: identified.searched.kind,
                value: sought.value.clone(),
            },
            kind: "ip",
            when: When::At { at: identified.at },
            hits: identified
                .candidates
                .into_iter()
                .flat_map(|c| c.subscriber)
                .collect(),
        },
    })
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

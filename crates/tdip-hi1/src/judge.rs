//! What tdip makes of each action of a request before any data is looked up: which it
//! can carry out and which it refuses, and why. Authorisations kept from earlier messages
//! are looked up through the caller (`kept`); the catalogue, the officer registry and
//! the lookup come after, in the service.

use jiff::Timestamp;
use tdip_access::Catalogue;

use crate::Hi1Error;
use crate::code::{Hi1Code, Verb};
use crate::profile::demands;
use crate::request::{Action, Authorisation, LdTask, Object, Request};
use crate::response::{Outcome, seconds};

/// The outcome of every action, in order, by action identifier. `kept` looks up an
/// authorisation kept from an earlier message by its object identifier (`&|_| None`
/// where nothing is kept); `now` (UTC seconds) is when authorisations must be in force.
pub fn judge(
    r: &Request,
    kept: &dyn Fn(&str) -> Option<Authorisation>,
    now: i64,
) -> Vec<(String, Outcome)> {
    r.actions
        .iter()
        .map(|a| (a.id.clone(), outcome(r, a, kept, now)))
        .collect()
}

/// As [`judge`], and each task that passes is also read as the demands it makes for
/// `agency` (tdip's profile) and judged against `catalogue`.
pub fn judge_for(
    r: &Request,
    agency: &str,
    catalogue: &Catalogue,
    kept: &dyn Fn(&str) -> Option<Authorisation>,
    now: i64,
) -> Vec<(String, Outcome)> {
    judge(r, kept, now)
        .into_iter()
        .zip(&r.actions)
        .map(|((id, outcome), a)| {
            let Outcome::Created(_) = &outcome else {
                return (id, outcome);
            };
            let Some(Object::LdTask(task)) = &a.object else {
                return (id, outcome);
            };
            let Some(auth) = authorisation_of(r, task, kept) else {
                return (id, outcome);
            };
            let fail = |code, why: String| Outcome::Failed {
                code,
                description: format!("action {id}: {why}"),
            };
            let verdict = match demands(&auth, task, agency) {
                Err(e) => fail(Hi1Code::Profile, e.to_string()),
                Ok(ds) => ds
                    .iter()
                    .find_map(|(d, _)| catalogue.authorise(d).err())
                    .map_or(outcome, |refusal| {
                        fail(
                            Hi1Code::Refused,
                            format!("task {}: {refusal}", task.label()),
                        )
                    }),
            };
            (id, verdict)
        })
        .collect()
}

fn outcome(
    r: &Request,
    a: &Action,
    kept: &dyn Fn(&str) -> Option<Authorisation>,
    now: i64,
) -> Outcome {
    let fail = |code, why: String| Outcome::Failed {
        code,
        description: format!("action {}: {why}", a.id),
    };
    if let Some((code, description)) = &a.problem {
        return Outcome::Failed {
            code: *code,
            description: description.clone(),
        };
    }
    match (&a.verb, &a.object) {
        (Verb::Create | Verb::Update, Some(Object::Other(kind))) => fail(
            Hi1Code::Object,
            format!("tdip accepts AuthorisationObject and LDTaskObject, not {kind}"),
        ),
        (Verb::Create | Verb::Update, None) => {
            fail(Hi1Code::Object, format!("{} without an HI1Object", a.verb))
        }
        (Verb::Create, Some(Object::Authorisation(auth))) => Outcome::Created(auth.object.clone()),
        (Verb::Create, Some(Object::LdTask(task))) => match task_problem(r, task, kept, now) {
            None => Outcome::Created(task.object.clone()),
            Some((code, why)) => fail(code, why),
        },
        (Verb::Update, Some(Object::Authorisation(auth))) => {
            if known(r, a, &auth.object, kept) {
                Outcome::Updated(auth.object.clone())
            } else {
                fail(
                    Hi1Code::UnknownObject,
                    format!(
                        "UPDATE of authorisation {}, which was not created in this message \
                         or earlier and is not kept (docs/hi1.md); CREATE it",
                        auth.object
                    ),
                )
            }
        }
        (Verb::Update, Some(Object::LdTask(task))) => fail(
            Hi1Code::Verb,
            format!(
                "UPDATE of task {}: tdip does not change a task once answered; CREATE a new \
                 task (a cancellation is not supported)",
                task.label()
            ),
        ),
        (Verb::Get | Verb::List, _) => fail(
            Hi1Code::Verb,
            format!(
                "{} is answered by the service (tdip serve, POST /hi1) from the \
                 authorisations, tasks and deliveries it keeps; here only CREATE (of an \
                 AuthorisationObject or LDTaskObject) and UPDATE (of an AuthorisationObject) \
                 are judged",
                a.verb
            ),
        ),
        (Verb::Deliver, _) => fail(
            Hi1Code::Verb,
            "DELIVER is not taken: the point sends DELIVER, it takes none".into(),
        ),
        (Verb::Other(name), _) => fail(
            Hi1Code::Verb,
            format!(
                "{name} is not an HI-1 verb; tdip takes CREATE and UPDATE (and GET and LIST \
                 in the service)"
            ),
        ),
    }
}

/// Whether authorisation `id` exists for an UPDATE in `a`: created or updated earlier in
/// the message, or kept.
fn known(r: &Request, a: &Action, id: &str, kept: &dyn Fn(&str) -> Option<Authorisation>) -> bool {
    let earlier = r
        .actions
        .iter()
        .take_while(|b| !std::ptr::eq(*b, a))
        .any(|b| {
            b.verb == Verb::Create
                && b.problem.is_none()
                && matches!(&b.object, Some(Object::Authorisation(x)) if x.object == id)
        });
    earlier || kept(id).is_some()
}

/// The authorisation `task` is associated with: the last one CREATEd (or UPDATEd, where
/// that succeeds) in `r`, else one `kept` from an earlier message.
pub fn authorisation_of(
    r: &Request,
    task: &LdTask,
    kept: &dyn Fn(&str) -> Option<Authorisation>,
) -> Option<Authorisation> {
    let in_message = r
        .actions
        .iter()
        .rev()
        .find_map(|a| match (&a.verb, &a.object) {
            (Verb::Create | Verb::Update, Some(Object::Authorisation(auth)))
                if a.problem.is_none()
                    && task.associated.contains(&auth.object)
                    && (a.verb == Verb::Create || known(r, a, &auth.object, kept)) =>
            {
                Some(auth.clone())
            }
            _ => None,
        });
    in_message.or_else(|| task.associated.iter().find_map(|id| kept(id)))
}

/// A moment as an ETSI QualifiedDateTime, for error texts.
fn when(t: i64) -> String {
    Timestamp::from_second(t).map_or_else(|_| t.to_string(), seconds)
}

fn task_problem(
    r: &Request,
    task: &LdTask,
    kept: &dyn Fn(&str) -> Option<Authorisation>,
    now: i64,
) -> Option<(Hi1Code, String)> {
    let label = task.label();
    let Some(auth) = authorisation_of(r, task, kept) else {
        // Its authorisation is in this message, but that action was refused: say so.
        let refused = r.actions.iter().find_map(|a| {
            let id = a.object_id.as_ref()?;
            let (code, _) = a.problem.as_ref()?;
            task.associated.contains(id).then_some((a, id, code))
        });
        if let Some((a, id, code)) = refused {
            return Some((
                Hi1Code::NoAuthorisation,
                format!(
                    "task {label} rests on authorisation {id}, whose {} (action {}) is refused \
                     with {code}; correct that action and send both again",
                    a.verb, a.id
                ),
            ));
        }
        return Some((
            Hi1Code::NoAuthorisation,
            format!(
                "task {label} is not associated with an AuthorisationObject created in this \
                 message or earlier and still kept (docs/hi1.md); send the authorisation with \
                 it"
            ),
        ));
    };
    if auth.start.is_some_and(|s| now < s) || auth.end.is_some_and(|e| now > e) {
        let from = auth.start.map_or("any time".into(), when);
        let until = auth.end.map_or("any time".into(), when);
        return Some((
            Hi1Code::NotInForce,
            format!(
                "task {label}: its authorisation {} is in force from {from} until {until}, \
                 not now ({}); send it again when it is in force, or an UPDATE of its \
                 AuthorisationTimespan",
                auth.object,
                when(now)
            ),
        ));
    }
    if task.values.is_empty() {
        return Some((
            Hi1Code::Incomplete,
            format!("task {label} asks about no identifier (RequestValues)"),
        ));
    }
    if let Err(e) = task.periods() {
        let reversed = task.observed.is_empty() && task.start.is_some() && task.end.is_some();
        let code = if reversed {
            Hi1Code::Invalid
        } else {
            Hi1Code::Incomplete
        };
        return Some((code, e.to_string()));
    }
    task.values.iter().find_map(|v| match v.identifier() {
        Ok(_) => None,
        Err(e @ Hi1Error::UnsupportedFormat(_)) => {
            Some((Hi1Code::Format, format!("task {label}: {e}")))
        }
        Err(e) => Some((Hi1Code::Invalid, format!("task {label}: {e}"))),
    })
}

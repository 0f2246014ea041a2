//! What tdip makes of each action of a request before any data is looked up: which it
//! can carry out and which it refuses, and why. The catalogue, the officer registry and
//! the lookup come after, in the service.

use tdip_access::Catalogue;

use crate::Hi1Error;
use crate::code::{Hi1Code, Verb};
use crate::profile::demands;
use crate::request::{Action, Authorisation, LdTask, Object, Request};
use crate::response::Outcome;

/// The outcome of every action, in order, by action identifier.
pub fn judge(r: &Request) -> Vec<(String, Outcome)> {
    r.actions
        .iter()
        .map(|a| (a.id.clone(), outcome(r, a)))
        .collect()
}

/// As [`judge`], and each task that passes is also read as the demands it makes for
/// `agency` (tdip's profile) and judged against `catalogue`.
pub fn judge_for(r: &Request, agency: &str, catalogue: &Catalogue) -> Vec<(String, Outcome)> {
    judge(r)
        .into_iter()
        .zip(&r.actions)
        .map(|((id, outcome), a)| {
            let Outcome::Created(_) = &outcome else {
                return (id, outcome);
            };
            let Some(Object::LdTask(task)) = &a.object else {
                return (id, outcome);
            };
            let Some(auth) = authorisation_of(r, task) else {
                return (id, outcome);
            };
            let fail = |code, why: String| Outcome::Failed {
                code,
                description: format!("action {id}: {why}"),
            };
            let verdict = match demands(auth, task, agency) {
                Err(e) => fail(Hi1Code::Profile, e.to_string()),
                Ok(ds) => ds
                    .iter()
                    .find_map(|(d, _)| catalogue.authorise(d).err())
                    .map_or(outcome, |refusal| {
                        fail(
                            Hi1Code::Refused,
                            format!("task {}: {refusal}", task.reference),
                        )
                    }),
            };
            (id, verdict)
        })
        .collect()
}

fn outcome(r: &Request, a: &Action) -> Outcome {
    let fail = |code, description: String| Outcome::Failed { code, description };
    if a.verb != Verb::Create {
        return fail(
            Hi1Code::Verb,
            format!(
                "action {}: a request is judged by its CREATE actions (of an \
                 AuthorisationObject or LDTaskObject); {} is answered by the service from the \
                 tasks it keeps",
                a.id, a.verb
            ),
        );
    }
    match &a.object {
        Some(Object::Authorisation(auth)) => Outcome::Created(auth.object.clone()),
        Some(Object::LdTask(task)) => match task_problem(r, task) {
            None => Outcome::Created(task.object.clone()),
            Some((code, why)) => fail(code, format!("action {}: {why}", a.id)),
        },
        Some(Object::Other(kind)) => fail(
            Hi1Code::Object,
            format!(
                "action {}: tdip accepts AuthorisationObject and LDTaskObject, not {kind}",
                a.id
            ),
        ),
        None => fail(
            Hi1Code::Object,
            format!("action {}: CREATE without an HI1Object", a.id),
        ),
    }
}

/// The authorisation created in `r` that `task` is associated with.
pub fn authorisation_of<'a>(r: &'a Request, task: &LdTask) -> Option<&'a Authorisation> {
    r.actions.iter().find_map(|a| match &a.object {
        Some(Object::Authorisation(auth)) if task.associated.contains(&auth.object) => Some(auth),
        _ => None,
    })
}

fn task_problem(r: &Request, task: &LdTask) -> Option<(Hi1Code, String)> {
    if authorisation_of(r, task).is_none() {
        return Some((
            Hi1Code::NoAuthorisation,
            format!(
                "task {} is not associated with an AuthorisationObject created in the same \
                 message; send the authorisation with it",
                task.reference
            ),
        ));
    }
    if task.values.is_empty() {
        return Some((
            Hi1Code::Incomplete,
            format!(
                "task {} asks about no identifier (RequestValues)",
                task.reference
            ),
        ));
    }
    if let Err(e) = task.period() {
        let code = if task.observed.is_none() && task.start.is_some() && task.end.is_some() {
            Hi1Code::Invalid
        } else {
            Hi1Code::Incomplete
        };
        return Some((code, e.to_string()));
    }
    task.values.iter().find_map(|v| match v.identifier() {
        Ok(_) => None,
        Err(e @ Hi1Error::UnsupportedFormat(_)) => {
            Some((Hi1Code::Format, format!("task {}: {e}", task.reference)))
        }
        Err(e) => Some((Hi1Code::Invalid, format!("task {}: {e}", task.reference))),
    })
}

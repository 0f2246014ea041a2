//! A consultation: a demand judged against the catalogue and the officer registry, the
//! lookup, and the audit entries that prove it — written durably before the answer is
//! handed out, so no answer exists that the log does not hold. Refusals are logged too.

use jiff::Timestamp;
use tdip_access::{Catalogue, DeadlinePolicy, Demand, Due, Grant, Timing};
use tdip_model::{LegalZone, format_time};
use tdip_store::{AccessStore, AuditStore, Store, Suspension};

use crate::CoreError;
use crate::audit::{Asked, Auditor, Event, Outcome};
use crate::keys::PointKeys;
use crate::lookup::{Answer, Prepared, Query, When, lookup_prepared};

/// Through what a demand came, as the log records it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Channel {
    /// The command line on the point's host.
    Cli,
    /// The JSON API.
    Api,
    /// The ETSI HI-1 interface.
    Hi1,
}

impl Channel {
    fn as_str(self) -> &'static str {
        match self {
            Channel::Cli => "cli",
            Channel::Api => "api",
            Channel::Hi1 => "hi1",
        }
    }
}

/// A granted and answered consultation.
#[derive(Debug)]
pub struct Consulted {
    /// The consultation's reference, as logged (for the officer's file).
    pub consultation: String,
    /// What the catalogue granted.
    pub grant: Grant,
    /// The answer.
    pub answer: Answer,
    /// When it was due, and by which rule.
    pub due: Due,
}

/// Why a consultation gave no answer.
#[derive(Debug, thiserror::Error)]
pub enum ConsultError {
    /// The demand was refused; the refusal is logged.
    #[error("refused: {reason} (consultation {consultation})")]
    Refused {
        /// The consultation's reference.
        consultation: String,
        /// Stable code.
        code: &'static str,
        /// What the officer is told.
        reason: String,
    },
    /// The point failed; the failure is logged as a refusal with code `failed` if the log
    /// could be written.
    #[error(transparent)]
    Core(#[from] CoreError),
}

/// What a consultation needs of the point.
pub struct Point<'a, S, A> {
    /// The store of subscriber data and the officer registry.
    pub store: &'a S,
    /// The point's keys (it must be unsealed).
    pub keys: &'a PointKeys,
    /// The catalogue in force.
    pub catalogue: &'a Catalogue,
    /// The audit log.
    pub auditor: &'a Auditor<A>,
    /// When demands are due.
    pub deadlines: &'a DeadlinePolicy,
    /// The legal time zone of dates in refusals.
    pub zone: LegalZone,
}

/// Judges, answers and logs a demand about `query`, at `now`.
pub async fn consult<S, A>(
    p: &Point<'_, S, A>,
    demand: &Demand,
    query: &Query,
    channel: Channel,
    now: i64,
) -> Result<Consulted, ConsultError>
where
    S: Store + AccessStore,
    A: AuditStore + 'static,
{
    let audit_keys = p
        .auditor
        .keys()
        .ok_or(CoreError::Internal("a consultation needs the audit keys"))?;
    let received = std::time::Instant::now();
    let consultation = reference();
    let (from, to) = match query.when {
        When::At { at } => (at, at),
        When::Between { from, to } => (from, to),
    };
    let prepared = Prepared::new(p.keys, query);
    let request = Event::Request {
        consultation: consultation.clone(),
        agency: demand.agency.clone(),
        officer: demand.officer.clone(),
        basis: demand.basis.clone(),
        case_reference: demand.case_reference.clone(),
        authorised_by: demand.authorised_by.clone(),
        urgency: demand.urgency.to_string(),
        category: demand.category.as_str().to_owned(),
        query: query.kind.as_str().to_owned(),
        asked: Asked { from, to },
        channel: channel.as_str().to_owned(),
    };
    let reference = Event::Reference {
        consultation: consultation.clone(),
        blind: prepared.as_ref().ok().map(|a| a.blind().0.to_vec()),
        sealed: match &prepared {
            Ok(a) => audit_keys.seal_identifier(&consultation, &a.normalised()),
            Err(_) => audit_keys.seal_identifier(&consultation, &query.value),
        },
    };
    let log_refusal = |code: &'static str, reason: String| {
        let events = vec![
            request.clone(),
            reference.clone(),
            Event::Refusal {
                consultation: consultation.clone(),
                code: code.to_owned(),
                reason,
            },
        ];
        p.auditor.record(now, events)
    };
    let refuse = |code: &'static str, reason: String| {
        let logged = log_refusal(code, reason.clone());
        let consultation = consultation.clone();
        async move {
            logged.await?;
            Err(ConsultError::Refused {
                consultation,
                code,
                reason,
            })
        }
    };
    let grant = match p.catalogue.authorise(demand) {
        Ok(grant) => grant,
        Err(r) => return refuse(r.code(), r.to_string()).await,
    };
    if let Some((code, reason)) = registry(p, demand, now).await? {
        return refuse(code, reason).await;
    }
    let prepared = match prepared {
        Ok(prepared) => prepared,
        Err(e) => return refuse("bad-identifier", e.to_string()).await,
    };
    let timing = Timing {
        category: demand.category,
        received: now,
        earliest: from,
        term: demand.term,
    };
    let due = match p.deadlines.due(&timing, p.zone) {
        Ok(due) => due,
        Err(e) => return refuse("bad-term", e.to_string()).await,
    };
    let answer = match lookup_prepared(p.store, p.keys, query, &prepared).await {
        Ok(answer) => answer,
        Err(e) => {
            // Not a refusal: the point failed. Logged as one with code `failed`, so the
            // log shows the demand was made and not answered; the caller gets the error.
            log_refusal("failed", e.to_string()).await?;
            return Err(e.into());
        }
    };
    let mut providers: Vec<String> = answer.hits.iter().map(|h| h.provider.clone()).collect();
    providers.dedup();
    let answered = Event::Answered {
        consultation: consultation.clone(),
        outcome: if answer.hits.is_empty() {
            Outcome::NoHit
        } else {
            Outcome::Hit
        },
        providers,
        records: u32::try_from(answer.hits.len()).unwrap_or(u32::MAX),
        age_seconds: (now - from).max(0),
        due: due.at,
        due_rule: due.rule.as_str().to_owned(),
        took_ms: u64::try_from(received.elapsed().as_millis()).unwrap_or(u64::MAX),
    };
    p.auditor
        .record(now, vec![request, reference, answered])
        .await?;
    Ok(Consulted {
        consultation,
        grant,
        answer,
        due,
    })
}

/// The officer registry's judgement: agency or officer suspended, officer unknown or
/// expired.
async fn registry<S: AccessStore, A>(
    p: &Point<'_, S, A>,
    d: &Demand,
    now: i64,
) -> Result<Option<(&'static str, String)>, CoreError> {
    let since = |s: &Suspension| format_time(ts(s.at), p.zone);
    let standing = p.store.standing(&d.agency, &d.officer).await?;
    if let Some(s) = standing.agency_suspension {
        return Ok(Some((
            "agency-suspended",
            format!(
                "{} is suspended since {}: {}; none of its officers may consult this point until \
                 it is reinstated",
                d.agency,
                since(&s),
                s.reason
            ),
        )));
    }
    let Some(officer) = standing.officer else {
        return Ok(Some((
            "unknown-officer",
            format!(
                "officer {} is not registered for {}; ask your agency's administrator to \
                 register you with the point",
                d.officer, d.agency
            ),
        )));
    };
    if let Some(s) = &officer.suspended {
        return Ok(Some((
            "officer-suspended",
            format!(
                "officer {} of {} is suspended since {}: {}",
                d.officer,
                d.agency,
                since(s),
                s.reason
            ),
        )));
    }
    if let Some(until) = officer.valid_until.filter(|u| *u <= now) {
        return Ok(Some((
            "officer-expired",
            format!(
                "the authorisation of officer {} of {} expired at {}; ask your agency to renew it",
                d.officer,
                d.agency,
                format_time(ts(until), p.zone)
            ),
        )));
    }
    Ok(None)
}

fn ts(s: i64) -> Timestamp {
    Timestamp::from_second(s).unwrap_or(Timestamp::UNIX_EPOCH)
}

/// A fresh consultation reference: 16 random hex digits (from the thread's CSPRNG; a
/// system call per lookup would cost more than the rest of the reference).
fn reference() -> String {
    hex::encode(rand::random::<[u8; 8]>())
}

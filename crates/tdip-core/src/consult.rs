//! A consultation: a demand judged against the catalogue and the officer registry, the
//! lookup, and the audit entries that prove it — written durably before the answer is
//! handed out, so no answer exists that the log does not hold. Refusals are logged too.

use jiff::Timestamp;
use tdip_access::{Catalogue, DeadlinePolicy, Demand, Due, Grant, Refusal, RefusalCode, Timing};
use tdip_model::{IdentKind, LegalZone, Reason, format_time};
use tdip_store::{AccessStore, AuditStore, Store, Suspension};

use crate::CoreError;
use crate::audit::{AskedPeriod, Auditor, Event, Outcome};
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
    pub(crate) fn as_str(self) -> &'static str {
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
        /// Stable code: a [`RefusalCode`]'s string (`RefusalCode::as_str`).
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
pub struct Consulting<'a, S, A> {
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

/// A request whose query could not be read: a time, the identifier fields, the country
/// or the term. It is refused like any demand, and logged as a refusal.
///
/// `Debug` shows the code and the identifiers' kinds, never their values.
#[derive(Clone)]
pub struct Unreadable {
    /// Stable code: `BadIdentifier`, `BadTime`, `BadCountry` or `BadTerm`.
    pub code: RefusalCode,
    /// What the officer is told: what is wrong and what to do. A [`Reason`], so it
    /// cannot hold the value given; it goes into the audit log in clear.
    pub reason: Reason,
    /// The identifiers the request gave, with their kinds, as typed: sealed in the log
    /// like the identifier of any consultation.
    pub identifiers: Vec<(IdentKind, String)>,
    /// The moment or period asked, if it could be read.
    pub when: Option<When>,
}

impl std::fmt::Debug for Unreadable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let kinds: Vec<IdentKind> = self.identifiers.iter().map(|(k, _)| *k).collect();
        f.debug_struct("Unreadable")
            .field("code", &self.code)
            .field("kinds", &kinds)
            .field("when", &self.when)
            .finish_non_exhaustive()
    }
}

/// The entries every consultation writes first (request, reference), and the refusal
/// that may follow them.
pub(crate) struct Entries<'p, S, A> {
    pub(crate) p: &'p Consulting<'p, S, A>,
    pub(crate) now: i64,
    pub(crate) consultation: String,
    pub(crate) request: Event,
    pub(crate) reference: Event,
}

impl<S, A: AuditStore + 'static> Entries<'_, S, A> {
    /// Logs the demand as refused with `code` and `reason`.
    pub(crate) async fn log_refusal(
        &self,
        code: RefusalCode,
        reason: String,
    ) -> Result<u64, CoreError> {
        let events = vec![
            self.request.clone(),
            self.reference.clone(),
            Event::Refusal {
                consultation: self.consultation.clone(),
                code: code.as_str().to_owned(),
                reason,
            },
        ];
        self.p.auditor.record(self.now, events).await
    }

    /// Logs the refusal durably, then gives it.
    pub(crate) async fn refuse<T>(
        &self,
        code: RefusalCode,
        reason: String,
    ) -> Result<T, ConsultError> {
        self.log_refusal(code, reason.clone()).await?;
        Err(ConsultError::Refused {
            consultation: self.consultation.clone(),
            code: code.as_str(),
            reason,
        })
    }
}

pub(crate) fn request_event(
    consultation: &str,
    demand: &Demand,
    query: String,
    (from, to): (i64, i64),
    channel: Channel,
) -> Event {
    Event::Request {
        consultation: consultation.to_owned(),
        agency: demand.agency.clone(),
        officer: demand.officer.clone(),
        basis: demand.basis.clone(),
        case_reference: demand.case_reference.clone(),
        authorised_by: demand.authorised_by.clone(),
        urgency: demand.urgency.to_string(),
        category: demand.category.as_str().to_owned(),
        query,
        asked: AskedPeriod { from, to },
        channel: channel.as_str().to_owned(),
    }
}

fn span(when: When) -> (i64, i64) {
    match when {
        When::At { at } => (at, at),
        When::Between { from, to } => (from, to),
    }
}

/// Judges, answers and logs a demand about `query`, at `now`.
///
/// A national phone number is read in the country the query names, else in the country
/// of the asking agency's jurisdiction (the catalogue's): a Belgian officer's
/// `0470 12 34 56` is `+32470123456`. The answer states the identifier searched.
pub async fn consult<S, A>(
    p: &Consulting<'_, S, A>,
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
    let query = &Query {
        default_country: query
            .default_country
            .or_else(|| p.catalogue.country_of(&demand.agency)),
        ..query.clone()
    };
    let (from, to) = span(query.when);
    let prepared = Prepared::new(p.keys, query);
    let entries = Entries {
        p,
        now,
        request: request_event(
            &consultation,
            demand,
            query.kind.as_str().to_owned(),
            (from, to),
            channel,
        ),
        reference: Event::Reference {
            consultation: consultation.clone(),
            blind: prepared.as_ref().ok().map(|a| a.blind().0.to_vec()),
            sealed: match &prepared {
                Ok(a) => audit_keys.seal_identifier(&consultation, &a.normalised()),
                Err(_) => audit_keys.seal_identifier(&consultation, &query.value),
            },
        },
        consultation: consultation.clone(),
    };
    let grant = match p.catalogue.authorise(demand) {
        Ok(grant) => grant,
        Err(r) => return entries.refuse(r.code(), r.to_string()).await,
    };
    if let Some((code, reason)) = registry(p, demand, now).await? {
        return entries.refuse(code, reason).await;
    }
    let prepared = match prepared {
        Ok(prepared) => prepared,
        Err(e) => {
            return entries
                .refuse(RefusalCode::BadIdentifier, e.to_string())
                .await;
        }
    };
    let timing = Timing {
        category: demand.category,
        received: now,
        earliest: from,
        term: demand.term,
    };
    let due = match p.deadlines.due(&timing, p.zone) {
        Ok(due) => due,
        Err(e) => return entries.refuse(RefusalCode::BadTerm, e.to_string()).await,
    };
    let answer = match lookup_prepared(p.store, p.keys, query, &prepared).await {
        Ok(answer) => answer,
        Err(e) => {
            // Not a refusal: the point failed. Logged as one with code `failed`, so the
            // log shows the demand was made and not answered; the caller gets the error.
            entries
                .log_refusal(RefusalCode::Failed, e.to_string())
                .await?;
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
    let Entries {
        request, reference, ..
    } = entries;
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

/// Refuses and logs a demand whose query could not be read (`unread` says why), at
/// `now`: a refusal like any other, with a consultation reference. The catalogue and
/// the officer registry judge the demand first, as for every demand, so a refusal for
/// who asks comes before one for what was asked; the query-kind check is skipped when
/// the request did not give exactly one identifier. The request entry names the kinds
/// given (`msisdn+imei`, or `none`) and the moment of receipt when the moment asked
/// could not be read; the reference entry seals the identifiers as typed.
pub async fn refuse<S, A>(
    p: &Consulting<'_, S, A>,
    demand: &Demand,
    unread: &Unreadable,
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
    let consultation = reference();
    let kinds: Vec<&str> = unread.identifiers.iter().map(|(k, _)| k.as_str()).collect();
    let kinds = if kinds.is_empty() {
        "none".to_owned()
    } else {
        kinds.join("+")
    };
    let values: Vec<&str> = unread.identifiers.iter().map(|(_, v)| v.as_str()).collect();
    let entries = Entries {
        p,
        now,
        request: request_event(
            &consultation,
            demand,
            kinds,
            unread.when.map_or((now, now), span),
            channel,
        ),
        reference: Event::Reference {
            consultation: consultation.clone(),
            blind: None,
            sealed: audit_keys.seal_identifier(&consultation, &values.join("\n")),
        },
        consultation,
    };
    let one_kind = unread.identifiers.len() == 1;
    match p.catalogue.authorise(demand) {
        Err(Refusal::QueryNotPermitted { .. }) if !one_kind => {}
        Err(r) => return entries.refuse(r.code(), r.to_string()).await,
        Ok(_) => {}
    }
    if let Some((code, reason)) = registry(p, demand, now).await? {
        return entries.refuse(code, reason).await;
    }
    entries.refuse(unread.code, unread.reason.to_string()).await
}

/// The officer registry's judgement: the registry row changed outside tdip (see
/// [`crate::registry`]), agency or officer suspended, officer unknown or expired.
pub(crate) async fn registry<S: AccessStore, A: AuditStore + 'static>(
    p: &Consulting<'_, S, A>,
    d: &Demand,
    now: i64,
) -> Result<Option<(RefusalCode, String)>, CoreError> {
    let since = |s: &Suspension| format_time(ts(s.at), p.zone);
    let standing =
        match crate::registry::standing(p.auditor, p.store, &d.agency, &d.officer, now).await? {
            Ok(standing) => standing,
            Err(refused) => return Ok(Some(refused)),
        };
    if let Some(s) = standing.agency_suspension {
        return Ok(Some((
            RefusalCode::AgencySuspended,
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
            RefusalCode::UnknownOfficer,
            format!(
                "officer {} is not registered for {}; ask your agency's administrator to \
                 register you with the point",
                d.officer, d.agency
            ),
        )));
    };
    if let Some(s) = &officer.suspended {
        return Ok(Some((
            RefusalCode::OfficerSuspended,
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
            RefusalCode::OfficerExpired,
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
pub(crate) fn reference() -> String {
    hex::encode(rand::random::<[u8; 8]>())
}

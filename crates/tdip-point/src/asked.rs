//! What an officer asks: one identifier at a moment or over a period, and the demand that
//! carries it. The same shape is typed as `tdip lookup` flags and sent as the JSON API's
//! `POST /v1/lookups` body, and is turned into a judged demand and a query in one place.

use anyhow::Result;
use serde::{Deserialize, Serialize};
use tdip_access::{Category, Demand, Urgency};
use tdip_core::consult::{self, Channel, ConsultError, Unreadable};
use tdip_core::lookup::{Query, When};
use tdip_model::{Country, IdentKind, LegalZone, Reason, parse_time};
use tdip_store::{AccessStore, AuditStore, Store};

/// A lookup as asked: exactly one identifier field, the moment or period, and the demand.
/// Times are legal local time (`YYYY-MM-DD HH:MM:SS`) or RFC 3339 with an offset.
#[derive(Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LookupRequest {
    /// Phone number (E.164 or national).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub msisdn: Option<String>,
    /// IMSI.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub imsi: Option<String>,
    /// IMEI (14, 15 or 16 digits).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub imei: Option<String>,
    /// IP address or prefix.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ip: Option<String>,
    /// E-mail address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Provider-local end-user id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    /// MAC address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mac: Option<String>,
    /// The moment asked about; default now.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at: Option<String>,
    /// Start of the period asked about (with `to`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    /// End of the period asked about (with `from`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<String>,
    /// Country of a national phone number (NL or BE); default: the asking agency's
    /// jurisdiction's, as the catalogue says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    /// The agency, as the catalogue names it. Over the API it may be left out: the
    /// caller's certificate or token says which agency asks, and a different one is refused.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agency: Option<String>,
    /// The officer's id within the agency, as registered.
    #[serde(default)]
    pub officer: String,
    /// The legal basis asked under (e.g. `nl/sv-126na`).
    #[serde(default)]
    pub basis: String,
    /// The case or order reference.
    #[serde(default)]
    pub case: String,
    /// Who authorised the demand, where the basis requires it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authorised_by: Option<String>,
    /// The demand is urgent.
    #[serde(default)]
    pub urgent: bool,
    /// The term the demand sets for its answer, instead of the deadline policy's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub term: Option<String>,
}

impl std::fmt::Debug for LookupRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LookupRequest")
            .field("agency", &self.agency)
            .field("officer", &self.officer)
            .field("basis", &self.basis)
            .finish_non_exhaustive()
    }
}

impl LookupRequest {
    /// The demand this request makes and its query, times read in `zone`, "now" being
    /// `now` (UTC seconds). The demand (who asks, under what) is read whatever else is
    /// wrong; the query is read or refused with why, naming the field at fault after
    /// `prefix` (`--` to name the command line's flags). A refused query is refused as a
    /// consultation ([`consult`]), so it is logged like every refusal.
    pub fn resolve(
        &self,
        zone: LegalZone,
        now: i64,
        prefix: &'static str,
    ) -> (Demand, Result<Query, Unreadable>) {
        let given: Vec<(IdentKind, String)> = [
            (IdentKind::Msisdn, &self.msisdn),
            (IdentKind::Imsi, &self.imsi),
            (IdentKind::Imei, &self.imei),
            (IdentKind::Ip, &self.ip),
            (IdentKind::Email, &self.email),
            (IdentKind::UserId, &self.user_id),
            (IdentKind::Mac, &self.mac),
        ]
        .into_iter()
        .filter_map(|(k, v)| v.as_ref().map(|v| (k, v.clone())))
        .collect();
        let unread = |code: &'static str, reason: Reason, when: Option<When>| Unreadable {
            code,
            reason,
            identifiers: given.clone(),
            when,
        };
        // A flag or field name: `--at` on the command line, `at` in the API.
        let named = |field: &'static str| Reason::new(prefix).then(field);
        let time = |field: &'static str, s: &str| {
            parse_time(s, zone)
                .map(|t| t.as_second())
                .map_err(|e| named(field).then(": ").then(e))
        };
        let term = self.term.as_deref().map(|t| time("term", t));
        let demand = Demand {
            agency: self.agency.clone().unwrap_or_default(),
            officer: self.officer.clone(),
            basis: self.basis.clone(),
            case_reference: self.case.clone(),
            authorised_by: self.authorised_by.clone(),
            urgency: if self.urgent {
                Urgency::Urgent
            } else {
                Urgency::Normal
            },
            category: if self.at.is_some() || self.from.is_some() {
                Category::HistoricalIdentification
            } else {
                Category::CurrentIdentification
            },
            // With no single identifier the kind is only a placeholder: the refusal's
            // judgement does not check it (`tdip_core::consult::refuse`).
            query: given.first().map_or(IdentKind::Msisdn, |(k, _)| *k),
            term: term.as_ref().and_then(|t| t.as_ref().ok().copied()),
        };
        let query = (|| {
            let when = match (&self.at, &self.from, &self.to) {
                (Some(_), Some(_), _) | (Some(_), _, Some(_)) => {
                    let why = Reason::new("give either ")
                        .then(named("at"))
                        .then(", or ")
                        .then(named("from"))
                        .then(" and ")
                        .then(named("to"))
                        .then(", not both");
                    return Err(unread("bad-time", why, None));
                }
                (Some(at), None, None) => When::At {
                    at: time("at", at).map_err(|why| unread("bad-time", why, None))?,
                },
                (None, Some(from), Some(to)) => {
                    let from = time("from", from).map_err(|why| unread("bad-time", why, None))?;
                    let to = time("to", to).map_err(|why| unread("bad-time", why, None))?;
                    if from > to {
                        let why = Reason::new("the period ends before it starts; swap ")
                            .then(named("from"))
                            .then(" and ")
                            .then(named("to"));
                        return Err(unread("bad-time", why, None));
                    }
                    When::Between { from, to }
                }
                (None, None, None) => When::At { at: now },
                _ => {
                    let why = Reason::new("a period needs both ")
                        .then(named("from"))
                        .then(" and ")
                        .then(named("to"));
                    return Err(unread("bad-time", why, None));
                }
            };
            let [(kind, value)] = &given[..] else {
                let why = Reason::counted(
                    "give exactly one identifier (msisdn, imsi, imei, ip, email, user_id or \
                     mac); this request gives {}",
                    &[given.len() as u64],
                );
                return Err(unread("bad-identifier", why, Some(when)));
            };
            // No country given: the consultation reads a national number in the asking
            // agency's jurisdiction's country (the catalogue's).
            let default_country = match self.country.as_deref() {
                None => None,
                Some(c) => Some(c.parse::<Country>().map_err(|_| {
                    let why = named("country").then(": unknown country; expected NL or BE");
                    unread("bad-country", why, Some(when))
                })?),
            };
            if let Some(Err(why)) = &term {
                return Err(unread("bad-term", why.clone(), Some(when)));
            }
            Ok(Query {
                kind: *kind,
                value: value.clone(),
                when,
                default_country,
            })
        })();
        (demand, query)
    }
}

/// Judges, answers and logs a request as resolved ([`LookupRequest::resolve`]): the
/// query consulted, or the refusal of a query that could not be read, logged as a
/// refusal with its consultation reference like every other.
pub async fn consult<S, A>(
    p: &consult::Point<'_, S, A>,
    demand: &Demand,
    query: &Result<Query, Unreadable>,
    channel: Channel,
    now: i64,
) -> Result<consult::Consulted, ConsultError>
where
    S: Store + AccessStore,
    A: AuditStore + 'static,
{
    match query {
        Ok(query) => consult::consult(p, demand, query, channel, now).await,
        Err(unread) => consult::refuse(p, demand, unread, channel, now).await,
    }
}

/// The answer to a consultation as the CLI's `--json` and the API give it: the
/// identifier searched (normalised), the answer's hits (times in UTC seconds), the
/// consultation's reference, the agency and legal basis granted, and when it was due.
pub fn answered(done: &tdip_core::consult::Consulted) -> Result<serde_json::Value> {
    let mut v = serde_json::to_value(&done.answer)?;
    v["consultation"] = done.consultation.clone().into();
    v["agency"] = done.grant.agency_name.clone().into();
    v["legal_basis"] = done.grant.basis_title.clone().into();
    v["due"] = done.due.at.into();
    v["due_rule"] = done.due.rule.as_str().into();
    Ok(v)
}

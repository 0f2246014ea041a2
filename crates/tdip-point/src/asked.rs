//! What an officer asks: one identifier at a moment or over a period, and the demand that
//! carries it. The same shape is typed as `tdip lookup` flags and sent as the JSON API's
//! `POST /v1/lookups` body (converted at the edge), and is turned into a judged demand and a
//! query in one place.

use anyhow::Result;
use tdip_access::{Category, Demand, RefusalCode, Urgency};
use tdip_core::consult::{self, Channel, ConsultError, Unreadable};
use tdip_core::lookup::{Query, When};
use tdip_model::{Country, IdentKind, LegalZone, Reason, parse_time};
use tdip_store::{AccessStore, AuditStore, Store};

/// A lookup as asked: exactly one identifier field, the moment or period, and the demand,
/// as the CLI's flags and the API's body (`tdip_api::LookupRequest`) give it. Times are
/// legal local time (`YYYY-MM-DD HH:MM:SS`) or RFC 3339 with an offset.
#[derive(Clone, Default)]
pub struct Asked {
    /// Phone number (E.164 or national).
    pub msisdn: Option<String>,
    /// IMSI.
    pub imsi: Option<String>,
    /// IMEI (14, 15 or 16 digits).
    pub imei: Option<String>,
    /// IP address or prefix.
    pub ip: Option<String>,
    /// E-mail address.
    pub email: Option<String>,
    /// Provider-local end-user id.
    pub user_id: Option<String>,
    /// MAC address.
    pub mac: Option<String>,
    /// The moment asked about; default now.
    pub at: Option<String>,
    /// Start of the period asked about (with `to`).
    pub from: Option<String>,
    /// End of the period asked about (with `from`).
    pub to: Option<String>,
    /// Country of a national phone number (NL or BE); default: the asking agency's
    /// jurisdiction's, as the catalogue says.
    pub country: Option<String>,
    /// The agency, as the catalogue names it. Over the API it may be left out: the
    /// caller's certificate or token says which agency asks, and a different one is refused.
    pub agency: Option<String>,
    /// The officer's id within the agency, as registered.
    pub officer: String,
    /// The legal basis asked under (e.g. `nl/sv-126na`).
    pub basis: String,
    /// The case or order reference.
    pub case: String,
    /// Who authorised the demand, where the basis requires it.
    pub authorised_by: Option<String>,
    /// The demand is urgent.
    pub urgent: bool,
    /// The term the demand sets for its answer, instead of the deadline policy's.
    pub term: Option<String>,
    /// The port of the public address (`ip`) asked about: the question is then who used
    /// that address and port at the moment, answered through retained traffic data.
    pub port: Option<u16>,
    /// Identify through retained traffic data even without a port (answered only when one
    /// subscriber used the address then).
    pub through_traffic: bool,
    /// The retained traffic records (port blocks, sessions) of the `ip` or `user_id` over
    /// the period, instead of who held it.
    pub traffic: bool,
    /// How many seconds the logs may be off the moment asked (default 0).
    pub tolerance: Option<u32>,
    /// With `traffic`: the communications of the `user_id` (an account) or `ip` (an
    /// address) instead of its port blocks and sessions.
    pub communications: bool,
    /// The devices, SIMs and numbers used together with the `imei`, `imsi` or `msisdn`
    /// over the period.
    pub devices: bool,
    /// A cell dump over the period: the cells or the area asked; no identifier is given.
    pub cell_dump: Option<crate::asked_traffic::DumpAsked>,
}

impl std::fmt::Debug for Asked {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Asked")
            .field("agency", &self.agency)
            .field("officer", &self.officer)
            .field("basis", &self.basis)
            .finish_non_exhaustive()
    }
}

impl Asked {
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
        let unread = |code: RefusalCode, reason: Reason, when: Option<When>| Unreadable {
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
                    return Err(unread(RefusalCode::BadTime, why, None));
                }
                (Some(at), None, None) => When::At {
                    at: time("at", at).map_err(|why| unread(RefusalCode::BadTime, why, None))?,
                },
                (None, Some(from), Some(to)) => {
                    let from = time("from", from)
                        .map_err(|why| unread(RefusalCode::BadTime, why, None))?;
                    let to =
                        time("to", to).map_err(|why| unread(RefusalCode::BadTime, why, None))?;
                    if from > to {
                        let why = Reason::new("the period ends before it starts; swap ")
                            .then(named("from"))
                            .then(" and ")
                            .then(named("to"));
                        return Err(unread(RefusalCode::BadTime, why, None));
                    }
                    When::Between { from, to }
                }
                (None, None, None) => When::At { at: now },
                _ => {
                    let why = Reason::new("a period needs both ")
                        .then(named("from"))
                        .then(" and ")
                        .then(named("to"));
                    return Err(unread(RefusalCode::BadTime, why, None));
                }
            };
            let (kind, value) = match &given[..] {
                [(kind, value)] => (*kind, value.clone()),
                // A cell dump asks by cells, not by an identifier: the kind is a
                // placeholder that `Asked::resolve_traffic` does not read.
                [] if self.cell_dump.is_some() => (IdentKind::Imei, String::new()),
                _ => {
                    let why = Reason::counted(
                        "give exactly one identifier (msisdn, imsi, imei, ip, email, user_id \
                         or mac); this request gives {}",
                        &[given.len() as u64],
                    );
                    return Err(unread(RefusalCode::BadIdentifier, why, Some(when)));
                }
            };
            // No country given: the consultation reads a national number in the asking
            // agency's jurisdiction's country (the catalogue's).
            let default_country = match self.country.as_deref() {
                None => None,
                Some(c) => Some(c.parse::<Country>().map_err(|_| {
                    let why = named("country").then(": unknown country; expected NL or BE");
                    unread(RefusalCode::BadCountry, why, Some(when))
                })?),
            };
            if let Some(Err(why)) = &term {
                return Err(unread(RefusalCode::BadTerm, why.clone(), Some(when)));
            }
            Ok(Query {
                kind,
                value,
                when,
                default_country,
            })
        })();
        (demand, query)
    }
}

/// Judges, answers and logs a request as resolved ([`Asked::resolve`]): the
/// query consulted, or the refusal of a query that could not be read, logged as a
/// refusal with its consultation reference like every other.
pub async fn consult<S, A>(
    p: &consult::Consulting<'_, S, A>,
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

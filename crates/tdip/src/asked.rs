//! What an officer asks: one identifier at a moment or over a period, and the demand that
//! carries it. The same shape is typed as `tdip lookup` flags and sent as the JSON API's
//! `POST /v1/lookups` body, and is turned into a judged demand and a query in one place.

use anyhow::{Result, anyhow};
use serde::{Deserialize, Serialize};
use tdip_access::{Category, Demand, Urgency};
use tdip_core::lookup::{Query, When};
use tdip_model::{Country, IdentKind, LegalZone, parse_time};

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
    /// Country for national phone numbers; default NL.
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
    /// The demand and the query this request makes, times read in `zone`, "now" being
    /// `now` (UTC seconds). Fails with a message naming the field at fault, after `prefix`
    /// (`--` to name the command line's flags).
    pub fn resolve(&self, zone: LegalZone, now: i64, prefix: &str) -> Result<(Demand, Query)> {
        let given: Vec<(IdentKind, &String)> = [
            (IdentKind::Msisdn, &self.msisdn),
            (IdentKind::Imsi, &self.imsi),
            (IdentKind::Imei, &self.imei),
            (IdentKind::Ip, &self.ip),
            (IdentKind::Email, &self.email),
            (IdentKind::UserId, &self.user_id),
            (IdentKind::Mac, &self.mac),
        ]
        .into_iter()
        .filter_map(|(k, v)| v.as_ref().map(|v| (k, v)))
        .collect();
        let [(kind, value)] = given[..] else {
            return Err(anyhow!(
                "give exactly one identifier (msisdn, imsi, imei, ip, email, user_id or mac); \
                 this request gives {}",
                given.len()
            ));
        };
        let time = |field: &str, s: &str| -> Result<i64> {
            Ok(parse_time(s, zone)
                .map_err(|e| anyhow!("{prefix}{field}: {e}"))?
                .as_second())
        };
        let when = match (&self.at, &self.from, &self.to) {
            (Some(_), Some(_), _) | (Some(_), _, Some(_)) => {
                return Err(anyhow!("give either at, or from and to, not both"));
            }
            (Some(at), None, None) => When::At {
                at: time("at", at)?,
            },
            (None, Some(from), Some(to)) => When::Between {
                from: time("from", from)?,
                to: time("to", to)?,
            },
            (None, None, None) => When::At { at: now },
            _ => return Err(anyhow!("a period needs both from and to")),
        };
        let default_country: Country = self
            .country
            .as_deref()
            .unwrap_or("NL")
            .parse()
            .map_err(|e| anyhow!("{prefix}country: {e}"))?;
        let term = match &self.term {
            Some(t) => Some(time("term", t)?),
            None => None,
        };
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
            query: kind,
            term,
        };
        let query = Query {
            kind,
            value: value.clone(),
            when,
            default_country,
        };
        Ok((demand, query))
    }
}

/// The answer to a consultation as the CLI's `--json` and the API give it: the answer's
/// hits (times in UTC seconds), the consultation's reference, the agency and legal basis
/// granted, and when it was due.
pub fn answered(done: &tdip_core::consult::Consulted) -> Result<serde_json::Value> {
    let mut v = serde_json::to_value(&done.answer)?;
    v["consultation"] = done.consultation.clone().into();
    v["agency"] = done.grant.agency_name.clone().into();
    v["legal_basis"] = done.grant.basis_title.clone().into();
    v["due"] = done.due.at.into();
    v["due_rule"] = done.due.rule.as_str().into();
    Ok(v)
}

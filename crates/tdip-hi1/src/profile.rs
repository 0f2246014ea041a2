//! tdip's national profile of HI-1: where the parts of a demand travel in a request, and
//! the demands a task makes. The agency is not read from the message: it is the one the
//! sender's client certificate or token is registered for.
//!
//! | demand | HI-1 |
//! |---|---|
//! | legal basis | `AuthorisationLegalType`, dictionary `LegalBasis`, value as the catalogue names it (`nl/sv-126na`) |
//! | case or order reference | `AuthorisationReference` |
//! | officer | the `AuthorisationApprovalDetails` whose `ApprovalType` is `Requester`: its `ApprovalReference` (the officer's id as registered) |
//! | authorising official | the approval whose `ApprovalType` is `Authorisation`: its `ApproverName` |
//! | urgency | urgent if an approval has `ApprovalIsEmergency` true or the task the `IsEmergency` flag |
//! | data category | historical identification (`RequestType` `SubscriberData` or `IdentityAssociation`); identification through retained traffic data for an `IPAddressPort` request value |
//! | identifier, moment | each `RequestValue` at each `ObservedTime`/`ObservedTimes`, or from `StartTime` to `EndTime` |

use tdip_access::{Category, Demand, Urgency};
use tdip_model::IdentKind;

use crate::Hi1Error;
use crate::request::{Authorisation, LdTask};

/// The request types tdip answers: identification data.
pub const REQUEST_TYPES: [&str; 2] = ["SubscriberData", "IdentityAssociation"];

/// One identifier a task asks about, as tdip reads it, with the moment or period.
#[derive(Clone, PartialEq, Eq)]
pub struct Sought {
    /// Its kind.
    pub kind: IdentKind,
    /// The normalised identifier.
    pub value: String,
    /// The `FormatName` it was asked by (`InternationalE164`, …).
    pub format: String,
    /// From (UTC seconds; equal to `to` for a moment).
    pub from: i64,
    /// To.
    pub to: i64,
}

impl std::fmt::Debug for Sought {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sought")
            .field("kind", &self.kind)
            .field("format", &self.format)
            .field("from", &self.from)
            .field("to", &self.to)
            .finish_non_exhaustive()
    }
}

/// The demands `task`, resting on `auth`, makes for `agency`: one per identifier asked
/// and moment or period (value by value, each at every moment in order).
pub fn demands(
    auth: &Authorisation,
    task: &LdTask,
    agency: &str,
) -> Result<Vec<(Demand, Sought)>, Hi1Error> {
    let profile = |what: &str| Hi1Error::Profile(format!("task {}: {what}", task.label()));
    let basis = auth
        .legal_type
        .as_ref()
        .filter(|t| t.name == "LegalBasis" && !t.value.is_empty())
        .ok_or_else(|| {
            profile(
                "the authorisation names no legal basis: give AuthorisationLegalType with Name \
                 LegalBasis and the basis as the catalogue names it (e.g. nl/sv-126na)",
            )
        })?;
    let case_reference = auth.reference.clone().ok_or_else(|| {
        profile("the authorisation has no AuthorisationReference (the case or order reference)")
    })?;
    let approval = |kind: &str| {
        auth.approvals
            .iter()
            .find(|a| a.kind.as_deref() == Some(kind))
    };
    let officer = approval("Requester")
        .and_then(|a| a.reference.clone())
        .ok_or_else(|| {
            profile(
                "the authorisation names no requesting officer: give an \
                 AuthorisationApprovalDetails with ApprovalType Requester and the officer's id \
                 as ApprovalReference",
            )
        })?;
    let request_type = task.request_type.as_ref().map(|t| t.value.as_str());
    if !request_type.is_some_and(|t| REQUEST_TYPES.contains(&t)) {
        return Err(profile(&format!(
            "tdip answers RequestType SubscriberData or IdentityAssociation (identification \
             data), not {}",
            request_type.unwrap_or("a task without one")
        )));
    }
    let urgent =
        auth.approvals.iter().any(|a| a.emergency) || task.flags.iter().any(|f| f == "IsEmergency");
    let periods = task.periods()?;
    let mut out = Vec::new();
    for v in &task.values {
        let (kind, value) = v.identifier()?;
        for &(from, to) in &periods {
            let demand = Demand {
                agency: agency.to_owned(),
                officer: officer.clone(),
                basis: basis.value.clone(),
                case_reference: case_reference.clone(),
                authorised_by: approval("Authorisation").and_then(|a| a.approver.clone()),
                urgency: if urgent {
                    Urgency::Urgent
                } else {
                    Urgency::Normal
                },
                category: if v.format == crate::request::IP_ADDRESS_PORT {
                    Category::TrafficIdentification
                } else {
                    Category::HistoricalIdentification
                },
                query: kind,
                term: None,
            };
            let sought = Sought {
                kind,
                value: value.clone(),
                format: v.format.clone(),
                from,
                to,
            };
            out.push((demand, sought));
        }
    }
    Ok(out)
}

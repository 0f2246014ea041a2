//! Who may consult the point: officers registered, suspended, renewed and reinstated, and
//! agencies suspended. Each change is made in the store and recorded as a configuration
//! entry in the audit log (which is the authority: `tdip_core::registry`); none needs the
//! point unsealed.

use anyhow::{Result, bail};
use tdip_core::audit::Event;
use tdip_store::{AccessStore, Officer, Suspension};

/// One change of the officer registry or of an agency's suspension.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RegistryChange {
    /// Registers an officer of an agency in the catalogue, authorised until `valid_until`.
    AddOfficer {
        /// The agency (as the catalogue names it).
        agency: String,
        /// The officer's id within the agency.
        officer: String,
        /// The officer's name.
        name: String,
        /// End of the authorisation (UTC seconds), if it ends.
        valid_until: Option<i64>,
    },
    /// Suspends an officer: their next query is refused.
    SuspendOfficer {
        /// The agency.
        agency: String,
        /// The officer.
        officer: String,
        /// Why, for the log.
        reason: String,
    },
    /// Sets a new end of an officer's authorisation (or none).
    RenewOfficer {
        /// The agency.
        agency: String,
        /// The officer.
        officer: String,
        /// The new end (UTC seconds), if any.
        valid_until: Option<i64>,
    },
    /// Lifts an officer's suspension.
    ReinstateOfficer {
        /// The agency.
        agency: String,
        /// The officer.
        officer: String,
    },
    /// Suspends an agency: none of its officers may consult the point.
    SuspendAgency {
        /// The agency.
        agency: String,
        /// Why, for the log.
        reason: String,
    },
    /// Lifts an agency's suspension.
    ReinstateAgency {
        /// The agency.
        agency: String,
    },
}

/// Makes `change` in the store of the point in `data` and records it in the audit log.
pub async fn change(
    data: &std::path::Path,
    url: &str,
    change: &RegistryChange,
    now: i64,
) -> Result<()> {
    let store = crate::point::open_store(data, url).await?;
    let in_catalogue = |agency: &str| -> Result<()> {
        if !crate::point::catalogue(data)?.agencies.contains_key(agency) {
            bail!(
                "agency {agency} is not in the catalogue; `tdip catalogue show` lists the agencies"
            );
        }
        Ok(())
    };
    let missing = |agency: &str, officer: &str| -> anyhow::Error {
        anyhow::anyhow!("no officer {officer} is registered for {agency}")
    };
    let event = match change {
        RegistryChange::AddOfficer {
            agency,
            officer,
            name,
            valid_until,
        } => {
            in_catalogue(agency)?;
            store
                .add_officer(&Officer {
                    agency: agency.clone(),
                    id: officer.clone(),
                    name: name.clone(),
                    registered_at: now,
                    valid_until: *valid_until,
                    suspended: None,
                })
                .await?;
            let detail = valid_until.map_or(String::new(), |t| format!("valid until {t}"));
            config("officer-added", agency, officer, detail)
        }
        RegistryChange::SuspendOfficer {
            agency,
            officer,
            reason,
        } => {
            let s = Suspension {
                at: now,
                reason: reason.clone(),
            };
            if !store.suspend_officer(agency, officer, &s).await? {
                return Err(missing(agency, officer));
            }
            config("officer-suspended", agency, officer, reason.clone())
        }
        RegistryChange::RenewOfficer {
            agency,
            officer,
            valid_until,
        } => {
            if !store
                .set_officer_valid_until(agency, officer, *valid_until)
                .await?
            {
                return Err(missing(agency, officer));
            }
            let detail = valid_until.map_or("no end".to_owned(), |t| format!("valid until {t}"));
            config("officer-renewed", agency, officer, detail)
        }
        RegistryChange::ReinstateOfficer { agency, officer } => {
            if !store.reinstate_officer(agency, officer).await? {
                return Err(missing(agency, officer));
            }
            config("officer-reinstated", agency, officer, String::new())
        }
        RegistryChange::SuspendAgency { agency, reason } => {
            in_catalogue(agency)?;
            let s = Suspension {
                at: now,
                reason: reason.clone(),
            };
            store.suspend_agency(agency, &s).await?;
            config("agency-suspended", agency, "", reason.clone())
        }
        RegistryChange::ReinstateAgency { agency } => {
            if !store.reinstate_agency(agency).await? {
                bail!("agency {agency} is not suspended");
            }
            config("agency-reinstated", agency, "", String::new())
        }
    };
    crate::point::open_auditor(data, url)
        .await?
        .record(now, vec![event])
        .await?;
    Ok(())
}

fn config(change: &str, agency: &str, officer: &str, detail: String) -> Event {
    Event::Config {
        change: change.into(),
        subject: format!("{agency} {officer}").trim_end().to_owned(),
        detail,
    }
}

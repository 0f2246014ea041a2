//! `tdip officers …` and `tdip agencies …`: who may consult the point. Every change is a
//! configuration entry in the audit log; none needs the point unsealed.

use anyhow::{Result, anyhow};
use tdip_model::{LegalZone, parse_time};
use tdip_point::registry::{self, RegistryChange};
use tdip_store::{AccessStore, Officer};

use crate::cli::{AgenciesCmd, Cli, OfficersCmd};
use crate::render;
use tdip_point::point;

pub async fn officers(cli: &Cli, cmd: &OfficersCmd, zone: LegalZone) -> Result<i32> {
    let store = point::open_store(&cli.data, &cli.store).await?;
    let now = super::now();
    match cmd {
        OfficersCmd::List { agency, json } => {
            let list = store.officers(agency.as_deref()).await?;
            if *json {
                let rows: Vec<_> = list
                    .iter()
                    .map(|o| {
                        serde_json::json!({
                            "agency": o.agency, "officer": o.id, "name": o.name,
                            "registered_at": o.registered_at, "valid_until": o.valid_until,
                            "suspended_at": o.suspended.as_ref().map(|s| s.at),
                            "suspension_reason": o.suspended.as_ref().map(|s| &s.reason),
                        })
                    })
                    .collect();
                println!("{}", serde_json::to_string_pretty(&rows)?);
            } else {
                println!(
                    "{:<22} {:<12} {:<24} {:<20} status",
                    "agency", "officer", "name", "valid until"
                );
                for o in &list {
                    println!(
                        "{:<22} {:<12} {:<24} {:<20} {}",
                        o.agency,
                        o.id,
                        o.name,
                        o.valid_until.map_or("-".into(), |t| render::time(t, zone)),
                        status(o, now, zone)
                    );
                }
            }
            return Ok(0);
        }
        OfficersCmd::Adopt => {
            let log = point::open_auditor(&cli.data, &cli.store).await?;
            let (officers, agencies) =
                tdip_core::registry::adopt(&log, &store, now, "adopted by the administrator")
                    .await?;
            eprintln!(
                "the registry is adopted as the store holds it: {officers} officers, {agencies}                  suspended agencies; consultations are judged against it from now on"
            );
            return Ok(0);
        }
        OfficersCmd::Add {
            agency,
            officer,
            name,
            valid_until,
        } => {
            let change = RegistryChange::AddOfficer {
                agency: agency.clone(),
                officer: officer.clone(),
                name: name.to_string(),
                valid_until: until(valid_until.as_deref(), zone)?,
            };
            registry::change(&cli.data, &cli.store, &change, now).await?;
            eprintln!("officer {officer} of {agency} registered");
        }
        OfficersCmd::Suspend {
            agency,
            officer,
            reason,
        } => {
            let change = RegistryChange::SuspendOfficer {
                agency: agency.clone(),
                officer: officer.clone(),
                reason: reason.clone(),
            };
            registry::change(&cli.data, &cli.store, &change, now).await?;
            eprintln!("officer {officer} of {agency} suspended: their next query is refused");
        }
        OfficersCmd::Renew {
            agency,
            officer,
            valid_until,
            ..
        } => {
            let valid_until = until(valid_until.as_deref(), zone)?;
            let change = RegistryChange::RenewOfficer {
                agency: agency.clone(),
                officer: officer.clone(),
                valid_until,
            };
            registry::change(&cli.data, &cli.store, &change, now).await?;
            let detail = valid_until.map_or("no end".to_owned(), |t| format!("valid until {t}"));
            eprintln!("officer {officer} of {agency}: authorisation {detail}");
        }
        OfficersCmd::Reinstate { agency, officer } => {
            let change = RegistryChange::ReinstateOfficer {
                agency: agency.clone(),
                officer: officer.clone(),
            };
            registry::change(&cli.data, &cli.store, &change, now).await?;
            eprintln!("officer {officer} of {agency} reinstated");
        }
    }
    Ok(0)
}

pub async fn agencies(cli: &Cli, cmd: &AgenciesCmd, zone: LegalZone) -> Result<i32> {
    let store = point::open_store(&cli.data, &cli.store).await?;
    let now = super::now();
    match cmd {
        AgenciesCmd::Suspended => {
            for a in store.agency_suspensions().await? {
                println!(
                    "{:<22} since {}: {}",
                    a.agency,
                    render::time(a.suspension.at, zone),
                    a.suspension.reason
                );
            }
            return Ok(0);
        }
        AgenciesCmd::Suspend { agency, reason } => {
            let change = RegistryChange::SuspendAgency {
                agency: agency.clone(),
                reason: reason.clone(),
            };
            registry::change(&cli.data, &cli.store, &change, now).await?;
            eprintln!("agency {agency} suspended: none of its officers may consult the point");
        }
        AgenciesCmd::Reinstate { agency } => {
            let change = RegistryChange::ReinstateAgency {
                agency: agency.clone(),
            };
            registry::change(&cli.data, &cli.store, &change, now).await?;
            eprintln!("agency {agency} reinstated");
        }
    }
    Ok(0)
}

/// An authorisation's end as typed (`--valid-until`), in UTC seconds.
fn until(typed: Option<&str>, zone: LegalZone) -> Result<Option<i64>> {
    typed
        .map(|t| {
            parse_time(t, zone)
                .map(|t| t.as_second())
                .map_err(|e| anyhow!("--valid-until: {e}"))
        })
        .transpose()
}

fn status(o: &Officer, now: i64, zone: LegalZone) -> String {
    match (&o.suspended, o.valid_until) {
        (Some(s), _) => format!("suspended since {}: {}", render::time(s.at, zone), s.reason),
        (None, Some(until)) if until <= now => "expired".into(),
        _ => "active".into(),
    }
}

//! `tdip officers …` and `tdip agencies …`: who may consult the point. Every change is a
//! configuration entry in the audit log; none needs the point unsealed.

use anyhow::{Result, anyhow, bail};
use tdip_core::audit::Event;
use tdip_model::{LegalZone, parse_time};
use tdip_store::{AccessStore, Officer, Suspension};

use crate::cli::{AgenciesCmd, Cli, OfficersCmd};
use crate::point;
use crate::render;

pub async fn officers(cli: &Cli, cmd: &OfficersCmd, zone: LegalZone) -> Result<i32> {
    let store = point::open_store(&cli.data, &cli.store).await?;
    let now = super::now();
    let change = match cmd {
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
            let catalogue = point::catalogue(&cli.data)?;
            if !catalogue.agencies.contains_key(agency) {
                bail!(
                    "agency {agency} is not in the catalogue; `tdip catalogue show` lists the agencies"
                );
            }
            let valid_until = until(valid_until.as_deref(), zone)?;
            store
                .add_officer(&Officer {
                    agency: agency.clone(),
                    id: officer.clone(),
                    name: name.clone(),
                    registered_at: now,
                    valid_until,
                    suspended: None,
                })
                .await?;
            eprintln!("officer {officer} of {agency} registered");
            config(
                "officer-added",
                agency,
                officer,
                valid_until.map_or(String::new(), |t| format!("valid until {t}")),
            )
        }
        OfficersCmd::Suspend {
            agency,
            officer,
            reason,
        } => {
            let s = Suspension {
                at: now,
                reason: reason.clone(),
            };
            if !store.suspend_officer(agency, officer, &s).await? {
                bail!("no officer {officer} is registered for {agency}");
            }
            eprintln!("officer {officer} of {agency} suspended: their next query is refused");
            config("officer-suspended", agency, officer, reason.clone())
        }
        OfficersCmd::Renew {
            agency,
            officer,
            valid_until,
            ..
        } => {
            let until = until(valid_until.as_deref(), zone)?;
            if !store
                .set_officer_valid_until(agency, officer, until)
                .await?
            {
                bail!("no officer {officer} is registered for {agency}");
            }
            let detail = until.map_or("no end".to_owned(), |t| format!("valid until {t}"));
            eprintln!("officer {officer} of {agency}: authorisation {detail}");
            config("officer-renewed", agency, officer, detail)
        }
        OfficersCmd::Reinstate { agency, officer } => {
            if !store.reinstate_officer(agency, officer).await? {
                bail!("no officer {officer} is registered for {agency}");
            }
            eprintln!("officer {officer} of {agency} reinstated");
            config("officer-reinstated", agency, officer, String::new())
        }
    };
    log(cli, now, change).await
}

pub async fn agencies(cli: &Cli, cmd: &AgenciesCmd, zone: LegalZone) -> Result<i32> {
    let store = point::open_store(&cli.data, &cli.store).await?;
    let now = super::now();
    let change = match cmd {
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
            if !point::catalogue(&cli.data)?.agencies.contains_key(agency) {
                bail!("agency {agency} is not in the catalogue");
            }
            let s = Suspension {
                at: now,
                reason: reason.clone(),
            };
            store.suspend_agency(agency, &s).await?;
            eprintln!("agency {agency} suspended: none of its officers may consult the point");
            config("agency-suspended", agency, "", reason.clone())
        }
        AgenciesCmd::Reinstate { agency } => {
            if !store.reinstate_agency(agency).await? {
                bail!("agency {agency} is not suspended");
            }
            eprintln!("agency {agency} reinstated");
            config("agency-reinstated", agency, "", String::new())
        }
    };
    log(cli, now, change).await
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

fn config(change: &str, agency: &str, officer: &str, detail: String) -> Event {
    Event::Config {
        change: change.into(),
        subject: format!("{agency} {officer}").trim_end().to_owned(),
        detail,
    }
}

async fn log(cli: &Cli, now: i64, event: Event) -> Result<i32> {
    point::open_auditor(&cli.data, &cli.store)
        .await?
        .record(now, vec![event])
        .await?;
    Ok(0)
}

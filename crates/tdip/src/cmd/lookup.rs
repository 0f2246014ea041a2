//! `tdip lookup`: a demand judged, answered and logged (see `tdip_core::consult`).

use std::path::Path;

use anyhow::{Result, anyhow};
use tdip_access::{Category, Demand, Urgency};
use tdip_core::consult::{self, Channel, ConsultError};
use tdip_core::lookup::{Query, When};
use tdip_model::{Country, IdentKind, LegalZone, format_time, parse_time};

use crate::cli::{DemandArgs, LookupArgs};
use crate::point::Point;

pub async fn run(data: &Path, point: &Point, args: &LookupArgs, zone: LegalZone) -> Result<i32> {
    let query = query(args, zone)?;
    let catalogue = crate::point::catalogue(data)?;
    let deadlines = crate::point::deadlines(data)?;
    crate::point::note_catalogue(data, &point.auditor).await?;
    let demand = demand(&args.demand, &args.at, &args.from, query.kind, zone)?;
    let spooled = point.spool.entries()?.len();
    if spooled > 0 {
        eprintln!(
            "NOTE: {spooled} deliveries received while the point was sealed are not applied \
             yet, so this answer does not include them; run `tdip spool apply --share …`"
        );
    }
    let p = point.consulting(&catalogue, &deadlines, zone);
    match consult::consult(&p, &demand, &query, Channel::Cli, super::now()).await {
        Ok(done) => {
            if args.json {
                let mut v = serde_json::to_value(&done.answer)?;
                v["consultation"] = done.consultation.into();
                v["agency"] = done.grant.agency_name.into();
                v["legal_basis"] = done.grant.basis_title.into();
                v["due"] = done.due.at.into();
                v["due_rule"] = done.due.rule.as_str().into();
                println!("{}", serde_json::to_string_pretty(&v)?);
            } else {
                println!(
                    "consultation {} — {} under {}; due {} ({})",
                    done.consultation,
                    done.grant.agency_name,
                    done.grant.basis_title,
                    format_time(ts(done.due.at), zone),
                    done.due.rule.as_str()
                );
                print!("{}", crate::render::answer(&done.answer, zone));
            }
            Ok(0)
        }
        Err(ConsultError::Refused {
            consultation,
            reason,
            ..
        }) => {
            eprintln!("REFUSED: {reason}\n(consultation {consultation}; the refusal is logged)");
            Ok(3)
        }
        Err(ConsultError::Core(e)) => Err(e.into()),
    }
}

/// The demand the flags make: identification data, current unless a moment or period is
/// asked about.
fn demand(
    d: &DemandArgs,
    at: &Option<String>,
    from: &Option<String>,
    query: IdentKind,
    zone: LegalZone,
) -> Result<Demand> {
    let text = |v: &Option<String>| v.clone().unwrap_or_default();
    let term = match &d.term {
        Some(t) => Some(
            parse_time(t, zone)
                .map_err(|e| anyhow!("--term: {e}"))?
                .as_second(),
        ),
        None => None,
    };
    Ok(Demand {
        agency: text(&d.agency),
        officer: text(&d.officer),
        basis: text(&d.basis),
        case_reference: text(&d.case_reference),
        authorised_by: d.authorised_by.clone(),
        urgency: if d.urgent {
            Urgency::Urgent
        } else {
            Urgency::Normal
        },
        category: if at.is_some() || from.is_some() {
            Category::HistoricalIdentification
        } else {
            Category::CurrentIdentification
        },
        query,
        term,
    })
}

fn ts(s: i64) -> jiff::Timestamp {
    jiff::Timestamp::from_second(s).unwrap_or(jiff::Timestamp::UNIX_EPOCH)
}

fn query(args: &LookupArgs, zone: LegalZone) -> Result<Query> {
    let (kind, value) = [
        (IdentKind::Msisdn, &args.msisdn),
        (IdentKind::Imsi, &args.imsi),
        (IdentKind::Imei, &args.imei),
        (IdentKind::Ip, &args.ip),
        (IdentKind::Email, &args.email),
        (IdentKind::UserId, &args.user_id),
        (IdentKind::Mac, &args.mac),
    ]
    .into_iter()
    .find_map(|(k, v)| v.clone().map(|v| (k, v)))
    .ok_or_else(|| anyhow!("give one identifier, e.g. --msisdn 0612345678"))?;
    let time = |flag: &str, s: &str| -> Result<i64> {
        Ok(parse_time(s, zone)
            .map_err(|e| anyhow!("--{flag}: {e}"))?
            .as_second())
    };
    let when = match (&args.at, &args.from, &args.to) {
        (Some(at), _, _) => When::At {
            at: time("at", at)?,
        },
        (None, Some(from), Some(to)) => When::Between {
            from: time("from", from)?,
            to: time("to", to)?,
        },
        _ => When::At { at: super::now() },
    };
    let default_country: Country = args
        .country
        .parse()
        .map_err(|e| anyhow!("--country: {e}"))?;
    Ok(Query {
        kind,
        value,
        when,
        default_country,
    })
}

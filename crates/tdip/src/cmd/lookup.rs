//! `tdip lookup`: a demand judged, answered and logged (see `tdip_core::consult`).

use std::path::Path;

use anyhow::Result;
use tdip_core::consult::{Channel, ConsultError};
use tdip_model::LegalZone;

use crate::cli::LookupArgs;
use tdip_api::LookupRequest;
use tdip_point::point::Point;
use tdip_server::error::ApiError;

pub async fn run(data: &Path, point: &Point, args: &LookupArgs, zone: LegalZone) -> Result<i32> {
    let asked = tdip_server::asked(request(args));
    if asked.asks_traffic() {
        return super::traffic::lookup(data, point, &asked, args.json, zone).await;
    }
    let (demand, query) = asked.resolve(zone, super::now(), "--");
    let catalogue =
        tdip_point::point::catalogue_checked(data, &point.auditor, super::now()).await?;
    let deadlines = tdip_point::point::deadlines(data)?;
    let spooled = point.spool.entries()?.len();
    if spooled > 0 {
        eprintln!(
            "NOTE: {spooled} deliveries received while the point was sealed are not applied \
             yet, so this answer does not include them; run `tdip spool apply --share …`"
        );
    }
    let p = point.consulting(&catalogue, &deadlines, zone);
    match tdip_point::asked::consult(&p, &demand, &query, Channel::Cli, super::now()).await {
        Ok(done) => {
            // The same type the API answers with, so `--json` here and through
            // `--server` print the same.
            let a = tdip_server::answered(&done);
            if args.json {
                println!("{}", serde_json::to_string_pretty(&a)?);
            } else {
                print!("{}", crate::render::answered(&a, zone));
            }
            Ok(0)
        }
        Err(ConsultError::Refused {
            consultation,
            code,
            reason,
        }) => Ok(refused(args.json, &consultation, code, &reason)?),
        Err(ConsultError::Core(e)) => Err(e.into()),
    }
}

/// Prints a refusal (as the API's error shape too with `--json`); the exit status 3.
pub fn refused(json: bool, consultation: &str, code: &'static str, reason: &str) -> Result<i32> {
    if json {
        // The API's error shape, as `POST /v1/lookups` answers a refusal.
        let e = ApiError::refused(code, reason).logged_as(consultation.to_owned());
        println!("{}", serde_json::to_string_pretty(e.body())?);
    }
    eprintln!("REFUSED: {reason}\n(consultation {consultation}; the refusal is logged)");
    Ok(3)
}

/// The flags as the request they make (the same the API takes).
pub fn request(args: &LookupArgs) -> LookupRequest {
    let d = &args.demand;
    LookupRequest {
        msisdn: args.msisdn.clone(),
        imsi: args.imsi.clone(),
        imei: args.imei.clone(),
        ip: args.ip.clone(),
        email: args.email.clone(),
        user_id: args.user_id.clone(),
        mac: args.mac.clone(),
        at: args.at.clone(),
        from: args.from.clone(),
        to: args.to.clone(),
        country: args.country.clone(),
        agency: d.agency.clone(),
        officer: d.officer.clone().unwrap_or_default(),
        basis: d.basis.clone().unwrap_or_default(),
        case: d.case_reference.clone().unwrap_or_default(),
        authorised_by: d.authorised_by.clone(),
        urgent: d.urgent,
        term: d.term.clone(),
        port: args.port,
        through_traffic: args.through_traffic,
        traffic: args.traffic,
        tolerance: args.tolerance,
        communications: args.communications,
        devices: args.devices,
        cell_dump: args.cell_dump.then(|| tdip_api::CellDumpRequest {
            cells: args.cells.clone(),
            near: args.near.clone(),
            radius_metres: args.radius,
        }),
    }
}

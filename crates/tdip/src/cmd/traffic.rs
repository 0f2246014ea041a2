//! `tdip traffic deliver|batches`, and `tdip lookup` when it asks the retained traffic data
//! (`--port`, `--through-traffic`, `--traffic`, `--tolerance`).

use std::path::Path;

use anyhow::{Result, anyhow, bail};
use hyper::{Method, StatusCode};
use serde_json::Value;
use tdip_api::TrafficUpload;
use tdip_core::consult::{Channel, ConsultError};
use tdip_model::LegalZone;
use tdip_point::asked::Asked;
use tdip_point::point::Point;
use tdip_store::TrafficKind;

use crate::cli::{TrafficBatchesArgs, TrafficDeliverArgs};
use crate::render::time;

/// A traffic question consulted on the local point.
pub async fn lookup(
    data: &Path,
    point: &Point,
    asked: &Asked,
    json: bool,
    zone: LegalZone,
) -> Result<i32> {
    let now = super::now();
    let (demand, ask) = asked.resolve_traffic(zone, now, "--");
    let catalogue = tdip_point::point::catalogue_checked(data, &point.auditor, now).await?;
    let deadlines = tdip_point::point::deadlines(data)?;
    let p = point.consulting(&catalogue, &deadlines, zone);
    match tdip_point::asked_traffic::consult(&p, &demand, &ask, Channel::Cli, now).await {
        Ok(done) => {
            let a = tdip_server::traffic_answered(&done);
            if json {
                println!("{}", serde_json::to_string_pretty(&a)?);
            } else {
                print!("{}", crate::render_traffic::answered(&a, zone));
            }
            Ok(0)
        }
        Err(ConsultError::Refused {
            consultation,
            code,
            reason,
        }) => super::lookup::refused(json, &consultation, code, &reason),
        Err(ConsultError::Core(e)) => Err(e.into()),
    }
}

/// The batch id given, or the file name without its extensions.
fn batch_id(args: &TrafficDeliverArgs) -> Result<String> {
    if let Some(id) = &args.batch {
        return Ok(id.clone());
    }
    let name = args
        .file
        .file_name()
        .and_then(|n| n.to_str())
        .ok_or_else(|| anyhow!("--batch ID: the file name cannot serve as the batch id"))?;
    Ok(name.split('.').next().unwrap_or(name).to_owned())
}

fn kind(args: &TrafficDeliverArgs) -> Result<TrafficKind> {
    TrafficKind::parse(&args.kind).ok_or_else(|| {
        anyhow!(
            "--kind {}: use cgnat (port-block assignments) or session (access sessions)",
            args.kind
        )
    })
}

/// `tdip traffic deliver` on the local point.
pub async fn deliver(point: &Point, args: &TrafficDeliverArgs, zone: LegalZone) -> Result<i32> {
    let report = tdip_point::traffic::deliver_file(
        point,
        &args.provider,
        &batch_id(args)?,
        kind(args)?,
        &args.file,
    )
    .await?;
    print_report(&serde_json::to_value(&report)?, args.json, zone)
}

/// `tdip traffic deliver --server`: streamed to the service.
pub async fn deliver_remote(args: &TrafficDeliverArgs, zone: LegalZone) -> Result<i32> {
    let client = super::remote::client_of(&args.remote)?;
    let query = serde_urlencoded::to_string(TrafficUpload {
        kind: kind(args)?.as_str().to_owned(),
        batch: batch_id(args)?,
        provider: Some(args.provider.clone()),
    })?;
    let file = std::fs::File::open(&args.file)
        .map_err(|e| anyhow!("cannot read {}: {e}", args.file.display()))?;
    let (status, bytes) = client
        .call(
            Method::POST,
            &format!("/v1/traffic/batches?{query}"),
            tdip_client::file(file),
        )
        .await?;
    if !matches!(status, StatusCode::OK | StatusCode::UNPROCESSABLE_ENTITY) {
        let p = super::remote::problem(status, &bytes);
        bail!(
            "the service answered {} ({}): {}",
            status,
            p.code,
            p.message
        );
    }
    print_report(&serde_json::from_slice(&bytes)?, args.json, zone)
}

/// Prints a batch's report; exit status 1 when it was rejected.
fn print_report(report: &Value, json: bool, zone: LegalZone) -> Result<i32> {
    let outcome = report["batch"].as_str().unwrap_or_default();
    if json {
        println!("{}", serde_json::to_string_pretty(report)?);
    } else {
        let head = format!(
            "batch {} of provider {} ({})",
            report["batch_id"].as_str().unwrap_or_default(),
            report["provider"].as_str().unwrap_or_default(),
            report["kind"].as_str().unwrap_or_default()
        );
        match outcome {
            "rejected" => {
                println!(
                    "{head}: REJECTED, nothing stored — {} bad records of {}:",
                    report["error_count"], report["records"]
                );
                for e in report["errors"].as_array().into_iter().flatten() {
                    println!(
                        "  line {}, {}: {}",
                        e["line"],
                        e["field"].as_str().unwrap_or_default(),
                        e["reason"].as_str().unwrap_or_default()
                    );
                }
            }
            _ => {
                let span = match (report["first_at"].as_i64(), report["last_at"].as_i64()) {
                    (Some(a), Some(b)) if b > 0 => {
                        format!(", from {} to {}", time(a, zone), time(b, zone))
                    }
                    _ => String::new(),
                };
                println!(
                    "{head}: {}{} — {} records: {} stored with their end, {} still open, {} \
                     open records of earlier batches closed{span}",
                    if outcome == "already-applied" {
                        "ALREADY APPLIED (this exact batch was accepted before; nothing changed)"
                    } else {
                        "accepted"
                    },
                    format_args!(" (batch log {})", report["seq"]),
                    report["records"],
                    report["closed"],
                    report["opened"],
                    report["ended"],
                );
            }
        }
    }
    Ok(i32::from(outcome == "rejected"))
}

/// `tdip traffic batches`.
pub async fn batches<S: tdip_store::TrafficStore>(
    store: &S,
    args: &TrafficBatchesArgs,
    zone: LegalZone,
) -> Result<i32> {
    let log = tdip_point::traffic::batches(store, args.provider.as_deref(), args.limit).await?;
    let log: Vec<tdip_api::TrafficBatch> = log.iter().map(tdip_server::traffic_batch).collect();
    if args.json {
        println!("{}", serde_json::to_string_pretty(&log)?);
        return Ok(0);
    }
    if log.is_empty() {
        println!("no traffic batches yet");
    }
    for b in &log {
        println!(
            "{:>6}  {}  {:<12} {:<8} {:<24} {:<9} {} records ({} closed, {} open, {} ended, {} errors)",
            b.seq,
            time(b.received_at, zone),
            b.provider,
            b.kind,
            b.batch,
            b.outcome,
            b.records,
            b.closed,
            b.opened,
            b.ended,
            b.errors
        );
    }
    Ok(0)
}

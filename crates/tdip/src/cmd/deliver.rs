//! `tdip deliver` and `tdip deliveries`.

use std::io::IsTerminal;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use anyhow::{Context, Result, anyhow, bail};
use indicatif::{ProgressBar, ProgressStyle};
use tdip_core::CoreError;
use tdip_core::ingest::{DeliveryReport, Format};
use tdip_model::{LegalZone, parse_time};
use tdip_point::deliver::SpoolOutcome;
use tdip_store::Store;

use crate::cli::{Cli, DeliverArgs, DeliveriesArgs};
use crate::render::time;
use tdip_core::audit::Event;
use tdip_point::point::{self, Point};
use tdip_point::store::AnyStore;

pub async fn run(point: &Point, args: &DeliverArgs, zone: LegalZone) -> Result<i32> {
    let snapshot_at = parse_time(&args.snapshot_at, zone)
        .map_err(|e| anyhow!("--snapshot-at: {e}"))?
        .as_second();
    // Deliveries spooled while the point was sealed arrived first: they go first.
    if !point.spool.entries()?.is_empty() {
        apply_spool(point).await?;
    }
    let report = deliver_file(
        point,
        &args.provider,
        &args.file,
        args.format.as_deref(),
        snapshot_at,
        args.allow_mass_close,
    )
    .await?;
    let json = serde_json::to_string_pretty(&report)?;
    if let Some(path) = &args.report {
        std::fs::write(path, &json)
            .with_context(|| format!("cannot write the report to {}", path.display()))?;
    }
    if args.json {
        println!("{json}");
    } else {
        print_report(&report);
    }
    Ok(if report.accepted() { 0 } else { 1 })
}

/// Accepts a delivery into the encrypted spool of a sealed point: durable when this
/// returns, validated and applied when the point is unsealed.
pub async fn spool(cli: &Cli, args: &DeliverArgs, zone: LegalZone) -> Result<i32> {
    let snapshot_at = parse_time(&args.snapshot_at, zone)
        .map_err(|e| anyhow!("--snapshot-at: {e}"))?
        .as_second();
    let format = format_of(&args.file, args.format.as_deref())?;
    // Refused now rather than when unsealed: nothing else of a spooled file is judged
    // before then, but this needs no key and tells the provider at once.
    let now = super::now();
    if let Some(why) = point::delivery_policy(&cli.data)?.future_snapshot(snapshot_at, now) {
        bail!("--snapshot-at {why}");
    }
    let Some(recipient) = point::spool_recipient(&cli.data)? else {
        bail!(
            "sealed: this point has no spool key yet (it was initialised before the spool \
             existed); give one --share FILE per custodian to deliver, which also creates it"
        );
    };
    let store = point::open_store(&cli.data, &cli.store).await?;
    if store.provider(&args.provider).await?.is_none() {
        return Err(CoreError::UnknownProvider(args.provider.clone()).into());
    }
    let entry = point::spool(&cli.data).put(
        &recipient,
        &args.provider,
        snapshot_at,
        format,
        args.allow_mass_close,
        &args.file,
    )?;
    point::open_auditor(&cli.data, &cli.store)
        .await?
        .record(now, vec![tdip_point::deliver::spooled(&entry.provider)])
        .await?;
    let json = serde_json::json!({
        "delivery": "spooled",
        "provider": entry.provider,
        "spool_entry": entry.name,
        "bytes": entry.bytes,
        "checksum": hex::encode(entry.checksum),
    });
    if let Some(path) = &args.report {
        std::fs::write(path, serde_json::to_string_pretty(&json)?)
            .with_context(|| format!("cannot write the report to {}", path.display()))?;
    }
    if args.json {
        println!("{}", serde_json::to_string_pretty(&json)?);
    } else {
        println!(
            "delivery of {} SPOOLED ({} bytes, encrypted): the point is sealed, so it is not \
             validated yet; it is applied, and its row-level report given, when the point is \
             unsealed (`tdip spool apply --share …`)",
            entry.provider, entry.bytes
        );
    }
    Ok(0)
}

/// Lists the spool, waiting and set-aside entries (works sealed).
pub async fn spool_list(cli: &Cli, zone: LegalZone) -> Result<i32> {
    point::open_store(&cli.data, &cli.store).await?;
    let spool = point::spool(&cli.data);
    let (entries, aside) = (spool.entries()?, spool.set_aside()?);
    println!(
        "{:<40} {:<16} {:<26} {:<26} {:>12}  state",
        "entry", "provider", "snapshot", "received", "bytes"
    );
    let waiting = entries.iter().map(|e| (e, None));
    let set_aside = aside.iter().map(|a| (&a.entry, Some(a.reason.as_str())));
    for (e, reason) in waiting.chain(set_aside) {
        println!(
            "{:<40} {:<16} {:<26} {:<26} {:>12}  {}",
            e.name,
            e.provider,
            time(e.snapshot_at, zone),
            time(e.received_at, zone),
            e.bytes,
            match reason {
                None => "waiting".to_owned(),
                Some(why) => format!("SET ASIDE: {why}"),
            }
        );
    }
    eprintln!(
        "{} spooled deliveries waiting, {} set aside",
        entries.len(),
        aside.len()
    );
    Ok(0)
}

/// Discards a set-aside spool entry, logged (works sealed).
pub async fn spool_discard(cli: &Cli, name: &str) -> Result<i32> {
    point::open_store(&cli.data, &cli.store).await?;
    let gone = point::spool(&cli.data).discard(name).await?;
    point::open_auditor(&cli.data, &cli.store)
        .await?
        .record(
            super::now(),
            vec![Event::Config {
                change: "spool-entry-discarded".into(),
                subject: format!("spool entry {name}"),
                detail: format!(
                    "delivery of {} ({} bytes, checksum {}), set aside: {}",
                    gone.entry.provider,
                    gone.entry.bytes,
                    hex::encode(gone.entry.checksum),
                    gone.reason
                ),
            }],
        )
        .await?;
    eprintln!("spool entry {name} of {} discarded", gone.entry.provider);
    Ok(0)
}

/// Applies the spool, printing each delivery's report; exit status 1 if one was rejected.
pub async fn apply_spool(point: &Point) -> Result<i32> {
    let applied = tdip_point::deliver::apply_spool(point).await?;
    let mut status = 0;
    for (entry, outcome) in &applied {
        match outcome {
            SpoolOutcome::SetAside(report) => {
                print!("from the spool, SET ASIDE: ");
                print_report(report);
                status = 1;
            }
            SpoolOutcome::Delivered(report) => {
                print!("from the spool: ");
                print_report(report);
                if !report.accepted() {
                    status = 1;
                }
            }
            SpoolOutcome::AlreadyApplied => println!(
                "from the spool: the delivery of {} was already applied; entry removed",
                entry.provider
            ),
        }
    }
    eprintln!("{} spooled deliveries applied", applied.len());
    Ok(status)
}

/// The format as `--format` names it, or from the file's name.
fn format_of(file: &Path, format: Option<&str>) -> Result<Format> {
    tdip_point::deliver::format_of(file, format).map_err(|e| match format {
        Some(_) => anyhow!("--{e}"),
        None => e,
    })
}

/// Delivers one file (ingest, audit entry, upkeep: `tdip_point::deliver`), with a
/// progress bar when standard error is a terminal.
pub async fn deliver_file(
    point: &Point,
    provider: &str,
    file: &Path,
    format: Option<&str>,
    snapshot_at: i64,
    allow_mass_close: bool,
) -> Result<DeliveryReport> {
    let format = format_of(file, format)?;
    let size = std::fs::metadata(file)
        .with_context(|| format!("cannot read {}", file.display()))?
        .len();
    let progress = Arc::new(AtomicU64::new(0));
    let done = Arc::new(AtomicBool::new(false));
    let bar = std::io::stderr().is_terminal().then(|| {
        let (progress, done) = (progress.clone(), done.clone());
        std::thread::spawn(move || {
            let bar = ProgressBar::new(size).with_style(
                ProgressStyle::with_template(
                    "{bar:40} {bytes}/{total_bytes} {bytes_per_sec} eta {eta}",
                )
                .expect("a valid progress template"),
            );
            while !done.load(Ordering::Relaxed) {
                bar.set_position(progress.load(Ordering::Relaxed));
                std::thread::sleep(Duration::from_millis(100));
            }
            bar.finish_and_clear();
        })
    });
    let result = tdip_point::deliver::deliver_file(
        point,
        provider,
        file,
        format,
        snapshot_at,
        allow_mass_close,
        progress,
    )
    .await;
    done.store(true, Ordering::Relaxed);
    if let Some(bar) = bar {
        let _ = bar.join();
    }
    result
}

fn print_report(r: &DeliveryReport) {
    print_report_json(&serde_json::to_value(r).unwrap_or_default());
}

/// Prints a delivery's report (as `--json` gives it, and the API): accepted with its
/// counts, or rejected with every bad row's line, field and reason.
pub fn print_report_json(r: &serde_json::Value) {
    let n = |k: &str| r[k].as_u64().unwrap_or(0);
    let (id, provider) = (&r["id"], r["provider"].as_str().unwrap_or_default());
    if r["delivery"] == "accepted" {
        println!(
            "delivery {id} of {provider} ACCEPTED: {} rows; {} opened, {} changed, {} closed, {} unchanged{}{}",
            n("rows"),
            n("opened"),
            n("changed"),
            n("closed"),
            n("unchanged"),
            match (n("payments"), n("payments_not_kept")) {
                (0, 0) => String::new(),
                (kept, 0) => format!("; {kept} new payments"),
                (kept, old) =>
                    format!("; {kept} new payments, {old} past the payment term not kept"),
            },
            if r["mass_close"] == true {
                " (a mass closure, allowed by the delivery; logged)"
            } else {
                ""
            }
        );
        return;
    }
    let errors = r["errors"].as_array().cloned().unwrap_or_default();
    println!(
        "delivery {id} of {provider} REJECTED: {} problem(s) in {} rows; nothing was changed",
        errors.len() as u64 + n("errors_truncated"),
        n("rows")
    );
    println!("{:>8}  {:<24} reason", "line", "field");
    for e in &errors {
        println!(
            "{:>8}  {:<24} {}",
            e["line"],
            e["field"].as_str().unwrap_or_default(),
            e["reason"].as_str().unwrap_or_default()
        );
    }
    if n("errors_truncated") > 0 {
        println!("… and {} more (see --report)", n("errors_truncated"));
    }
}

pub async fn log(store: &AnyStore, args: &DeliveriesArgs, zone: LegalZone) -> Result<i32> {
    let grace = i64::from(args.grace_hours) * 3600;
    let (log, standing) = tdip_point::deliver::status(
        store,
        args.provider.as_deref(),
        args.limit,
        grace,
        super::now(),
    )
    .await?;
    if args.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&tdip_server::status_json(&log, &standing))?
        );
        return Ok(0);
    }
    println!(
        "{:>5}  {:<12} {:<34} {:<34} {:>9} {:>7} {:>7} {:>7}  outcome",
        "id", "provider", "received", "snapshot", "rows", "opened", "changed", "closed"
    );
    for d in &log {
        let x = &d.delivery;
        println!(
            "{:>5}  {:<12} {:<34} {:<34} {:>9} {:>7} {:>7} {:>7}  {}{}",
            d.id,
            x.provider,
            time(x.received_at, zone),
            time(x.snapshot_at, zone),
            x.rows,
            x.opened,
            x.changed,
            x.closed,
            x.outcome.as_str(),
            if x.errors > 0 {
                format!(" ({} errors)", x.errors)
            } else {
                String::new()
            }
        );
    }
    println!();
    for s in &standing {
        let last = s
            .latest_received
            .map_or("never".to_owned(), |t| time(t, zone));
        let state = if s.late {
            format!("LATE by {}", duration(s.overdue_seconds))
        } else {
            "on time".to_owned()
        };
        println!(
            "{:<12} last accepted delivery received {last}: {state}",
            s.provider
        );
    }
    Ok(0)
}

fn duration(secs: i64) -> String {
    format!("{}h{:02}m", secs / 3600, (secs % 3600) / 60)
}

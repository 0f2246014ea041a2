//! `tdip audit …`: verify the log, prove an entry, export a checkpoint, read the log
//! (oversight), an officer's own history, and the retention purge. None of these reads
//! subscriber data; all work with the point sealed.

use anyhow::{Result, bail};
use tdip_core::audit::{self, retention};
use tdip_model::LegalZone;
use tdip_point::{integrity, reports};

use crate::cli::{AuditCmd, Cli};
use crate::render;
use tdip_point::point;

pub async fn run(cli: &Cli, cmd: &AuditCmd, zone: LegalZone) -> Result<i32> {
    // Verifying and reading the log must work on a log that the start's check refuses:
    // they are how the damage is looked at (verify makes the same check itself).
    if matches!(cmd, AuditCmd::Verify { .. } | AuditCmd::Log { .. }) {
        tdip_point::audit_head::checked_by_command(&cli.data);
    }
    // A supervisor's witness needs no data directory.
    if !matches!(cmd, AuditCmd::Witness { .. }) {
        point::open_store(&cli.data, &cli.store).await?;
    }
    match cmd {
        AuditCmd::Witness { dir, file } => super::witness::run(dir, file, zone),
        AuditCmd::Verify {
            checkpoints,
            check_store,
        } => {
            let status = verify(cli, checkpoints, zone).await?;
            match check_store {
                true => Ok(status.max(check_store_against_log(cli).await?)),
                false => Ok(status),
            }
        }
        AuditCmd::AdoptStore { yes } => adopt_store(cli, *yes).await,
        AuditCmd::Prove { entry } => {
            let auditor = point::open_auditor(&cli.data, &cli.store).await?;
            let key = point::audit_public(&cli.data)?;
            let p = audit::prove(auditor.store(), *entry).await?;
            println!("entry {}", p.entry.seq);
            println!("kind {}", p.entry.kind);
            println!("at {}", render::time(p.entry.at, zone));
            println!("digest {}", hex::encode(p.entry.digest));
            println!("proof {}", hex::encode(&p.path));
            print!("{}", p.head.to_checkpoint(&key));
            Ok(0)
        }
        AuditCmd::Checkpoint { since, unseal, .. } => {
            let unsealed = !unseal.shares.is_empty() || !point::has_custodians(&cli.data);
            let (head, auditor) = if unsealed {
                let p =
                    point::open(&cli.data, &cli.store, &unseal.unsealing(), super::clock()).await?;
                p.auditor.sign(super::now()).await?;
                (reports::latest_head(&p.auditor).await?, p.auditor)
            } else {
                let a = point::open_auditor(&cli.data, &cli.store).await?;
                (reports::latest_head(&a).await?, a)
            };
            let head = head.ok_or_else(|| {
                anyhow::anyhow!(
                    "no head has been signed yet; one is signed at the end of every unsealed command"
                )
            })?;
            print!("{}", head.to_checkpoint(&point::audit_public(&cli.data)?));
            if let Some(old) = since {
                let proof = audit::consistency(auditor.store(), *old, head.head.size).await?;
                println!(
                    "{} {old} {}",
                    audit::witness::PROOF_LINE,
                    hex::encode(proof)
                );
            }
            Ok(0)
        }
        AuditCmd::Log { from, limit, json } => {
            let auditor = point::open_auditor(&cli.data, &cli.store).await?;
            for (e, body) in audit::entries(auditor.store(), *from, *limit).await? {
                if *json {
                    println!(
                        "{}",
                        serde_json::json!({ "entry": e.seq, "at": e.at, "kind": e.kind,
                            "digest": hex::encode(e.digest),
                            "body": body.map(|b| b.event.to_json()) })
                    );
                } else {
                    let text = body
                        .map_or("(body destroyed at the end of its retention)".into(), |b| {
                            b.event.to_json().to_string()
                        });
                    println!(
                        "{:>6}  {}  {:<11} {text}",
                        e.seq,
                        render::time(e.at, zone),
                        e.kind
                    );
                }
            }
            Ok(0)
        }
        AuditCmd::History { agency, officer } => history(cli, agency, officer, zone).await,
        AuditCmd::Deadlines { from, to, json } => {
            let (from, to) =
                reports::period(from.as_deref(), to.as_deref(), zone, "--", super::now())?;
            let auditor = point::open_auditor(&cli.data, &cli.store).await?;
            let report = audit::deadline_report(auditor.store(), from, to).await?;
            if *json {
                println!("{}", serde_json::to_string_pretty(&report)?);
            } else {
                print!("{}", deadlines_text(&report, zone));
            }
            Ok(0)
        }
        AuditCmd::Retention => {
            for c in reports::retention_in_force(&cli.data)?.classes {
                let keep = c
                    .keep_at_least_years
                    .map_or("-".into(), |y| format!("{y} years"));
                let destroy = c
                    .destroy_after_years
                    .map_or("never".into(), |y| format!("after {y} years"));
                println!(
                    "{:<20} kinds {:<28} keep at least {:<9} destroy {destroy}\n    {}",
                    c.id,
                    c.kinds.join(","),
                    keep,
                    c.description
                );
            }
            Ok(0)
        }
        AuditCmd::Purge { yes } => {
            let retention = reports::retention_in_force(&cli.data)?;
            let now = super::now();
            if !yes {
                for (class, kind, before) in retention.due(now)? {
                    println!(
                        "due: bodies of {kind} entries (class {}) from before {}",
                        class.id,
                        render::time(before, zone)
                    );
                }
                eprintln!("nothing destroyed; run again with --yes to destroy them");
                return Ok(0);
            }
            let auditor = point::open_auditor(&cli.data, &cli.store).await?;
            for p in retention::purge(&auditor, &retention, now).await? {
                println!(
                    "destroyed {} bodies of {} entries (class {}) from before {}",
                    p.count,
                    p.kind,
                    p.class,
                    render::time(p.before, zone)
                );
            }
            Ok(0)
        }
    }
}

async fn verify(cli: &Cli, files: &[std::path::PathBuf], zone: LegalZone) -> Result<i32> {
    let auditor = point::open_auditor(&cli.data, &cli.store).await?;
    let v = reports::verify_log(&cli.data, &auditor, files, super::now()).await?;
    println!(
        "the audit log verifies: {} entries ({} bodies destroyed by recorded purges at the end \
         of their retention), {} signed heads checked",
        v.entries, v.purged, v.heads
    );
    if let Some(h) = v.latest {
        println!(
            "latest head: {} entries, signed {}; {} entries after it, to be covered by the next head",
            h.head.size,
            render::time(h.head.at, zone),
            v.unsigned
        );
    }
    Ok(0)
}

/// An officer's own consultations, oldest first: what was asked and the outcome. The
/// identifier is not shown: the log holds it only sealed.
async fn history(cli: &Cli, agency: &str, officer: &str, zone: LegalZone) -> Result<i32> {
    let auditor = point::open_auditor(&cli.data, &cli.store).await?;
    let past = reports::officer_history(&auditor, agency, officer).await?;
    if past.is_empty() {
        println!("no consultations by officer {officer} of {agency} in the log");
    }
    for c in past {
        println!(
            "{}  {}  {}  → {}",
            render::time(c.at, zone),
            c.reference,
            c.asked,
            c.outcome
        );
    }
    Ok(0)
}

/// `tdip audit verify --check-store`: every difference between the store and what the log
/// recorded, each also logged; exit status 1 if there is one.
async fn check_store_against_log(cli: &Cli) -> Result<i32> {
    let check = integrity::check_store(&cli.data, &cli.store, super::now()).await?;
    if let Some(seq) = check.adopted_at {
        println!("the store was adopted as it was at audit entry {seq} (`tdip audit adopt-store`)");
    }
    if !check.unchecked.is_empty() {
        println!(
            "not checked: {} (their deliveries were accepted before tdip recorded each \
             delivery's state; the next accepted delivery records it)",
            check.unchecked.join(", ")
        );
    }
    if check.findings.is_empty() {
        println!(
            "the store matches the audit log: {} providers, every accepted delivery, their \
             versions, index entries and snapshot indexes",
            check.providers
        );
        return Ok(0);
    }
    println!(
        "the store does NOT match the audit log ({} findings):",
        check.findings.len()
    );
    for f in &check.findings {
        println!("  {f}");
    }
    println!(
        "Leave the data directory and the database as they are and report it to the \
         supervisor. Restore the database from a backup not older than the latest accepted \
         delivery; if those deliveries are lost, `tdip audit adopt-store --yes` records the \
         store as it is (logged)."
    );
    Ok(1)
}

/// `tdip audit adopt-store --yes`.
async fn adopt_store(cli: &Cli, yes: bool) -> Result<i32> {
    if !yes {
        bail!(
            "adopting the store records its present state as every provider's state, so that \
             deliveries lost with a restored backup are no longer asked for; it is logged. \
             Run `tdip audit verify --check-store` first, then add --yes"
        );
    }
    let n = integrity::adopt_store(&cli.data, &cli.store, super::now()).await?;
    println!("the store was adopted as it is: {n} providers' states recorded in the audit log");
    Ok(0)
}

/// The deadline report for people: per rule, then the late and the unanswered.
pub fn deadlines_text(r: &audit::DeadlineReport, zone: LegalZone) -> String {
    let mut out = format!(
        "{:<16} {:>9} {:>6} {:>9} {:>9} {:>9}\n",
        "rule", "answered", "late", "p50 ms", "p99 ms", "max ms"
    );
    for f in &r.rules {
        out.push_str(&format!(
            "{:<16} {:>9} {:>6} {:>9} {:>9} {:>9}\n",
            f.rule, f.answered, f.late, f.p50_ms, f.p99_ms, f.max_ms
        ));
    }
    if r.untimed > 0 {
        out.push_str(&format!(
            "{} answers were logged before due times were recorded\n",
            r.untimed
        ));
    }
    for l in &r.late {
        out.push_str(&format!(
            "LATE {}  received {}, due {} ({}), took {} ms\n",
            l.consultation,
            render::time(l.received, zone),
            render::time(l.due, zone),
            l.rule,
            l.took_ms
        ));
    }
    for u in &r.unanswered {
        out.push_str(&format!(
            "UNANSWERED {}  received {}: the point failed (see the service's log)\n",
            u.consultation,
            render::time(u.received, zone)
        ));
    }
    if r.late.is_empty() && r.unanswered.is_empty() {
        out.push_str("no demand was answered late or left unanswered\n");
    }
    out
}

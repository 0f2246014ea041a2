//! `tdip audit …`: verify the log, prove an entry, export a checkpoint, read the log
//! (oversight), an officer's own history, and the retention purge. None of these reads
//! subscriber data; all work with the point sealed.

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

use anyhow::{Context, Result, bail};
use tdip_audit::SignedHead;
use tdip_core::audit::{self, Event, Outcome, retention};
use tdip_model::LegalZone;

use crate::cli::{AuditCmd, Cli};
use crate::point;
use crate::render;

const RETENTION_FILE: &str = "audit-retention.toml";

pub async fn run(cli: &Cli, cmd: &AuditCmd, zone: LegalZone) -> Result<i32> {
    // Verifying and reading the log must work on a log that the start's check refuses:
    // they are how the damage is looked at (verify makes the same check itself).
    if matches!(cmd, AuditCmd::Verify { .. } | AuditCmd::Log { .. }) {
        crate::audit_head::checked_by_command(&cli.data);
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
                true => Ok(status.max(crate::integrity::verify_store(cli).await?)),
                false => Ok(status),
            }
        }
        AuditCmd::AdoptStore { yes } => crate::integrity::adopt(cli, *yes).await,
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
        AuditCmd::Checkpoint { since } => {
            let (head, auditor) = if !cli.shares.is_empty() || !point::has_custodians(&cli.data) {
                let p = point::open(&cli.data, &cli.store, &cli.unsealing()).await?;
                p.auditor.sign(super::now()).await?;
                (latest(&p.auditor).await?, p.auditor)
            } else {
                let a = point::open_auditor(&cli.data, &cli.store).await?;
                (latest(&a).await?, a)
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
            let (from, to) = period(from, to, zone, "--")?;
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
            for c in retention_in_force(&cli.data)?.classes {
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
            let retention = retention_in_force(&cli.data)?;
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
    let key = point::audit_public(&cli.data)?;
    let mut checkpoints: Vec<SignedHead> = Vec::new();
    for f in files {
        let text = fs::read_to_string(f).with_context(|| format!("cannot read {}", f.display()))?;
        let (head, theirs) = SignedHead::from_checkpoint(&text)
            .with_context(|| format!("{} is not a checkpoint", f.display()))?;
        if theirs != key {
            bail!(
                "{} was signed by key {}, but this point's audit key (audit.pub) is {}: the key \
                 file or the checkpoint was replaced",
                f.display(),
                hex::encode(theirs.as_bytes()),
                hex::encode(key.as_bytes())
            );
        }
        checkpoints.push(head);
    }
    let auditor = point::open_auditor(&cli.data, &cli.store).await?;
    // The head kept outside the database counts as a checkpoint, and must still be stored.
    let kept = crate::audit_head::kept(&cli.data, &key)?;
    checkpoints.extend(kept);
    let retention = retention_in_force(&cli.data)?;
    let v = audit::verify(
        auditor.store(),
        &key,
        &checkpoints,
        &retention,
        super::now(),
    )
    .await?;
    if let Some(kept) = kept {
        let file = crate::audit_head::head_file(&cli.data);
        audit::still_stored(auditor.store(), &kept, &file).await?;
    }
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

/// The latest signed head, if any.
pub async fn latest(
    auditor: &audit::Auditor<crate::audit_store::AnyAudit>,
) -> Result<Option<SignedHead>> {
    Ok(audit::signed_heads(auditor.store())
        .await?
        .into_iter()
        .max_by_key(|h| h.head.size))
}

/// An officer's own consultations, oldest first: what was asked and the outcome. The
/// identifier is not shown: the log holds it only sealed.
async fn history(cli: &Cli, agency: &str, officer: &str, zone: LegalZone) -> Result<i32> {
    let auditor = point::open_auditor(&cli.data, &cli.store).await?;
    let mut rows: BTreeMap<String, (i64, String, String)> = BTreeMap::new();
    let mut order: Vec<String> = Vec::new();
    let mut from = 0;
    loop {
        let page = audit::entries(auditor.store(), from, 10_000).await?;
        let Some(last) = page.last() else { break };
        from = last.0.seq + 1;
        for (e, body) in page {
            let Some(body) = body else { continue };
            match body.event {
                Event::Request {
                    consultation,
                    agency: a,
                    officer: o,
                    basis,
                    case_reference,
                    query,
                    ..
                } if a == agency && o == officer => {
                    rows.insert(
                        consultation.clone(),
                        (
                            e.at,
                            format!("{basis} case {case_reference} by {query}"),
                            String::new(),
                        ),
                    );
                    order.push(consultation);
                }
                Event::Answer {
                    consultation,
                    outcome,
                    records,
                    ..
                }
                | Event::Answered {
                    consultation,
                    outcome,
                    records,
                    ..
                } if rows.contains_key(&consultation) => {
                    if let Some(r) = rows.get_mut(&consultation) {
                        r.2 = match outcome {
                            Outcome::Hit => format!("hit, {records} records"),
                            Outcome::NoHit => "no hit".into(),
                        };
                    }
                }
                Event::Refusal {
                    consultation,
                    reason,
                    ..
                } if rows.contains_key(&consultation) => {
                    if let Some(r) = rows.get_mut(&consultation) {
                        r.2 = format!("refused: {reason}");
                    }
                }
                _ => {}
            }
        }
    }
    if order.is_empty() {
        println!("no consultations by officer {officer} of {agency} in the log");
    }
    for c in order {
        let (at, what, outcome) = &rows[&c];
        println!("{}  {c}  {what}  → {outcome}", render::time(*at, zone));
    }
    Ok(0)
}

/// The retention classes: the data directory's `audit-retention.toml`, else the shipped ones.
fn retention_in_force(data: &Path) -> Result<retention::Retention> {
    let path = data.join(RETENTION_FILE);
    match fs::read_to_string(&path) {
        Ok(text) => Ok(retention::Retention::parse(
            &path.display().to_string(),
            &text,
        )?),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(retention::Retention::defaults()),
        Err(e) => Err(e).with_context(|| format!("cannot read {}", path.display())),
    }
}

/// The period `from`–`to` (legal local time or RFC 3339; default the log's start and
/// now) as UTC seconds; an error names the field after `prefix` (`--` for the flags).
pub fn period(
    from: &Option<String>,
    to: &Option<String>,
    zone: LegalZone,
    prefix: &str,
) -> Result<(i64, i64)> {
    let time = |field: &str, t: &Option<String>, default: i64| match t {
        Some(t) => tdip_model::parse_time(t, zone)
            .map(|t| t.as_second())
            .map_err(|e| anyhow::anyhow!("{prefix}{field}: {e}")),
        None => Ok(default),
    };
    Ok((time("from", from, 0)?, time("to", to, super::now())?))
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

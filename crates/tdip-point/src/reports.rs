//! What the point reports from its logs, never from subscriber data: the audit log's
//! verification, its latest head, an officer's own consultations, the retention classes
//! in force, and the period a report covers.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, anyhow, bail};
use tdip_audit::SignedHead;
use tdip_core::audit::{self, Auditor, Event, Outcome, Verified, retention};
use tdip_model::LegalZone;

use crate::audit_store::AnyAudit;
use crate::data_dir::RETENTION_FILE;

/// The latest signed head, if any.
pub async fn latest_head(auditor: &Auditor<AnyAudit>) -> Result<Option<SignedHead>> {
    Ok(audit::signed_heads(auditor.store())
        .await?
        .into_iter()
        .max_by_key(|h| h.head.size))
}

/// Verifies the audit log of the point in `data` against every signed head it holds, the
/// supervisor's checkpoint files given, and the head kept outside the database (which
/// must also still be stored); a missing body only by a recorded purge within its term.
pub async fn verify_log(
    data: &Path,
    auditor: &Auditor<AnyAudit>,
    checkpoint_files: &[PathBuf],
    now: i64,
) -> Result<Verified> {
    let key = crate::point::audit_public(data)?;
    let mut checkpoints: Vec<SignedHead> = Vec::new();
    for f in checkpoint_files {
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
    let kept = crate::audit_head::kept(data, &key)?;
    checkpoints.extend(kept);
    let retention = retention_in_force(data)?;
    let v = audit::verify(auditor.store(), &key, &checkpoints, &retention, now).await?;
    if let Some(kept) = kept {
        let file = crate::audit_head::head_file(data);
        audit::still_stored(auditor.store(), &kept, &file).await?;
    }
    Ok(v)
}

/// One consultation of an officer as the log holds it: what was asked and its outcome.
/// The identifier is not in it: the log holds that only sealed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PastConsultation {
    /// The consultation's reference.
    pub reference: String,
    /// When it was asked (UTC seconds).
    pub at: i64,
    /// Legal basis, case reference and the kind of identifier asked by.
    pub asked: String,
    /// "hit, N records", "no hit", "refused: …", or empty while unanswered.
    pub outcome: String,
}

/// An officer's own consultations, oldest first.
pub async fn officer_history(
    auditor: &Auditor<AnyAudit>,
    agency: &str,
    officer: &str,
) -> Result<Vec<PastConsultation>> {
    let mut rows: BTreeMap<String, PastConsultation> = BTreeMap::new();
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
                        PastConsultation {
                            reference: consultation.clone(),
                            at: e.at,
                            asked: format!("{basis} case {case_reference} by {query}"),
                            outcome: String::new(),
                        },
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
                } => {
                    if let Some(r) = rows.get_mut(&consultation) {
                        r.outcome = match outcome {
                            Outcome::Hit => format!("hit, {records} records"),
                            Outcome::NoHit => "no hit".into(),
                        };
                    }
                }
                Event::Refusal {
                    consultation,
                    reason,
                    ..
                } => {
                    if let Some(r) = rows.get_mut(&consultation) {
                        r.outcome = format!("refused: {reason}");
                    }
                }
                _ => {}
            }
        }
    }
    Ok(order.into_iter().filter_map(|c| rows.remove(&c)).collect())
}

/// The retention classes: the data directory's `audit-retention.toml`, else the shipped ones.
pub fn retention_in_force(data: &Path) -> Result<retention::Retention> {
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
/// `now`) as UTC seconds; an error names the field after `prefix` (`--` for the flags).
pub fn period(
    from: Option<&str>,
    to: Option<&str>,
    zone: LegalZone,
    prefix: &str,
    now: i64,
) -> Result<(i64, i64)> {
    let time = |field: &str, t: Option<&str>, default: i64| match t {
        Some(t) => tdip_model::parse_time(t, zone)
            .map(|t| t.as_second())
            .map_err(|e| anyhow!("{prefix}{field}: {e}")),
        None => Ok(default),
    };
    Ok((time("from", from, 0)?, time("to", to, now)?))
}

//! Reading the audit log back: verification against every signed head, inclusion
//! proofs, and entries with their bodies for oversight.

use ed25519_dalek::VerifyingKey;
use tdip_audit::{AuditLog, SignedHead, TreeHead, VerifyError};
use tdip_store::{AuditEntry, AuditStore};

use super::event::EntryBody;
use super::purges::Purges;
use super::retention::Retention;
use crate::CoreError;

/// Entries read per round trip.
const PAGE: u32 = 10_000;

/// What a verification found.
#[derive(Clone, Debug)]
pub struct Verified {
    /// Entries in the log.
    pub entries: u64,
    /// Entries whose body was purged at the end of its retention (digest kept), each
    /// accounted for by a recorded purge.
    pub purged: u64,
    /// Signed heads checked (the point's and any supervisor checkpoints given).
    pub heads: usize,
    /// The latest head.
    pub latest: Option<SignedHead>,
    /// Entries after the latest head, not yet covered by a signature.
    pub unsigned: u64,
}

/// An inclusion proof of one entry in the latest signed head.
#[derive(Clone, Debug)]
pub struct Proof {
    /// The entry.
    pub entry: AuditEntry,
    /// The head it is proven in.
    pub head: SignedHead,
    /// The RFC 6962 audit path, concatenated hashes.
    pub path: Vec<u8>,
}

/// The heads stored, as signed heads.
pub async fn signed_heads<A: AuditStore>(s: &A) -> Result<Vec<SignedHead>, CoreError> {
    Ok(s.audit_heads()
        .await?
        .into_iter()
        .map(|h| SignedHead {
            head: TreeHead {
                size: h.size,
                root: h.root,
                at: h.at,
            },
            signature: h.signature,
        })
        .collect())
}

/// A log that does not verify, as the error an operator reads.
pub(super) fn broken(e: VerifyError) -> CoreError {
    CoreError::AuditBroken(e.to_string())
}

/// Appends the entries stored after `log`'s end to it, checking each on the way: numbered
/// without a gap, the body (unless purged) has the stored digest and agrees with the
/// stored time and kind. Calls `each` with every entry read and its body read.
pub(super) async fn catch_up_with<A: AuditStore>(
    s: &A,
    log: &mut AuditLog,
    mut each: impl FnMut(&AuditEntry, Option<&EntryBody>),
) -> Result<(), CoreError> {
    loop {
        let page = s.audit_entries(log.len(), PAGE).await?;
        let done = page.len() < PAGE as usize;
        for e in &page {
            if e.seq != log.len() {
                return Err(broken(VerifyError::Gap {
                    expected: log.len(),
                    found: e.seq,
                }));
            }
            let parsed = match &e.body {
                Some(body) => {
                    if tdip_audit::digest(body) != e.digest {
                        return Err(broken(VerifyError::BodyAltered(e.seq)));
                    }
                    let parsed = parse(e.seq, body)?;
                    if parsed.at != e.at || parsed.event.kind() != e.kind {
                        return Err(CoreError::AuditBroken(format!(
                            "entry {}'s stored time or kind differs from its body: it was altered",
                            e.seq
                        )));
                    }
                    Some(parsed)
                }
                None => None,
            };
            each(e, parsed.as_ref());
            log.append(e.digest);
        }
        if done {
            return Ok(());
        }
    }
}

/// Reads entry `seq`'s stored body.
fn parse(seq: u64, body: &[u8]) -> Result<EntryBody, CoreError> {
    EntryBody::from_bytes(body)
        .map_err(|_| CoreError::AuditBroken(format!("the body of entry {seq} cannot be read")))
}

/// [`catch_up_with`] without looking at the entries.
pub(super) async fn catch_up<A: AuditStore>(s: &A, log: &mut AuditLog) -> Result<(), CoreError> {
    catch_up_with(s, log, |_, _| ()).await
}

/// Verifies the whole log: every entry read back and checked, every missing body against
/// the purges the log records and the `retention` classes in force at `now`, then the log
/// against every signed head stored and every supervisor checkpoint given (all under
/// `key`). A log without any signed head fails: nothing holds it to what was written.
pub async fn verify<A: AuditStore>(
    s: &A,
    key: &VerifyingKey,
    checkpoints: &[SignedHead],
    retention: &Retention,
    now: i64,
) -> Result<Verified, CoreError> {
    let mut log = AuditLog::default();
    let mut purges = Purges::default();
    catch_up_with(s, &mut log, |e, body| purges.note(e, body)).await?;
    purges.check(retention, now)?;
    let mut heads = signed_heads(s).await?;
    heads.extend_from_slice(checkpoints);
    if heads.is_empty() {
        return Err(broken(VerifyError::NoHead(log.len())));
    }
    log.verify(&heads, key).map_err(broken)?;
    let latest = heads
        .iter()
        .max_by_key(|h| (h.head.size, h.head.at))
        .copied();
    Ok(Verified {
        entries: log.len(),
        purged: purges.bodiless(),
        heads: heads.len(),
        unsigned: log.len() - latest.map_or(0, |h| h.head.size),
        latest,
    })
}

/// An inclusion proof of entry `seq` in the latest signed head.
pub async fn prove<A: AuditStore>(s: &A, seq: u64) -> Result<Proof, CoreError> {
    let mut log = AuditLog::default();
    let mut entry = None;
    catch_up_with(s, &mut log, |e, _| {
        if e.seq == seq {
            entry = Some(e.clone());
        }
    })
    .await?;
    let entry = entry.ok_or_else(|| {
        CoreError::Config(format!(
            "the log has no entry {seq}: it holds entries 0 to {}",
            log.len().saturating_sub(1)
        ))
    })?;
    let head = signed_heads(s)
        .await?
        .into_iter()
        .max_by_key(|h| h.head.size)
        .filter(|h| h.head.size > seq)
        .ok_or_else(|| {
            CoreError::Config(format!(
                "entry {seq} is not covered by a signed head yet; a head is signed at the end of \
                 every unsealed command (or run `tdip audit checkpoint` with the shares)"
            ))
        })?;
    let path = log.prove_inclusion(seq, head.head.size).map_err(broken)?;
    Ok(Proof { entry, head, path })
}

/// The RFC 6962 consistency proof (concatenated hashes) that the log's first `old`
/// entries are a prefix of its first `new` (empty when they are equal).
pub async fn consistency<A: AuditStore>(s: &A, old: u64, new: u64) -> Result<Vec<u8>, CoreError> {
    let mut log = AuditLog::default();
    catch_up(s, &mut log).await?;
    if old > new || new > log.len() {
        return Err(CoreError::Config(format!(
            "no consistency proof from {old} to {new} entries: the log holds {}",
            log.len()
        )));
    }
    if old == 0 || old == new {
        return Ok(Vec::new());
    }
    log.prove_consistency(old, new).map_err(broken)
}

/// Entries from `from` on, at most `limit`, with their bodies read (none when purged).
pub async fn entries<A: AuditStore>(
    s: &A,
    from: u64,
    limit: u32,
) -> Result<Vec<(AuditEntry, Option<EntryBody>)>, CoreError> {
    let page = s.audit_entries(from, limit).await?;
    page.into_iter()
        .map(|e| {
            let body = e.body.as_deref().map(|b| parse(e.seq, b)).transpose()?;
            Ok((e, body))
        })
        .collect()
}

//! Storage of the audit log: entries in order, and the signed heads of their Merkle tree.
//!
//! A separate trait from [`crate::Store`], and in SQLite a separate database file, so
//! that logging a consultation never waits for a delivery holding the store's write lock.

use std::fmt;
use std::future::Future;

use crate::{StoreError, StoreResult};

/// An entry to append. The digest is computed by the caller (tdip-audit) over `body`.
#[derive(Clone, PartialEq, Eq)]
pub struct NewAuditEntry {
    /// When it happened, UTC seconds.
    pub at: i64,
    /// What kind of event (`query`, `refusal`, `delivery`, …).
    pub kind: String,
    /// The entry as stored (no plaintext identifier: the caller seals what it must keep).
    pub body: Vec<u8>,
    /// Its digest: the Merkle tree's leaf.
    pub digest: [u8; 32],
}

/// A stored entry.
#[derive(Clone, PartialEq, Eq)]
pub struct AuditEntry {
    /// Position in the log, from 0: the leaf index.
    pub seq: u64,
    /// When it happened.
    pub at: i64,
    /// Kind.
    pub kind: String,
    /// The body, until its retention ends and it is purged.
    pub body: Option<Vec<u8>>,
    /// Its digest, kept for good.
    pub digest: [u8; 32],
}

impl fmt::Debug for NewAuditEntry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NewAuditEntry")
            .field("at", &self.at)
            .field("kind", &self.kind)
            .field("body_len", &self.body.len())
            .finish_non_exhaustive()
    }
}

impl fmt::Debug for AuditEntry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuditEntry")
            .field("seq", &self.seq)
            .field("at", &self.at)
            .field("kind", &self.kind)
            .field("body_len", &self.body.as_ref().map(Vec::len))
            .finish_non_exhaustive()
    }
}

/// A signed tree head as stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AuditHead {
    /// Entries covered.
    pub size: u64,
    /// Merkle root of those entries.
    pub root: [u8; 32],
    /// When it was signed.
    pub at: i64,
    /// Ed25519 signature.
    pub signature: [u8; 64],
}

/// Where the audit log lives.
pub trait AuditStore: Send + Sync {
    /// Appends entries in one durable transaction, after every entry appended before;
    /// returns the sequence number of the first.
    fn append_audit(
        &self,
        entries: &[NewAuditEntry],
    ) -> impl Future<Output = StoreResult<u64>> + Send;

    /// Entries from sequence number `from` on, in order, at most `limit`.
    fn audit_entries(
        &self,
        from: u64,
        limit: u32,
    ) -> impl Future<Output = StoreResult<Vec<AuditEntry>>> + Send;

    /// Entries of one `kind` from sequence number `from` on, in order, at most `limit`.
    /// Backends answer it from an index on (kind, sequence number).
    fn audit_entries_of_kind(
        &self,
        kind: &str,
        from: u64,
        limit: u32,
    ) -> impl Future<Output = StoreResult<Vec<AuditEntry>>> + Send {
        async move {
            let mut out = Vec::new();
            let mut next = from;
            while out.len() < limit as usize {
                let page = self.audit_entries(next, 10_000).await?;
                let Some(last) = page.last() else { break };
                next = last.seq + 1;
                out.extend(page.into_iter().filter(|e| e.kind == kind));
            }
            out.truncate(limit as usize);
            Ok(out)
        }
    }

    /// Purges the bodies of entries of `kind` that happened before `before` (their
    /// retention ended); their digests stay, so every head and proof still verifies.
    /// Returns how many bodies were purged.
    fn purge_audit_bodies(
        &self,
        kind: &str,
        before: i64,
    ) -> impl Future<Output = StoreResult<u64>> + Send;

    /// Stores a signed head; a head of a size already stored is refused.
    fn put_audit_head(&self, head: &AuditHead) -> impl Future<Output = StoreResult<()>> + Send;

    /// Every stored head, by size.
    fn audit_heads(&self) -> impl Future<Output = StoreResult<Vec<AuditHead>>> + Send;

    /// Whether an append does its work (and waits for the disk) on the calling thread, as
    /// SQLite does, rather than awaiting a server: the writer then runs on a thread of its
    /// own instead of a runtime worker.
    fn appends_block(&self) -> bool {
        false
    }
}

/// A fixed-size value read back from a backend, or [`StoreError::Corrupt`] naming it.
pub fn fixed_len<const N: usize>(bytes: &[u8], what: &str) -> StoreResult<[u8; N]> {
    bytes
        .try_into()
        .map_err(|_| StoreError::Corrupt(format!("{what} has the wrong length")))
}

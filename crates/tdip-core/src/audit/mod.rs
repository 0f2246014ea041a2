//! The point's audit log: events written as entries of a tamper-evident log
//! (`tdip-audit`) kept in an [`AuditStore`], durable before the caller goes on, with
//! concurrent writers' entries committed together (group commit), and tree heads signed
//! with a key derived from the root key.
//!
//! An acknowledged entry is never lost: [`Auditor::record`] returns only once the store
//! has committed it. Signing needs the point unsealed; entries written while it is sealed
//! are covered by the next head signed.

pub mod art9;
mod deadlines;
mod event;
pub mod figures;
mod head_file;
mod purges;
mod read;
pub mod retention;
pub mod witness;
mod writer;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use ed25519_dalek::VerifyingKey;
use tdip_audit::{AuditLog, SignedHead, TreeSigner};
use tdip_crypto::Sealer;
use tdip_store::{AuditHead, AuditStore, StoreError};
use tokio::sync::Mutex;

pub use deadlines::{DeadlineReport, Late, RuleFigures, Unanswered, deadline_report};
pub use event::{AskedPeriod, EntryBody, Event, FORMAT, KINDS, Outcome, ProviderState};
pub use head_file::{HeadFile, check_kept, still_stored};
pub use read::{Proof, Verified, consistency, entries, prove, signed_heads, verify};
pub use writer::new_entry;

use crate::CoreError;
use crate::keys::PointKeys;

/// What an unsealed point signs and seals its log entries with.
#[derive(Clone)]
pub struct AuditKeys {
    signer: Arc<TreeSigner>,
    sealer: Sealer,
}

impl std::fmt::Debug for AuditKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AuditKeys(<redacted>)")
    }
}

impl AuditKeys {
    /// The audit keys of an unsealed point.
    pub fn new(keys: &PointKeys) -> Self {
        AuditKeys {
            signer: Arc::new(TreeSigner::from_secret(keys.ring().audit_signing_seed())),
            sealer: keys.ring().audit_sealer().clone(),
        }
    }

    /// The log's public key, for anyone who verifies it.
    pub fn public(&self) -> VerifyingKey {
        self.signer.public()
    }

    /// Seals the identifier a consultation asked about, bound to the consultation.
    pub fn seal_identifier(&self, consultation: &str, identifier: &str) -> Vec<u8> {
        self.sealer
            .seal(consultation.as_bytes(), identifier.as_bytes())
    }

    /// Opens an identifier sealed by [`AuditKeys::seal_identifier`] (oversight only).
    pub fn open_identifier(&self, consultation: &str, sealed: &[u8]) -> Result<String, CoreError> {
        let plain = self.sealer.open(consultation.as_bytes(), sealed)?;
        String::from_utf8(plain.to_vec())
            .map_err(|_| CoreError::Internal("a sealed identifier is not text"))
    }
}

/// The audit log of a point, for writing.
pub struct Auditor<A> {
    store: Arc<A>,
    writer: writer::Writer,
    keys: Option<AuditKeys>,
    /// The digests read back so far, to sign heads over; filled on first signature.
    tree: Mutex<Option<Tree>>,
    /// Where each head signed is kept outside the database.
    head_file: Option<HeadFile>,
    /// Entries recorded through this auditor.
    recorded: AtomicU64,
    /// The registry and access files as the log's configuration entries say they are.
    registry: crate::registry::Registry,
}

/// The log as read back so far, to sign heads over without reading it again.
struct Tree {
    log: AuditLog,
    /// Whether `log` was checked against the heads stored.
    verified: bool,
    /// The size of the latest head known to be stored.
    signed: Option<u64>,
}

impl Tree {
    fn unverified(log: AuditLog) -> Tree {
        Tree {
            log,
            verified: false,
            signed: None,
        }
    }
}

impl<A> std::fmt::Debug for Auditor<A> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Auditor")
    }
}

impl<A: AuditStore + 'static> Auditor<A> {
    /// An auditor writing to `store`; with `keys` it can seal identifiers and sign heads.
    /// Starts the group-commit writer on the current tokio runtime.
    pub fn new(store: A, keys: Option<AuditKeys>) -> Self {
        let store = Arc::new(store);
        Auditor {
            writer: writer::Writer::spawn(store.clone()),
            store,
            keys,
            tree: Mutex::new(None),
            registry: crate::registry::Registry::default(),
            head_file: None,
            recorded: AtomicU64::new(0),
        }
    }

    /// Keeps every head this auditor signs in `file` too.
    pub fn with_head_file(mut self, file: HeadFile) -> Self {
        self.head_file = Some(file);
        self
    }

    /// Hands over a log already read back (and checked, by [`check_kept`]), so that the
    /// first head signed does not read it again.
    pub async fn seed(&self, log: AuditLog) {
        *self.tree.lock().await = Some(Tree::unverified(log));
    }

    /// Entries recorded through this auditor so far.
    pub fn recorded(&self) -> u64 {
        self.recorded.load(Ordering::Relaxed)
    }

    /// The store.
    pub fn store(&self) -> &A {
        &self.store
    }

    /// The replay of the log's configuration entries (see [`crate::registry`]).
    pub fn registry(&self) -> &crate::registry::Registry {
        &self.registry
    }

    /// The keys, if the point is unsealed.
    pub fn keys(&self) -> Option<&AuditKeys> {
        self.keys.as_ref()
    }

    /// Records events as consecutive entries at time `at`; returns once they are durable,
    /// with the number of the first.
    pub async fn record(&self, at: i64, events: Vec<Event>) -> Result<u64, CoreError> {
        let n = events.len() as u64;
        let first = self.writer.append(at, events).await?;
        self.recorded.fetch_add(n, Ordering::Relaxed);
        Ok(first)
    }

    /// Signs a head over every entry stored now, unless the latest head already covers
    /// them all, and keeps it in the head file if there is one. The first time, it checks
    /// the log against the heads signed before, so a head is never signed over a log that
    /// was tampered with; later it reads only the entries appended since. Needs the point
    /// unsealed.
    pub async fn sign(&self, at: i64) -> Result<Option<SignedHead>, CoreError> {
        let keys = self.keys.as_ref().ok_or_else(|| {
            CoreError::Config(
                "the audit log's heads are signed only while the point is unsealed".into(),
            )
        })?;
        let mut guard = self.tree.lock().await;
        // Only the entries after those read before are read: signing once a second under
        // load costs what was appended since, not the whole log.
        let mut tree = guard
            .take()
            .unwrap_or_else(|| Tree::unverified(AuditLog::default()));
        read::catch_up(&*self.store, &mut tree.log).await?;
        if !tree.verified {
            let heads = read::signed_heads(&*self.store).await?;
            tree.log
                .verify(&heads, &keys.public())
                .map_err(read::broken)?;
            tree.signed = heads.iter().map(|h| h.head.size).max();
            tree.verified = true;
        }
        let size = tree.log.len();
        let signed = if tree.signed == Some(size) || (tree.signed.is_none() && size == 0) {
            None
        } else {
            let signed = keys.signer.sign(tree.log.head(at));
            match self.store.put_audit_head(&stored(&signed)).await {
                Ok(()) => Some(signed),
                // Another process signed a head of this size meanwhile: that one stands.
                Err(StoreError::Conflict(_)) => None,
                Err(e) => {
                    *guard = Some(tree);
                    return Err(e.into());
                }
            }
        };
        if size > 0 {
            tree.signed = Some(size);
        }
        *guard = Some(tree);
        // Kept under the lock, so that this process never replaces a head by an older one.
        if let (Some(signed), Some(file)) = (&signed, &self.head_file) {
            file.keep(signed, &keys.public())?;
        }
        Ok(signed)
    }
}

fn stored(s: &SignedHead) -> AuditHead {
    AuditHead {
        size: s.head.size,
        root: s.head.root,
        at: s.head.at,
        signature: s.signature,
    }
}

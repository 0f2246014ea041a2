//! The point's audit log: events written as entries of a tamper-evident log
//! (`tdip-audit`) kept in an [`AuditStore`], durable before the caller goes on, with
//! concurrent writers' entries committed together (group commit), and tree heads signed
//! with a key derived from the root key.
//!
//! An acknowledged entry is never lost: [`Auditor::record`] returns only once the store
//! has committed it. Signing needs the point unsealed; entries written while it is sealed
//! are covered by the next head signed.

mod deadlines;
mod event;
mod read;
pub mod retention;
mod writer;

use std::sync::Arc;

use ed25519_dalek::VerifyingKey;
use tdip_audit::{AuditLog, SignedHead, TreeSigner};
use tdip_crypto::Sealer;
use tdip_store::{AuditHead, AuditStore, StoreError};
use tokio::sync::Mutex;

pub use deadlines::{DeadlineReport, Late, RuleFigures, Unanswered, deadline_report};
pub use event::{Asked, Body, Event, FORMAT, KINDS, Outcome, ProviderState};
pub use read::{Proof, Verified, entries, prove, signed_heads, verify};

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
    tree: Mutex<Option<AuditLog>>,
    /// The registry and access files as the log's configuration entries say they are.
    registry: crate::registry::Registry,
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
        }
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
        Ok(self.writer.append(at, events).await?)
    }

    /// Signs a head over every entry stored now, unless the latest head already covers
    /// them all. Before signing it checks the log against the heads signed before, so a
    /// head is never signed over a log that was tampered with. Needs the point unsealed.
    pub async fn sign(&self, at: i64) -> Result<Option<SignedHead>, CoreError> {
        let keys = self.keys.as_ref().ok_or_else(|| {
            CoreError::Config(
                "the audit log's heads are signed only while the point is unsealed".into(),
            )
        })?;
        let mut guard = self.tree.lock().await;
        let heads = read::signed_heads(&*self.store).await?;
        let log = match guard.take() {
            Some(mut log) => {
                read::catch_up(&*self.store, &mut log).await?;
                log
            }
            None => {
                let mut log = AuditLog::default();
                read::catch_up(&*self.store, &mut log).await?;
                log.verify(&heads, &keys.public()).map_err(read::broken)?;
                log
            }
        };
        let latest = heads.iter().map(|h| h.head.size).max();
        let result = if latest == Some(log.len()) || (latest.is_none() && log.is_empty()) {
            None
        } else {
            let signed = keys.signer.sign(log.head(at));
            match self.store.put_audit_head(&stored(&signed)).await {
                Ok(()) => Some(signed),
                // Another process signed a head of this size meanwhile: that one stands.
                Err(StoreError::Conflict(_)) => None,
                Err(e) => return Err(e.into()),
            }
        };
        *guard = Some(log);
        Ok(result)
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

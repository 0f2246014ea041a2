//! The tamper-evident audit log, as data structures and checks: every entry is a leaf of
//! an RFC 6962 Merkle tree (`ct-merkle`, SHA-256), heads of the tree are signed
//! (Ed25519), and a log is verified against every signed head it has published.
//!
//! A leaf is the SHA-256 digest of the entry as stored, not the entry itself: an entry's
//! body may be purged when its retention ends while its digest stays, so proofs given
//! earlier still verify — but only by a purge the log records, naming the entries it
//! covered and how many bodies went ([`Bodiless`]). Anyone holding a signed head (a
//! *checkpoint*) and the public key can check that no entry up to that head was altered,
//! removed, reordered or inserted.

mod head;
mod log;
mod purge;
mod root;

pub use head::{CheckpointError, SignedHead, TreeHead, TreeSigner};
pub use log::{
    AuditLog, Digest, Stored, VerifyError, digest, verify_consistency, verify_inclusion,
};
pub use purge::{Bodiless, PurgeRange};
pub use root::RootBuilder;

#[cfg(test)]
mod tests;

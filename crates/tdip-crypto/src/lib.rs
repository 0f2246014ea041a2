//! Keys, sealing and blind indexes: the only place in tdip that touches key material.
//!
//! Everything that reaches a store is produced here: blind indexes (keyed HMAC-SHA256,
//! truncated to 128 bits) stand in for identifiers, and sealed blobs (XChaCha20-Poly1305
//! with associated data that binds each blob to its row) stand in for personal data.
//! Purpose keys are derived from one root key with HKDF-SHA256, so no two purposes ever
//! share a key; subscriber data is sealed under random data keys that are stored only
//! wrapped under one of them (the key-encryption key), so that destroying a data key
//! destroys what it sealed.

mod blind;
mod checksum;
pub mod custodian;
mod datakey;
mod error;
mod keyring;
mod root;
mod seal;
mod spool;

pub use blind::BlindKey;
pub use checksum::FileChecksum;
pub use datakey::{DataKey, Kek};
pub use error::CryptoError;
pub use keyring::{AUDIT_KEY_ID, Keyring, LEGACY_KEY_ID};
pub use root::RootKey;
pub use seal::Sealer;
pub use spool::{SpoolIdentity, SpoolRecipient, SpoolWriter};

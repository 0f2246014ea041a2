//! Blind indexes: keyed, deterministic stand-ins for identifiers.
//!
//! A blind index lets the store answer "which rows carry this identifier" without ever
//! holding the identifier. It is HMAC-SHA256 under a key per identifier type, truncated
//! to 128 bits; a collision is harmless because every candidate row is unsealed and its
//! identifier compared before it is answered.

use std::fmt;

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

/// A keyed HMAC state for one purpose, cloned per use so the key schedule runs once.
#[derive(Clone)]
pub struct BlindKey(Hmac<Sha256>);

impl fmt::Debug for BlindKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("BlindKey(<redacted>)")
    }
}

impl BlindKey {
    pub(crate) fn new(key: &[u8; 32]) -> Self {
        BlindKey(Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes keys of any length"))
    }

    /// This key with `prefix` already absorbed (length-prefixed): indexes from it are
    /// bound to the prefix, and the prefix is hashed once rather than per value.
    pub fn with_prefix(&self, prefix: &[u8]) -> BlindKey {
        let mut mac = self.0.clone();
        mac.update(&(prefix.len() as u64).to_le_bytes());
        mac.update(prefix);
        BlindKey(mac)
    }

    /// The 128-bit blind index of one value.
    pub fn index(&self, value: &[u8]) -> [u8; 16] {
        let mut mac = self.0.clone();
        mac.update(value);
        truncate(mac)
    }

    /// The blind index of a sequence of parts, each length-prefixed so that no two
    /// different sequences can produce the same input.
    pub fn index_parts<'a>(&self, parts: impl IntoIterator<Item = &'a [u8]>) -> [u8; 16] {
        let mut mac = self.0.clone();
        for part in parts {
            mac.update(&(part.len() as u64).to_le_bytes());
            mac.update(part);
        }
        truncate(mac)
    }
}

fn truncate(mac: Hmac<Sha256>) -> [u8; 16] {
    let full = mac.finalize().into_bytes();
    let mut out = [0u8; 16];
    out.copy_from_slice(&full[..16]);
    out
}

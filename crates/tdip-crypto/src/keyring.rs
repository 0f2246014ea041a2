//! The keyring: every purpose key, derived once from the root key.

use std::fmt;

use hkdf::Hkdf;
use sha2::Sha256;
use zeroize::Zeroizing;

use crate::{BlindKey, Kek, RootKey, Sealer};

/// The key id of [`Keyring::legacy_sealer`].
pub const LEGACY_KEY_ID: u32 = 1;

/// The key id of [`Keyring::audit_sealer`].
pub const AUDIT_KEY_ID: u32 = 2;

/// All keys a running tdip needs, derived from the root key with HKDF-SHA256.
///
/// Each purpose has its own HKDF `info` label, so learning one derived key reveals
/// nothing about another. Blind-index keys are long-lived by design: changing one means
/// re-indexing every row.
#[derive(Clone)]
pub struct Keyring {
    legacy: Sealer,
    kek: Kek,
    fingerprint: BlindKey,
    blind_base: Zeroizing<[u8; 32]>,
    audit_sealer: Sealer,
    audit_signing: Zeroizing<[u8; 32]>,
}

impl fmt::Debug for Keyring {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Keyring(<redacted>)")
    }
}

impl Keyring {
    /// Derives the keyring from a root key.
    pub fn from_root(root: &RootKey) -> Self {
        Keyring {
            legacy: Sealer::new(
                LEGACY_KEY_ID,
                &derive(root.bytes(), "tdip/v1/seal/subscriber-data/1"),
            ),
            kek: Kek::new(&derive(root.bytes(), "tdip/v1/kek/data-keys")),
            fingerprint: BlindKey::new(&derive(root.bytes(), "tdip/v1/fingerprint/row")),
            blind_base: derive(root.bytes(), "tdip/v1/blind"),
            audit_sealer: Sealer::new(
                AUDIT_KEY_ID,
                &derive(root.bytes(), "tdip/v1/seal/audit-identifier"),
            ),
            audit_signing: derive(root.bytes(), "tdip/v1/audit/signing-key"),
        }
    }

    /// The blind-index key for one purpose label (e.g. `ident/msisdn`, `subscription-id`).
    pub fn blind_key(&self, label: &str) -> BlindKey {
        BlindKey::new(&derive(&self.blind_base, label))
    }

    /// The sealer derived from the root key that sealed subscriber data before data keys
    /// existed (key id [`LEGACY_KEY_ID`]). It still opens such blobs; nothing new is
    /// sealed with it, as a derived key cannot be destroyed.
    pub fn legacy_sealer(&self) -> &Sealer {
        &self.legacy
    }

    /// The key-encryption key that wraps data keys.
    pub fn kek(&self) -> &Kek {
        &self.kek
    }

    /// The sealer of the identifiers kept in the audit log for oversight: an entry holds
    /// the identifier asked about only sealed under it, next to its blind index.
    pub fn audit_sealer(&self) -> &Sealer {
        &self.audit_sealer
    }

    /// The seed of the audit log's Ed25519 signing key (its tree heads).
    pub fn audit_signing_seed(&self) -> &Zeroizing<[u8; 32]> {
        &self.audit_signing
    }

    /// The key of row fingerprints, used to detect unchanged rows between deliveries.
    pub fn fingerprint(&self) -> &BlindKey {
        &self.fingerprint
    }
}

fn derive(ikm: &[u8; 32], info: &str) -> Zeroizing<[u8; 32]> {
    let hk = Hkdf::<Sha256>::new(Some(b"tdip root key v1"), ikm);
    let mut out = Zeroizing::new([0u8; 32]);
    hk.expand(info.as_bytes(), &mut out[..])
        .expect("32 bytes is a valid HKDF-SHA256 output length");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::CryptoError;

    fn ring(byte: u8) -> Keyring {
        Keyring::from_root(&RootKey::from_bytes([byte; 32]))
    }

    #[test]
    fn blind_indexes_are_deterministic_and_separated_by_purpose_and_root() {
        let a = ring(1);
        let msisdn = a.blind_key("ident/msisdn");
        assert_eq!(
            msisdn.index(b"+31612345678"),
            a.blind_key("ident/msisdn").index(b"+31612345678")
        );
        assert_ne!(
            msisdn.index(b"+31612345678"),
            a.blind_key("ident/imsi").index(b"+31612345678")
        );
        assert_ne!(
            msisdn.index(b"+31612345678"),
            ring(2).blind_key("ident/msisdn").index(b"+31612345678")
        );
        assert_ne!(
            msisdn.index_parts([&b"ab"[..], b"c"]),
            msisdn.index_parts([&b"a"[..], b"bc"])
        );
    }

    #[test]
    fn sealed_blobs_open_only_with_their_row_and_unaltered() {
        let ring = ring(3);
        let blob = ring.legacy_sealer().seal(b"row-1", b"Jansen");
        assert!(!blob.windows(6).any(|w| w == b"Jansen"));
        assert_eq!(
            &ring.legacy_sealer().open(b"row-1", &blob).unwrap()[..],
            b"Jansen"
        );
        assert!(matches!(
            ring.legacy_sealer().open(b"row-2", &blob),
            Err(CryptoError::Tampered)
        ));
        for i in 0..blob.len() {
            let mut bad = blob.clone();
            bad[i] ^= 0x01;
            assert!(
                ring.legacy_sealer().open(b"row-1", &bad).is_err(),
                "flip at byte {i} went unnoticed"
            );
        }
        assert!(matches!(
            ring.legacy_sealer().open(b"row-1", &blob[..20]),
            Err(CryptoError::Format(1))
        ));
        assert!(ring.legacy_sealer().open(b"row-1", &[]).is_err());
    }

    #[test]
    fn two_seals_of_the_same_data_differ() {
        let ring = ring(4);
        assert_ne!(
            ring.legacy_sealer().seal(b"r", b"x"),
            ring.legacy_sealer().seal(b"r", b"x")
        );
    }
}

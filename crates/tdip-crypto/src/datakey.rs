//! Data keys: random 256-bit keys that seal subscriber data, kept only wrapped under the
//! key-encryption key (a purpose key derived from the root key).
//!
//! Unlike purpose keys, a data key cannot be derived again: once every wrapped copy is
//! gone, what it sealed is unreadable for good, whoever holds the root key. That is what
//! makes crypto-shredding possible.

use std::fmt;

use zeroize::Zeroizing;

use crate::{CryptoError, Sealer};

/// One data key, in memory only between generation or unwrapping and building its sealer.
pub struct DataKey(Zeroizing<[u8; 32]>);

impl fmt::Debug for DataKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("DataKey(<redacted>)")
    }
}

impl DataKey {
    /// A fresh random key from the operating system's generator.
    pub fn generate() -> Self {
        let mut key = Zeroizing::new([0u8; 32]);
        rand::fill(&mut key[..]);
        DataKey(key)
    }

    /// A random key id for a new data key, at least 2^16 so it never names the legacy key.
    pub fn fresh_id() -> u32 {
        loop {
            let id: u32 = rand::random();
            if id >= 1 << 16 {
                return id;
            }
        }
    }

    /// The sealer of this key; `id` is written into every blob it seals, so a reader knows
    /// which key opens the blob.
    pub fn sealer(&self, id: u32) -> Sealer {
        Sealer::new(id, &self.0)
    }
}

/// The key-encryption key: wraps and unwraps data keys, binding each wrapped key to the
/// description (`aad`) of what it seals.
#[derive(Clone)]
pub struct Kek(Sealer);

impl fmt::Debug for Kek {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Kek(<redacted>)")
    }
}

impl Kek {
    pub(crate) fn new(key: &[u8; 32]) -> Self {
        Kek(Sealer::new(0, key))
    }

    /// The wrapped form of `key`, bound to `aad`.
    pub fn wrap(&self, key: &DataKey, aad: &[u8]) -> Vec<u8> {
        self.0.seal(aad, &key.0[..])
    }

    /// Wraps another secret (such as the spool's private key), bound to `aad`.
    pub fn seal_secret(&self, aad: &[u8], secret: &[u8]) -> Vec<u8> {
        self.0.seal(aad, secret)
    }

    /// Unwraps a secret wrapped by [`Kek::seal_secret`] under the same `aad`.
    pub fn open_secret(
        &self,
        aad: &[u8],
        wrapped: &[u8],
    ) -> Result<Zeroizing<Vec<u8>>, CryptoError> {
        self.0.open(aad, wrapped)
    }

    /// Unwraps a key wrapped by [`Kek::wrap`] under the same `aad`; a wrapped key that
    /// was altered, or describes something else, fails as [`CryptoError::Tampered`].
    pub fn unwrap(&self, wrapped: &[u8], aad: &[u8]) -> Result<DataKey, CryptoError> {
        let plain = self.0.open(aad, wrapped)?;
        let mut key = Zeroizing::new([0u8; 32]);
        if plain.len() != key.len() {
            return Err(CryptoError::Tampered);
        }
        key.copy_from_slice(&plain);
        Ok(DataKey(key))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Keyring, RootKey};

    #[test]
    fn a_wrapped_key_opens_only_under_its_description_and_root() {
        let ring = Keyring::from_root(&RootKey::from_bytes([5; 32]));
        let key = DataKey::generate();
        let wrapped = ring.kek().wrap(&key, b"kpn/subscriber/month/2026-11");
        let blob = key.sealer(77).seal(b"row", b"Jansen");

        let again = ring
            .kek()
            .unwrap(&wrapped, b"kpn/subscriber/month/2026-11")
            .unwrap();
        assert_eq!(
            &again.sealer(77).open(b"row", &blob).unwrap()[..],
            b"Jansen"
        );
        assert!(matches!(
            ring.kek().unwrap(&wrapped, b"kpn/subscriber/month/2026-12"),
            Err(CryptoError::Tampered)
        ));
        let other = Keyring::from_root(&RootKey::from_bytes([6; 32]));
        assert!(
            other
                .kek()
                .unwrap(&wrapped, b"kpn/subscriber/month/2026-11")
                .is_err()
        );
        assert!(!wrapped.windows(8).any(|w| w == &key.0[..8]));
    }

    #[test]
    fn two_data_keys_differ_and_do_not_open_each_others_blobs() {
        let (a, b) = (DataKey::generate(), DataKey::generate());
        let blob = a.sealer(9).seal(b"row", b"x");
        assert!(matches!(
            b.sealer(9).open(b"row", &blob),
            Err(CryptoError::Tampered)
        ));
        assert!(matches!(
            b.sealer(10).open(b"row", &blob),
            Err(CryptoError::UnknownKey(9))
        ));
    }
}

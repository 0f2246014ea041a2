//! The root key and its on-disk key file.
//!
//! The key file is a stop-gap until custodian shares replace it: two lines of text,
//! `tdip-keyfile v1` and `root <64 hex digits>`, written with mode 0600.

use std::fmt;

use zeroize::Zeroizing;

use crate::CryptoError;

/// The 256-bit root key. It only ever feeds key derivation; it never seals data itself.
pub struct RootKey(Zeroizing<[u8; 32]>);

impl fmt::Debug for RootKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("RootKey(<redacted>)")
    }
}

const MAGIC: &str = "tdip-keyfile v1";

impl RootKey {
    /// A fresh random root key from the operating system's generator.
    pub fn generate() -> Self {
        let mut key = Zeroizing::new([0u8; 32]);
        rand::fill(&mut key[..]);
        RootKey(key)
    }

    /// A root key from raw bytes (tests and derived dev keys).
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        RootKey(Zeroizing::new(bytes))
    }

    pub(crate) fn bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// The key file text for this key.
    pub fn to_key_file(&self) -> Zeroizing<String> {
        Zeroizing::new(format!("{MAGIC}\nroot {}\n", hex::encode(&self.0[..])))
    }

    /// Parses a key file written by [`RootKey::to_key_file`].
    pub fn from_key_file(text: &str) -> Result<Self, CryptoError> {
        let mut lines = text.lines().map(str::trim).filter(|l| !l.is_empty());
        if lines.next() != Some(MAGIC) {
            return Err(CryptoError::KeyFile("first line is not `tdip-keyfile v1`"));
        }
        let hex_key =
            lines
                .next()
                .and_then(|l| l.strip_prefix("root "))
                .ok_or(CryptoError::KeyFile(
                    "second line must be `root <64 hex digits>`",
                ))?;
        let mut key = Zeroizing::new([0u8; 32]);
        hex::decode_to_slice(hex_key.trim(), &mut key[..])
            .map_err(|_| CryptoError::KeyFile("root key must be exactly 64 hex digits"))?;
        if lines.next().is_some() {
            return Err(CryptoError::KeyFile("unexpected text after the root key"));
        }
        Ok(RootKey(key))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_file_round_trips_and_debug_is_redacted() {
        let key = RootKey::generate();
        let text = key.to_key_file();
        let back = RootKey::from_key_file(&text).unwrap();
        assert_eq!(key.bytes(), back.bytes());
        let shown = format!("{key:?}");
        assert!(!shown.contains(&hex::encode(&key.bytes()[..4])), "{shown}");
    }

    #[test]
    fn malformed_key_files_are_refused_with_a_reason() {
        for (text, reason) in [
            ("", "first line"),
            ("tdip-keyfile v1\n", "second line"),
            ("tdip-keyfile v1\nroot abcd\n", "64 hex digits"),
            (
                "tdip-keyfile v1\nroot 00000000000000000000000000000000000000000000000000000000000000zz\n",
                "64 hex digits",
            ),
        ] {
            let err = RootKey::from_key_file(text).unwrap_err().to_string();
            assert!(err.contains(reason), "{text:?}: {err}");
        }
    }
}

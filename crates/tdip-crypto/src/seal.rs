//! Sealed blobs: XChaCha20-Poly1305 with a random 192-bit nonce.
//!
//! Layout: `[format 1][key id: u32 LE][nonce: 24][ciphertext + tag]`. The associated data
//! is supplied by the caller and names the row the blob belongs to, so a blob copied to
//! another row fails to open.

use std::fmt;

use chacha20poly1305::aead::{Aead, Payload};
use chacha20poly1305::{KeyInit, XChaCha20Poly1305, XNonce};
use zeroize::Zeroizing;

use crate::CryptoError;

const FORMAT: u8 = 1;
const HEADER: usize = 1 + 4 + 24;
const TAG: usize = 16;

/// Seals and opens blobs under one data key.
#[derive(Clone)]
pub struct Sealer {
    key_id: u32,
    cipher: XChaCha20Poly1305,
}

impl fmt::Debug for Sealer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sealer")
            .field("key_id", &self.key_id)
            .finish_non_exhaustive()
    }
}

impl Sealer {
    pub(crate) fn new(key_id: u32, key: &[u8; 32]) -> Self {
        let cipher = XChaCha20Poly1305::new_from_slice(key).expect("key is 32 bytes");
        Sealer { key_id, cipher }
    }

    /// Seals `plaintext`, binding it to `aad`.
    pub fn seal(&self, aad: &[u8], plaintext: &[u8]) -> Vec<u8> {
        let mut nonce = [0u8; 24];
        rand::fill(&mut nonce);
        let ct = self
            .cipher
            .encrypt(
                &XNonce::from(nonce),
                Payload {
                    msg: plaintext,
                    aad,
                },
            )
            .expect("XChaCha20-Poly1305 accepts messages up to 256 GiB");
        let mut out = Vec::with_capacity(HEADER + ct.len());
        out.push(FORMAT);
        out.extend_from_slice(&self.key_id.to_le_bytes());
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&ct);
        out
    }

    /// The id of this sealer's key, written into every blob it seals.
    pub fn key_id(&self) -> u32 {
        self.key_id
    }

    /// The id of the key a blob was sealed under, read from its header.
    pub fn key_id_of(blob: &[u8]) -> Result<u32, CryptoError> {
        split(blob).map(|(id, _, _)| id)
    }

    /// Opens a blob sealed with [`Sealer::seal`] under the same `aad`.
    pub fn open(&self, aad: &[u8], blob: &[u8]) -> Result<Zeroizing<Vec<u8>>, CryptoError> {
        let (key_id, nonce, ct) = split(blob)?;
        if key_id != self.key_id {
            return Err(CryptoError::UnknownKey(key_id));
        }
        self.cipher
            .decrypt(&XNonce::from(nonce), Payload { msg: ct, aad })
            .map(Zeroizing::new)
            .map_err(|_| CryptoError::Tampered)
    }
}

fn split(blob: &[u8]) -> Result<(u32, [u8; 24], &[u8]), CryptoError> {
    if blob.len() < HEADER + TAG {
        return Err(CryptoError::Format(blob.first().copied().unwrap_or(0)));
    }
    if blob[0] != FORMAT {
        return Err(CryptoError::Format(blob[0]));
    }
    let key_id = u32::from_le_bytes(blob[1..5].try_into().expect("4 bytes"));
    let nonce: [u8; 24] = blob[5..HEADER].try_into().expect("24 bytes");
    Ok((key_id, nonce, &blob[HEADER..]))
}

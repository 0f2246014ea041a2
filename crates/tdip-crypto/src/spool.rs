//! The delivery spool's key pair: a sealed point encrypts incoming delivery files to the
//! spool's public key (age, X25519), and only an unsealed point, which can unwrap the
//! private key with the key-encryption key, can read them.

use std::fmt;
use std::io::{self, Read, Write};
use std::iter;
use std::str::FromStr;

use age::secrecy::ExposeSecret;
use zeroize::Zeroizing;

use crate::{CryptoError, Kek};

/// Associated data of the wrapped spool key.
const AAD: &[u8] = b"tdip/v1/spool-identity";

/// The spool's public key: anyone holding it can spool a delivery, nobody can read one.
#[derive(Clone)]
pub struct SpoolRecipient(age::x25519::Recipient);

impl fmt::Debug for SpoolRecipient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SpoolRecipient({})", self.0)
    }
}

impl fmt::Display for SpoolRecipient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl FromStr for SpoolRecipient {
    type Err = CryptoError;

    fn from_str(s: &str) -> Result<Self, CryptoError> {
        s.trim()
            .parse()
            .map(SpoolRecipient)
            .map_err(|_| CryptoError::KeyFile("the spool public key is not an age1… key"))
    }
}

impl SpoolRecipient {
    /// Wraps `out` so that what is written to it is encrypted to this key; call
    /// [`SpoolWriter::finish`] at the end, or the file is truncated and will not open.
    pub fn writer<W: Write>(&self, out: W) -> io::Result<SpoolWriter<W>> {
        let encryptor = age::Encryptor::with_recipients(iter::once(&self.0 as &dyn age::Recipient))
            .map_err(io::Error::other)?;
        encryptor.wrap_output(out).map(SpoolWriter)
    }
}

/// An encrypting writer (see [`SpoolRecipient::writer`]).
pub struct SpoolWriter<W: Write>(age::stream::StreamWriter<W>);

impl<W: Write> Write for SpoolWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.0.flush()
    }
}

impl<W: Write> SpoolWriter<W> {
    /// Writes the final chunk and returns the inner writer.
    pub fn finish(self) -> io::Result<W> {
        self.0.finish()
    }
}

/// The spool's private key, in memory only while the point is unsealed.
pub struct SpoolIdentity(age::x25519::Identity);

impl fmt::Debug for SpoolIdentity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SpoolIdentity(<redacted>)")
    }
}

impl SpoolIdentity {
    /// A fresh key pair.
    pub fn generate() -> Self {
        SpoolIdentity(age::x25519::Identity::generate())
    }

    /// The public key.
    pub fn recipient(&self) -> SpoolRecipient {
        SpoolRecipient(self.0.to_public())
    }

    /// The private key wrapped under `kek`, to be stored.
    pub fn wrap(&self, kek: &Kek) -> Vec<u8> {
        let text = self.0.to_string();
        kek.seal_secret(AAD, text.expose_secret().as_bytes())
    }

    /// Unwraps a key wrapped by [`SpoolIdentity::wrap`].
    pub fn unwrap(kek: &Kek, wrapped: &[u8]) -> Result<Self, CryptoError> {
        let text = kek.open_secret(AAD, wrapped)?;
        let text =
            Zeroizing::new(String::from_utf8(text.to_vec()).map_err(|_| CryptoError::Tampered)?);
        text.parse()
            .map(SpoolIdentity)
            .map_err(|_| CryptoError::Tampered)
    }

    /// Decrypts a spooled file; a file altered or encrypted to another key fails here or
    /// while reading.
    pub fn reader<R: Read>(&self, input: R) -> Result<impl Read, CryptoError> {
        let decryptor = age::Decryptor::new(input).map_err(|_| CryptoError::Tampered)?;
        decryptor
            .decrypt(iter::once(&self.0 as &dyn age::Identity))
            .map_err(|_| CryptoError::Tampered)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Keyring, RootKey};

    fn spool(plain: &[u8], to: &SpoolRecipient) -> Vec<u8> {
        let mut w = to.writer(Vec::new()).unwrap();
        w.write_all(plain).unwrap();
        w.finish().unwrap()
    }

    fn read(identity: &SpoolIdentity, file: &[u8]) -> Result<Vec<u8>, CryptoError> {
        let mut out = Vec::new();
        identity
            .reader(file)?
            .read_to_end(&mut out)
            .map_err(|_| CryptoError::Tampered)?;
        Ok(out)
    }

    #[test]
    fn a_spooled_file_opens_only_with_the_unwrapped_key_and_unaltered() {
        let ring = Keyring::from_root(&RootKey::from_bytes([8; 32]));
        let identity = SpoolIdentity::generate();
        let public: SpoolRecipient = identity.recipient().to_string().parse().unwrap();
        let plain = b"subscription_id,msisdn\nS1,+31612345678\n".repeat(3000);
        let file = spool(&plain, &public);
        assert!(!file.windows(12).any(|w| w == b"+31612345678"));

        let wrapped = identity.wrap(ring.kek());
        let again = SpoolIdentity::unwrap(ring.kek(), &wrapped).unwrap();
        assert_eq!(read(&again, &file).unwrap(), plain);

        let other = Keyring::from_root(&RootKey::from_bytes([9; 32]));
        assert!(SpoolIdentity::unwrap(other.kek(), &wrapped).is_err());
        assert!(read(&SpoolIdentity::generate(), &file).is_err());
        let mut bad = file.clone();
        let last = bad.len() - 20;
        bad[last] ^= 1;
        assert!(read(&again, &bad).is_err(), "an altered payload is refused");
        assert!(
            read(&again, &file[..file.len() - 1]).is_err(),
            "a truncated file too"
        );
    }
}

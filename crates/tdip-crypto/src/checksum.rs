//! Plain SHA-256 of delivered files, for the delivery log.

use sha2::{Digest, Sha256};

/// An incremental SHA-256 of a file as received.
#[derive(Clone, Default)]
pub struct FileChecksum(Sha256);

impl FileChecksum {
    /// Feeds bytes.
    pub fn update(&mut self, bytes: &[u8]) {
        self.0.update(bytes);
    }

    /// The digest.
    pub fn finish(self) -> [u8; 32] {
        self.0.finalize().into()
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn matches_the_known_sha256_of_abc() {
        let mut c = super::FileChecksum::default();
        c.update(b"a");
        c.update(b"bc");
        assert_eq!(
            hex::encode(c.finish()),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}

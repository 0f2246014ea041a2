//! Errors of the crypto layer; none of them carries key material or plaintext.

/// What went wrong while loading keys or opening a sealed blob.
#[derive(Debug, thiserror::Error)]
pub enum CryptoError {
    /// The key file could not be parsed.
    #[error(
        "key file is malformed: {0}; write a new one with `tdip init` or restore it from backup"
    )]
    KeyFile(&'static str),
    /// A sealed blob failed authentication: it was altered, truncated, or moved to another row.
    #[error("sealed data failed authentication: it was altered or does not belong to this row")]
    Tampered,
    /// A sealed blob names a key this keyring does not hold.
    #[error("sealed data uses key {0}, which this keyring does not hold")]
    UnknownKey(u32),
    /// A sealed blob is too short or of an unknown format version.
    #[error(
        "sealed data has an unknown format (version byte {0}); it was not written by this tdip"
    )]
    Format(u8),
}

//! Errors of the application layer, phrased for the person at the terminal.

use tdip_store::StoreError;

/// What stopped an operation of the point.
#[derive(Debug, thiserror::Error)]
pub enum CoreError {
    /// The provider is not registered.
    #[error(
        "provider {0} is not registered; add it with `tdip providers add {0} --name NAME --country NL`"
    )]
    UnknownProvider(String),
    /// The store failed; nothing was changed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A query or configuration value is not acceptable.
    #[error("{0}")]
    Config(String),
    /// Sealed data could not be opened.
    #[error(
        "a stored subscriber version could not be opened ({0}); the store or the key file is wrong"
    )]
    Unseal(#[from] tdip_crypto::CryptoError),
    /// The audit log does not verify: something in it was changed.
    #[error(
        "the audit log does not verify: {0}. Leave the data directory as it is and report it to \
         the supervisor; `tdip audit verify` repeats the check"
    )]
    AuditBroken(String),
    /// The store holds what tdip never wrote: a row edited, deleted or copied back from an
    /// older copy around the application. Says what, never with a subscriber value.
    #[error(
        "the store was changed around tdip: {0}. Leave the data directory and the database as \
         they are and report it to the supervisor; `tdip audit verify --check-store` lists every \
         difference"
    )]
    Tampered(String),
    /// A bug: an internal invariant failed.
    #[error("internal error: {0}")]
    Internal(&'static str),
}

//! Store errors. Messages name tables and conditions, never stored values.

/// What went wrong in a store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A referenced thing does not exist.
    #[error("{0} not found")]
    NotFound(String),
    /// The operation conflicts with stored state (a duplicate id, a closed version).
    #[error("conflict: {0}")]
    Conflict(String),
    /// Another delivery holds the write lock.
    #[error("another delivery is being applied; try again when it has finished")]
    Busy,
    /// The store is unreachable or its files cannot be opened.
    #[error("store unavailable: {0}")]
    Unavailable(String),
    /// The stored data is not what this version of tdip expects.
    #[error("store is inconsistent: {0}")]
    Corrupt(String),
    /// Any other backend failure.
    #[error("store failure: {0}")]
    Backend(String),
}

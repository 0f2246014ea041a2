//! Store errors. Messages name tables and conditions, never stored values.

/// What went wrong in a store.
#[derive(Clone, Debug, thiserror::Error)]
pub enum StoreError {
    /// A referenced thing does not exist.
    #[error("{0} not found")]
    NotFound(String),
    /// The operation conflicts with stored state (a duplicate id, a closed version).
    #[error("conflict: {0}")]
    Conflict(String),
    /// Another delivery holds the write lock, or another session what this operation
    /// needs, for longer than the store waits.
    #[error(
        "the store is busy: another delivery is being applied (or maintenance holds a table); try again when it has finished"
    )]
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

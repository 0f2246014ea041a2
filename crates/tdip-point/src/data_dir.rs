//! The data directory: every file and directory a point keeps, named once here.
//!
//! A point is a directory (`--data`, default `./tdip-data`) plus a store (the SQLite file in
//! it, or a PostgreSQL database). docs/operations.md says what each file holds and how to
//! back it up; nothing else in tdip spells one of these names.

/// The dev key file (demos and tests only: the point is then NOT SEALED).
pub const KEY_FILE: &str = "keyfile";
/// The public custody record of the custodians' shares of the root key.
pub const CUSTODY_FILE: &str = "custody";
/// The SQLite store.
pub const STORE_FILE: &str = "tdip.db";
/// The SQLite audit log (a file of its own, so appends never wait for a delivery).
pub const AUDIT_FILE: &str = "audit.db";
/// The audit log's public key, checked at every unsealed start.
pub const AUDIT_PUBLIC: &str = "audit.pub";
/// The latest signed head of the audit log, kept outside the database.
pub const HEAD_FILE: &str = "audit.head";
/// The audit log's retention classes, if the point does not use the shipped ones.
pub const RETENTION_FILE: &str = "audit-retention.toml";
/// The data's retention policy, if the point does not use the shipped one.
pub const DATA_RETENTION_FILE: &str = "data-retention.toml";
/// The key directory: one file per wrapped data key.
pub const KEY_DIR: &str = "keys";
/// The spool of deliveries accepted while sealed.
pub const SPOOL_DIR: &str = "spool";
/// The spool's public key (deliveries are encrypted to it).
pub const SPOOL_PUBLIC: &str = "spool.pub";
/// The spool's private key, wrapped under the root key.
pub const SPOOL_KEY: &str = "spool.key";
/// The catalogue in force, if the point does not use the shipped one.
pub const CATALOGUE_DIR: &str = "catalogue";
/// The deadline policy, if the point does not use the shipped one.
pub const DEADLINES_FILE: &str = "deadlines.toml";
/// The delivery policy (clock skew, mass closure), if the point does not use the defaults.
pub const DELIVERY_POLICY_FILE: &str = "delivery.toml";
/// The agencies' client certificates the service accepts.
pub const CLIENTS_FILE: &str = "clients.toml";
/// The API tokens issued (SHA-256 digests only).
pub const TOKENS_FILE: &str = "tokens.toml";
/// Held while `tokens.toml` is changed.
pub const TOKENS_LOCK: &str = "tokens.toml.lock";

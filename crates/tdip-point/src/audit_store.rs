//! The audit log's store, chosen with the point's store: with SQLite a database file of
//! its own in the data directory (`audit.db`), with PostgreSQL the same server's audit
//! tables: over the store's own pool when both are opened together (`crate::stores`),
//! over a pool of its own when the audit log is opened alone.

use std::path::Path;
use std::sync::Arc;

use tdip_store::{AuditEntry, AuditHead, AuditStore, NewAuditEntry, StoreError, StoreResult};
#[cfg(feature = "postgres")]
use tdip_store_pg::PgStore;
use tdip_store_sqlite::SqliteAudit;

pub use crate::data_dir::AUDIT_FILE;

/// The audit store of either backend. Cheap to clone: every clone works on the same
/// connection (or pool).
#[derive(Clone)]
pub enum AnyAudit {
    /// `audit.db` in the data directory.
    Sqlite(Arc<SqliteAudit>),
    /// PostgreSQL's audit tables.
    #[cfg(feature = "postgres")]
    Postgres(PgStore),
}

macro_rules! each {
    ($self:expr, $s:ident => $e:expr) => {
        match $self {
            AnyAudit::Sqlite($s) => $e,
            #[cfg(feature = "postgres")]
            AnyAudit::Postgres($s) => $e,
        }
    };
}

/// Opens the audit store that goes with the store `url`.
pub async fn open(url: &str, data: &Path) -> StoreResult<AnyAudit> {
    if url.starts_with("sqlite:") {
        return SqliteAudit::open(&data.join(AUDIT_FILE)).map(|s| AnyAudit::Sqlite(Arc::new(s)));
    }
    #[cfg(feature = "postgres")]
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        return PgStore::connect(url).await.map(AnyAudit::Postgres);
    }
    Err(StoreError::Unavailable(
        "the audit log's store could not be chosen from --store".into(),
    ))
}

impl AuditStore for AnyAudit {
    fn appends_block(&self) -> bool {
        each!(self, s => s.appends_block())
    }

    async fn append_audit(&self, entries: &[NewAuditEntry]) -> StoreResult<u64> {
        each!(self, s => s.append_audit(entries).await)
    }

    async fn audit_entries(&self, from: u64, limit: u32) -> StoreResult<Vec<AuditEntry>> {
        each!(self, s => s.audit_entries(from, limit).await)
    }

    async fn audit_entries_of_kind(
        &self,
        kind: &str,
        from: u64,
        limit: u32,
    ) -> StoreResult<Vec<AuditEntry>> {
        each!(self, s => s.audit_entries_of_kind(kind, from, limit).await)
    }

    async fn purge_audit_bodies(&self, kind: &str, before: i64) -> StoreResult<u64> {
        each!(self, s => s.purge_audit_bodies(kind, before).await)
    }

    async fn put_audit_head(&self, head: &AuditHead) -> StoreResult<()> {
        each!(self, s => s.put_audit_head(head).await)
    }

    async fn audit_heads(&self) -> StoreResult<Vec<AuditHead>> {
        each!(self, s => s.audit_heads().await)
    }
}

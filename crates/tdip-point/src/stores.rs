//! The point's two stores opened together, for a process that keeps them open (the
//! service, and every unsealed start): the store and the audit log's store, over one
//! connection pool with PostgreSQL.

use std::path::Path;

use tdip_store::StoreResult;

use crate::audit_store::{self, AnyAudit};
use crate::store::{self, AnyStore};

/// The store and the audit log's store of one point. Cheap to clone: every clone works
/// on the same connections.
#[derive(Clone)]
pub struct Stores {
    /// The store.
    pub store: AnyStore,
    /// The audit log's store.
    pub audit: AnyAudit,
}

/// Opens both stores named by `url` for the data directory `data`: with SQLite two
/// files (`audit.db` beside the store's, so that appends never wait for a delivery), with
/// PostgreSQL one connection pool that the store and the audit log's tables share.
pub async fn open(url: &str, data: &Path) -> StoreResult<Stores> {
    let store = store::open(url, data).await?;
    let audit = match &store {
        AnyStore::Sqlite(_) => audit_store::open(url, data).await?,
        #[cfg(feature = "postgres")]
        AnyStore::Postgres(pg) => AnyAudit::Postgres(pg.clone()),
    };
    Ok(Stores { store, audit })
}

//! The store a command works on, chosen at start from its URL: `sqlite:PATH` (the
//! embedded default; an empty `PATH` means the data directory's `tdip.db`) or
//! `postgres://…`. A backend compiled out of this build says so.

use std::path::Path;
use std::sync::Arc;

use tdip_store::{
    AccessStore, AgencySuspension, BlindIndex, DeliveryRecord, DeliverySpan, DeliveryTx,
    NewDelivery, NewVersion, Officer, Provider, ProviderRows, Reseal, Standing, Store, StoreError,
    StoreResult, Suspension, VersionRow,
};
#[cfg(feature = "postgres")]
use tdip_store_pg::{PgDelivery, PgStore};
use tdip_store_sqlite::{SqliteDelivery, SqliteStore};

/// One of the backends. Cheap to clone: every clone works on the same connections (the
/// service opens the store once and shares it).
#[derive(Clone)]
pub enum AnyStore {
    /// Embedded SQLite.
    Sqlite(Arc<SqliteStore>),
    /// PostgreSQL server.
    #[cfg(feature = "postgres")]
    Postgres(PgStore),
}

/// An open delivery of either backend.
pub enum AnyDelivery {
    /// SQLite.
    Sqlite(SqliteDelivery),
    /// PostgreSQL.
    #[cfg(feature = "postgres")]
    Postgres(PgDelivery),
}

/// Runs the same expression on whichever backend `$self` holds.
macro_rules! each {
    ($self:expr, $enum:ident, $s:ident => $e:expr) => {
        match $self {
            $enum::Sqlite($s) => $e,
            #[cfg(feature = "postgres")]
            $enum::Postgres($s) => $e,
        }
    };
}

/// Opens the store named by `url`; `sqlite:` alone is `tdip.db` in `data`.
pub async fn open(url: &str, data: &Path) -> StoreResult<AnyStore> {
    if let Some(path) = url.strip_prefix("sqlite:") {
        let path = if path.is_empty() {
            data.join(crate::data_dir::STORE_FILE)
        } else {
            path.into()
        };
        return SqliteStore::open(&path).map(|s| AnyStore::Sqlite(Arc::new(s)));
    }
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        #[cfg(feature = "postgres")]
        return PgStore::connect(url).await.map(AnyStore::Postgres);
        #[cfg(not(feature = "postgres"))]
        return Err(StoreError::Unavailable(
            "this tdip was built without PostgreSQL support; rebuild it with the `postgres` feature".into(),
        ));
    }
    Err(StoreError::Unavailable(
        "the store URL must start with sqlite: or postgres:// (see --store)".into(),
    ))
}

impl AnyStore {
    /// Upkeep after a delivery was acknowledged (`opened` new versions): SQLite folds its
    /// write-ahead log into the database, PostgreSQL refreshes statistics after a large
    /// load.
    #[cfg_attr(not(feature = "postgres"), allow(unused_variables))]
    pub async fn after_delivery(&self, opened: u64) -> StoreResult<()> {
        match self {
            AnyStore::Sqlite(s) => s.checkpoint(),
            #[cfg(feature = "postgres")]
            AnyStore::Postgres(s) => s.after_delivery(opened).await,
        }
    }
}

impl Store for AnyStore {
    type Delivery<'a> = AnyDelivery;

    async fn add_provider(&self, p: &Provider) -> StoreResult<()> {
        each!(self, AnyStore, s => s.add_provider(p).await)
    }

    async fn provider(&self, id: &str) -> StoreResult<Option<Provider>> {
        each!(self, AnyStore, s => s.provider(id).await)
    }

    async fn providers(&self) -> StoreResult<Vec<Provider>> {
        each!(self, AnyStore, s => s.providers().await)
    }

    async fn deliveries(
        &self,
        provider: Option<&str>,
        limit: u32,
    ) -> StoreResult<Vec<DeliveryRecord>> {
        each!(self, AnyStore, s => s.deliveries(provider, limit).await)
    }

    async fn delivery_spans(&self) -> StoreResult<Vec<DeliverySpan>> {
        each!(self, AnyStore, s => s.delivery_spans().await)
    }

    async fn provider_spans(
        &self,
        ids: &[&str],
    ) -> StoreResult<Vec<(Provider, Option<DeliverySpan>)>> {
        each!(self, AnyStore, s => s.provider_spans(ids).await)
    }

    async fn record_rejected(&self, d: &NewDelivery) -> StoreResult<i64> {
        each!(self, AnyStore, s => s.record_rejected(d).await)
    }

    async fn begin_delivery(&self, provider: &str) -> StoreResult<AnyDelivery> {
        match self {
            AnyStore::Sqlite(s) => s.begin_delivery(provider).await.map(AnyDelivery::Sqlite),
            #[cfg(feature = "postgres")]
            AnyStore::Postgres(s) => s.begin_delivery(provider).await.map(AnyDelivery::Postgres),
        }
    }

    async fn versions_by_index(&self, indexes: &[BlindIndex]) -> StoreResult<Vec<VersionRow>> {
        each!(self, AnyStore, s => s.versions_by_index(indexes).await)
    }

    async fn open_versions_page(
        &self,
        provider: &str,
        after: i64,
        limit: u32,
    ) -> StoreResult<Vec<VersionRow>> {
        each!(self, AnyStore, s => s.open_versions_page(provider, after, limit).await)
    }

    async fn reseal(&self, provider: &str, changes: &[Reseal]) -> StoreResult<u64> {
        each!(self, AnyStore, s => s.reseal(provider, changes).await)
    }

    async fn provider_rows(&self, provider: &str) -> StoreResult<ProviderRows> {
        each!(self, AnyStore, s => s.provider_rows(provider).await)
    }

    async fn prefix_lengths(&self) -> StoreResult<Vec<(u8, u8)>> {
        each!(self, AnyStore, s => s.prefix_lengths().await)
    }
}

impl AccessStore for AnyStore {
    async fn add_officer(&self, o: &Officer) -> StoreResult<()> {
        each!(self, AnyStore, s => s.add_officer(o).await)
    }

    async fn officer(&self, agency: &str, id: &str) -> StoreResult<Option<Officer>> {
        each!(self, AnyStore, s => s.officer(agency, id).await)
    }

    async fn standing(&self, agency: &str, id: &str) -> StoreResult<Standing> {
        each!(self, AnyStore, s => s.standing(agency, id).await)
    }

    async fn officers(&self, agency: Option<&str>) -> StoreResult<Vec<Officer>> {
        each!(self, AnyStore, s => s.officers(agency).await)
    }

    async fn suspend_officer(
        &self,
        agency: &str,
        id: &str,
        suspension: &Suspension,
    ) -> StoreResult<bool> {
        each!(self, AnyStore, s => s.suspend_officer(agency, id, suspension).await)
    }

    async fn reinstate_officer(&self, agency: &str, id: &str) -> StoreResult<bool> {
        each!(self, AnyStore, s => s.reinstate_officer(agency, id).await)
    }

    async fn set_officer_valid_until(
        &self,
        agency: &str,
        id: &str,
        until: Option<i64>,
    ) -> StoreResult<bool> {
        each!(self, AnyStore, s => s.set_officer_valid_until(agency, id, until).await)
    }

    async fn suspend_agency(&self, agency: &str, suspension: &Suspension) -> StoreResult<()> {
        each!(self, AnyStore, s => s.suspend_agency(agency, suspension).await)
    }

    async fn reinstate_agency(&self, agency: &str) -> StoreResult<bool> {
        each!(self, AnyStore, s => s.reinstate_agency(agency).await)
    }

    async fn agency_suspension(&self, agency: &str) -> StoreResult<Option<Suspension>> {
        each!(self, AnyStore, s => s.agency_suspension(agency).await)
    }

    async fn agency_suspensions(&self) -> StoreResult<Vec<AgencySuspension>> {
        each!(self, AnyStore, s => s.agency_suspensions().await)
    }
}

impl DeliveryTx for AnyDelivery {
    fn delivery_id(&self) -> i64 {
        each!(self, AnyDelivery, t => t.delivery_id())
    }

    async fn snapshot(&mut self) -> StoreResult<Vec<Vec<u8>>> {
        each!(self, AnyDelivery, t => t.snapshot().await)
    }

    async fn insert_versions(&mut self, v: &[NewVersion]) -> StoreResult<Vec<i64>> {
        each!(self, AnyDelivery, t => t.insert_versions(v).await)
    }

    async fn open_versions(&mut self, ids: &[i64]) -> StoreResult<Vec<VersionRow>> {
        each!(self, AnyDelivery, t => t.open_versions(ids).await)
    }

    async fn close_versions(
        &mut self,
        closes: &[(i64, Vec<u8>)],
        valid_to: i64,
        last_seen: i64,
    ) -> StoreResult<()> {
        each!(self, AnyDelivery, t => t.close_versions(closes, valid_to, last_seen).await)
    }

    async fn insert_indexes(&mut self, pairs: &[(BlindIndex, i64)]) -> StoreResult<()> {
        each!(self, AnyDelivery, t => t.insert_indexes(pairs).await)
    }

    async fn add_prefix_lengths(&mut self, lengths: &[(u8, u8)]) -> StoreResult<()> {
        each!(self, AnyDelivery, t => t.add_prefix_lengths(lengths).await)
    }

    async fn insert_payments(&mut self, payments: &[tdip_store::NewPayment]) -> StoreResult<u64> {
        each!(self, AnyDelivery, t => t.insert_payments(payments).await)
    }

    async fn put_snapshot(&mut self, data: &[u8]) -> StoreResult<()> {
        each!(self, AnyDelivery, t => t.put_snapshot(data).await)
    }

    async fn append_snapshot(&mut self, data: &[u8]) -> StoreResult<()> {
        each!(self, AnyDelivery, t => t.append_snapshot(data).await)
    }

    async fn commit(self, d: &NewDelivery) -> StoreResult<i64> {
        each!(self, AnyDelivery, t => t.commit(d).await)
    }
}

//! The traffic store of whichever backend the point opened: [`TrafficStore`] for
//! [`AnyStore`], each call handed to SQLite or PostgreSQL.

use tdip_store::{
    BlindIndex, CellBox, CellRow, CommProbe, CommRow, Day, NewTrafficBatch, OpenRef, StoreResult,
    TrafficBatchRecord, TrafficDay, TrafficProbe, TrafficRow, TrafficStore, TrafficTx,
};
#[cfg(feature = "postgres")]
use tdip_store_pg::PgStore;
use tdip_store_sqlite::SqliteStore;

use crate::store::AnyStore;

impl AnyStore {
    /// Upkeep after a traffic batch was acknowledged, for the UTC days `days` it wrote:
    /// SQLite merges each such day's runs into one, so that a lookup seeks once per day
    /// (a batch appends its rows as sorted runs: fast to write, one seek each to read);
    /// PostgreSQL needs nothing.
    pub async fn after_traffic(&self, days: std::ops::RangeInclusive<Day>) -> StoreResult<()> {
        match self {
            AnyStore::Sqlite(s) => {
                for day in days {
                    s.compact_traffic_day(day)?;
                }
                s.checkpoint()
            }
            #[cfg(feature = "postgres")]
            AnyStore::Postgres(_) => Ok(()),
        }
    }
}

/// An open traffic batch of either backend.
pub enum AnyTraffic<'a> {
    /// SQLite.
    Sqlite(<SqliteStore as TrafficStore>::Batch<'a>),
    /// PostgreSQL.
    #[cfg(feature = "postgres")]
    Postgres(<PgStore as TrafficStore>::Batch<'a>),
}

macro_rules! each {
    ($self:expr, $enum:ident, $s:ident => $e:expr) => {
        match $self {
            $enum::Sqlite($s) => $e,
            #[cfg(feature = "postgres")]
            $enum::Postgres($s) => $e,
        }
    };
}

impl TrafficStore for AnyStore {
    type Batch<'a> = AnyTraffic<'a>;

    async fn begin_traffic(&self, provider: &str) -> StoreResult<AnyTraffic<'_>> {
        Ok(match self {
            AnyStore::Sqlite(s) => AnyTraffic::Sqlite(s.begin_traffic(provider).await?),
            #[cfg(feature = "postgres")]
            AnyStore::Postgres(s) => AnyTraffic::Postgres(s.begin_traffic(provider).await?),
        })
    }

    async fn record_rejected_traffic(&self, batch: &NewTrafficBatch) -> StoreResult<i64> {
        each!(self, AnyStore, s => s.record_rejected_traffic(batch).await)
    }

    async fn traffic_batch(
        &self,
        provider: &str,
        batch_id: &str,
    ) -> StoreResult<Option<TrafficBatchRecord>> {
        each!(self, AnyStore, s => s.traffic_batch(provider, batch_id).await)
    }

    async fn traffic_batches_by_seq(&self, seqs: &[i64]) -> StoreResult<Vec<TrafficBatchRecord>> {
        each!(self, AnyStore, s => s.traffic_batches_by_seq(seqs).await)
    }

    async fn traffic_batches(
        &self,
        provider: Option<&str>,
        limit: u32,
    ) -> StoreResult<Vec<TrafficBatchRecord>> {
        each!(self, AnyStore, s => s.traffic_batches(provider, limit).await)
    }

    async fn traffic_covering(&self, probe: &TrafficProbe) -> StoreResult<Vec<TrafficRow>> {
        each!(self, AnyStore, s => s.traffic_covering(probe).await)
    }

    async fn traffic_of_user(
        &self,
        user: &BlindIndex,
        from: i64,
        to: i64,
        limit: u32,
    ) -> StoreResult<Vec<TrafficRow>> {
        each!(self, AnyStore, s => s.traffic_of_user(user, from, to, limit).await)
    }

    async fn traffic_prefix_lengths(&self) -> StoreResult<Vec<(u8, u8)>> {
        each!(self, AnyStore, s => s.traffic_prefix_lengths().await)
    }

    async fn traffic_days(&self) -> StoreResult<Vec<TrafficDay>> {
        each!(self, AnyStore, s => s.traffic_days().await)
    }

    async fn drop_traffic_day(&self, day: Day) -> StoreResult<u64> {
        each!(self, AnyStore, s => s.drop_traffic_day(day).await)
    }

    async fn comm_rows(&self, probe: &CommProbe) -> StoreResult<Vec<CommRow>> {
        each!(self, AnyStore, s => s.comm_rows(probe).await)
    }

    async fn cell_history(&self, provider: &str, cell_ids: &[String]) -> StoreResult<Vec<CellRow>> {
        each!(self, AnyStore, s => s.cell_history(provider, cell_ids).await)
    }

    async fn cells_in(&self, area: CellBox) -> StoreResult<Vec<CellRow>> {
        each!(self, AnyStore, s => s.cells_in(area).await)
    }
}

impl TrafficTx for AnyTraffic<'_> {
    fn seq(&self) -> i64 {
        each!(self, AnyTraffic, t => t.seq())
    }

    async fn insert_traffic(&mut self, rows: &[TrafficRow]) -> StoreResult<()> {
        each!(self, AnyTraffic, t => t.insert_traffic(rows).await)
    }

    async fn take_open(&mut self, refs: &[OpenRef]) -> StoreResult<Vec<Option<TrafficRow>>> {
        each!(self, AnyTraffic, t => t.take_open(refs).await)
    }

    async fn insert_comm(&mut self, rows: &[CommRow]) -> StoreResult<()> {
        each!(self, AnyTraffic, t => t.insert_comm(rows).await)
    }

    async fn insert_cells(&mut self, rows: &[CellRow]) -> StoreResult<()> {
        each!(self, AnyTraffic, t => t.insert_cells(rows).await)
    }

    async fn commit(self, batch: &NewTrafficBatch) -> StoreResult<i64> {
        each!(self, AnyTraffic, t => t.commit(batch).await)
    }
}

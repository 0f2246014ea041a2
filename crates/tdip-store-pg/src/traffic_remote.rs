//! Day partitions of `traffic_row` on another PostgreSQL server, through `postgres_fdw`
//! (docs/scaling.md, "Traffic days on more than one server").
//!
//! The operator creates on the other server the table of the day
//! ([`PgStore::remote_day_sql`]), and on this database the `postgres_fdw` extension, a
//! foreign server and a user mapping; [`PgStore::attach_remote_day`] then makes the day's
//! partition a foreign table on that server. Batches write the day's rows through it
//! (binary `COPY` into `traffic_row` routes them to the foreign partition, which
//! `postgres_fdw` inserts on the remote), lookups read through it, and the day is dropped
//! by [`tdip_store::TrafficStore::drop_traffic_day`] like any other (the remote table is
//! then the operator's to drop).

use sqlx::AssertSqlSafe;
use tdip_store::{Day, StoreError, StoreResult};

use crate::PgStore;
use crate::error::backend;
use crate::traffic_tx::lock_traffic;

/// The name of the partition (local or remote table) of day `day`, as migration 6 names it.
pub fn traffic_day_table(day: Day) -> String {
    if day < 0 {
        format!("traffic_row_dm{}", i64::from(day).unsigned_abs())
    } else {
        format!("traffic_row_d{day}")
    }
}

/// Whether `name` is a plain lower-case SQL identifier (no quoting needed).
fn plain_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c == '_')
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && name.len() <= 63
}

impl PgStore {
    /// The SQL that creates, on another server, the table that will hold day `day`'s rows:
    /// the columns of `traffic_row`, its checks, the day's range, the lookup key and the
    /// user index of a local day partition. Run it there before
    /// [`PgStore::attach_remote_day`].
    pub fn remote_day_sql(day: Day) -> String {
        let t = traffic_day_table(day);
        let next = i64::from(day) + 1;
        format!(
            "CREATE TABLE {t} (
                 day integer NOT NULL CHECK (day >= {day} AND day < {next}),
                 kind smallint NOT NULL CHECK (kind IN (1, 2)),
                 key bytea NOT NULL,
                 first_port integer NOT NULL,
                 start bigint NOT NULL,
                 batch bigint NOT NULL,
                 last_port integer NOT NULL,
                 end_at bigint NOT NULL,
                 family smallint NOT NULL,
                 len smallint NOT NULL,
                 user_key bytea,
                 sealed bytea NOT NULL,
                 CHECK (last_port >= first_port),
                 UNIQUE (kind, key, first_port, start, batch) INCLUDE (last_port, end_at)
             );
             CREATE INDEX {t}_by_user ON {t} (user_key, start) WHERE user_key IS NOT NULL;"
        )
    }

    /// Makes day `day`'s partition a `postgres_fdw` foreign table on the foreign server
    /// `server` (created by the operator, with a user mapping for this store's user), whose
    /// table [`PgStore::remote_day_sql`] created. The day must not have a partition here
    /// yet: move a day's rows before attaching it. Waits for the traffic write lock like a
    /// batch. Creating the partition takes an ACCESS EXCLUSIVE lock on `traffic_row` until
    /// this commits (milliseconds: nothing is scanned).
    pub async fn attach_remote_day(&self, day: Day, server: &str) -> StoreResult<()> {
        if !plain_identifier(server) {
            return Err(StoreError::Conflict(
                "the foreign server name must be a plain lower-case sql identifier \
                 (letters, digits, underscores); create the server under such a name"
                    .into(),
            ));
        }
        let t = traffic_day_table(day);
        let mut tx = self.pool.begin().await.map_err(backend)?;
        lock_traffic(&mut tx).await?;
        let exists: bool = sqlx::query_scalar("SELECT to_regclass($1) IS NOT NULL")
            .bind(&t)
            .fetch_one(&mut *tx)
            .await
            .map_err(backend)?;
        if exists {
            return Err(StoreError::Conflict(
                "this day already has a partition in this database; drop or move it before \
                 attaching the day from another server"
                    .into(),
            ));
        }
        let known: bool = sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM pg_foreign_server WHERE srvname = $1)",
        )
        .bind(server)
        .fetch_one(&mut *tx)
        .await
        .map_err(backend)?;
        if !known {
            return Err(StoreError::NotFound(format!(
                "foreign server {server} (create it with CREATE SERVER ... FOREIGN DATA \
                 WRAPPER postgres_fdw, and a user mapping)"
            )));
        }
        let next = i64::from(day) + 1;
        sqlx::raw_sql(AssertSqlSafe(format!(
            "CREATE FOREIGN TABLE {t} PARTITION OF traffic_row
                 FOR VALUES FROM ({day}) TO ({next})
                 SERVER {server} OPTIONS (table_name '{t}')"
        )))
        .execute(&mut *tx)
        .await
        .map_err(backend)?;
        tx.commit().await.map_err(backend)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn day_tables_are_named_as_the_migration_names_them() {
        assert_eq!(traffic_day_table(20394), "traffic_row_d20394");
        assert_eq!(traffic_day_table(-5), "traffic_row_dm5");
        assert_eq!(traffic_day_table(i32::MIN), "traffic_row_dm2147483648");
    }

    #[test]
    fn only_plain_server_names_are_spliced_into_sql() {
        assert!(plain_identifier("traffic_b"));
        assert!(plain_identifier("_x1"));
        assert!(!plain_identifier("a b"));
        assert!(!plain_identifier("x'; DROP TABLE provider; --"));
        assert!(!plain_identifier("Upper"));
        assert!(!plain_identifier(""));
        assert!(!plain_identifier("1abc"));
    }
}

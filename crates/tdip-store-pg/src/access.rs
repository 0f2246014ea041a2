//! The registry of officers and agency suspensions in PostgreSQL. Every write is one
//! statement outside the delivery's advisory lock, so suspending an officer never waits
//! for a delivery; reads are tried once more when their connection was lost.

use tdip_store::{AccessStore, AgencySuspension, Officer, StoreError, StoreResult, Suspension};

use crate::PgStore;
use crate::error::{backend, read};

/// An officer as selected: agency, id, name, registered at, valid until, suspended at,
/// suspension reason.
type OfficerRow = (
    String,
    String,
    String,
    i64,
    Option<i64>,
    Option<i64>,
    Option<String>,
);

fn officer((agency, id, name, registered_at, valid_until, at, reason): OfficerRow) -> Officer {
    Officer {
        agency,
        id,
        name,
        registered_at,
        valid_until,
        // The schema keeps both columns set or both empty.
        suspended: at.zip(reason).map(|(at, reason)| Suspension { at, reason }),
    }
}

impl AccessStore for PgStore {
    async fn add_officer(&self, o: &Officer) -> StoreResult<()> {
        let res = sqlx::query(
            "INSERT INTO officer (agency, id, name, registered_at, valid_until, suspended_at,
                                  suspended_reason)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(&o.agency)
        .bind(&o.id)
        .bind(&o.name)
        .bind(o.registered_at)
        .bind(o.valid_until)
        .bind(o.suspended.as_ref().map(|s| s.at))
        .bind(o.suspended.as_ref().map(|s| s.reason.as_str()))
        .execute(&self.pool)
        .await;
        match res {
            Ok(_) => Ok(()),
            Err(sqlx::Error::Database(e)) if e.is_unique_violation() => Err(StoreError::Conflict(
                format!("officer {} of {} is already registered", o.id, o.agency),
            )),
            Err(e) => Err(backend(e)),
        }
    }

    async fn officer(&self, agency: &str, id: &str) -> StoreResult<Option<Officer>> {
        let row: Option<OfficerRow> = read(|| {
            sqlx::query_as(
                "SELECT agency, id, name, registered_at, valid_until, suspended_at,
                        suspended_reason
                 FROM officer WHERE agency = $1 AND id = $2",
            )
            .bind(agency)
            .bind(id)
            .fetch_optional(&self.pool)
        })
        .await?;
        Ok(row.map(officer))
    }

    async fn officers(&self, agency: Option<&str>) -> StoreResult<Vec<Officer>> {
        // Two statements rather than `$1 IS NULL OR agency = $1`, whose generic plan
        // could not probe the primary key.
        let rows: Vec<OfficerRow> = match agency {
            Some(agency) => {
                read(|| {
                    sqlx::query_as(
                        "SELECT agency, id, name, registered_at, valid_until, suspended_at,
                                suspended_reason
                         FROM officer WHERE agency = $1 ORDER BY agency, id",
                    )
                    .bind(agency)
                    .fetch_all(&self.pool)
                })
                .await?
            }
            None => {
                read(|| {
                    sqlx::query_as(
                        "SELECT agency, id, name, registered_at, valid_until, suspended_at,
                                suspended_reason
                         FROM officer ORDER BY agency, id",
                    )
                    .fetch_all(&self.pool)
                })
                .await?
            }
        };
        Ok(rows.into_iter().map(officer).collect())
    }

    async fn suspend_officer(&self, agency: &str, id: &str, s: &Suspension) -> StoreResult<bool> {
        sqlx::query(
            "UPDATE officer SET suspended_at = $3, suspended_reason = $4
             WHERE agency = $1 AND id = $2",
        )
        .bind(agency)
        .bind(id)
        .bind(s.at)
        .bind(&s.reason)
        .execute(&self.pool)
        .await
        .map(|r| r.rows_affected() > 0)
        .map_err(backend)
    }

    async fn reinstate_officer(&self, agency: &str, id: &str) -> StoreResult<bool> {
        sqlx::query(
            "UPDATE officer SET suspended_at = NULL, suspended_reason = NULL
             WHERE agency = $1 AND id = $2",
        )
        .bind(agency)
        .bind(id)
        .execute(&self.pool)
        .await
        .map(|r| r.rows_affected() > 0)
        .map_err(backend)
    }

    async fn set_officer_valid_until(
        &self,
        agency: &str,
        id: &str,
        until: Option<i64>,
    ) -> StoreResult<bool> {
        sqlx::query("UPDATE officer SET valid_until = $3 WHERE agency = $1 AND id = $2")
            .bind(agency)
            .bind(id)
            .bind(until)
            .execute(&self.pool)
            .await
            .map(|r| r.rows_affected() > 0)
            .map_err(backend)
    }

    async fn suspend_agency(&self, agency: &str, s: &Suspension) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO agency_suspension (agency, at, reason) VALUES ($1, $2, $3)
             ON CONFLICT (agency) DO UPDATE SET at = excluded.at, reason = excluded.reason",
        )
        .bind(agency)
        .bind(s.at)
        .bind(&s.reason)
        .execute(&self.pool)
        .await
        .map(drop)
        .map_err(backend)
    }

    async fn reinstate_agency(&self, agency: &str) -> StoreResult<bool> {
        sqlx::query("DELETE FROM agency_suspension WHERE agency = $1")
            .bind(agency)
            .execute(&self.pool)
            .await
            .map(|r| r.rows_affected() > 0)
            .map_err(backend)
    }

    async fn agency_suspension(&self, agency: &str) -> StoreResult<Option<Suspension>> {
        let row: Option<(i64, String)> = read(|| {
            sqlx::query_as("SELECT at, reason FROM agency_suspension WHERE agency = $1")
                .bind(agency)
                .fetch_optional(&self.pool)
        })
        .await?;
        Ok(row.map(|(at, reason)| Suspension { at, reason }))
    }

    async fn agency_suspensions(&self) -> StoreResult<Vec<AgencySuspension>> {
        let rows: Vec<(String, i64, String)> = read(|| {
            sqlx::query_as("SELECT agency, at, reason FROM agency_suspension ORDER BY agency")
                .fetch_all(&self.pool)
        })
        .await?;
        Ok(rows
            .into_iter()
            .map(|(agency, at, reason)| AgencySuspension {
                agency,
                suspension: Suspension { at, reason },
            })
            .collect())
    }
}

//! The `AccessStore` implementation of the SQLite backend: officers and agency
//! suspensions in the main database.
//!
//! Every write is one statement on a pooled connection, like registering a provider: it
//! waits for a delivery holding the write lock no longer than the busy timeout, then
//! fails with [`StoreError::Busy`]. Reads never wait (WAL).

use rusqlite::{OptionalExtension, Row, params};

use super::SqliteStore;
use tdip_store::{
    AccessStore, AgencySuspension, Officer, Standing, StoreError, StoreResult, Suspension,
};

impl AccessStore for SqliteStore {
    async fn add_officer(&self, o: &Officer) -> StoreResult<()> {
        let (at, reason) = match &o.suspended {
            Some(s) => (Some(s.at), Some(s.reason.as_str())),
            None => (None, None),
        };
        let res =
            self.read(|c| {
                c.execute(
                "INSERT INTO officer (agency, id, name, registered_at, valid_until, suspended_at,
                                      suspended_reason)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![o.agency, o.id, o.name, o.registered_at, o.valid_until, at, reason],
            )
            });
        match res {
            Err(StoreError::Conflict(_)) => Err(StoreError::Conflict(format!(
                "officer {} of {} is already registered",
                o.id, o.agency
            ))),
            other => other.map(drop),
        }
    }

    async fn officer(&self, agency: &str, id: &str) -> StoreResult<Option<Officer>> {
        self.read(|c| {
            c.prepare_cached(
                "SELECT agency, id, name, registered_at, valid_until, suspended_at,
                        suspended_reason
                 FROM officer WHERE agency = ?1 AND id = ?2",
            )?
            .query_row([agency, id], officer_row)
            .optional()
        })
    }

    async fn standing(&self, agency: &str, id: &str) -> StoreResult<Standing> {
        self.read(|c| {
            c.prepare_cached(
                "SELECT o.agency, o.id, o.name, o.registered_at, o.valid_until, o.suspended_at,
                        o.suspended_reason, a.at, a.reason
                 FROM (SELECT ?1 AS agency, ?2 AS id) AS k
                 LEFT JOIN officer o ON o.agency = k.agency AND o.id = k.id
                 LEFT JOIN agency_suspension a ON a.agency = k.agency",
            )?
            .query_row([agency, id], |r| {
                let registered: Option<String> = r.get(0)?;
                let (at, reason): (Option<i64>, Option<String>) = (r.get(7)?, r.get(8)?);
                Ok(Standing {
                    officer: registered.map(|_| officer_row(r)).transpose()?,
                    agency_suspension: at.zip(reason).map(|(at, reason)| Suspension { at, reason }),
                })
            })
        })
    }

    async fn officers(&self, agency: Option<&str>) -> StoreResult<Vec<Officer>> {
        self.read(|c| {
            let mut st = c.prepare_cached(
                "SELECT agency, id, name, registered_at, valid_until, suspended_at,
                        suspended_reason
                 FROM officer WHERE ?1 IS NULL OR agency = ?1 ORDER BY agency, id",
            )?;
            st.query_map([agency], officer_row)?.collect()
        })
    }

    async fn suspend_officer(&self, agency: &str, id: &str, s: &Suspension) -> StoreResult<bool> {
        self.read(|c| {
            c.execute(
                "UPDATE officer SET suspended_at = ?3, suspended_reason = ?4
                 WHERE agency = ?1 AND id = ?2",
                params![agency, id, s.at, s.reason],
            )
        })
        .map(|n| n > 0)
    }

    async fn reinstate_officer(&self, agency: &str, id: &str) -> StoreResult<bool> {
        self.read(|c| {
            c.execute(
                "UPDATE officer SET suspended_at = NULL, suspended_reason = NULL
                 WHERE agency = ?1 AND id = ?2",
                [agency, id],
            )
        })
        .map(|n| n > 0)
    }

    async fn set_officer_valid_until(
        &self,
        agency: &str,
        id: &str,
        until: Option<i64>,
    ) -> StoreResult<bool> {
        self.read(|c| {
            c.execute(
                "UPDATE officer SET valid_until = ?3 WHERE agency = ?1 AND id = ?2",
                params![agency, id, until],
            )
        })
        .map(|n| n > 0)
    }

    async fn suspend_agency(&self, agency: &str, s: &Suspension) -> StoreResult<()> {
        self.read(|c| {
            c.execute(
                "INSERT INTO agency_suspension (agency, at, reason) VALUES (?1, ?2, ?3)
                 ON CONFLICT (agency) DO UPDATE SET at = excluded.at, reason = excluded.reason",
                params![agency, s.at, s.reason],
            )
        })
        .map(drop)
    }

    async fn reinstate_agency(&self, agency: &str) -> StoreResult<bool> {
        self.read(|c| c.execute("DELETE FROM agency_suspension WHERE agency = ?1", [agency]))
            .map(|n| n > 0)
    }

    async fn agency_suspension(&self, agency: &str) -> StoreResult<Option<Suspension>> {
        self.read(|c| {
            c.prepare_cached("SELECT at, reason FROM agency_suspension WHERE agency = ?1")?
                .query_row([agency], |r| {
                    Ok(Suspension {
                        at: r.get(0)?,
                        reason: r.get(1)?,
                    })
                })
                .optional()
        })
    }

    async fn agency_suspensions(&self) -> StoreResult<Vec<AgencySuspension>> {
        self.read(|c| {
            let mut st = c.prepare_cached(
                "SELECT agency, at, reason FROM agency_suspension ORDER BY agency",
            )?;
            st.query_map([], |r| {
                Ok(AgencySuspension {
                    agency: r.get(0)?,
                    suspension: Suspension {
                        at: r.get(1)?,
                        reason: r.get(2)?,
                    },
                })
            })?
            .collect()
        })
    }
}

fn officer_row(r: &Row<'_>) -> rusqlite::Result<Officer> {
    let at: Option<i64> = r.get(5)?;
    let reason: Option<String> = r.get(6)?;
    Ok(Officer {
        agency: r.get(0)?,
        id: r.get(1)?,
        name: r.get(2)?,
        registered_at: r.get(3)?,
        valid_until: r.get(4)?,
        // The schema keeps both columns set or both empty.
        suspended: at.zip(reason).map(|(at, reason)| Suspension { at, reason }),
    })
}

//! Maps sqlx errors to [`StoreError`]: constraint violations are conflicts, lock waits
//! that time out are [`StoreError::Busy`], connection and pool failures make the store
//! unavailable.
//!
//! Messages are PostgreSQL's primary message (which names the constraint, table or
//! column) and never its `detail`, which can quote stored values.

use sqlx::error::DatabaseError;
use tdip_store::StoreError;

/// SQLSTATE `lock_not_available`: `lock_timeout` expired.
const LOCK_NOT_AVAILABLE: &str = "55P03";
/// SQLSTATE `query_canceled`: `statement_timeout` expired.
const QUERY_CANCELED: &str = "57014";

/// Maps any sqlx error.
pub(crate) fn backend(e: sqlx::Error) -> StoreError {
    match e {
        sqlx::Error::Database(db) => database(db.as_ref()),
        sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::WorkerCrashed
        | sqlx::Error::Configuration(_) => StoreError::Unavailable(format!(
            "{e}; check that the postgresql server runs and is reachable"
        )),
        other => StoreError::Backend(other.to_string()),
    }
}

fn database(db: &dyn DatabaseError) -> StoreError {
    let code = db.code().map(|c| c.into_owned()).unwrap_or_default();
    let message = db.message();
    match code.as_str() {
        // Class 23: integrity constraint violations (unique, foreign key, check,
        // not null, exclusion).
        c if c.starts_with("23") => StoreError::Conflict(message.to_owned()),
        // Lock waits that timed out, serialisation failures and deadlocks: try again.
        LOCK_NOT_AVAILABLE | "40001" | "40P01" => StoreError::Busy,
        QUERY_CANCELED => StoreError::Backend(format!(
            "{message}; the statement ran longer than the store allows, try again when the \
             database is less loaded"
        )),
        // Connection exceptions, insufficient resources, operator intervention
        // (shutdown, cannot connect now), authorisation, unknown database.
        c if c.starts_with("08")
            || c.starts_with("53")
            || c.starts_with("57P")
            || c.starts_with("28")
            || c == "3D000" =>
        {
            StoreError::Unavailable(format!("{message} (sqlstate {code})"))
        }
        _ => StoreError::Backend(format!("{message} (sqlstate {code})")),
    }
}

/// Whether `e` is a lock or statement timeout: for a statement that only waits for a lock,
/// both mean another writer holds it.
pub(crate) fn is_timeout(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Database(db) => {
            matches!(
                db.code().as_deref(),
                Some(LOCK_NOT_AVAILABLE | QUERY_CANCELED)
            )
        }
        _ => false,
    }
}

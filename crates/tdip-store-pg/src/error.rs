//! Maps sqlx errors to [`StoreError`]: constraint violations are conflicts, lock waits
//! that time out are [`StoreError::Busy`], connection and pool failures make the store
//! unavailable; and repeats a read once when its connection was lost.
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

/// Whether `e` means the connection was lost (the server went away, restarted, or ended
/// the session) before the statement could have taken effect on a read-only path, so the
/// read may be tried once more on another connection.
pub(crate) fn is_connection_lost(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Io(_) | sqlx::Error::Tls(_) | sqlx::Error::Protocol(_) => true,
        // admin_shutdown, crash_shutdown, cannot_connect_now; connection exceptions.
        sqlx::Error::Database(db) => db
            .code()
            .is_some_and(|c| c.starts_with("57P0") || c.starts_with("08")),
        _ => false,
    }
}

/// Runs a read-only query, and once more on a connection loss: a read changes nothing,
/// so repeating it is safe. Writes are never repeated here (a lost reply to a commit
/// leaves its outcome unknown); they fail with [`StoreError::Unavailable`].
pub(crate) async fn read<T, F, Fut>(mut query: F) -> Result<T, StoreError>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, sqlx::Error>>,
{
    match query().await {
        Err(e) if is_connection_lost(&e) => query().await.map_err(backend),
        other => other.map_err(backend),
    }
}

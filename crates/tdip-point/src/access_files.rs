//! The access-control files held to the audit log: `clients.toml`, `tokens.toml` and the
//! catalogue in force. Every change tdip makes to one logs the file's new SHA-256 (an
//! `access-file-changed` entry) before the file is replaced; whoever reads a file checks
//! its digest against the latest one logged and refuses a file changed around tdip,
//! logging an `integrity` finding. A file no digest was ever logged for (a point set up
//! before the files were checked) is adopted as it is, and that is logged.

use std::path::Path;
use std::time::Duration;

use anyhow::{Result, bail};
use sha2::{Digest, Sha256};
use tdip_core::audit::Auditor;
use tdip_core::registry::{self, ABSENT};

use crate::audit_store::AnyAudit;

/// The name the catalogue in force is logged under.
pub const CATALOGUE: &str = "catalogue";
/// The catalogue's state while the shipped one is in force (it is part of the binary).
pub const SHIPPED: &str = "shipped";

/// How long a reader that found a difference waits before it reads both again: a change
/// through tdip logs the digest, then replaces the file.
const SETTLE: Duration = Duration::from_millis(100);

/// A file's state as logged: its SHA-256 (hex), or `absent`.
pub fn state(bytes: Option<&[u8]>) -> String {
    bytes.map_or_else(|| ABSENT.to_owned(), |b| hex::encode(Sha256::digest(b)))
}

/// The state of the file `name` in `data`.
pub fn file_state(data: &Path, name: &str) -> Result<String> {
    match std::fs::read(data.join(name)) {
        Ok(b) => Ok(state(Some(&b))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(state(None)),
        Err(e) => Err(e.into()),
    }
}

/// Logs that tdip changed `name` to `state`; call it before the file is replaced.
pub async fn record(auditor: &Auditor<AnyAudit>, name: &str, state: &str, now: i64) -> Result<()> {
    auditor
        .record(now, vec![registry::file_changed(name, state)])
        .await?;
    Ok(())
}

/// Whether `name` as `read` gives it matches the digest last logged for it. A file with
/// no logged digest is adopted (logged as it is). A difference is read again once, then
/// logged as an integrity finding and refused with `what_to_do`.
pub async fn check(
    auditor: &Auditor<AnyAudit>,
    name: &str,
    mut read: impl FnMut() -> Result<String>,
    what_to_do: &str,
    now: i64,
) -> Result<()> {
    for attempt in 0..2 {
        if attempt > 0 {
            tokio::time::sleep(SETTLE).await;
        }
        let found = read()?;
        match registry::file_state(auditor, name).await? {
            None => {
                tracing::info!(
                    "note: {name} is adopted as it is: the audit log now holds its digest"
                );
                return record(auditor, name, &found, now).await;
            }
            Some(logged) if logged == found => return Ok(()),
            Some(_) => {}
        }
    }
    let detail = "the file differs from the digest last logged: it was changed outside tdip";
    registry::report(auditor, now, "access-file", name, detail).await?;
    bail!(
        "{name} was changed outside tdip (its SHA-256 is not the one the audit log holds), so it \
         is not used; {what_to_do}"
    )
}

/// What to do about a changed `clients.toml`, `tokens.toml` or catalogue.
pub fn what_to_do(name: &str) -> String {
    let command = match name {
        CATALOGUE => "catalogue",
        crate::data_dir::TOKENS_FILE => "tokens",
        _ => "clients",
    };
    format!(
        "restore it, or review it and accept it with `tdip {command} adopt` (which logs its \
         digest); the finding is in `tdip audit log`, kind integrity"
    )
}

/// `tdip clients|tokens|catalogue adopt`: logs the file's digest as it is now, after the
/// administrator reviewed it.
pub async fn adopt(auditor: &Auditor<AnyAudit>, name: &str, state: &str, now: i64) -> Result<()> {
    record(auditor, name, state, now).await
}

//! The audit log's latest head outside the database (`audit.head` beside the custody
//! record, and each head copied to `--witness-dir` if given): every start of the point,
//! sealed or not, checks the log against it once per process and refuses to go on when the
//! log is shorter than it or does not give its root.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

use anyhow::Result;
use ed25519_dalek::VerifyingKey;
use tdip_core::audit::{self, Auditor, HeadFile};

use crate::audit_store::{self, AnyAudit};

pub use crate::data_dir::HEAD_FILE;

/// The witness directory given with `--witness-dir`, for this process.
static WITNESS: OnceLock<PathBuf> = OnceLock::new();

/// The data directories whose log this process has checked against their head file.
static CHECKED: Mutex<BTreeSet<PathBuf>> = Mutex::new(BTreeSet::new());

/// Copies every head this process signs into `dir` too.
pub fn set_witness(dir: Option<&Path>) {
    if let Some(dir) = dir {
        let _ = WITNESS.set(dir.to_owned());
    }
}

/// The head file of the point in `data`.
pub fn head_file(data: &Path) -> HeadFile {
    HeadFile::new(data.join(HEAD_FILE), WITNESS.get().cloned())
}

fn checked(data: &Path) -> bool {
    CHECKED
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .contains(data)
}

fn mark(data: &Path) {
    CHECKED
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .insert(data.to_owned());
}

/// Leaves the check to the command itself (`tdip audit verify`), or to no one (`tdip audit
/// log`, which only shows the entries): those are how a refused log is looked at.
pub fn checked_by_command(data: &Path) {
    mark(data);
}

/// At an unsealed start: checks the log against the head file and hands the log read to
/// `auditor`, so that its first head does not read it again.
pub async fn check_unsealed(data: &Path, auditor: &Auditor<AnyAudit>) -> Result<()> {
    let Some(keys) = auditor.keys() else {
        return Ok(());
    };
    let log = audit::check_kept(auditor.store(), &keys.public(), &head_file(data)).await?;
    if let Some(log) = log {
        auditor.seed(log).await;
    }
    mark(data);
    Ok(())
}

/// At a sealed start (once per process): checks the log in the audit store that goes
/// with `url` against the head file, if the point has one.
pub async fn check_sealed(data: &Path, url: &str) -> Result<()> {
    if checked(data) || !head_file(data).path().exists() {
        return Ok(());
    }
    check_sealed_in(data, &audit_store::open(url, data).await?).await
}

/// [`check_sealed`], on an audit store already open.
pub async fn check_sealed_in(data: &Path, store: &AnyAudit) -> Result<()> {
    let file = head_file(data);
    if checked(data) || !file.path().exists() {
        return Ok(());
    }
    let key = crate::point::audit_public(data)?;
    audit::check_kept(store, &key, &file).await?;
    mark(data);
    Ok(())
}

/// The head kept in the file, checked against `key`, if there is one.
pub fn kept(data: &Path, key: &VerifyingKey) -> Result<Option<tdip_audit::SignedHead>> {
    Ok(head_file(data).read(key)?)
}

//! The latest signed head kept outside the database: a checkpoint file beside the custody
//! record (`audit.head`), replaced whenever a head is signed, and optionally copied into a
//! witness directory. A database administrator who truncates, rewrites or rolls back the
//! log, or deletes its heads, cannot change this file, so every start checks the log
//! against it ([`check_kept`]).

use std::path::{Path, PathBuf};

use ed25519_dalek::VerifyingKey;
use jiff::Timestamp;
use tdip_audit::{AuditLog, SignedHead, VerifyError};
use tdip_store::AuditStore;

use super::read;
use crate::CoreError;
use crate::files::{io_error, replace_durably};

/// Where the point keeps its latest head.
#[derive(Clone, Debug)]
pub struct HeadFile {
    path: PathBuf,
    witness: Option<PathBuf>,
}

impl HeadFile {
    /// The head file at `path`; with `witness`, every head kept is also written there as
    /// `checkpoint-SIZE.txt`.
    pub fn new(path: PathBuf, witness: Option<PathBuf>) -> Self {
        HeadFile { path, witness }
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The head kept, if the file exists; refused if it is not a checkpoint signed by
    /// `key`.
    pub fn read(&self, key: &VerifyingKey) -> Result<Option<SignedHead>, CoreError> {
        let text = match std::fs::read_to_string(&self.path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(io_error("read", &self.path, e)),
        };
        let damaged = |why: String| {
            CoreError::AuditBroken(format!(
                "{} {why}: it was damaged or replaced. Restore it from the backup kept with the \
                 custody record, or from a supervisor's latest checkpoint",
                self.path.display()
            ))
        };
        let (head, theirs) = SignedHead::from_checkpoint(&text)
            .map_err(|e| damaged(format!("is not valid ({e})")))?;
        if theirs != *key {
            return Err(damaged("is signed by another key than audit.pub".into()));
        }
        Ok(Some(head))
    }

    /// Keeps `signed` as the latest head, unless the file holds a larger one already
    /// (another process signed after it), and copies it to the witness directory.
    pub fn keep(&self, signed: &SignedHead, key: &VerifyingKey) -> Result<(), CoreError> {
        let text = signed.to_checkpoint(key);
        if let Some(dir) = &self.witness {
            std::fs::create_dir_all(dir).map_err(|e| io_error("create", dir, e))?;
            let name = format!("checkpoint-{:020}.txt", signed.head.size);
            replace_durably(&dir.join(name), text.as_bytes())?;
        }
        let kept = self.read(key).ok().flatten();
        if kept.is_some_and(|k| k.head.size >= signed.head.size) {
            return Ok(());
        }
        replace_durably(&self.path, text.as_bytes())
    }
}

/// Checks the log in `store` against the head kept in `file`, if there is one: the log
/// must hold at least its entries, its first `size` entries must give its root, and the
/// database must still hold that head. Entries after it are fine. Returns the log read,
/// to sign over later without reading it again.
pub async fn check_kept<A: AuditStore>(
    store: &A,
    key: &VerifyingKey,
    file: &HeadFile,
) -> Result<Option<AuditLog>, CoreError> {
    let Some(kept) = file.read(key)? else {
        return Ok(None);
    };
    let mut log = AuditLog::default();
    read::catch_up(store, &mut log).await?;
    let h = kept.head;
    let what = format!(
        "the head this point signed last (kept in {}: {} entries, signed {})",
        file.path.display(),
        h.size,
        time(h.at)
    );
    let restore = "The point does not start: restore the audit log (audit.db, or the database \
                   holding it) from a backup not older than that head; `tdip audit verify` \
                   names the range";
    match log.verify(&[kept], key) {
        Ok(()) => {}
        Err(VerifyError::Truncated { have, .. }) => {
            return Err(CoreError::AuditBroken(format!(
                "the log holds {have} entries, fewer than {what}: entries were removed, or the \
                 database was restored from a backup older than that head. {restore}"
            )));
        }
        Err(VerifyError::Mismatch { .. }) => {
            return Err(CoreError::AuditBroken(format!(
                "the log's first {} entries do not give the root of {what}: entries were \
                 altered, removed or inserted, or the log was replaced. {restore}",
                h.size
            )));
        }
        Err(e) => return Err(read::broken(e)),
    }
    still_stored(store, &kept, file).await?;
    Ok(Some(log))
}

/// Checks that the database still holds the head kept in `file` (which the point stored
/// there before it kept it in the file).
pub async fn still_stored<A: AuditStore>(
    store: &A,
    kept: &SignedHead,
    file: &HeadFile,
) -> Result<(), CoreError> {
    let h = kept.head;
    if store
        .audit_heads()
        .await?
        .iter()
        .any(|s| s.size == h.size && s.root == h.root)
    {
        return Ok(());
    }
    Err(CoreError::AuditBroken(format!(
        "the database no longer holds the head this point signed last (kept in {}: {} entries, \
         signed {}): signed heads were deleted from it. Restore the audit log (audit.db, or the \
         database holding it) from a backup not older than that head",
        file.path.display(),
        h.size,
        time(h.at)
    )))
}

fn time(at: i64) -> String {
    Timestamp::from_second(at).map_or_else(|_| at.to_string(), |t| t.to_string())
}

//! Small file helpers shared by the key directory and the spool: private new files,
//! directory syncs, and IO errors that name the path.

use std::fs;
use std::io;
use std::path::Path;

use crate::CoreError;

/// Creates a new file readable by its owner only; fails if it exists.
pub(crate) fn create_private(path: &Path) -> Result<fs::File, CoreError> {
    let mut opts = fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    opts.open(path).map_err(|e| io_error("create", path, e))
}

/// Replaces the small file `path` with `bytes`, durably and whole: written to a private
/// `path.new` first (a stale one from a crash is dropped), then renamed over `path`, and
/// the directory synced, so a crash leaves the old content or the new, never half.
pub(crate) fn replace_durably(path: &Path, bytes: &[u8]) -> Result<(), CoreError> {
    use std::io::Write;
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".new");
    let tmp = Path::new(&tmp);
    let _ = fs::remove_file(tmp);
    let mut f = create_private(tmp)?;
    f.write_all(bytes)
        .and_then(|()| f.sync_all())
        .map_err(|e| io_error("write", tmp, e))?;
    fs::rename(tmp, path).map_err(|e| io_error("rename", tmp, e))?;
    match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => sync_dir(dir),
        _ => Ok(()),
    }
}

/// Makes the entries of `dir` (files created, renamed or removed) durable.
pub(crate) fn sync_dir(dir: &Path) -> Result<(), CoreError> {
    fs::File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| io_error("sync", dir, e))
}

/// "cannot WHAT PATH: error".
pub(crate) fn io_error(what: &str, path: &Path, e: io::Error) -> CoreError {
    CoreError::Config(format!("cannot {what} {}: {e}", path.display()))
}

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

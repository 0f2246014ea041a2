//! The local information point: a data directory holding the key file and the store.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::store::{self, AnyStore};
use anyhow::{Context, Result, bail};
use tdip_core::PointKeys;
use tdip_crypto::RootKey;

const KEY_FILE: &str = "keyfile";
const STORE_FILE: &str = "tdip.db";

/// An opened data directory and its store.
pub struct Point {
    pub store: AnyStore,
    pub keys: PointKeys,
}

/// Path of the store file in `data`.
pub fn store_path(data: &Path) -> PathBuf {
    data.join(STORE_FILE)
}

/// Creates `data` with a fresh key file and prepares the store named by `url`; refuses
/// to overwrite keys.
pub async fn init(data: &Path, url: &str) -> Result<()> {
    let key_path = data.join(KEY_FILE);
    if key_path.exists() {
        bail!(
            "{} already holds a key file; a second `tdip init` would make the stored data unreadable. \
             Use another --data directory, or remove this one if it holds nothing you need",
            data.display()
        );
    }
    fs::create_dir_all(data).with_context(|| format!("cannot create {}", data.display()))?;
    set_mode(data, 0o700)?;
    let key = RootKey::generate();
    let mut file = open_private(&key_path)?;
    file.write_all(key.to_key_file().as_bytes())?;
    file.sync_all()?;
    store::open(url, data).await?;
    if store_path(data).exists() {
        // SQLite creates its WAL and shared-memory files with the database file's mode.
        set_mode(&store_path(data), 0o600)?;
    }
    Ok(())
}

/// Opens an initialised data directory and the store named by `url`.
pub async fn open(data: &Path, url: &str) -> Result<Point> {
    let key_path = data.join(KEY_FILE);
    let text = fs::read_to_string(&key_path).with_context(|| {
        format!(
            "cannot read the key file {}; run `tdip init --data {}` first",
            key_path.display(),
            data.display()
        )
    })?;
    let root = RootKey::from_key_file(&text)?;
    let store = store::open(url, data).await?;
    Ok(Point {
        store,
        keys: PointKeys::new(&root),
    })
}

#[cfg(unix)]
fn open_private(path: &Path) -> Result<fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .with_context(|| format!("cannot create the key file {}", path.display()))
}

#[cfg(unix)]
fn set_mode(path: &Path, mode: u32) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(path, fs::Permissions::from_mode(mode))
        .with_context(|| format!("cannot restrict the permissions of {}", path.display()))
}

//! The data keys of a point: random keys, one per provider, data class and scope, each in
//! its own file of the key directory and wrapped under the key-encryption key.
//!
//! Scopes follow retention. Versions still valid are sealed under the provider's current
//! *open* key; when a version closes it is sealed again under the key of the calendar
//! month (UTC) in which its validity ended, the month its PostgreSQL partition is named
//! after. Destroying a month's keys makes that month's versions unreadable in every copy
//! of the database, backups included, while other months and the open versions still
//! read. A destroyed key leaves a tombstone (its description, no key material): a blob
//! naming it reads as destroyed, one naming a key that never existed as tampered.
//!
//! Files are created under a temporary name and linked into place, so a reader never
//! sees half a key file and two writers never take the same id.

use std::collections::HashMap;
use std::fmt;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use jiff::Timestamp;
use jiff::tz::TimeZone;
use tdip_crypto::{CryptoError, DataKey, Kek, Keyring, LEGACY_KEY_ID, Sealer};

use crate::CoreError;
use crate::files::{create_private, io_error as io, sync_dir};

const MAGIC: &str = "tdip-data-key v1";
const KEY_EXT: &str = "key";
const TOMBSTONE_EXT: &str = "destroyed";

/// The kind of data a key seals.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DataClass {
    /// Subscriber (identification) data: the sealed subscription versions.
    Subscriber,
    /// Retained traffic data (port blocks, sessions): sealed per UTC month of the day
    /// partition a row lives in, so that shredding a month destroys its days.
    Traffic,
    /// Payment history: each payment sealed under the key of the UTC month it was made
    /// in, so that shredding the month destroys its payments.
    Payment,
}

impl DataClass {
    /// Stable lower-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            DataClass::Subscriber => "subscriber",
            DataClass::Traffic => "traffic",
            DataClass::Payment => "payment",
        }
    }

    fn parse(s: &str) -> Option<Self> {
        match s {
            "subscriber" => Some(DataClass::Subscriber),
            "traffic" => Some(DataClass::Traffic),
            "payment" => Some(DataClass::Payment),
            _ => None,
        }
    }
}

/// A calendar month in UTC, as `year * 12 + month - 1` (PostgreSQL's `tdip_month`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Month(i32);

impl Month {
    /// The UTC month of a moment (Unix seconds).
    pub fn of(utc_seconds: i64) -> Result<Month, CoreError> {
        let t = Timestamp::from_second(utc_seconds)
            .map_err(|_| CoreError::Config("a moment is out of range".into()))?
            .to_zoned(TimeZone::UTC);
        Ok(Month(i32::from(t.year()) * 12 + i32::from(t.month()) - 1))
    }

    /// The month as `year * 12 + month - 1` (PostgreSQL's `tdip_month`).
    pub fn index(self) -> i32 {
        self.0
    }

    /// The month of an index as [`Month::index`] gives it.
    pub fn from_index(index: i32) -> Month {
        Month(index)
    }

    /// The month after this one.
    pub fn next(self) -> Month {
        Month(self.0 + 1)
    }

    /// The first day of the month.
    pub fn first_day(self) -> Result<jiff::civil::Date, CoreError> {
        let year = i16::try_from(self.0.div_euclid(12))
            .map_err(|_| CoreError::Config("a month is out of range".into()))?;
        let month = i8::try_from(self.0.rem_euclid(12) + 1).expect("1..=12");
        jiff::civil::Date::new(year, month, 1)
            .map_err(|_| CoreError::Config("a month is out of range".into()))
    }

    /// Its first second (UTC).
    pub fn first_second(self) -> Result<i64, CoreError> {
        Ok(self
            .first_day()?
            .to_zoned(TimeZone::UTC)
            .map_err(|_| CoreError::Config("a month is out of range".into()))?
            .timestamp()
            .as_second())
    }

    /// Parses `YYYY-MM`.
    pub fn parse(s: &str) -> Option<Month> {
        let (y, m) = s.split_once('-')?;
        let (y, m): (i32, i32) = (y.parse().ok()?, m.parse().ok()?);
        (y.to_string().len() == 4 && s.len() == 7 && (1..=12).contains(&m))
            .then_some(Month(y * 12 + m - 1))
    }
}

impl fmt::Display for Month {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:04}-{:02}",
            self.0.div_euclid(12),
            self.0.rem_euclid(12) + 1
        )
    }
}

/// What a key seals: the open versions (generation `n`, raised by each rotation), or the
/// versions whose validity ended in a month.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    /// Versions still valid.
    Open(u32),
    /// Versions that stopped being valid in this month.
    Month(Month),
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Scope::Open(generation) => write!(f, "open {generation}"),
            Scope::Month(m) => write!(f, "month {m}"),
        }
    }
}

/// The description of a data key (never its material).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyInfo {
    /// The id written into every blob the key seals.
    pub id: u32,
    /// Provider id.
    pub provider: String,
    /// Data class.
    pub class: DataClass,
    /// Scope.
    pub scope: Scope,
    /// Creation moment, UTC seconds.
    pub created_at: i64,
    /// Destruction moment, for a destroyed key.
    pub destroyed_at: Option<i64>,
}

impl KeyInfo {
    /// The associated data that binds a wrapped key to its description.
    fn aad(&self) -> Vec<u8> {
        format!(
            "tdip/v1/data-key\0{}\0{}\0{}\0{}",
            self.id,
            self.provider,
            self.class.as_str(),
            self.scope
        )
        .into_bytes()
    }

    fn describe(&self) -> String {
        format!(
            "{MAGIC}\nid {}\nprovider {}\nclass {}\nscope {}\ncreated {}\n",
            self.id,
            self.provider,
            self.class.as_str(),
            self.scope,
            self.created_at
        )
    }
}

/// The key directory of a point, with the keys it has unwrapped so far.
pub struct DataKeys {
    dir: PathBuf,
    kek: Kek,
    legacy: Arc<Sealer>,
    /// Unwrapped keys by id, with what each may seal; `None` for a destroyed one.
    cache: Mutex<HashMap<u32, Option<LiveKey>>>,
}

/// An unwrapped key and what its description says it may seal (`None` for the legacy
/// key derived from the root key, which predates scopes).
#[derive(Clone)]
pub struct LiveKey {
    /// The key.
    pub sealer: Arc<Sealer>,
    /// Its provider, class and scope (shared: a lookup reads it for every candidate).
    pub scope: Option<Arc<(String, DataClass, Scope)>>,
}

impl fmt::Debug for DataKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DataKeys")
            .field("dir", &self.dir)
            .finish_non_exhaustive()
    }
}

impl DataKeys {
    /// Opens (creating if needed, mode 0700) the key directory `dir`.
    pub fn open(dir: &Path, ring: &Keyring) -> Result<Self, CoreError> {
        if !dir.exists() {
            fs::create_dir_all(dir).map_err(|e| io("create the key directory", dir, e))?;
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt;
                fs::set_permissions(dir, fs::Permissions::from_mode(0o700))
                    .map_err(|e| io("protect the key directory", dir, e))?;
            }
        }
        Ok(DataKeys {
            dir: dir.to_owned(),
            kek: ring.kek().clone(),
            legacy: Arc::new(ring.legacy_sealer().clone()),
            cache: Mutex::new(HashMap::new()),
        })
    }

    /// Every key of the directory, live and destroyed (see [`list`]).
    pub fn list(&self) -> Result<Vec<KeyInfo>, CoreError> {
        list(&self.dir)
    }

    /// The key that seals `provider`'s open versions of `class`: the live open key of the
    /// highest generation, created (generation 1) on first use.
    pub fn current(&self, provider: &str, class: DataClass) -> Result<Arc<Sealer>, CoreError> {
        let keys = self.of(provider, class)?;
        let current = keys
            .iter()
            .filter(|k| k.destroyed_at.is_none())
            .filter_map(|k| match k.scope {
                Scope::Open(g) => Some((g, std::cmp::Reverse(k.id))),
                Scope::Month(_) => None,
            })
            .max();
        match current {
            Some((_, std::cmp::Reverse(id))) => self.live(id),
            None => {
                let info = self.create(provider, class, Scope::Open(next_generation(&keys)))?;
                self.live(info.id)
            }
        }
    }

    /// The key that seals `provider`'s versions of `class` that ended in `month`, created
    /// on first use. Refused once the month's keys were destroyed: that month is gone.
    pub fn for_month(
        &self,
        provider: &str,
        class: DataClass,
        month: Month,
    ) -> Result<Arc<Sealer>, CoreError> {
        let keys = self.of(provider, class)?;
        let of_month = keys.iter().filter(|k| k.scope == Scope::Month(month));
        if let Some(k) = of_month.clone().find(|k| k.destroyed_at.is_some()) {
            return Err(CoreError::Config(format!(
                "the {} keys of provider {provider} for {month} were destroyed (key {:08x}); \
                 versions cannot end in a month that was shredded",
                class.as_str(),
                k.id
            )));
        }
        match of_month.map(|k| k.id).min() {
            Some(id) => self.live(id),
            None => {
                let info = self.create(provider, class, Scope::Month(month))?;
                self.live(info.id)
            }
        }
    }

    /// Starts a new generation of `provider`'s open key for `class`; new versions are
    /// sealed under it from now on. Returns it.
    pub fn rotate(&self, provider: &str, class: DataClass) -> Result<KeyInfo, CoreError> {
        let keys = self.of(provider, class)?;
        self.create(provider, class, Scope::Open(next_generation(&keys)))
    }

    /// The sealer of key `id`: `None` if the key was destroyed, an error if no such key
    /// ever existed here (the blob naming it was altered, or the key directory is wrong).
    pub fn sealer(&self, id: u32) -> Result<Option<Arc<Sealer>>, CoreError> {
        Ok(self.key(id)?.map(|k| k.sealer))
    }

    /// Key `id` with its scope: `None` if the key was destroyed, an error if no such key
    /// ever existed here (see [`DataKeys::sealer`]).
    pub fn key(&self, id: u32) -> Result<Option<LiveKey>, CoreError> {
        if id == LEGACY_KEY_ID {
            return Ok(Some(LiveKey {
                sealer: self.legacy.clone(),
                scope: None,
            }));
        }
        if let Some(cached) = self.cache.lock().expect("key cache lock").get(&id) {
            return Ok(cached.clone());
        }
        let slot = match read_file(&self.path(id, KEY_EXT)) {
            Ok((info, Some(wrapped))) => {
                if info.id != id {
                    return Err(CoreError::Unseal(CryptoError::Tampered));
                }
                let key = self.kek.unwrap(&wrapped, &info.aad())?;
                Some(LiveKey {
                    sealer: Arc::new(key.sealer(id)),
                    scope: Some(Arc::new((info.provider, info.class, info.scope))),
                })
            }
            Ok((_, None)) => {
                return Err(CoreError::Config(format!(
                    "the key file {} holds no wrapped key; restore the key directory from its backup",
                    self.path(id, KEY_EXT).display()
                )));
            }
            Err(_) if self.path(id, TOMBSTONE_EXT).exists() => None,
            Err(_) if !self.path(id, KEY_EXT).exists() => {
                return Err(CoreError::Unseal(CryptoError::UnknownKey(id)));
            }
            Err(e) => return Err(e),
        };
        self.cache
            .lock()
            .expect("key cache lock")
            .insert(id, slot.clone());
        Ok(slot)
    }

    /// Destroys key `id` (see [`destroy`]) and forgets it.
    pub fn destroy(&self, id: u32) -> Result<KeyInfo, CoreError> {
        let info = destroy(&self.dir, id)?;
        self.cache.lock().expect("key cache lock").insert(id, None);
        Ok(info)
    }

    fn of(&self, provider: &str, class: DataClass) -> Result<Vec<KeyInfo>, CoreError> {
        let mut keys = self.list()?;
        keys.retain(|k| k.provider == provider && k.class == class);
        Ok(keys)
    }

    fn live(&self, id: u32) -> Result<Arc<Sealer>, CoreError> {
        self.sealer(id)?.ok_or(CoreError::Internal(
            "a key chosen as live was destroyed meanwhile",
        ))
    }

    fn create(&self, provider: &str, class: DataClass, scope: Scope) -> Result<KeyInfo, CoreError> {
        let key = DataKey::generate();
        loop {
            let info = KeyInfo {
                id: DataKey::fresh_id(),
                provider: provider.to_owned(),
                class,
                scope,
                created_at: Timestamp::now().as_second(),
                destroyed_at: None,
            };
            if self.path(info.id, TOMBSTONE_EXT).exists() {
                continue;
            }
            let wrapped = self.kek.wrap(&key, &info.aad());
            let text = format!("{}wrapped {}\n", info.describe(), hex::encode(wrapped));
            if write_new(&self.dir, info.id, KEY_EXT, text.as_bytes())? {
                return Ok(info);
            }
        }
    }

    fn path(&self, id: u32, ext: &str) -> PathBuf {
        key_path(&self.dir, id, ext)
    }
}

/// Destroys key `id` of the key directory `dir`: a tombstone records what it was, then
/// the key file is overwritten and removed. Whatever the key sealed can no longer be
/// read, in any copy of the store. Needs no unsealed point.
pub fn destroy(dir: &Path, id: u32) -> Result<KeyInfo, CoreError> {
    let path = key_path(dir, id, KEY_EXT);
    let (mut info, _) = read_file(&path)?;
    let now = Timestamp::now().as_second();
    info.destroyed_at = Some(now);
    let tomb = format!("{}destroyed {now}\n", info.describe());
    write_new(dir, id, TOMBSTONE_EXT, tomb.as_bytes())?;
    let len = fs::metadata(&path).map_err(|e| io("read", &path, e))?.len();
    let mut f = fs::OpenOptions::new()
        .write(true)
        .open(&path)
        .map_err(|e| io("open", &path, e))?;
    f.write_all(&vec![0u8; len as usize])
        .and_then(|()| f.sync_all())
        .map_err(|e| io("overwrite", &path, e))?;
    fs::remove_file(&path).map_err(|e| io("remove", &path, e))?;
    sync_dir(dir)?;
    Ok(info)
}

/// Writes a new file `<id>.<ext>` durably; `false` if that name is taken.
fn write_new(dir: &Path, id: u32, ext: &str, bytes: &[u8]) -> Result<bool, CoreError> {
    let tmp = dir.join(format!(".tmp-{id:08x}-{:08x}", DataKey::fresh_id()));
    let mut f = create_private(&tmp)?;
    f.write_all(bytes)
        .and_then(|()| f.sync_all())
        .map_err(|e| io("write", &tmp, e))?;
    let linked = fs::hard_link(&tmp, key_path(dir, id, ext));
    let _ = fs::remove_file(&tmp);
    match linked {
        Ok(()) => sync_dir(dir).map(|()| true),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(false),
        Err(e) => Err(io("create", &key_path(dir, id, ext), e)),
    }
}

fn key_path(dir: &Path, id: u32, ext: &str) -> PathBuf {
    dir.join(format!("{id:08x}.{ext}"))
}

/// Every key of the key directory `dir`, live and destroyed, by provider, class, scope
/// and id. Reads descriptions only, so it needs no unsealed point.
pub fn list(dir: &Path) -> Result<Vec<KeyInfo>, CoreError> {
    let entries = fs::read_dir(dir).map_err(|e| io("read", dir, e))?;
    let mut out = Vec::new();
    for entry in entries {
        let path = entry.map_err(|e| io("read", dir, e))?.path();
        let ext = path.extension().and_then(|e| e.to_str());
        if matches!(ext, Some(KEY_EXT | TOMBSTONE_EXT)) {
            out.push(read_file(&path)?.0);
        }
    }
    out.sort_by(|a, b| {
        (&a.provider, a.class.as_str(), scope_order(a.scope), a.id).cmp(&(
            &b.provider,
            b.class.as_str(),
            scope_order(b.scope),
            b.id,
        ))
    });
    Ok(out)
}

fn scope_order(scope: Scope) -> (u8, i64) {
    match scope {
        Scope::Open(g) => (0, i64::from(g)),
        Scope::Month(Month(m)) => (1, i64::from(m)),
    }
}

fn next_generation(keys: &[KeyInfo]) -> u32 {
    keys.iter()
        .filter_map(|k| match k.scope {
            Scope::Open(g) => Some(g),
            Scope::Month(_) => None,
        })
        .max()
        .unwrap_or(0)
        + 1
}

/// Reads a key file or tombstone: the description, and the wrapped key of a key file.
fn read_file(path: &Path) -> Result<(KeyInfo, Option<Vec<u8>>), CoreError> {
    let text = fs::read_to_string(path).map_err(|e| io("read", path, e))?;
    let bad = |what: &str| {
        CoreError::Config(format!(
            "the key file {} is damaged ({what}); restore the key directory from its backup",
            path.display()
        ))
    };
    let mut lines = text.lines();
    if lines.next() != Some(MAGIC) {
        return Err(bad("first line is not `tdip-data-key v1`"));
    }
    let mut fields: HashMap<&str, &str> = HashMap::new();
    for line in lines {
        let (k, v) = line
            .split_once(' ')
            .ok_or_else(|| bad("a line is not `name value`"))?;
        fields.insert(k, v);
    }
    let field = |k: &str| fields.get(k).copied().ok_or_else(|| bad(k));
    let scope = match field("scope")?.split_once(' ') {
        Some(("open", g)) => Scope::Open(g.parse().map_err(|_| bad("scope"))?),
        Some(("month", m)) => Scope::Month(Month::parse(m).ok_or_else(|| bad("scope"))?),
        _ => return Err(bad("scope")),
    };
    let info = KeyInfo {
        id: field("id")?.parse().map_err(|_| bad("id"))?,
        provider: field("provider")?.to_owned(),
        class: DataClass::parse(field("class")?).ok_or_else(|| bad("class"))?,
        scope,
        created_at: field("created")?.parse().map_err(|_| bad("created"))?,
        destroyed_at: match fields.get("destroyed") {
            Some(t) => Some(t.parse().map_err(|_| bad("destroyed"))?),
            None => None,
        },
    };
    let wrapped = match fields.get("wrapped") {
        Some(h) => Some(hex::decode(h).map_err(|_| bad("wrapped"))?),
        None => None,
    };
    Ok((info, wrapped))
}

#[cfg(test)]
mod tests;

//! The local information point: a data directory holding the store and either the public
//! custody record of the root key's custodian shares (sealed until K shares are given)
//! or, for demos and tests only, a local dev key file.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::audit_store::{self, AnyAudit};
use crate::clock::SharedClock;
use crate::store::{self, AnyStore};
use crate::stores::{self, Stores};
use std::sync::Arc;

use anyhow::{Context, Result, anyhow, bail};
use ed25519_dalek::VerifyingKey;
use tdip_core::PointKeys;
use tdip_core::audit::{AuditKeys, Auditor, Event};
use tdip_core::spool::Spool;
use tdip_crypto::custodian::{self, Custody, Unsealer};
use tdip_crypto::{Keyring, RootKey, SpoolIdentity, SpoolRecipient};

use crate::data_dir::{
    AUDIT_PUBLIC, CATALOGUE_DIR, CUSTODY_FILE, DEADLINES_FILE, DELIVERY_POLICY_FILE, KEY_DIR,
    KEY_FILE, SPOOL_DIR, SPOOL_KEY, SPOOL_PUBLIC, STORE_FILE,
};

/// How a new point keeps its root key.
pub enum Keeping<'a> {
    /// Split among custodians; the share files go to `out`, never into the data directory.
    Custodians {
        /// Shares needed to unseal.
        threshold: usize,
        /// Shares made, one per custodian.
        count: usize,
        /// Where the share files go.
        out: &'a Path,
        /// Each custodian's age public key, to encrypt their share file; or none.
        keys: &'a [String],
    },
    /// A local key file: demos and tests only; every start says the point is not sealed.
    DevKey,
}

/// Said on every start of a point that runs on a dev key file.
pub const NOT_SEALED: &str = "WARNING: this point is NOT SEALED: it runs on a local dev key file, \
so anyone who can read the data directory can read the data. For demos and tests only; \
initialise a real point with `tdip init --custodians N --threshold K`.";

/// What a command was given to unseal the point: custodians' share files, and the age
/// identity files that open shares encrypted to their custodians.
#[derive(Clone, Copy, Debug, Default)]
pub struct Unsealing<'a> {
    /// Custodians' share files.
    pub shares: &'a [PathBuf],
    /// Age identity files that open shares encrypted to their custodians.
    pub identities: &'a [PathBuf],
}

/// An opened data directory and its store.
pub struct Point {
    /// The store.
    pub store: AnyStore,
    /// The keys of the running point: data keys, blind-index keys, the audit keys.
    pub keys: PointKeys,
    /// Deliveries accepted while the point was sealed.
    pub spool: Spool,
    /// The key that reads them.
    pub spool_key: Arc<SpoolIdentity>,
    /// The audit log, with the keys to seal identifiers and sign heads.
    pub auditor: Auditor<AnyAudit>,
    /// The rules deliveries' envelopes are held to.
    pub policy: tdip_core::ingest::DeliveryPolicy,
    /// Where the point reads "now".
    pub clock: SharedClock,
}

impl Point {
    /// What a consultation needs of this point, judged against `catalogue`.
    pub fn consulting<'a>(
        &'a self,
        catalogue: &'a tdip_access::Catalogue,
        deadlines: &'a tdip_access::DeadlinePolicy,
        zone: tdip_model::LegalZone,
    ) -> tdip_core::consult::Consulting<'a, AnyStore, AnyAudit> {
        tdip_core::consult::Consulting {
            store: &self.store,
            keys: &self.keys,
            catalogue,
            auditor: &self.auditor,
            deadlines,
            zone,
        }
    }

    /// Ends a command: signs a head over every entry the log holds now. A failure is
    /// logged as a warning and does not undo what the command did.
    pub async fn finish(&self) {
        if let Err(e) = self.auditor.sign(self.clock.now()).await {
            tracing::warn!("WARNING: the audit log's head was not signed: {e}");
        }
    }
}

/// The directory of the point's data keys (each wrapped under the root key's
/// key-encryption key): back it up separately from the store, see docs/operations.md.
pub fn key_dir(data: &Path) -> PathBuf {
    data.join(KEY_DIR)
}

/// Path of the store file in `data`.
pub fn store_path(data: &Path) -> PathBuf {
    data.join(STORE_FILE)
}

/// Creates `data` with a fresh root key, kept as `keeping` says, and prepares the store
/// named by `url`; refuses to overwrite keys. Returns the share files written.
pub async fn init(data: &Path, url: &str, keeping: Keeping<'_>, now: i64) -> Result<Vec<PathBuf>> {
    for existing in [KEY_FILE, CUSTODY_FILE] {
        if data.join(existing).exists() {
            bail!(
                "{} already holds a {existing} file; a second `tdip init` would make the stored \
                 data unreadable. Use another --data directory, or remove this one if it holds \
                 nothing you need",
                data.display()
            );
        }
    }
    let key = RootKey::generate();
    let spool_key = SpoolIdentity::generate();
    let (record, shares) = match keeping {
        Keeping::Custodians {
            threshold,
            count,
            out,
            keys,
        } => {
            let (custody, shares) = custodian::split(&key, threshold, count)?;
            (Some((custody, out, keys)), shares)
        }
        Keeping::DevKey => (None, Vec::new()),
    };
    fs::create_dir_all(data).with_context(|| format!("cannot create {}", data.display()))?;
    set_mode(data, 0o700)?;
    let mut written = Vec::new();
    match record {
        Some((custody, out, keys)) => {
            fs::create_dir_all(out).with_context(|| format!("cannot create {}", out.display()))?;
            for (i, share) in shares.iter().enumerate() {
                let name = format!(
                    "tdip-share-{}-{}-of-{}",
                    &custody.point_id()[..8],
                    share.custodian(),
                    custody.custodians()
                );
                let path = match keys.get(i) {
                    Some(key) => {
                        let path = out.join(format!("{name}.age"));
                        write_private(&path, &custodian::encrypt_share(&share.to_text(), key)?)?;
                        path
                    }
                    None => {
                        let path = out.join(format!("{name}.txt"));
                        write_private(&path, share.to_text().as_bytes())?;
                        path
                    }
                };
                written.push(path);
            }
            write_private(&data.join(CUSTODY_FILE), custody.to_text().as_bytes())?;
        }
        None => write_private(&data.join(KEY_FILE), key.to_key_file().as_bytes())?,
    }
    write_spool_key(data, &spool_key, &Keyring::from_root(&key))?;
    store::open(url, data).await?;
    // A new point's registry is empty, and its log says so: every officer from now on is
    // registered through tdip, and one inserted around it is refused.
    let marker = tdip_core::registry::adopted_marker(0, 0, "a new point");
    open_auditor(data, url)
        .await?
        .record(now, vec![marker])
        .await?;
    if store_path(data).exists() {
        // SQLite creates its WAL and shared-memory files with the database file's mode.
        set_mode(&store_path(data), 0o600)?;
    }
    Ok(written)
}

fn write_private(path: &Path, bytes: &[u8]) -> Result<()> {
    let mut file = open_private(path)?;
    file.write_all(bytes)?;
    file.sync_all()
        .with_context(|| format!("cannot write {}", path.display()))
}

/// The root key of a point that runs on a dev key file, or none if custodians keep it.
pub fn dev_root_key(data: &Path) -> Result<Option<RootKey>> {
    if has_custodians(data) {
        return Ok(None);
    }
    root_key(data, &Unsealing::default(), &mut None).map(|(key, _)| Some(key))
}

/// The point's root key: from the custodians' `shares` (files) when the point is sealed
/// by custodians, or from its dev key file (saying loudly that it is not sealed).
/// When the shares given do not open it and some were refused, `refused` is set to the
/// entry that records them.
fn root_key(
    data: &Path,
    given: &Unsealing<'_>,
    refused: &mut Option<Event>,
) -> Result<(RootKey, Option<Event>)> {
    let custody_path = data.join(CUSTODY_FILE);
    if custody_path.exists() {
        let custody =
            Custody::from_text(&fs::read_to_string(&custody_path).with_context(|| {
                format!("cannot read the custody record {}", custody_path.display())
            })?)?;
        let mut unsealer = Unsealer::new(custody);
        unseal(&mut unsealer, given)?;
        let progress = unsealer.progress();
        return match unsealer.root_key()? {
            Some(key) => Ok((
                key,
                Some(Event::Unseal {
                    accepted: u32::from(progress.have),
                    refused: progress.refused,
                    opened: true,
                }),
            )),
            None => {
                *refused = crate::unseal_log::refused(&progress);
                bail!(
                    "sealed: this point opens with {} of its {} custodian shares (given: {}); \
                     give one --share FILE per custodian",
                    unsealer.progress().need,
                    unsealer.custody().custodians(),
                    unsealer.progress()
                )
            }
        };
    }
    let key_path = data.join(KEY_FILE);
    let text = fs::read_to_string(&key_path).with_context(|| {
        format!(
            "{} holds neither a custody record nor a dev key file; run `tdip init --data {}` first",
            data.display(),
            data.display()
        )
    })?;
    tracing::warn!("{NOT_SEALED}");
    Ok((RootKey::from_key_file(&text)?, None))
}

/// Offers each share file to `unsealer`, reporting refusals and progress on stderr;
/// fails at the first share that cannot be read.
pub fn unseal(unsealer: &mut Unsealer, given: &Unsealing<'_>) -> Result<()> {
    let mut identities = Vec::new();
    for path in given.identities {
        identities.push(zeroize::Zeroizing::new(
            fs::read_to_string(path)
                .with_context(|| format!("cannot read the identity file {}", path.display()))?,
        ));
    }
    for path in given.shares {
        let bytes = zeroize::Zeroizing::new(
            fs::read(path)
                .with_context(|| format!("cannot read the share file {}", path.display()))?,
        );
        match unsealer.offer_file(&bytes, &identities) {
            Ok(progress) => tracing::info!("share accepted: {progress}"),
            Err(e) => tracing::warn!("share {} refused: {e}", path.display()),
        }
    }
    Ok(())
}

/// The custody record of a point sealed by custodians.
pub fn custody(data: &Path) -> Result<Custody> {
    let path = data.join(CUSTODY_FILE);
    let text = fs::read_to_string(&path).with_context(|| {
        format!(
            "cannot read {}: this point was not initialised with custodians",
            path.display()
        )
    })?;
    Ok(Custody::from_text(&text)?)
}

/// Opens the store alone: for commands that read or write no subscriber data.
pub async fn open_store(data: &Path, url: &str) -> Result<AnyStore> {
    if data.join(KEY_FILE).exists() {
        tracing::warn!("{NOT_SEALED}");
    }
    initialised(data)?;
    crate::audit_head::check_sealed(data, url).await?;
    Ok(store::open(url, data).await?)
}

/// Opens the store and the audit log's store once, without keys, for a process that
/// keeps them (the service): the log is checked against the head file once per process,
/// as [`open_store`] does. [`open_root`] opens the point on them when it is unsealed.
pub async fn open_stores(data: &Path, url: &str) -> Result<Stores> {
    initialised(data)?;
    let stores = stores::open(url, data).await?;
    crate::audit_head::check_sealed_in(data, &stores.audit).await?;
    Ok(stores)
}

/// Refuses a data directory that holds neither a dev key file nor a custody record.
fn initialised(data: &Path) -> Result<()> {
    if !data.join(KEY_FILE).exists() && !data.join(CUSTODY_FILE).exists() {
        bail!(
            "{} is not an initialised point; run `tdip init --data {}` first",
            data.display(),
            data.display()
        );
    }
    Ok(())
}

/// Opens an initialised data directory and the store named by `url`, unsealed with the
/// custodians' `shares` (or the dev key file).
pub async fn open(
    data: &Path,
    url: &str,
    given: &Unsealing<'_>,
    clock: SharedClock,
) -> Result<Point> {
    open_checked(data, url, given, Check::Deliveries, clock).await
}

/// [`open`], holding the store to the audit log as far as `check` says.
pub async fn open_checked(
    data: &Path,
    url: &str,
    given: &Unsealing<'_>,
    check: Check,
    clock: SharedClock,
) -> Result<Point> {
    let mut refused = None;
    let (root, unsealed) = match root_key(data, given, &mut refused) {
        Ok(opened) => opened,
        Err(e) => {
            crate::unseal_log::record(data, url, refused, clock.now()).await;
            return Err(e);
        }
    };
    open_root(
        data,
        stores::open(url, data).await?,
        root,
        unsealed,
        check,
        clock,
    )
    .await
}

/// How much of the store a start holds to the audit log (`crate::integrity`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Check {
    /// The delivery log (every command: a few rows per provider).
    Deliveries,
    /// That, and every provider's versions, index entries and snapshot index (a scan:
    /// for a service's start).
    Everything,
}

/// Opens the point on `stores` with its root key in hand (from a dev key file, or from
/// shares offered to a running service, which hands over the stores it holds);
/// `unsealed` is the event that records how, if the custodians did.
pub async fn open_root(
    data: &Path,
    stores: Stores,
    root: RootKey,
    unsealed: Option<Event>,
    check: Check,
    clock: SharedClock,
) -> Result<Point> {
    let keys = PointKeys::new(&root, &key_dir(data))?;
    let audit_keys = AuditKeys::new(&keys);
    check_audit_public(data, &audit_keys)?;
    let spool_key = match fs::read_to_string(data.join(SPOOL_KEY)) {
        Ok(text) => {
            let wrapped = hex::decode(text.trim())
                .map_err(|_| anyhow!("{} is damaged", data.join(SPOOL_KEY).display()))?;
            SpoolIdentity::unwrap(keys.kek(), &wrapped)
                .with_context(|| format!("cannot unwrap {}", data.join(SPOOL_KEY).display()))?
        }
        // A point initialised before the spool existed gets its spool key now.
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let spool_key = SpoolIdentity::generate();
            write_spool_key(data, &spool_key, &Keyring::from_root(&root))?;
            spool_key
        }
        Err(e) => return Err(e).context("cannot read the spool key"),
    };
    drop(root);
    let Stores { store, audit } = stores;
    let auditor =
        Auditor::new(audit, Some(audit_keys)).with_head_file(crate::audit_head::head_file(data));
    crate::audit_head::check_unsealed(data, &auditor).await?;
    if let Some(event) = unsealed {
        auditor.record(clock.now(), vec![event]).await?;
    }
    // A retention step a stop left half-done is finished before the store is held to
    // the log (which expects the step's month either there or gone, never both ways).
    tdip_core::retention::finish(&store, &keys, &auditor, clock.now())
        .await
        .context("cannot finish the retention step a stopped run began")?;
    crate::integrity::on_start(&store, &auditor, check, clock.now()).await?;
    Ok(Point {
        store,
        keys,
        spool: spool(data),
        spool_key: Arc::new(spool_key),
        auditor,
        policy: delivery_policy(data)?,
        clock,
    })
}

/// The audit log alone, without keys: it records events but neither seals identifiers nor
/// signs heads (entries are covered by the next head an unsealed command signs).
pub async fn open_auditor(data: &Path, url: &str) -> Result<Auditor<AnyAudit>> {
    crate::audit_head::check_sealed(data, url).await?;
    Ok(Auditor::new(audit_store::open(url, data).await?, None))
}

/// The audit log's public key, as the point wrote it when first unsealed.
pub fn audit_public(data: &Path) -> Result<VerifyingKey> {
    let path = data.join(AUDIT_PUBLIC);
    let text = fs::read_to_string(&path).with_context(|| {
        format!(
            "cannot read {}: the point writes it the first time it is unsealed",
            path.display()
        )
    })?;
    let bytes: [u8; 32] = hex::decode(text.trim())
        .ok()
        .and_then(|b| b.try_into().ok())
        .ok_or_else(|| anyhow!("{} is not a public key", path.display()))?;
    VerifyingKey::from_bytes(&bytes).map_err(|_| anyhow!("{} is not a public key", path.display()))
}

/// Writes the audit log's public key on first use; afterwards, refuses to run if the file
/// no longer holds the key the root key gives (someone replaced it).
fn check_audit_public(data: &Path, keys: &AuditKeys) -> Result<()> {
    let path = data.join(AUDIT_PUBLIC);
    let ours = hex::encode(keys.public().as_bytes());
    match fs::read_to_string(&path) {
        Ok(text) if text.trim() == ours => Ok(()),
        Ok(_) => bail!(
            "{} does not hold this point's audit key: it was replaced. Restore it from a \
             supervisor's checkpoint (its `key` line) or a backup before going on",
            path.display()
        ),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => fs::write(&path, format!("{ours}\n"))
            .with_context(|| format!("cannot write {}", path.display())),
        Err(e) => Err(e).with_context(|| format!("cannot read {}", path.display())),
    }
}

/// The catalogue in force: the TOML files in the data directory's `catalogue/` if there
/// are any (see `tdip catalogue export`), else the shipped Dutch and Belgian ones. A
/// catalogue with any problem is refused whole.
pub fn catalogue(data: &Path) -> Result<tdip_access::Catalogue> {
    crate::catalogue::load(&catalogue_files(data)?)?.map_err(|e| {
        anyhow!(
            "the catalogue in {} is not valid:\n{e}",
            data.join(CATALOGUE_DIR).display()
        )
    })
}

/// The deadline policy in force: `deadlines.toml` in the data directory, else the shipped
/// one.
pub fn deadlines(data: &Path) -> Result<tdip_access::DeadlinePolicy> {
    let path = data.join(DEADLINES_FILE);
    if !path.exists() {
        return Ok(tdip_access::DeadlinePolicy::default());
    }
    let text =
        fs::read_to_string(&path).with_context(|| format!("cannot read {}", path.display()))?;
    tdip_access::DeadlinePolicy::parse(&text).map_err(|e| anyhow!("{}: {e}", path.display()))
}

/// The delivery policy in force: `delivery.toml` in the data directory, else the defaults
/// (docs/delivery-format.md, "Envelope").
/// The payment term comes from the retention policy (`data-retention.toml`).
pub fn delivery_policy(data: &Path) -> Result<tdip_core::ingest::DeliveryPolicy> {
    let path = data.join(DELIVERY_POLICY_FILE);
    let mut policy = if path.exists() {
        let text =
            fs::read_to_string(&path).with_context(|| format!("cannot read {}", path.display()))?;
        tdip_core::ingest::DeliveryPolicy::parse(&path.display().to_string(), &text)?
    } else {
        tdip_core::ingest::DeliveryPolicy::default()
    };
    policy.payment_months = crate::retention::policy_in_force(data)?.longest_payment_term();
    Ok(policy)
}

/// The data directory's catalogue files, by name; none if it uses the shipped ones.
fn catalogue_files(data: &Path) -> Result<Vec<PathBuf>> {
    let dir = data.join(CATALOGUE_DIR);
    let mut files = Vec::new();
    if dir.is_dir() {
        for entry in fs::read_dir(&dir).with_context(|| format!("cannot read {}", dir.display()))? {
            let path = entry?.path();
            if path.extension().is_some_and(|e| e == "toml") {
                files.push(path);
            }
        }
        files.sort();
    }
    Ok(files)
}

/// The catalogue in force, checked first against the digest the audit log holds for it
/// (see [`crate::access_files`]): a catalogue changed in the data directory around tdip
/// is refused, and logged, until `tdip catalogue adopt` accepts it. The log shows so
/// under which catalogue every later demand was judged.
pub async fn catalogue_checked(
    data: &Path,
    auditor: &Auditor<AnyAudit>,
    now: i64,
) -> Result<tdip_access::Catalogue> {
    use crate::access_files::{self, CATALOGUE};
    let mut read = None;
    access_files::check(
        auditor,
        CATALOGUE,
        || {
            let texts = catalogue_texts(data)?;
            let state = catalogue_state(texts.as_deref());
            read = Some(texts);
            Ok(state)
        },
        &access_files::what_to_do(CATALOGUE),
        now,
    )
    .await?;
    let catalogue = match read.flatten() {
        None => tdip_access::Catalogue::defaults(),
        Some(texts) => {
            let named: Vec<(&str, &str)> = texts
                .iter()
                .map(|(n, t)| (n.as_str(), t.as_str()))
                .collect();
            tdip_access::Catalogue::from_files(&named)
        }
    };
    catalogue.map_err(|e| {
        anyhow!(
            "the catalogue in {} is not valid:\n{e}",
            data.join(CATALOGUE_DIR).display()
        )
    })
}

/// [`catalogue_checked`], for a caller that keeps the catalogue it read before.
pub async fn note_catalogue(data: &Path, auditor: &Auditor<AnyAudit>, now: i64) -> Result<()> {
    catalogue_checked(data, auditor, now).await.map(|_| ())
}

/// `tdip catalogue adopt`: accepts the data directory's catalogue as it is now (it must
/// be valid), logging its digest.
pub async fn adopt_catalogue(data: &Path, url: &str, now: i64) -> Result<String> {
    catalogue(data)?;
    let state = catalogue_state(catalogue_texts(data)?.as_deref());
    let auditor = open_auditor(data, url).await?;
    crate::access_files::adopt(&auditor, crate::access_files::CATALOGUE, &state, now).await?;
    Ok(state)
}

/// The data directory's catalogue files (path as shown, text), by name; none if the
/// shipped catalogue is in force.
fn catalogue_texts(data: &Path) -> Result<Option<Vec<(String, String)>>> {
    let files = catalogue_files(data)?;
    if files.is_empty() {
        return Ok(None);
    }
    let mut texts = Vec::new();
    for f in &files {
        let text = fs::read_to_string(f).with_context(|| format!("cannot read {}", f.display()))?;
        texts.push((f.display().to_string(), text));
    }
    Ok(Some(texts))
}

/// The catalogue's state as logged: `shipped`, or the SHA-256 over its files' names and
/// texts.
fn catalogue_state(texts: Option<&[(String, String)]>) -> String {
    use sha2::{Digest, Sha256};
    let Some(texts) = texts else {
        return crate::access_files::SHIPPED.to_owned();
    };
    let mut h = Sha256::new();
    for (path, text) in texts {
        let name = Path::new(path)
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        h.update(name.as_bytes());
        h.update([0]);
        h.update(text.as_bytes());
        h.update([0]);
    }
    hex::encode(h.finalize())
}

/// The spool of deliveries accepted while the point was sealed.
pub fn spool(data: &Path) -> Spool {
    Spool::new(&data.join(SPOOL_DIR))
}

/// The spool's public key, if the point has one (every point initialised or unsealed
/// since the spool exists).
pub fn spool_recipient(data: &Path) -> Result<Option<SpoolRecipient>> {
    match fs::read_to_string(data.join(SPOOL_PUBLIC)) {
        Ok(text) => Ok(Some(text.parse()?)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e).context("cannot read the spool public key"),
    }
}

/// Whether the point is kept by custodians (and so sealed unless shares are given).
pub fn has_custodians(data: &Path) -> bool {
    data.join(CUSTODY_FILE).exists()
}

/// Writes the spool's public key and its private key wrapped under `ring`'s KEK.
fn write_spool_key(data: &Path, key: &SpoolIdentity, ring: &Keyring) -> Result<()> {
    write_private(
        &data.join(SPOOL_KEY),
        format!("{}\n", hex::encode(key.wrap(ring.kek()))).as_bytes(),
    )?;
    write_private(
        &data.join(SPOOL_PUBLIC),
        format!("{}\n", key.recipient()).as_bytes(),
    )
}

#[cfg(unix)]
fn open_private(path: &Path) -> Result<fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .with_context(|| format!("cannot create {}", path.display()))
}

#[cfg(unix)]
fn set_mode(path: &Path, mode: u32) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(path, fs::Permissions::from_mode(mode))
        .with_context(|| format!("cannot restrict the permissions of {}", path.display()))
}

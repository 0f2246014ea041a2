//! Who is calling: a client certificate named in the data directory's `clients.toml`, or an
//! API token issued with `tdip tokens issue` (kept as a SHA-256 digest in `tokens.toml`,
//! revocable at any time). Changes to `tokens.toml` are serialised by a lock file and
//! replace the file atomically; the service reads the file on every token presented, so a
//! revocation holds from the next request. Both files are held to the digests the audit
//! log holds for them (`crate::access_files`): one changed around tdip is refused.

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use anyhow::{Context, Result, anyhow, bail};
use tdip_core::audit::Auditor;

use crate::access_files;
use crate::audit_store::AnyAudit;
use crate::clock::SharedClock;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::data_dir::TOKENS_LOCK;
pub use crate::data_dir::{CLIENTS_FILE, TOKENS_FILE};

/// What a caller may do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Role {
    /// An agency's system: consults the point, on behalf of its officers.
    Agency(String),
    /// A provider's system: delivers its subscriber file.
    Provider(String),
    /// The point's operator: unseals, reads checkpoints; never subscriber data.
    Operator,
    /// An oversight body of the catalogue (`nl/ctivd`): reads the statistics of its
    /// jurisdiction's agencies; never subscriber data, never a consultation.
    Oversight(String),
}

impl Role {
    /// `agency nl/politie`, `provider kpn`, `operator`.
    pub fn describe(&self) -> String {
        match self {
            Role::Agency(a) => format!("agency {a}"),
            Role::Provider(p) => format!("provider {p}"),
            Role::Operator => "operator".into(),
            Role::Oversight(o) => format!("oversight {o}"),
        }
    }
}

/// An authenticated caller.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Caller {
    /// The name configuration gives it (for logs and the administrator).
    pub name: String,
    /// What it may do.
    pub role: Role,
}

/// The SHA-256 fingerprint of a DER certificate, as `clients.toml` names it (lower-case
/// hex).
pub fn fingerprint(der: &[u8]) -> String {
    hex::encode(Sha256::digest(der))
}

/// The role one entry of `clients.toml` or `tokens.toml` lists: exactly one of agency,
/// provider, operator, oversight.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct ListedRole {
    name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    agency: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    provider: Option<String>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    operator: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    oversight: Option<String>,
}

impl ListedRole {
    fn caller(&self) -> Result<Caller> {
        let role = match (&self.agency, &self.provider, self.operator, &self.oversight) {
            (Some(a), None, false, None) => Role::Agency(a.clone()),
            (None, Some(p), false, None) => Role::Provider(p.clone()),
            (None, None, true, None) => Role::Operator,
            (None, None, false, Some(o)) => Role::Oversight(o.clone()),
            _ => bail!(
                "{:?} must have exactly one of `agency = \"…\"`, `provider = \"…\"`, \
                 `operator = true` or `oversight = \"…\"`",
                self.name
            ),
        };
        Ok(Caller {
            name: self.name.clone(),
            role,
        })
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ClientsFile {
    #[serde(default)]
    client: Vec<ClientEntry>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ClientEntry {
    /// SHA-256 of the client's DER certificate, hex (colons allowed).
    fingerprint: String,
    /// For an agency's system: where the point may push HI-1 deliveries for its agency
    /// (`https://HOST[:PORT]/PATH`, a destination matching one by origin and path prefix).
    #[serde(default)]
    push_to: Vec<String>,
    #[serde(flatten)]
    grant: ListedRole,
}

/// What `clients.toml` says: certificate fingerprint → caller, and per agency where its
/// deliveries may be pushed.
struct Clients {
    by_fingerprint: HashMap<String, Caller>,
    push_to: HashMap<String, Vec<String>>,
}

/// Whether `url` is an `https://HOST[:PORT]/…` URL a destination can be matched against.
fn push_url(url: &str) -> bool {
    url.strip_prefix("https://").is_some_and(|rest| {
        !rest.is_empty() && !rest.starts_with('/') && !rest.contains(char::is_whitespace)
    })
}

/// Reads `clients.toml` in `data` (its bytes as read, none if absent): certificate
/// fingerprint → caller. No file, no clients.
fn load_clients(data: &Path, bytes: Option<&[u8]>) -> Result<Clients> {
    let path = data.join(CLIENTS_FILE);
    let mut push_to: HashMap<String, Vec<String>> = HashMap::new();
    let Some(bytes) = bytes else {
        return Ok(Clients {
            by_fingerprint: HashMap::new(),
            push_to,
        });
    };
    let text = std::str::from_utf8(bytes)
        .map_err(|_| anyhow!("{} is not valid: it is not UTF-8", path.display()))?;
    let file: ClientsFile =
        toml::from_str(text).map_err(|e| anyhow!("{} is not valid: {e}", path.display()))?;
    let mut clients = HashMap::new();
    let mut problems = Vec::new();
    for (i, entry) in file.client.iter().enumerate() {
        let fp = entry.fingerprint.replace(':', "").to_ascii_lowercase();
        if fp.len() != 64 || !fp.bytes().all(|b| b.is_ascii_hexdigit()) {
            problems.push(format!(
                "client {} ({:?}): fingerprint must be the certificate's SHA-256, 64 hex digits",
                i + 1,
                entry.grant.name
            ));
            continue;
        }
        if let Some(bad) = entry.push_to.iter().find(|u| !push_url(u)) {
            problems.push(format!(
                "client {} ({:?}): push_to {bad:?} must be https://HOST[:PORT]/PATH",
                i + 1,
                entry.grant.name
            ));
            continue;
        }
        match entry.grant.caller() {
            Ok(c) => {
                match (&c.role, entry.push_to.is_empty()) {
                    (_, true) => {}
                    (Role::Agency(a), false) => push_to
                        .entry(a.clone())
                        .or_default()
                        .extend(entry.push_to.iter().cloned()),
                    (_, false) => problems.push(format!(
                        "client {} ({:?}): push_to is for an agency's system only",
                        i + 1,
                        entry.grant.name
                    )),
                }
                if clients.insert(fp, c).is_some() {
                    problems.push(format!(
                        "client {} ({:?}): the fingerprint is listed twice",
                        i + 1,
                        entry.grant.name
                    ));
                }
            }
            Err(e) => problems.push(format!("client {}: {e}", i + 1)),
        }
    }
    if !problems.is_empty() {
        bail!(
            "{} is not valid:\n  {}",
            path.display(),
            problems.join("\n  ")
        );
    }
    Ok(Clients {
        by_fingerprint: clients,
        push_to,
    })
}

/// `tokens.toml`: every token ever issued, revoked ones kept for the record.
#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct TokenFile {
    #[serde(default)]
    token: Vec<TokenEntry>,
}

/// One issued token. The secret itself is never stored.
#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct TokenEntry {
    /// Public id, the token's first part.
    pub id: String,
    /// SHA-256 of the whole token, hex.
    sha256: String,
    /// When it was issued (UTC seconds).
    pub issued: i64,
    /// When it was revoked, if it was.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revoked: Option<i64>,
    #[serde(flatten)]
    grant: ListedRole,
}

impl TokenEntry {
    /// Who the token speaks for.
    pub fn caller(&self) -> Result<Caller> {
        self.grant.caller()
    }
}

impl TokenFile {
    /// Reads `tokens.toml` in `data`; no file, no tokens.
    pub fn load(data: &Path) -> Result<TokenFile> {
        let path = data.join(TOKENS_FILE);
        match std::fs::read_to_string(&path) {
            Ok(text) => TokenFile::parse(&path, &text),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(TokenFile::default()),
            Err(e) => Err(e).with_context(|| format!("cannot read {}", path.display())),
        }
    }

    fn parse(path: &Path, text: &str) -> Result<TokenFile> {
        toml::from_str(text).map_err(|e| anyhow!("{} is not valid: {e}", path.display()))
    }

    /// Changes `tokens.toml` in `data` with `change`, one writer at a time: an exclusive
    /// lock (`tokens.toml.lock`) is held from reading the file to replacing it, so two
    /// changes at once (a revocation and an issue) both hold. Nothing is written if
    /// `change` fails. The file's new digest is logged before it replaces the file: the
    /// service refuses a file whose digest the log does not hold.
    pub async fn change_logged<T>(
        data: &Path,
        log: &Auditor<AnyAudit>,
        now: i64,
        change: impl FnOnce(&mut TokenFile) -> Result<T>,
    ) -> Result<T> {
        let lock = lock_tokens(data)?;
        let mut file = TokenFile::load(data)?;
        let out = change(&mut file)?;
        let text = toml::to_string(&file)?;
        access_files::record(
            log,
            TOKENS_FILE,
            &access_files::state(Some(text.as_bytes())),
            now,
        )
        .await?;
        file.save(data)?;
        drop(lock);
        Ok(out)
    }

    /// Writes the file whole and durably: to a temporary file of this writer's own, synced,
    /// renamed over `tokens.toml`, and the directory synced so the rename survives a crash.
    /// Only [`TokenFile::change_logged`] calls it, under the lock.
    fn save(&self, data: &Path) -> Result<()> {
        let path = data.join(TOKENS_FILE);
        let mut unique = [0u8; 8];
        getrandom::fill(&mut unique).map_err(|e| anyhow!("no randomness: {e}"))?;
        let tmp = data.join(format!(
            "{TOKENS_FILE}.{}.{}.new",
            std::process::id(),
            hex::encode(unique)
        ));
        let written = (|| -> Result<()> {
            let mut f = new_private(&tmp)?;
            f.write_all(toml::to_string(self)?.as_bytes())?;
            f.sync_all()?;
            std::fs::rename(&tmp, &path)?;
            sync_dir(data)
        })();
        if written.is_err() {
            let _ = std::fs::remove_file(&tmp);
        }
        written.with_context(|| format!("cannot write {}", path.display()))
    }

    /// The tokens, oldest first.
    pub fn entries(&self) -> &[TokenEntry] {
        &self.token
    }

    /// Issues a token for `name` with one of the roles; returns the token, shown once.
    pub fn issue(&mut self, name: &str, role: Role, now: i64) -> Result<String> {
        let mut secret = [0u8; 32];
        let mut id = [0u8; 6];
        getrandom::fill(&mut secret).map_err(|e| anyhow!("no randomness: {e}"))?;
        getrandom::fill(&mut id).map_err(|e| anyhow!("no randomness: {e}"))?;
        let id = hex::encode(id);
        let token = format!("tdip_{id}_{}", hex::encode(secret));
        let (agency, provider, operator, oversight) = match role {
            Role::Agency(a) => (Some(a), None, false, None),
            Role::Provider(p) => (None, Some(p), false, None),
            Role::Operator => (None, None, true, None),
            Role::Oversight(o) => (None, None, false, Some(o)),
        };
        self.token.push(TokenEntry {
            id,
            sha256: hex::encode(Sha256::digest(token.as_bytes())),
            issued: now,
            revoked: None,
            grant: ListedRole {
                name: name.to_owned(),
                agency,
                provider,
                operator,
                oversight,
            },
        });
        Ok(token)
    }

    /// Revokes the token `id`; says so if there is none or it was revoked already.
    pub fn revoke(&mut self, id: &str, now: i64) -> Result<&TokenEntry> {
        let entry = self
            .token
            .iter_mut()
            .find(|t| t.id == id)
            .ok_or_else(|| anyhow!("no token {id}; `tdip tokens list` shows them"))?;
        if entry.revoked.is_some() {
            bail!("token {id} was revoked already");
        }
        entry.revoked = Some(now);
        Ok(entry)
    }

    /// The caller a presented token speaks for, if it was issued and not revoked.
    fn find(&self, presented: &str) -> Option<Caller> {
        let id = presented.strip_prefix("tdip_")?.split('_').next()?;
        let digest = hex::encode(Sha256::digest(presented.as_bytes()));
        self.token
            .iter()
            .find(|t| t.id == id && t.revoked.is_none() && t.sha256 == digest)
            .and_then(|t| t.caller().ok())
    }
}

/// Takes the lock on `tokens.toml` in `data`; it is held until the file returned is closed.
fn lock_tokens(data: &Path) -> Result<std::fs::File> {
    let lock_path = data.join(TOKENS_LOCK);
    let lock = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock_path)
        .with_context(|| format!("cannot open {}", lock_path.display()))?;
    lock.lock()
        .with_context(|| format!("cannot lock {}", lock_path.display()))?;
    Ok(lock)
}

/// The callers the service knows: certificates read at start, tokens read from
/// `tokens.toml` on every token presented. The file is small (150 bytes per token) and
/// read whole each time, about 20 µs for 100 tokens (against milliseconds for the request
/// it admits); it is parsed again only when its bytes differ from the last ones read. Comparing contents, not the modification time, matters: two
/// changes within one tick of the file system's clock (milliseconds, or a second on some
/// file systems) leave the same time, and a revocation must never be missed.
pub struct Callers {
    clients: HashMap<String, Caller>,
    /// Per agency, where its deliveries may be pushed (`push_to` in `clients.toml`).
    push_to: HashMap<String, Vec<String>>,
    tokens_path: PathBuf,
    tokens: Mutex<Cached>,
    /// The audit log the files are checked against (and findings logged in), shared
    /// with the service.
    log: Arc<Auditor<AnyAudit>>,
    /// When findings happen.
    clock: SharedClock,
}

struct Cached {
    /// The file's bytes as last read (digests and names only); `None` if it was absent.
    bytes: Option<Vec<u8>>,
    /// What they say; empty if the file is damaged (no token is accepted until mended).
    file: TokenFile,
}

impl Callers {
    /// Reads `clients.toml` and `tokens.toml` in `data`; either may be absent. Refuses
    /// (and logs) a `clients.toml` changed around tdip: the service does not start on it.
    pub async fn load(
        data: &Path,
        log: Arc<Auditor<AnyAudit>>,
        clock: SharedClock,
    ) -> Result<Callers> {
        let tokens_path = data.join(TOKENS_FILE);
        let bytes = read_tokens(&tokens_path)
            .with_context(|| format!("cannot read {}", tokens_path.display()))?;
        let file = match &bytes {
            Some(b) => TokenFile::parse(&tokens_path, &String::from_utf8_lossy(b))?,
            None => TokenFile::default(),
        };
        let clients_path = data.join(CLIENTS_FILE);
        let mut clients = None;
        access_files::check(
            &log,
            CLIENTS_FILE,
            || {
                let b = read_tokens(&clients_path)
                    .with_context(|| format!("cannot read {}", clients_path.display()))?;
                let state = access_files::state(b.as_deref());
                clients = Some(b);
                Ok(state)
            },
            &access_files::what_to_do(CLIENTS_FILE),
            clock.now(),
        )
        .await?;
        let listed = load_clients(data, clients.flatten().as_deref())?;
        Ok(Callers {
            clients: listed.by_fingerprint,
            push_to: listed.push_to,
            tokens: Mutex::new(Cached { bytes, file }),
            tokens_path,
            log,
            clock,
        })
    }

    /// Where `agency`'s deliveries may be pushed: the `push_to` its systems list in
    /// `clients.toml` (none: nowhere).
    pub fn push_destinations(&self, agency: &str) -> &[String] {
        self.push_to.get(agency).map_or(&[], Vec::as_slice)
    }

    /// The caller a client certificate (by fingerprint) names.
    pub fn by_certificate(&self, fingerprint: &str) -> Option<&Caller> {
        self.clients.get(fingerprint)
    }

    /// The caller a bearer token speaks for, by `tokens.toml` as it is now, if the file's
    /// digest is the one the audit log holds (a file changed around tdip accepts no
    /// token, and is logged).
    pub async fn by_token(&self, presented: &str) -> Option<Caller> {
        // A file that cannot be read accepts no token: a revocation is never bypassed.
        let mut read = None;
        let checked = access_files::check(
            &self.log,
            TOKENS_FILE,
            || {
                let b = read_tokens(&self.tokens_path)?;
                let state = access_files::state(b.as_deref());
                read = Some(b);
                Ok(state)
            },
            &access_files::what_to_do(TOKENS_FILE),
            self.clock.now(),
        )
        .await;
        if let Err(e) = checked {
            tracing::warn!("a token was refused: {e:#}");
            return None;
        }
        let now = read?;
        let mut cached = self.tokens.lock().unwrap_or_else(|e| e.into_inner());
        if now != cached.bytes {
            // A damaged file accepts no token until it is mended.
            cached.file = match &now {
                Some(b) => std::str::from_utf8(b)
                    .ok()
                    .and_then(|t| TokenFile::parse(&self.tokens_path, t).ok())
                    .unwrap_or_default(),
                None => TokenFile::default(),
            };
            cached.bytes = now;
        }
        cached.file.find(presented)
    }
}

/// The bytes of `tokens.toml`, or none if there is no such file.
fn read_tokens(path: &Path) -> std::io::Result<Option<Vec<u8>>> {
    match std::fs::read(path) {
        Ok(b) => Ok(Some(b)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e),
    }
}

/// A new file only its owner can read (digests are not secrets, but nobody else needs them).
fn new_private(path: &Path) -> std::io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)
}

/// Makes a rename in `dir` durable.
fn sync_dir(dir: &Path) -> Result<()> {
    #[cfg(unix)]
    std::fs::File::open(dir)?.sync_all()?;
    Ok(())
}

#[cfg(test)]
#[path = "callers_tests.rs"]
mod tests;

//! Who is calling: a client certificate named in the data directory's `clients.toml`, or an
//! API token issued with `tdip tokens issue` (kept as a SHA-256 digest in `tokens.toml`,
//! revocable at any time; the service rereads the file when it changes, so a revocation
//! holds from the next request).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::SystemTime;

use anyhow::{Context, Result, anyhow, bail};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The file naming client certificates.
pub const CLIENTS_FILE: &str = "clients.toml";
/// The file of API tokens.
pub const TOKENS_FILE: &str = "tokens.toml";

/// What a caller may do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Role {
    /// An agency's system: consults the point, on behalf of its officers.
    Agency(String),
    /// A provider's system: delivers its subscriber file.
    Provider(String),
    /// The point's operator: unseals, reads checkpoints; never subscriber data.
    Operator,
}

impl Role {
    /// `agency nl/politie`, `provider kpn`, `operator`.
    pub fn describe(&self) -> String {
        match self {
            Role::Agency(a) => format!("agency {a}"),
            Role::Provider(p) => format!("provider {p}"),
            Role::Operator => "operator".into(),
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

/// One entry of `clients.toml` or `tokens.toml`: exactly one of agency, provider, operator.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct Grant {
    name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    agency: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    provider: Option<String>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    operator: bool,
}

impl Grant {
    fn caller(&self) -> Result<Caller> {
        let role = match (&self.agency, &self.provider, self.operator) {
            (Some(a), None, false) => Role::Agency(a.clone()),
            (None, Some(p), false) => Role::Provider(p.clone()),
            (None, None, true) => Role::Operator,
            _ => bail!(
                "{:?} must have exactly one of `agency = \"…\"`, `provider = \"…\"` or `operator = true`",
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
    #[serde(flatten)]
    grant: Grant,
}

/// Reads `clients.toml` in `data`: certificate fingerprint → caller. No file, no clients.
pub fn load_clients(data: &Path) -> Result<HashMap<String, Caller>> {
    let path = data.join(CLIENTS_FILE);
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(HashMap::new()),
        Err(e) => return Err(e).with_context(|| format!("cannot read {}", path.display())),
    };
    let file: ClientsFile =
        toml::from_str(&text).map_err(|e| anyhow!("{} is not valid: {e}", path.display()))?;
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
        match entry.grant.caller() {
            Ok(c) => {
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
    Ok(clients)
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
    grant: Grant,
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
            Ok(text) => {
                toml::from_str(&text).map_err(|e| anyhow!("{} is not valid: {e}", path.display()))
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(TokenFile::default()),
            Err(e) => Err(e).with_context(|| format!("cannot read {}", path.display())),
        }
    }

    /// Writes the file whole (to a temporary file, then renamed over it).
    pub fn save(&self, data: &Path) -> Result<()> {
        let path = data.join(TOKENS_FILE);
        let tmp = data.join(format!("{TOKENS_FILE}.new"));
        std::fs::write(&tmp, toml::to_string(self)?)
            .with_context(|| format!("cannot write {}", tmp.display()))?;
        std::fs::rename(&tmp, &path).with_context(|| format!("cannot write {}", path.display()))
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
        let (agency, provider, operator) = match role {
            Role::Agency(a) => (Some(a), None, false),
            Role::Provider(p) => (None, Some(p), false),
            Role::Operator => (None, None, true),
        };
        self.token.push(TokenEntry {
            id,
            sha256: hex::encode(Sha256::digest(token.as_bytes())),
            issued: now,
            revoked: None,
            grant: Grant {
                name: name.to_owned(),
                agency,
                provider,
                operator,
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

/// The callers the service knows: certificates read at start, tokens reread whenever
/// `tokens.toml` changed (its modification time is checked on every token presented).
pub struct Callers {
    clients: HashMap<String, Caller>,
    tokens_path: PathBuf,
    data: PathBuf,
    tokens: Mutex<Cached>,
}

struct Cached {
    file: TokenFile,
    modified: Option<SystemTime>,
}

impl Callers {
    /// Reads `clients.toml` and `tokens.toml` in `data`; either may be absent.
    pub fn load(data: &Path) -> Result<Callers> {
        let tokens_path = data.join(TOKENS_FILE);
        Ok(Callers {
            clients: load_clients(data)?,
            tokens: Mutex::new(Cached {
                file: TokenFile::load(data)?,
                modified: modified(&tokens_path),
            }),
            tokens_path,
            data: data.to_owned(),
        })
    }

    /// The caller a client certificate (by fingerprint) names.
    pub fn by_certificate(&self, fingerprint: &str) -> Option<&Caller> {
        self.clients.get(fingerprint)
    }

    /// The caller a bearer token speaks for.
    pub fn by_token(&self, presented: &str) -> Option<Caller> {
        let mut cached = self.tokens.lock().unwrap_or_else(|e| e.into_inner());
        let now = modified(&self.tokens_path);
        if now != cached.modified {
            cached.modified = now;
            // A damaged file accepts no token until it is mended.
            cached.file = TokenFile::load(&self.data).unwrap_or_default();
        }
        cached.file.find(presented)
    }
}

fn modified(path: &Path) -> Option<SystemTime> {
    std::fs::metadata(path).and_then(|m| m.modified()).ok()
}

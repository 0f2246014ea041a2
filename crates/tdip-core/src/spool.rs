//! The delivery spool: deliveries accepted while the point is sealed. Each file is
//! stored encrypted to the spool's public key, beside a small description (provider,
//! snapshot moment, format, checksum: nothing personal), until an unsealed point applies
//! it — validating it then, and recording it in the delivery log like any delivery.
//!
//! An entry is complete once its description exists: the encrypted file is written and
//! made durable first, so a crash while spooling leaves no entry (only a payload that
//! [`Spool::entries`] ignores), and a spooled delivery is acknowledged only when both are
//! durable.

use std::fs;
use std::io::{self, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::AtomicU64;

use jiff::Timestamp;
use tdip_crypto::{FileChecksum, SpoolIdentity, SpoolRecipient};
use tdip_store::{DeliveryOutcome, Store};

use crate::CoreError;
use crate::files::{create_private, io_error as io, sync_dir};
use crate::ingest::{DeliveryReport, DeliveryRequest, Format, deliver};
use crate::keys::PointKeys;

const MAGIC: &str = "tdip-spool v1";

/// One spooled delivery.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SpoolEntry {
    /// File stem in the spool directory; entries apply in stem order (arrival order).
    pub name: String,
    /// Provider id.
    pub provider: String,
    /// The declared snapshot moment, UTC seconds.
    pub snapshot_at: i64,
    /// When the point received it, UTC seconds.
    pub received_at: i64,
    /// The delivery's encoding.
    pub format: Format,
    /// SHA-256 of the file as received (the delivery log's checksum).
    pub checksum: [u8; 32],
    /// Size of the file as received.
    pub bytes: u64,
}

/// What applying one spooled entry gave.
#[derive(Debug)]
pub enum Applied {
    /// Delivered now: its report (accepted or rejected).
    Delivered(DeliveryReport),
    /// The delivery log already held it (applied before a crash removed the entry).
    AlreadyApplied,
}

/// The spool directory of a point.
#[derive(Clone, Debug)]
pub struct Spool {
    dir: PathBuf,
}

impl Spool {
    /// The spool in `dir` (created on first use).
    pub fn new(dir: &Path) -> Self {
        Spool {
            dir: dir.to_owned(),
        }
    }

    /// Stores the delivery file `source` encrypted to `to`; durable when it returns.
    pub fn put(
        &self,
        to: &SpoolRecipient,
        provider: &str,
        snapshot_at: i64,
        format: Format,
        source: &Path,
    ) -> Result<SpoolEntry, CoreError> {
        let input = fs::File::open(source).map_err(|e| io("open", source, e))?;
        self.put_reader(to, provider, snapshot_at, format, input, source)
    }

    /// Stores a delivery read from `input` (named `source` in errors) encrypted to `to`,
    /// a megabyte at a time, so that a file of any size passes through without being held
    /// in memory; durable when it returns. If reading or writing fails, nothing of it stays
    /// in the spool.
    pub fn put_reader(
        &self,
        to: &SpoolRecipient,
        provider: &str,
        snapshot_at: i64,
        format: Format,
        input: impl Read,
        source: &Path,
    ) -> Result<SpoolEntry, CoreError> {
        fs::create_dir_all(&self.dir).map_err(|e| io("create", &self.dir, e))?;
        let now = Timestamp::now();
        let name = format!("{:020}-{provider}", now.as_nanosecond());
        let payload = self.dir.join(format!("{name}.age"));
        let written = self.write_payload(to, input, source, &payload);
        let (checksum, bytes) = match written {
            Ok(w) => w,
            Err(e) => {
                let _ = fs::remove_file(&payload);
                return Err(e);
            }
        };
        let entry = SpoolEntry {
            name,
            provider: provider.to_owned(),
            snapshot_at,
            received_at: now.as_second(),
            format,
            checksum,
            bytes,
        };
        let meta = self.dir.join(format!("{}.meta", entry.name));
        let mut f = create_private(&meta)?;
        f.write_all(describe(&entry).as_bytes())
            .and_then(|()| f.sync_all())
            .map_err(|e| io("write", &meta, e))?;
        sync_dir(&self.dir)?;
        Ok(entry)
    }

    /// Encrypts `input` into `payload`; its checksum and size.
    fn write_payload(
        &self,
        to: &SpoolRecipient,
        input: impl Read,
        source: &Path,
        payload: &Path,
    ) -> Result<([u8; 32], u64), CoreError> {
        let mut input = BufReader::with_capacity(1 << 20, input);
        let file = create_private(payload)?;
        let mut out = to
            .writer(io::BufWriter::with_capacity(1 << 20, file))
            .map_err(|e| io("write", payload, e))?;
        let mut checksum = FileChecksum::default();
        let mut bytes = 0u64;
        let mut buf = vec![0u8; 1 << 20];
        loop {
            let n = input.read(&mut buf).map_err(|e| io("read", source, e))?;
            if n == 0 {
                break;
            }
            checksum.update(&buf[..n]);
            bytes += n as u64;
            out.write_all(&buf[..n])
                .map_err(|e| io("write", payload, e))?;
        }
        let file = out
            .finish()
            .and_then(|w| w.into_inner().map_err(|e| e.into_error()))
            .map_err(|e| io("write", payload, e))?;
        file.sync_all().map_err(|e| io("write", payload, e))?;
        Ok((checksum.finish(), bytes))
    }

    /// The complete entries, in arrival order.
    pub fn entries(&self) -> Result<Vec<SpoolEntry>, CoreError> {
        let list = match fs::read_dir(&self.dir) {
            Ok(list) => list,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(io("read", &self.dir, e)),
        };
        let mut out = Vec::new();
        for entry in list {
            let path = entry.map_err(|e| io("read", &self.dir, e))?.path();
            if path.extension().is_some_and(|e| e == "meta") {
                out.push(read_meta(&path)?);
            }
        }
        out.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(out)
    }

    /// Applies every entry in arrival order with the unsealed point's keys, removing each
    /// once the store holds its outcome. Stops at the first failure of the point itself
    /// (the entries from there on stay spooled).
    pub async fn apply_all<S: Store>(
        &self,
        store: &S,
        keys: &PointKeys,
        identity: &Arc<SpoolIdentity>,
    ) -> Result<Vec<(SpoolEntry, Applied)>, CoreError> {
        let mut done = Vec::new();
        for entry in self.entries()? {
            let applied = if self.already_applied(store, &entry).await? {
                Applied::AlreadyApplied
            } else {
                let req = DeliveryRequest {
                    provider: entry.provider.clone(),
                    path: self.dir.join(format!("{}.age", entry.name)),
                    format: entry.format,
                    snapshot_at: entry.snapshot_at,
                    received_at: entry.received_at,
                    progress: Arc::new(AtomicU64::new(0)),
                    spooled: Some(identity.clone()),
                };
                Applied::Delivered(deliver(store, keys, req).await?)
            };
            self.remove(&entry)?;
            done.push((entry, applied));
        }
        Ok(done)
    }

    async fn already_applied<S: Store>(
        &self,
        store: &S,
        entry: &SpoolEntry,
    ) -> Result<bool, CoreError> {
        Ok(store
            .deliveries(Some(&entry.provider), 50)
            .await?
            .iter()
            .any(|d| {
                d.delivery.checksum == entry.checksum
                    && d.delivery.snapshot_at == entry.snapshot_at
                    && d.delivery.received_at == entry.received_at
                    && d.delivery.outcome == DeliveryOutcome::Accepted
            }))
    }

    fn remove(&self, entry: &SpoolEntry) -> Result<(), CoreError> {
        for ext in ["meta", "age"] {
            let path = self.dir.join(format!("{}.{ext}", entry.name));
            match fs::remove_file(&path) {
                Ok(()) => {}
                Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                Err(e) => return Err(io("remove", &path, e)),
            }
        }
        sync_dir(&self.dir)
    }
}

fn describe(e: &SpoolEntry) -> String {
    format!(
        "{MAGIC}\nprovider {}\nsnapshot {}\nreceived {}\nformat {}\nchecksum {}\nbytes {}\n",
        e.provider,
        e.snapshot_at,
        e.received_at,
        match e.format {
            Format::Csv => "csv",
            Format::JsonLines => "jsonl",
        },
        hex::encode(e.checksum),
        e.bytes
    )
}

fn read_meta(path: &Path) -> Result<SpoolEntry, CoreError> {
    let text = fs::read_to_string(path).map_err(|e| io("read", path, e))?;
    let bad = || {
        CoreError::Config(format!(
            "the spool entry {} is damaged; move it and its .age file aside and ask the \
             provider to deliver again",
            path.display()
        ))
    };
    let mut lines = text.lines();
    if lines.next() != Some(MAGIC) {
        return Err(bad());
    }
    let mut get = |key: &str| {
        lines
            .next()
            .and_then(|l| l.strip_prefix(key))
            .and_then(|l| l.strip_prefix(' '))
            .map(str::to_owned)
            .ok_or_else(bad)
    };
    let provider = get("provider")?;
    let snapshot_at = get("snapshot")?.parse().map_err(|_| bad())?;
    let received_at = get("received")?.parse().map_err(|_| bad())?;
    let format = match get("format")?.as_str() {
        "csv" => Format::Csv,
        "jsonl" => Format::JsonLines,
        _ => return Err(bad()),
    };
    let mut checksum = [0u8; 32];
    hex::decode_to_slice(get("checksum")?, &mut checksum).map_err(|_| bad())?;
    let bytes = get("bytes")?.parse().map_err(|_| bad())?;
    let name = path
        .file_stem()
        .and_then(|s| s.to_str())
        .ok_or_else(bad)?
        .to_owned();
    Ok(SpoolEntry {
        name,
        provider,
        snapshot_at,
        received_at,
        format,
        checksum,
        bytes,
    })
}

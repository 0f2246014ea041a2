//! The delivery spool: deliveries accepted while the point is sealed. Each file is
//! stored encrypted to the spool's public key, beside a small description (provider,
//! snapshot moment, format, checksum: nothing personal), until an unsealed point applies
//! it — validating it then, and recording it in the delivery log like any delivery.
//!
//! An entry is complete once its description exists: the encrypted file is written and
//! made durable first, so a crash while spooling leaves no entry (only a payload that
//! [`Spool::entries`] ignores), and a spooled delivery is acknowledged only when both are
//! durable.
//!
//! An entry that cannot be applied never blocks the others. Each application is counted
//! (`.attempts`, durable before it starts), so an entry that kills the point while it is
//! applied (memory, a crash) is set aside after [`MAX_ATTEMPTS`] tries; one whose
//! application fails for a reason of its own (not the store's) is set aside at once. A set
//! aside entry is recorded as a rejected delivery with the reason, keeps its files under an
//! `.aside` note, is listed by [`Spool::set_aside`] and is removed only by
//! [`Spool::discard`].

use std::collections::HashMap;
use std::fs;
use std::io::{self, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::AtomicU64;

use jiff::Timestamp;
use tdip_crypto::{FileChecksum, SpoolIdentity, SpoolRecipient};
use tdip_store::{DeliveryOutcome, NewDelivery, Store};

use tdip_model::Reason;

use crate::CoreError;
use crate::audit::ProviderState;
use crate::files::{create_private, io_error as io, replace_durably, sync_dir};
use crate::ingest::{DeliveryPolicy, DeliveryReport, DeliveryRequest, Format, RowError, deliver};
use crate::keys::PointKeys;

const MAGIC: &str = "tdip-spool v1";

/// Applications of one entry that may start and never finish before it is set aside.
pub const MAX_ATTEMPTS: u32 = 3;

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
    /// The provider said the delivery may close more subscriptions than the policy lets
    /// a delivery close unasked.
    pub allow_mass_close: bool,
}

/// What applying one spooled entry gave.
#[derive(Debug)]
pub enum Applied {
    /// Delivered now: its report (accepted or rejected).
    Delivered(DeliveryReport),
    /// The delivery log already held it (applied before a crash removed the entry).
    AlreadyApplied,
    /// It could not be applied: recorded as a rejected delivery (this report, whose one
    /// error says why) and set aside, its files kept until an operator discards it.
    SetAside(DeliveryReport),
}

/// An entry set aside, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SetAside {
    /// The entry.
    pub entry: SpoolEntry,
    /// Why it could not be applied.
    pub reason: String,
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
        allow_mass_close: bool,
        source: &Path,
    ) -> Result<SpoolEntry, CoreError> {
        let input = fs::File::open(source).map_err(|e| io("open", source, e))?;
        self.put_reader(
            to,
            provider,
            snapshot_at,
            format,
            allow_mass_close,
            input,
            source,
        )
    }

    /// Stores a delivery read from `input` (named `source` in errors) encrypted to `to`,
    /// a megabyte at a time, so that a file of any size passes through without being held
    /// in memory; durable when it returns. If reading or writing fails, nothing of it stays
    /// in the spool.
    #[allow(clippy::too_many_arguments)]
    pub fn put_reader(
        &self,
        to: &SpoolRecipient,
        provider: &str,
        snapshot_at: i64,
        format: Format,
        allow_mass_close: bool,
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
            allow_mass_close,
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

    /// The complete entries waiting to be applied, in arrival order.
    pub fn entries(&self) -> Result<Vec<SpoolEntry>, CoreError> {
        let mut out = Vec::new();
        for entry in self.all()? {
            if !self.path(&entry, "aside").exists() {
                out.push(entry);
            }
        }
        Ok(out)
    }

    /// The entries set aside, in arrival order, with why.
    pub fn set_aside(&self) -> Result<Vec<SetAside>, CoreError> {
        let mut out = Vec::new();
        for entry in self.all()? {
            let note = self.path(&entry, "aside");
            match fs::read_to_string(&note) {
                Ok(reason) => out.push(SetAside {
                    entry,
                    reason: reason.trim_end().to_owned(),
                }),
                Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                Err(e) => return Err(io("read", &note, e)),
            }
        }
        Ok(out)
    }

    /// Removes an entry that was set aside (its encrypted file too). Entries waiting to
    /// be applied cannot be discarded: they are deliveries the point acknowledged.
    pub async fn discard(&self, name: &str) -> Result<SetAside, CoreError> {
        let _applying = self.lock().await?;
        let found = self.set_aside()?.into_iter().find(|a| a.entry.name == name);
        let Some(aside) = found else {
            let waiting = self.entries()?.iter().any(|e| e.name == name);
            return Err(CoreError::Config(if waiting {
                format!(
                    "spool entry {name} is waiting to be applied, not set aside; only an entry \
                     that could not be applied can be discarded (unseal the point to apply it)"
                )
            } else {
                format!("there is no spool entry {name}; `tdip spool list` shows them")
            }));
        };
        self.remove(&aside.entry)?;
        Ok(aside)
    }

    /// Every complete entry, set aside or not, in arrival order.
    fn all(&self) -> Result<Vec<SpoolEntry>, CoreError> {
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

    /// Waits for, then holds, the spool's lock (`spool.lock` beside the directory), so
    /// that two processes (a command and the service) never apply or discard the same
    /// entry at once: the second finds it applied.
    async fn lock(&self) -> Result<fs::File, CoreError> {
        let path = self.dir.with_extension("lock");
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent).map_err(|e| io("create", parent, e))?;
        }
        let file = fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|e| io("open", &path, e))?;
        loop {
            match file.try_lock() {
                Ok(()) => return Ok(file),
                Err(fs::TryLockError::WouldBlock) => {
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                }
                Err(fs::TryLockError::Error(e)) => return Err(io("lock", &path, e)),
            }
        }
    }

    fn path(&self, entry: &SpoolEntry, ext: &str) -> PathBuf {
        self.dir.join(format!("{}.{ext}", entry.name))
    }

    /// Applies every waiting entry in arrival order with the unsealed point's keys,
    /// removing each once the store holds its outcome. An entry that cannot be applied is
    /// set aside (see the module's documentation) and the others go on. Stops at the first
    /// failure of the store (the entries from there on stay spooled).
    pub async fn apply_all<S: Store>(
        &self,
        store: &S,
        keys: &PointKeys,
        identity: &Arc<SpoolIdentity>,
        policy: DeliveryPolicy,
        mut expected: HashMap<String, ProviderState>,
    ) -> Result<Vec<(SpoolEntry, Applied)>, CoreError> {
        let _applying = self.lock().await?;
        let mut done = Vec::new();
        for entry in self.entries()? {
            if self
                .logged(store, &entry, DeliveryOutcome::Accepted)
                .await?
            {
                self.remove(&entry)?;
                done.push((entry, Applied::AlreadyApplied));
                continue;
            }
            let tried = self.count_attempt(&entry)?;
            if tried > MAX_ATTEMPTS {
                let reason = Reason::counted(
                    "applying this delivery was started {} times and never finished (the point \
                     stopped while applying it: a crash, a kill or a lack of memory); it was set \
                     aside so that the other deliveries go on. Ask the provider to deliver again, \
                     then discard it with `tdip spool discard ENTRY` (`tdip spool list` names it)",
                    &[u64::from(MAX_ATTEMPTS)],
                );
                let report = self.put_aside(store, &entry, reason, None).await?;
                done.push((entry, Applied::SetAside(report)));
                continue;
            }
            let req = DeliveryRequest {
                provider: entry.provider.clone(),
                path: self.path(&entry, "age"),
                format: entry.format,
                snapshot_at: entry.snapshot_at,
                received_at: entry.received_at,
                progress: Arc::new(AtomicU64::new(0)),
                spooled: Some(identity.clone()),
                policy,
                allow_mass_close: entry.allow_mass_close,
                expected: expected.get(&entry.provider).cloned(),
            };
            match deliver(store, keys, req).await {
                Ok(report) => {
                    if let Some((_, state)) = &report.applied {
                        expected.insert(entry.provider.clone(), state.clone());
                    }
                    self.remove(&entry)?;
                    done.push((entry, Applied::Delivered(report)));
                }
                // The store failed, not the entry: it stays, and is tried again later.
                Err(
                    e @ (CoreError::Store(_) | CoreError::AuditBroken(_) | CoreError::Tampered(_)),
                ) => {
                    self.forget_attempt(&entry)?;
                    return Err(e);
                }
                Err(e) => {
                    let reason = Reason::new(match e {
                        CoreError::UnknownProvider(_) => {
                            "the provider it was delivered for is not registered at this point; \
                             it was set aside so that the other deliveries go on. Register the \
                             provider and ask it to deliver again, then discard this entry with \
                             `tdip spool discard ENTRY` (`tdip spool list` names it)"
                        }
                        _ => {
                            "it could not be applied (`tdip spool list` shows the error); it was \
                             set aside so that the other deliveries go on. Discard it with `tdip \
                             spool discard ENTRY` once the cause is dealt with"
                        }
                    });
                    let report = self.put_aside(store, &entry, reason, Some(&e)).await?;
                    done.push((entry, Applied::SetAside(report)));
                }
            }
        }
        Ok(done)
    }

    /// Records `entry` as a rejected delivery (once, even if a crash came before its note
    /// was written) and writes its `.aside` note: the reason, and the point's error if one
    /// caused it (errors of the point name files and ids, never subscriber data).
    async fn put_aside<S: Store>(
        &self,
        store: &S,
        entry: &SpoolEntry,
        reason: Reason,
        error: Option<&CoreError>,
    ) -> Result<DeliveryReport, CoreError> {
        let log = NewDelivery {
            provider: entry.provider.clone(),
            received_at: entry.received_at,
            snapshot_at: entry.snapshot_at,
            rows: 0,
            opened: 0,
            changed: 0,
            closed: 0,
            errors: 1,
            checksum: entry.checksum,
            outcome: DeliveryOutcome::Rejected,
        };
        // A provider the point does not know has no delivery log to be recorded in; the
        // audit log still records the rejection (by the caller).
        let id = if store.provider(&entry.provider).await?.is_none() {
            0
        } else {
            match self
                .logged_id(store, entry, DeliveryOutcome::Rejected)
                .await?
            {
                Some(id) => id,
                None => store.record_rejected(&log).await?,
            }
        };
        let note = match error {
            Some(e) => format!("{reason} [error: {e}]"),
            None => reason.to_string(),
        };
        replace_durably(&self.path(entry, "aside"), note.as_bytes())?;
        self.forget_attempt(entry)?;
        Ok(DeliveryReport {
            delivery: DeliveryOutcome::Rejected.as_str(),
            id,
            provider: entry.provider.clone(),
            rows: 0,
            opened: 0,
            changed: 0,
            closed: 0,
            unchanged: 0,
            checksum: hex::encode(entry.checksum),
            errors: vec![RowError {
                line: 0,
                field: "file".into(),
                reason,
            }],
            errors_truncated: 0,
            mass_close: false,
            payments: 0,
            payments_not_kept: 0,
            applied: None,
        })
    }

    /// Counts one more application of `entry`, durably, before it starts; the count
    /// including this one.
    fn count_attempt(&self, entry: &SpoolEntry) -> Result<u32, CoreError> {
        let path = self.path(entry, "attempts");
        let before = match fs::read_to_string(&path) {
            Ok(text) => text.trim().parse::<u32>().unwrap_or(MAX_ATTEMPTS),
            Err(e) if e.kind() == io::ErrorKind::NotFound => 0,
            Err(e) => return Err(io("read", &path, e)),
        };
        let now = before.saturating_add(1);
        replace_durably(&path, now.to_string().as_bytes())?;
        Ok(now)
    }

    /// Drops the count of applications begun: the one that ended because the store
    /// failed, or all of an entry set aside.
    fn forget_attempt(&self, entry: &SpoolEntry) -> Result<(), CoreError> {
        match fs::remove_file(self.path(entry, "attempts")) {
            Ok(()) => sync_dir(&self.dir),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(io("remove", &self.path(entry, "attempts"), e)),
        }
    }

    async fn logged<S: Store>(
        &self,
        store: &S,
        entry: &SpoolEntry,
        outcome: DeliveryOutcome,
    ) -> Result<bool, CoreError> {
        Ok(self.logged_id(store, entry, outcome).await?.is_some())
    }

    /// The delivery log's id of `entry` with `outcome`, if the log holds it.
    async fn logged_id<S: Store>(
        &self,
        store: &S,
        entry: &SpoolEntry,
        outcome: DeliveryOutcome,
    ) -> Result<Option<i64>, CoreError> {
        Ok(store
            .deliveries(Some(&entry.provider), 50)
            .await?
            .iter()
            .find(|d| {
                d.delivery.checksum == entry.checksum
                    && d.delivery.snapshot_at == entry.snapshot_at
                    && d.delivery.received_at == entry.received_at
                    && d.delivery.outcome == outcome
            })
            .map(|d| d.id))
    }

    fn remove(&self, entry: &SpoolEntry) -> Result<(), CoreError> {
        // The description goes first: without it the rest is no entry.
        for ext in [
            "meta",
            "age",
            "attempts",
            "aside",
            "attempts.new",
            "aside.new",
        ] {
            let path = self.path(entry, ext);
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
    // Lines after `bytes` are optional, so entries spooled before they existed still read.
    format!(
        "{MAGIC}\nprovider {}\nsnapshot {}\nreceived {}\nformat {}\nchecksum {}\nbytes {}\n{}",
        e.provider,
        e.snapshot_at,
        e.received_at,
        match e.format {
            Format::Csv => "csv",
            Format::JsonLines => "jsonl",
        },
        hex::encode(e.checksum),
        e.bytes,
        if e.allow_mass_close {
            "allow-mass-close yes\n"
        } else {
            ""
        }
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
    let allow_mass_close = match lines.next() {
        None => false,
        Some("allow-mass-close yes") => true,
        Some(_) => return Err(bad()),
    };
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
        allow_mass_close,
    })
}

//! Retention classes of audit entries: configuration (TOML) saying, per class of entry
//! kinds, how long bodies must at least be kept and when they must be destroyed; and the
//! purge that destroys expired bodies while their digests stay.

use std::collections::BTreeMap;

use jiff::{Timestamp, ToSpan, tz::TimeZone};
use serde::Deserialize;
use tdip_store::AuditStore;

use super::Auditor;
use super::event::{Event, KINDS};
use crate::CoreError;

/// The shipped retention classes.
pub const DEFAULTS: &str = include_str!("retention.toml");

/// One class of entries and its retention.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Class {
    /// Id.
    pub id: String,
    /// What it holds and which rule sets its terms.
    #[serde(default)]
    pub description: String,
    /// Entry kinds in this class.
    pub kinds: Vec<String>,
    /// Bodies are kept at least this long.
    pub keep_at_least_years: Option<u32>,
    /// Bodies are destroyed once this old.
    pub destroy_after_years: Option<u32>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    class: Vec<Class>,
}

/// The retention classes in force.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Retention {
    /// The classes, as configured.
    pub classes: Vec<Class>,
}

/// Bodies destroyed by one purge, per class and kind.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Purged {
    /// Class.
    pub class: String,
    /// Entry kind.
    pub kind: String,
    /// Entries before this moment (UTC seconds) had their bodies destroyed.
    pub before: i64,
    /// How many.
    pub count: u64,
}

impl Retention {
    /// The shipped classes.
    pub fn defaults() -> Retention {
        Retention::parse("retention.toml (shipped)", DEFAULTS)
            .expect("the shipped retention classes are valid")
    }

    /// Reads and validates classes from TOML text; `name` is the file, for messages.
    /// Every problem is reported, each naming the file and the class.
    pub fn parse(name: &str, text: &str) -> Result<Retention, CoreError> {
        let file: File = toml::from_str(text).map_err(|e| {
            let line = e
                .span()
                .map(|s| text[..s.start].lines().count().max(1))
                .unwrap_or(1);
            CoreError::Config(format!("{name}:{line}: {}", e.message()))
        })?;
        let mut problems = Vec::new();
        let mut owner: BTreeMap<&str, &str> = BTreeMap::new();
        for c in &file.class {
            for k in &c.kinds {
                if !KINDS.contains(&k.as_str()) {
                    problems.push(format!(
                        "class {}: unknown entry kind {k} (kinds: {})",
                        c.id,
                        KINDS.join(", ")
                    ));
                } else if let Some(other) = owner.insert(k, &c.id) {
                    problems.push(format!(
                        "class {}: kind {k} is already in class {other}; each kind belongs to one class",
                        c.id
                    ));
                }
            }
            if let (Some(keep), Some(destroy)) = (c.keep_at_least_years, c.destroy_after_years)
                && destroy < keep
            {
                problems.push(format!(
                    "class {}: destroy_after_years ({destroy}) is shorter than keep_at_least_years ({keep})",
                    c.id
                ));
            }
            if c.destroy_after_years == Some(0) {
                problems.push(format!(
                    "class {}: destroy_after_years must be at least 1",
                    c.id
                ));
            }
        }
        for k in KINDS {
            if !owner.contains_key(k) {
                problems.push(format!("entry kind {k} is in no class; add it to one"));
            }
        }
        if problems.is_empty() {
            Ok(Retention {
                classes: file.class,
            })
        } else {
            Err(CoreError::Config(format!(
                "{name}: {}",
                problems.join(format!("\n{name}: ").as_str())
            )))
        }
    }

    /// For every class with a destroy-after term: each of its kinds and the moment before
    /// which bodies are due for destruction at `now` (whole calendar years in UTC).
    pub fn due(&self, now: i64) -> Result<Vec<(&Class, &str, i64)>, CoreError> {
        let now = Timestamp::from_second(now)
            .map_err(|_| CoreError::Internal("now is out of range"))?
            .to_zoned(TimeZone::UTC);
        let mut out = Vec::new();
        for c in &self.classes {
            if let Some(years) = c.destroy_after_years {
                let before = now
                    .checked_sub(i64::from(years).years())
                    .map_err(|_| CoreError::Internal("a retention term is out of range"))?
                    .timestamp()
                    .as_second();
                for k in &c.kinds {
                    out.push((c, k.as_str(), before));
                }
            }
        }
        Ok(out)
    }
}

/// Destroys the bodies whose retention ended at `now`, and records each destruction in
/// the log as an [`Event::Purge`] naming the entries it covered and how many bodies went:
/// verification accepts a missing body only inside such a record.
///
/// The entries due are found by reading the log first; a purge that stops between
/// destroying bodies and recording it leaves bodies missing that verification reports
/// (the store's purge and the log's append are two transactions).
pub async fn purge<A: AuditStore + 'static>(
    auditor: &Auditor<A>,
    retention: &Retention,
    now: i64,
) -> Result<Vec<Purged>, CoreError> {
    let due = retention.due(now)?;
    let mut found: BTreeMap<&str, (u64, u64)> = BTreeMap::new();
    let mut from = 0;
    loop {
        let page = auditor.store().audit_entries(from, PAGE).await?;
        let Some(last) = page.last() else { break };
        from = last.seq + 1;
        for e in &page {
            let expired = due
                .iter()
                .find(|(_, kind, before)| *kind == e.kind && e.at < *before);
            if let (Some((_, kind, _)), Some(_)) = (expired, &e.body) {
                let range = found.entry(kind).or_insert((e.seq, e.seq));
                range.1 = e.seq;
            }
        }
        if page.len() < PAGE as usize {
            break;
        }
    }
    let mut out = Vec::new();
    let mut events = Vec::new();
    for (class, kind, before) in &due {
        let count = auditor.store().purge_audit_bodies(kind, *before).await?;
        if let Some(&(first, last)) = found.get(kind) {
            events.push(Event::Purge {
                class: class.id.clone(),
                kind: (*kind).to_owned(),
                before: *before,
                first,
                last,
                count,
            });
        }
        out.push(Purged {
            class: class.id.clone(),
            kind: (*kind).to_owned(),
            before: *before,
            count,
        });
    }
    if !events.is_empty() {
        auditor.record(now, events).await?;
    }
    Ok(out)
}

/// Entries read per round trip while looking for expired bodies.
const PAGE: u32 = 10_000;

//! Replaying configuration entries into the registry and access-file states they
//! describe. Each entry read is checked as the log's verification checks it (its digest,
//! its stored time and kind), so an entry edited in place is an error, not a state.

use std::collections::{HashMap, HashSet};
use std::time::Instant;

use tdip_store::{AgencySuspension, AuditEntry, AuditStore, Officer, Suspension};

use crate::CoreError;
use crate::audit::{EntryBody, Event};

/// The change that starts an adopted registry.
pub const ADOPTED: &str = "registry-adopted";
/// The change that records an access file's new digest.
pub const FILE_CHANGED: &str = "access-file-changed";
const OFFICER_ADOPTED: &str = "officer-adopted";
const AGENCY_ADOPTED: &str = "agency-adopted";

/// Entries read per round trip.
const PAGE: u32 = 1000;

/// What the log says one officer's registration is (their name decides nothing and is
/// not logged).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct Expected {
    pub registered_at: i64,
    pub valid_until: Option<i64>,
    pub suspended: Option<Suspension>,
}

impl Expected {
    pub fn of(o: &Officer) -> Expected {
        Expected {
            registered_at: o.registered_at,
            valid_until: o.valid_until,
            suspended: o.suspended.clone(),
        }
    }
}

/// The state replayed so far.
#[derive(Default)]
pub(super) struct Replay {
    /// The next entry number to read.
    next: u64,
    /// When the latest catch-up began.
    pub caught_up: Option<Instant>,
    /// Whether the log adopted a registry (a new point's first entry does).
    pub adopted: bool,
    pub officers: HashMap<(String, String), Expected>,
    pub agencies: HashMap<String, Suspension>,
    /// Access file → the state last logged for it.
    pub files: HashMap<String, String>,
    /// Findings (what, subject, detail) logged since their subject last changed.
    pub reported: HashSet<(String, String, String)>,
}

impl Replay {
    /// Reads and applies every configuration and integrity entry after the last one
    /// read, in the log's order.
    pub async fn catch_up<A: AuditStore>(&mut self, store: &A) -> Result<(), CoreError> {
        self.caught_up = Some(Instant::now());
        loop {
            let config = store
                .audit_entries_of_kind("config", self.next, PAGE)
                .await?;
            let integrity = store
                .audit_entries_of_kind("integrity", self.next, PAGE)
                .await?;
            // Both pages are complete up to the lower of their last numbers.
            let full = |p: &[AuditEntry]| p.len() == PAGE as usize;
            let end = [(&config, full(&config)), (&integrity, full(&integrity))]
                .iter()
                .filter(|(_, full)| *full)
                .filter_map(|(p, _)| p.last().map(|e| e.seq))
                .min();
            let mut page: Vec<&AuditEntry> = config.iter().chain(&integrity).collect();
            page.sort_by_key(|e| e.seq);
            for e in page
                .into_iter()
                .filter(|e| end.is_none_or(|end| e.seq <= end))
            {
                if let Some(body) = read(e)? {
                    self.apply(body.at, &body.event);
                }
                self.next = e.seq + 1;
            }
            if end.is_none() {
                return Ok(());
            }
        }
    }

    fn apply(&mut self, at: i64, event: &Event) {
        match event {
            Event::Config {
                change,
                subject,
                detail,
            } => {
                self.reported.retain(|(_, s, _)| s != subject);
                self.config(at, change, subject, detail);
            }
            Event::Integrity {
                what,
                subject,
                detail,
            } => {
                self.reported
                    .insert((what.clone(), subject.clone(), detail.clone()));
            }
            _ => {}
        }
    }

    fn config(&mut self, at: i64, change: &str, subject: &str, detail: &str) {
        let officer = || {
            subject
                .split_once(' ')
                .map(|(a, o)| (a.to_owned(), o.to_owned()))
        };
        match change {
            ADOPTED => {
                self.adopted = true;
                self.officers.clear();
                self.agencies.clear();
            }
            FILE_CHANGED => {
                self.files.insert(subject.to_owned(), detail.to_owned());
            }
            "agency-suspended" => {
                let s = Suspension {
                    at,
                    reason: detail.to_owned(),
                };
                self.agencies.insert(subject.to_owned(), s);
            }
            "agency-reinstated" => {
                self.agencies.remove(subject);
            }
            AGENCY_ADOPTED => {
                if let Ok(s) = serde_json::from_str::<Adopted>(detail)
                    && let (Some(at), Some(reason)) = (s.suspended_at, s.suspension_reason)
                {
                    self.agencies
                        .insert(subject.to_owned(), Suspension { at, reason });
                }
            }
            _ => {
                if let Some(key) = officer() {
                    self.officer(at, change, key, detail);
                }
            }
        }
    }

    fn officer(&mut self, at: i64, change: &str, key: (String, String), detail: &str) {
        match change {
            "officer-added" => {
                let valid_until = match detail {
                    "" => None,
                    d => match until(d) {
                        Some(u) => u,
                        None => return,
                    },
                };
                self.officers.insert(
                    key,
                    Expected {
                        registered_at: at,
                        valid_until,
                        suspended: None,
                    },
                );
            }
            OFFICER_ADOPTED => {
                if let Ok(a) = serde_json::from_str::<Adopted>(detail) {
                    let suspended = match (a.suspended_at, a.suspension_reason) {
                        (Some(at), Some(reason)) => Some(Suspension { at, reason }),
                        _ => None,
                    };
                    let expected = Expected {
                        registered_at: a.registered_at.unwrap_or_default(),
                        valid_until: a.valid_until,
                        suspended,
                    };
                    self.officers.insert(key, expected);
                }
            }
            _ => {
                let Some(o) = self.officers.get_mut(&key) else {
                    return;
                };
                match change {
                    "officer-suspended" => {
                        o.suspended = Some(Suspension {
                            at,
                            reason: detail.to_owned(),
                        });
                    }
                    "officer-reinstated" => o.suspended = None,
                    "officer-renewed" => {
                        if let Some(u) = until(detail) {
                            o.valid_until = u;
                        }
                    }
                    _ => {}
                }
            }
        }
    }
}

/// An authorisation's end as `tdip officers` logs it: `valid until SECONDS` or `no end`.
fn until(detail: &str) -> Option<Option<i64>> {
    if detail == "no end" {
        return Some(None);
    }
    detail
        .strip_prefix("valid until ")
        .and_then(|t| t.parse().ok())
        .map(Some)
}

/// What an adoption entry's detail holds: the registry row, except the name.
#[derive(Default, serde::Serialize, serde::Deserialize)]
struct Adopted {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    registered_at: Option<i64>,
    #[serde(default)]
    valid_until: Option<i64>,
    #[serde(default)]
    suspended_at: Option<i64>,
    #[serde(default)]
    suspension_reason: Option<String>,
}

/// The adoption entry of one officer.
pub(super) fn officer_adopted(o: &Officer) -> Event {
    let detail = Adopted {
        registered_at: Some(o.registered_at),
        valid_until: o.valid_until,
        suspended_at: o.suspended.as_ref().map(|s| s.at),
        suspension_reason: o.suspended.as_ref().map(|s| s.reason.clone()),
    };
    Event::Config {
        change: OFFICER_ADOPTED.into(),
        subject: format!("{} {}", o.agency, o.id),
        detail: serde_json::to_string(&detail).unwrap_or_default(),
    }
}

/// The adoption entry of one suspended agency.
pub(super) fn agency_adopted(a: &AgencySuspension) -> Event {
    let detail = Adopted {
        suspended_at: Some(a.suspension.at),
        suspension_reason: Some(a.suspension.reason.clone()),
        ..Adopted::default()
    };
    Event::Config {
        change: AGENCY_ADOPTED.into(),
        subject: a.agency.clone(),
        detail: serde_json::to_string(&detail).unwrap_or_default(),
    }
}

/// An entry's body, checked as verification checks it; none if it was purged.
fn read(e: &AuditEntry) -> Result<Option<EntryBody>, CoreError> {
    let Some(bytes) = &e.body else {
        return Ok(None);
    };
    let altered = || {
        CoreError::AuditBroken(format!(
            "configuration entry {} was altered: its body, digest, time or kind disagree",
            e.seq
        ))
    };
    if tdip_audit::digest(bytes) != e.digest {
        return Err(altered());
    }
    let body = EntryBody::from_bytes(bytes).map_err(|_| altered())?;
    if body.at != e.at || body.event.kind() != e.kind {
        return Err(altered());
    }
    Ok(Some(body))
}

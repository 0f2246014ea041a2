//! The officer registry and the access files as the audit log says they are: every
//! change made through tdip is a configuration entry, so replaying those entries gives
//! what the store's registry and the files must hold. A consultation compares the
//! registry row it read with the replay and refuses on a difference; the binary compares
//! `clients.toml`, `tokens.toml` and the catalogue in force with the digests logged for
//! them. Each difference found is logged once, as an `integrity` entry.
//!
//! The replay is read once per process and then caught up by entry number (the log's
//! configuration entries are indexed apart, see
//! [`tdip_store::AuditStore::audit_config_entries`]), so a consultation costs one indexed
//! read that usually returns nothing.

mod replay;

use std::time::{Duration, Instant};

use tdip_access::RefusalCode;
use tdip_store::{AccessStore, AuditStore, Standing};
use tokio::sync::Mutex;

use crate::CoreError;
use crate::audit::{Auditor, Event};

pub use replay::{ADOPTED, FILE_CHANGED};
use replay::{Expected, Replay};

/// How long a consultation that found a difference waits before it reads both again: a
/// change made through tdip writes the store, then the log, and may be between the two.
const SETTLE: Duration = Duration::from_millis(100);

/// The replay of a point's configuration entries, kept for the life of a process.
#[derive(Default)]
pub struct Registry {
    replay: Mutex<Replay>,
}

impl std::fmt::Debug for Registry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Registry")
    }
}

impl Registry {
    /// Catches up with the log unless a catch-up begun after `asked` did already, and
    /// hands the replay over.
    async fn caught_up<A: AuditStore>(
        &self,
        store: &A,
        asked: Instant,
    ) -> Result<tokio::sync::MutexGuard<'_, Replay>, CoreError> {
        let mut replay = self.replay.lock().await;
        if replay.caught_up.is_none_or(|at| at < asked) {
            replay.catch_up(store).await?;
        }
        Ok(replay)
    }
}

/// What the log holds for the access file `name` (a digest, or [`ABSENT`]) as of now,
/// if it ever logged one.
pub async fn file_state<A: AuditStore + 'static>(
    auditor: &Auditor<A>,
    name: &str,
) -> Result<Option<String>, CoreError> {
    let replay = auditor
        .registry()
        .caught_up(auditor.store(), Instant::now())
        .await?;
    Ok(replay.files.get(name).cloned())
}

/// The state an access file is logged with when it does not exist.
pub const ABSENT: &str = "absent";

/// The entry recording that access file `name` now holds `state` (its SHA-256, hex, or
/// [`ABSENT`]).
pub fn file_changed(name: &str, state: &str) -> Event {
    Event::Config {
        change: FILE_CHANGED.into(),
        subject: name.into(),
        detail: state.into(),
    }
}

/// Logs an integrity finding, unless the same finding was logged since its subject last
/// changed through tdip (by this process or another). Returns whether it logged it.
pub async fn report<A: AuditStore + 'static>(
    auditor: &Auditor<A>,
    now: i64,
    what: &str,
    subject: &str,
    detail: &str,
) -> Result<bool, CoreError> {
    let mut replay = auditor
        .registry()
        .caught_up(auditor.store(), Instant::now())
        .await?;
    let finding = (what.to_owned(), subject.to_owned(), detail.to_owned());
    if replay.reported.contains(&finding) {
        return Ok(false);
    }
    let event = Event::Integrity {
        what: finding.0.clone(),
        subject: finding.1.clone(),
        detail: finding.2.clone(),
    };
    auditor.record(now, vec![event]).await?;
    replay.reported.insert(finding);
    Ok(true)
}

/// Records the store's registry, as it is now, as the registry the log vouches for: one
/// `registry-adopted` entry, then one entry per officer and per suspended agency. Done
/// by `tdip officers adopt` after a review, and by the first consultation of a point
/// whose log has never adopted a registry (a point set up before the registry was
/// checked). Returns the number of officers and of suspended agencies adopted.
pub async fn adopt<S: AccessStore, A: AuditStore + 'static>(
    auditor: &Auditor<A>,
    store: &S,
    now: i64,
    why: &str,
) -> Result<(usize, usize), CoreError> {
    let officers = store.officers(None).await?;
    let agencies = store.agency_suspensions().await?;
    let mut events = vec![adopted_marker(officers.len(), agencies.len(), why)];
    events.extend(officers.iter().map(replay::officer_adopted));
    events.extend(agencies.iter().map(replay::agency_adopted));
    auditor.record(now, events).await?;
    Ok((officers.len(), agencies.len()))
}

/// The entry that starts an adopted registry (`officers` officers, `agencies` suspended
/// agencies follow it); a new point logs it with none.
pub fn adopted_marker(officers: usize, agencies: usize, why: &str) -> Event {
    Event::Config {
        change: ADOPTED.into(),
        subject: String::new(),
        detail: format!("{officers} officers, {agencies} suspended agencies: {why}"),
    }
}

/// The registry's standing of officer `officer` of `agency`, read from the store and
/// checked against the log: the standing, or the refusal (code and reason) when they
/// differ, which is then logged as an integrity finding.
pub async fn standing<S: AccessStore, A: AuditStore + 'static>(
    auditor: &Auditor<A>,
    store: &S,
    agency: &str,
    officer: &str,
    now: i64,
) -> Result<Result<Standing, (RefusalCode, String)>, CoreError> {
    let mut difference = None;
    for attempt in 0..2 {
        if attempt > 0 {
            tokio::time::sleep(SETTLE).await;
        }
        let asked = Instant::now();
        let standing = store.standing(agency, officer).await?;
        let mut replay = auditor.registry().caught_up(auditor.store(), asked).await?;
        if !replay.adopted {
            drop(replay);
            adopt(
                auditor,
                store,
                now,
                "the first consultation since the registry is checked",
            )
            .await?;
            replay = auditor
                .registry()
                .caught_up(auditor.store(), Instant::now())
                .await?;
        }
        match differs(&replay, agency, officer, &standing) {
            None => return Ok(Ok(standing)),
            Some(d) => difference = Some(d),
        }
    }
    let (subject, detail) = difference.unwrap_or_default();
    report(auditor, now, "officer-registry", &subject, &detail).await?;
    Ok(Err((
        RefusalCode::RegistryTampered,
        format!(
            "the officer registry entry for officer {officer} of {agency} was changed outside \
             tdip, so this point does not judge demands by it; the point's administrator must \
             review it (`tdip audit log`, kind integrity) and make the change again with \
             `tdip officers` or `tdip agencies`, or accept the registry as it is with `tdip \
             officers adopt`"
        ),
    )))
}

/// What differs between the store's standing and the replay, as (subject, detail), or
/// nothing. The detail names fields, never a value, a name or a reason.
fn differs(
    replay: &Replay,
    agency: &str,
    officer: &str,
    standing: &Standing,
) -> Option<(String, String)> {
    let logged = replay.agencies.get(agency);
    if logged != standing.agency_suspension.as_ref() {
        let detail = match (logged, &standing.agency_suspension) {
            (Some(_), None) => "the log has the agency suspended, the store does not",
            (None, Some(_)) => "the store has the agency suspended, the log does not",
            _ => "the agency's suspension differs from the one logged",
        };
        return Some((agency.to_owned(), detail.to_owned()));
    }
    let subject = format!("{agency} {officer}");
    let expected = replay
        .officers
        .get(&(agency.to_owned(), officer.to_owned()));
    let stored = standing.officer.as_ref().map(Expected::of);
    let detail = match (expected, stored) {
        (None, None) => return None,
        (Some(e), Some(s)) if *e == s => return None,
        (None, Some(_)) => {
            "the officer is in the store but was never registered through tdip".into()
        }
        (Some(_), None) => {
            "the officer was registered through tdip but is missing from the store".into()
        }
        (Some(e), Some(s)) => {
            let mut fields = Vec::new();
            if e.registered_at != s.registered_at {
                fields.push("registered_at");
            }
            if e.valid_until != s.valid_until {
                fields.push("valid_until");
            }
            if e.suspended != s.suspended {
                fields.push(match (&e.suspended, &s.suspended) {
                    (Some(_), None) => "suspension (logged, cleared in the store)",
                    (None, Some(_)) => "suspension (in the store, never logged)",
                    _ => "suspension",
                });
            }
            format!(
                "the store's row differs from the log in: {}",
                fields.join(", ")
            )
        }
    };
    Some((subject, detail))
}

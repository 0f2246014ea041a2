//! What verification holds a missing body to: a recorded purge (`Event::Purge`, or the
//! `Destruction` of audit bodies that purges wrote before) of its kind that covers its
//! number, destroyed as many bodies as it says, and ran after its class's term had passed.

use jiff::Timestamp;
use tdip_audit::{Bodiless, PurgeRange};
use tdip_store::AuditEntry;

use super::event::{EntryBody, Event};
use super::retention::Retention;
use crate::CoreError;

/// How far in the future a purge's time may lie (clocks of two hosts differ a little).
const SKEW: i64 = 300;

/// The bodiless entries and the purges read from a log.
#[derive(Debug, Default)]
pub(super) struct Purges {
    bodiless: Bodiless,
    /// Each purge's class as recorded (none for the older destruction entries), and when it ran.
    ran: Vec<(Option<String>, i64)>,
}

impl Purges {
    /// Notes an entry as read: without a body, or a purge.
    pub(super) fn note(&mut self, e: &AuditEntry, body: Option<&EntryBody>) {
        let Some(body) = body else {
            self.bodiless.missing(e.seq, &e.kind, e.at);
            return;
        };
        let (class, range) = match &body.event {
            Event::Purge {
                class,
                kind,
                before,
                first,
                last,
                count,
            } => (
                Some(class.clone()),
                PurgeRange {
                    seq: e.seq,
                    kind: kind.clone(),
                    before: *before,
                    first: *first,
                    last: *last,
                    count: *count,
                },
            ),
            Event::Destruction { what, scope, count } if what == "audit-bodies" => {
                let Some((kind, before)) = legacy_scope(scope) else {
                    return;
                };
                // Written before purges named their range: it covered every earlier entry.
                let range = PurgeRange {
                    seq: e.seq,
                    kind,
                    before,
                    first: 0,
                    last: e.seq.saturating_sub(1),
                    count: *count,
                };
                (None, range)
            }
            _ => return,
        };
        self.ran.push((class, body.at));
        self.bodiless.purge(range);
    }

    /// Entries read without a body.
    pub(super) fn bodiless(&self) -> u64 {
        self.bodiless.count()
    }

    /// Every missing body accounted for by a purge, and every purge within its class's
    /// term as the `retention` classes in force say, and not dated after `now`.
    pub(super) fn check(&self, retention: &Retention, now: i64) -> Result<(), CoreError> {
        self.bodiless
            .check()
            .map_err(|e| CoreError::AuditBroken(e.to_string()))?;
        for (p, (recorded, at)) in self.bodiless.purges().iter().zip(&self.ran) {
            let seq = p.seq;
            let broken = |why: String| CoreError::AuditBroken(format!("purge entry {seq} {why}"));
            if *at > now + SKEW {
                return Err(broken(format!(
                    "is dated {}, after now: it was not written by a purge",
                    time(*at)
                )));
            }
            let due = retention
                .due(*at)?
                .into_iter()
                .find(|(_, kind, _)| *kind == p.kind);
            let Some((class, _, due)) = due else {
                return Err(broken(format!(
                    "destroyed bodies of kind {}, which no retention class in force lets go \
                     (if audit-retention.toml changed since, restore the terms in force then)",
                    p.kind
                )));
            };
            if recorded.as_ref().is_some_and(|c| *c != class.id) {
                return Err(broken(format!(
                    "names class {}, but kind {} is in class {} (if audit-retention.toml \
                     changed since, restore the classes in force then)",
                    recorded.as_deref().unwrap_or_default(),
                    p.kind,
                    class.id
                )));
            }
            if p.before > due {
                return Err(broken(format!(
                    "destroyed bodies of kind {} from before {}, but on {} class {}'s term let \
                     only bodies from before {} go (if audit-retention.toml changed since, \
                     restore the terms in force then)",
                    p.kind,
                    time(p.before),
                    time(*at),
                    class.id,
                    time(due)
                )));
            }
        }
        Ok(())
    }
}

/// The kind and moment of an older destruction entry's scope, `class C kind K before B`.
fn legacy_scope(scope: &str) -> Option<(String, i64)> {
    let mut words = scope.split(' ');
    match (
        words.next(),
        words.next(),
        words.next(),
        words.next(),
        words.next(),
        words.next(),
    ) {
        (Some("class"), Some(_), Some("kind"), Some(kind), Some("before"), Some(before)) => {
            Some((kind.to_owned(), before.parse().ok()?))
        }
        _ => None,
    }
}

fn time(at: i64) -> String {
    Timestamp::from_second(at).map_or_else(|_| at.to_string(), |t| t.to_string())
}

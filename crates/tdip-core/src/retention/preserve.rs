//! Preservation orders: a case may need data kept past its term. An order names a
//! provider, a period and the date it holds until, with its case reference and legal
//! basis; it is placed, extended and lifted by audit entries (`config` kind,
//! [`Event::Preservation`]), and the log is its only record, so nobody can hold data back
//! (or let it go) without a trace. A retention step whose period meets an order in force
//! is held, and said to be; an order never holds past its own end.
//!
//! An order holds whole periods of the provider (UTC days of traffic, months of closed
//! subscription versions): records are sealed and indexed per period, so keeping one
//! identifier's records alone would mean copying them out, which tdip does not do. A day
//! partition holds every provider's records: an order on one provider's traffic holds the
//! day for all of them, until it ends.

use std::collections::BTreeMap;

use tdip_store::AuditStore;

use super::plan::{Class, Period, Step};
use crate::CoreError;
use crate::audit::Event;
use crate::integrity::bodies_of_kind;

/// A preservation order as the log has it now.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Preservation {
    /// Its id (`P-…`), given when placed.
    pub id: String,
    /// The case reference.
    pub case: String,
    /// The legal basis it was ordered under.
    pub basis: String,
    /// The provider whose data it holds.
    pub provider: String,
    /// `traffic`, `subscriber` or `all`.
    pub class: String,
    /// Start of the period held (UTC seconds).
    pub from: i64,
    /// End of the period held (UTC seconds, inclusive).
    pub to: i64,
    /// It holds until this moment (UTC seconds), at the latest.
    pub until: i64,
    /// When it was placed.
    pub placed_at: i64,
    /// When it was lifted, if it was.
    pub lifted_at: Option<i64>,
}

impl Preservation {
    /// Whether it holds data back at `now`.
    pub fn in_force(&self, now: i64) -> bool {
        self.lifted_at.is_none() && now < self.until
    }

    /// Whether it covers `step` (at any time): same provider (a day partition: any
    /// provider), a class it names, a period that meets its own.
    pub fn covers(&self, step: &Step) -> bool {
        let class_ok = match step.class {
            Class::TrafficDay | Class::TrafficKeys => self.class != "subscriber",
            Class::Subscriber | Class::Payment => self.class != "traffic",
        };
        let provider_ok = step.provider.is_empty() || step.provider == self.provider;
        let (start, end) = span(step.period);
        class_ok && provider_ok && self.from < end && start <= self.to
    }
}

/// The UTC seconds `[start, end)` a period covers.
fn span(period: Period) -> (i64, i64) {
    match period {
        Period::Day(d) => (i64::from(d) * 86_400, (i64::from(d) + 1) * 86_400),
        Period::Month(m) => (
            m.first_second().unwrap_or(i64::MIN),
            m.next().first_second().unwrap_or(i64::MAX),
        ),
    }
}

/// Every order the log records, by id, as placed, extended and lifted.
pub async fn orders<A: AuditStore>(audit: &A) -> Result<Vec<Preservation>, CoreError> {
    let mut by_id: BTreeMap<String, Preservation> = BTreeMap::new();
    for (seq, body) in bodies_of_kind(audit, "config").await? {
        let Event::Preservation {
            action,
            id,
            case,
            basis,
            provider,
            class,
            from,
            to,
            until,
            ..
        } = body.event
        else {
            continue;
        };
        match action.as_str() {
            "placed" => {
                by_id.insert(
                    id.clone(),
                    Preservation {
                        id,
                        case,
                        basis,
                        provider,
                        class,
                        from,
                        to,
                        until,
                        placed_at: body.at,
                        lifted_at: None,
                    },
                );
            }
            "extended" => {
                if let Some(p) = by_id.get_mut(&id) {
                    p.until = p.until.max(until);
                }
            }
            "lifted" => {
                if let Some(p) = by_id.get_mut(&id) {
                    p.lifted_at.get_or_insert(body.at);
                }
            }
            _ => {
                return Err(CoreError::AuditBroken(format!(
                    "config entry {seq} records a preservation action tdip does not know"
                )));
            }
        }
    }
    Ok(by_id.into_values().collect())
}

/// What a new order must be: a provider, a case, a basis, a class tdip knows, a period
/// that does not end before it starts, an end after `now`.
pub fn check_new(p: &Preservation, now: i64) -> Result<(), CoreError> {
    let mut problems = Vec::new();
    if p.provider.trim().is_empty() {
        problems.push("name the provider whose data it holds (--provider)");
    }
    if p.case.trim().is_empty() {
        problems.push("give the case reference (--case)");
    }
    if p.basis.trim().is_empty() {
        problems.push("give the legal basis it is ordered under (--basis)");
    }
    if !["traffic", "subscriber", "all"].contains(&p.class.as_str()) {
        problems.push("--class is traffic, subscriber or all");
    }
    if p.to < p.from {
        problems.push("the period ends before it starts; swap --from and --to");
    }
    if p.until <= now {
        problems.push("--until has passed: an order must hold until a later moment");
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(CoreError::Config(problems.join("; ")))
    }
}

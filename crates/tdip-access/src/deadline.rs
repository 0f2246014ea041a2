//! When a demand must be answered (SPEC §5; Belgian Royal Decree of 12 Oct 2010, art. 3–4):
//! identification data, and traffic or location data younger than thirty days, in real
//! time; older traffic or location data as soon as available and within 24 hours; unless
//! the demand itself sets another term.
//!
//! "Real time" is the least time the work takes done properly and without interruption
//! (art. 1, 5°), so it is a configurable target rather than a legal constant. The policy is
//! configuration (`deadlines.toml`), validated whole before use.

use jiff::Timestamp;
use serde::Deserialize;
use tdip_model::{LegalZone, format_time};

use crate::catalogue::Category;

/// The policy's defaults, as shipped: real time is one minute.
pub const DEFAULT_POLICY: &str = include_str!("deadlines.toml");

const DAY: i64 = 86_400;

/// The deadline rules in force.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeadlinePolicy {
    /// The target for an answer "in real time", in seconds.
    pub real_time_seconds: i64,
    /// Traffic and location data younger than this many days are answered in real time.
    pub recent_days: i64,
    /// Older traffic and location data are answered within this many hours.
    pub retrospective_hours: i64,
}

impl Default for DeadlinePolicy {
    fn default() -> Self {
        DeadlinePolicy::parse(DEFAULT_POLICY).expect("the shipped deadline policy is valid")
    }
}

/// Which rule set a demand's due time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rule {
    /// Identification data, or recent traffic or location data: real time.
    RealTime,
    /// Traffic or location data older than the recent days: within the retrospective hours.
    Retrospective,
    /// The demand set its own term.
    SetByDemand,
}

impl Rule {
    /// Stable kebab-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Rule::RealTime => "real-time",
            Rule::Retrospective => "retrospective",
            Rule::SetByDemand => "set-by-demand",
        }
    }
}

/// A demand's due time and the rule that set it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Due {
    /// Answer at the latest at this moment (UTC seconds).
    pub at: i64,
    /// Why then.
    pub rule: Rule,
}

impl Due {
    /// Whether the demand is overdue at `now` if it is still unanswered.
    pub fn overdue(&self, now: i64) -> bool {
        now > self.at
    }

    /// By how many seconds an answer given at `answered` was late, if it was.
    pub fn late_by(&self, answered: i64) -> Option<i64> {
        (answered > self.at).then(|| answered - self.at)
    }
}

/// What a due time is computed from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Timing {
    /// The data category asked for.
    pub category: Category,
    /// When the point received the demand (UTC seconds).
    pub received: i64,
    /// The earliest moment the demand asks about (UTC seconds): the data's age is counted
    /// from it.
    pub earliest: i64,
    /// The term the demand sets, if any (UTC seconds).
    pub term: Option<i64>,
}

/// Why no due time can be given, or why a policy is not valid.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DeadlineError {
    /// The demand's own term has passed before it was received.
    #[error(
        "the term the demand sets, {term}, is not after the moment the point received it, \
         {received}; set a later term or leave it out"
    )]
    TermPassed {
        /// The term, in legal local time.
        term: String,
        /// When the demand was received, in legal local time.
        received: String,
    },
    /// The policy file is not valid; every problem is listed.
    #[error("the deadline policy is not valid: {}", .0.join("; "))]
    Policy(Vec<String>),
}

impl DeadlinePolicy {
    /// Reads and validates a policy (`deadlines.toml`).
    pub fn parse(text: &str) -> Result<Self, DeadlineError> {
        let p: DeadlinePolicy = toml::from_str(text)
            .map_err(|e| DeadlineError::Policy(vec![e.message().to_owned()]))?;
        let mut problems = Vec::new();
        if p.real_time_seconds < 1 {
            problems.push("real_time_seconds must be at least 1".to_owned());
        }
        if p.recent_days < 1 {
            problems.push("recent_days must be at least 1".to_owned());
        }
        if p.retrospective_hours < 1 {
            problems.push("retrospective_hours must be at least 1".to_owned());
        } else if p.real_time_seconds > p.retrospective_hours * 3_600 {
            problems.push(format!(
                "real_time_seconds ({}) must not exceed retrospective_hours ({} h): real time \
                 is the shorter deadline",
                p.real_time_seconds, p.retrospective_hours
            ));
        }
        if problems.is_empty() {
            Ok(p)
        } else {
            Err(DeadlineError::Policy(problems))
        }
    }

    /// The due time of a demand; `zone` is the legal time zone its error is told in.
    pub fn due(&self, t: &Timing, zone: LegalZone) -> Result<Due, DeadlineError> {
        if let Some(term) = t.term {
            if term <= t.received {
                let show = |s: i64| {
                    format_time(
                        Timestamp::from_second(s).unwrap_or(Timestamp::UNIX_EPOCH),
                        zone,
                    )
                };
                return Err(DeadlineError::TermPassed {
                    term: show(term),
                    received: show(t.received),
                });
            }
            return Ok(Due {
                at: term,
                rule: Rule::SetByDemand,
            });
        }
        let traffic = matches!(
            t.category,
            Category::Traffic
                | Category::Location
                | Category::TrafficIdentification
                | Category::CellDump
        );
        let age = t.received - t.earliest;
        if traffic && age >= self.recent_days * DAY {
            Ok(Due {
                at: t.received + self.retrospective_hours * 3_600,
                rule: Rule::Retrospective,
            })
        } else {
            Ok(Due {
                at: t.received + self.real_time_seconds,
                rule: Rule::RealTime,
            })
        }
    }
}

//! Deadlines as the audit log shows them: per rule, how many demands were answered and
//! how long they took, every answer given after its due time, and every demand the point
//! failed to answer. The statistics read the log, so they cover every channel.

use std::collections::BTreeMap;

use serde::Serialize;
use tdip_access::RefusalCode;
use tdip_store::AuditStore;

use super::{Event, entries};
use crate::CoreError;

/// Per deadline rule: answers and how long they took.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct RuleFigures {
    /// The rule (`real-time`, `retrospective`, `set-by-demand`).
    pub rule: String,
    /// Answers given under it.
    pub answered: u64,
    /// Of which after their due time.
    pub late: u64,
    /// Time to answer, milliseconds: median, 99th percentile, most.
    pub p50_ms: u64,
    /// 99th percentile.
    pub p99_ms: u64,
    /// Most.
    pub max_ms: u64,
}

/// A demand answered after its due time.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Late {
    /// The consultation.
    pub consultation: String,
    /// When it was received (UTC seconds).
    pub received: i64,
    /// When it was due.
    pub due: i64,
    /// The rule that set the due time.
    pub rule: String,
    /// How long the answer took, milliseconds.
    pub took_ms: u64,
}

/// A demand the point failed to answer (logged as refused with code `failed`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Unanswered {
    /// The consultation.
    pub consultation: String,
    /// When it was received.
    pub received: i64,
}

/// The deadline report over a period.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct DeadlineReport {
    /// Per rule.
    pub rules: Vec<RuleFigures>,
    /// Answers given after their due time, oldest first.
    pub late: Vec<Late>,
    /// Demands the point failed to answer, oldest first.
    pub unanswered: Vec<Unanswered>,
    /// Answers logged before due times were recorded (no figures).
    pub untimed: u64,
}

/// The report over the entries logged from `from` to `to` (UTC seconds, inclusive).
pub async fn deadline_report<A: AuditStore>(
    store: &A,
    from: i64,
    to: i64,
) -> Result<DeadlineReport, CoreError> {
    let mut report = DeadlineReport::default();
    let mut took: BTreeMap<String, Vec<u64>> = BTreeMap::new();
    let mut late: BTreeMap<String, u64> = BTreeMap::new();
    let mut next = 0;
    loop {
        let page = entries(store, next, 10_000).await?;
        let Some(last) = page.last() else { break };
        next = last.0.seq + 1;
        for (entry, body) in page {
            if entry.at < from || entry.at > to {
                continue;
            }
            match body.map(|b| b.event) {
                Some(Event::Answered {
                    consultation,
                    due,
                    due_rule,
                    took_ms,
                    ..
                }) => {
                    // Answered once composed: received plus the time it took.
                    if entry.at * 1000 + i64::try_from(took_ms).unwrap_or(i64::MAX) > due * 1000 {
                        *late.entry(due_rule.clone()).or_default() += 1;
                        report.late.push(Late {
                            consultation,
                            received: entry.at,
                            due,
                            rule: due_rule.clone(),
                            took_ms,
                        });
                    }
                    took.entry(due_rule).or_default().push(took_ms);
                }
                Some(Event::Answer { .. }) => report.untimed += 1,
                Some(Event::Refusal {
                    consultation, code, ..
                }) if RefusalCode::Failed == code.as_str() => report.unanswered.push(Unanswered {
                    consultation,
                    received: entry.at,
                }),
                _ => {}
            }
        }
    }
    for (rule, mut ms) in took {
        ms.sort_unstable();
        let at = |p: f64| ms[((ms.len() as f64 * p) as usize).min(ms.len() - 1)];
        report.rules.push(RuleFigures {
            late: late.get(&rule).copied().unwrap_or(0),
            rule,
            answered: ms.len() as u64,
            p50_ms: at(0.50),
            p99_ms: at(0.99),
            max_ms: ms[ms.len() - 1],
        });
    }
    Ok(report)
}

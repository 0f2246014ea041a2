//! The figures of the yearly report to the minister (source text 000) and of a
//! supervisor's view of any period, counted from the audit log alone — never from
//! subscriber data, and holding none — over exactly the entries a signed tree head
//! covers, so that whoever holds that head and the log counts them again ([`count`]) and
//! gets the same figures, or learns that the log is not the one the head signed.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde::{Deserialize, Serialize};
use tdip_audit::{RootBuilder, TreeHead};
use tdip_model::LegalZone;
use tdip_store::AuditStore;

use super::{EntryBody, Event, Outcome};
use crate::CoreError;

const PAGE: u32 = 10_000;

/// A gap between two accepted deliveries of a provider longer than this is a late
/// delivery: 24 hours and the default grace of two (docs/delivery-format.md, "Lateness").
pub const LATE_AFTER_SECONDS: i64 = 26 * 3_600;

/// What to count: consultations asked from `from` to `to` (UTC seconds, inclusive), months
/// and days in `zone`, without the agencies in `withheld` (the published variant keeps the
/// intelligence services' figures out) and, with a `jurisdiction`, only its agencies (an
/// oversight body's view).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Scope {
    /// First second counted.
    pub from: i64,
    /// Last second counted.
    pub to: i64,
    /// The legal zone of months and days.
    pub zone: LegalZone,
    /// Qualified agency ids whose consultations are left out.
    pub withheld: Vec<String>,
    /// Only the consultations of this jurisdiction's agencies (`nl`), if set.
    pub jurisdiction: Option<String>,
}

impl Scope {
    /// Whether `agency`'s consultations are counted.
    pub fn counts(&self, agency: &str) -> bool {
        !self.withheld.iter().any(|w| w == agency)
            && self.jurisdiction.as_ref().is_none_or(|j| {
                agency
                    .strip_prefix(j.as_str())
                    .is_some_and(|rest| rest.starts_with('/'))
            })
    }
}

/// Consultations of one agency under one basis in one month.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MonthRow {
    /// Qualified agency id.
    pub agency: String,
    /// Qualified legal basis id.
    pub basis: String,
    /// `YYYY-MM`, legal local time.
    pub month: String,
    /// Consultations asked.
    pub consultations: u64,
    /// Answered with at least one record.
    pub hits: u64,
    /// Answered with none (an answer too).
    pub no_hits: u64,
    /// Refused.
    pub refused: u64,
}

/// Consultations one officer asked in the period.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OfficerRow {
    /// Qualified agency id.
    pub agency: String,
    /// The officer's id within the agency, or after [`Figures::number_officers`] a number
    /// (`officer 3`) that says nothing of who it is.
    pub officer: String,
    /// Consultations asked.
    pub consultations: u64,
    /// Answered with at least one record.
    pub hits: u64,
    /// Answered with none.
    pub no_hits: u64,
    /// Refused.
    pub refused: u64,
}

/// A count under a name (a refusal code, a channel).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Count {
    /// The name.
    pub name: String,
    /// How many.
    pub count: u64,
}

/// The time-to-answer buckets of [`DeadlineRow::took`]: (label, upper bound in
/// milliseconds, exclusive); the last bucket holds the rest.
pub const TOOK_BUCKETS: [(&str, u64); 4] = [
    ("< 1 s", 1_000),
    ("< 10 s", 10_000),
    ("< 1 min", 60_000),
    ("< 1 h", 3_600_000),
];

/// Answers under one deadline rule.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeadlineRow {
    /// The rule (`real-time`, `retrospective`, `set-by-demand`).
    pub rule: String,
    /// Answers given under it.
    pub answered: u64,
    /// Of which after their due time.
    pub late: u64,
    /// Answers per time to answer, in [`TOOK_BUCKETS`] order, then `1 h or more`.
    pub took: Vec<u64>,
}

/// One provider's delivery record.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProviderRow {
    /// Provider id.
    pub provider: String,
    /// Subscriber deliveries accepted.
    pub accepted: u64,
    /// Subscriber deliveries rejected.
    pub rejected: u64,
    /// Distinct days (legal local time) a snapshot was delivered for.
    pub days_delivered: u64,
    /// Gaps between two accepted snapshots longer than [`LATE_AFTER_SECONDS`].
    pub late: u64,
}

/// The figures.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Figures {
    /// Consultations asked in the period.
    pub consultations: u64,
    /// Answered with at least one record.
    pub hits: u64,
    /// Answered with none.
    pub no_hits: u64,
    /// Refused (the point's own failures included, code `failed`).
    pub refused: u64,
    /// Asked, and neither answered nor refused within the entries counted.
    pub open: u64,
    /// Per agency, basis and month, in that order.
    pub by_month: Vec<MonthRow>,
    /// Refusals per code.
    pub refusals: Vec<Count>,
    /// Consultations per channel (`cli`, `api`, `hi1`).
    pub channels: Vec<Count>,
    /// Consultations per data category asked for (`current_identification`, `traffic`, …).
    #[serde(default)]
    pub categories: Vec<Count>,
    /// Deadline compliance per rule.
    pub deadlines: Vec<DeadlineRow>,
    /// Providers that delivered in the period, and their record.
    pub providers: Vec<ProviderRow>,
    /// Per agency and officer, by agency and officer id (see [`Figures::number_officers`]).
    #[serde(default)]
    pub officers: Vec<OfficerRow>,
}

impl Figures {
    /// Replaces every officer's id with a number within its agency (`officer 1` asked the
    /// most), for a reader who may see how consultations spread over officers but not who
    /// they are. The numbering depends only on the counts, never on the ids, so a recount
    /// numbers the same way: rows with equal counts are interchangeable.
    pub fn number_officers(&mut self) {
        let counts = |r: &OfficerRow| (r.consultations, r.hits, r.no_hits, r.refused);
        self.officers.sort_by(|a, b| {
            a.agency
                .cmp(&b.agency)
                .then_with(|| counts(b).cmp(&counts(a)))
        });
        let mut n = 0;
        let mut agency = String::new();
        for row in &mut self.officers {
            if row.agency != agency {
                agency.clone_from(&row.agency);
                n = 0;
            }
            n += 1;
            row.officer = format!("officer {n}");
        }
    }

    /// Leaves the officers out altogether (the published variant).
    pub fn without_officers(mut self) -> Figures {
        self.officers.clear();
        self
    }
}

/// The figures of `scope` over the first `size` entries of the log, and the head of those
/// entries (its `at` is 0: compare size and root with a signed head); see [`each_entry`].
pub async fn count<A: AuditStore>(
    store: &A,
    size: u64,
    scope: &Scope,
) -> Result<(Figures, TreeHead), CoreError> {
    let mut tally = Tally::default();
    let head = each_entry(store, size, (scope.from, scope.to), |at, event| {
        tally.take(scope, at, event)
    })
    .await?;
    Ok((tally.finish(), head))
}

/// Reads the first `size` entries of the log in order, each body checked against its
/// entry's digest, and hands every event to `each` with its moment; returns the head of
/// those entries (`at` 0). A body purged from an entry inside `period` fails the count
/// (the figures would change); outside it, the entry only counts for the head.
pub async fn each_entry<A: AuditStore>(
    store: &A,
    size: u64,
    period: (i64, i64),
    mut each: impl FnMut(i64, Event),
) -> Result<TreeHead, CoreError> {
    // The root is rebuilt in one pass, one hash per tree level: memory does not grow with
    // the log.
    let mut log = RootBuilder::default();
    while log.len() < size {
        let page = store.audit_entries(log.len(), PAGE).await?;
        if page.is_empty() {
            return Err(CoreError::AuditBroken(format!(
                "the log holds {} entries, fewer than the {size} the head covers",
                log.len()
            )));
        }
        for e in page.into_iter().take((size - log.len()) as usize) {
            if e.seq != log.len() {
                return Err(CoreError::AuditBroken(format!(
                    "entry {} is missing from the log",
                    log.len()
                )));
            }
            log.push(&e.digest);
            let Some(body) = &e.body else {
                if (period.0..=period.1).contains(&e.at) {
                    return Err(CoreError::AuditBroken(format!(
                        "the body of entry {} (in the period) was purged: the figures can no \
                         longer be counted from the log",
                        e.seq
                    )));
                }
                continue;
            };
            if tdip_audit::digest(body) != e.digest {
                return Err(CoreError::AuditBroken(format!(
                    "the body of entry {} does not match its digest: it was altered",
                    e.seq
                )));
            }
            let parsed = EntryBody::from_bytes(body).map_err(|_| {
                CoreError::AuditBroken(format!("the body of entry {} cannot be read", e.seq))
            })?;
            each(e.at, parsed.event);
        }
    }
    Ok(TreeHead {
        size: log.len(),
        root: log.root(),
        at: 0,
    })
}

#[derive(Default)]
struct Tally {
    /// Consultation → (its month row, its officer row, withheld).
    pending: HashMap<String, (u32, u32, bool)>,
    rows: Vec<MonthRow>,
    officers: Vec<OfficerRow>,
    /// Agency → officer → its row in `officers`.
    officer_of: HashMap<String, HashMap<String, u32>>,
    row_of: HashMap<(String, String, String), u32>,
    f: Figures,
    refusals: BTreeMap<String, u64>,
    channels: BTreeMap<String, u64>,
    categories: BTreeMap<String, u64>,
    deadlines: BTreeMap<String, (u64, u64, [u64; TOOK_BUCKETS.len() + 1])>,
    providers: BTreeMap<String, (ProviderRow, BTreeSet<String>, Option<i64>)>,
}

impl Tally {
    fn take(&mut self, scope: &Scope, at: i64, event: Event) {
        let in_period = (scope.from..=scope.to).contains(&at);
        match event {
            Event::Request {
                consultation,
                agency,
                officer,
                basis,
                channel,
                category,
                ..
            } if in_period => {
                if !scope.counts(&agency) {
                    self.pending.insert(consultation, (0, 0, true));
                    return;
                }
                // Looked up before inserting: a row seen before costs no allocation (a
                // year has millions of requests and a few thousand rows).
                let known = self.officer_of.get(&agency).and_then(|o| o.get(&officer));
                let by = match known {
                    Some(&by) => by,
                    None => {
                        let by = self.officers.len() as u32;
                        self.officers.push(OfficerRow {
                            agency: agency.clone(),
                            officer: officer.clone(),
                            ..OfficerRow::default()
                        });
                        self.officer_of
                            .entry(agency.clone())
                            .or_default()
                            .insert(officer, by);
                        by
                    }
                };
                self.officers[by as usize].consultations += 1;
                let key = (agency, basis, local(at, scope.zone, "%Y-%m"));
                let row = match self.row_of.get(&key) {
                    Some(&row) => row,
                    None => {
                        let row = self.rows.len() as u32;
                        self.rows.push(MonthRow {
                            agency: key.0.clone(),
                            basis: key.1.clone(),
                            month: key.2.clone(),
                            ..MonthRow::default()
                        });
                        self.row_of.insert(key, row);
                        row
                    }
                };
                self.rows[row as usize].consultations += 1;
                self.f.consultations += 1;
                *self.channels.entry(channel).or_default() += 1;
                *self.categories.entry(category).or_default() += 1;
                self.pending.insert(consultation, (row, by, false));
            }
            Event::Answer {
                consultation,
                outcome,
                ..
            } => self.answered(&consultation, outcome, None),
            Event::Answered {
                consultation,
                outcome,
                due,
                due_rule,
                took_ms,
                ..
            } => {
                let late = at * 1000 + i64::try_from(took_ms).unwrap_or(i64::MAX) > due * 1000;
                self.answered(&consultation, outcome, Some((due_rule, late, took_ms)));
            }
            Event::Refusal {
                consultation, code, ..
            } => {
                if let Some((row, by, false)) = self.pending.remove(&consultation) {
                    self.rows[row as usize].refused += 1;
                    self.officers[by as usize].refused += 1;
                    self.f.refused += 1;
                    *self.refusals.entry(code).or_default() += 1;
                }
            }
            Event::DeliveryAccepted {
                provider,
                snapshot_at,
                ..
            } if in_period => {
                let (row, days, last) = self.provider(&provider);
                row.accepted += 1;
                days.insert(local(snapshot_at, scope.zone, "%Y-%m-%d"));
                if last.is_some_and(|l| snapshot_at - l > LATE_AFTER_SECONDS) {
                    row.late += 1;
                }
                *last = Some(snapshot_at);
            }
            Event::Delivery {
                provider, outcome, ..
            } if in_period => {
                let (row, _, _) = self.provider(&provider);
                match outcome.as_str() {
                    "accepted" => row.accepted += 1,
                    "rejected" => row.rejected += 1,
                    _ => {}
                }
            }
            _ => {}
        }
    }

    fn provider(&mut self, id: &str) -> &mut (ProviderRow, BTreeSet<String>, Option<i64>) {
        self.providers.entry(id.to_owned()).or_insert_with(|| {
            (
                ProviderRow {
                    provider: id.to_owned(),
                    ..ProviderRow::default()
                },
                BTreeSet::new(),
                None,
            )
        })
    }

    fn answered(
        &mut self,
        consultation: &str,
        outcome: Outcome,
        deadline: Option<(String, bool, u64)>,
    ) {
        let Some((row, by, false)) = self.pending.remove(consultation) else {
            return;
        };
        let row = &mut self.rows[row as usize];
        let by = &mut self.officers[by as usize];
        match outcome {
            Outcome::Hit => {
                row.hits += 1;
                by.hits += 1;
                self.f.hits += 1;
            }
            Outcome::NoHit => {
                row.no_hits += 1;
                by.no_hits += 1;
                self.f.no_hits += 1;
            }
        }
        if let Some((rule, late, took_ms)) = deadline {
            let d = self.deadlines.entry(rule).or_default();
            d.0 += 1;
            d.1 += u64::from(late);
            let bucket = TOOK_BUCKETS
                .iter()
                .position(|(_, upper)| took_ms < *upper)
                .unwrap_or(TOOK_BUCKETS.len());
            d.2[bucket] += 1;
        }
    }

    fn finish(mut self) -> Figures {
        self.f.open = self
            .pending
            .values()
            .filter(|(_, _, withheld)| !withheld)
            .count() as u64;
        self.rows
            .sort_by(|a, b| (&a.agency, &a.basis, &a.month).cmp(&(&b.agency, &b.basis, &b.month)));
        self.f.by_month = self.rows;
        self.officers
            .sort_by(|a, b| (&a.agency, &a.officer).cmp(&(&b.agency, &b.officer)));
        self.f.officers = self.officers;
        let counts = |m: BTreeMap<String, u64>| {
            m.into_iter()
                .map(|(name, count)| Count { name, count })
                .collect()
        };
        self.f.refusals = counts(self.refusals);
        self.f.channels = counts(self.channels);
        self.f.categories = counts(self.categories);
        self.f.deadlines = self
            .deadlines
            .into_iter()
            .map(|(rule, (answered, late, took))| DeadlineRow {
                rule,
                answered,
                late,
                took: took.to_vec(),
            })
            .collect();
        self.f.providers = self
            .providers
            .into_values()
            .map(|(mut row, days, _)| {
                row.days_delivered = days.len() as u64;
                row
            })
            .collect();
        self.f
    }
}

/// A moment in `zone`, formatted with `format` (strftime).
fn local(at: i64, zone: LegalZone, format: &str) -> String {
    jiff::Timestamp::from_second(at)
        .map(|t| t.to_zoned(zone.tz()).strftime(format).to_string())
        .unwrap_or_default()
}

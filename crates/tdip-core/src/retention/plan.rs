//! What retention would destroy now, and what falls due next: read from the store and
//! the key directory (counts, periods and key ids, never any data), so `tdip retention
//! plan` shows it, `run` carries it out and `report` lists what comes next.

use tdip_store::{ClosedCounts, ClosedMonth, PaymentStore, RetentionStore, Store, TrafficStore};

use super::due::{date_of, day_due, month_due, traffic_month_due};
use super::policy::Policy;
use super::preserve::Preservation;
use crate::CoreError;
use crate::datakeys::{DataClass, KeyInfo, Month, Scope};

/// A class of data as retention destroys it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Class {
    /// A UTC day partition of traffic records and communications (every provider's).
    TrafficDay,
    /// A provider's traffic keys of a month whose every day is due.
    TrafficKeys,
    /// A provider's closed subscription versions of a month, and its month keys.
    Subscriber,
    /// A provider's payments of a month (the payment history), and its payment keys.
    Payment,
}

impl Class {
    /// Stable name, as destruction records carry it.
    pub fn as_str(self) -> &'static str {
        match self {
            Class::TrafficDay => "traffic-day",
            Class::TrafficKeys => "traffic-keys",
            Class::Subscriber => "subscriber",
            Class::Payment => "payment",
        }
    }

    /// Reads [`Class::as_str`].
    pub fn parse(s: &str) -> Option<Class> {
        [
            Class::TrafficDay,
            Class::TrafficKeys,
            Class::Subscriber,
            Class::Payment,
        ]
        .into_iter()
        .find(|c| c.as_str() == s)
    }
}

/// The period a step destroys.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Period {
    /// A UTC day.
    Day(tdip_store::Day),
    /// A UTC calendar month.
    Month(Month),
}

impl Period {
    /// `YYYY-MM-DD` or `YYYY-MM`.
    pub fn label(self) -> String {
        match self {
            Period::Day(d) => date_of(d).map_or_else(|_| format!("day {d}"), |d| d.to_string()),
            Period::Month(m) => m.to_string(),
        }
    }

    /// Reads [`Period::label`].
    pub fn parse(s: &str) -> Option<Period> {
        if let Some(m) = Month::parse(s) {
            return Some(Period::Month(m));
        }
        let d: jiff::civil::Date = s.parse().ok()?;
        let t = d.to_zoned(jiff::tz::TimeZone::UTC).ok()?.timestamp();
        Some(Period::Day(tdip_store::day_of(t.as_second())))
    }

    /// The month of a month period, as the store names it.
    pub fn closed_month(self) -> Result<Option<ClosedMonth>, CoreError> {
        let Period::Month(m) = self else {
            return Ok(None);
        };
        Ok(Some(ClosedMonth {
            month: m.index(),
            from: m.first_second()?,
            to: m.next().first_second()?,
        }))
    }
}

/// One period of one class of data, due or coming due.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Step {
    /// The class.
    pub class: Class,
    /// Provider; empty for a day partition.
    pub provider: String,
    /// The period.
    pub period: Period,
    /// Records it holds: versions, payments, or traffic records and communications.
    pub records: u64,
    /// Blind-index entries of those versions (counted for a step due now; 0 for one that
    /// falls due later).
    pub indexes: u64,
    /// Live data keys of the period.
    pub keys: Vec<u32>,
    /// The rule and term.
    pub rule: String,
    /// When it falls due (UTC seconds).
    pub due: i64,
}

/// What is due at a moment, and what comes due later.
#[derive(Clone, Debug, Default)]
pub struct Plan {
    /// The moment planned for.
    pub now: i64,
    /// Due now, in the order a run destroys them: by due moment, a month's days before
    /// its traffic keys.
    pub due: Vec<Step>,
    /// Held but not due yet, by due moment.
    pub later: Vec<Step>,
    /// Due, but held back by preservation orders in force (their ids).
    pub held: Vec<(Step, Vec<String>)>,
}

/// Plans retention at `now` under `policy`, with the key directory's descriptions
/// `all_keys` (`datakeys::list`: no unsealed point is needed to plan) and the
/// preservation orders the log records.
pub async fn plan<S: Store + TrafficStore + RetentionStore>(
    store: &S,
    all_keys: &[KeyInfo],
    policy: &Policy,
    orders: &[Preservation],
    now: i64,
) -> Result<Plan, CoreError> {
    let live = |provider: &str, class: DataClass, month: Month| -> Vec<u32> {
        live_keys(all_keys, provider, class, month)
    };
    let mut steps = Vec::new();
    let (traffic_months, traffic_rule) = policy.traffic();
    for d in store.traffic_days().await? {
        steps.push(Step {
            class: Class::TrafficDay,
            provider: String::new(),
            period: Period::Day(d.day),
            records: d.rows,
            indexes: 0,
            keys: Vec::new(),
            rule: format!("{traffic_rule} ({traffic_months} months after the day)"),
            due: day_due(d.day, traffic_months)?,
        });
    }
    for p in store.providers().await? {
        let terms = policy.terms(&p.country)?;
        let mut traffic_months_held: Vec<Month> = month_keys(all_keys, &p.id, DataClass::Traffic);
        traffic_months_held.dedup();
        for m in traffic_months_held {
            let ids = live(&p.id, DataClass::Traffic, m);
            steps.push(Step {
                class: Class::TrafficKeys,
                provider: p.id.clone(),
                period: Period::Month(m),
                records: 0,
                indexes: 0,
                keys: ids,
                rule: format!(
                    "{} ({} months after the month's last day)",
                    terms.traffic_rule, terms.traffic_months
                ),
                due: traffic_month_due(m, terms.traffic_months)?,
            });
        }
        let mut months = month_keys(all_keys, &p.id, DataClass::Subscriber);
        if let Some(oldest) = store.oldest_closed_end(&p.id).await? {
            let (mut m, last) = (Month::of(oldest)?, Month::of(now)?);
            while m <= last {
                months.push(m);
                m = m.next();
            }
        }
        months.sort_unstable();
        months.dedup();
        for m in months {
            let ids = live(&p.id, DataClass::Subscriber, m);
            let range = Period::Month(m).closed_month()?.expect("a month");
            let due = month_due(m, terms.subscriber_months)?;
            // Index entries are counted only for a month due now (its destruction record
            // carries them); counting them can scan every index entry of the store.
            let counts = if due <= now {
                store.closed_in(&p.id, range).await?
            } else {
                ClosedCounts {
                    versions: store.closed_versions_in(&p.id, range).await?,
                    indexes: 0,
                }
            };
            if counts.versions == 0 && ids.is_empty() {
                continue;
            }
            steps.push(Step {
                class: Class::Subscriber,
                provider: p.id.clone(),
                period: Period::Month(m),
                records: counts.versions,
                indexes: counts.indexes,
                keys: ids,
                rule: format!(
                    "{} (validity ended in the month: kept {} months after its end; the point \
                     holds no last communication per subscription, so the end of the version is \
                     the measure)",
                    terms.subscriber_rule, terms.subscriber_months
                ),
                due,
            });
        }
        steps.extend(payment_steps(store, all_keys, &p.id, terms, now).await?);
    }
    steps.sort_by(|a, b| {
        (a.due, a.class, &a.provider, a.period).cmp(&(b.due, b.class, &b.provider, b.period))
    });
    let (due, later): (Vec<Step>, Vec<Step>) = steps.into_iter().partition(|s| s.due <= now);
    let (mut go, mut held) = (Vec::new(), Vec::new());
    for step in due {
        let holding: Vec<String> = orders
            .iter()
            .filter(|o| o.in_force(now) && o.covers(&step))
            .map(|o| o.id.clone())
            .collect();
        if holding.is_empty() {
            go.push(step);
        } else {
            held.push((step, holding));
        }
    }
    // A month's traffic keys go only with every day of it: a held day holds them too.
    let held_days: Vec<Step> = held
        .iter()
        .filter(|(s, _)| s.class == Class::TrafficDay)
        .map(|(s, _)| s.clone())
        .collect();
    let mut keep = Vec::new();
    for step in go {
        let month_held = step.class == Class::TrafficKeys
            && held_days.iter().any(|d| match (d.period, step.period) {
                (Period::Day(day), Period::Month(m)) => {
                    Month::of(i64::from(day) * 86_400).is_ok_and(|dm| dm == m)
                }
                _ => false,
            });
        if month_held {
            held.push((step, vec!["(a day of the month is held)".into()]));
        } else {
            keep.push(step);
        }
    }
    Ok(Plan {
        now,
        due: keep,
        later,
        held,
    })
}

/// `provider`'s months of payments, and of payment keys, each with when it falls due.
async fn payment_steps<S: PaymentStore>(
    store: &S,
    all_keys: &[KeyInfo],
    provider: &str,
    terms: &super::policy::Terms,
    now: i64,
) -> Result<Vec<Step>, CoreError> {
    let mut months = month_keys(all_keys, provider, DataClass::Payment);
    if let Some(oldest) = store.oldest_payment_month(provider).await? {
        let (mut m, last) = (Month::from_index(oldest), Month::of(now)?);
        while m <= last {
            months.push(m);
            m = m.next();
        }
    }
    months.sort_unstable();
    months.dedup();
    let mut steps = Vec::new();
    for m in months {
        let ids = live_keys(all_keys, provider, DataClass::Payment, m);
        let records = store.payments_in(provider, m.index()).await?;
        if records == 0 && ids.is_empty() {
            continue;
        }
        steps.push(Step {
            class: Class::Payment,
            provider: provider.to_owned(),
            period: Period::Month(m),
            records,
            indexes: 0,
            keys: ids,
            rule: format!(
                "{} (payments of the month: kept {} months after its end)",
                terms.payment_rule, terms.payment_months
            ),
            due: month_due(m, terms.payment_months)?,
        });
    }
    Ok(steps)
}

/// The months of `provider`'s month keys of `class`, live or not, sorted, with repeats.
fn month_keys(keys: &[KeyInfo], provider: &str, class: DataClass) -> Vec<Month> {
    let mut out: Vec<Month> = keys
        .iter()
        .filter(|k| k.provider == provider && k.class == class && k.destroyed_at.is_none())
        .filter_map(|k| match k.scope {
            Scope::Month(m) => Some(m),
            Scope::Open(_) => None,
        })
        .collect();
    out.sort_unstable();
    out
}

/// The ids of `provider`'s live keys of `class` for `month` (a key whose tombstone is
/// written but whose file is not removed yet, after a stop, counts as live: destroying it
/// again finishes the job).
pub fn live_keys(keys: &[KeyInfo], provider: &str, class: DataClass, month: Month) -> Vec<u32> {
    let mut ids: Vec<u32> = keys
        .iter()
        .filter(|k| k.provider == provider && k.class == class && k.scope == Scope::Month(month))
        .filter(|k| k.destroyed_at.is_none())
        .map(|k| k.id)
        .collect();
    ids.sort_unstable();
    ids.dedup();
    ids
}

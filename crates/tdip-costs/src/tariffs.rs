//! A tariff table, as configuration (`tariffs/nl.toml`): the indicative tariffs of a base
//! date, the indexation series of art. 4 (each 1 June, the contract-wage percentage for
//! the market sector), office hours, the Liberation Day rule, and group agreements that
//! set their own amount for a group of providers (art. 3 §3). The tariff in force on a
//! date is computed from the base through the series, every step kept for the declaration.

use std::collections::BTreeMap;
use std::str::FromStr;

use jiff::civil::{Date, date};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::{Activity, CostError, Liberation, OfficeHours, cents};

/// One indexation: on 1 June of a year the tariff went from `before` to `after`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IndexStep {
    /// The 1 June it applied from.
    pub from: Date,
    /// The percentage (art. 4).
    #[serde(with = "rust_decimal::serde::str")]
    pub percent: Decimal,
    /// The tariff before.
    #[serde(with = "rust_decimal::serde::str")]
    pub before: Decimal,
    /// The tariff after, rounded to the cent.
    #[serde(with = "rust_decimal::serde::str")]
    pub after: Decimal,
}

/// The tariff of an activity on a date, and how it was derived.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TariffInForce {
    /// The amount per unit.
    #[serde(with = "rust_decimal::serde::str")]
    pub amount: Decimal,
    /// The version: `base 2005-04-02`, `indexed 2026-06-01` or `agreement NAME`.
    pub version: String,
    /// The base amount the steps start from (the agreement's amount for an agreement).
    #[serde(with = "rust_decimal::serde::str")]
    pub base: Decimal,
    /// Every indexation from the base to the amount, oldest first.
    pub steps: Vec<IndexStep>,
    /// Whether Annex III B's surcharges apply on top (an agreement may say not).
    pub surcharges: bool,
}

/// A group agreement (art. 3 §3): for these providers, this activity, these dates, this
/// amount instead of the indicative tariff.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Agreement {
    /// Its name, as the declaration shows it.
    pub name: String,
    /// The providers of the group.
    pub providers: Vec<String>,
    /// The activity.
    pub activity: Activity,
    /// The amount per unit.
    pub amount: Decimal,
    /// First day it applies.
    pub from: Date,
    /// Last day it applies.
    pub to: Date,
    /// Whether the surcharges apply on top.
    pub surcharges: bool,
}

/// A validated tariff table.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TariffTable {
    /// Its title.
    pub name: String,
    /// The first day its base tariffs apply.
    pub base_from: Date,
    /// The base tariff per activity.
    pub base: BTreeMap<Activity, Decimal>,
    /// The year of the first indexation (its 1 June).
    pub first_index: i16,
    /// The percentage per year of indexation.
    pub index: BTreeMap<i16, Decimal>,
    /// Office hours.
    pub office: OfficeHours,
    /// Which years Liberation Day is a day off.
    pub liberation: Liberation,
    /// Group agreements.
    pub agreements: Vec<Agreement>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTable {
    name: String,
    base_from: String,
    first_index: i16,
    #[serde(default)]
    liberation_day: Liberation,
    office_hours: RawOffice,
    tariff: Vec<RawTariff>,
    #[serde(default)]
    index: Vec<RawIndex>,
    #[serde(default)]
    agreement: Vec<RawAgreement>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawOffice {
    days: Vec<String>,
    from: String,
    to: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTariff {
    activity: u8,
    amount: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawIndex {
    year: i16,
    percent: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAgreement {
    name: String,
    providers: Vec<String>,
    activity: u8,
    amount: String,
    from: String,
    to: String,
    #[serde(default = "yes")]
    surcharges: bool,
}

fn yes() -> bool {
    true
}

fn bad(what: String) -> CostError {
    CostError::Table(what)
}

/// An amount in euros: a decimal string with at most two decimals, not negative.
fn money(field: &str, s: &str) -> Result<Decimal, CostError> {
    let d = Decimal::from_str(s).map_err(|_| {
        bad(format!(
            "{field}: {s:?} is not an amount; write euros as \"13.13\""
        ))
    })?;
    if d.is_sign_negative() || d.scale() > 2 {
        return Err(bad(format!(
            "{field}: {s:?} must be at least 0 and in whole cents (two decimals at most)"
        )));
    }
    Ok(d)
}

fn day(field: &str, s: &str) -> Result<Date, CostError> {
    s.parse()
        .map_err(|_| bad(format!("{field}: {s:?} is not a date; write YYYY-MM-DD")))
}

impl TariffTable {
    /// The table in `text` (TOML), checked whole: every activity of Annex I priced once,
    /// amounts in cents, each year indexed at most once, agreements well formed.
    pub fn parse(text: &str) -> Result<TariffTable, CostError> {
        let raw: RawTable = toml::from_str(text).map_err(|e| bad(e.message().to_owned()))?;
        let mut base = BTreeMap::new();
        for t in &raw.tariff {
            let a = Activity::try_from(t.activity)?;
            let amount = money(&format!("tariff {a}"), &t.amount)?;
            if base.insert(a, amount).is_some() {
                return Err(bad(format!("tariff {a} is given twice")));
            }
        }
        if let Some(a) = Activity::all().find(|a| !base.contains_key(a)) {
            return Err(bad(format!(
                "activity {a} ({}) has no tariff; every activity of Annex I needs one",
                a.name_en()
            )));
        }
        let mut index = BTreeMap::new();
        for i in &raw.index {
            let p = Decimal::from_str(&i.percent).map_err(|_| {
                bad(format!(
                    "index {}: {:?} is not a percentage",
                    i.year, i.percent
                ))
            })?;
            if i.year < raw.first_index {
                return Err(bad(format!(
                    "index {}: before the first indexation ({})",
                    i.year, raw.first_index
                )));
            }
            if index.insert(i.year, p).is_some() {
                return Err(bad(format!("index {} is given twice", i.year)));
            }
        }
        let base_from = day("base_from", &raw.base_from)?;
        if date(raw.first_index, 6, 1) <= base_from {
            return Err(bad(
                "first_index: its 1 June must come after base_from".into()
            ));
        }
        let mut agreements = Vec::new();
        for a in raw.agreement {
            let field = |f: &str| format!("agreement {:?}: {f}", a.name);
            let agreement = Agreement {
                activity: Activity::try_from(a.activity)?,
                amount: money(&field("amount"), &a.amount)?,
                from: day(&field("from"), &a.from)?,
                to: day(&field("to"), &a.to)?,
                surcharges: a.surcharges,
                providers: a.providers,
                name: a.name,
            };
            if agreement.from > agreement.to || agreement.providers.is_empty() {
                return Err(bad(format!(
                    "agreement {:?}: needs providers and `from` on or before `to`",
                    agreement.name
                )));
            }
            agreements.push(agreement);
        }
        let office = OfficeHours::parse(
            &raw.office_hours.days,
            &raw.office_hours.from,
            &raw.office_hours.to,
        )?;
        Ok(TariffTable {
            name: raw.name,
            base_from,
            base,
            first_index: raw.first_index,
            index,
            office,
            liberation: raw.liberation_day,
            agreements,
        })
    }

    /// The Dutch table shipped with tdip: Annex III A's 2005 amounts; the indexation series
    /// is the operator's to fill in (`tariffs/nl.toml`).
    pub fn dutch_2005() -> TariffTable {
        TariffTable::parse(include_str!("../tariffs/nl.toml"))
            .unwrap_or_else(|e| panic!("tariffs/nl.toml: {e}"))
    }

    /// The tariff of `activity` for `provider` on `day`: a group agreement covering them,
    /// or the base indexed through every 1 June on or before `day`, each step rounded to
    /// the cent.
    pub fn tariff_on(
        &self,
        activity: Activity,
        provider: &str,
        day: Date,
    ) -> Result<TariffInForce, CostError> {
        if day < self.base_from {
            return Err(CostError::BeforeTable {
                date: day,
                from: self.base_from,
            });
        }
        if let Some(a) = self.agreements.iter().find(|a| {
            a.activity == activity
                && (a.from..=a.to).contains(&day)
                && a.providers.iter().any(|p| p == provider)
        }) {
            return Ok(TariffInForce {
                amount: a.amount,
                version: format!("agreement {}", a.name),
                base: a.amount,
                steps: Vec::new(),
                surcharges: a.surcharges,
            });
        }
        let base = self.base[&activity];
        let mut amount = base;
        let mut steps = Vec::new();
        let mut year = self.first_index;
        while date(year, 6, 1) <= day {
            let percent = *self.index.get(&year).ok_or(CostError::IndexMissing(year))?;
            let after = cents(amount * (Decimal::ONE + percent / Decimal::ONE_HUNDRED));
            steps.push(IndexStep {
                from: date(year, 6, 1),
                percent,
                before: amount,
                after,
            });
            amount = after;
            year += 1;
        }
        let version = match steps.last() {
            Some(s) => format!("indexed {}", s.from),
            None => format!("base {}", self.base_from),
        };
        Ok(TariffInForce {
            amount,
            version,
            base,
            steps,
            surcharges: true,
        })
    }
}

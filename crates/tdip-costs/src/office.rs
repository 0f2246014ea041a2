//! Annex III B: the indicative tariff is raised by 50 % when an activity must urgently be
//! performed outside office hours, and by 100 % when in a weekend or on a public holiday.
//! Both apply to urgent work only ("spoedshalve"); the higher one wins. The moment is an
//! instant (UTC) read in legal local time, so the boundary at midnight is the local one,
//! on the days clocks change too.

use jiff::civil::{Time, Weekday};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use tdip_model::LegalZone;

use crate::{CostError, Liberation, is_holiday};

/// Office hours, as configured: the working days and the local time they run from and to
/// (`to` excluded).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OfficeHours {
    /// The working days.
    pub days: Vec<Weekday>,
    /// The first local time within office hours.
    pub from: Time,
    /// The first local time after them.
    pub to: Time,
}

impl OfficeHours {
    /// `days` as `mon`…`sun`, `from` and `to` as `HH:MM`.
    pub fn parse(days: &[String], from: &str, to: &str) -> Result<OfficeHours, CostError> {
        let day = |d: &str| match d {
            "mon" => Ok(Weekday::Monday),
            "tue" => Ok(Weekday::Tuesday),
            "wed" => Ok(Weekday::Wednesday),
            "thu" => Ok(Weekday::Thursday),
            "fri" => Ok(Weekday::Friday),
            "sat" => Ok(Weekday::Saturday),
            "sun" => Ok(Weekday::Sunday),
            _ => Err(CostError::Table(format!(
                "office_hours.days: {d:?} is not a day; write mon, tue, wed, thu, fri, sat or sun"
            ))),
        };
        let time = |field: &str, t: &str| {
            Time::strptime("%H:%M", t)
                .map_err(|_| CostError::Table(format!("office_hours.{field}: {t:?} is not HH:MM")))
        };
        let hours = OfficeHours {
            days: days.iter().map(|d| day(d)).collect::<Result<_, _>>()?,
            from: time("from", from)?,
            to: time("to", to)?,
        };
        if hours.from >= hours.to {
            return Err(CostError::Table(
                "office_hours: `from` must be before `to` (office hours within one day)".into(),
            ));
        }
        Ok(hours)
    }
}

/// The surcharge on one line, and why.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Surcharge {
    /// None: not urgent, or within office hours.
    None,
    /// +50 %: urgent, outside office hours on a working day.
    OutsideOfficeHours,
    /// +100 %: urgent, in a weekend.
    Weekend,
    /// +100 %: urgent, on a public holiday.
    Holiday,
}

impl Surcharge {
    /// The fraction the tariff is raised by (0, 0.5 or 1).
    pub fn fraction(self) -> Decimal {
        match self {
            Surcharge::None => Decimal::ZERO,
            Surcharge::OutsideOfficeHours => Decimal::new(5, 1),
            Surcharge::Weekend | Surcharge::Holiday => Decimal::ONE,
        }
    }

    /// `+50 %`, `+100 %` or `none`, for a declaration.
    pub fn label(self) -> &'static str {
        match self {
            Surcharge::None => "none",
            Surcharge::OutsideOfficeHours => "+50 % (urgent, outside office hours)",
            Surcharge::Weekend => "+100 % (urgent, weekend)",
            Surcharge::Holiday => "+100 % (urgent, public holiday)",
        }
    }
}

/// The surcharge on work performed at `at` (UTC seconds), read in `zone`.
pub fn surcharge(
    at: i64,
    urgent: bool,
    zone: LegalZone,
    office: &OfficeHours,
    liberation: Liberation,
) -> Surcharge {
    if !urgent {
        return Surcharge::None;
    }
    let Ok(local) = jiff::Timestamp::from_second(at).map(|t| t.to_zoned(zone.tz())) else {
        return Surcharge::None;
    };
    let (day, time) = (local.date(), local.time());
    if is_holiday(day, liberation).is_some() {
        return Surcharge::Holiday;
    }
    if matches!(day.weekday(), Weekday::Saturday | Weekday::Sunday) {
        return Surcharge::Weekend;
    }
    if !office.days.contains(&day.weekday()) || time < office.from || time >= office.to {
        return Surcharge::OutsideOfficeHours;
    }
    Surcharge::None
}

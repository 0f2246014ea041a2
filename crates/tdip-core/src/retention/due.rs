//! When a period falls due: the first second (UTC) at which every record of it has been
//! kept its full term, never earlier. A month of closed versions is due `months` after
//! the end of the month; a day of traffic, `months` after the day's last second (the
//! day plus `months` calendar months, clamped to the month's end as 31 January + 1
//! month is 28 or 29 February, then the next midnight).

use jiff::ToSpan;
use jiff::civil::Date;
use jiff::tz::TimeZone;
use tdip_store::Day;

use crate::CoreError;
use crate::datakeys::Month;

fn out_of_range() -> CoreError {
    CoreError::Config("a retention period is out of range".into())
}

fn midnight(d: Date) -> Result<i64, CoreError> {
    Ok(d.to_zoned(TimeZone::UTC)
        .map_err(|_| out_of_range())?
        .timestamp()
        .as_second())
}

/// The UTC date of a day partition.
pub fn date_of(day: Day) -> Result<Date, CoreError> {
    Ok(jiff::Timestamp::from_second(i64::from(day) * 86_400)
        .map_err(|_| out_of_range())?
        .to_zoned(TimeZone::UTC)
        .date())
}

/// When the closed versions of `month` are due, kept `months` after the month's end.
pub fn month_due(month: Month, months: u32) -> Result<i64, CoreError> {
    let end = month.next().first_day()?;
    midnight(
        end.checked_add(i64::from(months).months())
            .map_err(|_| out_of_range())?,
    )
}

/// When a day of traffic is due, kept `months` after its last second.
pub fn day_due(day: Day, months: u32) -> Result<i64, CoreError> {
    let kept_to = date_of(day)?
        .checked_add(i64::from(months).months())
        .map_err(|_| out_of_range())?;
    midnight(kept_to.tomorrow().map_err(|_| out_of_range())?)
}

/// When the traffic keys of `month` are due: with its last day.
pub fn traffic_month_due(month: Month, months: u32) -> Result<i64, CoreError> {
    let last = month
        .next()
        .first_day()?
        .yesterday()
        .map_err(|_| out_of_range())?;
    let day = Day::try_from(midnight(last)? / 86_400).map_err(|_| out_of_range())?;
    day_due(day, months)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(s: &str) -> i64 {
        s.parse::<jiff::Timestamp>().unwrap().as_second()
    }

    fn day(s: &str) -> Day {
        (utc(&format!("{s}T00:00:00Z")) / 86_400) as Day
    }

    #[test]
    fn a_day_is_due_twelve_months_after_its_last_second() {
        assert_eq!(
            day_due(day("2025-12-03"), 12).unwrap(),
            utc("2026-12-04T00:00:00Z")
        );
        // Month ends and leap days: never a second early.
        assert_eq!(
            day_due(day("2024-02-29"), 12).unwrap(),
            utc("2025-03-01T00:00:00Z")
        );
        assert_eq!(
            day_due(day("2024-02-28"), 12).unwrap(),
            utc("2025-03-01T00:00:00Z")
        );
        assert_eq!(
            day_due(day("2025-01-31"), 1).unwrap(),
            utc("2025-03-01T00:00:00Z")
        );
        assert_eq!(
            day_due(day("2025-12-31"), 12).unwrap(),
            utc("2027-01-01T00:00:00Z")
        );
        // Each day's records are all at least `months` old when it falls due.
        for d in day("2024-01-01")..day("2026-01-01") {
            let last = i64::from(d) * 86_400 + 86_399;
            let due = day_due(d, 12).unwrap();
            let a_year_on = jiff::Timestamp::from_second(last)
                .unwrap()
                .to_zoned(TimeZone::UTC)
                .checked_add(12.months())
                .unwrap()
                .timestamp()
                .as_second();
            assert!(due > a_year_on, "day {d}");
            assert!(due - a_year_on <= 2 * 86_400, "day {d} kept too long");
        }
    }

    #[test]
    fn a_month_of_closed_versions_is_due_twelve_months_after_its_end() {
        let m = Month::parse("2025-11").unwrap();
        assert_eq!(month_due(m, 12).unwrap(), utc("2026-12-01T00:00:00Z"));
        let feb = Month::parse("2024-02").unwrap();
        assert_eq!(month_due(feb, 12).unwrap(), utc("2025-03-01T00:00:00Z"));
        assert_eq!(
            traffic_month_due(feb, 12).unwrap(),
            day_due(day("2024-02-29"), 12).unwrap()
        );
        assert_eq!(
            traffic_month_due(m, 12).unwrap(),
            utc("2026-12-01T00:00:00Z")
        );
    }
}

//! The Dutch public holidays on which Annex III B's weekend-and-holiday surcharge applies:
//! New Year's Day; Easter Sunday and Monday, Ascension Day, Whit Sunday and Monday (which
//! move with Easter, computed by the Gregorian computus); King's Day, 27 April, or 26 April
//! when the 27th is a Sunday (Queen's Day until 2013: 30 April, or 29 April when the 30th
//! is a Sunday); Liberation Day, 5 May, as configured ([`Liberation`]); Christmas Day and
//! Boxing Day. Good Friday is not a day off. No crate for this is maintained
//! (../shared/DEPENDENCIES.md); tests/holidays.rs holds this table to an independent
//! calendar for 2005–2040.

use std::collections::BTreeMap;

use jiff::civil::{Date, Weekday, date};
use serde::{Deserialize, Serialize};

/// Which years Liberation Day (5 May) is a day off: it is a national holiday every year,
/// but most collective agreements give the day off only in a lustrum year.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Liberation {
    /// Every fifth year (2025, 2030, …), as most agreements and PyPI `holidays` have it.
    #[default]
    Lustrum,
    /// Every year.
    Yearly,
    /// Never.
    Never,
}

/// Easter Sunday of `year` (Gregorian; the anonymous algorithm of Meeus/Jones/Butcher).
fn easter(year: i16) -> Date {
    let y = i32::from(year);
    let (a, b, c) = (y % 19, y / 100, y % 100);
    let (d, e) = (b / 4, b % 4);
    let f = (b + 8) / 25;
    let g = (b - f + 1) / 3;
    let h = (19 * a + b - d - g + 15) % 30;
    let (i, k) = (c / 4, c % 4);
    let l = (32 + 2 * e + 2 * i - h - k) % 7;
    let m = (a + 11 * h + 22 * l) / 451;
    let month = (h + l - 7 * m + 114) / 31;
    let day = (h + l - 7 * m + 114) % 31 + 1;
    // month is 3 or 4 and day 1..=31 by the algorithm.
    date(year, month as i8, day as i8)
}

/// The public holidays of `year`, by date, with their Dutch names. Two falling on one day
/// (Ascension and Liberation Day in 2005) are one entry.
pub fn holidays(year: i16, liberation: Liberation) -> BTreeMap<Date, &'static str> {
    let mut days = BTreeMap::new();
    let easter = easter(year);
    let after = |n: i64| {
        easter
            .checked_add(jiff::Span::new().days(n))
            .unwrap_or(easter)
    };
    days.insert(date(year, 1, 1), "Nieuwjaarsdag");
    days.insert(easter, "Eerste Paasdag");
    days.insert(after(1), "Tweede Paasdag");
    let royal = if year >= 2014 {
        let d = date(year, 4, 27);
        (
            if d.weekday() == Weekday::Sunday {
                date(year, 4, 26)
            } else {
                d
            },
            "Koningsdag",
        )
    } else {
        let d = date(year, 4, 30);
        (
            if d.weekday() == Weekday::Sunday {
                date(year, 4, 29)
            } else {
                d
            },
            "Koninginnedag",
        )
    };
    days.insert(royal.0, royal.1);
    let liberated = match liberation {
        Liberation::Lustrum => year % 5 == 0,
        Liberation::Yearly => true,
        Liberation::Never => false,
    };
    days.insert(after(39), "Hemelvaartsdag");
    if liberated {
        days.entry(date(year, 5, 5)).or_insert("Bevrijdingsdag");
    }
    days.insert(after(49), "Eerste Pinksterdag");
    days.insert(after(50), "Tweede Pinksterdag");
    days.insert(date(year, 12, 25), "Eerste Kerstdag");
    days.insert(date(year, 12, 26), "Tweede Kerstdag");
    days
}

/// The holiday `day` is, if it is one.
pub fn is_holiday(day: Date, liberation: Liberation) -> Option<&'static str> {
    holidays(day.year(), liberation).get(&day).copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Easter Sundays from the tables (e.g. the Dutch almanac): 2005 was early, 2011 late.
    #[test]
    fn easter_falls_where_the_almanac_has_it() {
        for (y, m, d) in [
            (2005, 3, 27),
            (2008, 3, 23),
            (2011, 4, 24),
            (2025, 4, 20),
            (2038, 4, 25),
        ] {
            assert_eq!(easter(y), date(y, m, d), "{y}");
        }
    }

    #[test]
    fn kings_day_moves_to_the_26th_when_the_27th_is_a_sunday() {
        // 27 April 2025 was a Sunday.
        assert_eq!(
            is_holiday(date(2025, 4, 26), Liberation::Lustrum),
            Some("Koningsdag")
        );
        assert_eq!(is_holiday(date(2025, 4, 27), Liberation::Lustrum), None);
        assert_eq!(
            is_holiday(date(2026, 4, 27), Liberation::Lustrum),
            Some("Koningsdag")
        );
        // Good Friday 2025 (18 April) is no day off; Easter Monday is.
        assert_eq!(is_holiday(date(2025, 4, 18), Liberation::Lustrum), None);
        assert_eq!(
            is_holiday(date(2025, 4, 21), Liberation::Lustrum),
            Some("Tweede Paasdag")
        );
    }

    #[test]
    fn liberation_day_is_off_as_configured() {
        let may5 = date(2026, 5, 5);
        assert_eq!(is_holiday(may5, Liberation::Lustrum), None);
        assert_eq!(is_holiday(may5, Liberation::Yearly), Some("Bevrijdingsdag"));
        assert_eq!(
            is_holiday(date(2030, 5, 5), Liberation::Lustrum),
            Some("Bevrijdingsdag")
        );
        assert_eq!(is_holiday(date(2030, 5, 5), Liberation::Never), None);
    }
}

//! Moments in time as providers and lawful requests give them.
//!
//! A time is either RFC 3339 with an explicit offset, or legal local time of the
//! Netherlands or Belgium. Local times that do not exist (the hour skipped when summer
//! time starts) or that exist twice (the hour repeated when it ends) are refused, never
//! guessed: a disclosure must name the right moment. Time-zone rules come from the system
//! time zone database through `jiff`.

#[cfg(test)]
mod tests;

use std::fmt;
use std::str::FromStr;

use jiff::Timestamp;
use jiff::civil::{Date, DateTime};
use jiff::tz::{AmbiguousOffset, Offset, TimeZone};

use crate::Reason;

/// The legal time zones of the countries tdip serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum LegalZone {
    /// `Europe/Amsterdam`, legal time of the Netherlands.
    Amsterdam,
    /// `Europe/Brussels`, legal time of Belgium.
    Brussels,
}

impl LegalZone {
    /// The IANA name, e.g. `Europe/Amsterdam`.
    pub fn name(self) -> &'static str {
        match self {
            LegalZone::Amsterdam => "Europe/Amsterdam",
            LegalZone::Brussels => "Europe/Brussels",
        }
    }

    /// The zone's rules from the system time zone database.
    pub fn try_tz(self) -> Result<TimeZone, TimeError> {
        TimeZone::get(self.name()).map_err(|_| TimeError::ZoneUnavailable { zone: self.name() })
    }

    /// The zone's rules from the system time zone database.
    ///
    /// # Panics
    ///
    /// If the system has no time zone database entry for the zone (install `tzdata`).
    /// Use [`LegalZone::try_tz`] to handle that case.
    pub fn tz(self) -> TimeZone {
        match self.try_tz() {
            Ok(tz) => tz,
            Err(e) => panic!("{e}"),
        }
    }
}

impl fmt::Display for LegalZone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The error of parsing a [`LegalZone`] from an unknown name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown legal time zone; expected Europe/Amsterdam or Europe/Brussels")]
pub struct ParseZoneError;

impl FromStr for LegalZone {
    type Err = ParseZoneError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        [LegalZone::Amsterdam, LegalZone::Brussels]
            .into_iter()
            .find(|z| z.name().eq_ignore_ascii_case(s.trim()))
            .ok_or(ParseZoneError)
    }
}

/// Why a time was refused.
///
/// No variant holds the time given, and the messages never show it: a time in a
/// delivery row (a subscription's start) is the subscriber's data, and the same words
/// serve officers' times. They name the zone and the kind of problem, and say what to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TimeError {
    /// The text is not in one of the accepted layouts.
    Format,
    /// The layout is right but a field is out of range (month 13, 31 April, hour 24, …).
    Invalid {
        /// What is out of range.
        reason: Reason,
    },
    /// A local time skipped when the clocks jumped forward.
    Gap {
        /// The zone name.
        zone: &'static str,
        /// The offset before the jump, e.g. +01:00.
        before: Offset,
        /// The offset after the jump, e.g. +02:00.
        after: Offset,
    },
    /// A local time that occurs twice because the clocks were set back.
    Fold {
        /// The zone name.
        zone: &'static str,
        /// The offset of the first occurrence, e.g. +02:00.
        earlier: Offset,
        /// The offset of the second occurrence, e.g. +01:00.
        later: Offset,
    },
    /// The system time zone database lacks the zone.
    ZoneUnavailable {
        /// The zone name.
        zone: &'static str,
    },
}

impl TimeError {
    /// What is wrong and what to do, without the time given.
    pub fn reason(&self) -> Reason {
        match self {
            TimeError::Format => Reason::new(
                "is not a time; expected RFC 3339 with offset (2026-11-22T23:00:00+01:00 or \
                 2026-11-22T22:00:00Z), local time YYYY-MM-DD HH:MM:SS or a date YYYY-MM-DD",
            ),
            TimeError::Invalid { reason } => {
                Reason::new("is not a valid date and time: ").then(reason.clone())
            }
            TimeError::Gap {
                zone,
                before,
                after,
            } => Reason::new("lies in the daylight-saving gap of ")
                .then(*zone)
                .then(": that hour is skipped when the clocks jump forward (")
                .then(offset_reason(*before))
                .then(" to ")
                .then(offset_reason(*after))
                .then("); give a time outside the gap, or the time with its UTC offset"),
            TimeError::Fold {
                zone,
                earlier,
                later,
            } => Reason::new("occurs twice in ")
                .then(*zone)
                .then(": the clocks are set back at that hour (")
                .then(offset_reason(*earlier))
                .then(", then ")
                .then(offset_reason(*later))
                .then("); give the time with its UTC offset, e.g. ")
                .then(offset_reason(*earlier))
                .then(" for the first occurrence"),
            TimeError::ZoneUnavailable { zone } => Reason::new("time zone ")
                .then(*zone)
                .then(" is not in the system time zone database; install tzdata"),
        }
    }
}

impl fmt::Display for TimeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.reason())
    }
}

impl std::error::Error for TimeError {}

impl From<TimeError> for Reason {
    fn from(e: TimeError) -> Reason {
        e.reason()
    }
}

/// `+02:00` style, always with minutes.
fn offset_reason(offset: Offset) -> Reason {
    let secs = offset.seconds();
    let sign = if secs < 0 { "-" } else { "+" };
    let secs = u64::from(secs.unsigned_abs());
    Reason::new(sign).then(Reason::counted(
        "{:02}:{:02}",
        &[secs / 3600, secs / 60 % 60],
    ))
}

/// What follows the date and time of day.
enum Suffix {
    Local,
    Offset(i32),
    BadOffset,
}

/// Parses a moment: RFC 3339 with offset or `Z` (`2026-11-22T23:00:00+01:00`), legal local
/// time in `zone` as `YYYY-MM-DD HH:MM:SS` or `YYYY-MM-DDTHH:MM:SS` (seconds required,
/// fractions allowed), or a date `YYYY-MM-DD` meaning 00:00:00 local time.
///
/// A local time in a daylight-saving gap or overlap is refused with [`TimeError::Gap`]
/// or [`TimeError::Fold`].
pub fn parse_time(s: &str, zone: LegalZone) -> Result<Timestamp, TimeError> {
    let s = s.trim();
    let (fields, suffix) = split(s).ok_or(TimeError::Format)?;
    let dt = build(fields)?;
    match suffix {
        Suffix::BadOffset => Err(TimeError::Invalid {
            reason: "the offset must be from -23:59 to +23:59".into(),
        }),
        Suffix::Offset(seconds) => {
            let offset = Offset::from_seconds(seconds).map_err(|_| TimeError::Invalid {
                reason: "the offset is out of range".into(),
            })?;
            offset.to_timestamp(dt).map_err(|_| TimeError::Invalid {
                reason: "the moment is out of the supported range".into(),
            })
        }
        Suffix::Local => local_to_timestamp(dt, zone),
    }
}

/// Formats a moment as legal local time of `zone`, to the second:
/// `2026-03-29 03:30:00 CEST (+02:00)`. Should the system lack the zone, the moment is
/// shown in UTC, labelled as such.
pub fn format_time(ts: Timestamp, zone: LegalZone) -> String {
    let tz = zone.try_tz().unwrap_or(TimeZone::UTC);
    ts.to_zoned(tz)
        .strftime("%Y-%m-%d %H:%M:%S %Z (%:z)")
        .to_string()
}

fn local_to_timestamp(dt: DateTime, zone: LegalZone) -> Result<Timestamp, TimeError> {
    let tz = zone.try_tz()?;
    let out_of_range = |_| TimeError::Invalid {
        reason: "the moment is out of the supported range".into(),
    };
    match tz.to_ambiguous_zoned(dt).offset() {
        AmbiguousOffset::Unambiguous { offset } => offset.to_timestamp(dt).map_err(out_of_range),
        AmbiguousOffset::Gap { before, after } => Err(TimeError::Gap {
            zone: zone.name(),
            before,
            after,
        }),
        AmbiguousOffset::Fold { before, after } => Err(TimeError::Fold {
            zone: zone.name(),
            earlier: before,
            later: after,
        }),
    }
}

/// The fields of a date-time as written: year, month, day, hour, minute, second, nanos.
type Fields = [i32; 7];

/// Splits `s` into date-time fields and what follows them, checking the layout strictly.
/// Ranges are checked later by [`build`].
fn split(s: &str) -> Option<(Fields, Suffix)> {
    let b = s.as_bytes();
    let num = |from: usize, to: usize| -> Option<i32> {
        let part = b.get(from..to)?;
        if !part.iter().all(u8::is_ascii_digit) {
            return None;
        }
        std::str::from_utf8(part).ok()?.parse().ok()
    };
    if b.get(4) != Some(&b'-') || b.get(7) != Some(&b'-') {
        return None;
    }
    let (year, month, day) = (num(0, 4)?, num(5, 7)?, num(8, 10)?);
    if b.len() == 10 {
        return Some(([year, month, day, 0, 0, 0, 0], Suffix::Local));
    }
    let layout_ok = matches!(b.get(10), Some(b'T' | b't' | b' '))
        && b.get(13) == Some(&b':')
        && b.get(16) == Some(&b':');
    if !layout_ok {
        return None;
    }
    let (hour, minute, second) = (num(11, 13)?, num(14, 16)?, num(17, 19)?);
    let mut i = 19;
    let mut nanos = 0;
    if b.get(i) == Some(&b'.') {
        let start = i + 1;
        let digits = b[start..].iter().take_while(|c| c.is_ascii_digit()).count();
        if digits == 0 || digits > 9 {
            return None;
        }
        let exp = u32::try_from(9 - digits).ok()?;
        nanos = num(start, start + digits)? * 10i32.pow(exp);
        i = start + digits;
    }
    let suffix = match &b[i..] {
        [] => Suffix::Local,
        [b'Z' | b'z'] => Suffix::Offset(0),
        [sign @ (b'+' | b'-'), _, _, b':', _, _] => {
            let (hh, mm) = (num(i + 1, i + 3)?, num(i + 4, i + 6)?);
            if hh > 23 || mm > 59 {
                Suffix::BadOffset
            } else {
                let secs = hh * 3600 + mm * 60;
                Suffix::Offset(if *sign == b'-' { -secs } else { secs })
            }
        }
        _ => return None,
    };
    Some(([year, month, day, hour, minute, second, nanos], suffix))
}

/// Builds the civil date-time, refusing out-of-range fields. The reason names the field,
/// never its value (jiff's own message quotes it).
fn build(f: Fields) -> Result<DateTime, TimeError> {
    let small = |v: i32| i8::try_from(v).unwrap_or(i8::MAX);
    let year = i16::try_from(f[0]).unwrap_or(i16::MAX);
    DateTime::new(
        year,
        small(f[1]),
        small(f[2]),
        small(f[3]),
        small(f[4]),
        small(f[5]),
        f[6],
    )
    .map_err(|_| {
        let reason = if !(1..=12).contains(&f[1]) {
            "the month must be from 01 to 12"
        } else if f[2] < 1
            || Date::new(year, small(f[1]), 1).is_ok_and(|d| f[2] > i32::from(d.days_in_month()))
        {
            "that month has no such day"
        } else if !(0..=23).contains(&f[3]) {
            "the hour must be from 00 to 23"
        } else if !(0..=59).contains(&f[4]) {
            "the minute must be from 00 to 59"
        } else if !(0..=59).contains(&f[5]) {
            "the second must be from 00 to 59"
        } else {
            "the date is out of the supported range"
        };
        TimeError::Invalid {
            reason: reason.into(),
        }
    })
}

//! The daily rhythm of new port blocks (and, with its own weights, of communications): a
//! start intensity per hour of the UTC day, following Amsterdam/Brussels local time (CET,
//! CEST in summer), and its inverse, so a subscriber's next start is drawn by a time change
//! of an exponential waiting time.

use crate::numbers::days_from_civil;

/// Relative start intensity per local hour: quiet at night, a peak in the evening.
const HOURLY: [f64; 24] = [
    6.0, 4.0, 2.0, 1.0, 1.0, 1.0, 2.0, 5.0, 8.0, 8.0, 8.0, 8.0, 9.0, 8.0, 8.0, 8.0, 9.0, 11.0,
    13.0, 16.0, 18.0, 18.0, 16.0, 10.0,
];

/// Start intensity of one UTC day, per UTC hour (the local offset changes on whole hours),
/// and its running sum.
pub(crate) struct Rhythm {
    /// Weight of each hour.
    per_hour: [f64; 24],
    /// `cum[h]`: sum of the weights of the hours before `h`.
    cum: [f64; 25],
}

/// Offset of Amsterdam/Brussels local time from UTC at Unix time `t`, in seconds: CEST
/// (+2 h) from the last Sunday of March 01:00Z to the last Sunday of October 01:00Z.
pub(crate) fn local_offset(t: i64) -> i64 {
    let day = t.div_euclid(86_400);
    let mut year = 1970;
    while days_from_civil(year + 1, 1, 1) <= day {
        year += 1;
    }
    let last_sunday = |month: i64| {
        let last = days_from_civil(year, month + 1, 1) - 1;
        // 1970-01-01 was a Thursday: (days + 4) % 7 is 0 on Sundays.
        last - (last + 4).rem_euclid(7)
    };
    let begin = last_sunday(3) * 86_400 + 3600;
    let end = last_sunday(10) * 86_400 + 3600;
    if (begin..end).contains(&t) {
        7200
    } else {
        3600
    }
}

impl Rhythm {
    /// The rhythm of the UTC day starting at Unix time `day_start`.
    pub(crate) fn new(day_start: i64) -> Self {
        Rhythm::with_hourly(day_start, &HOURLY)
    }

    /// The rhythm of that day with other relative intensities per local hour.
    pub(crate) fn with_hourly(day_start: i64, hourly: &[f64; 24]) -> Self {
        let mut per_hour = [0.0; 24];
        let mut cum = [0.0; 25];
        for h in 0..24 {
            let t = day_start + 3600 * h as i64;
            let local = (t + local_offset(t)).rem_euclid(86_400);
            per_hour[h] = hourly[(local / 3600) as usize];
            cum[h + 1] = cum[h] + per_hour[h];
        }
        Rhythm { per_hour, cum }
    }

    /// The whole day's intensity.
    pub(crate) fn total(&self) -> f64 {
        self.cum[24]
    }

    /// Intensity accumulated from midnight to second `t` of the day.
    pub(crate) fn at(&self, t: u32) -> f64 {
        let h = (t / 3600) as usize;
        if h >= 24 {
            return self.total();
        }
        self.cum[h] + self.per_hour[h] * f64::from(t % 3600) / 3600.0
    }

    /// The second of the day at which the accumulated intensity reaches `y`, if it does.
    pub(crate) fn inverse(&self, y: f64) -> Option<u32> {
        if y.is_nan() || y >= self.total() {
            return None;
        }
        let h = self.cum[1..].iter().position(|&c| c > y).unwrap_or(23);
        let frac = ((y - self.cum[h]) / self.per_hour[h]).max(0.0);
        Some((3600 * h as u32 + (frac * 3600.0) as u32).min(86_399))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn winter_and_summer_offsets() {
        let nov = days_from_civil(2026, 11, 2) * 86_400;
        assert_eq!(local_offset(nov), 3600);
        let jul = days_from_civil(2027, 7, 1) * 86_400;
        assert_eq!(local_offset(jul), 7200);
        // 2027-03-28 is the last Sunday of March: CEST from 01:00Z.
        let change = days_from_civil(2027, 3, 28) * 86_400 + 3600;
        assert_eq!(local_offset(change - 1), 3600);
        assert_eq!(local_offset(change), 7200);
    }

    #[test]
    fn inverse_undoes_at() {
        let r = Rhythm::new(days_from_civil(2026, 11, 2) * 86_400);
        for t in [0u32, 59, 3600, 45_000, 86_000] {
            let back = r.inverse(r.at(t)).expect("inside the day");
            assert!(back.abs_diff(t) <= 1, "{t} -> {back}");
        }
        assert_eq!(r.inverse(r.total()), None);
    }
}

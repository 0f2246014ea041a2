//! The daily rhythm of communications: an intensity per UTC hour of the day following
//! Amsterdam/Brussels local time (CET, CEST in summer), quiet at night with a peak in the
//! evening, and its inverse, so a subscriber's next event is drawn by a time change of an
//! exponential waiting time.

use crate::numbers::days_from_civil;

/// Relative intensity per local hour.
const HOURLY: [f64; 24] = [
    4.0, 2.0, 1.0, 1.0, 1.0, 1.0, 2.0, 5.0, 9.0, 10.0, 10.0, 10.0, 11.0, 10.0, 10.0, 10.0, 11.0,
    13.0, 15.0, 17.0, 18.0, 16.0, 12.0, 7.0,
];

/// Offset of Amsterdam/Brussels local time from UTC at Unix time `t`, in seconds: CEST
/// (+2 h) from the last Sunday of March 01:00Z to the last Sunday of October 01:00Z.
fn local_offset(t: i64) -> i64 {
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

/// The intensity of one UTC day per UTC hour, and its running sum.
pub(crate) struct Rhythm {
    per_hour: [f64; 24],
    cum: [f64; 25],
}

impl Rhythm {
    /// The rhythm of the UTC day starting at Unix time `day_start`.
    pub(crate) fn new(day_start: i64) -> Self {
        let mut per_hour = [0.0; 24];
        let mut cum = [0.0; 25];
        for h in 0..24 {
            let t = day_start + 3600 * h as i64;
            let local = (t + local_offset(t)).rem_euclid(86_400);
            per_hour[h] = HOURLY[(local / 3600) as usize];
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
    fn evening_is_busier_than_night_in_local_time() {
        // 2026-11-02 is in CET: 20:00 local is 19:00Z, 03:00 local is 02:00Z.
        let r = Rhythm::new(days_from_civil(2026, 11, 2) * 86_400);
        let evening = r.at(20 * 3600) - r.at(19 * 3600);
        let night = r.at(3 * 3600) - r.at(2 * 3600);
        assert!(evening > 10.0 * night, "{evening} vs {night}");
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

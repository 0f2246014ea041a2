//! The daily rhythm of communications: the traffic generator's rhythm (Amsterdam/Brussels
//! local time, its inverse for drawing the next event) with the weights of calls, messages
//! and mail — quiet at night, busy through the working day, a peak in the evening.

pub(crate) use crate::traffic::rhythm::Rhythm;

/// Relative intensity of communications per local hour.
const HOURLY: [f64; 24] = [
    4.0, 2.0, 1.0, 1.0, 1.0, 1.0, 2.0, 5.0, 9.0, 10.0, 10.0, 10.0, 11.0, 10.0, 10.0, 10.0, 11.0,
    13.0, 15.0, 17.0, 18.0, 16.0, 12.0, 7.0,
];

/// The rhythm of communications on the UTC day starting at Unix time `day_start`.
pub(crate) fn of_day(day_start: i64) -> Rhythm {
    Rhythm::with_hourly(day_start, &HOURLY)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::numbers::days_from_civil;

    #[test]
    fn evening_is_busier_than_night_in_local_time() {
        // 2026-11-02 is in CET: 20:00 local is 19:00Z, 03:00 local is 02:00Z.
        let r = of_day(days_from_civil(2026, 11, 2) * 86_400);
        let evening = r.at(20 * 3600) - r.at(19 * 3600);
        let night = r.at(3 * 3600) - r.at(2 * 3600);
        assert!(evening > 10.0 * night, "{evening} vs {night}");
    }

    #[test]
    fn inverse_undoes_at() {
        let r = of_day(days_from_civil(2026, 11, 2) * 86_400);
        for t in [0u32, 59, 3600, 45_000, 86_000] {
            let back = r.inverse(r.at(t)).expect("inside the day");
            assert!(back.abs_diff(t) <= 1, "{t} -> {back}");
        }
        assert_eq!(r.inverse(r.total()), None);
    }
}

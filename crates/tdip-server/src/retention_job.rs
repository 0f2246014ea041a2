//! Retention as a standing job of the service: one pass when the service starts (it
//! finishes a run a stop interrupted, and catches up on what fell due while it was down),
//! then one every day at a legal local time (`--retention-at`, default 03:30). Each pass
//! holds the lock deliveries are applied under, so a delivery never sees a destruction
//! half-recorded. `/ready` reports a pass that failed, or none succeeded for more than 26
//! hours, and the metrics carry the last success, failures and what was destroyed.

use std::sync::Arc;
use std::sync::Mutex;
use std::time::Duration;

use jiff::civil::Time;
use jiff::{ToSpan, Zoned};
use tdip_model::LegalZone;

use crate::State;

/// The default daily moment, legal local time.
pub const DEFAULT_AT: Time = Time::constant(3, 30, 0, 0);

/// Longer than a day without a successful pass: retention is overdue.
pub const OVERDUE_AFTER: i64 = 26 * 3_600;

/// How the job stands, for `/ready`.
#[derive(Debug, Default)]
pub struct JobState {
    inner: Mutex<Standing>,
}

#[derive(Debug, Default, Clone)]
struct Standing {
    /// When the service started the job (UTC seconds).
    started: Option<i64>,
    /// The last successful pass.
    last_ok: Option<i64>,
    /// The last pass's failure, if it failed.
    failed: Option<String>,
}

impl JobState {
    /// Why the service is not ready because of retention, if it is not: the last pass
    /// failed, or none succeeded for [`OVERDUE_AFTER`] seconds.
    pub fn problem(&self, now: i64) -> Option<String> {
        let s = self.inner.lock().unwrap_or_else(|e| e.into_inner()).clone();
        if let Some(why) = s.failed {
            return Some(format!(
                "the last retention run failed: {why}; fix it and run `tdip retention run --yes`, \
                 or restart the service"
            ));
        }
        let since = s.last_ok.or(s.started)?;
        (now - since > OVERDUE_AFTER).then(|| {
            format!(
                "retention is overdue: no run has succeeded for {} hours",
                (now - since) / 3_600
            )
        })
    }

    fn started(&self, now: i64) {
        self.inner.lock().unwrap_or_else(|e| e.into_inner()).started = Some(now);
    }

    fn outcome(&self, now: i64, failure: Option<String>) {
        let mut s = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        if failure.is_none() {
            s.last_ok = Some(now);
        }
        s.failed = failure;
    }
}

/// Reads `--retention-at`: `HH:MM` legal local time, refused when it falls in a DST gap
/// or overlap of the zone on any day of the coming two years (it would then be skipped or
/// run twice on that day).
pub fn parse_at(text: &str, zone: LegalZone) -> Result<Time, String> {
    let at: Time = format!("{text}:00")
        .parse()
        .map_err(|_| format!("--retention-at {text}: write the time as HH:MM, e.g. 03:30"))?;
    let tz = zone.try_tz().map_err(|e| e.to_string())?;
    let today = Zoned::now().with_time_zone(tz.clone()).date();
    for n in 0..(2 * 366) {
        let day = today
            .checked_add(n.days())
            .map_err(|_| "--retention-at: a date is out of range".to_string())?;
        if tz
            .to_ambiguous_zoned(day.to_datetime(at))
            .unambiguous()
            .is_err()
        {
            return Err(format!(
                "--retention-at {text}: on {day} that time falls in a daylight-saving change \
                 in {} (it does not exist, or exists twice): choose a time outside 02:00–03:00",
                zone.name()
            ));
        }
    }
    Ok(at)
}

/// The next moment, after `now`, that is `at` in `zone` (UTC seconds).
fn next_run(now: i64, at: Time, zone: LegalZone) -> Option<i64> {
    let tz = zone.try_tz().ok()?;
    let here = jiff::Timestamp::from_second(now).ok()?.to_zoned(tz.clone());
    for n in 0..3 {
        let day = here.date().checked_add(n.days()).ok()?;
        let when = tz
            .to_ambiguous_zoned(day.to_datetime(at))
            .compatible()
            .ok()?
            .timestamp()
            .as_second();
        if when > now {
            return Some(when);
        }
    }
    None
}

/// Runs the job until the service stops (the task is aborted); with each run, the
/// reminder that the art. 9 statistics fall due, from `art9_warn_days` before 1 March.
pub async fn daily(state: Arc<State>, at: Time, art9_warn_days: u32) {
    let remind = |now: i64| {
        if art9_warn_days > 0
            && let Some(w) = tdip_point::art9::due_warning(now, state.zone, art9_warn_days)
        {
            tracing::warn!("{w}");
        }
    };
    state.retention.started(state.clock.now());
    remind(state.clock.now());
    pass(&state).await;
    loop {
        let now = state.clock.now();
        let Some(next) = next_run(now, at, state.zone) else {
            state
                .retention
                .outcome(now, Some("the next run's time cannot be computed".into()));
            return;
        };
        tokio::time::sleep(Duration::from_secs(u64::try_from(next - now).unwrap_or(60))).await;
        remind(state.clock.now());
        pass(&state).await;
    }
}

/// One pass, if the point is unsealed (a sealed point holds no keys to destroy with; a
/// pass starts as soon as custodians unseal it through the API).
pub async fn pass(state: &State) {
    let Some(point) = state.point() else {
        return;
    };
    let _applying = state.applying.lock().await;
    let now = state.clock.now();
    match tdip_point::retention::run_job(&point, &state.data, now).await {
        Ok(outcome) => {
            for s in outcome.data.resumed.iter().chain(&outcome.data.done) {
                crate::metrics::destroyed(s.class.as_str(), s.records);
            }
            for b in &outcome.purged {
                crate::metrics::destroyed("audit-bodies", b.count);
            }
            crate::metrics::retention_ok(now);
            state.retention.outcome(now, None);
            tracing::info!(
                "retention: {} steps done ({} finished from a stopped run), {} audit body \
                 purges",
                outcome.data.done.len(),
                outcome.data.resumed.len(),
                outcome.purged.len()
            );
        }
        Err(e) => {
            crate::metrics::retention_failed();
            tracing::error!("retention failed: {e:#}");
            state.retention.outcome(now, Some(format!("{e:#}")));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(s: &str) -> i64 {
        s.parse::<jiff::Timestamp>().unwrap().as_second()
    }

    #[test]
    fn a_time_in_the_dst_change_is_refused_and_others_are_read() {
        for zone in [LegalZone::Amsterdam, LegalZone::Brussels] {
            let e = parse_at("02:30", zone).unwrap_err();
            assert!(e.contains("daylight-saving change"), "{e}");
            assert_eq!(parse_at("03:30", zone).unwrap(), DEFAULT_AT);
            assert!(parse_at("3h30", zone).unwrap_err().contains("HH:MM"));
            assert!(parse_at("25:00", zone).is_err());
        }
    }

    #[test]
    fn the_next_run_is_the_next_local_time_across_a_dst_change() {
        let z = LegalZone::Amsterdam;
        // 03:30 CET is 02:30Z in winter, 03:30 CEST is 01:30Z in summer.
        assert_eq!(
            next_run(utc("2026-03-28T12:00:00Z"), DEFAULT_AT, z),
            Some(utc("2026-03-29T01:30:00Z"))
        );
        assert_eq!(
            next_run(utc("2026-10-24T12:00:00Z"), DEFAULT_AT, z),
            Some(utc("2026-10-25T02:30:00Z"))
        );
        assert_eq!(
            next_run(utc("2026-12-03T02:29:59Z"), DEFAULT_AT, z),
            Some(utc("2026-12-03T02:30:00Z"))
        );
        assert_eq!(
            next_run(utc("2026-12-03T02:30:00Z"), DEFAULT_AT, z),
            Some(utc("2026-12-04T02:30:00Z"))
        );
    }

    #[test]
    fn a_failed_or_overdue_job_is_a_problem_and_a_success_clears_it() {
        let j = JobState::default();
        assert_eq!(j.problem(1_000_000), None, "not started: no opinion");
        j.started(1_000_000);
        assert_eq!(j.problem(1_000_000 + OVERDUE_AFTER), None);
        assert!(
            j.problem(1_000_001 + OVERDUE_AFTER)
                .unwrap()
                .contains("overdue")
        );
        j.outcome(1_100_000, Some("disk full".into()));
        assert!(j.problem(1_100_000).unwrap().contains("disk full"));
        j.outcome(1_100_100, None);
        assert_eq!(j.problem(1_100_100), None);
    }
}

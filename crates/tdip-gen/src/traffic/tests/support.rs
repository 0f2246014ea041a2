//! Helpers of the traffic tests: configurations, writing and parsing the files, times,
//! and pairing the records left open one day with their `end` records the next.

use std::collections::HashMap;

use crate::numbers::days_from_civil;
use crate::traffic::{TrafficGenConfig, write_cgnat_csv, write_sessions_csv};
use crate::{Country, GenConfig};

pub(super) type Rows = Vec<HashMap<String, String>>;

pub(super) fn config(rows: u64, day: u32) -> TrafficGenConfig {
    TrafficGenConfig::new(GenConfig::new("kpn", Country::Nl, rows, 7).on_day(day))
}

pub(super) fn parse(bytes: &[u8]) -> Rows {
    let mut r = csv::Reader::from_reader(bytes);
    let header: Vec<String> = r
        .headers()
        .expect("header")
        .iter()
        .map(str::to_owned)
        .collect();
    r.records()
        .map(|rec| {
            let rec = rec.expect("well-formed CSV");
            header
                .iter()
                .cloned()
                .zip(rec.iter().map(str::to_owned))
                .collect()
        })
        .collect()
}

pub(super) fn cgnat(cfg: &TrafficGenConfig) -> Rows {
    let mut out = Vec::new();
    let n = write_cgnat_csv(cfg, &mut out).expect("cgnat");
    let rows = parse(&out);
    assert_eq!(
        rows.len() as u64,
        n,
        "the count returned is the rows written"
    );
    rows
}

pub(super) fn sessions(cfg: &TrafficGenConfig) -> Rows {
    let mut out = Vec::new();
    let n = write_sessions_csv(cfg, &mut out).expect("sessions");
    let rows = parse(&out);
    assert_eq!(
        rows.len() as u64,
        n,
        "the count returned is the rows written"
    );
    rows
}

/// Unix seconds of `YYYY-MM-DDTHH:MM:SSZ`.
pub(super) fn time(s: &str) -> i64 {
    assert_eq!(s.len(), 20, "RFC 3339 UTC to the second");
    assert!(s.ends_with('Z'));
    let n = |a: usize, b: usize| s[a..b].parse::<i64>().expect("digits");
    days_from_civil(n(0, 4), n(5, 7), n(8, 10)) * 86_400
        + n(11, 13) * 3600
        + n(14, 16) * 60
        + n(17, 19)
}

pub(super) fn get<'a>(r: &'a HashMap<String, String>, k: &str) -> &'a str {
    r.get(k).map_or("", String::as_str)
}

pub(super) fn is_end(r: &HashMap<String, String>) -> bool {
    get(r, "event") == "end"
}

/// Unix time of 00:00Z of traffic day `day`.
pub(super) fn midnight(day: u32) -> i64 {
    (days_from_civil(2026, 11, 1) + i64::from(day)) * 86_400
}

/// Intervals (start, end) of day `day`'s records, open ones closed by day `day + 1`'s end
/// records; `key` names a record as an end record repeats it, `start`/`end` the columns.
pub(super) fn closed(
    today: &Rows,
    tomorrow: &Rows,
    key: &[&str],
    start: &str,
    end: &str,
) -> Vec<(HashMap<String, String>, i64, i64)> {
    let name =
        |r: &HashMap<String, String>| key.iter().map(|k| get(r, k).to_owned()).collect::<Vec<_>>();
    let ends: HashMap<Vec<String>, i64> = tomorrow
        .iter()
        .filter(|r| is_end(r))
        .map(|r| (name(r), time(get(r, end))))
        .collect();
    today
        .iter()
        .filter(|r| !is_end(r))
        .map(|r| {
            let e = match get(r, end) {
                "" => *ends
                    .get(&name(r))
                    .expect("an open record is closed the next day"),
                e => time(e),
            };
            (r.clone(), time(get(r, start)), e)
        })
        .collect()
}

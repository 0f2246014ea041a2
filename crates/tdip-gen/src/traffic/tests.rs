//! Tests of the traffic generator: determinism, consistency with the subscriber file, the
//! uniqueness of block holders, sessions around assignments, the open/close hand-over
//! between days, the daily rhythm and the block layout.

use std::collections::{HashMap, HashSet};

use super::{TrafficGenConfig, write_cgnat_csv, write_sessions_csv};
use crate::numbers::days_from_civil;
use crate::{Country, GenConfig, write_csv};

type Rows = Vec<HashMap<String, String>>;

fn config(rows: u64, day: u32) -> TrafficGenConfig {
    TrafficGenConfig::new(GenConfig::new("kpn", Country::Nl, rows, 7).on_day(day))
}

fn parse(bytes: &[u8]) -> Rows {
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

fn cgnat(cfg: &TrafficGenConfig) -> Rows {
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

fn sessions(cfg: &TrafficGenConfig) -> Rows {
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
fn time(s: &str) -> i64 {
    assert_eq!(s.len(), 20, "RFC 3339 UTC to the second");
    assert!(s.ends_with('Z'));
    let n = |a: usize, b: usize| s[a..b].parse::<i64>().expect("digits");
    days_from_civil(n(0, 4), n(5, 7), n(8, 10)) * 86_400
        + n(11, 13) * 3600
        + n(14, 16) * 60
        + n(17, 19)
}

fn get<'a>(r: &'a HashMap<String, String>, k: &str) -> &'a str {
    r.get(k).map_or("", String::as_str)
}

fn is_end(r: &HashMap<String, String>) -> bool {
    get(r, "event") == "end"
}

/// Unix time of 00:00Z of traffic day `day`.
fn midnight(day: u32) -> i64 {
    (days_from_civil(2026, 11, 1) + i64::from(day)) * 86_400
}

/// Intervals (start, end) of day `day`'s records, open ones closed by day `day + 1`'s end
/// records; `key` names a record as an end record repeats it, `start`/`end` the columns.
fn closed(
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

#[test]
fn same_bytes_every_run_and_days_differ() {
    let run = |day| {
        let cfg = config(3000, day);
        let (mut a, mut b) = (Vec::new(), Vec::new());
        write_cgnat_csv(&cfg, &mut a).expect("cgnat");
        write_sessions_csv(&cfg, &mut b).expect("sessions");
        (a, b)
    };
    let d3 = run(3);
    assert_eq!(d3, run(3));
    assert!(d3.0.len() > 1000 && d3.1.len() > 1000);
    assert_ne!(d3.0, run(4).0);
    assert_ne!(d3.1, run(4).1);
}

#[test]
fn user_ids_are_those_of_the_subscriber_file_and_alive() {
    let base = GenConfig {
        change_rate_ppm: 20_000,
        ..GenConfig::new("p3", Country::Be, 30_000, 11)
    };
    for day in [0u32, 3, 6] {
        let cfg = TrafficGenConfig::new(base.on_day(day));
        let subscribers = |d| {
            let mut out = Vec::new();
            write_csv(&base.on_day(d), &mut out).expect("subscribers");
            parse(&out)
        };
        let today = subscribers(day);
        let users: HashMap<&str, &HashMap<String, String>> = today
            .iter()
            .filter(|r| get(r, "service") == "internet")
            .map(|r| (get(r, "user_id"), r))
            .collect();
        let tomorrow: HashSet<String> = subscribers(day + 1)
            .iter()
            .map(|r| get(r, "user_id").to_owned())
            .collect();
        let mut seen = 0;
        for (rows, start) in [(cgnat(&cfg), "start"), (sessions(&cfg), "login")] {
            for r in rows.iter().filter(|r| !is_end(r)) {
                let u = get(r, "user_id");
                let sub = users
                    .get(u)
                    .expect("a user id of that day's subscriber file");
                let t = time(get(r, start));
                assert!(
                    t >= time(get(sub, "subscription_start")),
                    "after the subscription began"
                );
                assert!(
                    t >= midnight(day) && t < midnight(day + 1),
                    "written on its day"
                );
                if !tomorrow.contains(u) {
                    let end = if start == "start" { "end" } else { "logoff" };
                    assert!(
                        time(get(r, end)) <= midnight(day) + 23 * 3600,
                        "over before it ended"
                    );
                }
                seen += 1;
            }
            for r in rows.iter().filter(|r| is_end(r)) {
                assert!(users.contains_key(get(r, "user_id")));
            }
        }
        assert!(seen > 10_000, "traffic on day {day}");
    }
}

#[test]
fn no_block_is_held_twice_at_once() {
    // A small pool, so blocks are handed out again and again (and sometimes run out).
    for (ips, size) in [(3, 512), (1, 4096), (1, 64)] {
        for day in [0u32, 2] {
            let mut cfg = config(4000, day);
            cfg.public_ips = ips;
            cfg.block_size = size;
            let mut next = cfg.clone();
            next.subscribers.day = day + 1;
            let (today, tomorrow) = (cgnat(&cfg), cgnat(&next));
            let mut held: HashMap<(String, String), Vec<(i64, i64)>> = HashMap::new();
            let all = closed(
                &today,
                &tomorrow,
                &["public_ip", "first_port", "start"],
                "start",
                "end",
            );
            for (r, s, e) in &all {
                assert!(e > s, "an end after its start");
                let block = (
                    get(r, "public_ip").to_owned(),
                    get(r, "first_port").to_owned(),
                );
                held.entry(block).or_default().push((*s, *e));
            }
            // Yesterday's midnight crossers still hold their blocks this morning.
            for r in today.iter().filter(|r| is_end(r)) {
                let block = (
                    get(r, "public_ip").to_owned(),
                    get(r, "first_port").to_owned(),
                );
                held.entry(block)
                    .or_default()
                    .push((time(get(r, "start")), time(get(r, "end"))));
            }
            let mut reused = 0;
            for spans in held.values_mut() {
                spans.sort_unstable();
                for w in spans.windows(2) {
                    assert!(w[0].1 < w[1].0, "one holder at a time");
                    reused += 1;
                }
            }
            assert!(
                reused > 100,
                "blocks are reused ({ips} addresses of {size}-port blocks)"
            );
        }
    }
}

#[test]
fn blocks_have_the_size_and_ports_in_range() {
    for size in [64u16, 512, 2048, 4096] {
        let mut cfg = config(2000, 1);
        cfg.block_size = size;
        let rows = cgnat(&cfg);
        assert!(!rows.is_empty());
        for r in &rows {
            let first: u32 = get(r, "first_port").parse().expect("port");
            let last: u32 = get(r, "last_port").parse().expect("port");
            assert_eq!(last - first + 1, u32::from(size));
            assert!(first >= 1024 && last <= 65_535);
            assert_eq!(
                (first - 1024) % u32::from(size),
                0,
                "blocks do not straddle"
            );
            assert!(get(r, "public_ip").parse::<std::net::Ipv4Addr>().is_ok());
        }
    }
    let mut bad = config(100, 0);
    bad.block_size = 100;
    assert!(write_cgnat_csv(&bad, Vec::new()).is_err());
    let mut bad = config(100, 0);
    bad.public_ips = 0;
    assert!(write_sessions_csv(&bad, Vec::new()).is_err());
}

#[test]
fn each_assignment_lies_inside_a_session_of_its_holder() {
    for day in [0u32, 4] {
        let (cfg, next) = (config(5000, day), config(5000, day + 1));
        let blocks = closed(
            &cgnat(&cfg),
            &cgnat(&next),
            &["public_ip", "first_port", "start"],
            "start",
            "end",
        );
        let sess = closed(
            &sessions(&cfg),
            &sessions(&next),
            &["user_id", "address", "login"],
            "login",
            "logoff",
        );
        let mut by_user: HashMap<(String, String), Vec<(i64, i64)>> = HashMap::new();
        for (r, s, e) in &sess {
            let key = (get(r, "user_id").to_owned(), get(r, "address").to_owned());
            by_user.entry(key).or_default().push((*s, *e));
        }
        for spans in by_user.values_mut() {
            spans.sort_unstable();
            for w in spans.windows(2) {
                assert!(w[0].1 < w[1].0, "one user's sessions do not overlap");
            }
        }
        let mut by_holder: HashMap<&str, Vec<(i64, i64)>> = HashMap::new();
        for (r, s, e) in &blocks {
            let key = (
                get(r, "user_id").to_owned(),
                get(r, "private_ip").to_owned(),
            );
            let spans = by_user
                .get(&key)
                .expect("the holder has sessions with that address");
            assert!(
                spans.iter().any(|(ls, le)| ls <= s && e <= le),
                "the assignment lies inside one of them"
            );
            by_holder
                .entry(get(r, "user_id"))
                .or_default()
                .push((*s, *e));
        }
        for spans in by_holder.values_mut() {
            spans.sort_unstable();
            for w in spans.windows(2) {
                assert!(w[0].1 < w[1].0, "one user's blocks do not overlap");
            }
        }
        // Some subscribers are IPv6-only: a delegated /56 and no CGNAT.
        let v6: HashSet<&str> = sess
            .iter()
            .filter(|(r, _, _)| get(r, "address").starts_with("2001:db8:"))
            .map(|(r, _, _)| {
                assert!(get(r, "address").ends_with("00::/56"));
                get(r, "user_id")
            })
            .collect();
        assert!(v6.len() > 20);
        assert!(v6.iter().all(|u| !by_holder.contains_key(u)));
    }
}

#[test]
fn open_records_are_closed_by_the_next_day() {
    let key = |r: &HashMap<String, String>, cols: &[&str]| {
        cols.iter()
            .map(|c| get(r, c).to_owned())
            .collect::<Vec<_>>()
    };
    for (write, cols, end) in [
        (
            cgnat as fn(&TrafficGenConfig) -> Rows,
            &[
                "public_ip",
                "first_port",
                "last_port",
                "private_ip",
                "user_id",
                "start",
            ][..],
            "end",
        ),
        (sessions, &["user_id", "address", "login"][..], "logoff"),
    ] {
        let day = 2;
        let today = write(&config(5000, day));
        let tomorrow = write(&config(5000, day + 1));
        let open: HashSet<Vec<String>> = today
            .iter()
            .filter(|r| get(r, end).is_empty())
            .map(|r| key(r, cols))
            .collect();
        let closing: Vec<&HashMap<String, String>> =
            tomorrow.iter().filter(|r| is_end(r)).collect();
        let closes: HashSet<Vec<String>> = closing.iter().map(|r| key(r, cols)).collect();
        assert!(
            open.len() > 5,
            "a few records stay open at the end of the day"
        );
        assert_eq!(
            open, closes,
            "exactly the open ones are closed, repeating what they said"
        );
        assert_eq!(closes.len(), closing.len());
        // The end records come first, and they close on the next day.
        assert!(tomorrow.iter().take(closing.len()).all(is_end));
        for r in closing {
            let t = time(get(r, end));
            assert!(t >= midnight(day + 1) && t < midnight(day + 2));
        }
        // Others cross midnight complete.
        let crossing = today.iter().filter(|r| {
            !is_end(r) && !get(r, end).is_empty() && time(get(r, end)) >= midnight(day + 1)
        });
        assert!(crossing.count() > 5);
        // Day 0 closes nothing and has no event column.
        let first = write(&config(5000, 0));
        assert!(first.iter().all(|r| !r.contains_key("event")));
    }
}

#[test]
fn few_starts_at_night_many_in_the_evening() {
    let rows = cgnat(&config(20_000, 1));
    let mut per_hour = [0u32; 24];
    for r in rows.iter().filter(|r| !is_end(r)) {
        // November: Amsterdam is UTC+1.
        let local = (time(get(r, "start")) + 3600).rem_euclid(86_400);
        per_hour[(local / 3600) as usize] += 1;
    }
    let night: u32 = per_hour[2..6].iter().sum();
    let evening: u32 = per_hour[19..23].iter().sum();
    assert!(night * 4 < evening, "night {night}, evening {evening}");
    // Starts are sorted.
    let starts: Vec<i64> = rows.iter().map(|r| time(get(r, "start"))).collect();
    assert!(starts.windows(2).all(|w| w[0] <= w[1]));
    // Roughly the configured mean of blocks per subscriber.
    let users: HashSet<&str> = rows.iter().map(|r| get(r, "user_id")).collect();
    let mean = rows.len() as f64 / users.len() as f64;
    assert!((1.5..6.0).contains(&mean), "mean {mean}");
}

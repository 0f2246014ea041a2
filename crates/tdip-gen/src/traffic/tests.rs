//! Tests of the traffic generator: determinism, consistency with the subscriber file, the
//! uniqueness of block holders, sessions around assignments, the open/close hand-over
//! between days, the daily rhythm and the block layout.

mod support;

use std::collections::{HashMap, HashSet};

use super::{TrafficGenConfig, write_cgnat_csv, write_sessions_csv};
use crate::{Country, GenConfig, write_csv};
use support::{Rows, cgnat, closed, config, get, is_end, midnight, parse, sessions, time};

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
            .filter(|(r, _, _)| get(r, "address").contains('/'))
            .map(|(r, _, _)| {
                let (net, len) = get(r, "address").split_once('/').expect("a prefix");
                let net = u128::from(net.parse::<std::net::Ipv6Addr>().expect("IPv6"));
                assert_eq!(len, "56");
                assert_eq!(net >> 96, 0x2001_0db8, "from 2001:db8::/32");
                assert_eq!(net & ((1 << 72) - 1), 0, "no host bits");
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
    assert!((3.2..4.8).contains(&mean), "mean {mean}");
}

#[test]
fn the_plan_has_exactly_the_internet_subscriptions_of_the_file() {
    use crate::ctx::Ctx;
    use crate::row::{self, Fate, Service};
    let base = GenConfig::new("odido", Country::Nl, 40_000, 5);
    for day in [0u32, 9] {
        let population = base.on_day(day);
        let ctx = Ctx::new(&population).expect("population");
        let plan = super::plan::DayPlan::new(&ctx, &TrafficGenConfig::new(population.clone()));
        let planned: Vec<u64> = plan.subs.iter().map(|s| s.rank).collect();
        let mut present = Vec::new();
        let mut birth = 0;
        let mut r = row::base(&ctx, 0, 0);
        for i in 0..ctx.total_rows(day) {
            while i >= ctx.born_until(birth) {
                birth += 1;
            }
            if ctx.service_of(i).0 == Service::Internet
                && matches!(row::evolve(&ctx, i, birth, day, &mut r), Fate::Present(_))
            {
                present.push(r.rank);
            }
        }
        assert_eq!(planned, present, "day {day}");
    }
}

#[test]
fn memory_follows_the_subscribers_not_the_pool() {
    // 260,096 addresses of 1,008 blocks: a pool of a quarter billion blocks, which the
    // writer must not lay out.
    let mut cfg = config(500, 1);
    cfg.public_ips = super::MAX_PUBLIC_IPS;
    cfg.block_size = 64;
    let rows = cgnat(&cfg);
    assert!(rows.len() > 100);
    let blocks: HashSet<(&str, &str)> = rows
        .iter()
        .map(|r| (get(r, "public_ip"), get(r, "first_port")))
        .collect();
    assert_eq!(
        blocks.len(),
        rows.len(),
        "a pool this large hands out fresh blocks"
    );
}

//! Tests of the communication and cell generators: determinism, the columns of each kind,
//! the identifiers against the same day's subscriber file, cells against the cell
//! history, volumes and order.

use std::collections::{HashMap, HashSet};

use crate::numbers::{days_from_civil, luhn_digit};
use crate::{
    Country, GenConfig, TrafficGenConfig, write_calls_csv, write_cells_csv, write_csv,
    write_fixed_csv, write_mail_csv, write_sessions_csv,
};

type Table = (Vec<String>, Vec<Vec<String>>);

/// Header and rows of a CSV output; rows keep their own length.
fn table(bytes: &[u8]) -> Table {
    let mut r = csv::ReaderBuilder::new().flexible(true).from_reader(bytes);
    let header = r
        .headers()
        .expect("header")
        .iter()
        .map(String::from)
        .collect();
    let rows = r
        .records()
        .map(|rec| rec.expect("record").iter().map(String::from).collect())
        .collect();
    (header, rows)
}

fn generate(
    cfg: &GenConfig,
    f: fn(&GenConfig, &mut Vec<u8>) -> Result<u64, crate::GenError>,
) -> Table {
    let mut out = Vec::new();
    let n = f(cfg, &mut out).expect("generated");
    let t = table(&out);
    assert_eq!(t.1.len() as u64, n, "returned count is the rows written");
    t
}

fn cells(cfg: &GenConfig) -> Table {
    generate(cfg, |c, o| write_cells_csv(c, o))
}
fn calls(cfg: &GenConfig) -> Table {
    generate(cfg, |c, o| write_calls_csv(c, o))
}
fn fixed(cfg: &GenConfig) -> Table {
    generate(cfg, |c, o| write_fixed_csv(c, o))
}
fn mail(cfg: &GenConfig) -> Table {
    generate(cfg, |c, o| write_mail_csv(c, o))
}
fn subscribers(cfg: &GenConfig) -> Table {
    generate(cfg, |c, o| write_csv(c, o).map(|s| s.rows))
}

fn col(t: &Table, name: &str) -> usize {
    t.0.iter().position(|c| c == name).expect("column")
}

/// Unix time of an RFC 3339 UTC time `YYYY-MM-DDTHH:MM:SSZ`.
fn unix(s: &str) -> i64 {
    assert_eq!(s.len(), 20, "RFC 3339 UTC to the second");
    assert!(s.ends_with('Z') && &s[10..11] == "T");
    let n = |a: usize, b: usize| s[a..b].parse::<i64>().expect("digits");
    days_from_civil(n(0, 4), n(5, 7), n(8, 10)) * 86_400
        + n(11, 13) * 3600
        + n(14, 16) * 60
        + n(17, 19)
}

fn day_start(day: u32) -> i64 {
    (days_from_civil(2026, 11, 1) + i64::from(day)) * 86_400
}

fn kpn(rows: u64, day: u32) -> GenConfig {
    GenConfig::new("kpn", Country::Nl, rows, 7).on_day(day)
}

/// Identifiers of a subscriber file: msisdn, imsi, imei, e-mail and user id sets.
fn ids(cfg: &GenConfig) -> [HashSet<String>; 5] {
    let t = subscribers(cfg);
    let mut sets: [HashSet<String>; 5] = Default::default();
    for (k, name) in ["msisdn", "imsi", "imei", "email", "user_id"]
        .iter()
        .enumerate()
    {
        let c = col(&t, name);
        for r in &t.1 {
            for v in r[c].split(';').filter(|v| !v.is_empty()) {
                sets[k].insert(v.to_string());
            }
        }
    }
    sets
}

fn is_e164(n: &str) -> bool {
    let digits = n.strip_prefix('+').unwrap_or("x");
    let ok = digits.bytes().all(|b| b.is_ascii_digit());
    ok && match &digits[..2.min(digits.len())] {
        "31" => digits.len() == 11,
        "32" => digits.len() == 10 || digits.len() == 11,
        _ => false,
    }
}

#[test]
fn every_kind_is_deterministic_and_differs_by_day() {
    let writers: [fn(&GenConfig) -> Table; 4] = [cells, calls, fixed, mail];
    for w in writers {
        assert_eq!(w(&kpn(3000, 2)), w(&kpn(3000, 2)));
    }
    assert_ne!(calls(&kpn(3000, 2)).1, calls(&kpn(3000, 3)).1);
    assert_ne!(mail(&kpn(3000, 2)).1, mail(&kpn(3000, 3)).1);
}

#[test]
fn every_row_has_the_columns_of_its_kind() {
    let cfg = kpn(3000, 1);
    for (t, n) in [
        (cells(&cfg.on_day(0)), 9),
        (calls(&cfg), 16),
        (fixed(&cfg), 10),
        (mail(&cfg), 12),
    ] {
        assert_eq!(t.0.len(), n);
        assert!(!t.1.is_empty());
        assert!(t.1.iter().all(|r| r.len() == n), "a row of {n} columns");
    }
}

#[test]
fn mobile_parties_are_the_populations_and_well_formed() {
    let cfg = kpn(5000, 3);
    let [msisdn, imsi, imei, _, _] = ids(&cfg);
    let t = calls(&cfg);
    let c = |n: &str| col(&t, n);
    let (mut unknown_imei, mut own_calling) = (0, 0);
    let mut subscribers_with_unknown = HashSet::new();
    for r in &t.1 {
        for side in ["calling", "called"] {
            let (kn, ki, ke) = (
                format!("{side}_number"),
                format!("{side}_imsi"),
                format!("{side}_imei"),
            );
            let number = &r[c(&kn)];
            assert!(is_e164(number), "E.164 number");
            let s_imsi = &r[c(&ki)];
            let s_imei = &r[c(&ke)];
            if s_imsi.is_empty() {
                assert!(s_imei.is_empty(), "an IMEI only with an IMSI");
                assert!(
                    !msisdn.contains(number) || side == "called",
                    "outside caller"
                );
                continue;
            }
            assert!(imsi.contains(s_imsi), "an IMSI of the subscriber file");
            assert!(msisdn.contains(number), "an own subscriber's number");
            assert_eq!(s_imei.len(), 15);
            let (payload, check) = s_imei.as_bytes().split_at(14);
            assert_eq!(luhn_digit(payload), check[0] - b'0', "IMEI passes Luhn");
            if !imei.contains(s_imei) {
                unknown_imei += 1;
                subscribers_with_unknown.insert(s_imsi.clone());
            }
            own_calling += usize::from(side == "calling");
        }
        for n in r[c("lines")].split(';').filter(|n| !n.is_empty()) {
            assert!(is_e164(n));
        }
        let f = &r[c("forwarded_to")];
        assert!(f.is_empty() || is_e164(f));
    }
    assert!(own_calling > 1000);
    // About one in 200 subscribers changes handset during the day.
    let swapped = subscribers_with_unknown.len();
    assert!(
        unknown_imei > 0 && swapped <= 3000 / 50,
        "{swapped} swapped handsets"
    );
}

#[test]
fn forwarded_calls_conferences_and_midnight_calls_occur() {
    let t = calls(&kpn(20_000, 1));
    let c = |n: &str| col(&t, n);
    let midnight = day_start(2);
    let forwarded =
        t.1.iter()
            .filter(|r| !r[c("forwarded_to")].is_empty())
            .count();
    let conferences = t.1.iter().filter(|r| !r[c("lines")].is_empty()).count();
    let crossing =
        t.1.iter()
            .filter(|r| !r[c("end")].is_empty() && unix(&r[c("end")]) > midnight)
            .count();
    assert!(
        forwarded > 10 && forwarded < t.1.len() / 50,
        "{forwarded} forwarded"
    );
    assert!(
        conferences > 5 && conferences < t.1.len() / 50,
        "{conferences} conferences"
    );
    assert!(crossing > 3, "{crossing} calls cross midnight");
    for r in &t.1 {
        let start = unix(&r[c("start")]);
        assert!(
            (day_start(1)..midnight).contains(&start),
            "starts on the day"
        );
        match r[c("type")].as_str() {
            "call" => assert!(unix(&r[c("end")]) >= start),
            "sms" | "mms" => assert!(r[c("end")].is_empty() && r[c("forwarded_to")].is_empty()),
            other => panic!("type {other}"),
        }
    }
}

/// The configuration history of every cell up to `day`: (valid_from, configured?).
fn history(cfg: &GenConfig, day: u32) -> HashMap<String, Vec<(i64, bool)>> {
    let mut h: HashMap<String, Vec<(i64, bool)>> = HashMap::new();
    for d in 0..=day {
        let t = cells(&cfg.on_day(d));
        for r in &t.1 {
            h.entry(r[0].clone())
                .or_default()
                .push((unix(&r[1]), r[2] == "configured"));
        }
    }
    h
}

fn configured_at(h: &HashMap<String, Vec<(i64, bool)>>, cell: &str, t: i64) -> bool {
    h.get(cell)
        .and_then(|v| v.iter().rev().find(|(from, _)| *from <= t))
        .is_some_and(|(_, on)| *on)
}

#[test]
fn cells_of_calls_exist_and_are_configured_when_used() {
    let cfg = kpn(20_000, 6);
    let h = history(&cfg, 6);
    let t = calls(&cfg);
    let mut used = 0;
    for r in &t.1 {
        let start = unix(&r[col(&t, "start")]);
        for name in [
            "calling_cell_start",
            "calling_cell_end",
            "called_cell_start",
            "called_cell_end",
        ] {
            let cell = &r[col(&t, name)];
            if !cell.is_empty() {
                assert!(configured_at(&h, cell, start), "a configured cell");
                used += 1;
            }
        }
    }
    assert!(used > 10_000);
}

#[test]
fn cells_are_well_formed_and_sited_on_a_grid_of_sectors() {
    let t = cells(&kpn(20_000, 0));
    assert_eq!(t.1.len() % 3, 0);
    let mut ids = HashSet::new();
    for r in &t.1 {
        let parts: Vec<&str> = r[0].split('-').collect();
        assert_eq!(parts.len(), 4, "mcc-mnc-lac-ci");
        assert_eq!(&parts[..2], &["204", "08"]);
        assert!(parts.iter().all(|p| p.bytes().all(|b| b.is_ascii_digit())));
        assert!(ids.insert(r[0].clone()), "cell ids are unique");
        assert_eq!(r[1], "2026-10-01T00:00:00Z");
        assert_eq!(r[2], "configured");
        let (lat, lon) = (r[3].parse::<f64>().unwrap(), r[4].parse::<f64>().unwrap());
        assert!(
            (50.7..53.6).contains(&lat) && (3.3..7.3).contains(&lon),
            "in NL"
        );
        assert!(r[3].split('.').nth(1).is_some_and(|d| d.len() <= 6));
        assert!(["0", "120", "240"].contains(&r[5].as_str()));
        assert_eq!(r[6], "65");
        assert!(!r[7].is_empty());
        assert!(["lte", "nr", "umts"].contains(&r[8].as_str()));
    }
    let be = cells(&GenConfig::new("proximus", Country::Be, 20_000, 7));
    assert!(be.1.iter().all(|r| r[0].starts_with("206-01-")));
    assert!(
        be.1.iter()
            .all(|r| (49.4..51.6).contains(&r[3].parse::<f64>().unwrap()))
    );
}

#[test]
fn sites_are_resited_a_few_hundred_metres_within_ten_days() {
    let cfg = kpn(20_000, 0);
    let mut pos: HashMap<String, (f64, f64)> = HashMap::new();
    for r in cells(&cfg).1 {
        pos.insert(r[0].clone(), (r[3].parse().unwrap(), r[4].parse().unwrap()));
    }
    let total = pos.len();
    let (mut moved, mut removed) = (0, 0);
    for d in 1..=10 {
        let t = cells(&cfg.on_day(d));
        let mut last = i64::MIN;
        for r in &t.1 {
            let at = unix(&r[1]);
            assert!(
                (day_start(d)..day_start(d + 1)).contains(&at),
                "dated inside its day"
            );
            assert!(at >= last, "sorted by valid_from");
            last = at;
            let old = pos.get(&r[0]).copied().expect("a known cell");
            if r[2] == "removed" {
                assert!(r[3..7].iter().all(String::is_empty));
                pos.remove(&r[0]);
                removed += 1;
                continue;
            }
            let new: (f64, f64) = (r[3].parse().unwrap(), r[4].parse().unwrap());
            let dy = (new.0 - old.0) * 111_320.0;
            let dx = (new.1 - old.1) * 111_320.0 * old.0.to_radians().cos();
            let metres = (dx * dx + dy * dy).sqrt();
            assert!((150.0..700.0).contains(&metres), "moved {metres:.0} m");
            pos.insert(r[0].clone(), new);
            moved += 1;
        }
    }
    // About 1 % of the cells a day: 10 days of ~120 cells, within wide bounds.
    assert!(
        moved > total / 100 * 3 && moved < total / 100 * 30,
        "{moved} of {total} re-sited"
    );
    assert!(removed < total / 50, "{removed} removed");
}

#[test]
fn volumes_per_subscriber_are_in_the_stated_ranges() {
    let cfg = kpn(10_000, 2);
    let t = calls(&cfg);
    let mobiles = ids(&cfg)[1].len() as f64;
    let ty = col(&t, "type");
    let per = |k: &str| t.1.iter().filter(|r| r[ty] == k).count() as f64 / mobiles;
    let (call, sms) = (per("call"), per("sms"));
    assert!((3.0..5.0).contains(&call), "{call} calls per subscriber");
    assert!((1.2..2.8).contains(&sms), "{sms} SMS per subscriber");
    let m = mail(&cfg);
    let mut per_account: HashMap<&str, u32> = HashMap::new();
    for r in &m.1 {
        *per_account.entry(&r[1]).or_default() += 1;
    }
    let mailboxes: Vec<u32> = per_account
        .iter()
        .filter(|(a, _)| !a.starts_with('v'))
        .map(|(_, n)| *n)
        .collect();
    let mean = f64::from(mailboxes.iter().sum::<u32>()) / mailboxes.len() as f64;
    assert!(
        (12.0..28.0).contains(&mean),
        "{mean} internet events per mailbox"
    );
}

#[test]
fn every_file_is_sorted_by_start() {
    let cfg = kpn(5000, 4);
    for t in [calls(&cfg), fixed(&cfg), mail(&cfg)] {
        let s = col(&t, "start");
        let starts: Vec<i64> = t.1.iter().map(|r| unix(&r[s])).collect();
        assert!(starts.windows(2).all(|w| w[0] <= w[1]));
    }
}

#[test]
fn internet_accounts_and_addresses_are_those_of_the_subscriber_and_session_files() {
    let cfg = kpn(5000, 1);
    let [msisdn, _, _, email, user_id] = ids(&cfg);
    let m = mail(&cfg);
    let subs = subscribers(&cfg);
    let (e, u) = (col(&subs, "email"), col(&subs, "user_id"));
    let user_of: HashMap<&str, &str> = subs
        .1
        .iter()
        .map(|r| (r[e].as_str(), r[u].as_str()))
        .collect();
    let mut sessions = Vec::new();
    write_sessions_csv(&TrafficGenConfig::new(cfg.clone()), &mut sessions).expect("sessions");
    let sessions = table(&sessions);
    let address: HashMap<&str, &str> = sessions
        .1
        .iter()
        .map(|r| (r[0].as_str(), r[1].as_str()))
        .collect();
    let mut matched = 0;
    for r in &m.1 {
        let account = &r[col(&m, "account")];
        assert!(
            email.contains(account) || user_id.contains(account),
            "an own account"
        );
        let calling = &r[col(&m, "calling_number")];
        assert!(calling.is_empty() || msisdn.contains(calling));
        let called = &r[col(&m, "called_number")];
        assert!(called.is_empty() || is_e164(called));
        let ip = &r[col(&m, "user_ip")];
        assert!(ip.starts_with("100.") || ip.starts_with("2001:db8:"));
        if let Some(a) = user_of.get(account.as_str()).and_then(|u| address.get(u))
            && a.starts_with("100.")
        {
            assert_eq!(a, ip, "the inside address of the session file");
            matched += 1;
        }
        match r[0].as_str() {
            "mail" => assert!(!r[2].is_empty() && r[col(&m, "end")].is_empty()),
            "login" => assert!(r[2].is_empty() && !r[col(&m, "end")].is_empty()),
            "voip" => assert!(!r[col(&m, "end")].is_empty()),
            other => panic!("type {other}"),
        }
    }
    assert!(
        matched > 100,
        "{matched} records checked against the sessions"
    );
}

#[test]
fn fixed_lines_are_the_populations_with_their_address() {
    let cfg = kpn(5000, 1);
    let [msisdn, ..] = ids(&cfg);
    let t = fixed(&cfg);
    for r in &t.1 {
        assert_eq!(r[0], "call");
        assert!(is_e164(&r[1]) && is_e164(&r[2]));
        for (number, ntp) in [(&r[1], &r[3]), (&r[2], &r[4])] {
            if !ntp.is_empty() {
                assert!(msisdn.contains(number), "an own line has an address");
                assert!(ntp.chars().count() <= 128 && !ntp.chars().any(char::is_control));
            }
        }
        assert!(unix(&r[8]) >= unix(&r[7]));
    }
}

//! Retention as a job: fourteen months of daily deliveries and traffic batches run
//! through a test clock, each class checked around every midnight to disappear exactly
//! when its term is over — not a second early, not a day late — across month ends and
//! both DST changes; a copy of the database taken before a run cannot answer for what the
//! run destroyed afterwards, while what is not due still answers; a run is recorded
//! step by step in the audit log, and a second run at the same moment destroys nothing.

mod common;

use common::*;
use jiff::ToSpan;
use jiff::tz::TimeZone;
use tdip_core::audit::{AuditKeys, Auditor, Event};
use tdip_core::datakeys::{DataClass, Month, Scope};
use tdip_core::integrity::of_kind;
use tdip_core::retention::{self, Class, Period, Policy};
use tdip_core::traffic::ingest::{BatchInput, deliver_batch};
use tdip_core::traffic::records::{RecordsOf, records_of};
use tdip_model::IdentKind;
use tdip_store::{ClosedMonth, RetentionStore, Store, TrafficKind, TrafficStore};
use tdip_store_sqlite::{SqliteAudit, SqliteStore};

fn utc(s: &str) -> i64 {
    s.parse::<jiff::Timestamp>().unwrap().as_second()
}

fn at_midnight(d: jiff::civil::Date) -> i64 {
    d.to_zoned(TimeZone::UTC).unwrap().timestamp().as_second()
}

/// `secs` plus twelve calendar months (UTC), as a person would count a year on.
fn a_year_after(secs: i64) -> i64 {
    jiff::Timestamp::from_second(secs)
        .unwrap()
        .to_zoned(TimeZone::UTC)
        .checked_add(12.months())
        .unwrap()
        .timestamp()
        .as_second()
}

/// The first midnight (UTC) after `secs`.
fn next_midnight(secs: i64) -> i64 {
    (secs.div_euclid(86_400) + 1) * 86_400
}

fn auditor(p: &Point) -> Auditor<SqliteAudit> {
    let audit = SqliteAudit::open(&p.dir.path().join("audit.db")).unwrap();
    Auditor::new(audit, Some(AuditKeys::new(&p.keys)))
}

async fn batch(p: &Point, provider: &str, id: &str, csv: &str, received_at: i64) {
    let provider = p.store.provider(provider).await.unwrap().unwrap();
    let input = BatchInput {
        provider: &provider,
        batch_id: id,
        kind: TrafficKind::PortBlock,
        received_at,
    };
    let report = deliver_batch(
        &p.store,
        &p.keys,
        input,
        std::io::Cursor::new(csv.as_bytes().to_vec()),
    )
    .await
    .unwrap();
    assert_eq!(report.batch, "accepted", "{:?}", report.errors);
}

/// One day of deliveries: kpn's subscriber file (Jansen moves back and forth, so one
/// version closes every day) and a CGNAT batch with a block on that day.
async fn deliver_day(p: &Point, day: jiff::civil::Date, n: usize) {
    let noon = at_midnight(day) + 12 * 3_600;
    let jansen = if n.is_multiple_of(2) {
        JANSEN
    } else {
        JANSEN_MOVED
    };
    assert!(
        p.deliver("kpn", &csv(&[jansen, BAKKER, DE_VRIES]), noon)
            .await
            .accepted()
    );
    let cgnat = format!(
        "public_ip,first_port,last_port,private_ip,user_id,start,end\n\
         198.51.100.7,40000,40511,,u-jansen,{day}T10:00:00Z,{day}T11:00:00Z\n"
    );
    batch(p, "kpn", &format!("cgnat-{day}"), &cgnat, noon + 600).await;
}

/// The days the store holds traffic of, and the months it holds kpn's closed versions of.
async fn held(p: &Point, months: &[Month]) -> (Vec<i32>, Vec<Month>) {
    let days = p
        .store
        .traffic_days()
        .await
        .unwrap()
        .into_iter()
        .map(|d| d.day)
        .collect();
    let mut kept = Vec::new();
    for m in months {
        let range = ClosedMonth {
            month: m.index(),
            from: m.first_second().unwrap(),
            to: m.next().first_second().unwrap(),
        };
        if p.store.closed_in("kpn", range).await.unwrap().versions > 0 {
            kept.push(*m);
        }
    }
    (days, kept)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_class_disappears_exactly_on_its_due_day_over_fourteen_months() {
    let p = Point::new().await;
    let log = auditor(&p);
    let policy = Policy::defaults();
    let first = jiff::civil::date(2025, 1, 1);
    let days = 14 * 30 + 10;
    let mut delivered_days: Vec<i32> = Vec::new();
    let mut closed_months: Vec<Month> = Vec::new();
    let mut destroyed_days = 0;
    for n in 0..days {
        let day = first.checked_add((n as i64).days()).unwrap();
        deliver_day(&p, day, n).await;
        delivered_days.push((at_midnight(day) / 86_400) as i32);
        // From the second day on, a version closes every day, in the month of the day.
        let m = Month::of(at_midnight(day)).unwrap();
        if n > 0 && !closed_months.contains(&m) {
            closed_months.push(m);
        }
        let midnight = at_midnight(day.tomorrow().unwrap());
        for now in [midnight - 1, midnight + 1] {
            let out = retention::run(&p.store, &p.keys, &log, &policy, now)
                .await
                .unwrap();
            destroyed_days += out
                .done
                .iter()
                .filter(|s| s.class == Class::TrafficDay)
                .count();
            let (days_held, months_held) = held(&p, &closed_months).await;
            for d in &delivered_days {
                let last = i64::from(*d) * 86_400 + 86_399;
                let kept = days_held.contains(d);
                // Kept: not a day late. Gone: not a second early.
                if kept {
                    assert!(
                        now < next_midnight(a_year_after(last)),
                        "day {d} late at {now}"
                    );
                } else {
                    assert!(now > a_year_after(last), "day {d} early at {now}");
                }
            }
            for m in &closed_months {
                let last = m.next().first_second().unwrap() - 1;
                if months_held.contains(m) {
                    assert!(
                        now < next_midnight(a_year_after(last)),
                        "month {m} late at {now}"
                    );
                } else {
                    assert!(now > a_year_after(last), "month {m} early at {now}");
                }
            }
        }
    }
    // 2025-01-01 … 2025-03-06 fell due within the run: about two months of days, and
    // January and February 2025 of subscriber history with their keys.
    assert!(destroyed_days > 55, "{destroyed_days} days destroyed");
    let keys = p.keys.data().list().unwrap();
    for (month, gone) in [("2025-01", true), ("2025-02", true), ("2025-03", false)] {
        let m = Month::parse(month).unwrap();
        for class in [DataClass::Subscriber, DataClass::Traffic] {
            let of_month: Vec<_> = keys
                .iter()
                .filter(|k| k.scope == Scope::Month(m) && k.class == class)
                .collect();
            assert!(!of_month.is_empty(), "{month} {class:?}");
            assert!(
                of_month.iter().all(|k| k.destroyed_at.is_some() == gone),
                "{month} {class:?} keys destroyed: {gone}"
            );
        }
    }
    // Every step begun was done, each recorded with its class, period, counts and rule.
    let steps: Vec<Event> = of_kind(log.store(), "destruction")
        .await
        .unwrap()
        .into_iter()
        .map(|(_, e)| e)
        .collect();
    let begun = steps
        .iter()
        .filter(|e| matches!(e, Event::Retention { step, .. } if step == "begun"))
        .count();
    let done = steps
        .iter()
        .filter(|e| matches!(e, Event::Retention { step, .. } if step == "done"))
        .count();
    assert_eq!(begun, done);
    assert!(steps.iter().any(|e| matches!(e,
        Event::Retention { class, period, records, rule, .. }
            if class == "subscriber" && period == "2025-01" && *records == 30
                && rule.starts_with("NL:") && rule.contains("12 months"))));
    assert!(retention::unfinished(log.store()).await.unwrap().is_empty());
    // The open versions, whatever their age, are still answered.
    let now = at_midnight(first) + days as i64 * 86_400;
    assert_eq!(
        p.at(IdentKind::Msisdn, "+31687654321", now)
            .await
            .hits
            .len(),
        1,
        "Bakker's subscription, open since 2023, stays"
    );
}

/// A point where Jansen moved on 2025-10-10 (his first version closed in October 2025)
/// and kpn delivered a block of his on 2025-10-05; the moment of his first version.
async fn october() -> (Point, i64) {
    let p = Point::new().await;
    let oct5 = utc("2025-10-05T12:00:00Z");
    assert!(
        p.deliver("kpn", &csv(&[JANSEN, BAKKER]), oct5)
            .await
            .accepted()
    );
    let oct10 = utc("2025-10-10T12:00:00Z");
    assert!(
        p.deliver("kpn", &csv(&[JANSEN_MOVED, BAKKER]), oct10)
            .await
            .accepted()
    );
    batch(
        &p,
        "kpn",
        "old",
        "public_ip,first_port,last_port,private_ip,user_id,start,end\n\
         198.51.100.7,40000,40511,,u-jansen,2025-10-05T10:00:00Z,2025-10-05T11:00:00Z\n",
        oct10,
    )
    .await;
    (p, oct5)
}

/// How many of Jansen's versions `store` answers for `at`, with `p`'s keys.
async fn old_address(store: &SqliteStore, p: &Point, at: i64) -> usize {
    let q = tdip_core::lookup::Query {
        kind: IdentKind::Msisdn,
        value: "+31612345678".into(),
        when: tdip_core::lookup::When::At { at },
        default_country: None,
    };
    tdip_core::lookup::lookup(store, &p.keys, &q)
        .await
        .unwrap()
        .hits
        .len()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_copy_of_the_database_from_before_a_run_cannot_answer_for_what_it_destroyed() {
    let (p, oct5) = october().await;
    let log = auditor(&p);
    // And a block of Jansen's on 2026-11-20, not due.
    batch(
        &p,
        "kpn",
        "new",
        "public_ip,first_port,last_port,private_ip,user_id,start,end\n\
         198.51.100.7,40000,40511,,u-jansen,2026-11-20T10:00:00Z,2026-11-20T11:00:00Z\n",
        utc("2026-11-21T00:00:00Z"),
    )
    .await;
    p.store.checkpoint().unwrap();
    let copy = p.dir.path().join("backup.db");
    std::fs::copy(p.db_path(), &copy).unwrap();

    let records = |from: &str, to: &str| RecordsOf {
        kind: IdentKind::UserId,
        value: "u-jansen".into(),
        from: utc(from),
        to: utc(to),
    };
    let october = records("2025-10-01T00:00:00Z", "2025-10-31T23:59:59Z");
    let november = records("2026-11-01T00:00:00Z", "2026-11-30T23:59:59Z");
    assert_eq!(old_address(&p.store, &p, oct5).await, 1);
    assert_eq!(
        records_of(&p.store, &p.keys, &october)
            .await
            .unwrap()
            .records
            .len(),
        1
    );

    let now = utc("2026-12-03T09:00:00Z");
    let plan = retention::plan(
        &p.store,
        &p.keys.data().list().unwrap(),
        &Policy::defaults(),
        &[],
        now,
    )
    .await
    .unwrap();
    let due: Vec<(Class, Period)> = plan.due.iter().map(|s| (s.class, s.period)).collect();
    let oct = Period::Month(Month::parse("2025-10").unwrap());
    assert_eq!(
        due,
        [
            (Class::TrafficDay, Period::parse("2025-10-05").unwrap()),
            (Class::TrafficKeys, oct),
            (Class::Subscriber, oct),
        ]
    );
    let out = retention::run(&p.store, &p.keys, &log, &Policy::defaults(), now)
        .await
        .unwrap();
    assert_eq!(out.done.len(), 3);

    // The live store: October is gone, November and the open versions answer.
    assert_eq!(old_address(&p.store, &p, oct5).await, 0);
    assert!(
        records_of(&p.store, &p.keys, &october)
            .await
            .unwrap()
            .records
            .is_empty()
    );
    assert_eq!(
        records_of(&p.store, &p.keys, &november)
            .await
            .unwrap()
            .records
            .len(),
        1
    );
    // The copy still holds October's rows, but their keys are gone: nothing answers.
    let backup = SqliteStore::open(&copy).unwrap();
    assert_eq!(
        backup.traffic_days().await.unwrap().len(),
        2,
        "the copy holds both days"
    );
    assert_eq!(old_address(&backup, &p, oct5).await, 0);
    assert!(
        records_of(&backup, &p.keys, &october)
            .await
            .unwrap()
            .records
            .is_empty()
    );
    assert_eq!(
        records_of(&backup, &p.keys, &november)
            .await
            .unwrap()
            .records
            .len(),
        1
    );
    // A second run at the same moment has nothing left to do.
    let again = retention::run(&p.store, &p.keys, &log, &Policy::defaults(), now)
        .await
        .unwrap();
    assert!(again.done.is_empty() && again.resumed.is_empty());
    // The copy put back in the store's place: its October is due again, found, logged as
    // brought back around tdip, and destroyed again.
    let restored = retention::run(&backup, &p.keys, &log, &Policy::defaults(), now + 60)
        .await
        .unwrap();
    let again: Vec<Class> = restored.done.iter().map(|s| s.class).collect();
    assert_eq!(again, [Class::TrafficDay, Class::Subscriber]);
    let findings: Vec<String> = of_kind(log.store(), "integrity")
        .await
        .unwrap()
        .into_iter()
        .filter_map(|(_, e)| match e {
            Event::Integrity { what, detail, .. } if what == "retention" => Some(detail),
            _ => None,
        })
        .collect();
    assert_eq!(findings.len(), 2, "{findings:?}");
    assert!(findings[0].contains("traffic-day 2025-10-05 of every provider is held again"));
    assert!(
        findings[1].contains("subscriber 2025-10 of kpn"),
        "{findings:?}"
    );
    assert!(backup.traffic_days().await.unwrap().len() == 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_preserved_period_is_held_until_its_order_ends_then_destroyed_naming_it() {
    let (p, oct5) = october().await;
    let log = auditor(&p);
    // A case holds kpn's traffic of 4–6 October 2025 until 1 March 2027.
    let placed = utc("2026-11-01T09:00:00Z");
    let order = |action: &str, until: i64| Event::Preservation {
        action: action.into(),
        id: "P-1".into(),
        case: "PV-2026-77".into(),
        basis: "be/sv-39bis".into(),
        provider: "kpn".into(),
        class: "traffic".into(),
        from: utc("2025-10-04T00:00:00Z"),
        to: utc("2025-10-06T23:59:59Z"),
        until,
        reason: "order of the investigating judge".into(),
    };
    log.record(placed, vec![order("placed", utc("2027-03-01T00:00:00Z"))])
        .await
        .unwrap();
    let october = RecordsOf {
        kind: IdentKind::UserId,
        value: "u-jansen".into(),
        from: utc("2025-10-01T00:00:00Z"),
        to: utc("2025-10-31T23:59:59Z"),
    };

    let now = utc("2026-12-03T09:00:00Z");
    let out = retention::run(&p.store, &p.keys, &log, &Policy::defaults(), now)
        .await
        .unwrap();
    // The subscriber month goes (the order is for traffic); the day and its month's
    // traffic keys are held, and said to be.
    let done: Vec<Class> = out.done.iter().map(|s| s.class).collect();
    assert_eq!(done, [Class::Subscriber]);
    let held: Vec<(Class, Vec<String>)> = out
        .held
        .iter()
        .map(|(s, by)| (s.class, by.clone()))
        .collect();
    assert_eq!(held[0], (Class::TrafficDay, vec!["P-1".to_string()]));
    assert_eq!(held[1].0, Class::TrafficKeys);
    assert_eq!(old_address(&p.store, &p, oct5).await, 0);
    assert_eq!(
        records_of(&p.store, &p.keys, &october)
            .await
            .unwrap()
            .records
            .len(),
        1
    );

    // Lifted: the next run destroys the day and the keys, naming the order that held them.
    let lifted = utc("2026-12-05T09:00:00Z");
    log.record(lifted, vec![order("lifted", utc("2027-03-01T00:00:00Z"))])
        .await
        .unwrap();
    let orders = retention::orders(log.store()).await.unwrap();
    assert_eq!(orders[0].lifted_at, Some(lifted));
    assert!(!orders[0].in_force(lifted));
    let out = retention::run(&p.store, &p.keys, &log, &Policy::defaults(), lifted + 60)
        .await
        .unwrap();
    let done: Vec<Class> = out.done.iter().map(|s| s.class).collect();
    assert_eq!(done, [Class::TrafficDay, Class::TrafficKeys]);
    assert!(out.held.is_empty());
    assert!(
        records_of(&p.store, &p.keys, &october)
            .await
            .unwrap()
            .records
            .is_empty()
    );
    let named = of_kind(log.store(), "destruction")
        .await
        .unwrap()
        .into_iter()
        .filter(|(_, e)| {
            matches!(e,
            Event::Retention { class, step, preserved, .. }
                if class == "traffic-day" && step == "done" && preserved == &["P-1".to_string()])
        })
        .count();
    assert_eq!(named, 1, "the destruction names the order that held it");
}

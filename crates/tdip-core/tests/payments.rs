//! The payment history of delivery format version 2: payments delivered day after day
//! kept once, answered with the version they were made under, a version 1 file still
//! read beside them, a bad payment refusing its delivery whole, payments past their term
//! not kept, a month of payments destroyed on its due day in every copy of the store (and
//! again, with a finding, when a copy brings it back), and a payment row edited around
//! tdip found out.

mod common;

use common::*;
use tdip_core::CoreError;
use tdip_core::audit::{AuditKeys, Auditor};
use tdip_core::datakeys::Month;
use tdip_core::lookup::{Query, When, lookup};
use tdip_core::retention::{self, Class, Period, Policy};
use tdip_model::IdentKind;
use tdip_model::subscription::PaymentMethod;
use tdip_store::PaymentStore;
use tdip_store_sqlite::{SqliteAudit, SqliteStore};

fn utc(s: &str) -> i64 {
    s.parse::<jiff::Timestamp>().unwrap().as_second()
}

/// A version 2 file: [`HEADER`] and the payment columns; each row gives its payment
/// cells after its version 1 cells.
fn v2(rows: &[(&str, &str)]) -> String {
    let mut out = format!("{HEADER},payment_method,payment_means,payment_at");
    for (row, paid) in rows {
        out.push('\n');
        out.push_str(row);
        out.push(',');
        out.push_str(paid);
    }
    out.push('\n');
    out
}

const IBAN: &str = "NL91ABNA0417164300";

async fn jansen_at(store: &SqliteStore, p: &Point, at: i64) -> Vec<tdip_core::lookup::Hit> {
    let q = Query {
        kind: IdentKind::Msisdn,
        value: "+31612345678".into(),
        when: When::At { at },
        default_country: None,
    };
    lookup(store, &p.keys, &q).await.unwrap().hits
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn payments_delivered_day_after_day_are_kept_once_and_answered_with_their_version() {
    let p = Point::new().await;
    let nov2 = utc("2026-11-02T12:00:00Z");
    let paid = format!("direct_debit,{IBAN},2026-10-03 10:00:00;2026-11-01T08:00:00Z");
    let r = p.deliver("kpn", &v2(&[(JANSEN, &paid)]), nov2).await;
    assert!(r.accepted(), "{:?}", r.errors);
    assert_eq!((r.payments, r.payments_not_kept), (2, 0));

    // The next day: the same two payments again and a third; the row changed only in its
    // payments, so no version opens.
    let nov3 = nov2 + DAY;
    let paid3 = format!("{paid};2026-11-03T09:30:00Z");
    let r = p.deliver("kpn", &v2(&[(JANSEN, &paid3)]), nov3).await;
    assert!(r.accepted(), "{:?}", r.errors);
    assert_eq!((r.payments, r.opened, r.changed), (1, 0, 0));

    // A version 1 file the day after: read as ever, the payments stay.
    let r = p.deliver("kpn", &csv(&[JANSEN_MOVED]), nov3 + DAY).await;
    assert!(r.accepted(), "{:?}", r.errors);
    assert_eq!((r.payments, r.changed), (0, 1));

    let hits = jansen_at(&p.store, &p, nov3).await;
    assert_eq!(hits.len(), 1);
    let moments: Vec<i64> = hits[0].payments.iter().map(|x| x.at).collect();
    // 10:00 in Amsterdam on 3 October (summer time) is 08:00 UTC.
    assert_eq!(
        moments,
        [
            utc("2026-10-03T08:00:00Z"),
            utc("2026-11-01T08:00:00Z"),
            utc("2026-11-03T09:30:00Z")
        ]
    );
    assert!(
        hits[0]
            .payments
            .iter()
            .all(|x| x.method == Some(PaymentMethod::DirectDebit)
                && x.means.as_deref() == Some(IBAN))
    );
    // The moved version began with the delivery of 4 November: it lists the payments
    // made after the delivery before it (3 November), and there are none.
    let moved = jansen_at(&p.store, &p, nov3 + 2 * DAY).await;
    assert_eq!(moved.len(), 1);
    assert!(moved[0].payments.is_empty());
    assert_eq!(
        p.store
            .payments_in("kpn", Month::of(nov2).unwrap().index())
            .await
            .unwrap(),
        2
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_payment_rejects_the_delivery_with_its_line_and_keeps_no_payment() {
    let p = Point::new().await;
    let nov2 = utc("2026-11-02T12:00:00Z");
    let file = v2(&[
        (JANSEN, "card,**** 1234,2026-11-01T08:00:00Z"),
        // After the snapshot moment.
        (
            BAKKER,
            "card,**** 9876,2026-11-01T08:00:00Z;2026-11-05T08:00:00Z",
        ),
        // In the spring-forward gap of Amsterdam, and without a method.
        (DE_VRIES, ",,2026-03-29 02:30:00"),
    ]);
    let r = p.deliver("kpn", &file, nov2).await;
    assert!(!r.accepted());
    let errors: Vec<(u64, &str, String)> = r
        .errors
        .iter()
        .map(|e| (e.line, e.field.as_str(), e.reason.to_string()))
        .collect();
    assert_eq!(errors.len(), 3, "{errors:?}");
    assert_eq!((errors[0].0, errors[0].1), (3, "payment_at"));
    assert!(
        errors[0]
            .2
            .contains("dated after the snapshot moment (1 of them)")
    );
    assert!(
        errors
            .iter()
            .any(|e| e.0 == 4 && e.1 == "payment_at" && e.2.contains("gap"))
    );
    assert!(errors.iter().any(|e| e.0 == 4 && e.1 == "payment_method"));
    assert!(errors.iter().all(|e| !e.2.contains("2026-11-05")));
    assert_eq!(r.payments, 0);
    assert_eq!(p.store.oldest_payment_month("kpn").await.unwrap(), None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn payments_past_their_term_are_counted_and_not_kept() {
    let p = Point::new().await;
    // On 2 November 2026, October 2025 is past its term (due 1 November 2026); November
    // 2025 is not (due 1 December 2026).
    let nov2 = utc("2026-11-02T12:00:00Z");
    let paid = "transfer,,2025-10-31T23:00:00Z;2025-11-01T00:00:00Z;2026-11-01T00:00:00Z";
    let r = p.deliver("kpn", &v2(&[(JANSEN, paid)]), nov2).await;
    assert!(r.accepted(), "{:?}", r.errors);
    assert_eq!((r.payments, r.payments_not_kept), (2, 1));
    assert_eq!(
        p.store.oldest_payment_month("kpn").await.unwrap(),
        Some(Month::parse("2025-11").unwrap().index())
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_month_of_payments_goes_on_its_due_day_and_a_copy_of_the_store_cannot_read_it() {
    let p = Point::new().await;
    let log = Auditor::new(
        SqliteAudit::open(&p.dir.path().join("audit.db")).unwrap(),
        Some(AuditKeys::new(&p.keys)),
    );
    let nov20 = utc("2025-11-20T12:00:00Z");
    let paid = format!("direct_debit,{IBAN},2025-10-15T08:00:00Z;2025-11-15T08:00:00Z");
    assert!(
        p.deliver("kpn", &v2(&[(JANSEN, &paid)]), nov20)
            .await
            .accepted()
    );
    p.store.checkpoint().unwrap();
    let copy = p.dir.path().join("backup.db");
    std::fs::copy(p.db_path(), &copy).unwrap();

    let policy = Policy::defaults();
    let october = Period::Month(Month::parse("2025-10").unwrap());
    let payment_steps = |plan: &retention::Plan| -> Vec<(Period, u64)> {
        plan.due
            .iter()
            .filter(|s| s.class == Class::Payment)
            .map(|s| (s.period, s.records))
            .collect()
    };
    // Not a second early: October 2025 is due at midnight (UTC) on 1 November 2026.
    let due = utc("2026-11-01T00:00:00Z");
    let keys = p.keys.data().list().unwrap();
    let before = retention::plan(&p.store, &keys, &policy, &[], due - 1)
        .await
        .unwrap();
    assert!(payment_steps(&before).is_empty());
    assert!(
        before
            .later
            .iter()
            .any(|s| s.class == Class::Payment && s.due == due)
    );
    let at_due = retention::plan(&p.store, &keys, &policy, &[], due)
        .await
        .unwrap();
    assert_eq!(payment_steps(&at_due), [(october, 1)]);

    let out = retention::run(&p.store, &p.keys, &log, &policy, due)
        .await
        .unwrap();
    let done: Vec<(Class, Period, u64, usize)> = out
        .done
        .iter()
        .filter(|s| s.class == Class::Payment)
        .map(|s| (s.class, s.period, s.records, s.keys.len()))
        .collect();
    assert_eq!(done, [(Class::Payment, october, 1, 1)]);
    assert!(
        p.store
            .payments_of(&[p.keys.subscription("kpn", "S1")])
            .await
            .unwrap()
            .iter()
            .all(|r| r.month != Month::parse("2025-10").unwrap().index())
    );

    // The live store answers with November only; so does the copy taken before the run,
    // whose October rows are still there but sealed under a key that no longer exists.
    let at = nov20;
    for store in [&p.store, &SqliteStore::open(&copy).unwrap()] {
        let hits = jansen_at(store, &p, at).await;
        let moments: Vec<i64> = hits[0].payments.iter().map(|x| x.at).collect();
        assert_eq!(moments, [utc("2025-11-15T08:00:00Z")]);
    }
    // A second run at the same moment destroys nothing more.
    let again = retention::run(&p.store, &p.keys, &log, &policy, due)
        .await
        .unwrap();
    assert!(again.done.iter().all(|s| s.class != Class::Payment));

    // A database administrator copies October's payment back from the backup: the next run
    // says so in the log and destroys it again (its key is gone: it never answered).
    p.store.checkpoint().unwrap();
    let db = rusqlite::Connection::open(p.db_path()).unwrap();
    db.execute("ATTACH DATABASE ?1 AS backup", [copy.to_str().unwrap()])
        .unwrap();
    let restored = db
        .execute(
            "INSERT INTO payment SELECT * FROM backup.payment WHERE month = ?1",
            [Month::parse("2025-10").unwrap().index()],
        )
        .unwrap();
    assert_eq!(restored, 1);
    drop(db);
    let third = retention::run(&p.store, &p.keys, &log, &policy, due + 86_400)
        .await
        .unwrap();
    assert!(
        third
            .done
            .iter()
            .any(|s| s.class == Class::Payment && s.period == october)
    );
    let findings = tdip_core::integrity::of_kind(log.store(), "integrity")
        .await
        .unwrap();
    assert!(findings.iter().any(|(_, e)| matches!(
        e,
        tdip_core::audit::Event::Integrity { subject, .. } if subject == "payment 2025-10"
    )));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_payment_row_moved_to_another_subscription_around_tdip_is_found_out() {
    let p = Point::new().await;
    let nov2 = utc("2026-11-02T12:00:00Z");
    let file = v2(&[
        (JANSEN, "card,**** 1234,2026-11-01T08:00:00Z"),
        (BAKKER, "card,**** 9876,2026-10-01T08:00:00Z"),
    ]);
    assert!(p.deliver("kpn", &file, nov2).await.accepted());
    // A database administrator gives Jansen Bakker's payment (and its month).
    let db = rusqlite::Connection::open(p.db_path()).unwrap();
    let jansen = p.keys.subscription("kpn", "S1");
    let bakker = p.keys.subscription("kpn", "S3");
    let moved = db
        .execute(
            "UPDATE payment SET sub_key = ?1 WHERE sub_key = ?2",
            rusqlite::params![&jansen.0[..], &bakker.0[..]],
        )
        .unwrap();
    assert_eq!(moved, 1);
    let q = Query {
        kind: IdentKind::Msisdn,
        value: "+31612345678".into(),
        when: When::At { at: nov2 },
        default_country: None,
    };
    match lookup(&p.store, &p.keys, &q).await {
        Err(CoreError::Tampered(m)) => assert!(m.contains("does not open"), "{m}"),
        other => panic!("a moved payment was not found out: {other:?}"),
    }
}

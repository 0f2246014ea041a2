//! "Who used public address a.b.c.d, port p, at moment t": port-block assignments and
//! sessions delivered as batches, then identified down to the subscriber who held the
//! end-user id then — at the edges of blocks, across midnight and the DST change, within a
//! clock tolerance, through a private address or an IPv6 prefix — and consulted under the
//! catalogue like every demand.

mod common;

use common::*;
use tdip_access::{Catalogue, Category, DeadlinePolicy, Demand, RefusalCode, Urgency};
use tdip_core::audit::{self, AuditKeys, Auditor, Event, Outcome};
use tdip_core::consult::{Channel, ConsultError, Consulting};
use tdip_core::traffic::consult::{TrafficAnswer, TrafficAsk, consult_traffic};
use tdip_core::traffic::identify::{Fit, Identified, Identify, identify};
use tdip_core::traffic::ingest::{BatchInput, deliver_batch};
use tdip_core::traffic::records::{RecordsOf, records_of};
use tdip_model::traffic::TrafficRecord;
use tdip_model::{IdentKind, LegalZone};
use tdip_store::{Officer, Store, TrafficKind};
use tdip_store_sqlite::SqliteAudit;

const CGNAT_HEADER: &str = "public_ip,first_port,last_port,private_ip,user_id,start,end";

/// The first batch of port blocks (see each line's comment in the test that uses it).
const B1: &[&str] = &[
    // A: u-jansen until 20:00:00, then B: u-bakker from 20:00:03, on the same block.
    "198.51.100.7,40000,40511,100.64.0.1,u-jansen,2026-11-02T18:00:00Z,2026-11-02T20:00:00Z",
    "198.51.100.7,40000,40511,100.64.0.2,u-bakker,2026-11-02T20:00:03Z,2026-11-02T22:00:00Z",
    // Across midnight UTC.
    "198.51.100.8,1024,2047,,u-jansen,2026-11-02T23:30:00Z,2026-11-03T00:30:00Z",
    // Only the private address logged: the session says who.
    "198.51.100.9,5000,5063,100.64.7.7,,2026-11-02T10:00:00Z,2026-11-02T12:00:00Z",
    // Still open at the end of the batch.
    "198.51.100.10,6000,6511,,u-devries,2026-11-02T21:00:00Z,",
    // Across the end of summer time (02:30 CEST to 02:30 CET: an hour).
    "198.51.100.11,7000,7511,,u-jansen,2026-10-25T02:30:00+02:00,2026-10-25T02:30:00+01:00",
];

const SESSIONS: &str = "user_id,address,ntp_start,ntp_end,login,logoff,uploaded,downloaded,cell\n\
    u-bakker,100.64.7.7,nas1:1/0/7,,2026-11-02T09:00:00Z,2026-11-02T13:00:00Z,1048576,73400320,\n\
    u-devries,2001:db8:12:3400::/56,olt3:1/1/7,,2026-11-02T06:00:00Z,2026-11-02T23:00:00Z,,,\n";

/// Closes the open assignment of B1.
const B2: &str = "public_ip,first_port,last_port,private_ip,user_id,start,end,event\n\
    198.51.100.10,6000,6511,,u-devries,2026-11-02T21:00:00Z,2026-11-02T23:59:00Z,end\n";

/// 2026-11-04T00:00:00Z: when the batches arrive.
const RECEIVED: i64 = 1_793_750_400;

/// A moment written as RFC 3339, in UTC seconds.
fn utc(rfc3339: &str) -> i64 {
    rfc3339.parse::<jiff::Timestamp>().unwrap().as_second()
}

struct Traffic {
    p: Point,
}

impl Traffic {
    /// kpn's subscribers (Jansen, de Vries, Bakker, with their user ids) and the first batch
    /// of port blocks and the sessions.
    async fn new() -> Traffic {
        let p = Point::new().await;
        assert!(
            p.deliver("kpn", &csv(&[JANSEN, DE_VRIES, BAKKER]), D0)
                .await
                .accepted()
        );
        let t = Traffic { p };
        let mut b1 = String::from(CGNAT_HEADER);
        for line in B1 {
            b1.push('\n');
            b1.push_str(line);
        }
        b1.push('\n');
        t.batch("b1", TrafficKind::PortBlock, &b1).await;
        t.batch("s1", TrafficKind::AccessSession, SESSIONS).await;
        t
    }

    async fn batch(&self, id: &str, kind: TrafficKind, content: &str) {
        let provider = self.p.store.provider("kpn").await.unwrap().unwrap();
        let input = BatchInput {
            provider: &provider,
            batch_id: id,
            kind,
            received_at: RECEIVED,
        };
        let report = deliver_batch(
            &self.p.store,
            &self.p.keys,
            input,
            std::io::Cursor::new(content.as_bytes().to_vec()),
        )
        .await
        .unwrap();
        assert_eq!(report.batch, "accepted", "{:?}", report.errors);
    }

    async fn who(&self, address: &str, port: Option<u16>, at: i64, tolerance: u32) -> Identified {
        identify(
            &self.p.store,
            &self.p.keys,
            &Identify {
                address: address.into(),
                port,
                at,
                tolerance,
            },
        )
        .await
        .unwrap()
    }
}

/// The subscription ids every candidate leads to, in order.
fn subscriptions(a: &Identified) -> Vec<Vec<String>> {
    a.candidates
        .iter()
        .map(|c| {
            c.subscriber
                .iter()
                .map(|h| h.subscription.subscription_id.clone())
                .collect()
        })
        .collect()
}

#[tokio::test]
async fn the_first_and_last_port_of_a_block_lead_to_its_subscriber_and_the_next_port_to_no_hit() {
    let t = Traffic::new().await;
    for port in [40000, 40511] {
        let a = t
            .who("198.51.100.7", Some(port), utc("2026-11-02T19:00:00Z"), 0)
            .await;
        assert_eq!(subscriptions(&a), [["S1"]], "port {port}");
        let c = &a.candidates[0];
        assert_eq!(c.user_id.as_deref(), Some("u-jansen"));
        assert_eq!(c.assignment_fit, Some(Fit::Covers));
        let block = c.assignment.as_ref().unwrap();
        assert_eq!(block.source.batch, "b1");
        assert_eq!(block.source.provider, "kpn");
        let TrafficRecord::PortBlock(b) = &block.record else {
            panic!("a port block");
        };
        assert_eq!((b.first_port, b.last_port), (40000, 40511));
    }
    for (address, port) in [
        ("198.51.100.7", 40512),
        ("198.51.100.7", 39999),
        ("203.0.113.1", 80),
    ] {
        let a = t
            .who(address, Some(port), utc("2026-11-02T19:00:00Z"), 0)
            .await;
        assert!(
            a.candidates.is_empty() && !a.port_needed,
            "{address}:{port}"
        );
    }
    // Before and after the assignment: no hit either.
    let before = t
        .who("198.51.100.7", Some(40000), utc("2026-11-02T17:59:59Z"), 0)
        .await;
    assert!(before.candidates.is_empty());
}

#[tokio::test]
async fn two_holders_within_the_tolerance_are_both_answered_each_saying_how_it_fits() {
    let t = Traffic::new().await;
    let at = utc("2026-11-02T20:00:01Z");
    let exact = t.who("198.51.100.7", Some(40100), at, 0).await;
    assert!(
        exact.candidates.is_empty(),
        "nobody held the block at that very second"
    );
    let a = t.who("198.51.100.7", Some(40100), at, 5).await;
    assert_eq!(subscriptions(&a), [vec!["S1"], vec!["S3"]]);
    let fits: Vec<_> = a.candidates.iter().map(|c| c.assignment_fit).collect();
    assert_eq!(
        fits,
        [Some(Fit::EndedBefore(1)), Some(Fit::StartedAfter(2))]
    );
    // Without a port the address is not answered: two subscribers used it then.
    let no_port = t.who("198.51.100.7", None, at, 5).await;
    assert!(no_port.port_needed && no_port.candidates.is_empty());
}

#[tokio::test]
async fn an_assignment_across_midnight_is_found_on_both_days_once() {
    let t = Traffic::new().await;
    for at in ["2026-11-02T23:45:00Z", "2026-11-03T00:10:00Z"] {
        let a = t.who("198.51.100.8", Some(1500), utc(at), 0).await;
        assert_eq!(subscriptions(&a), [["S1"]], "{at}");
    }
    // A window spanning midnight probes both day partitions and still answers once.
    let a = t
        .who("198.51.100.8", Some(1500), utc("2026-11-03T00:00:00Z"), 600)
        .await;
    assert_eq!(a.candidates.len(), 1);
}

#[tokio::test]
async fn an_assignment_across_the_end_of_summer_time_is_held_through_the_repeated_hour() {
    let t = Traffic::new().await;
    // 02:45 CEST and 02:15 CET: the first and the second 02:xx of that night.
    for at in ["2026-10-25T02:45:00+02:00", "2026-10-25T02:15:00+01:00"] {
        let a = t.who("198.51.100.11", Some(7000), utc(at), 0).await;
        assert_eq!(a.candidates.len(), 1, "{at}");
        assert_eq!(a.candidates[0].user_id.as_deref(), Some("u-jansen"));
    }
    let after = t
        .who(
            "198.51.100.11",
            Some(7000),
            utc("2026-10-25T02:45:00+01:00"),
            0,
        )
        .await;
    assert!(after.candidates.is_empty());
}

#[tokio::test]
async fn an_open_assignment_is_answered_as_open_until_a_later_batch_closes_it() {
    let t = Traffic::new().await;
    let at = utc("2026-11-02T23:30:00Z");
    let open = t.who("198.51.100.10", Some(6200), at, 0).await;
    assert_eq!(subscriptions(&open), [["S2"]]);
    let block = open.candidates[0].assignment.as_ref().unwrap();
    assert_eq!(block.record.end(), None);
    assert_eq!(block.source.batch, "b1");
    t.batch("b2", TrafficKind::PortBlock, B2).await;
    let closed = t.who("198.51.100.10", Some(6200), at, 0).await;
    let block = closed.candidates[0].assignment.as_ref().unwrap();
    assert_eq!(block.record.end(), Some(utc("2026-11-02T23:59:00Z")));
    assert_eq!(block.source.batch, "b2");
    assert_eq!(block.source.opened_in.as_deref(), Some("b1"));
    // After its end it no longer answers.
    let later = t
        .who("198.51.100.10", Some(6200), utc("2026-11-03T00:00:00Z"), 0)
        .await;
    assert!(later.candidates.is_empty());
}

#[tokio::test]
async fn a_private_address_leads_through_its_session_and_an_ipv6_address_through_its_prefix() {
    let t = Traffic::new().await;
    let a = t
        .who("198.51.100.9", Some(5000), utc("2026-11-02T11:00:00Z"), 0)
        .await;
    assert_eq!(subscriptions(&a), [["S3"]]);
    let c = &a.candidates[0];
    assert_eq!(c.user_id.as_deref(), Some("u-bakker"));
    assert_eq!(c.session.as_ref().unwrap().source.batch, "s1");
    // One subscriber used the address then: answered without a port too.
    let no_port = t
        .who("198.51.100.9", None, utc("2026-11-02T11:00:00Z"), 0)
        .await;
    assert_eq!(subscriptions(&no_port), [["S3"]]);

    let v6 = t
        .who("2001:db8:12:34ab::1", None, utc("2026-11-02T12:00:00Z"), 0)
        .await;
    assert_eq!(subscriptions(&v6), [["S2"]]);
    assert!(v6.candidates[0].assignment.is_none());
    let outside = t
        .who("2001:db8:12:3500::1", None, utc("2026-11-02T12:00:00Z"), 0)
        .await;
    assert!(outside.candidates.is_empty());
}

#[tokio::test]
async fn the_records_of_an_end_user_and_of_an_address_over_a_period_are_listed_by_start() {
    let t = Traffic::new().await;
    let (from, to) = (utc("2026-11-02T00:00:00Z"), utc("2026-11-03T23:59:59Z"));
    let records = |kind, value: &str| RecordsOf {
        kind,
        value: value.into(),
        from,
        to,
    };
    let jansen = records_of(
        &t.p.store,
        &t.p.keys,
        &records(IdentKind::UserId, "u-jansen"),
    )
    .await
    .unwrap();
    let starts: Vec<i64> = jansen.records.iter().map(|f| f.record.start()).collect();
    assert_eq!(
        starts,
        [utc("2026-11-02T18:00:00Z"), utc("2026-11-02T23:30:00Z")],
        "the block across midnight once, the one of October outside the period"
    );
    let address = records_of(
        &t.p.store,
        &t.p.keys,
        &records(IdentKind::Ip, "198.51.100.7"),
    )
    .await
    .unwrap();
    let users: Vec<_> = address
        .records
        .iter()
        .map(|f| f.record.user_id().unwrap_or_default().to_owned())
        .collect();
    assert_eq!(users, ["u-jansen", "u-bakker"]);
    let bakker = records_of(
        &t.p.store,
        &t.p.keys,
        &records(IdentKind::UserId, "u-bakker"),
    )
    .await
    .unwrap();
    let kinds: Vec<bool> = bakker
        .records
        .iter()
        .map(|f| matches!(f.record, TrafficRecord::Session(_)))
        .collect();
    assert_eq!(
        kinds,
        [true, false],
        "the session (09:00), then the block (20:00:03)"
    );
}

/// A consultation context over the traffic point, with an officer of nl/politie.
async fn consulting(t: &Traffic) -> (Auditor<SqliteAudit>, Catalogue, DeadlinePolicy) {
    let officer = Officer {
        agency: "nl/politie".into(),
        id: "T-1".into(),
        name: "Test".into(),
        registered_at: D0,
        valid_until: None,
        suspended: None,
    };
    tdip_store::AccessStore::add_officer(&t.p.store, &officer)
        .await
        .unwrap();
    let audit = SqliteAudit::open(&t.p.dir.path().join("audit.db")).unwrap();
    let auditor = Auditor::new(audit, Some(AuditKeys::new(&t.p.keys)));
    (
        auditor,
        Catalogue::defaults().unwrap(),
        DeadlinePolicy::default(),
    )
}

fn demand(basis: &str) -> Demand {
    Demand {
        agency: "nl/politie".into(),
        officer: "T-1".into(),
        basis: basis.into(),
        case_reference: "TEST-1".into(),
        authorised_by: Some("the prosecutor".into()),
        urgency: Urgency::Normal,
        category: Category::HistoricalIdentification,
        query: IdentKind::Msisdn,
        term: None,
    }
}

async fn logged(auditor: &Auditor<SqliteAudit>, consultation: &str) -> Vec<Event> {
    audit::entries(auditor.store(), 0, 1000)
        .await
        .unwrap()
        .into_iter()
        .filter_map(|(_, body)| body.map(|b| b.event))
        .filter(|e| e.consultation() == Some(consultation))
        .collect()
}

#[tokio::test]
async fn a_basis_that_does_not_permit_traffic_data_is_refused_and_logged_and_one_that_does_answers()
{
    let t = Traffic::new().await;
    let (auditor, catalogue, deadlines) = consulting(&t).await;
    let p = Consulting {
        store: &t.p.store,
        keys: &t.p.keys,
        catalogue: &catalogue,
        auditor: &auditor,
        deadlines: &deadlines,
        zone: LegalZone::Amsterdam,
    };
    let ask = TrafficAsk::Identify(Identify {
        address: "198.51.100.7".into(),
        port: Some(40000),
        at: utc("2026-11-02T19:00:00Z"),
        tolerance: 0,
    });
    let now = RECEIVED + 60;
    let Err(ConsultError::Refused {
        consultation,
        code,
        reason,
    }) = consult_traffic(&p, &demand("nl/sv-126na"), &ask, Channel::Cli, now).await
    else {
        panic!("126na answers from the subscriber file only");
    };
    assert_eq!(code, RefusalCode::CategoryNotPermitted.as_str());
    assert!(reason.contains("traffic_identification"), "{reason}");
    let events = logged(&auditor, &consultation).await;
    assert!(
        matches!(&events[0], Event::Request { category, basis, .. }
            if category == "traffic_identification" && basis == "nl/sv-126na"),
        "{events:?}"
    );
    assert!(
        events
            .iter()
            .any(|e| matches!(e, Event::Refusal { code, .. } if code == "category-not-permitted")),
        "{events:?}"
    );
    // The reference entry seals the address and the port, never in clear.
    let keys = AuditKeys::new(&t.p.keys);
    let sealed = events
        .iter()
        .find_map(|e| match e {
            Event::Reference { sealed, .. } => Some(sealed.clone()),
            _ => None,
        })
        .unwrap();
    assert_eq!(
        keys.open_identifier(&consultation, &sealed).unwrap(),
        "198.51.100.7 port 40000"
    );

    let done = consult_traffic(&p, &demand("nl/sv-126n"), &ask, Channel::Api, now)
        .await
        .unwrap();
    let TrafficAnswer::Identified(a) = &done.answer else {
        panic!("an identification");
    };
    assert_eq!(subscriptions(a), [["S1"]]);
    // Data two days old: real time. The answer entry says so and counts one hit.
    assert_eq!(done.due.rule.as_str(), "real-time");
    let events = logged(&auditor, &done.consultation).await;
    assert!(
        events.iter().any(
            |e| matches!(e, Event::Answered { outcome: Outcome::Hit, records: 1, due_rule, .. }
            if due_rule == "real-time")
        ),
        "{events:?}"
    );
    // Forty days later the same question is retrospective: within 24 hours.
    let later = consult_traffic(
        &p,
        &demand("nl/sv-126n"),
        &ask,
        Channel::Api,
        now + 40 * DAY,
    )
    .await
    .unwrap();
    assert_eq!(later.due.rule.as_str(), "retrospective");
    assert_eq!(later.due.at, now + 40 * DAY + DAY);
}

#[tokio::test]
async fn a_row_edited_or_a_sealed_record_moved_by_the_database_administrator_is_refused_not_answered()
 {
    let t = Traffic::new().await;
    let day = utc("2026-11-02T00:00:00Z") / DAY;
    let table = format!("traffic_d{day}");
    let db = rusqlite::Connection::open(t.p.db_path()).unwrap();
    let at = utc("2026-11-02T19:00:00Z");
    // Stretch an assignment's end by two hours: the row no longer opens as it is described.
    db.execute(
        &format!("UPDATE {table} SET end_at = end_at + 7200 WHERE end_at = ?1"),
        [utc("2026-11-02T20:00:00Z")],
    )
    .unwrap();
    let q = Identify {
        address: "198.51.100.7".into(),
        port: Some(40000),
        at,
        tolerance: 0,
    };
    let e = identify(&t.p.store, &t.p.keys, &q).await.unwrap_err();
    assert!(matches!(e, tdip_core::CoreError::Tampered(_)), "{e}");
    assert!(!e.to_string().contains("198.51.100.7"), "{e}");
    db.execute(
        &format!("UPDATE {table} SET end_at = end_at - 7200 WHERE end_at = ?1"),
        [utc("2026-11-02T22:00:00Z")],
    )
    .unwrap();
    assert_eq!(
        identify(&t.p.store, &t.p.keys, &q)
            .await
            .unwrap()
            .candidates
            .len(),
        1
    );
    // Give block A the sealed record of block B (the same ports, another subscriber).
    db.execute(
        &format!(
            "UPDATE {table} SET sealed = (SELECT sealed FROM {table} WHERE start = ?2) WHERE start = ?1"
        ),
        [utc("2026-11-02T18:00:00Z"), utc("2026-11-02T20:00:03Z")],
    )
    .unwrap();
    let e = identify(&t.p.store, &t.p.keys, &q).await.unwrap_err();
    assert!(matches!(e, tdip_core::CoreError::Tampered(_)), "{e}");
}

//! Traffic batches delivered to a real SQLite store: accepted, rejected whole with every
//! bad record, idempotent by batch id, open records closed later, gzip and JSON Lines.

mod common;

use std::io::Write;

use common::Point;
use ipnet::IpNet;
use tdip_core::traffic::ingest::{BatchInput, BatchReport, deliver_batch};
use tdip_core::traffic::seal::open_row;
use tdip_model::traffic::TrafficRecord;
use tdip_store::{
    DeliveryOutcome, Store, TrafficKind, TrafficProbe, TrafficRow, TrafficStore, day_of,
};

/// 2026-11-03T00:00:00Z, a little after every record below.
const RECEIVED: i64 = 1_793_664_000;

const CGNAT_HEADER: &str = "public_ip,first_port,last_port,private_ip,user_id,start,end,event\n";

async fn deliver(p: &Point, id: &str, kind: TrafficKind, bytes: Vec<u8>) -> BatchReport {
    let provider = p.store.provider("proximus").await.unwrap().unwrap();
    let input = BatchInput {
        provider: &provider,
        batch_id: id,
        kind,
        received_at: RECEIVED,
    };
    deliver_batch(&p.store, &p.keys, input, std::io::Cursor::new(bytes))
        .await
        .unwrap()
}

fn cgnat(rows: &[&str]) -> Vec<u8> {
    let mut s = CGNAT_HEADER.to_string();
    for r in rows {
        s.push_str(r);
        s.push('\n');
    }
    s.into_bytes()
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    enc.write_all(bytes).unwrap();
    enc.finish().unwrap()
}

fn secs(t: &str) -> i64 {
    t.parse::<jiff::Timestamp>().unwrap().as_second()
}

/// The day-partition rows of a port block's address on `day`, and its open rows.
async fn rows_of(
    p: &Point,
    kind: TrafficKind,
    addr: &str,
    day: i32,
) -> (Vec<TrafficRow>, Vec<TrafficRow>) {
    let net: IpNet = if addr.contains('/') {
        addr.parse().unwrap()
    } else {
        IpNet::from(addr.parse::<std::net::IpAddr>().unwrap())
    };
    let t = p.keys.traffic();
    let probe = TrafficProbe {
        kind,
        days: vec![(day, t.address_on(kind, &net, day))],
        open: vec![t.address_open(kind, &net)],
        from: i64::MIN / 4,
        to: i64::MAX / 4,
        port: None,
    };
    let rows = p.store.traffic_covering(&probe).await.unwrap();
    rows.into_iter().partition(|r| r.end.is_some())
}

fn record(p: &Point, row: &TrafficRow) -> (TrafficRecord, Option<i64>) {
    let c = open_row(&p.keys, "proximus", row).unwrap().unwrap();
    (c.record, c.opened_in)
}

fn errors(r: &BatchReport) -> Vec<(u64, &str)> {
    r.errors
        .iter()
        .map(|e| (e.line, e.field.as_str()))
        .collect()
}

#[tokio::test]
async fn an_accepted_batch_is_readable_by_its_rows() {
    let p = Point::new().await;
    let r = deliver(
        &p,
        "nat1-2026-11-02",
        TrafficKind::PortBlock,
        cgnat(&[
            "198.51.100.7,40000,40511,100.64.12.34,u123,2026-11-02T18:02:11Z,2026-11-02T23:41:09Z,",
            "198.51.100.7,40512,41023,100.64.12.99,u456,2026-11-02T20:14:00Z,,",
        ]),
    )
    .await;
    assert_eq!(
        (
            r.batch,
            r.records,
            r.closed,
            r.opened,
            r.ended,
            r.error_count
        ),
        ("accepted", 2, 1, 1, 0, 0)
    );
    assert_eq!(
        (r.first_at, r.last_at),
        (secs("2026-11-02T18:02:11Z"), secs("2026-11-02T23:41:09Z"))
    );
    let day = day_of(secs("2026-11-02T18:02:11Z"));
    let (closed, open) = rows_of(&p, TrafficKind::PortBlock, "198.51.100.7", day).await;
    assert_eq!((closed.len(), open.len()), (1, 1));
    assert_eq!(
        (closed[0].first_port, closed[0].last_port, closed[0].batch),
        (40000, 40511, r.seq)
    );
    assert_eq!(closed[0].user, Some(p.keys.traffic().user("u123")));
    let (TrafficRecord::PortBlock(b), None) = record(&p, &closed[0]) else {
        panic!("kind")
    };
    assert_eq!(
        (b.user_id.as_deref(), b.end),
        (Some("u123"), Some(secs("2026-11-02T23:41:09Z")))
    );
    let (TrafficRecord::PortBlock(b), None) = record(&p, &open[0]) else {
        panic!("kind")
    };
    assert_eq!((b.first_port, b.end), (40512, None));
    let log = p
        .store
        .traffic_batch("proximus", "nat1-2026-11-02")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (log.seq, log.batch.records, log.batch.outcome),
        (r.seq, 2, DeliveryOutcome::Accepted)
    );
    assert_eq!(hex::encode(log.batch.checksum), r.checksum);
}

#[tokio::test]
async fn a_bad_record_rejects_the_whole_batch_with_every_error() {
    let p = Point::new().await;
    let r = deliver(
        &p,
        "b1",
        TrafficKind::PortBlock,
        cgnat(&[
            "198.51.100.7,40000,40511,100.64.12.34,u123,2026-11-02T18:02:11Z,2026-11-02T23:41:09Z,",
            "198.51.100.7,40512,70000,100.64.12.99,u456,2026-11-02T20:14:00Z,,",
            "198.51.100.7,1,2,,,2026-11-02T20:14:00Z,2026-11-02T20:00:00Z,",
            "198.51.100.7,1,2,,u9,2026-11-04T20:14:00Z,,",
        ]),
    )
    .await;
    assert_eq!(r.batch, "rejected");
    assert_eq!(
        errors(&r),
        [
            (3, "last_port"),
            (4, "private_ip"),
            (4, "end"),
            (5, "start")
        ]
    );
    assert_eq!(r.error_count, 4);
    assert!(
        r.errors[3].reason.contains("future"),
        "{}",
        r.errors[3].reason
    );
    // Nothing stored; the rejection is in the batch log.
    assert!(p.store.traffic_days().await.unwrap().is_empty());
    let day = day_of(secs("2026-11-02T18:02:11Z"));
    let (closed, open) = rows_of(&p, TrafficKind::PortBlock, "198.51.100.7", day).await;
    assert!(closed.is_empty() && open.is_empty());
    assert!(
        p.store
            .traffic_batch("proximus", "b1")
            .await
            .unwrap()
            .is_none()
    );
    let log = p.store.traffic_batches(Some("proximus"), 10).await.unwrap();
    assert_eq!(log.len(), 1);
    assert_eq!(
        (log[0].seq, log[0].batch.errors, log[0].batch.outcome),
        (r.seq, 4, DeliveryOutcome::Rejected)
    );
    // Corrected, the same id is accepted.
    let r = deliver(
        &p,
        "b1",
        TrafficKind::PortBlock,
        cgnat(&[
            "198.51.100.7,40000,40511,100.64.12.34,u123,2026-11-02T18:02:11Z,2026-11-02T23:41:09Z,",
        ]),
    )
    .await;
    assert_eq!(r.batch, "accepted");
}

#[tokio::test]
async fn a_batch_id_is_applied_once() {
    let p = Point::new().await;
    let bytes = cgnat(&["198.51.100.7,40000,40511,,u1,2026-11-02T18:02:11Z,2026-11-02T19:00:00Z,"]);
    let first = deliver(&p, "rot:01", TrafficKind::PortBlock, bytes.clone()).await;
    assert_eq!(first.batch, "accepted");
    let again = deliver(&p, "rot:01", TrafficKind::PortBlock, bytes).await;
    assert_eq!(
        (again.batch, again.seq, again.records, &again.checksum),
        ("already-applied", first.seq, 1, &first.checksum)
    );
    let day = day_of(secs("2026-11-02T18:02:11Z"));
    assert_eq!(
        rows_of(&p, TrafficKind::PortBlock, "198.51.100.7", day)
            .await
            .0
            .len(),
        1
    );
    let other = deliver(
        &p,
        "rot:01",
        TrafficKind::PortBlock,
        cgnat(&["198.51.100.7,40000,40511,,u2,2026-11-02T18:02:11Z,2026-11-02T19:00:00Z,"]),
    )
    .await;
    assert_eq!(
        (other.batch, errors(&other)),
        ("rejected", vec![(0, "batch")])
    );
    assert!(other.errors[0].reason.contains("give the batch a new id"));
    assert_eq!(
        rows_of(&p, TrafficKind::PortBlock, "198.51.100.7", day)
            .await
            .0
            .len(),
        1
    );
    let bad = deliver(&p, "no spaces", TrafficKind::PortBlock, cgnat(&[])).await;
    assert_eq!((bad.batch, errors(&bad)), ("rejected", vec![(0, "batch")]));
}

#[tokio::test]
async fn an_open_assignment_is_closed_by_a_later_batch_or_the_same_one() {
    let p = Point::new().await;
    let open = deliver(
        &p,
        "o1",
        TrafficKind::PortBlock,
        cgnat(&["198.51.100.7,40512,41023,100.64.12.99,u456,2026-11-02T20:14:00Z,,"]),
    )
    .await;
    assert_eq!((open.batch, open.opened), ("accepted", 1));
    let end = deliver(&p, "o2", TrafficKind::PortBlock, cgnat(&[
        "198.51.100.7,40512,41023,100.64.12.99,u456,2026-11-02T20:14:00Z,2026-11-02T22:00:00Z,end",
        // Opened and closed within this batch.
        "198.51.100.7,2000,2999,,u7,2026-11-02T21:00:00Z,,start",
        "198.51.100.7,2000,2999,,u7,2026-11-02T21:00:00Z,2026-11-02T21:30:00Z,end",
    ]))
    .await;
    assert_eq!(
        (end.batch, end.records, end.closed, end.opened, end.ended),
        ("accepted", 3, 2, 0, 1),
        "{:?}",
        end.errors
    );
    let day = day_of(secs("2026-11-02T20:14:00Z"));
    let (closed, still_open) = rows_of(&p, TrafficKind::PortBlock, "198.51.100.7", day).await;
    assert!(still_open.is_empty());
    let mut opened_in: Vec<_> = closed
        .iter()
        .map(|r| (r.first_port, record(&p, r).1))
        .collect();
    opened_in.sort();
    assert_eq!(opened_in, [(2000, Some(end.seq)), (40512, Some(open.seq))]);
    // Closing it again: nothing is open any more.
    let again = deliver(&p, "o3", TrafficKind::PortBlock, cgnat(&[
        "198.51.100.7,40512,41023,100.64.12.99,u456,2026-11-02T20:14:00Z,2026-11-02T22:00:00Z,end",
    ]))
    .await;
    assert_eq!(
        (again.batch, errors(&again)),
        ("rejected", vec![(2, "start")])
    );
    assert!(again.errors[0].reason.contains("not open"));
}

#[tokio::test]
async fn an_end_must_repeat_what_its_start_said() {
    let p = Point::new().await;
    deliver(
        &p,
        "o1",
        TrafficKind::PortBlock,
        cgnat(&["198.51.100.7,100,199,,u1,2026-11-02T20:14:00Z,,"]),
    )
    .await;
    let r = deliver(
        &p,
        "o2",
        TrafficKind::PortBlock,
        cgnat(&["198.51.100.7,100,150,,u1,2026-11-02T20:14:00Z,2026-11-02T21:00:00Z,end"]),
    )
    .await;
    assert_eq!(errors(&r), [(2, "last_port")]);
    // The rejected batch took nothing out of the open set.
    let day = day_of(secs("2026-11-02T20:14:00Z"));
    assert_eq!(
        rows_of(&p, TrafficKind::PortBlock, "198.51.100.7", day)
            .await
            .1
            .len(),
        1
    );
}

#[tokio::test]
async fn gzip_is_read_and_a_truncated_gzip_rejects_the_batch() {
    let p = Point::new().await;
    let plain = cgnat(&["198.51.100.7,40000,40511,,u1,2026-11-02T18:02:11Z,2026-11-02T19:00:00Z,"]);
    let r = deliver(&p, "g1", TrafficKind::PortBlock, gzip(&plain)).await;
    assert_eq!((r.batch, r.closed), ("accepted", 1));
    let mut cut = gzip(&plain);
    cut.truncate(cut.len() - 6);
    let r = deliver(&p, "g2", TrafficKind::PortBlock, cut).await;
    assert_eq!(r.batch, "rejected");
    assert_eq!(
        r.errors.last().map(|e| (e.line, e.field.as_str())),
        Some((0, "file"))
    );
}

#[tokio::test]
async fn json_lines_sessions_and_a_dst_gap() {
    let p = Point::new().await;
    let lines = concat!(
        "{\"user_id\":\"u123\",\"address\":\"100.64.12.34\",\"ntp_start\":\"nas01:eth0/1/2\",",
        "\"login\":\"2026-11-02T18:02:00Z\",\"logoff\":\"2026-11-02T23:41:15Z\",\"uploaded\":1048576,\"downloaded\":\"73400320\"}\n",
        "\n",
        "{\"user_id\":\"u789\",\"address\":\"2001:db8:12:3400::/56\",\"login\":\"2026-11-02T06:00:00Z\",\"logoff\":null}\n",
    );
    let r = deliver(
        &p,
        "radius.1",
        TrafficKind::AccessSession,
        lines.as_bytes().to_vec(),
    )
    .await;
    assert_eq!(
        (r.batch, r.closed, r.opened),
        ("accepted", 1, 1),
        "{:?}",
        r.errors
    );
    let day = day_of(secs("2026-11-02T06:00:00Z"));
    let (_, open) = rows_of(&p, TrafficKind::AccessSession, "2001:db8:12:3400::/56", day).await;
    assert_eq!((open.len(), open[0].net), (1, (6, 56)));
    let (closed, _) = rows_of(&p, TrafficKind::AccessSession, "100.64.12.34", day).await;
    let (TrafficRecord::Session(s), _) = record(&p, &closed[0]) else {
        panic!("kind")
    };
    assert_eq!(
        (s.uploaded, s.downloaded),
        (Some(1_048_576), Some(73_400_320))
    );

    // A local time in the gap of Europe/Brussels, and a key given twice.
    let bad = concat!(
        "user_id,address,login,logoff\n",
        "u1,100.64.0.1,2026-03-29 02:30:00,2026-03-29 04:00:00\n",
    );
    let r = deliver(
        &p,
        "radius.2",
        TrafficKind::AccessSession,
        bad.as_bytes().to_vec(),
    )
    .await;
    assert_eq!(errors(&r), [(2, "login")]);
    assert!(r.errors[0].reason.contains("daylight-saving gap"));
    let twice = "{\"user_id\":\"u1\",\"user_id\":\"u2\",\"address\":\"100.64.0.1\",\"login\":\"2026-11-02T06:00:00Z\"}\n";
    let r = deliver(
        &p,
        "radius.3",
        TrafficKind::AccessSession,
        twice.as_bytes().to_vec(),
    )
    .await;
    assert_eq!(errors(&r), [(1, "user_id")]);
}

#[tokio::test]
async fn a_record_across_midnight_is_stored_in_both_days() {
    let p = Point::new().await;
    let r = deliver(
        &p,
        "m1",
        TrafficKind::PortBlock,
        cgnat(&["198.51.100.7,1024,2047,,u1,2026-11-01T23:30:00Z,2026-11-02T00:30:00Z,complete"]),
    )
    .await;
    assert_eq!((r.batch, r.closed), ("accepted", 1));
    let d1 = day_of(secs("2026-11-01T23:30:00Z"));
    for day in [d1, d1 + 1] {
        let (closed, _) = rows_of(&p, TrafficKind::PortBlock, "198.51.100.7", day).await;
        assert_eq!(closed.len(), 1, "day {day}");
        assert_eq!(closed[0].day, day);
    }
    let days: Vec<_> = p
        .store
        .traffic_days()
        .await
        .unwrap()
        .iter()
        .map(|d| (d.day, d.rows))
        .collect();
    assert_eq!(days, [(d1, 1), (d1 + 1, 1)]);
}

#[tokio::test]
async fn header_problems_and_quoting_are_errors_of_their_lines() {
    let p = Point::new().await;
    let r = deliver(
        &p,
        "h1",
        TrafficKind::PortBlock,
        b"public_ip,first_port,start\n".to_vec(),
    )
    .await;
    assert_eq!(errors(&r), [(1, "last_port")]);
    let r = deliver(
        &p,
        "h2",
        TrafficKind::PortBlock,
        cgnat(&[
            "198.51.100.7,1,2,,u\"1,2026-11-02T18:02:11Z,,",
            "198.51.100.7,1,2,,u1,2026-11-02T18:02:11Z,,,extra",
        ]),
    )
    .await;
    assert_eq!(errors(&r), [(2, "user_id"), (3, "row")]);
}

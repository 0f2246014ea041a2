//! Tests of the traffic header check and record decoder on the format's own examples and
//! on the rules a generator does not reach.

use super::*;
use crate::LegalZone;

fn fields<'a>(kind: BatchKind, pairs: &[(&str, &'a str)]) -> Vec<Option<&'a str>> {
    let mut out = vec![None; kind.columns().len()];
    for (name, v) in pairs {
        out[kind.column(name).expect("known column")] = Some(*v);
    }
    out
}

fn errors_of(kind: BatchKind, pairs: &[(&str, &str)]) -> Vec<&'static str> {
    let f = fields(kind, pairs);
    match decode_record(kind, &f, LegalZone::Brussels) {
        Ok(d) => panic!("accepted: {d:?}"),
        Err(e) => e.into_iter().map(|e| e.field).collect(),
    }
}

#[test]
fn a_header_names_each_unknown_repeated_and_missing_column() {
    let map = check_traffic_header(
        BatchKind::Cgnat,
        &["start", " public_ip", "last_port", "first_port", "user_id"],
    )
    .unwrap();
    assert_eq!(map[BatchKind::Cgnat.column("public_ip").unwrap()], Some(1));
    assert_eq!(map[BatchKind::Cgnat.column("end").unwrap()], None);
    let errs = check_traffic_header(
        BatchKind::Cgnat,
        &["public_ip", "public_ip", "address", "", "start"],
    )
    .unwrap_err();
    let fields: Vec<_> = errs.iter().map(|e| e.field).collect();
    assert_eq!(
        fields,
        ["public_ip", "header", "header", "first_port", "last_port"]
    );
    // A session header given to a cgnat batch is refused, not read.
    assert!(check_traffic_header(BatchKind::Cgnat, &SESSION_COLUMNS).is_err());
}

#[test]
fn the_format_examples_decode() {
    let k = BatchKind::Cgnat;
    let f = fields(
        k,
        &[
            ("public_ip", "198.51.100.7"),
            ("first_port", "40000"),
            ("last_port", "40511"),
            ("private_ip", "100.64.12.34"),
            ("user_id", "u123"),
            ("start", "2026-11-02T18:02:11Z"),
            ("end", "2026-11-02T23:41:09Z"),
        ],
    );
    let d = decode_record(k, &f, LegalZone::Brussels).unwrap();
    assert_eq!(d.event, Event::Complete);
    let TrafficRecord::PortBlock(b) = &d.record else {
        panic!("kind")
    };
    assert_eq!(
        (b.first_port, b.last_port, b.start, b.end),
        (40000, 40511, 1_793_642_531, Some(1_793_662_869))
    );
    let f = fields(
        k,
        &[
            ("public_ip", "198.51.100.7"),
            ("first_port", "40512"),
            ("last_port", "41023"),
            ("user_id", "u456"),
            ("start", "2026-11-02T20:14:00Z"),
            ("end", ""),
        ],
    );
    let d = decode_record(k, &f, LegalZone::Brussels).unwrap();
    assert_eq!((d.event, d.record.end()), (Event::Start, None));

    let k = BatchKind::Session;
    let f = fields(
        k,
        &[
            ("user_id", "u789"),
            ("address", "2001:db8:12:3400::/56"),
            ("ntp_start", "olt3:1/1/7"),
            ("login", "2026-11-02T06:00:00Z"),
        ],
    );
    let d = decode_record(k, &f, LegalZone::Brussels).unwrap();
    let TrafficRecord::Session(s) = &d.record else {
        panic!("kind")
    };
    assert_eq!(
        (s.prefix_len, d.event, s.uploaded),
        (56, Event::Start, None)
    );
}

#[test]
fn every_bad_field_of_a_record_is_reported() {
    let errs = errors_of(
        BatchKind::Cgnat,
        &[
            ("public_ip", "198.51.100.0/24"),
            ("first_port", "70000"),
            ("last_port", "x"),
            ("start", "yesterday"),
            ("end", "2026-11-02T23:41:09Z"),
            ("event", "stop"),
        ],
    );
    assert_eq!(
        errs,
        [
            "public_ip",
            "first_port",
            "last_port",
            "private_ip",
            "start",
            "event"
        ]
    );
}

#[test]
fn ends_ports_and_events_must_agree() {
    let base = [
        ("public_ip", "198.51.100.7"),
        ("user_id", "u1"),
        ("first_port", "100"),
    ];
    let with = |more: &[(&'static str, &'static str)]| {
        let mut v = base.to_vec();
        v.extend_from_slice(more);
        errors_of(BatchKind::Cgnat, &v)
    };
    assert_eq!(
        with(&[("last_port", "99"), ("start", "2026-11-02T10:00:00Z")]),
        ["last_port"]
    );
    assert_eq!(
        with(&[
            ("last_port", "100"),
            ("start", "2026-11-02T10:00:00Z"),
            ("end", "2026-11-02T09:59:59Z")
        ]),
        ["end"]
    );
    assert_eq!(
        with(&[
            ("last_port", "100"),
            ("start", "2026-11-02T10:00:00Z"),
            ("event", "complete")
        ]),
        ["event"]
    );
    assert_eq!(
        with(&[
            ("last_port", "100"),
            ("start", "2026-11-02T10:00:00Z"),
            ("event", "end")
        ]),
        ["end"]
    );
    assert_eq!(
        with(&[
            ("last_port", "100"),
            ("start", "2026-11-02T10:00:00Z"),
            ("end", "2026-11-02T10:00:00Z"),
            ("event", "start")
        ]),
        ["event"]
    );
}

#[test]
fn a_local_time_in_the_daylight_saving_gap_is_refused_with_its_reason() {
    let f = fields(
        BatchKind::Session,
        &[
            ("user_id", "u1"),
            ("address", "100.64.0.1"),
            ("login", "2026-03-29 02:30:00"),
        ],
    );
    let errs = decode_record(BatchKind::Session, &f, LegalZone::Brussels).unwrap_err();
    assert_eq!(errs.len(), 1);
    assert_eq!(errs[0].field, "login");
    assert!(
        errs[0].reason.contains("daylight-saving gap"),
        "{}",
        errs[0].reason
    );
    // The same local time an hour later exists, and is read in the provider's zone.
    let f = fields(
        BatchKind::Session,
        &[
            ("user_id", "u1"),
            ("address", "100.64.0.1"),
            ("login", "2026-03-29 03:30:00"),
        ],
    );
    let d = decode_record(BatchKind::Session, &f, LegalZone::Brussels).unwrap();
    assert_eq!(d.record.start(), 1_774_747_800);
}

#[test]
fn session_text_is_capped_and_prefixes_keep_no_host_bits() {
    let long = "n".repeat(MAX_NTP_CHARS + 1);
    let cell = "c".repeat(MAX_CELL_CHARS + 1);
    let errs = errors_of(
        BatchKind::Session,
        &[
            ("user_id", "u1"),
            ("address", "2001:db8:12:3401::/56"),
            ("ntp_start", &long),
            ("cell", &cell),
            ("login", "2026-11-02T06:00:00Z"),
            ("uploaded", "-1"),
        ],
    );
    assert_eq!(errs, ["address", "ntp_start", "uploaded", "cell"]);
}

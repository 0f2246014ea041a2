//! Tests of the `cell` decoder (exact coordinates, configured and removed, every bad field
//! at once) and of writing records back: what is read writes back and reads back equal,
//! and a record its kind cannot hold is not written.

use super::comm_tests::{END, START, T_START, cell, comm, decode_in, errors_of, fields};
use super::*;
use crate::LegalZone;

#[test]
fn a_cell_reads_its_coordinates_exactly() {
    let c = cell(&[
        ("cell_id", "206-01-1234-56789"),
        ("valid_from", START),
        ("latitude", "52.370216"),
        ("longitude", "-4.5"),
        ("azimuth", "0"),
        ("beam_width", "360"),
        ("address", "Dam 1, Amsterdam"),
        ("technology", "lte"),
    ]);
    assert_eq!(c.cell_id, "206-01-1234-56789");
    assert_eq!((c.valid_from, c.removed), (T_START, false));
    assert_eq!(
        (c.latitude, c.longitude),
        (Some(52_370_216), Some(-4_500_000))
    );
    assert_eq!((c.azimuth, c.beam_width), (Some(0), Some(360)));
    assert_eq!(c.technology.as_deref(), Some("lte"));
    let c = cell(&[
        ("cell_id", "c1"),
        ("valid_from", START),
        ("event", "configured"),
        ("latitude", "-90"),
        ("longitude", "180.000000"),
    ]);
    assert_eq!(
        (c.latitude, c.longitude),
        (Some(-90_000_000), Some(180_000_000))
    );
    assert_eq!((c.azimuth, c.beam_width), (None, None));
    let c = cell(&[
        ("cell_id", "c1"),
        ("valid_from", START),
        ("event", "removed"),
    ]);
    assert!(c.removed);
    assert_eq!((c.latitude, c.longitude), (None, None));
}

#[test]
fn a_cell_reports_every_bad_field_at_once() {
    let f = errors_of(
        BatchKind::Cell,
        &[
            ("cell_id", "206 01"),
            ("valid_from", "yesterday"),
            ("latitude", "90.000001"),
            ("longitude", "4,8951"),
            ("azimuth", "360"),
            ("beam_width", "0"),
            ("technology", "lte-advanced-pro-x"),
        ],
    );
    assert_eq!(
        f,
        [
            "cell_id",
            "valid_from",
            "latitude",
            "longitude",
            "azimuth",
            "beam_width",
            "technology"
        ]
    );
    for bad in [
        "1e3",
        "52.1234567",
        "+5",
        "5.",
        ".5",
        "1000",
        "--5",
        "180.5",
        " ",
    ] {
        let f = decode_record(
            BatchKind::Cell,
            &fields(
                BatchKind::Cell,
                &[
                    ("cell_id", "c1"),
                    ("valid_from", START),
                    ("latitude", "0"),
                    ("longitude", bad),
                ],
            ),
            LegalZone::Brussels,
        );
        let e = f.expect_err(bad);
        assert!(e.iter().all(|e| e.field == "longitude"), "{bad}: {e:?}");
    }
}

#[test]
fn a_configured_cell_needs_a_place_and_a_removal_has_none() {
    assert_eq!(
        errors_of(BatchKind::Cell, &[("cell_id", "c1"), ("valid_from", START)]),
        ["latitude", "longitude"]
    );
    assert_eq!(
        errors_of(
            BatchKind::Cell,
            &[
                ("cell_id", "c1"),
                ("valid_from", START),
                ("event", "removed"),
                ("latitude", "52.1"),
                ("longitude", "4.1"),
                ("azimuth", "90"),
                ("beam_width", "120"),
            ]
        ),
        ["latitude", "longitude", "azimuth", "beam_width"]
    );
    assert_eq!(
        errors_of(
            BatchKind::Cell,
            &[("valid_from", START), ("event", "shifted")]
        ),
        ["cell_id", "event"]
    );
}

#[test]
fn written_records_read_back_equal() {
    let records = [
        (
            BatchKind::Mobile,
            decode_in(
                BatchKind::Mobile,
                &[
                    ("type", "call"),
                    ("calling_number", "+32470123456"),
                    ("calling_imei", "35209900176148"),
                    ("called_imsi", "206011234567890"),
                    ("called_cell_start", "x-1"),
                    ("lines", "+32470123457;+32470123458"),
                    ("start", START),
                    ("end", "2026-11-03T00:10:00Z"),
                ],
                LegalZone::Brussels,
            ),
        ),
        (
            BatchKind::Cell,
            decode_in(
                BatchKind::Cell,
                &[
                    ("cell_id", "c1"),
                    ("valid_from", START),
                    ("latitude", "-0.5"),
                    ("longitude", "5"),
                ],
                LegalZone::Brussels,
            ),
        ),
    ];
    for (kind, d) in records {
        let out = encode_record(kind, &d).expect("writes");
        let values: Vec<Option<&str>> = out.iter().map(Option::as_deref).collect();
        assert_eq!(decode_record(kind, &values, LegalZone::Amsterdam), Ok(d));
    }
    // Coordinates are written with six decimals.
    let c = CellConfig {
        cell_id: "c1".into(),
        valid_from: T_START,
        removed: false,
        latitude: Some(-500_000),
        longitude: Some(5_000_000),
        azimuth: None,
        beam_width: None,
        address: None,
        technology: None,
    };
    let d = DecodedRecord {
        record: TrafficRecord::Cell(c),
        event: Event::Complete,
    };
    let out = encode_record(BatchKind::Cell, &d).unwrap();
    let at = |n| out[BatchKind::Cell.column(n).unwrap()].as_deref();
    assert_eq!(
        (at("latitude"), at("longitude")),
        (Some("-0.500000"), Some("5.000000"))
    );
    assert_eq!(at("event"), Some("configured"));
}

#[test]
fn a_record_its_kind_cannot_hold_is_not_written() {
    let d = decode_in(
        BatchKind::Internet,
        &[
            ("type", "login"),
            ("account", "u1"),
            ("start", START),
            ("end", END),
        ],
        LegalZone::Brussels,
    );
    // An internet record is no fixed or mobile record.
    assert_eq!(encode_record(BatchKind::Fixed, &d), None);
    assert_eq!(encode_record(BatchKind::Mobile, &d), None);
    // A fixed call with an IMSI has no column to put it in.
    let mut c = comm(
        BatchKind::Fixed,
        &[
            ("calling_number", "+3221234567"),
            ("called_number", "+3221234568"),
            ("start", START),
            ("end", END),
        ],
    );
    let ok = DecodedRecord {
        record: TrafficRecord::Communication(c.clone()),
        event: Event::Complete,
    };
    assert!(encode_record(BatchKind::Fixed, &ok).is_some());
    // Nor a communication said to be open: it has no open form.
    let open = DecodedRecord {
        event: Event::Start,
        ..ok
    };
    assert_eq!(encode_record(BatchKind::Fixed, &open), None);
    c.calling.imsi = Some("206011234567890".into());
    let d = DecodedRecord {
        record: TrafficRecord::Communication(c),
        event: Event::Complete,
    };
    assert_eq!(encode_record(BatchKind::Fixed, &d), None);
}

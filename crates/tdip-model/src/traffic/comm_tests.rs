//! Tests of the `fixed`, `mobile`, `internet` and `cell` decoders on the format's rules:
//! one accept and the refusals per rule, every bad field reported at once, and no reason
//! quoting the value it refuses.

use super::*;
use crate::LegalZone;

fn fields<'a>(kind: BatchKind, pairs: &[(&str, &'a str)]) -> Vec<Option<&'a str>> {
    let mut out = vec![None; kind.columns().len()];
    for (name, v) in pairs {
        out[kind.column(name).expect("known column")] = Some(*v);
    }
    out
}

fn decode_in(kind: BatchKind, pairs: &[(&str, &str)], zone: LegalZone) -> DecodedRecord {
    match decode_record(kind, &fields(kind, pairs), zone) {
        Ok(d) => d,
        Err(e) => panic!("refused: {e:?}"),
    }
}

fn comm(kind: BatchKind, pairs: &[(&str, &str)]) -> Communication {
    match decode_in(kind, pairs, LegalZone::Brussels) {
        DecodedRecord {
            record: TrafficRecord::Communication(c),
            event: Event::Complete,
        } => c,
        d => panic!("not a complete communication: {d:?}"),
    }
}

fn cell(pairs: &[(&str, &str)]) -> CellConfig {
    match decode_in(BatchKind::Cell, pairs, LegalZone::Brussels).record {
        TrafficRecord::Cell(c) => c,
        r => panic!("not a cell: {r:?}"),
    }
}

/// The columns refused, in order; and no reason holds the value of a refused column (of
/// more than three characters: shorter ones, like `0`, occur in ordinary text).
fn errors_of(kind: BatchKind, pairs: &[(&str, &str)]) -> Vec<&'static str> {
    match decode_record(kind, &fields(kind, pairs), LegalZone::Brussels) {
        Ok(d) => panic!("accepted: {d:?}"),
        Err(errors) => {
            let refused = pairs
                .iter()
                .filter(|(n, v)| v.trim().len() > 3 && errors.iter().any(|e| e.field == *n));
            for e in &errors {
                for (_, v) in refused.clone() {
                    assert!(!e.reason.contains(v.trim()), "{} quotes a value", e.reason);
                }
            }
            errors.into_iter().map(|e| e.field).collect()
        }
    }
}

const START: &str = "2026-11-02T18:02:11Z";
const END: &str = "2026-11-02T18:05:00Z";
const T_START: i64 = 1_793_642_531;

#[test]
fn a_fixed_call_reads_national_numbers_in_the_zones_country() {
    let pairs = [
        ("calling_number", "02 123 45 67"),
        ("called_number", "+31 20 123 4567"),
        ("calling_ntp", "Rue de la Loi 16, Brussel"),
        ("forwarded_to", "0470 12 34 56"),
        ("lines", " +32470123457 ; 0470123458"),
        ("start", "2026-11-02 19:02:11"),
        ("end", END),
        ("service", "voice"),
    ];
    let c = comm(BatchKind::Fixed, &pairs);
    assert_eq!((c.network, c.kind), (Network::Fixed, CommType::Call));
    assert_eq!(c.calling.number.as_deref(), Some("+3221234567"));
    assert_eq!(c.called.number.as_deref(), Some("+31201234567"));
    assert_eq!(c.calling.ntp.as_deref(), Some("Rue de la Loi 16, Brussel"));
    assert_eq!(c.forwarded_to.as_deref(), Some("+32470123456"));
    assert_eq!(c.lines, ["+32470123457", "+32470123458"]);
    assert_eq!((c.start, c.end), (T_START, T_START + 169));
    assert_eq!(c.service.as_deref(), Some("voice"));
    // The same national number in Amsterdam is Dutch.
    let d = decode_in(
        BatchKind::Fixed,
        &[
            ("type", "call"),
            ("calling_number", "020 123 4567"),
            ("called_number", "0612345678"),
            ("start", START),
            ("end", END),
        ],
        LegalZone::Amsterdam,
    );
    let TrafficRecord::Communication(c) = d.record else {
        panic!("kind")
    };
    assert_eq!(c.calling.number.as_deref(), Some("+31201234567"));
    assert_eq!(c.called.number.as_deref(), Some("+31612345678"));
}

#[test]
fn a_fixed_record_reports_every_bad_field_at_once() {
    let long = "x".repeat(65);
    let fields = errors_of(
        BatchKind::Fixed,
        &[
            ("type", "sms"),
            ("calling_number", "12ab34cd"),
            ("calling_ntp", "line\u{7}bell"),
            ("lines", "+32470123457;;+32470123458"),
            ("start", START),
            ("end", "2026-11-02T18:00:00Z"),
            ("service", &long),
        ],
    );
    assert_eq!(
        fields,
        [
            "type",
            "calling_number",
            "called_number",
            "calling_ntp",
            "lines",
            "end",
            "service"
        ]
    );
    // end is required for a fixed call.
    let f = errors_of(
        BatchKind::Fixed,
        &[
            ("calling_number", "+3221234567"),
            ("called_number", "+3221234568"),
            ("start", START),
        ],
    );
    assert_eq!(f, ["end"]);
}

#[test]
fn lines_hold_at_most_32_numbers_none_empty() {
    let base = [
        ("calling_number", "+3221234567"),
        ("called_number", "+3221234568"),
        ("start", START),
        ("end", END),
    ];
    let with = |lines: &str| {
        let mut p = base.to_vec();
        p.push(("lines", lines));
        decode_record(
            BatchKind::Fixed,
            &fields(BatchKind::Fixed, &p),
            LegalZone::Brussels,
        )
    };
    let n = |k: usize| {
        (0..k)
            .map(|i| format!("+324701234{i:02}"))
            .collect::<Vec<_>>()
            .join(";")
    };
    assert!(with(&n(32)).is_ok());
    let e = with(&n(33)).unwrap_err();
    assert_eq!(e.len(), 1);
    assert_eq!(
        (e[0].field, e[0].reason.as_str()),
        ("lines", "has 33 numbers; at most 32 are allowed")
    );
    let e = with("+32470123400; ;0470zz").unwrap_err();
    let reasons: Vec<_> = e.iter().map(|e| (e.field, e.reason.as_str())).collect();
    assert_eq!(reasons.len(), 2, "{reasons:?}");
    assert!(reasons[0].1.starts_with("item 2 is empty"));
    assert!(reasons[1].1.starts_with("item 3: "));
}

#[test]
fn a_mobile_call_keeps_every_identifier_and_cell() {
    let c = comm(
        BatchKind::Mobile,
        &[
            ("type", "call"),
            ("calling_imsi", "206011234567890"),
            ("calling_imei", "35-209900-176148"),
            ("calling_cell_start", "206-01-1234-56789"),
            ("calling_cell_end", "206-01-1234-56790"),
            ("called_number", "0470 12 34 56"),
            ("start", START),
            ("end", END),
        ],
    );
    assert_eq!((c.network, c.kind), (Network::Mobile, CommType::Call));
    assert_eq!(c.calling.number, None);
    assert_eq!(c.calling.imsi.as_deref(), Some("206011234567890"));
    assert_eq!(c.calling.imei.as_deref(), Some("35209900176148"));
    assert_eq!(c.calling.cell_start.as_deref(), Some("206-01-1234-56789"));
    assert_eq!(c.calling.cell_end.as_deref(), Some("206-01-1234-56790"));
    assert_eq!(c.called.number.as_deref(), Some("+32470123456"));
    assert_eq!(c.called.imsi, None);
}

#[test]
fn a_message_is_an_event_without_forwarding() {
    let base = [
        ("type", "sms"),
        ("calling_number", "+32470123456"),
        ("called_number", "+32470123457"),
        ("start", START),
    ];
    let c = comm(BatchKind::Mobile, &base);
    assert_eq!((c.kind, c.start, c.end), (CommType::Sms, T_START, T_START));
    let mut same = base.to_vec();
    same.push(("end", START));
    assert_eq!(comm(BatchKind::Mobile, &same).end, T_START);
    let mut bad = base.to_vec();
    bad[0] = ("type", "mms");
    bad.extend([
        ("end", END),
        ("forwarded_to", "+32470123458"),
        ("lines", "+32470123459"),
    ]);
    assert_eq!(
        errors_of(BatchKind::Mobile, &bad),
        ["forwarded_to", "lines", "end"]
    );
}

#[test]
fn each_mobile_side_must_be_named() {
    // The calling side by any of its three, the called side by number or IMSI.
    let f = errors_of(
        BatchKind::Mobile,
        &[
            ("type", "call"),
            ("called_imei", "35209900176148"),
            ("start", START),
            ("end", END),
        ],
    );
    assert_eq!(f, ["calling_number", "called_number"]);
    let c = comm(
        BatchKind::Mobile,
        &[
            ("type", "call"),
            ("calling_imei", "35209900176148"),
            ("called_imsi", "204081234567890"),
            ("start", START),
            ("end", END),
        ],
    );
    assert_eq!(c.called.imsi.as_deref(), Some("204081234567890"));
}

#[test]
fn a_mobile_record_reports_every_bad_field_at_once() {
    let f = errors_of(
        BatchKind::Mobile,
        &[
            ("type", "fax"),
            ("calling_number", "+32470123456"),
            ("calling_imsi", "12345"),
            ("calling_imei", "352099001761482"),
            ("called_number", "+32470123457"),
            ("calling_cell_start", "206 01 1234"),
            ("called_cell_end", &"c".repeat(65)),
            ("start", "2026-03-29 02:30:00"),
        ],
    );
    assert_eq!(
        f,
        [
            "type",
            "calling_imsi",
            "calling_imei",
            "calling_cell_start",
            "called_cell_end",
            "start"
        ]
    );
    // A call needs its end.
    let f = errors_of(
        BatchKind::Mobile,
        &[
            ("type", "call"),
            ("calling_number", "+32470123456"),
            ("called_number", "+32470123457"),
            ("start", START),
        ],
    );
    assert_eq!(f, ["end"]);
}

#[test]
fn an_internet_record_names_accounts_addresses_and_ports() {
    let c = comm(
        BatchKind::Internet,
        &[
            ("type", "mail"),
            ("account", "Jan.Peeters@Example.BE"),
            ("recipient", "sip-user-17"),
            ("user_ip", "198.51.100.7"),
            ("user_port", "51234"),
            ("recipient_ip", "2001:db8::25"),
            ("recipient_port", "25"),
            ("start", START),
            ("service", "smtp"),
        ],
    );
    assert_eq!((c.network, c.kind), (Network::Internet, CommType::Mail));
    assert_eq!(c.calling.account.as_deref(), Some("Jan.Peeters@example.be"));
    assert_eq!(c.called.account.as_deref(), Some("sip-user-17"));
    assert_eq!(c.calling.address, Some("198.51.100.7".parse().unwrap()));
    assert_eq!((c.calling.port, c.called.port), (Some(51234), Some(25)));
    assert_eq!(c.called.address, Some("2001:db8::25".parse().unwrap()));
    assert_eq!(c.end, c.start);
    // A VoIP call into the phone network: its numbers there; no recipient needed.
    let c = comm(
        BatchKind::Internet,
        &[
            ("type", "voip"),
            ("account", "sip-user-17"),
            ("calling_number", "02 123 45 67"),
            ("called_number", "0470123456"),
            ("start", START),
            ("end", END),
        ],
    );
    assert_eq!(c.calling.number.as_deref(), Some("+3221234567"));
    assert_eq!(c.called.number.as_deref(), Some("+32470123456"));
    assert_eq!(c.called.account, None);
}

#[test]
fn an_internet_record_reports_every_bad_field_at_once() {
    let f = errors_of(
        BatchKind::Internet,
        &[
            ("type", "mail"),
            ("account", "jan@@example.be"),
            ("user_ip", "198.51.100.300"),
            ("user_port", "65536"),
            ("called_number", "+32 abc"),
            ("start", START),
            ("end", END),
        ],
    );
    assert_eq!(
        f,
        [
            "account",
            "recipient",
            "called_number",
            "user_ip",
            "user_port",
            "end"
        ]
    );
    let f = errors_of(
        BatchKind::Internet,
        &[
            ("type", "login"),
            ("account", "sip-user-17"),
            ("recipient", "other@example.be"),
            ("start", START),
        ],
    );
    assert_eq!(f, ["recipient", "end"]);
    assert_eq!(
        errors_of(BatchKind::Internet, &[("type", "call"), ("start", START)]),
        ["type", "account"]
    );
}

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
    c.calling.imsi = Some("206011234567890".into());
    let d = DecodedRecord {
        record: TrafficRecord::Communication(c),
        event: Event::Complete,
    };
    assert_eq!(encode_record(BatchKind::Fixed, &d), None);
}

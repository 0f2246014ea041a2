//! Property tests of the `fixed`, `mobile`, `internet` and `cell` decoders: generated
//! records written in the format read back to what was generated; a record with one
//! field spoiled (garbage, too long, a required one emptied, the end before the start)
//! is refused for that field, never quoting it; and any field text — valid records with
//! one field overwritten, or fields of noise — never panics, and what is accepted
//! writes back and reads back equal.

use proptest::option::of;
use proptest::prelude::*;

use super::comm_strategies::{KINDS, record};
use super::*;
use crate::LegalZone;

fn decode(
    kind: BatchKind,
    fields: &[Option<String>],
    zone: LegalZone,
) -> Result<DecodedRecord, Vec<crate::FieldError>> {
    let values: Vec<Option<&str>> = fields.iter().map(Option::as_deref).collect();
    decode_record(kind, &values, zone)
}

/// A spoiled value: it carries the marker `Qz`, which no reason text holds.
#[derive(Clone, Debug)]
enum Spoil {
    /// Garbage in a column whose values have a shape (number, time, address, type …).
    Garbage(String),
    /// Text one character longer than its column allows.
    TooLong,
    /// A port, azimuth or beam width out of range.
    TooBig,
    /// A required column emptied.
    Empty,
    /// The end moved before the start (a cell has no end: its `valid_from` emptied).
    Swapped,
}

fn spoil() -> impl Strategy<Value = Spoil> {
    prop_oneof![
        "Qz[a-z0-9#]{2,10}".prop_map(Spoil::Garbage),
        Just(Spoil::TooLong),
        Just(Spoil::TooBig),
        Just(Spoil::Empty),
        Just(Spoil::Swapped),
    ]
}

/// The columns where garbage is refused, for every record of `kind`.
fn shaped(kind: BatchKind) -> &'static [&'static str] {
    match kind {
        BatchKind::Fixed => &[
            "type",
            "calling_number",
            "called_number",
            "forwarded_to",
            "lines",
            "start",
            "end",
        ],
        BatchKind::Mobile => &[
            "type",
            "calling_number",
            "called_number",
            "calling_imsi",
            "calling_imei",
            "called_imsi",
            "called_imei",
            "forwarded_to",
            "lines",
            "start",
            "end",
        ],
        BatchKind::Internet => &[
            "type",
            "calling_number",
            "called_number",
            "user_ip",
            "user_port",
            "recipient_ip",
            "recipient_port",
            "start",
            "end",
        ],
        _ => &[
            "valid_from",
            "event",
            "latitude",
            "longitude",
            "azimuth",
            "beam_width",
        ],
    }
}

/// Text columns with their limit.
fn limited(kind: BatchKind) -> &'static [(&'static str, usize)] {
    match kind {
        BatchKind::Fixed => &[
            ("calling_ntp", MAX_NTP_CHARS),
            ("called_ntp", MAX_NTP_CHARS),
            ("service", 64),
        ],
        BatchKind::Mobile => &[
            ("calling_cell_start", MAX_CELL_CHARS),
            ("calling_cell_end", MAX_CELL_CHARS),
            ("called_cell_start", MAX_CELL_CHARS),
            ("called_cell_end", MAX_CELL_CHARS),
            ("service", 64),
        ],
        BatchKind::Internet => &[("account", 128), ("recipient", 128), ("service", 64)],
        _ => &[
            ("cell_id", MAX_CELL_CHARS),
            ("address", 256),
            ("technology", 16),
        ],
    }
}

fn big(kind: BatchKind) -> &'static [(&'static str, &'static str)] {
    match kind {
        BatchKind::Internet => &[
            ("user_port", "65536"),
            ("recipient_port", "18446744073709551616"),
        ],
        BatchKind::Cell => &[("azimuth", "360"), ("beam_width", "361")],
        // No numeric column: a conference of 33 lines is the number too big.
        _ => &[("lines", "")],
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, failure_persistence: None, ..ProptestConfig::default() })]

    /// A valid record written in the format reads back as exactly what was generated, in
    /// either zone (every number is already international).
    #[test]
    fn valid_records_read_back_to_what_was_generated((kind, d) in record(), brussels in any::<bool>()) {
        let fields = encode_record(kind, &d).unwrap();
        let zone = if brussels { LegalZone::Brussels } else { LegalZone::Amsterdam };
        prop_assert_eq!(decode(kind, &fields, zone), Ok(d));
    }

    /// A record with one field spoiled is refused, with an error for that field; no
    /// error's text holds the spoiled value.
    #[test]
    fn a_spoiled_field_is_refused_for_that_field((kind, d) in record(), which in any::<prop::sample::Index>(), how in spoil()) {
        let mut fields = encode_record(kind, &d).unwrap();
        let (target, value) = match how {
            Spoil::Garbage(g) => (*which.get(shaped(kind)), Some(g)),
            Spoil::TooLong => {
                let (col, max) = *which.get(limited(kind));
                (col, Some(format!("Qz{}", "a".repeat(max - 1))))
            }
            Spoil::TooBig => {
                let (col, v) = *which.get(big(kind));
                let v = if col == "lines" {
                    (0..33).map(|i| format!("+324700000{i:02}")).collect::<Vec<_>>().join(";")
                } else {
                    v.to_string()
                };
                (col, Some(v))
            }
            Spoil::Empty => (*which.get(kind.required()), None),
            Spoil::Swapped if kind == BatchKind::Cell => ("valid_from", None),
            Spoil::Swapped => {
                let before = jiff::Timestamp::from_second(d.record.start() - 1).unwrap().to_string();
                ("end", Some(before))
            }
        };
        fields[kind.column(target).unwrap()] = value.clone();
        let errors = decode(kind, &fields, LegalZone::Amsterdam).unwrap_err();
        prop_assert!(errors.iter().any(|e| e.field == target), "{:?} for {}", errors, target);
        if let Some(v) = value.filter(|v| v.starts_with("Qz")) {
            for e in &errors {
                prop_assert!(!e.reason.contains(v.as_str()), "{} holds the value", e.reason);
            }
        }
    }

    /// A valid record with one field overwritten by any printable text (malformed input
    /// near the valid) is never a panic: it is refused naming columns of its kind, or it is
    /// accepted and writes back to fields that read back equal.
    #[test]
    fn any_field_text_is_refused_or_reads_back_equal((kind, d) in record(), which in any::<prop::sample::Index>(), v in of("[ -~\u{a0}\u{7f}\u{feff}]{0,40}")) {
        let mut fields = encode_record(kind, &d).unwrap();
        let col = which.index(kind.columns().len());
        fields[col] = v;
        match decode(kind, &fields, LegalZone::Brussels) {
            Err(errors) => {
                prop_assert!(!errors.is_empty());
                for e in &errors {
                    prop_assert!(kind.column(e.field).is_some() || e.field == "row", "{}", e.field);
                }
            }
            Ok(got) => {
                let again = encode_record(kind, &got).unwrap();
                prop_assert_eq!(decode(kind, &again, LegalZone::Brussels), Ok(got));
            }
        }
    }

    /// Fields of noise never panic, and a refusal never quotes a field.
    #[test]
    fn noise_never_panics_nor_leaks(kind in prop::sample::select(&KINDS[..]),
                                    values in proptest::collection::vec(of("Qz[ -~]{0,20}"), MAX_COLUMNS)) {
        let values: Vec<Option<&str>> = values.iter().take(kind.columns().len()).map(Option::as_deref).collect();
        if let Err(errors) = decode_record(kind, &values, LegalZone::Brussels) {
            prop_assert!(!errors.is_empty());
            for e in &errors {
                for v in values.iter().flatten().filter(|v| v.trim().len() > 3) {
                    prop_assert!(!e.reason.contains(v.trim()), "{} holds a value", e.reason);
                }
            }
        }
    }
}

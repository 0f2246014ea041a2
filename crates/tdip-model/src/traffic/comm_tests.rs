//! Tests of the `fixed`, `mobile` and `internet` decoders on the format's rules: one
//! accept and the refusals per rule, every bad field reported at once, and no reason
//! quoting the value it refuses. The helpers serve `cell_tests` too.

use super::*;
use crate::LegalZone;

pub(super) fn fields<'a>(kind: BatchKind, pairs: &[(&str, &'a str)]) -> Vec<Option<&'a str>> {
    let mut out = vec![None; kind.columns().len()];
    for (name, v) in pairs {
        out[kind.column(name).expect("known column")] = Some(*v);
    }
    out
}

pub(super) fn decode_in(kind: BatchKind, pairs: &[(&str, &str)], zone: LegalZone) -> DecodedRecord {
    match decode_record(kind, &fields(kind, pairs), zone) {
        Ok(d) => d,
        Err(e) => panic!("refused: {e:?}"),
    }
}

pub(super) fn comm(kind: BatchKind, pairs: &[(&str, &str)]) -> Communication {
    match decode_in(kind, pairs, LegalZone::Brussels) {
        DecodedRecord {
            record: TrafficRecord::Communication(c),
            event: Event::Complete,
        } => c,
        d => panic!("not a complete communication: {d:?}"),
    }
}

pub(super) fn cell(pairs: &[(&str, &str)]) -> CellConfig {
    match decode_in(BatchKind::Cell, pairs, LegalZone::Brussels).record {
        TrafficRecord::Cell(c) => c,
        r => panic!("not a cell: {r:?}"),
    }
}

/// The columns refused, in order; and no reason holds the value of a refused column (of
/// more than three characters: shorter ones, like `0`, occur in ordinary text).
pub(super) fn errors_of(kind: BatchKind, pairs: &[(&str, &str)]) -> Vec<&'static str> {
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

pub(super) const START: &str = "2026-11-02T18:02:11Z";
pub(super) const END: &str = "2026-11-02T18:05:00Z";
pub(super) const T_START: i64 = 1_793_642_531;

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
            ("recipient", "other@@example"),
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
fn a_provider_local_account_id_is_read_as_a_user_id_and_a_broken_address_is_refused() {
    use crate::traffic::{BatchKind, TrafficRecord, decode_record};
    let row = |account: &str| {
        let mut values: Vec<Option<&str>> = vec![None; BatchKind::Internet.columns().len()];
        let mut set = |c: &str, v: &'static str| {
            values[BatchKind::Internet.column(c).unwrap()] = Some(v);
        };
        set("type", "login");
        set("start", "2026-11-02T10:00:00Z");
        set("end", "2026-11-02T11:00:00Z");
        let account: &'static str = Box::leak(account.to_owned().into_boxed_str());
        set("account", account);
        decode_record(BatchKind::Internet, &values, crate::LegalZone::Amsterdam)
    };
    match row("v33213371@kpn").unwrap().record {
        TrafficRecord::Communication(c) => {
            assert_eq!(c.calling.account.as_deref(), Some("v33213371@kpn"));
        }
        other => panic!("{other:?}"),
    }
    let refused = row("jan@@example.org").unwrap_err();
    assert_eq!(refused[0].field, "account");
}

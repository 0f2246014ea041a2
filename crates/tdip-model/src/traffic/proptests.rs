//! Property tests of the traffic record decoder: generated valid records decode to what
//! was generated; a record with one field spoiled is refused for that field, and no
//! error's text ever holds the value refused.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use proptest::prelude::*;

use super::*;
use crate::LegalZone;

/// 2020-01-01 to 2030-01-01, UTC seconds.
fn moment() -> impl Strategy<Value = i64> {
    1_577_836_800i64..1_893_456_000
}

fn addr() -> impl Strategy<Value = IpAddr> {
    prop_oneof![
        any::<u32>().prop_map(|a| IpAddr::V4(Ipv4Addr::from(a))),
        // Not IPv4-mapped (which reads as the IPv4 address).
        (1u128 << 112..u128::MAX).prop_map(|a| IpAddr::V6(Ipv6Addr::from(a))),
    ]
}

fn user() -> impl Strategy<Value = String> {
    "[A-Za-z0-9@._-]{1,40}"
}

fn event_and_end(start: i64) -> impl Strategy<Value = (Event, Option<i64>)> {
    prop_oneof![
        Just((Event::Start, None)),
        (0i64..90 * 86_400).prop_map(move |d| (Event::Complete, Some(start + d))),
        (0i64..90 * 86_400).prop_map(move |d| (Event::End, Some(start + d))),
    ]
}

fn block() -> impl Strategy<Value = DecodedRecord> {
    (
        addr(),
        any::<u16>(),
        any::<u16>(),
        proptest::option::of(addr()),
        proptest::option::of(user()),
        moment(),
    )
        .prop_filter("private_ip or user_id", |(_, _, _, p, u, _)| {
            p.is_some() || u.is_some()
        })
        .prop_flat_map(|(ip, a, b, p, u, start)| {
            event_and_end(start).prop_map(move |(event, end)| DecodedRecord {
                record: TrafficRecord::PortBlock(PortBlock {
                    public_ip: ip,
                    first_port: a.min(b),
                    last_port: a.max(b),
                    private_ip: p,
                    user_id: u.clone(),
                    start,
                    end,
                }),
                event,
            })
        })
}

fn session() -> impl Strategy<Value = DecodedRecord> {
    let net = (addr(), any::<u8>()).prop_map(|(a, l)| {
        let max = if a.is_ipv4() { 32 } else { 128 };
        ipnet::IpNet::new(a, l % (max + 1)).unwrap().trunc()
    });
    let text = |n: usize| {
        proptest::option::of(
            proptest::string::string_regex(&format!("[a-z0-9:/.]{{1,{n}}}")).unwrap(),
        )
    };
    (
        user(),
        net,
        text(MAX_NTP_CHARS),
        text(MAX_NTP_CHARS),
        moment(),
        any::<Option<u64>>(),
        any::<Option<u64>>(),
        text(MAX_CELL_CHARS),
    )
        .prop_flat_map(|(u, net, ns, ne, login, up, down, cell)| {
            event_and_end(login).prop_map(move |(event, logoff)| DecodedRecord {
                record: TrafficRecord::Session(AccessSession {
                    user_id: u.clone(),
                    address: net.addr(),
                    prefix_len: net.prefix_len(),
                    ntp_start: ns.clone(),
                    ntp_end: ne.clone(),
                    login,
                    logoff,
                    uploaded: up,
                    downloaded: down,
                    cell: cell.clone(),
                }),
                event,
            })
        })
}

fn record() -> impl Strategy<Value = (BatchKind, DecodedRecord)> {
    prop_oneof![
        block().prop_map(|d| (BatchKind::Cgnat, d)),
        session().prop_map(|d| (BatchKind::Session, d)),
    ]
}

fn decode(
    kind: BatchKind,
    fields: &[Option<String>],
) -> Result<DecodedRecord, Vec<crate::FieldError>> {
    let values: Vec<Option<&str>> = fields.iter().map(Option::as_deref).collect();
    decode_record(kind, &values, LegalZone::Amsterdam)
}

/// A spoiled value: it carries the marker `Qz`, which no reason text holds.
#[derive(Clone, Debug)]
enum Spoil {
    /// Garbage in an address, number or time column.
    Garbage(String),
    /// A port (or volume) out of range.
    TooBig,
    /// A required column emptied.
    Empty,
    /// The end moved before the start.
    Swapped,
}

fn spoil() -> impl Strategy<Value = Spoil> {
    prop_oneof![
        "Qz[a-z0-9#]{2,10}".prop_map(Spoil::Garbage),
        Just(Spoil::TooBig),
        Just(Spoil::Empty),
        Just(Spoil::Swapped),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 500, failure_persistence: None, ..ProptestConfig::default() })]

    /// A valid record written in the format decodes to exactly what was generated.
    #[test]
    fn valid_records_decode_to_what_was_generated((kind, d) in record()) {
        let fields = encode_record(kind, &d).unwrap();
        prop_assert_eq!(decode(kind, &fields), Ok(d));
    }

    /// A record with one field spoiled is refused, with an error for that field; no
    /// error's text holds the spoiled value.
    #[test]
    fn a_spoiled_field_is_refused_for_that_field((kind, d) in record(), which in any::<prop::sample::Index>(), how in spoil()) {
        let mut fields = encode_record(kind, &d).unwrap();
        let (target, value) = match how {
            Spoil::Garbage(g) => {
                let cols = match kind {
                    BatchKind::Cgnat => &["public_ip", "first_port", "last_port", "private_ip", "start", "end", "event"][..],
                    BatchKind::Session => &["address", "login", "logoff", "uploaded", "downloaded", "event"][..],
                    _ => unreachable!("the generator makes cgnat and session records"),
                };
                (*which.get(cols), Some(g))
            }
            Spoil::TooBig => {
                let cols = match kind {
                    BatchKind::Cgnat => &["first_port", "last_port"][..],
                    BatchKind::Session => &["uploaded", "downloaded"][..],
                    _ => unreachable!("the generator makes cgnat and session records"),
                };
                (*which.get(cols), Some("18446744073709551616".to_string()))
            }
            Spoil::Empty => (*which.get(kind.required()), None),
            Spoil::Swapped => {
                let (end, start) = match kind {
                    BatchKind::Cgnat => ("end", d.record.start()),
                    BatchKind::Session => ("logoff", d.record.start()),
                    _ => unreachable!("the generator makes cgnat and session records"),
                };
                let before = jiff::Timestamp::from_second(start - 1).unwrap().to_string();
                (end, Some(before))
            }
        };
        fields[kind.column(target).unwrap()] = value.clone();
        let errors = decode(kind, &fields).unwrap_err();
        prop_assert!(errors.iter().any(|e| e.field == target), "{:?} for {}", errors, target);
        if let Some(v) = value.filter(|v| v.starts_with("Qz")) {
            for e in &errors {
                prop_assert!(!e.reason.contains(v.as_str()), "{} holds the value", e.reason);
            }
        }
    }

    /// Whatever the fields hold, decoding returns (never panics), and a refusal never
    /// quotes a field.
    #[test]
    fn arbitrary_fields_never_panic_nor_leak(kind in prop_oneof![Just(BatchKind::Cgnat), Just(BatchKind::Session)],
                                             values in proptest::collection::vec(proptest::option::of("Qz[ -~]{0,20}"), MAX_COLUMNS)) {
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

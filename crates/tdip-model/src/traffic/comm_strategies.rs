//! Proptest generators of valid `fixed`, `mobile`, `internet` and `cell` records, in the
//! normalised form the decoder produces (so that writing and reading one gives it back).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use proptest::option::of;
use proptest::prelude::*;

use super::*;

pub(super) const KINDS: [BatchKind; 4] = [
    BatchKind::Fixed,
    BatchKind::Mobile,
    BatchKind::Internet,
    BatchKind::Cell,
];

/// 2020-01-01 to 2030-01-01, UTC seconds.
pub(super) fn moment() -> impl Strategy<Value = i64> {
    1_577_836_800i64..1_893_456_000
}

/// A number already in E.164 (Belgian or Dutch mobile), as the decoder writes it.
pub(super) fn number() -> impl Strategy<Value = String> {
    prop_oneof!["\\+324[0-9]{8}", "\\+316[0-9]{8}"]
}

pub(super) fn addr() -> impl Strategy<Value = IpAddr> {
    prop_oneof![
        any::<u32>().prop_map(|a| IpAddr::V4(Ipv4Addr::from(a))),
        (1u128 << 112..u128::MAX).prop_map(|a| IpAddr::V6(Ipv6Addr::from(a))),
    ]
}

/// Text that reads back as itself (no surrounding white space, no control character).
pub(super) fn text(max: usize) -> impl Strategy<Value = String> {
    proptest::string::string_regex(&format!("[A-Za-z0-9,./:#-]{{1,{max}}}")).unwrap()
}

pub(super) fn cell_id() -> impl Strategy<Value = String> {
    text(MAX_CELL_CHARS)
}

pub(super) fn account() -> impl Strategy<Value = String> {
    prop_oneof![
        "[A-Za-z0-9._-]{1,40}",
        "[a-z0-9]{1,20}@[a-z0-9]{1,12}\\.(be|nl)"
    ]
}

pub(super) fn times(event: bool) -> impl Strategy<Value = (i64, i64)> {
    (moment(), 0i64..2 * 86_400).prop_map(move |(s, d)| (s, if event { s } else { s + d }))
}

pub(super) fn complete(c: Communication) -> DecodedRecord {
    DecodedRecord {
        record: TrafficRecord::Communication(c),
        event: Event::Complete,
    }
}

pub(super) fn fixed() -> impl Strategy<Value = DecodedRecord> {
    let side = || {
        (number(), of(text(MAX_NTP_CHARS))).prop_map(|(n, ntp)| Party {
            number: Some(n),
            ntp,
            ..Party::default()
        })
    };
    (
        side(),
        side(),
        of(number()),
        proptest::collection::vec(number(), 0..=32),
        times(false),
        of(text(64)),
    )
        .prop_map(
            |(calling, called, forwarded_to, lines, (start, end), service)| {
                complete(Communication {
                    network: Network::Fixed,
                    kind: CommType::Call,
                    calling,
                    called,
                    forwarded_to,
                    lines,
                    start,
                    end,
                    service,
                })
            },
        )
}

pub(super) fn mobile_party(calling: bool) -> impl Strategy<Value = Party> {
    let imsi = "20[46][0-9]{12}";
    (
        of(number()),
        of(imsi),
        of("[0-9]{14}"),
        of(cell_id()),
        of(cell_id()),
    )
        .prop_filter("a side is named", move |(n, s, i, _, _)| {
            n.is_some() || s.is_some() || (calling && i.is_some())
        })
        .prop_map(|(number, imsi, imei, cell_start, cell_end)| Party {
            number,
            imsi,
            imei,
            cell_start,
            cell_end,
            ..Party::default()
        })
}

pub(super) fn mobile() -> impl Strategy<Value = DecodedRecord> {
    let kind = prop_oneof![
        Just(CommType::Call),
        Just(CommType::Sms),
        Just(CommType::Mms)
    ];
    kind.prop_flat_map(|kind| {
        let call = kind == CommType::Call;
        (
            mobile_party(true),
            mobile_party(false),
            if call {
                of(number()).boxed()
            } else {
                Just(None).boxed()
            },
            proptest::collection::vec(number(), 0..=if call { 32 } else { 0 }),
            times(!call),
            of(text(64)),
        )
            .prop_map(
                move |(calling, called, forwarded_to, lines, (start, end), service)| {
                    complete(Communication {
                        network: Network::Mobile,
                        kind,
                        calling,
                        called,
                        forwarded_to,
                        lines,
                        start,
                        end,
                        service,
                    })
                },
            )
    })
}

pub(super) fn internet() -> impl Strategy<Value = DecodedRecord> {
    let kind = prop_oneof![
        Just(CommType::Mail),
        Just(CommType::Voip),
        Just(CommType::Login)
    ];
    kind.prop_flat_map(|kind| {
        let recipient = match kind {
            CommType::Mail => account().prop_map(Some).boxed(),
            CommType::Voip => of(account()).boxed(),
            _ => Just(None).boxed(),
        };
        let side = |account: BoxedStrategy<Option<String>>| {
            (account, of(number()), of(addr()), of(any::<u16>())).prop_map(
                |(account, number, address, port)| Party {
                    account,
                    number,
                    address,
                    port,
                    ..Party::default()
                },
            )
        };
        (
            side(account().prop_map(Some).boxed()),
            side(recipient),
            times(kind.is_event()),
            of(text(64)),
        )
            .prop_map(move |(calling, called, (start, end), service)| {
                complete(Communication {
                    network: Network::Internet,
                    kind,
                    calling,
                    called,
                    forwarded_to: None,
                    lines: Vec::new(),
                    start,
                    end,
                    service,
                })
            })
    })
}

pub(super) fn cell() -> impl Strategy<Value = DecodedRecord> {
    let place = (
        -90_000_000i32..=90_000_000,
        -180_000_000i32..=180_000_000,
        of(0u16..360),
        of(1u16..=360),
    );
    (
        cell_id(),
        moment(),
        of(place),
        of(text(256)),
        of("[a-z0-9]{1,16}"),
    )
        .prop_map(|(cell_id, valid_from, place, address, technology)| {
            let (latitude, longitude, azimuth, beam_width) = match place {
                Some((la, lo, az, bw)) => (Some(la), Some(lo), az, bw),
                None => (None, None, None, None),
            };
            DecodedRecord {
                record: TrafficRecord::Cell(CellConfig {
                    cell_id,
                    valid_from,
                    removed: place.is_none(),
                    latitude,
                    longitude,
                    azimuth,
                    beam_width,
                    address,
                    technology,
                }),
                event: Event::Complete,
            }
        })
}

pub(super) fn record() -> impl Strategy<Value = (BatchKind, DecodedRecord)> {
    prop_oneof![
        fixed().prop_map(|d| (BatchKind::Fixed, d)),
        mobile().prop_map(|d| (BatchKind::Mobile, d)),
        internet().prop_map(|d| (BatchKind::Internet, d)),
        cell().prop_map(|d| (BatchKind::Cell, d)),
    ]
}

//! Communication records built by hand for the TS 102 657 tests: a forwarded mobile
//! conference call with cells, a VoIP call into the phone network, an e-mail.

use tdip_model::traffic::{CellConfig, CommType, Communication, Network, Party};

use crate::{CellEnd, CommCell, CommRecord, DeliveryView, Endpoint, PayloadFormat};

pub(crate) const T0: i64 = 1_793_617_200; // 2026-11-02T11:00:00Z

fn party(number: &str) -> Party {
    Party {
        number: Some(number.into()),
        ..Party::default()
    }
}

/// A mobile call from a number (with SIM, device and two cells) to a number, forwarded
/// to a third and joined by two conference lines.
pub(crate) fn conference_call() -> CommRecord {
    CommRecord {
        format: "InternationalE164".into(),
        searched: "+31612345678".into(),
        provider: "kpn".into(),
        provider_name: "KPN B.V.".into(),
        communication: 1,
        record: Communication {
            network: Network::Mobile,
            kind: CommType::Call,
            calling: Party {
                imsi: Some("204081234567890".into()),
                imei: Some("490154203237518".into()),
                cell_start: Some("204-08-1234-56789".into()),
                cell_end: Some("204-08-1234-99999".into()),
                ..party("+31612345678")
            },
            called: party("+31201234567"),
            forwarded_to: Some("+31650000001".into()),
            lines: vec!["+31650000002".into(), "+31650000003".into()],
            start: T0,
            end: T0 + 125,
            service: Some("volte".into()),
        },
        cells: vec![
            CommCell {
                end: CellEnd::CallingStart,
                cell_id: "204-08-1234-56789".into(),
                at: T0,
                config: Some(CellConfig {
                    cell_id: "204-08-1234-56789".into(),
                    valid_from: T0 - 86_400,
                    removed: false,
                    latitude: Some(52_370_216),
                    longitude: Some(-4_895_168),
                    azimuth: Some(120),
                    beam_width: Some(65),
                    address: Some("Damrak 1, Amsterdam".into()),
                    technology: Some("lte".into()),
                }),
            },
            CommCell {
                end: CellEnd::CallingEnd,
                cell_id: "204-08-1234-99999".into(),
                at: T0 + 125,
                config: None,
            },
        ],
    }
}

/// A VoIP call from an account (with its number, address and port) into the phone network.
pub(crate) fn voip_call() -> CommRecord {
    CommRecord {
        format: "InternationalE164".into(),
        searched: "+31612345678".into(),
        provider: "voipco".into(),
        provider_name: String::new(),
        communication: 2,
        record: Communication {
            network: Network::Internet,
            kind: CommType::Voip,
            calling: Party {
                account: Some("jan@voip.example".into()),
                address: Some("198.51.100.7".parse().unwrap()),
                port: Some(5060),
                ..party("+31851234567")
            },
            called: party("+31612345678"),
            forwarded_to: None,
            lines: Vec::new(),
            start: T0 + 3_600,
            end: T0 + 3_660,
            service: Some("sip".into()),
        },
        cells: Vec::new(),
    }
}

/// An e-mail from one account to another.
pub(crate) fn mail() -> CommRecord {
    let account = |a: &str| Party {
        account: Some(a.into()),
        ..Party::default()
    };
    CommRecord {
        format: "EmailAddress".into(),
        searched: "jan@example.nl".into(),
        provider: "mailco".into(),
        provider_name: "Mail B.V.".into(),
        communication: 3,
        record: Communication {
            network: Network::Internet,
            kind: CommType::Mail,
            calling: Party {
                address: Some("2001:db8::7".parse().unwrap()),
                ..account("jan@example.nl")
            },
            called: account("piet@example.org"),
            forwarded_to: None,
            lines: Vec::new(),
            start: T0 + 7_200,
            end: T0 + 7_200,
            service: Some("smtp".into()),
        },
        cells: Vec::new(),
    }
}

/// A delivery of `comms` alone, in `format`.
pub(crate) fn view(comms: Vec<CommRecord>, format: PayloadFormat) -> DeliveryView {
    DeliveryView {
        object: "71ff52ca-bcea-4fa3-b34e-1b89dcfb0d9e".into(),
        country: "NL".into(),
        owner: "TDIP-POINT".into(),
        generation: 1,
        associated: vec!["2b36a78b-b628-416d-bd22-404e68a0cd36".into()],
        last_changed: jiff::Timestamp::from_second(T0 + 86_400).unwrap(),
        reference: "NL-POLITIE-2026-0001".into(),
        delivery_id: "d1079830-8e9a-4731-8fb7-36b9b961eb72".into(),
        records: Vec::new(),
        comms,
        format,
        requester: Endpoint {
            country: "NL".into(),
            id: "POLITIE-LI".into(),
        },
    }
}

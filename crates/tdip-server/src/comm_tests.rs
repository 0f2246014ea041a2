//! Communications, device histories and cell dumps at the edge: each new form of a lookup
//! read into its traffic question, bad cells and areas refused with their code and without
//! the value given (also through `POST /v1/traffic/lookups`, logged), and a hand-built
//! core answer mapped to the wire field by field (coordinates written exactly), read back,
//! and an answer of part 1 without the new fields still read.

use axum::http::StatusCode;
use serde_json::json;
use tdip_access::{Category, Due, Grant, RefusalCode, Rule};
use tdip_api::{LookupRequest, TrafficAnswered};
use tdip_core::consult::Unreadable;
use tdip_core::lookup::Searched;
use tdip_core::traffic::comms::devices::{DeviceUse, Devices};
use tdip_core::traffic::comms::dump::{DumpTarget, Dumped, DumpedCell};
use tdip_core::traffic::comms::{CellRole, Communicated, FetchedComm, PlacedCell};
use tdip_core::traffic::consult::{TrafficAnswer, TrafficAsk, TrafficConsulted};
use tdip_core::traffic::fetch::Source;
use tdip_model::LegalZone;
use tdip_model::traffic::{CellConfig, CommType, Communication, Network, Party};

use super::tests::{From, POLITIE, call, json, point, refusal_logged, state};

const FROM: &str = "2026-11-01T00:00:00Z";
const TO: &str = "2026-11-02T00:00:00Z";

/// The request as the API's body gives it, resolved as `/v1/traffic/lookups` does (`""`
/// names the API's fields) or as the CLI does (`"--"`).
fn resolve(
    body: serde_json::Value,
    prefix: &'static str,
) -> (Category, Result<TrafficAsk, Unreadable>) {
    let mut body = body;
    for (k, v) in [("officer", "T-1"), ("basis", "nl/sv-126n"), ("case", "C-1")] {
        body[k] = json!(v);
    }
    let request: LookupRequest = serde_json::from_value(body).unwrap();
    let (demand, ask) =
        crate::wire::asked(request).resolve_traffic(LegalZone::Amsterdam, 0, prefix);
    (demand.category, ask)
}

fn asked(body: serde_json::Value) -> TrafficAsk {
    match resolve(body, "").1 {
        Ok(ask) => ask,
        Err(e) => panic!("refused: {}", e.reason),
    }
}

/// The refusal's code and reason.
fn refused(body: serde_json::Value, prefix: &'static str) -> (RefusalCode, String) {
    match resolve(body, prefix).1 {
        Ok(ask) => panic!("read as {ask:?}"),
        Err(e) => (e.code, e.reason.to_string()),
    }
}

#[test]
fn a_number_imsi_imei_or_email_with_traffic_asks_its_communications() {
    for (field, value) in [
        ("msisdn", "+31612345678"),
        ("imsi", "204081234567890"),
        ("imei", "490154203237518"),
        ("email", "a@example.nl"),
    ] {
        let ask = asked(json!({field: value, "traffic": true, "from": FROM, "to": TO}));
        let TrafficAsk::Comms(of) = ask else {
            panic!("{field}: {ask:?}");
        };
        assert_eq!((of.kind.as_str(), of.value.as_str()), (field, value));
        assert_eq!(of.to - of.from, 86_400);
    }
}

#[test]
fn an_account_or_address_asks_communications_only_with_communications() {
    for (field, value) in [("user_id", "u123"), ("ip", "198.51.100.7")] {
        let plain = asked(json!({field: value, "traffic": true, "from": FROM, "to": TO}));
        assert!(
            matches!(plain, TrafficAsk::Records(_)),
            "{field}: {plain:?}"
        );
        let comms = asked(
            json!({field: value, "traffic": true, "communications": true,
                                 "from": FROM, "to": TO}),
        );
        assert!(matches!(comms, TrafficAsk::Comms(_)), "{field}: {comms:?}");
    }
}

#[test]
fn devices_asks_a_device_history_by_imei_imsi_or_number_only() {
    for field in ["imei", "imsi", "msisdn"] {
        let ask = asked(json!({field: "490154203237518", "devices": true, "from": FROM, "to": TO}));
        assert!(matches!(ask, TrafficAsk::Devices(_)), "{field}: {ask:?}");
    }
    let (code, why) = refused(
        json!({"email": "a@example.nl", "devices": true, "from": FROM, "to": TO}),
        "",
    );
    assert_eq!(code, RefusalCode::BadIdentifier);
    assert!(!why.contains("example"), "{why}");
}

#[test]
fn communications_need_a_period_not_a_moment() {
    let (code, why) = refused(json!({"msisdn": "+31612345678", "traffic": true}), "--");
    assert_eq!(code, RefusalCode::BadTime);
    assert!(why.contains("--from") && why.contains("--to"), "{why}");
}

#[test]
fn a_dump_of_named_cells_needs_no_identifier_and_keeps_their_provider() {
    let (category, ask) = resolve(
        json!({"cell_dump": {"cells": ["kpn:204-08-1-11", "kpn:204-08-1-12"]},
               "from": FROM, "to": TO}),
        "",
    );
    assert_eq!(category, Category::CellDump);
    let Ok(TrafficAsk::Dump(d)) = ask else {
        panic!("{ask:?}");
    };
    assert_eq!(
        d.target,
        DumpTarget::Cells {
            provider: "kpn".into(),
            cell_ids: vec!["204-08-1-11".into(), "204-08-1-12".into()],
        }
    );
}

#[test]
fn a_dump_of_an_area_reads_its_point_exactly_in_micro_degrees() {
    let ask = asked(
        json!({"cell_dump": {"near": "52.370216,-4.5", "radius_metres": 500},
                           "from": FROM, "to": TO}),
    );
    let TrafficAsk::Dump(d) = ask else {
        panic!("{ask:?}");
    };
    assert_eq!(
        d.target,
        DumpTarget::Area {
            latitude: 52_370_216,
            longitude: -4_500_000,
            radius_metres: 500,
        }
    );
}

#[test]
fn bad_points_are_read_as_nothing() {
    use tdip_point::asked_traffic::{parse_micro_degrees, parse_point};
    assert_eq!(parse_micro_degrees("-0.000001"), Some(-1));
    assert_eq!(parse_micro_degrees("+180"), Some(180_000_000));
    for bad in [
        "",
        "-",
        "1.",
        ".5",
        "1.1234567",
        "1e3",
        "NaN",
        "12,5",
        "1 2",
        "1234",
    ] {
        assert_eq!(parse_micro_degrees(bad), None, "{bad:?}");
    }
    assert_eq!(parse_point("90.000001,0"), None);
    assert_eq!(parse_point("0,-180.000001"), None);
    assert_eq!(parse_point("52.1"), None);
    assert_eq!(parse_point(" 52.1 , 4.9 "), Some((52_100_000, 4_900_000)));
}

#[test]
fn bad_cells_areas_and_radii_are_refused_naming_the_field_never_the_value() {
    let cases = [
        (
            json!({"near": "52.3702161,4.9", "radius_metres": 500}),
            "cell_dump.near",
            "--near",
        ),
        (
            json!({"near": "north of 52.37", "radius_metres": 500}),
            "cell_dump.near",
            "--near",
        ),
        (
            json!({"near": "52.37,4.9"}),
            "cell_dump.radius_metres",
            "--radius",
        ),
        (
            json!({"near": "52.37,4.9", "radius_metres": 0}),
            "cell_dump.radius_metres",
            "--radius",
        ),
        (
            json!({"cells": ["204-08-1-11"]}),
            "cell_dump.cells",
            "--cell",
        ),
        (
            json!({"cells": ["kpn:204-08-1-11", "vodafone:204-04-9-99"]}),
            "cell_dump.cells",
            "--cell",
        ),
        (
            json!({"cells": ["kpn:204-08-1-11"], "near": "52.37,4.9"}),
            "cell_dump.near",
            "--near",
        ),
        (json!({}), "cell_dump.cells", "--cell"),
    ];
    for (dump, api, cli) in cases {
        let body = json!({"cell_dump": dump, "from": FROM, "to": TO});
        for (prefix, field) in [("", api), ("--", cli)] {
            let (code, why) = refused(body.clone(), prefix);
            assert_eq!(code, RefusalCode::BadIdentifier, "{dump}");
            assert!(why.contains(field), "{dump}: {why}");
            for value in ["52.37", "north", "204-08", "204-04", "vodafone"] {
                assert!(!why.contains(value), "{dump}: {why}");
            }
        }
    }
}

#[test]
fn a_dump_with_an_identifier_or_beside_devices_is_refused() {
    let dump = json!({"cells": ["kpn:204-08-1-11"]});
    let (code, why) = refused(
        json!({"msisdn": "+31612345678", "cell_dump": dump, "from": FROM, "to": TO}),
        "",
    );
    assert_eq!(code, RefusalCode::BadIdentifier);
    assert!(!why.contains("+3161"), "{why}");
    let (code, _) = refused(
        json!({"imei": "490154203237518", "devices": true, "traffic": true, "from": FROM, "to": TO}),
        "",
    );
    assert_eq!(code, RefusalCode::BadIdentifier);
}

fn source(provider: &str) -> Source {
    Source {
        provider: provider.into(),
        provider_name: provider.to_uppercase(),
        batch: "mob-day0".into(),
        received_at: 100,
        opened_in: None,
    }
}

fn config() -> CellConfig {
    CellConfig {
        cell_id: "204-08-1-11".into(),
        valid_from: 10,
        removed: false,
        latitude: Some(52_370_216),
        longitude: Some(-4_500_000),
        azimuth: Some(120),
        beam_width: Some(65),
        address: Some("Dam 1, Amsterdam".into()),
        technology: Some("lte".into()),
    }
}

fn call_record(provider: &str) -> FetchedComm {
    FetchedComm {
        source: source(provider),
        batch: 1,
        ord: 0,
        record: Communication {
            network: Network::Mobile,
            kind: CommType::Call,
            calling: Party {
                number: Some("+31612345678".into()),
                imei: Some("490154203237518".into()),
                cell_start: Some("204-08-1-11".into()),
                ..Party::default()
            },
            called: Party {
                number: Some("+32470123456".into()),
                ..Party::default()
            },
            forwarded_to: Some("+31201234567".into()),
            lines: vec!["+31301234567".into()],
            start: 1000,
            end: 1192,
            service: Some("volte".into()),
        },
        cells: vec![PlacedCell {
            role: CellRole::CallingStart,
            cell_id: "204-08-1-11".into(),
            at: 1000,
            config: Some(config()),
        }],
        calling_subscriber: Vec::new(),
        called_subscriber: Vec::new(),
    }
}

fn consulted(answer: TrafficAnswer) -> TrafficConsulted {
    TrafficConsulted {
        consultation: "c-1".into(),
        grant: Grant {
            agency_name: "Politie".into(),
            basis_title: "Sv 126ng".into(),
        },
        answer,
        due: Due {
            at: 5000,
            rule: Rule::RealTime,
        },
    }
}

#[test]
fn a_dump_answer_maps_field_by_field_with_coordinates_written_exactly() {
    let done = consulted(TrafficAnswer::Dumped(Dumped {
        from: 900,
        to: 2000,
        cells: vec![DumpedCell {
            provider: "kpn".into(),
            cell_id: "204-08-1-11".into(),
            configs: vec![config()],
        }],
        items: vec![Communicated {
            records: vec![call_record("kpn"), call_record("proximus")],
        }],
        truncated: false,
    }));
    let a = crate::wire_traffic::traffic_answered(&done);
    assert_eq!(a.category, "cell_dump");
    assert_eq!(
        a.when,
        tdip_api::When::Between {
            from: 900,
            to: 2000
        }
    );
    let cell = &a.dump_cells[0].configs[0];
    assert_eq!(
        (cell.latitude.as_deref(), cell.longitude.as_deref()),
        (Some("52.370216"), Some("-4.500000"))
    );
    let text = serde_json::to_value(&a).unwrap();
    let r = &text["communications"][0]["records"][1];
    assert_eq!(r["source"]["provider"], "proximus");
    assert_eq!(r["network"], "mobile");
    assert_eq!(r["type"], "call");
    assert_eq!(r["calling"]["number"], "+31612345678");
    assert_eq!(r["calling"]["imei"], "490154203237518");
    assert_eq!(r["called"]["number"], "+32470123456");
    assert_eq!(r["forwarded_to"], "+31201234567");
    assert_eq!(r["lines"], json!(["+31301234567"]));
    assert_eq!(
        (r["start"].clone(), r["end"].clone()),
        (json!(1000), json!(1192))
    );
    assert_eq!(r["service"], "volte");
    let placed = &r["cells"][0];
    assert_eq!(placed["role"], "calling_start");
    assert_eq!(placed["cell_id"], "204-08-1-11");
    assert_eq!(placed["configured"]["azimuth"], 120);
    assert_eq!(placed["configured"]["technology"], "lte");
    // Read back as it was written.
    let back: TrafficAnswered = serde_json::from_value(text).unwrap();
    assert_eq!(back, a);
}

#[test]
fn coordinates_are_written_with_six_decimals_and_their_sign() {
    use crate::wire_comm::degrees;
    let cases = [
        (-4_500_000, "-4.500000"),
        (-1, "-0.000001"),
        (0, "0.000000"),
        (180_000_000, "180.000000"),
        (i32::MIN, "-2147.483648"),
    ];
    for (micro, text) in cases {
        assert_eq!(degrees(micro), text);
    }
}

#[test]
fn a_device_history_maps_every_combination() {
    let done = consulted(TrafficAnswer::Devices(Devices {
        searched: Searched {
            kind: "imei".into(),
            value: "490154203237518".into(),
        },
        from: 0,
        to: 86_400,
        uses: vec![DeviceUse {
            provider: "kpn".into(),
            imei: Some("490154203237518".into()),
            imsi: Some("204081234567890".into()),
            number: None,
            first: 10,
            last: 20,
            communications: 3,
        }],
        truncated: true,
    }));
    let a = crate::wire_traffic::traffic_answered(&done);
    assert_eq!((a.category.as_str(), a.truncated), ("traffic", true));
    let u = &a.devices[0];
    assert_eq!(
        (
            u.imsi.as_deref(),
            u.number.as_deref(),
            u.first,
            u.last,
            u.communications
        ),
        (Some("204081234567890"), None, 10, 20, 3)
    );
}

#[test]
fn an_answer_without_the_new_fields_still_reads() {
    let old = json!({"consultation": "c-1", "agency": "Politie", "legal_basis": "Sv",
        "category": "traffic", "due": 1, "due_rule": "real-time",
        "searched": {"kind": "ip", "value": "198.51.100.7"}, "port": null,
        "when": {"kind": "between", "from": 0, "to": 1}, "tolerance_seconds": 0,
        "port_needed": false, "candidates": [], "records": [], "truncated": false});
    let a: TrafficAnswered = serde_json::from_value(old.clone()).unwrap_or_else(|e| {
        panic!("{e}: an answer of part 1 no longer reads");
    });
    assert!(a.communications.is_empty() && a.devices.is_empty() && a.dump_cells.is_empty());
}

#[test]
fn debug_of_the_wire_answer_shows_no_number_cell_or_place() {
    let done = consulted(TrafficAnswer::Dumped(Dumped {
        from: 0,
        to: 1,
        cells: Vec::new(),
        items: vec![Communicated {
            records: vec![call_record("kpn")],
        }],
        truncated: false,
    }));
    let a = crate::wire_traffic::traffic_answered(&done);
    let shown = format!("{a:?} {:?}", a.communications);
    for secret in ["+3161", "+3247", "4901", "204-08", "52.37", "Dam 1"] {
        assert!(!shown.contains(secret), "{shown}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_area_is_refused_over_the_api_logged_and_without_the_value() {
    let dir = tempfile::tempdir().unwrap();
    let (data, _) = point(dir.path()).await;
    let s = state(&data).await;
    let body = json!({"cell_dump": {"near": "52.3702169,4.9", "radius_metres": 500},
        "from": FROM, "to": TO, "officer": "T-1", "basis": "nl/sv-126n",
        "authorised_by": "mr. A. de Vries", "case": "TEST-1"});
    let (status, text) = call(
        &s,
        "POST",
        "/v1/traffic/lookups",
        From::Certificate(POLITIE),
        Some(body.to_string()),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{text}");
    let refused = json(&text);
    assert_eq!(refused["code"], "bad-identifier", "{text}");
    assert!(!text.contains("52.37"), "{text}");
    let consultation = refused["consultation"].as_str().unwrap();
    assert_eq!(
        refusal_logged(&s, consultation).await.as_deref(),
        Some("bad-identifier")
    );
}

//! Communication records in the TS 102 657 payload: a forwarded conference call with a
//! party per line and its cells placed (or not), a VoIP call with its account and address
//! in the extension, an e-mail outside the telephony records, numbering after the
//! subscriber records, and a `Debug` that shows no identifier.

use quick_xml::Writer;

use crate::comm_fixtures::{conference_call, mail, view, voip_call};
use crate::tree::Element;
use crate::{DELIVERY, DeliveryView, EXTENSION, PayloadFormat, TS102657, parse_xml};

/// The document's `ResponseRecord`s, read back namespace-aware (so it is well-formed).
fn records(d: &DeliveryView) -> Vec<Element> {
    let doc = String::from_utf8(crate::ts102657::document(d)).unwrap();
    let root = parse_xml(&doc).unwrap();
    root.at(&[
        (TS102657, "retainedDataPayload"),
        (TS102657, "responseMessage"),
        (TS102657, "responseRecords"),
    ])
    .unwrap()
    .children(TS102657, "ResponseRecord")
    .cloned()
    .collect()
}

fn text<'a>(e: &'a Element, path: &[&str]) -> Option<&'a str> {
    let path: Vec<(&str, &str)> = path.iter().map(|n| (TS102657, *n)).collect();
    e.text_at(&path)
}

fn ext<'a>(e: &'a Element, name: &'a str) -> Vec<&'a str> {
    e.child(EXTENSION, "extension")
        .unwrap()
        .children(EXTENSION, name)
        .map(|c| c.text.as_str())
        .collect()
}

/// The (only) child element's name: how XER writes an enumerated value.
fn enumerated<'a>(e: &'a Element, name: &str) -> Option<&'a str> {
    let v = e.child(TS102657, name)?;
    assert_eq!(v.children.len(), 1, "{name} holds one value");
    Some(v.children[0].name.as_str())
}

fn usage(record: &Element) -> &Element {
    record
        .at(&[
            (TS102657, "recordPayload"),
            (TS102657, "telephonyRecord"),
            (TS102657, "telephonyServiceUsage"),
        ])
        .expect("a telephony service usage")
}

#[test]
fn a_forwarded_conference_call_has_a_party_per_line_with_role_number_sim_device_and_cells() {
    let r = &records(&view(vec![conference_call()], PayloadFormat::Ts102657))[0];
    assert_eq!(text(r, &["recordNumber"]), Some("1"));
    let u = usage(r);
    let parties: Vec<&Element> = u
        .child(TS102657, "partyInformation")
        .unwrap()
        .children(TS102657, "TelephonyPartyInformation")
        .collect();
    let roles: Vec<_> = parties
        .iter()
        .map(|p| enumerated(p, "partyRole").unwrap())
        .collect();
    assert_eq!(
        roles,
        [
            "originating-Party",
            "terminating-Party",
            "forwarded-to-Party",
            "conference-Party",
            "conference-Party"
        ]
    );
    let numbers: Vec<_> = parties
        .iter()
        .map(|p| text(p, &["partyNumber"]).unwrap())
        .collect();
    assert_eq!(
        numbers,
        [
            "+31612345678",
            "+31201234567",
            "+31650000001",
            "+31650000002",
            "+31650000003"
        ]
    );
    let calling = parties[0];
    assert_eq!(enumerated(calling, "partyType"), Some("mobile"));
    assert_eq!(text(calling, &["iMSI"]), Some("204081234567890"));
    assert_eq!(text(calling, &["iMEI"]), Some("490154203237518"));
    // Lines the record only numbers have no type, SIM or device.
    assert!(enumerated(parties[2], "partyType").is_none());
    assert!(text(parties[3], &["iMSI"]).is_none());
    // The calling party's cells: the configured one placed, the other only named.
    let cells: Vec<&Element> = calling
        .child(TS102657, "detailedLocation")
        .unwrap()
        .children(TS102657, "cellInformation")
        .collect();
    assert_eq!(cells.len(), 2);
    assert_eq!(text(cells[0], &["iD"]), Some("204-08-1234-56789"));
    assert_eq!(text(cells[0], &["timeStamp"]), Some("20261102110000Z"));
    assert_eq!(
        text(cells[0], &["geoCoordinates", "latitude"]),
        Some("52.370216")
    );
    assert_eq!(
        text(cells[0], &["geoCoordinates", "longitude"]),
        Some("-4.895168")
    );
    assert_eq!(text(cells[0], &["geoCoordinates", "azimuth"]), Some("120"));
    assert_eq!(text(cells[1], &["iD"]), Some("204-08-1234-99999"));
    assert_eq!(text(cells[1], &["timeStamp"]), Some("20261102110205Z"));
    assert!(cells[1].child(TS102657, "geoCoordinates").is_none());
    // The called party has no cell.
    assert!(parties[1].child(TS102657, "detailedLocation").is_none());
    assert_eq!(
        text(u, &["communicationTime", "startTime"]),
        Some("20261102110000Z")
    );
    assert_eq!(
        text(u, &["communicationTime", "endTime"]),
        Some("20261102110205Z")
    );
    assert_eq!(text(u, &["communicationTime", "durationTime"]), Some("125"));
    // The extension: provider, linked communication, the cells' details.
    assert_eq!(ext(r, "provider"), ["kpn"]);
    assert_eq!(ext(r, "providerName"), ["KPN B.V."]);
    assert_eq!(ext(r, "linkedCommunication"), ["1"]);
    assert_eq!(ext(r, "communicationType"), ["call"]);
    assert_eq!(ext(r, "service"), ["volte"]);
    let cell_ext: Vec<_> = r
        .child(EXTENSION, "extension")
        .unwrap()
        .children(EXTENSION, "cell")
        .map(|c| {
            (
                c.text_at(&[(EXTENSION, "cellRole")]).unwrap(),
                c.text_at(&[(EXTENSION, "configuration")]).unwrap(),
                c.text_at(&[(EXTENSION, "beamWidth")]),
            )
        })
        .collect();
    assert_eq!(
        cell_ext,
        [
            ("calling_start", "in-force", Some("65")),
            ("calling_end", "none", None)
        ]
    );
}

#[test]
fn a_voip_call_is_a_telephony_record_with_its_account_address_and_port_in_the_extension() {
    let r = &records(&view(vec![voip_call()], PayloadFormat::Ts102657))[0];
    let u = usage(r);
    let calling = u
        .at(&[
            (TS102657, "partyInformation"),
            (TS102657, "TelephonyPartyInformation"),
        ])
        .unwrap();
    assert_eq!(enumerated(calling, "partyType"), Some("voip"));
    assert_eq!(text(calling, &["partyNumber"]), Some("+31851234567"));
    assert_eq!(text(u, &["communicationTime", "durationTime"]), Some("60"));
    assert_eq!(ext(r, "network"), ["internet"]);
    assert_eq!(ext(r, "communicationType"), ["voip"]);
    assert!(ext(r, "providerName").is_empty());
    let parties: Vec<&Element> = r
        .child(EXTENSION, "extension")
        .unwrap()
        .children(EXTENSION, "party")
        .collect();
    // Only the calling party has identifiers outside TS 102 657's telephony party.
    assert_eq!(parties.len(), 1);
    let p = parties[0];
    assert_eq!(p.text_at(&[(EXTENSION, "role")]), Some("originating"));
    assert_eq!(
        p.text_at(&[(EXTENSION, "account")]),
        Some("jan@voip.example")
    );
    assert_eq!(p.text_at(&[(EXTENSION, "ipAddress")]), Some("198.51.100.7"));
    assert_eq!(p.text_at(&[(EXTENSION, "port")]), Some("5060"));
}

#[test]
fn an_email_is_no_telephony_record_and_carries_its_time_and_accounts_in_tdips_namespace() {
    let r = &records(&view(vec![mail()], PayloadFormat::Ts102657))[0];
    let payload = r.child(TS102657, "recordPayload").unwrap();
    assert!(payload.child(TS102657, "telephonyRecord").is_none());
    let time = payload
        .at(&[
            (EXTENSION, "internetRecord"),
            (EXTENSION, "communicationTime"),
        ])
        .unwrap();
    assert_eq!(
        time.text_at(&[(EXTENSION, "startTime")]),
        Some("2026-11-02T13:00:00Z")
    );
    assert_eq!(time.text_at(&[(EXTENSION, "durationTime")]), Some("0"));
    let accounts: Vec<_> = r
        .child(EXTENSION, "extension")
        .unwrap()
        .children(EXTENSION, "party")
        .map(|p| {
            (
                p.text_at(&[(EXTENSION, "role")]).unwrap(),
                p.text_at(&[(EXTENSION, "account")]).unwrap(),
                p.text_at(&[(EXTENSION, "ipAddress")]),
            )
        })
        .collect();
    assert_eq!(
        accounts,
        [
            ("originating", "jan@example.nl", Some("2001:db8::7")),
            ("terminating", "piet@example.org", None)
        ]
    );
    assert_eq!(ext(r, "requestFormat"), ["EmailAddress"]);
    assert_eq!(ext(r, "requestValue"), ["jan@example.nl"]);
}

#[test]
fn records_of_one_communication_share_its_number_and_are_numbered_after_subscriber_records() {
    let mut other_side = conference_call();
    other_side.provider = "odido".into();
    let mut d = view(
        vec![conference_call(), other_side, voip_call()],
        PayloadFormat::Ts102657,
    );
    d.records = crate::delivery_tests::one_record();
    let rs = records(&d);
    assert_eq!(rs.len(), 4);
    let numbers: Vec<_> = rs.iter().map(|r| text(r, &["recordNumber"])).collect();
    assert_eq!(numbers, [Some("1"), Some("2"), Some("3"), Some("4")]);
    assert!(
        rs[0]
            .at(&[
                (TS102657, "recordPayload"),
                (TS102657, "telephonyRecord"),
                (TS102657, "telephonySubscriber")
            ])
            .is_some()
    );
    let linked: Vec<_> = rs[1..]
        .iter()
        .map(|r| (ext(r, "provider")[0], ext(r, "linkedCommunication")[0]))
        .collect();
    assert_eq!(linked, [("kpn", "1"), ("odido", "1"), ("voipco", "2")]);
    assert_eq!(d.len(), 4);
}

#[test]
fn a_delivery_of_communications_is_written_as_ts_102_657_even_when_tdips_format_is_asked() {
    let d = view(vec![conference_call()], PayloadFormat::TdipRecords);
    assert_eq!(d.written_as(), PayloadFormat::Ts102657);
    let mut w = Writer::new(Vec::new());
    crate::delivery::delivery_object(&mut w, &d).unwrap();
    let xml = format!(
        "<root xmlns:delivery=\"{DELIVERY}\" xmlns:common=\"{}\" \
         xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\">{}</root>",
        crate::COMMON,
        String::from_utf8(w.into_inner()).unwrap()
    );
    let root = parse_xml(&xml).unwrap();
    let object = root.child("", "HI1Object").unwrap();
    let spec = object
        .at(&[
            (DELIVERY, "Manifest"),
            (DELIVERY, "Specification"),
            (crate::COMMON, "Value"),
        ])
        .unwrap();
    assert_eq!(spec.text, crate::TS102657_XML);
    let payload = object.child(DELIVERY, "Delivery").unwrap();
    assert!(payload.child(DELIVERY, "BinaryData").is_some());
    assert!(payload.child(DELIVERY, "XMLData").is_none());
    // Subscriber records alone keep the format asked.
    let mut d = view(Vec::new(), PayloadFormat::TdipRecords);
    d.records = crate::delivery_tests::one_record();
    assert_eq!(d.written_as(), PayloadFormat::TdipRecords);
}

#[test]
fn debug_of_communication_records_shows_no_number_account_address_or_cell() {
    let d = view(
        vec![conference_call(), voip_call(), mail()],
        PayloadFormat::Ts102657,
    );
    let dbg = format!("{d:?}");
    for leak in [
        "612345678",
        "201234567",
        "650000001",
        "204081234567890",
        "490154203237518",
        "204-08-1234",
        "jan@",
        "piet@",
        "198.51.100.7",
        "2001:db8",
        "52370216",
        "Damrak",
    ] {
        assert!(!dbg.contains(leak), "Debug shows {leak}: {dbg}");
    }
    assert!(dbg.contains("provider: \"voipco\"") && dbg.contains("communication: 2"));
}

#[test]
fn micro_degrees_read_as_decimal_degrees_with_their_sign() {
    use crate::ts102657_telephony::degrees;
    assert_eq!(degrees(52_370_216), "52.370216");
    assert_eq!(degrees(-500), "-0.000500");
    assert_eq!(degrees(0), "0.000000");
    assert_eq!(degrees(-180_000_000), "-180.000000");
}

//! Deliveries in both payload formats, checked with `xmllint` (Debian's libxml2-utils): the
//! default TS 102 657 `BinaryData` validates against ETSI's modules alone and carries the
//! records it should; tdip's own `XMLData` needs tdip's schema; the DELIVER message and
//! its acknowledgement validate, and the answer to a DELIVER is read as taken or refused.

use base64::Engine;
use sha2::{Digest, Sha256};
use tdip_hi1::{
    Body, CORE, DELIVERY, Deliver, DeliverRefused, EXTENSION, Element, Hi1Code, Outcome,
    PayloadFormat, Response, TS102657, acknowledge, deliver_answer, parse_request, parse_xml,
};

/// tdip's documented example request (its HI-1 profile): the task a delivery answers.
const EXAMPLE: &str = include_str!("../../../docs/examples/hi1-lookup.xml");

mod common;

use common::{at, delivery, xmllint};

/// Valid against ETSI's modules only (no tdip schema).
fn valid_etsi(xml: &str) {
    if let Err(e) = xmllint(Some("all.xsd"), xml.as_bytes()) {
        panic!("not valid against TS 103 120:\n{e}\n{xml}");
    }
}

/// Every value of the full record that must not show outside its own record.
const FULL_VALUES: [&str; 12] = [
    "K-77",
    "+31612345678",
    "204081234567890",
    "49015420323751",
    "Jansen",
    "Jan Piet",
    "Damrak",
    "1012LG",
    "Shop 12",
    "Operator A",
    "NL91ABNA0417164300",
    "kpn",
];

/// A response answering a GET of the delivery.
fn delivered(format: PayloadFormat) -> String {
    let r = parse_request(EXAMPLE).unwrap();
    Response {
        to: r.header,
        at: at("2026-11-24T12:00:00Z"),
        body: Body::Actions(vec![("0".into(), Outcome::Delivered(delivery(format)))]),
    }
    .to_xml()
}

/// The `DeliveryObject`'s `Delivery/BinaryData` in a message.
fn binary_data(root: &Element) -> Element {
    fn find(e: &Element) -> Option<&Element> {
        if e.ns == DELIVERY && e.name == "BinaryData" {
            return Some(e);
        }
        e.children.iter().find_map(find)
    }
    find(root).expect("a BinaryData").clone()
}

/// Every element's text below `e`, with its local name: `name=text`.
fn texts(e: &Element, out: &mut Vec<String>) {
    if !e.text.is_empty() {
        out.push(format!("{}={}", e.name, e.text));
    }
    for c in &e.children {
        texts(c, out);
    }
}

/// The TS 102 657 document a message's `BinaryData` carries, after checking its checksum.
fn payload(xml: &str) -> (Vec<u8>, Element) {
    let data = binary_data(&parse_xml(xml).unwrap());
    let field = |name| data.text_at(&[(DELIVERY, name)]).map(str::to_owned);
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(field("Data").unwrap())
        .unwrap();
    assert_eq!(field("ContentType").as_deref(), Some("application/xml"));
    assert_eq!(field("ChecksumType").as_deref(), Some("SHA-256"));
    let checksum = hex::encode(Sha256::digest(&bytes).as_slice());
    assert_eq!(field("Checksum"), Some(checksum), "the checksum of Data");
    let text = std::str::from_utf8(&bytes).expect("UTF-8");
    assert!(
        text.starts_with(r#"<?xml version="1.0" encoding="UTF-8"?>"#),
        "{text}"
    );
    if let Err(e) = xmllint(None, &bytes) {
        panic!("the payload is not well-formed:\n{e}\n{text}");
    }
    let root = parse_xml(text).unwrap();
    (bytes, root)
}

#[test]
fn the_default_ts102657_delivery_is_valid_against_etsis_schema_alone() {
    assert_eq!(PayloadFormat::default(), PayloadFormat::Ts102657);
    let xml = delivered(PayloadFormat::Ts102657);
    valid_etsi(&xml);
    for expected in [
        "<common:Owner>ETSI</common:Owner>",
        "<common:Name>ManifestSpecification</common:Name>",
        "<common:Value>TS102657-XML</common:Value>",
        "<delivery:LDID>NL-POLITIE-2026-0001</delivery:LDID>",
    ] {
        assert!(xml.contains(expected), "no {expected} in\n{xml}");
    }
    assert!(
        !xml.contains("XMLData") && !xml.contains("urn:tdip"),
        "{xml}"
    );
    // No record value travels in the clear in the HI-1 message (outside the base64, where
    // letters may form anything).
    let data = binary_data(&parse_xml(&xml).unwrap());
    let original = data.text_at(&[(DELIVERY, "Data")]).unwrap();
    let clear = xml.replace(original, "");
    assert_ne!(clear, xml);
    for value in FULL_VALUES.iter().chain(&["de Vries", "A-1"]) {
        assert!(!clear.contains(value), "{value} in the clear in\n{clear}");
    }
    // A changed byte of the payload no longer matches the checksum the message gives.
    let mut bytes = base64::engine::general_purpose::STANDARD
        .decode(original)
        .unwrap();
    bytes[40] ^= 1;
    let tampered = hex::encode(Sha256::digest(&bytes).as_slice());
    assert_ne!(
        Some(tampered.as_str()),
        data.text_at(&[(DELIVERY, "Checksum")])
    );
}

#[test]
fn the_ts102657_payload_holds_each_records_fields_and_no_other_records() {
    let (_, root) = payload(&delivered(PayloadFormat::Ts102657));
    assert_eq!(
        (root.ns.as_str(), root.name.as_str()),
        (TS102657, "RetainedDataMessage")
    );
    let t = |path: &[&str]| {
        let path: Vec<(&str, &str)> = path.iter().map(|n| (TS102657, *n)).collect();
        root.text_at(&path).map(str::to_owned)
    };
    let header = ["retainedDataHeader", "requestID"];
    assert_eq!(
        t(&[header[0], header[1], "countryCode"]).as_deref(),
        Some("NL")
    );
    assert_eq!(
        t(&[header[0], header[1], "authorisedOrganisationID"]).as_deref(),
        Some("POLITIE-LI")
    );
    assert_eq!(
        t(&[header[0], header[1], "requestNumber"]).as_deref(),
        Some("NL-POLITIE-2026-0001")
    );
    assert_eq!(t(&[header[0], "cSPID"]).as_deref(), Some("NL-TDIP-POINT"));
    assert_eq!(
        t(&[header[0], "timeStamp"]).as_deref(),
        Some("20261124120000Z")
    );
    let message = ["retainedDataPayload", "responseMessage"];
    assert!(
        root.at(&[
            (TS102657, message[0]),
            (TS102657, message[1]),
            (TS102657, "responseStatus"),
            (TS102657, "responseComplete"),
        ])
        .is_some()
    );
    let records: Vec<&Element> = root
        .at(&[
            (TS102657, message[0]),
            (TS102657, message[1]),
            (TS102657, "responseRecords"),
        ])
        .unwrap()
        .children(TS102657, "ResponseRecord")
        .collect();
    assert_eq!(records.len(), 2);

    let mut first = Vec::new();
    texts(records[0], &mut first);
    let telephony = [
        (TS102657, "recordPayload"),
        (TS102657, "telephonyRecord"),
        (TS102657, "telephonySubscriber"),
    ];
    let subscriber = records[0].at(&telephony).expect("a telephony subscriber");
    let subscription = subscriber
        .at(&[
            (TS102657, "telephonySubscriptions"),
            (TS102657, "TelephonySubscription"),
        ])
        .unwrap();
    assert_eq!(
        subscription.text_at(&[(TS102657, "subscriptionID")]),
        Some("K-77")
    );
    let numbers: Vec<&str> = subscription
        .at(&[(TS102657, "registeredNumbers")])
        .unwrap()
        .children(TS102657, "partyNumber")
        .map(|n| n.text.as_str())
        .collect();
    assert_eq!(numbers, ["+31612345678", "+31470123456"]);
    let extension = records[0]
        .child(EXTENSION, "extension")
        .expect("tdip's extension");
    let ext = |name| extension.text_at(&[(EXTENSION, name)]);
    assert_eq!(ext("basis"), Some("observed"));
    assert_eq!(ext("requestValue"), Some("+31612345678"));
    assert_eq!(ext("validTo"), Some("2026-11-22T23:00:00Z"));
    for expected in [
        "recordNumber=1",
        "startTime=20260329013000Z",
        "endTime=20261122230000Z",
        "iMSI=204081234567890",
        "iMEI=49015420323751",
        "name=Jansen & Zonen <B.V.>",
        "surname=Jansen",
        "firstname=Jan Piet",
        "streetName=Damrak",
        "streetNumber=7 bis",
        "postalCode=1012LG",
        "city=Amsterdam",
        "country=NL",
        "postalCode=1000",
        "country=BE",
        "requestFormat=InternationalE164",
        "provider=kpn",
        "providerName=KPN B.V.",
        "validFrom=2026-03-29T01:30:00Z",
        "service=mobile",
        "supplementaryService=sms",
        "supplementaryService=roaming",
        "ipAddress=198.51.100.0/29",
        "ipAddress=2001:db8::7",
        "emailAddress=Jan@xn--bcher-kva.de",
        "userID=jan77",
        "macAddress=aa:bb:cc:dd:ee:ff",
        "registrationPlace=Shop 12",
        "activationTime=2026-03-29T01:45:00Z",
        "activationCell=204-08-1234-5678",
        "registrationIPAddress=2001:db8::1",
        "registrationPort=443",
        "registrationNTP=NTP-9",
        "portedFrom=Operator A",
        "portedTo=Operator B",
        "portedAt=2026-04-01T10:00:00Z",
        "paymentMethod=direct_debit",
        "paymentMeans=NL91ABNA0417164300",
    ] {
        assert!(
            first.contains(&expected.to_owned()),
            "no {expected} in {first:?}"
        );
    }

    let mut second = Vec::new();
    texts(records[1], &mut second);
    for expected in [
        "recordNumber=2",
        "subscriptionID=A-1",
        "partyNumber=+31207654321",
        "surname=de Vries",
        "startTime=20200101000000Z",
        "provider=odido",
        "service=fixed",
    ] {
        assert!(
            second.contains(&expected.to_owned()),
            "no {expected} in {second:?}"
        );
    }
    let joined = second.join("\n");
    for value in FULL_VALUES {
        assert!(!joined.contains(value), "{value} in record 2: {joined}");
    }
    // Absent fields are left out, not written empty.
    for absent in ["endTime=", "providerName=", "basis=", "validTo=", "iMSI="] {
        assert!(!joined.contains(absent), "{absent} in record 2: {joined}");
    }
    assert!(records[1].at(&telephony).is_some());
}

#[test]
fn tdips_own_records_need_tdips_schema_and_are_not_valid_against_etsis_alone() {
    let xml = delivered(PayloadFormat::TdipRecords);
    if let Err(e) = xmllint(Some("all-tdip.xsd"), xml.as_bytes()) {
        panic!("not valid against TS 103 120 and tdip-records.xsd:\n{e}\n{xml}");
    }
    let without = xmllint(Some("all.xsd"), xml.as_bytes()).unwrap_err();
    assert!(
        without.contains("demanded by the strict wildcard"),
        "{without}"
    );
    for expected in [
        "<common:Owner>tdip</common:Owner>",
        "<common:Name>RecordFormat</common:Name>",
        "<common:Value>tdip-records-1</common:Value>",
        "<delivery:XMLData>",
        "<subscriptionID>K-77</subscriptionID>",
        "<subscriptionID>A-1</subscriptionID>",
    ] {
        assert!(xml.contains(expected), "no {expected} in\n{xml}");
    }
    assert!(!xml.contains("BinaryData"), "{xml}");
}

/// The DELIVER of the example task's delivery, sent back to the task's sender.
fn deliver(format: PayloadFormat) -> String {
    let task = parse_request(EXAMPLE).unwrap();
    Deliver {
        to: task.header,
        transaction: "5f0e4cfb-7f5c-4d0a-9f1e-2a3b4c5d6e7f".into(),
        at: at("2026-11-24T12:00:01Z"),
        delivery: delivery(format),
    }
    .to_xml()
}

#[test]
fn the_deliver_message_is_valid_and_goes_back_to_the_tasks_sender() {
    let xml = deliver(PayloadFormat::Ts102657);
    valid_etsi(&xml);
    if let Err(e) = xmllint(
        Some("all-tdip.xsd"),
        deliver(PayloadFormat::TdipRecords).as_bytes(),
    ) {
        panic!("a DELIVER of tdip's records is not valid with tdip's schema:\n{e}");
    }
    let root = parse_xml(&xml).unwrap();
    let t = |path: &[&str]| {
        let path: Vec<(&str, &str)> = path.iter().map(|n| (CORE, *n)).collect();
        root.text_at(&path).map(str::to_owned)
    };
    assert_eq!(
        t(&["Header", "SenderIdentifier", "UniqueIdentifier"]).as_deref(),
        Some("ACTOR02")
    );
    assert_eq!(
        t(&["Header", "ReceiverIdentifier", "UniqueIdentifier"]).as_deref(),
        Some("ACTOR01")
    );
    assert_eq!(
        t(&["Header", "TransactionIdentifier"]).as_deref(),
        Some("5f0e4cfb-7f5c-4d0a-9f1e-2a3b4c5d6e7f")
    );
    assert_eq!(
        t(&["Header", "Timestamp"]).as_deref(),
        Some("2026-11-24T12:00:01.000000Z")
    );
    assert_eq!(
        t(&["Header", "Version", "NationalProfileOwner"]).as_deref(),
        Some("XX")
    );
    let action = [
        "Payload",
        "RequestPayload",
        "ActionRequests",
        "ActionRequest",
    ];
    let mut path = action.to_vec();
    path.push("ActionIdentifier");
    assert_eq!(t(&path).as_deref(), Some("0"));
    let mut path = action.to_vec();
    path.extend(["DELIVER", "Identifier"]);
    assert_eq!(
        t(&path).as_deref(),
        Some("71ff52ca-bcea-4fa3-b34e-1b89dcfb0d9e")
    );
    assert!(xml.contains(r#"<HI1Object xsi:type="delivery:DeliveryObject">"#));
    // The records as the GET shows them, same checksum.
    let (bytes, _) = payload(&xml);
    let (got, _) = payload(&delivered(PayloadFormat::Ts102657));
    assert_eq!(bytes, got);
}

#[test]
fn a_deliver_is_acknowledged_validly_and_the_acknowledgement_read_as_taken() {
    let xml = deliver(PayloadFormat::Ts102657);
    let ack = acknowledge(&xml, at("2026-11-24T12:00:02Z")).unwrap();
    valid_etsi(&ack);
    assert_eq!(deliver_answer(&ack), Ok(()));
    let root = parse_xml(&ack).unwrap();
    let t = |path: &[&str]| {
        let path: Vec<(&str, &str)> = path.iter().map(|n| (CORE, *n)).collect();
        root.text_at(&path).map(str::to_owned)
    };
    // From the agency back to the point, the DELIVER's transaction.
    assert_eq!(
        t(&["Header", "SenderIdentifier", "UniqueIdentifier"]).as_deref(),
        Some("ACTOR01")
    );
    assert_eq!(
        t(&["Header", "TransactionIdentifier"]).as_deref(),
        Some("5f0e4cfb-7f5c-4d0a-9f1e-2a3b4c5d6e7f")
    );
    assert_eq!(
        t(&[
            "Payload",
            "ResponsePayload",
            "ActionResponses",
            "ActionResponse",
            "DELIVERResponse",
            "Identifier"
        ])
        .as_deref(),
        Some("71ff52ca-bcea-4fa3-b34e-1b89dcfb0d9e")
    );
    // Not a DELIVER: refused, and that is no acknowledgement.
    let not_a_deliver = acknowledge(EXAMPLE, at("2026-11-24T12:00:02Z")).unwrap();
    valid_etsi(&not_a_deliver);
    let refused = deliver_answer(&not_a_deliver).unwrap_err();
    assert_eq!(refused.code, Some(u64::from(Hi1Code::Verb.value())));
    // Not an HI-1 message at all.
    assert!(acknowledge("<html/>", at("2026-11-24T12:00:02Z")).is_err());
}

/// An answer of the example's receiver to its sender, as tdip's `Response` writes one.
fn answer(body: Body) -> String {
    let task = parse_request(EXAMPLE).unwrap();
    Response {
        to: task.header,
        at: at("2026-11-24T12:00:02Z"),
        body,
    }
    .to_xml()
}

#[test]
fn a_refusal_of_a_deliver_is_read_with_its_code_and_description() {
    let per_action = answer(Body::Actions(vec![(
        "0".into(),
        Outcome::Failed {
            code: Hi1Code::UnknownObject,
            description: "no task NL-POLITIE-2026-0001 here".into(),
        },
    )]));
    valid_etsi(&per_action);
    assert_eq!(
        deliver_answer(&per_action),
        Err(DeliverRefused {
            code: Some(2003),
            description: "no task NL-POLITIE-2026-0001 here".into(),
        })
    );
    let whole = answer(Body::Error {
        code: Hi1Code::Unreadable,
        description: "not well-formed".into(),
    });
    valid_etsi(&whole);
    let e = deliver_answer(&whole).unwrap_err();
    assert_eq!(e.code, Some(1001));
    assert!(
        e.to_string().contains("error code 1001: not well-formed"),
        "{e}"
    );

    // Answers that are no acknowledgement of action 0.
    let other_action = answer(Body::Actions(vec![(
        "1".into(),
        Outcome::Created("71ff52ca-bcea-4fa3-b34e-1b89dcfb0d9e".into()),
    )]));
    let e = deliver_answer(&other_action).unwrap_err();
    assert_eq!(e.code, None);
    assert!(
        e.description.contains("no ActionResponse for action 0"),
        "{e}"
    );
    let created = answer(Body::Actions(vec![(
        "0".into(),
        Outcome::Created("71ff52ca-bcea-4fa3-b34e-1b89dcfb0d9e".into()),
    )]));
    let e = deliver_answer(&created).unwrap_err();
    assert!(e.description.contains("CREATEResponse"), "{e}");
    for junk in ["<html><body>502 Bad Gateway</body></html>", "not xml", ""] {
        let e = deliver_answer(junk).unwrap_err();
        assert_eq!(e.code, None);
        assert!(e.description.starts_with("not an HI-1 response"), "{e}");
    }
}

#[test]
fn debug_of_a_delivery_and_its_deliver_shows_no_record_value() {
    let task = parse_request(EXAMPLE).unwrap();
    let d = Deliver {
        to: task.header,
        transaction: "5f0e4cfb-7f5c-4d0a-9f1e-2a3b4c5d6e7f".into(),
        at: at("2026-11-24T12:00:01Z"),
        delivery: delivery(PayloadFormat::Ts102657),
    };
    let dbg = format!("{d:?}");
    for value in FULL_VALUES.iter().filter(|v| **v != "kpn").chain(&[
        "de Vries",
        "A-1",
        "+31207654321",
        "jan77",
    ]) {
        assert!(!dbg.contains(value), "Debug shows {value}: {dbg}");
    }
    assert!(
        dbg.contains("Ts102657") && dbg.contains("POLITIE-LI"),
        "{dbg}"
    );
}

//! A delivery's `Debug` output names objects and providers, never what the records hold;
//! the TS 102 657 document files each service under its kind of record.

use tdip_model::subscription::{Column, ParseContext, RawRow, Subscription, parse_row};

use crate::{DeliveryView, EXTENSION, Endpoint, PayloadFormat, Record, TS102657, parse_xml};

fn subscription(cells: &[(&str, &str)]) -> Subscription {
    let mut row = RawRow::new();
    for (name, value) in cells {
        row.set(Column::from_name(name).unwrap(), value);
    }
    parse_row(&row, &ParseContext::default()).unwrap()
}

/// A delivery of one record of `subscription`.
fn view(subscription: Subscription) -> DeliveryView {
    let at = "2026-11-24T12:00:00Z".parse().unwrap();
    DeliveryView {
        object: "71ff52ca-bcea-4fa3-b34e-1b89dcfb0d9e".into(),
        country: "NL".into(),
        owner: "TDIP-POINT".into(),
        generation: 1,
        associated: vec!["2b36a78b-b628-416d-bd22-404e68a0cd36".into()],
        last_changed: at,
        reference: "NL-POLITIE-2026-0001".into(),
        delivery_id: "d1079830-8e9a-4731-8fb7-36b9b961eb72".into(),
        records: vec![Record {
            format: "InternationalE164".into(),
            searched: "+31612345678".into(),
            provider: "kpn".into(),
            provider_name: "KPN B.V.".into(),
            valid_from: at,
            valid_to: None,
            basis: "observed".into(),
            subscription,
        }],
        comms: Vec::new(),
        format: PayloadFormat::default(),
        requester: Endpoint {
            country: "NL".into(),
            id: "POLITIE-LI".into(),
        },
    }
}

#[test]
fn debug_of_a_delivery_shows_no_identifier_or_personal_data() {
    let cells = [
        ("subscription_id", "K-77"),
        ("service", "mobile"),
        ("msisdn", "+31612345678"),
        ("imsi", "204081234567890"),
        ("email", "jan@example.nl"),
        ("surname", "Jansen"),
        ("given_names", "Pieter"),
        ("billing_street", "Damrak"),
        ("billing_postcode", "1012LG"),
        ("subscription_start", "2026-01-01T00:00:00Z"),
        ("payment_means", "NL91ABNA0417164300"),
    ];
    let view = view(subscription(&cells));
    let dbg = format!("{view:?}");
    for leak in [
        "K-77",
        "31612345678",
        "204081234567890",
        "jan@example.nl",
        "Jansen",
        "Pieter",
        "Damrak",
        "1012LG",
        "NL91",
    ] {
        assert!(!dbg.contains(leak), "Debug shows {leak}: {dbg}");
    }
    for shown in [
        "71ff52ca-bcea-4fa3-b34e-1b89dcfb0d9e",
        "d1079830-8e9a-4731-8fb7-36b9b961eb72",
        "provider: \"kpn\"",
        "service: Mobile",
    ] {
        assert!(dbg.contains(shown), "Debug lacks {shown}: {dbg}");
    }
    // And the outcome carrying it.
    let outcome = format!("{:?}", crate::Outcome::Delivered(view));
    assert!(!outcome.contains("31612345678") && !outcome.contains("Jansen"));
}

#[test]
fn internet_access_is_a_network_access_record_with_its_addresses_in_the_extension() {
    let s = subscription(&[
        ("subscription_id", "I-9"),
        ("service", "internet"),
        ("msisdn", "+31612345678"),
        ("ip", "198.51.100.7"),
        ("mac", "AABB.CCDD.EEFF"),
        ("organisation", "Jansen & Zonen"),
        ("billing_street", "Damrak"),
        ("billing_postcode", "1012LG"),
        ("install_city", "Utrecht"),
        ("subscription_start", "2026-01-01T00:00:00Z"),
    ]);
    let doc = String::from_utf8(crate::ts102657::document(&view(s))).unwrap();
    let root = parse_xml(&doc).unwrap();
    let record = root
        .at(&[
            (TS102657, "retainedDataPayload"),
            (TS102657, "responseMessage"),
            (TS102657, "responseRecords"),
            (TS102657, "ResponseRecord"),
        ])
        .unwrap();
    let payload = record.child(TS102657, "recordPayload").unwrap();
    assert!(payload.child(TS102657, "telephonyRecord").is_none());
    let subscriber = payload
        .at(&[
            (TS102657, "networkAccessRecord"),
            (TS102657, "naSubscriber"),
        ])
        .expect("an naSubscriber");
    // An organisation without a named person: the billing address is the organisation's.
    let org = [
        (TS102657, "genericSubscriberInfo"),
        (TS102657, "organizationInfo"),
    ];
    let org = subscriber.at(&org).unwrap();
    assert_eq!(org.text_at(&[(TS102657, "name")]), Some("Jansen & Zonen"));
    assert_eq!(
        org.text_at(&[(TS102657, "address"), (TS102657, "streetName")]),
        Some("Damrak")
    );
    assert!(
        subscriber
            .at(&[
                (TS102657, "genericSubscriberInfo"),
                (TS102657, "individualInfo")
            ])
            .is_none()
    );
    let sub = subscriber
        .at(&[(TS102657, "naSubscriptions"), (TS102657, "NASubscription")])
        .unwrap();
    assert_eq!(sub.text_at(&[(TS102657, "subscriptionID")]), Some("I-9"));
    assert_eq!(
        sub.text_at(&[(TS102657, "installationAddress"), (TS102657, "city")]),
        Some("Utrecht")
    );
    // Telephony identities of a network-access record, and its addresses, are tdip's.
    assert!(sub.child(TS102657, "registeredNumbers").is_none());
    let ext = record.child(EXTENSION, "extension").unwrap();
    assert_eq!(
        ext.text_at(&[(EXTENSION, "partyNumber")]),
        Some("+31612345678")
    );
    assert_eq!(
        ext.text_at(&[(EXTENSION, "ipAddress")]),
        Some("198.51.100.7")
    );
    assert_eq!(
        ext.text_at(&[(EXTENSION, "macAddress")]),
        Some("aa:bb:cc:dd:ee:ff")
    );
    assert_eq!(ext.text_at(&[(EXTENSION, "service")]), Some("internet"));
}

#[test]
fn a_business_mobile_without_numbers_or_addresses_writes_only_what_it_holds() {
    let s = subscription(&[
        ("subscription_id", "M-2"),
        ("service", "mobile"),
        ("imsi", "204081234567890"),
        ("organisation", "Jansen & Zonen"),
        ("subscription_start", "2026-01-01T00:00:00Z"),
    ]);
    let doc = String::from_utf8(crate::ts102657::document(&view(s))).unwrap();
    for absent in [
        "individualInfo",
        "address",
        "registeredNumbers",
        "endTime",
        "iMEI",
    ] {
        assert!(!doc.contains(absent), "{absent} in {doc}");
    }
    for present in [
        "<telephonySubscriber>",
        "<organizationInfo>",
        "<name>Jansen &amp; Zonen</name>",
        "<iMSI>204081234567890</iMSI>",
        "<startTime>20260101000000Z</startTime>",
    ] {
        assert!(doc.contains(present), "no {present} in {doc}");
    }
}

/// One subscriber record, of a mobile subscription (for the communication records' tests).
pub(crate) fn one_record() -> Vec<Record> {
    view(subscription(&[
        ("subscription_id", "K-1"),
        ("service", "mobile"),
        ("surname", "Jansen"),
        ("msisdn", "+31612345678"),
        ("subscription_start", "2026-01-01T00:00:00Z"),
    ]))
    .records
}

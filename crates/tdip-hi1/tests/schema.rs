//! Every kind of HI-1 message tdip writes is valid against ETSI's official schema, checked
//! with `xmllint` (Debian's libxml2-utils), and says what tdip decided.

use tdip_hi1::{
    Body, CORE, DELIVERY, Hi1Code, Listed, Outcome, PayloadFormat, RECORDS, Response, TaskStatus,
    TaskView, judge, judge_for, parse_request, parse_xml,
};

mod common;

const LDTASK: &str = include_str!("etsi/ldtask.xml");
const ETSI_RESPONSE: &str = include_str!("etsi/response1.xml");
/// tdip's documented example request (its HI-1 profile).
const EXAMPLE: &str = include_str!("../../../docs/examples/hi1-lookup.xml");
/// When ETSI's example is judged: its authorisation is in force then (2015-10-01T00:00:00Z).
const NOW: i64 = 1_443_657_600;
/// When tdip's example is judged: its authorisation is in force then (2026-11-24T12:00:00Z).
const EXAMPLE_NOW: i64 = 1_795_521_600;

/// `xmllint`'s verdict on `xml` against the official schema: Ok, or its complaint.
fn xmllint(xml: &str) -> Result<(), String> {
    common::xmllint(Some("all.xsd"), xml.as_bytes())
}

fn valid(xml: &str) {
    if let Err(e) = xmllint(xml) {
        panic!("not valid against TS 103 120:\n{e}\n{xml}");
    }
}

fn respond(request: &str) -> (Vec<(String, Outcome)>, String) {
    let r = parse_request(request).unwrap();
    let actions = judge(&r, &|_| None, NOW);
    let xml = Response {
        to: r.header,
        at: "2026-11-24T12:00:00Z".parse().unwrap(),
        body: Body::Actions(actions.clone()),
    }
    .to_xml();
    (actions, xml)
}

#[test]
fn the_schema_check_accepts_etsis_examples_and_rejects_a_broken_message() {
    valid(LDTASK);
    valid(ETSI_RESPONSE);
    valid(EXAMPLE);
    let broken = ETSI_RESPONSE.replace("<ActionIdentifier>1</ActionIdentifier>", "");
    assert!(
        xmllint(&broken).is_err(),
        "a response without its action id"
    );
}

#[test]
fn etsis_ldtask_gets_its_authorisation_created_and_its_task_refused_with_the_reason() {
    let (actions, xml) = respond(LDTASK);
    valid(&xml);
    assert_eq!(
        actions[0],
        (
            "0".into(),
            Outcome::Created("7dbbc880-8750-4d3c-abe7-ea4a17646045".into())
        )
    );
    let (id, Outcome::Failed { code, description }) = &actions[1] else {
        panic!("the task is refused: {:?}", actions[1]);
    };
    assert_eq!((id.as_str(), *code), ("1", Hi1Code::Format));
    assert!(
        description.starts_with("action 1: task LD-0-1: tdip answers by phone number")
            && description.ends_with("it holds no subscriber data by NRCellIdentity"),
        "{description}"
    );
    // Back to the sender, same transaction.
    let root = parse_xml(&xml).unwrap();
    let header = |path: &[&str]| {
        let path: Vec<(&str, &str)> = path.iter().map(|n| (CORE, *n)).collect();
        root.text_at(&path).map(str::to_owned)
    };
    let id = |who| header(&["Header", who, "UniqueIdentifier"]);
    assert_eq!(id("SenderIdentifier").as_deref(), Some("ACTOR02"));
    assert_eq!(id("ReceiverIdentifier").as_deref(), Some("ACTOR01"));
    assert_eq!(
        header(&["Header", "TransactionIdentifier"]).as_deref(),
        Some("c02358b2-76cf-4ba4-a8eb-f6436ccaea2e")
    );
    assert!(xml.contains("<ErrorCode>3001</ErrorCode>"));
    assert!(
        xml.contains("<Timestamp>2026-11-24T12:00:00.000000Z</Timestamp>"),
        "{xml}"
    );
}

#[test]
fn a_task_by_phone_number_is_created_as_etsis_own_response_shows() {
    let start = LDTASK.find("<task:RequestValues>").unwrap();
    let end = LDTASK.find("</task:RequestValues>").unwrap();
    let request = format!(
        "{}<task:RequestValues><task:RequestValue><task:FormatType>\
         <task:FormatOwner>ETSI</task:FormatOwner>\
         <task:FormatName>InternationalE164</task:FormatName></task:FormatType>\
         <task:Value>31612345678</task:Value></task:RequestValue>{}",
        &LDTASK[..start],
        &LDTASK[end..]
    );
    valid(&request);
    let (actions, xml) = respond(&request);
    valid(&xml);
    // The same identifiers ETSI's response1.xml gives for this request.
    for (_, outcome) in &actions {
        let Outcome::Created(id) = outcome else {
            panic!("created: {actions:?}");
        };
        assert!(ETSI_RESPONSE.contains(&format!("<Identifier>{id}</Identifier>")));
    }
    assert!(
        !xml.contains("31612345678"),
        "no identifier in the response"
    );
}

#[test]
fn refused_actions_and_unreadable_messages_are_valid_error_information() {
    // A task whose authorisation is missing, and a verb tdip does not take.
    let no_auth = LDTASK.replace(
        "<AssociatedObject>7dbbc880-8750-4d3c-abe7-ea4a17646045</AssociatedObject>",
        "<AssociatedObject>00000000-0000-4000-8000-000000000000</AssociatedObject>",
    );
    let (actions, xml) = respond(&no_auth);
    valid(&xml);
    assert!(
        matches!(&actions[1].1, Outcome::Failed { code: c, .. } if *c == Hi1Code::NoAuthorisation)
    );
    let get = LDTASK
        .replacen("<CREATE>", "<GET>", 1)
        .replacen("</CREATE>", "</GET>", 1);
    let r = parse_request(&get).unwrap();
    assert!(
        matches!(&judge(&r, &|_| None, NOW)[0].1, Outcome::Failed { code: c, .. } if *c == Hi1Code::Verb)
    );

    // A top-level error; its text is escaped, whatever it holds.
    let r = parse_request(LDTASK).unwrap();
    let xml = Response {
        to: r.header,
        at: "2026-11-24T12:00:00Z".parse().unwrap(),
        body: Body::Error {
            code: Hi1Code::Unreadable,
            description: "not well-formed <at byte 12> & more".into(),
        },
    }
    .to_xml();
    valid(&xml);
    assert!(
        xml.contains("not well-formed &lt;at byte 12&gt; &amp; more"),
        "{xml}"
    );
}

#[test]
fn tasks_judged_against_the_catalogue_for_the_senders_agency() {
    let catalogue = tdip_access::Catalogue::defaults().unwrap();
    let at = "2026-11-24T12:00:00Z".parse().unwrap();
    let respond_for = |xml: &str, agency: &str| {
        let r = parse_request(xml).unwrap();
        let actions = judge_for(&r, agency, &catalogue, &|_| None, EXAMPLE_NOW);
        let response = Response {
            to: r.header,
            at,
            body: Body::Actions(actions.clone()),
        }
        .to_xml();
        valid(&response);
        actions
    };
    let granted = respond_for(EXAMPLE, "nl/politie");
    assert!(
        granted
            .iter()
            .all(|(_, o)| matches!(o, Outcome::Created(_))),
        "{granted:?}"
    );
    let refused = respond_for(EXAMPLE, "nl/nobody");
    let Outcome::Failed {
        code: c,
        description,
    } = &refused[1].1
    else {
        panic!("refused: {refused:?}");
    };
    assert_eq!(*c, Hi1Code::Refused);
    assert!(
        description.contains("task LD-2026-0001: agency nl/nobody is not authorised"),
        "{description}"
    );
    let no_officer = EXAMPLE.replace("<common:ApprovalType>Requester</common:ApprovalType>", "");
    let out_of_place = respond_for(&no_officer, "nl/politie");
    assert!(
        matches!(&out_of_place[1].1, Outcome::Failed { code: c, .. } if *c == Hi1Code::Profile),
        "{out_of_place:?}"
    );
}

#[test]
fn task_status_by_get_and_list_is_valid_with_every_ldtaskstatus_value() {
    let r = parse_request(EXAMPLE).unwrap();
    let at: jiff::Timestamp = "2026-11-24T12:00:00Z".parse().unwrap();
    let view = |status, reason| TaskView {
        object: "2b36a78b-b628-416d-bd22-404e68a0cd36".into(),
        country: "NL".into(),
        owner: "ACTOR01".into(),
        generation: 2,
        associated: vec!["7dbbc880-8750-4d3c-abe7-ea4a17646045".into()],
        last_changed: at,
        reference: "LD-2026-0001".into(),
        status,
        reason,
        received: None,
    };
    let statuses = [
        TaskStatus::AwaitingApproval,
        TaskStatus::AwaitingDisclosure,
        TaskStatus::Disclosed,
        TaskStatus::DisclosureNotAvailable,
        TaskStatus::Rejected,
        TaskStatus::Cancelled,
        TaskStatus::Error,
        TaskStatus::Invalid,
    ];
    let mut actions: Vec<(String, Outcome)> = statuses
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let reason = (*s == TaskStatus::Rejected)
                .then(|| (Hi1Code::Refused, "nl/nobody is not authorised".to_owned()));
            (i.to_string(), Outcome::Got(view(*s, reason)))
        })
        .collect();
    actions.push((
        "8".into(),
        Outcome::Listed(vec![
            Listed {
                kind: "Authorisation",
                object: "7dbbc880-8750-4d3c-abe7-ea4a17646045".into(),
                generation: 1,
                last_changed: at,
            },
            Listed {
                kind: "LDTask",
                object: "2b36a78b-b628-416d-bd22-404e68a0cd36".into(),
                generation: 2,
                last_changed: at,
            },
        ]),
    ));
    let xml = Response {
        to: r.header,
        at,
        body: Body::Actions(actions),
    }
    .to_xml();
    valid(&xml);
    for s in statuses {
        assert!(xml.contains(&format!("<common:Value>{}</common:Value>", s.as_str())));
    }
    assert!(xml.contains("<ErrorCode>4002</ErrorCode>"), "{xml}");
    assert_eq!(xml.matches("<ListResponseRecord>").count(), 2);
    // A status outside the dictionary's shape is caught by the schema check.
    assert!(
        xmllint(&xml.replace("<Generation>2</Generation>", "<Generation>two</Generation>"))
            .is_err()
    );
}

/// A response answering a GET of `common::delivery(PayloadFormat::TdipRecords)`.
fn delivered() -> String {
    let r = parse_request(EXAMPLE).unwrap();
    Response {
        to: r.header,
        at: "2026-11-24T12:00:00Z".parse().unwrap(),
        body: Body::Actions(vec![(
            "0".into(),
            Outcome::Delivered(common::delivery(PayloadFormat::TdipRecords)),
        )]),
    }
    .to_xml()
}

#[test]
fn a_delivery_carries_its_records_valid_against_etsis_schema_and_the_payload_schema() {
    let xml = delivered();
    if let Err(e) = common::xmllint(Some("all-tdip.xsd"), &xml) {
        panic!("not valid against TS 103 120 and tdip-records.xsd:\n{e}\n{xml}");
    }
    // ETSI's wildcard is strict: without the payload schema the delivery is not valid.
    let without = xmllint(&xml).unwrap_err();
    assert!(
        without.contains("{urn:tdip:records:1}records")
            && without.contains("demanded by the strict wildcard"),
        "{without}"
    );

    assert!(xml.contains(r#"<HI1Object xsi:type="delivery:DeliveryObject">"#));
    assert!(xml.contains(&format!(r#"xmlns:delivery="{DELIVERY}""#)));
    assert!(
        xml.contains(&format!(r#"<records xmlns="{RECORDS}">"#)),
        "{xml}"
    );
    for expected in [
        "<delivery:LDID>NL-POLITIE-2026-0001</delivery:LDID>",
        "<delivery:DeliveryID>d1079830-8e9a-4731-8fb7-36b9b961eb72</delivery:DeliveryID>",
        "<delivery:SequenceNumber>1</delivery:SequenceNumber>",
        "<delivery:LastSequence>true</delivery:LastSequence>",
        "<common:Owner>tdip</common:Owner>",
        "<common:Name>RecordFormat</common:Name>",
        "<common:Value>tdip-records-1</common:Value>",
        "<AssociatedObject>2b36a78b-b628-416d-bd22-404e68a0cd36</AssociatedObject>",
        // The full record, every field.
        "<recordNumber>1</recordNumber>",
        "<requestFormat>InternationalE164</requestFormat>",
        "<requestValue>+31612345678</requestValue>",
        "<provider>kpn</provider>",
        "<providerName>KPN B.V.</providerName>",
        "<validFrom>2026-03-29T01:30:00Z</validFrom>",
        "<validTo>2026-11-22T23:00:00Z</validTo>",
        "<basis>observed</basis>",
        "<subscriptionID>K-77</subscriptionID>",
        "<service>mobile</service>",
        "<supplementaryService>sms</supplementaryService>",
        "<supplementaryService>roaming</supplementaryService>",
        "<partyNumber>+31612345678</partyNumber>",
        "<partyNumber>+31470123456</partyNumber>",
        "<iMSI>204081234567890</iMSI>",
        "<iMEI>49015420323751</iMEI>",
        "<ipAddress>198.51.100.0/29</ipAddress>",
        "<ipAddress>2001:db8::7</ipAddress>",
        "<emailAddress>Jan@xn--bcher-kva.de</emailAddress>",
        "<userID>jan77</userID>",
        "<macAddress>aa:bb:cc:dd:ee:ff</macAddress>",
        "<surname>Jansen</surname>",
        "<givenNames>Jan Piet</givenNames>",
        "<organisation>Jansen &amp; Zonen &lt;B.V.&gt;</organisation>",
        "<street>Damrak</street>",
        "<houseNumber>7</houseNumber>",
        "<houseNumberAddition>bis</houseNumberAddition>",
        "<postcode>1012LG</postcode>",
        "<city>Amsterdam</city>",
        "<country>NL</country>",
        "<postcode>1000</postcode>",
        "<country>BE</country>",
        "<subscriptionStart>2026-03-29T01:30:00Z</subscriptionStart>",
        "<subscriptionEnd>2026-11-22T23:00:00Z</subscriptionEnd>",
        "<registrationPlace>Shop 12</registrationPlace>",
        "<activationTime>2026-03-29T01:45:00Z</activationTime>",
        "<activationCell>204-08-1234-5678</activationCell>",
        "<registrationIPAddress>2001:db8::1</registrationIPAddress>",
        "<registrationPort>443</registrationPort>",
        "<registrationNTP>NTP-9</registrationNTP>",
        "<portedFrom>Operator A</portedFrom>",
        "<portedTo>Operator B</portedTo>",
        "<portedAt>2026-04-01T10:00:00Z</portedAt>",
        "<paymentMethod>direct_debit</paymentMethod>",
        "<paymentMeans>NL91ABNA0417164300</paymentMeans>",
        // The minimal one.
        "<recordNumber>2</recordNumber>",
        "<provider>odido</provider>",
        "<subscriptionID>A-1</subscriptionID>",
        "<service>fixed</service>",
        "<partyNumber>+31207654321</partyNumber>",
        "<surname>de Vries</surname>",
        "<subscriptionStart>2020-01-01T00:00:00Z</subscriptionStart>",
    ] {
        assert!(xml.contains(expected), "no {expected} in\n{xml}");
    }
    assert_eq!(xml.matches("<ResponseRecord>").count(), 2);
    // Absent and empty fields are left out: the minimal record has none of them.
    let second = &xml[xml.find("<recordNumber>2</recordNumber>").unwrap()..];
    for absent in [
        "<providerName>",
        "<validTo>",
        "<basis>",
        "<givenNames>",
        "<billingAddress>",
        "<iMSI>",
        "<subscriptionEnd>",
        "<paymentMethod>",
    ] {
        assert!(!second.contains(absent), "{absent} in\n{second}");
    }
}

#[test]
fn a_payload_element_the_records_schema_does_not_declare_is_refused() {
    let xml = delivered();
    // Renamed: `imsi` is no element of urn:tdip:records:1.
    let renamed = xml
        .replace("<iMSI>", "<imsi>")
        .replace("</iMSI>", "</imsi>");
    assert_ne!(renamed, xml);
    let e = common::xmllint(Some("all-tdip.xsd"), &renamed).unwrap_err();
    assert!(
        e.contains("{urn:tdip:records:1}imsi': This element is not expected"),
        "{e}"
    );
    // A value of the wrong type.
    let not_a_time = xml.replace(
        "<validTo>2026-11-22T23:00:00Z</validTo>",
        "<validTo>tomorrow</validTo>",
    );
    assert!(common::xmllint(Some("all-tdip.xsd"), &not_a_time).is_err());
    // A payload element of a namespace without a schema.
    let foreign = xml.replace(
        r#"<records xmlns="urn:tdip:records:1">"#,
        r#"<records xmlns="urn:example:other">"#,
    );
    let e = common::xmllint(Some("all-tdip.xsd"), &foreign).unwrap_err();
    assert!(e.contains("demanded by the strict wildcard"), "{e}");
}

//! HI-1 requests as ETSI writes them, and the errors for what tdip cannot read or answer.

use tdip_model::IdentKind;

use crate::{Hi1Error, Object, parse_request};

const LDTASK: &str = include_str!("../tests/etsi/ldtask.xml");
/// A moment the ETSI example's authorisation is in force (2015-10-01T00:00:00Z).
const NOW: i64 = 1_443_657_600;

#[test]
fn etsis_own_ldtask_example_is_read_and_its_cell_identities_are_refused_precisely() {
    let r = parse_request(LDTASK).unwrap();
    assert_eq!(r.header.sender.country, "XX");
    assert_eq!(r.header.sender.id, "ACTOR01");
    assert_eq!(r.header.receiver.id, "ACTOR02");
    assert_eq!(r.header.transaction, "c02358b2-76cf-4ba4-a8eb-f6436ccaea2e");
    assert_eq!(r.header.version, "V1.12.1");
    assert_eq!(r.actions.len(), 2);
    assert_eq!(r.actions[0].verb, crate::Verb::Create);
    let Some(Object::Authorisation(auth)) = &r.actions[0].object else {
        panic!("an authorisation: {:?}", r.actions[0]);
    };
    assert_eq!(auth.object, "7dbbc880-8750-4d3c-abe7-ea4a17646045");
    assert_eq!(auth.reference.as_deref(), Some("W000001"));
    // 2015-09-01T12:00:00Z and 2015-12-01T12:00:00Z.
    assert_eq!(
        (auth.start, auth.end),
        (Some(1_441_108_800), Some(1_448_971_200))
    );
    let Some(Object::LdTask(task)) = &r.actions[1].object else {
        panic!("a task: {:?}", r.actions[1]);
    };
    assert_eq!(task.associated, ["7dbbc880-8750-4d3c-abe7-ea4a17646045"]);
    assert_eq!(task.reference.as_deref(), Some("LD-0-1"));
    assert_eq!(
        task.desired_status.as_ref().map(|s| s.value.as_str()),
        Some("AwaitingDisclosure")
    );
    let kind = task.request_type.as_ref().unwrap();
    assert_eq!(
        (kind.owner.as_str(), kind.value.as_str()),
        ("3GPP", "IdentityAssociation")
    );
    assert_eq!(task.observed, [1_448_971_200]);
    let formats: Vec<&str> = task.values.iter().map(|v| v.format.as_str()).collect();
    assert_eq!(formats, ["NRCellIdentity", "TrackingAreaCode", "5GSTMSI"]);
    // A cell identity asks for location data tdip does not hold: refused, naming it.
    let e = task.values[0].kind().unwrap_err();
    assert_eq!(e, Hi1Error::UnsupportedFormat("NRCellIdentity".into()));
    assert!(
        e.to_string()
            .contains("holds no subscriber data by NRCellIdentity"),
        "{e}"
    );
    // No identifier in Debug output.
    assert!(!format!("{task:?}").contains("AAAAAAAAAAA"));
}

/// The ETSI example with its request values replaced.
fn with_values(values: &str) -> String {
    let start = LDTASK.find("<task:RequestValues>").unwrap();
    let end = LDTASK.find("</task:RequestValues>").unwrap() + "</task:RequestValues>".len();
    format!(
        "{}<task:RequestValues>{values}</task:RequestValues>{}",
        &LDTASK[..start],
        &LDTASK[end..]
    )
}

fn value(format: &str, v: &str) -> String {
    format!(
        "<task:RequestValue><task:FormatType><task:FormatOwner>ETSI</task:FormatOwner>\
         <task:FormatName>{format}</task:FormatName></task:FormatType>\
         <task:Value>{v}</task:Value></task:RequestValue>"
    )
}

#[test]
fn identifiers_map_onto_tdips_kinds_whatever_the_prefixes() {
    let xml = with_values(
        &[
            value("InternationalE164", "31612345678"),
            value("IMSI", "204081234567890"),
            value("IPv6Address", "2001:db8::1"),
            value("InternationalizedEmailAddress", "a&amp;b@example.nl"),
        ]
        .concat(),
    )
    // Another sender's prefix for the task namespace.
    .replace("task:", "t:")
    .replace("xmlns:task=", "xmlns:t=");
    let r = parse_request(&xml).unwrap();
    let Some(Object::LdTask(task)) = &r.actions[1].object else {
        panic!("a task");
    };
    let kinds: Vec<IdentKind> = task.values.iter().map(|v| v.kind().unwrap()).collect();
    assert_eq!(
        kinds,
        [
            IdentKind::Msisdn,
            IdentKind::Imsi,
            IdentKind::Ip,
            IdentKind::Email
        ]
    );
    assert_eq!(task.values[3].value, "a&b@example.nl");
}

#[test]
fn broken_or_incomplete_messages_say_what_is_wrong_without_quoting_identifiers() {
    // (message, what the error says, whether its header could be read)
    let cases = [
        (LDTASK.replace("</Header>", ""), "not well-formed XML", false),
        (
            LDTASK.replace(
                "<TransactionIdentifier>c02358b2-76cf-4ba4-a8eb-f6436ccaea2e</TransactionIdentifier>",
                "",
            ),
            "has no TransactionIdentifier; HI-1 (ETSI TS 103 120) requires it",
            false,
        ),
        (
            LDTASK.replace("xsi:type=\"task:LDTaskObject\"", "xsi:type=\"nope:LDTaskObject\""),
            "undeclared prefix nope",
            false,
        ),
        (
            LDTASK.replace("http://uri.etsi.org/03120/common/2019/10/Core", "urn:other"),
            "HI1Message in the HI-1 core namespace",
            false,
        ),
        (
            format!("<!DOCTYPE x [<!ENTITY e \"31612345678\">]>{LDTASK}"),
            "DOCTYPE is not accepted",
            false,
        ),
        (
            LDTASK.replace("<ActionIdentifier>1</ActionIdentifier>", ""),
            "has no ActionIdentifier; HI-1 (ETSI TS 103 120) requires it",
            true,
        ),
    ];
    for (xml, says, has_header) in cases {
        let e = parse_request(&xml).unwrap_err();
        assert_eq!(e.header.is_some(), has_header, "{says}: {e}");
        let e = e.to_string();
        assert!(e.contains(says), "{says}: {e}");
        assert!(
            !e.contains("31612345678") && !e.contains("AAAAAAAAAAA"),
            "{e}"
        );
    }
}

#[test]
fn a_problem_inside_one_action_fails_that_action_only() {
    use crate::{Hi1Code, Verb};
    let cases = [
        (
            LDTASK.replace("<task:Reference>LD-0-1</task:Reference>", ""),
            Hi1Code::Incomplete,
            "has no task:Reference in task 2b36a78b-b628-416d-bd22-404e68a0cd36; tdip needs it \
             as the LDID the delivery names the task by",
        ),
        (
            LDTASK.replace(
                "2015-12-01T12:00:00Z</task:ObservedTime>",
                "1 December</task:ObservedTime>",
            ),
            Hi1Code::Invalid,
            "task LD-0-1: its ObservedTime has no time zone",
        ),
        (
            LDTASK.replace(
                "2015-12-01T12:00:00Z</task:ObservedTime>",
                "2015-12-01T12:00:00</task:ObservedTime>",
            ),
            Hi1Code::Invalid,
            "task LD-0-1: its ObservedTime has no time zone; an ETSI QualifiedDateTime ends \
             in Z or ±hh:mm, and tdip does not guess one",
        ),
        (
            LDTASK.replace(
                "2015-12-01T12:00:00Z</task:ObservedTime>",
                "2015-12-01T12:00:00+0100</task:ObservedTime>",
            ),
            Hi1Code::Invalid,
            "task LD-0-1: its ObservedTime writes its offset in another form than ±hh:mm",
        ),
        (
            LDTASK.replace(
                "2015-12-01T12:00:00Z</task:ObservedTime>",
                "2015-13-01T12:00:00Z</task:ObservedTime>",
            ),
            Hi1Code::Invalid,
            "task LD-0-1: a time is not an RFC 3339 date and time with its offset (ObservedTime",
        ),
        (
            LDTASK.replace(" xsi:type=\"task:LDTaskObject\"", ""),
            Hi1Code::Unreadable,
            "has no xsi:type of the HI1Object; HI-1 (ETSI TS 103 120) requires it",
        ),
        (
            LDTASK.replace("<task:FormatName>NRCellIdentity</task:FormatName>", ""),
            Hi1Code::Incomplete,
            "task LD-0-1: the message has no FormatType/FormatName; HI-1 (ETSI TS 103 120) \
             requires it",
        ),
    ];
    for (xml, code, says) in cases {
        let r = parse_request(&xml).unwrap();
        assert_eq!(r.actions.len(), 2);
        assert!(r.actions[0].problem.is_none() && r.actions[0].object.is_some());
        let a = &r.actions[1];
        assert_eq!((a.verb.clone(), a.object.clone()), (Verb::Create, None));
        let (c, why) = a.problem.clone().expect("a problem");
        assert_eq!(c, code, "{why}");
        assert!(
            why.starts_with("action 1: ") && why.contains(says),
            "{says}: {why}"
        );
        let judged = crate::judge(&r, &|_| None, NOW);
        assert!(
            matches!(judged[0].1, crate::Outcome::Created(_)),
            "{judged:?}"
        );
        assert_eq!(
            judged[1].1,
            crate::Outcome::Failed {
                code,
                description: why
            }
        );
    }
}

#[test]
fn a_task_without_reference_is_read_for_an_update_and_refused_for_a_create() {
    let xml = LDTASK.replace("<task:Reference>LD-0-1</task:Reference>", "");
    let update = xml
        .replacen("<CREATE>", "<UPDATE>", 2)
        .replacen("</CREATE>", "</UPDATE>", 2);
    let r = parse_request(&update).unwrap();
    let Some(Object::LdTask(task)) = &r.actions[1].object else {
        panic!("a task: {:?}", r.actions[1]);
    };
    assert_eq!(task.reference, None);
    assert_eq!(task.label(), "2b36a78b-b628-416d-bd22-404e68a0cd36");
    let r = parse_request(&xml).unwrap();
    assert_eq!(
        r.actions[1].problem.as_ref().map(|p| p.0),
        Some(crate::Hi1Code::Incomplete)
    );
}

#[test]
fn values_are_read_as_tdip_reads_identifiers_and_invalid_ones_refused_without_quoting_them() {
    let xml = with_values(
        &[
            value("InternationalE164", "31612345678"),
            value("InternationalE164", "1234567890123456789"),
            value("IPv4Address", "192.0.2.300"),
        ]
        .concat(),
    );
    let r = parse_request(&xml).unwrap();
    let Some(Object::LdTask(task)) = &r.actions[1].object else {
        panic!("a task");
    };
    assert_eq!(
        task.values[0].identifier().unwrap(),
        (IdentKind::Msisdn, "+31612345678".to_owned())
    );
    for (v, format) in [
        (&task.values[1], "InternationalE164"),
        (&task.values[2], "IPv4Address"),
    ] {
        let e = v.identifier().unwrap_err().to_string();
        assert!(
            e.starts_with(&format!(
                "a request value in format {format} is not valid: "
            )),
            "{e}"
        );
        assert!(
            !e.contains("1234567890123456789") && !e.contains("192.0.2.300"),
            "{e}"
        );
    }
    let judged = crate::judge(&r, &|_| None, NOW);
    assert!(
        matches!(&judged[1].1, crate::Outcome::Failed { code, description }
            if *code == crate::Hi1Code::Invalid && description.contains("InternationalE164")),
        "{judged:?}"
    );
}

#[test]
fn a_task_asks_about_a_moment_or_a_period_that_runs_forward() {
    let r = parse_request(LDTASK).unwrap();
    let Some(Object::LdTask(task)) = &r.actions[1].object else {
        panic!("a task");
    };
    assert_eq!(task.periods().unwrap(), [(1_448_971_200, 1_448_971_200)]);
    let mut t = task.clone();
    (t.observed, t.start, t.end) = (vec![], Some(100), Some(200));
    assert_eq!(t.periods().unwrap(), [(100, 200)]);
    t.end = Some(50);
    assert_eq!(
        t.periods().unwrap_err().to_string(),
        "task LD-0-1: its EndTime lies before its StartTime"
    );
    t.end = None;
    assert_eq!(
        t.periods().unwrap_err().to_string(),
        "task LD-0-1 gives neither ObservedTime (or ObservedTimes) nor both StartTime and \
         EndTime"
    );
    (t.observed, t.start) = (vec![7, 9], Some(100));
    let e = t.periods().unwrap_err().to_string();
    assert!(
        e.contains("choose one: the moments (ObservedTime, ObservedTimes) or one period"),
        "{e}"
    );
    t.start = None;
    assert_eq!(t.periods().unwrap(), [(7, 7), (9, 9)]);
}

#[test]
fn messages_built_to_exhaust_the_reader_are_refused() {
    let deep = format!("{}{}", "<a>".repeat(100_000), "</a>".repeat(100_000));
    let e = parse_request(&deep).unwrap_err().to_string();
    assert!(e.contains("nest more than 64 deep"), "{e}");
    let wide = format!("<a>{}</a>", "<b/>".repeat(100_001));
    let e = parse_request(&wide).unwrap_err().to_string();
    assert!(e.contains("too many elements"), "{e}");
}

#[test]
fn get_and_list_name_what_they_ask_for() {
    let header_end = LDTASK.find("<Payload>").unwrap();
    let request = format!(
        "{}<Payload><RequestPayload><ActionRequests>\
         <ActionRequest><ActionIdentifier>0</ActionIdentifier>\
         <GET><Identifier>2b36a78b-b628-416d-bd22-404e68a0cd36</Identifier></GET>\
         </ActionRequest>\
         <ActionRequest><ActionIdentifier>1</ActionIdentifier>\
         <LIST><ObjectType><common:Owner>ETSI</common:Owner><common:Name>ObjectType</common:Name>\
         <common:Value>LDTask</common:Value></ObjectType></LIST></ActionRequest>\
         </ActionRequests></RequestPayload></Payload></HI1Message>",
        &LDTASK[..header_end]
    );
    let r = parse_request(&request).unwrap();
    assert_eq!(r.actions[0].verb, crate::Verb::Get);
    assert_eq!(
        r.actions[0].target.as_deref(),
        Some("2b36a78b-b628-416d-bd22-404e68a0cd36")
    );
    assert_eq!(r.actions[1].verb, crate::Verb::List);
    assert_eq!(r.actions[1].list_type.as_deref(), Some("LDTask"));
    assert_eq!(
        (r.actions[0].object.clone(), r.actions[1].target.clone()),
        (None, None)
    );
}

#[test]
fn the_element_tree_never_shows_its_text_in_debug() {
    let tree = crate::parse_xml(LDTASK).unwrap();
    let shown = format!("{tree:?}");
    assert!(shown.contains("RequestValue"), "the structure is shown");
    assert!(
        !shown.contains("AAAAAAAAAAA") && !shown.contains("W000001"),
        "{shown}"
    );
}

#[test]
fn an_address_and_port_is_read_for_identification_through_traffic_data() {
    let xml = with_values(
        &[
            value("IPAddressPort", "198.51.100.7:40123"),
            value("IPAddressPort", "[2001:db8::1]:443"),
            value("IPAddressPort", "[::ffff:198.51.100.9]:0"),
            value("IPAddressPort", "198.51.100.7:65536"),
            value("IPAddressPort", "198.51.100.7"),
        ]
        .concat(),
    );
    let r = parse_request(&xml).unwrap();
    let Some(Object::LdTask(task)) = &r.actions[1].object else {
        panic!("a task");
    };
    let read: Vec<_> = task.values[..3]
        .iter()
        .map(|v| v.identifier().unwrap())
        .collect();
    assert_eq!(
        read,
        [
            (IdentKind::Ip, "198.51.100.7:40123".to_owned()),
            (IdentKind::Ip, "[2001:db8::1]:443".to_owned()),
            (IdentKind::Ip, "198.51.100.9:0".to_owned()),
        ]
    );
    assert_eq!(
        crate::address_port(&read[1].1),
        Some(("2001:db8::1".parse().unwrap(), 443))
    );
    for v in &task.values[3..] {
        let e = v.identifier().unwrap_err().to_string();
        assert!(e.contains("IPAddressPort value is ADDRESS:PORT"), "{e}");
        assert!(!e.contains("198.51.100.7"), "{e}");
    }
}

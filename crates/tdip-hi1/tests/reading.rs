//! How tdip reads an HI-1 request action by action: problems kept to their action, kept
//! authorisations, observed moments, delivery destinations, the leniency it allows and
//! the refusals, and objects echoed as received (valid against ETSI's schema).

mod common;

use tdip_hi1::{
    Address, Authorisation, Body, Destination, Hi1Code, LdTask, Object, Outcome, PayloadFormat,
    Received, Request, Response, TaskStatus, TaskView, Unreadable, authorisation_of, demands,
    judge, judge_for, parse_request,
};

const LDTASK: &str = include_str!("etsi/ldtask.xml");
const EXAMPLE: &str = include_str!("../../../docs/examples/hi1-lookup.xml");
const REQUEST6: &str = include_str!("etsi/request6.xml");
/// 2026-11-24T12:00:00Z: the example's authorisation (November and December 2026) is in
/// force.
const NOW: i64 = 1_795_521_600;
const AUTH_ID: &str = "7dbbc880-8750-4d3c-abe7-ea4a17646045";
const TASK_ID: &str = "2b36a78b-b628-416d-bd22-404e68a0cd36";

fn valid(xml: &str) {
    if let Err(e) = common::xmllint(Some("all.xsd"), xml) {
        panic!("not valid against TS 103 120:\n{e}\n{xml}");
    }
}

fn response(r: &Request, actions: Vec<(String, Outcome)>) -> String {
    let xml = Response {
        to: r.header.clone(),
        at: "2026-11-24T12:00:00Z".parse().unwrap(),
        body: Body::Actions(actions),
    }
    .to_xml();
    valid(&xml);
    xml
}

fn task(r: &Request) -> LdTask {
    match &r.actions[1].object {
        Some(Object::LdTask(t)) => t.clone(),
        other => panic!("a task: {other:?} {:?}", r.actions[1].problem),
    }
}

fn authorisation(r: &Request) -> Authorisation {
    match &r.actions[0].object {
        Some(Object::Authorisation(a)) => a.clone(),
        other => panic!("an authorisation: {other:?}"),
    }
}

fn failed(o: &Outcome) -> (Hi1Code, &str) {
    match o {
        Outcome::Failed { code, description } => (*code, description.as_str()),
        other => panic!("failed: {other:?}"),
    }
}

/// ETSI's request6.xml with an https URL in place of its EndpointID destination.
fn request6_https() -> String {
    let start = REQUEST6.find("<task:EndpointID>").unwrap();
    let end = REQUEST6.find("</task:EndpointID>").unwrap() + "</task:EndpointID>".len();
    format!(
        "{}<task:URL>https://lea.example/</task:URL>{}",
        &REQUEST6[..start],
        &REQUEST6[end..]
    )
}

/// The example with only its task action (action 1), the authorisation left out.
fn task_only(xml: &str) -> String {
    let start = xml.find("<ActionRequest>").unwrap();
    let end = xml.find("</ActionRequest>").unwrap() + "</ActionRequest>".len();
    format!("{}{}", &xml[..start], &xml[end..])
}

/// The example with its authorisation action as an UPDATE.
fn auth_update(xml: &str) -> String {
    xml.replacen("<CREATE>", "<UPDATE>", 1)
        .replacen("</CREATE>", "</UPDATE>", 1)
}

#[test]
fn a_message_whose_header_reads_is_answered_with_a_valid_top_level_error() {
    let e =
        parse_request(&EXAMPLE.replace("<ActionIdentifier>1</ActionIdentifier>", "")).unwrap_err();
    let Unreadable {
        header: Some(header),
        error,
    } = e
    else {
        panic!("the header reads: {e:?}");
    };
    assert!(EXAMPLE.contains(&format!(
        "<TransactionIdentifier>{}</TransactionIdentifier>",
        header.transaction
    )));
    let xml = Response {
        to: header,
        at: "2026-11-24T12:00:00Z".parse().unwrap(),
        body: Body::Error {
            code: Hi1Code::Unreadable,
            description: error.to_string(),
        },
    }
    .to_xml();
    valid(&xml);
    assert!(xml.contains("<ErrorInformation>") && !xml.contains("ActionResponse"));
    let empty = EXAMPLE.replace(
        &EXAMPLE[EXAMPLE.find("<ActionRequest>").unwrap()
            ..EXAMPLE.rfind("</ActionRequest>").unwrap() + "</ActionRequest>".len()],
        "",
    );
    let e = parse_request(&empty).unwrap_err();
    assert!(
        e.header.is_some() && e.to_string().contains("an ActionRequest"),
        "{e}"
    );
}

#[test]
fn observed_times_make_one_demand_per_value_and_moment_with_its_format() {
    let times = "<task:ObservedTime>2026-11-02T11:00:00Z</task:ObservedTime>\
                 <task:ObservedTimes>2026-11-03T09:00:00Z</task:ObservedTimes>\
                 <task:ObservedTimes>2026-11-04T10:00:00+01:00</task:ObservedTimes>";
    let xml = EXAMPLE
        .replace(
            "<task:ObservedTime>2026-11-02T11:00:00Z</task:ObservedTime>",
            times,
        )
        .replace(
            "</task:RequestValue>\n                </task:RequestValues>",
            "</task:RequestValue><task:RequestValue><task:FormatType>\
             <task:FormatOwner>ETSI</task:FormatOwner><task:FormatName>IMSI</task:FormatName>\
             </task:FormatType><task:Value>204081234567890</task:Value></task:RequestValue>\
             </task:RequestValues>",
        );
    valid(&xml);
    let r = parse_request(&xml).unwrap();
    let t = task(&r);
    let (nov2, nov3, nov4) = (1_793_617_200, 1_793_696_400, 1_793_782_800);
    assert_eq!(t.observed, [nov2, nov3, nov4]);
    assert_eq!(
        t.periods().unwrap(),
        [(nov2, nov2), (nov3, nov3), (nov4, nov4)]
    );
    let ds = demands(&authorisation(&r), &t, "nl/politie").unwrap();
    let got: Vec<(&str, i64, i64)> = ds
        .iter()
        .map(|(_, s)| (s.format.as_str(), s.from, s.to))
        .collect();
    assert_eq!(
        got,
        [
            ("InternationalE164", nov2, nov2),
            ("InternationalE164", nov3, nov3),
            ("InternationalE164", nov4, nov4),
            ("IMSI", nov2, nov2),
            ("IMSI", nov3, nov3),
            ("IMSI", nov4, nov4),
        ]
    );
    // ETSI's own request6.xml reads with its three ObservedTimes (its EndpointID
    // destination is refused: tdip pushes over HTTPS; an https URL in its place).
    let r6 = parse_request(&request6_https()).unwrap();
    let t6 = r6
        .actions
        .iter()
        .find_map(|a| match &a.object {
            Some(Object::LdTask(t)) => Some(t.clone()),
            _ => None,
        })
        .or_else(|| panic!("request6's task: {:?}", r6.actions));
    assert_eq!(t6.map(|t| t.observed.len()), Some(3));
    // Moments and a period together: refused, saying which to choose.
    let both = xml.replace(
        "<task:ObservedTime>",
        "<task:StartTime>2026-11-01T00:00:00Z</task:StartTime>\
         <task:EndTime>2026-11-05T00:00:00Z</task:EndTime><task:ObservedTime>",
    );
    let r = parse_request(&both).unwrap();
    let judged = judge(&r, &|_| None, NOW);
    let (code, why) = failed(&judged[1].1);
    assert_eq!(code, Hi1Code::Incomplete);
    assert!(
        why.contains("choose one: the moments (ObservedTime, ObservedTimes) or one period"),
        "{why}"
    );
}

#[test]
fn a_task_rests_on_a_kept_authorisation_when_in_force_and_is_refused_otherwise() {
    let kept_auth = authorisation(&parse_request(EXAMPLE).unwrap());
    let r = parse_request(&task_only(EXAMPLE)).unwrap();
    assert_eq!(r.actions.len(), 1);
    let keeps = |id: &str| (id == AUTH_ID).then(|| kept_auth.clone());
    let t = match &r.actions[0].object {
        Some(Object::LdTask(t)) => t.clone(),
        other => panic!("{other:?}"),
    };
    assert_eq!(authorisation_of(&r, &t, &keeps), Some(kept_auth.clone()));
    assert_eq!(
        judge(&r, &keeps, NOW)[0].1,
        Outcome::Created(TASK_ID.into())
    );
    let catalogue = tdip_access::Catalogue::defaults().unwrap();
    let judged = judge_for(&r, "nl/politie", &catalogue, &keeps, NOW);
    assert_eq!(judged[0].1, Outcome::Created(TASK_ID.into()));
    response(&r, judged);
    // Nothing kept: 3003, saying where the authorisation may come from.
    let judged = judge(&r, &|_| None, NOW);
    let (code, why) = failed(&judged[0].1);
    assert_eq!(code, Hi1Code::NoAuthorisation);
    assert!(
        why.contains("created in this message or earlier and still kept (docs/hi1.md)"),
        "{why}"
    );
    // Before its StartTime and after its EndTime: 3005, naming the times.
    for now in [1_793_000_000, 1_800_000_000] {
        let judged = judge(&r, &keeps, now);
        let (code, why) = failed(&judged[0].1);
        assert_eq!(code, Hi1Code::NotInForce);
        assert!(
            why.contains("in force from 2026-11-01T00:00:00Z until 2026-12-31T23:00:00Z"),
            "{why}"
        );
        response(&r, judged);
    }
    // An authorisation in the same message comes before the kept one.
    let mut other = kept_auth.clone();
    other.end = Some(0);
    let full = parse_request(EXAMPLE).unwrap();
    let stale = |_: &str| Some(other.clone());
    assert_eq!(
        authorisation_of(&full, &task(&full), &stale),
        Some(kept_auth)
    );
}

#[test]
fn an_authorisation_update_is_answered_when_known_and_other_verbs_say_why_not() {
    let kept_auth = authorisation(&parse_request(EXAMPLE).unwrap());
    let keeps = |id: &str| (id == AUTH_ID).then(|| kept_auth.clone());
    let update = parse_request(&auth_update(EXAMPLE)).unwrap();
    let judged = judge(&update, &keeps, NOW);
    assert_eq!(judged[0].1, Outcome::Updated(AUTH_ID.into()));
    assert_eq!(judged[1].1, Outcome::Created(TASK_ID.into()));
    let xml = response(&update, judged);
    let update_response = xml.find("<UPDATEResponse>").expect("an UPDATEResponse");
    assert!(
        xml[update_response..].starts_with(&format!(
            "<UPDATEResponse>\n            <Identifier>{AUTH_ID}</Identifier>"
        )),
        "{xml}"
    );
    // Not kept, not created: 2003; and its task has no authorisation.
    let judged = judge(&update, &|_| None, NOW);
    assert_eq!(failed(&judged[0].1).0, Hi1Code::UnknownObject);
    assert_eq!(failed(&judged[1].1).0, Hi1Code::NoAuthorisation);
    // UPDATE of a task: 2001, CREATE a new one.
    let task_update = EXAMPLE
        .replacen("</CREATE>", "</QQQ>", 1)
        .replacen("<CREATE>", "<QQQ>", 1)
        .replacen("<CREATE>", "<UPDATE>", 1)
        .replacen("</CREATE>", "</UPDATE>", 1)
        .replace("QQQ>", "CREATE>");
    let r = parse_request(&task_update).unwrap();
    let judged = judge(&r, &|_| None, NOW);
    let (code, why) = failed(&judged[1].1);
    assert_eq!(code, Hi1Code::Verb);
    assert!(
        why.contains("tdip does not change a task once answered; CREATE a new task"),
        "{why}"
    );
    // DELIVER, GET, LIST: 2001, saying why.
    let header_end = EXAMPLE.find("<Payload>").unwrap();
    let others = format!(
        "{}<Payload><RequestPayload><ActionRequests>\
         <ActionRequest><ActionIdentifier>0</ActionIdentifier><DELIVER>\
         <Identifier>{TASK_ID}</Identifier><HI1Object xsi:type=\"task:LDTaskObject\">\
         <ObjectIdentifier>{TASK_ID}</ObjectIdentifier></HI1Object></DELIVER></ActionRequest>\
         <ActionRequest><ActionIdentifier>1</ActionIdentifier><GET>\
         <Identifier>{AUTH_ID}</Identifier></GET></ActionRequest>\
         </ActionRequests></RequestPayload></Payload></HI1Message>",
        &EXAMPLE[..header_end]
    );
    valid(&others);
    let r = parse_request(&others).unwrap();
    let judged = judge(&r, &|_| None, NOW);
    let (code, why) = failed(&judged[0].1);
    assert_eq!(code, Hi1Code::Verb);
    assert!(
        why.contains("the point sends DELIVER, it takes none"),
        "{why}"
    );
    let (code, why) = failed(&judged[1].1);
    assert_eq!(code, Hi1Code::Verb);
    assert!(
        why.contains("answered by the service (tdip serve, POST /hi1) from the authorisations, tasks and deliveries it keeps"),
        "{why}"
    );
    response(&r, judged);
}

#[test]
fn an_authorisation_ending_before_it_starts_is_refused_at_its_create_and_update() {
    let reversed = EXAMPLE.replace(
        "<auth:EndTime>2026-12-31T23:00:00Z</auth:EndTime>",
        "<auth:EndTime>2026-10-31T23:00:00Z</auth:EndTime>",
    );
    for xml in [reversed.clone(), auth_update(&reversed)] {
        let r = parse_request(&xml).unwrap();
        let judged = judge(&r, &|_| None, NOW);
        let (code, why) = failed(&judged[0].1);
        assert_eq!(code, Hi1Code::Invalid);
        assert!(
            why.ends_with("its EndTime lies before its StartTime"),
            "{why}"
        );
    }
}

/// The example's task with one delivery destination, `dest` (the inside of
/// LDDeliveryDestination; the prefix `etsi` is TS 103 280's).
fn with_destination(dest: &str) -> String {
    EXAMPLE.replace(
        "</task:RequestDetails>",
        &format!(
            "</task:RequestDetails><task:DeliveryDetails \
             xmlns:etsi=\"http://uri.etsi.org/03280/common/2017/07\">\
             <task:LDDeliveryDestination>{dest}</task:LDDeliveryDestination>\
             </task:DeliveryDetails>"
        ),
    )
}

fn format_entry(owner: &str, name: &str, value: &str) -> String {
    format!(
        "<task:LDHandoverFormat><common:Owner>{owner}</common:Owner>\
         <common:Name>{name}</common:Name><common:Value>{value}</common:Value>\
         </task:LDHandoverFormat>"
    )
}

#[test]
fn delivery_destinations_are_https_urls_or_ip_address_ports_in_a_format_tdip_writes() {
    let ok = [
        (
            String::new(),
            Destination {
                address: None,
                format: PayloadFormat::Ts102657,
            },
        ),
        (
            "<task:DeliveryAddress><task:URL>https://lea.example/hi1?x=1</task:URL></task:DeliveryAddress>"
                .to_owned(),
            Destination {
                address: Some(Address::Https("https://lea.example/hi1?x=1".into())),
                format: PayloadFormat::Ts102657,
            },
        ),
        (
            format!(
                "<task:DeliveryAddress><task:IPAddressPort><etsi:address>\
                 <etsi:IPv6Address>2001:0db8:0000:0000:0000:0000:0000:0001</etsi:IPv6Address></etsi:address><etsi:port>\
                 <etsi:TCPPort>443</etsi:TCPPort></etsi:port></task:IPAddressPort>\
                 </task:DeliveryAddress>{}",
                format_entry("tdip", "RecordFormat", "tdip-records-1")
            ),
            Destination {
                address: Some(Address::Https("https://[2001:db8::1]:443/".into())),
                format: PayloadFormat::TdipRecords,
            },
        ),
        (
            format_entry("ETSI", "ManifestSpecification", "TS102657-XML"),
            Destination {
                address: None,
                format: PayloadFormat::Ts102657,
            },
        ),
    ];
    for (dest, expected) in ok {
        let xml = with_destination(&dest);
        valid(&xml);
        let t = task(&parse_request(&xml).unwrap());
        assert_eq!(t.destinations, [expected]);
    }
    // ETSI's own example's: 127.0.0.1, port 16000.
    let t = task(&parse_request(LDTASK).unwrap());
    assert_eq!(
        t.destinations[0].address,
        Some(Address::Https("https://127.0.0.1:16000/".into()))
    );
    assert_eq!(
        format!(
            "{:?}",
            Address::Https("https://lea.example/secret/path".into())
        ),
        "Https(\"lea.example\")"
    );
    let with_user = Address::Https("https://user:secret@lea.example:8443/x".into());
    assert_eq!(format!("{with_user:?}"), "Https(\"lea.example:8443\")");
    let refused = [
        "<task:DeliveryAddress><task:URL>http://lea.example/</task:URL></task:DeliveryAddress>",
        "<task:DeliveryAddress><task:FTPAddress>ftp://lea.example/</task:FTPAddress></task:DeliveryAddress>",
        "<task:DeliveryAddress><task:E164Number>31612345678</task:E164Number></task:DeliveryAddress>",
        "<task:DeliveryAddress><task:EmailAddress>lea@example.nl</task:EmailAddress></task:DeliveryAddress>",
        "<task:DeliveryAddress><task:FQDN>lea.example</task:FQDN></task:DeliveryAddress>",
        "<task:DeliveryAddress><task:IPv4Address>192.0.2.1</task:IPv4Address></task:DeliveryAddress>",
        "<task:DeliveryAddress><task:EndpointID><CountryCode>XX</CountryCode>\
         <UniqueIdentifier>ACTOR01</UniqueIdentifier></task:EndpointID></task:DeliveryAddress>",
    ];
    for dest in refused {
        let r = parse_request(&with_destination(dest)).unwrap();
        let (code, why) = r.actions[1].problem.clone().expect("refused");
        assert_eq!(code, Hi1Code::Profile, "{dest}");
        assert!(why.contains("tdip pushes deliveries over HTTPS only, to a URL https://… or an IPAddressPort; leave DeliveryAddress out to fetch the delivery with GET"), "{why}");
        assert!(
            !why.contains("31612345678") && !why.contains("lea@"),
            "{why}"
        );
    }
    let r = parse_request(&with_destination(&format_entry("XX", "Handover", "PDF"))).unwrap();
    let (code, why) = r.actions[1].problem.clone().expect("refused");
    assert_eq!(code, Hi1Code::Profile);
    assert!(
        why.contains("ETSI/ManifestSpecification/TS102657-XML (the default) or tdip/RecordFormat/tdip-records-1"),
        "{why}"
    );
}

fn value_of(xml: &str, value: &str) -> String {
    xml.replace(
        "<task:Value>31612345678</task:Value>",
        &format!("<task:Value>{value}</task:Value>"),
    )
}

#[test]
fn an_e164_value_may_start_with_plus_but_holds_digits_only() {
    let t = task(&parse_request(&value_of(EXAMPLE, "+31612345678")).unwrap());
    assert_eq!(t.values[0].value, "31612345678");
    for bad in [
        "31 612345678",
        "31-6-12345678",
        "31.612345678",
        "(31)612345678",
        "+",
        "3161234567890123",
    ] {
        let r = parse_request(&value_of(EXAMPLE, bad)).unwrap();
        let judged = judge(&r, &|_| None, NOW);
        let (code, why) = failed(&judged[1].1);
        assert_eq!(code, Hi1Code::Invalid, "{bad}");
        assert!(
            why.ends_with("an InternationalE164 value is 1 to 15 digits, ETSI TS 103 280; a leading + is tolerated"),
            "{why}"
        );
        assert!(!why.contains("612345678"), "{why}");
    }
}

#[test]
fn fractional_seconds_are_truncated_to_the_second_containing_the_moment() {
    let xml = EXAMPLE.replace(
        "11:00:00Z</task:ObservedTime>",
        "11:00:00.999999Z</task:ObservedTime>",
    );
    let r = parse_request(&xml).unwrap();
    assert_eq!(task(&r).observed, [1_793_617_200]);
    let received = r.actions[1].received.clone().unwrap();
    assert!(
        received
            .xml()
            .contains("<task:ObservedTime>2026-11-02T11:00:00Z</task:ObservedTime>")
    );
    // Before 1970 the second containing the moment is the earlier one.
    let old = EXAMPLE.replace(
        "2026-11-02T11:00:00Z</task:ObservedTime>",
        "1969-12-31T23:59:59.5Z</task:ObservedTime>",
    );
    assert_eq!(task(&parse_request(&old).unwrap()).observed, [-1]);
}

#[test]
fn unknown_elements_are_ignored_except_inside_request_details() {
    let extra = EXAMPLE
        .replace(
            "<task:DesiredStatus>",
            "<task:HandlingProfile><common:Owner>XX</common:Owner><common:Name>P</common:Name>\
             <common:Value>v</common:Value></task:HandlingProfile><task:DesiredStatus>",
        )
        .replace("<OwnerIdentifier>ACTOR01</OwnerIdentifier>\n              <AssociatedObjects>",
            "<OwnerIdentifier>ACTOR01</OwnerIdentifier><Generation>7</Generation>\n              <AssociatedObjects>");
    let r = parse_request(&extra).unwrap();
    let plain = parse_request(EXAMPLE).unwrap();
    assert_eq!(task(&r), task(&plain));
    assert_eq!(
        r.actions[1].received, plain.actions[1].received,
        "dropped from Received"
    );
    assert!(
        !r.actions[1]
            .received
            .as_ref()
            .unwrap()
            .xml()
            .contains("HandlingProfile")
    );
    for (child, name) in [
        (
            "<task:Subtype><task:RequestSubtype><common:Owner>XX</common:Owner><common:Name>S</common:Name><common:Value>v</common:Value></task:RequestSubtype></task:Subtype>",
            "Subtype",
        ),
        ("<task:Narrowing>x</task:Narrowing>", "Narrowing"),
        ("<Other xmlns=\"urn:x\">x</Other>", "Other"),
    ] {
        let xml = EXAMPLE.replace(
            "</task:RequestValues>",
            &format!("</task:RequestValues>{child}"),
        );
        let r = parse_request(&xml).unwrap();
        let (code, why) = r.actions[1].problem.clone().expect("refused");
        assert_eq!(code, Hi1Code::Profile);
        assert!(
            why.contains(&format!("RequestDetails/{name} is not read by tdip")),
            "{why}"
        );
    }
}

#[test]
fn an_identical_resend_is_received_equal_whatever_its_prefixes_spacing_or_plus() {
    let first = parse_request(EXAMPLE).unwrap();
    let resend = value_of(EXAMPLE, "+31612345678")
        .replace("task:", "t:")
        .replace("xmlns:t=", "xmlns:task=")
        .replace(
            "xmlns:task=\"http://uri.etsi.org/03120/common/2020/09/Task\"",
            "xmlns:t=\"http://uri.etsi.org/03120/common/2020/09/Task\"",
        )
        .replace("\n              ", "\n      ")
        .replace("2026-11-02T11:00:00Z", "2026-11-02T12:00:00+01:00");
    let again = parse_request(&resend).unwrap();
    for i in 0..2 {
        assert!(first.actions[i].received.is_some());
        assert_eq!(
            first.actions[i].received, again.actions[i].received,
            "action {i}"
        );
    }
    let changed = parse_request(&EXAMPLE.replace("LD-2026-0001", "LD-2026-0002")).unwrap();
    assert_ne!(first.actions[1].received, changed.actions[1].received);
    let received = first.actions[1].received.clone().unwrap();
    assert_eq!(
        format!("{received:?}"),
        format!("Received({} bytes)", received.xml().len())
    );
    assert!(received.xml().len() < EXAMPLE.len());
    assert!(
        received
            .xml()
            .contains("<task:Value>31612345678</task:Value>")
    );
}

fn view(
    received: Option<Received>,
    status: TaskStatus,
    reason: Option<(Hi1Code, String)>,
) -> TaskView {
    TaskView {
        object: TASK_ID.into(),
        country: "NL".into(),
        owner: "ACTOR01".into(),
        generation: 1,
        associated: vec![AUTH_ID.into()],
        last_changed: "2026-11-24T12:00:00Z".parse().unwrap(),
        reference: "LD-2026-0001".into(),
        status,
        reason,
        received,
    }
}

#[test]
fn a_get_echoes_tasks_and_authorisations_as_received_valid_against_etsis_schema() {
    let etsi = parse_request(LDTASK).unwrap();
    let ours = parse_request(EXAMPLE).unwrap();
    let r6 = parse_request(&request6_https()).unwrap();
    let mut actions = Vec::new();
    for r in [&etsi, &ours, &r6] {
        for a in &r.actions {
            let received = a
                .received
                .clone()
                .unwrap_or_else(|| panic!("received: {a:?}"));
            let outcome = match &a.object {
                Some(Object::LdTask(_)) => Outcome::Got(view(
                    Some(received),
                    TaskStatus::Rejected,
                    Some((Hi1Code::Refused, "not authorised".into())),
                )),
                Some(Object::Authorisation(_)) => Outcome::GotAuthorisation(received),
                other => panic!("{other:?}"),
            };
            actions.push((actions.len().to_string(), outcome));
        }
    }
    actions.push((
        actions.len().to_string(),
        Outcome::Got(view(None, TaskStatus::Disclosed, None)),
    ));
    let xml = response(&ours, actions);
    // The echo carries what was asked, and the point's status after the Reference.
    assert!(xml.contains("<task:Value>31612345678</task:Value>"));
    assert!(xml.contains("<etsi:TCPPort>16000</etsi:TCPPort>"));
    assert!(
        xml.contains(
            "<auth:AuthorisationReference>PL0900-2026123456</auth:AuthorisationReference>"
        )
    );
    let reference = xml
        .find("<task:Reference>LD-2026-0001</task:Reference>")
        .unwrap();
    let status = xml[reference..].find("<task:Status>").unwrap();
    let details = xml[reference..].find("<task:RequestDetails>").unwrap();
    assert!(status < details);
    assert_eq!(xml.matches("<task:StatusReason>").count(), 3);
}

#[test]
fn a_task_resting_on_a_refused_authorisation_in_its_message_is_told_which_and_why() {
    // The authorisation's StartTime has no zone: that action is refused (3004), and the
    // task resting on it names it rather than saying no authorisation was sent.
    let xml = EXAMPLE.replace(
        "<auth:StartTime>2026-11-01T00:00:00Z</auth:StartTime>",
        "<auth:StartTime>2026-11-01T00:00:00</auth:StartTime>",
    );
    let r = parse_request(&xml).unwrap();
    let judged = judge(&r, &|_| None, NOW);
    assert_eq!(failed(&judged[0].1).0, Hi1Code::Invalid);
    let (code, why) = failed(&judged[1].1);
    assert_eq!(code, Hi1Code::NoAuthorisation);
    assert!(
        why.contains("rests on authorisation 7dbbc880-8750-4d3c-abe7-ea4a17646045")
            && why.contains("CREATE (action 0) is refused with 3004"),
        "{why}"
    );
}

#[test]
fn an_action_identifier_that_is_not_a_number_is_answered_for_the_whole_message() {
    // Echoed in the answer, it would make the answer invalid against ETSI's schema.
    let xml = EXAMPLE.replace(
        "<ActionIdentifier>1</ActionIdentifier>",
        "<ActionIdentifier>ACT-XYZ</ActionIdentifier>",
    );
    let e = parse_request(&xml).unwrap_err();
    assert!(e.header.is_some(), "answered with the message-level error");
    let why = e.error.to_string();
    assert!(why.contains("ActionIdentifier that is a number"), "{why}");
    assert!(!why.contains("ACT-XYZ"), "the value is not repeated: {why}");
}

//! Every kind of HI-1 message tdip writes is valid against ETSI's official schema, checked
//! with `xmllint` (Debian's libxml2-utils), and says what tdip decided.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

use tdip_hi1::{
    Body, CORE, Listed, Outcome, Response, TaskStatus, TaskView, code, judge, judge_for,
    parse_request, parse_xml,
};

const LDTASK: &str = include_str!("etsi/ldtask.xml");
const ETSI_RESPONSE: &str = include_str!("etsi/response1.xml");
/// tdip's documented example request (its HI-1 profile).
const EXAMPLE: &str = include_str!("../../../docs/examples/hi1-lookup.xml");

/// `xmllint`'s verdict on `xml` against the official schema: Ok, or its complaint.
fn xmllint(xml: &str) -> Result<(), String> {
    let schema = Path::new(env!("CARGO_MANIFEST_DIR")).join("schema/all.xsd");
    let mut child = Command::new("xmllint")
        .args(["--noout", "--schema"])
        .arg(&schema)
        .arg("-")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("xmllint runs (install Debian's libxml2-utils; .ci/run does)");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(xml.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    if out.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).into_owned())
    }
}

fn valid(xml: &str) {
    if let Err(e) = xmllint(xml) {
        panic!("not valid against TS 103 120:\n{e}\n{xml}");
    }
}

fn respond(request: &str) -> (Vec<(String, Outcome)>, String) {
    let r = parse_request(request).unwrap();
    let actions = judge(&r);
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
    assert_eq!((id.as_str(), *code), ("1", code::FORMAT));
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
        matches!(&actions[1].1, Outcome::Failed { code: c, .. } if *c == code::NO_AUTHORISATION)
    );
    let get = LDTASK
        .replacen("<CREATE>", "<GET>", 1)
        .replacen("</CREATE>", "</GET>", 1);
    let r = parse_request(&get).unwrap();
    assert!(matches!(&judge(&r)[0].1, Outcome::Failed { code: c, .. } if *c == code::VERB));

    // A top-level error; its text is escaped, whatever it holds.
    let r = parse_request(LDTASK).unwrap();
    let xml = Response {
        to: r.header,
        at: "2026-11-24T12:00:00Z".parse().unwrap(),
        body: Body::Error {
            code: code::UNREADABLE,
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
        let actions = judge_for(&r, agency, &catalogue);
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
    assert_eq!(*c, code::REFUSED);
    assert!(
        description.contains("task LD-2026-0001: agency nl/nobody is not authorised"),
        "{description}"
    );
    let no_officer = EXAMPLE.replace("<common:ApprovalType>Requester</common:ApprovalType>", "");
    let out_of_place = respond_for(&no_officer, "nl/politie");
    assert!(
        matches!(&out_of_place[1].1, Outcome::Failed { code: c, .. } if *c == code::PROFILE),
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
                .then(|| (code::REFUSED, "nl/nobody is not authorised".to_owned()));
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

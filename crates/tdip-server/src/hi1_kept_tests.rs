//! What `POST /hi1` keeps and how it answers across messages: an authorisation created
//! alone is kept (GET, LIST) and later tasks rest on it until it ends or is updated; a resend is
//! answered without a second consultation and a clash refused; every refusal is the
//! CREATE's `ErrorInformation` and keeps nothing; a GET returns the task as received with
//! its status; a message whose header can be read is answered in HI-1 even when its
//! actions cannot be, each action judged on its own.

use axum::http::StatusCode;
use tdip_hi1::Hi1Code;

use super::hi1_tests::{EXAMPLE, TASK, get, list, post, text_after, valid};
use super::tests::{deliver, point, state};

/// The example's authorisation.
const AUTH: &str = "7dbbc880-8750-4d3c-abe7-ea4a17646045";

/// The example's header followed by `actions`.
fn message(actions: &str) -> String {
    let header_end = EXAMPLE.find("<Payload>").unwrap();
    format!(
        "{}<Payload><RequestPayload><ActionRequests>{actions}</ActionRequests></RequestPayload>\
         </Payload></HI1Message>",
        &EXAMPLE[..header_end]
    )
}

/// The example's two actions: the authorisation's CREATE and the task's.
fn actions() -> (String, String) {
    let parts: Vec<&str> = EXAMPLE.split("<ActionRequest>").collect();
    let strip = |p: &str| {
        let end = p.find("</ActionRequest>").unwrap();
        format!("<ActionRequest>{}</ActionRequest>", &p[..end])
    };
    (strip(parts[1]), strip(parts[2]))
}

/// The task's CREATE as the only action of a message (action identifier 0).
fn task_alone(task: &str) -> String {
    message(&task.replace(
        "<ActionIdentifier>1</ActionIdentifier>",
        "<ActionIdentifier>0</ActionIdentifier>",
    ))
}

/// How many consultations the audit log holds.
async fn consultations(s: &super::State) -> usize {
    let point = s.point().unwrap();
    tdip_core::audit::entries(point.auditor.store(), 0, u32::MAX)
        .await
        .unwrap()
        .iter()
        .filter_map(|(_, b)| b.as_ref())
        .filter(|b| matches!(b.event, tdip_core::audit::Event::Request { .. }))
        .count()
}

fn code(c: Hi1Code) -> String {
    format!("<ErrorCode>{c}</ErrorCode>")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_authorisation_sent_alone_is_kept_listed_and_rests_later_tasks_until_it_ends() {
    let dir = tempfile::tempdir().unwrap();
    let (data, number) = point(dir.path()).await;
    deliver(&data, &dir.path().join("kpn.csv")).await;
    let s = state(&data).await;
    let (auth, task) = actions();
    let task = task.replace("31612345678", number.trim_start_matches('+'));

    let (_, xml) = post(&s, message(&auth)).await;
    valid(dir.path(), &xml);
    assert_eq!(xml.matches("<CREATEResponse>").count(), 1, "{xml}");

    // GET answers the authorisation as received; LIST names it.
    let (_, xml) = post(&s, get(AUTH)).await;
    valid(dir.path(), &xml);
    assert!(xml.contains("AuthorisationObject"), "{xml}");
    assert!(xml.contains("PL0900-2026123456"), "{xml}");
    assert!(xml.contains("mr. A. de Vries (OvJ)"), "{xml}");
    let (_, xml) = post(&s, list("Authorisation")).await;
    valid(dir.path(), &xml);
    assert_eq!(xml.matches("<ListResponseRecord>").count(), 1, "{xml}");
    assert_eq!(text_after(&xml, "<ListResponseRecord>", "Identifier"), AUTH);

    // A task in a later message rests on it.
    let (_, xml) = post(&s, task_alone(&task)).await;
    valid(dir.path(), &xml);
    assert_eq!(xml.matches("<CREATEResponse>").count(), 1, "{xml}");
    let (_, xml) = post(&s, get(TASK)).await;
    assert!(
        xml.contains("<common:Value>Disclosed</common:Value>"),
        "{xml}"
    );

    // Updated to have ended yesterday: one generation on, and no task rests on it now.
    let ended = auth
        .replace("<CREATE>", "<UPDATE>")
        .replace("</CREATE>", "</UPDATE>")
        .replace("2099-12-31T23:00:00Z", "2026-01-31T23:00:00Z")
        .replace("2026-11-01T00:00:00Z", "2026-01-01T00:00:00Z");
    let (_, xml) = post(&s, message(&ended)).await;
    valid(dir.path(), &xml);
    assert!(xml.contains("<UPDATEResponse>"), "{xml}");
    let (_, xml) = post(&s, list("Authorisation")).await;
    assert_eq!(
        text_after(&xml, "<ListResponseRecord>", "Generation"),
        "2",
        "{xml}"
    );
    let another = task.replace(TASK, "2b36a78b-b628-416d-bd22-000000000002");
    let (_, xml) = post(&s, task_alone(&another)).await;
    valid(dir.path(), &xml);
    assert!(xml.contains(&code(Hi1Code::NotInForce)), "{xml}");
    // The task kept before the update stands as it was answered.
    let (_, xml) = post(&s, get(TASK)).await;
    assert!(
        xml.contains("<common:Value>Disclosed</common:Value>"),
        "{xml}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_task_whose_authorisation_has_not_begun_is_refused_as_not_in_force() {
    let dir = tempfile::tempdir().unwrap();
    let (data, _) = point(dir.path()).await;
    let s = state(&data).await;
    let later = EXAMPLE.replace("2026-11-01T00:00:00Z", "2098-01-01T00:00:00Z");
    let (_, xml) = post(&s, later).await;
    valid(dir.path(), &xml);
    assert!(xml.contains(&code(Hi1Code::NotInForce)), "{xml}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_identical_resend_is_answered_alike_without_a_second_consultation_and_a_clash_refused() {
    let dir = tempfile::tempdir().unwrap();
    let (data, number) = point(dir.path()).await;
    deliver(&data, &dir.path().join("kpn.csv")).await;
    let s = state(&data).await;
    let request = EXAMPLE.replace("31612345678", number.trim_start_matches('+'));
    let (_, first) = post(&s, request.clone()).await;
    assert_eq!(first.matches("<CREATEResponse>").count(), 2, "{first}");
    let logged = consultations(&s).await;
    assert_eq!(logged, 1);

    // The same message again, with other whitespace: the same answer, nothing consulted.
    let (_, again) = post(&s, request.replace("\n        ", "\n")).await;
    valid(dir.path(), &again);
    assert_eq!(again.matches("<CREATEResponse>").count(), 2, "{again}");
    assert_eq!(consultations(&s).await, logged);

    // The task's identifier with another question: refused, and the kept one unchanged.
    let (_, clash) = post(&s, EXAMPLE.replace("31612345678", "31600000001")).await;
    valid(dir.path(), &clash);
    assert_eq!(clash.matches("<CREATEResponse>").count(), 1, "{clash}");
    assert!(clash.contains(&code(Hi1Code::Exists)), "{clash}");
    assert_eq!(consultations(&s).await, logged);
    let (_, xml) = post(&s, get(TASK)).await;
    assert!(xml.contains(number.trim_start_matches('+')), "{xml}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_refused_create_is_answered_with_error_information_and_keeps_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let (data, _) = point(dir.path()).await;
    let s = state(&data).await;
    // Refused at consultation (an officer nobody registered), by the catalogue (a basis
    // the agency does not hold), and by the reader (a number that is not one).
    for (case, (request, refusal, names)) in [
        (
            EXAMPLE.replace(">T-1<", ">NOBODY<"),
            Hi1Code::Refused,
            "NOBODY",
        ),
        (
            EXAMPLE.replace("nl/sv-126n<", "nl/wiv-56<"),
            Hi1Code::Refused,
            "nl/wiv-56",
        ),
        (
            EXAMPLE.replace("31612345678", "3161234567890123"),
            Hi1Code::Invalid,
            "InternationalE164",
        ),
    ]
    .into_iter()
    .enumerate()
    {
        // Each case under an authorisation of its own: one identifier, one content.
        let request = request.replace(AUTH, &format!("7dbbc880-8750-4d3c-abe7-00000000000{case}"));
        let (status, xml) = post(&s, request).await;
        assert_eq!(status, StatusCode::OK);
        valid(dir.path(), &xml);
        assert_eq!(xml.matches("<CREATEResponse>").count(), 1, "{xml}");
        assert!(xml.contains(&code(refusal)), "{xml}");
        assert!(xml.contains(names), "{xml}");
        let (_, xml) = post(&s, get(TASK)).await;
        assert!(xml.contains(&code(Hi1Code::UnknownObject)), "{xml}");
        let (_, xml) = post(&s, list("LDTask")).await;
        assert_eq!(xml.matches("<ListResponseRecord>").count(), 0, "{xml}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_get_returns_the_task_as_received_with_its_status() {
    let dir = tempfile::tempdir().unwrap();
    let (data, _) = point(dir.path()).await;
    let s = state(&data).await;
    let (_, xml) = post(&s, EXAMPLE.clone()).await;
    assert_eq!(xml.matches("<CREATEResponse>").count(), 2, "{xml}");
    let (_, xml) = post(&s, get(TASK)).await;
    valid(dir.path(), &xml);
    let object = &xml[xml.find("<HI1Object").unwrap()..];
    for part in [
        "<CountryCode>XX</CountryCode>",
        "<OwnerIdentifier>ACTOR01</OwnerIdentifier>",
        "LD-2026-0001",
        "DesiredStatus",
        "AwaitingDisclosure",
        "RequestDetails",
        "SubscriberData",
        "2026-11-02T11:00:00Z",
        "31612345678",
        "DisclosureNotAvailable",
    ] {
        assert!(object.contains(part), "{part} in {object}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_readable_header_gets_an_hi1_answer_and_one_bad_action_does_not_sink_the_others() {
    let dir = tempfile::tempdir().unwrap();
    let (data, _) = point(dir.path()).await;
    let s = state(&data).await;
    // A moment without a zone: that task is refused, the authorisation still created.
    let (status, xml) = post(
        &s,
        EXAMPLE.replace("2026-11-02T11:00:00Z", "2026-11-02T11:00:00"),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    valid(dir.path(), &xml);
    assert_eq!(xml.matches("<CREATEResponse>").count(), 1, "{xml}");
    assert!(xml.contains("ObservedTime"), "{xml}");
    let (_, xml) = post(&s, get(AUTH)).await;
    assert!(xml.contains("AuthorisationObject"), "{xml}");

    // No actions at all: ETSI's message-level ErrorInformation, to the sender.
    let (status, xml) = post(&s, message("")).await;
    assert_eq!(status, StatusCode::OK, "{xml}");
    valid(dir.path(), &xml);
    assert!(!xml.contains("<ActionResponses>"), "{xml}");
    assert!(xml.contains(&code(Hi1Code::Unreadable)), "{xml}");
    assert!(
        xml.contains("<UniqueIdentifier>ACTOR01</UniqueIdentifier>"),
        "{xml}"
    );

    // Not HI-1 at all: no header to answer to, so the API's error shape.
    let (status, text) = post(&s, "<not-hi1/>".into()).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(super::tests::json(&text)["code"], "bad-request");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn observed_times_are_one_consultation_each_and_their_records_one_delivery() {
    let dir = tempfile::tempdir().unwrap();
    let (data, number) = point(dir.path()).await;
    deliver(&data, &dir.path().join("kpn.csv")).await;
    let s = state(&data).await;
    let times = "<task:ObservedTimes>2026-11-02T11:00:00Z</task:ObservedTimes>\
                 <task:ObservedTimes>2026-11-02T12:30:00+01:00</task:ObservedTimes>";
    let request = EXAMPLE
        .replace("31612345678", number.trim_start_matches('+'))
        .replace(
            "<task:ObservedTime>2026-11-02T11:00:00Z</task:ObservedTime>",
            times,
        );
    let (_, xml) = post(&s, request).await;
    valid(dir.path(), &xml);
    assert_eq!(xml.matches("<CREATEResponse>").count(), 2, "{xml}");
    assert_eq!(consultations(&s).await, 2);
    let (_, xml) = post(&s, get(TASK)).await;
    assert!(
        xml.contains("<common:Value>Disclosed</common:Value>"),
        "{xml}"
    );
    // The task as received names both moments (in UTC, as tdip read them).
    assert!(xml.contains("2026-11-02T11:30:00Z"), "{xml}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_destination_asking_tdips_own_records_gets_them_and_the_default_needs_no_tdip_schema() {
    let dir = tempfile::tempdir().unwrap();
    let (data, number) = point(dir.path()).await;
    deliver(&data, &dir.path().join("kpn.csv")).await;
    let s = state(&data).await;
    let own = EXAMPLE
        .replace("31612345678", number.trim_start_matches('+'))
        .replace(
            "</task:RequestDetails>",
            "</task:RequestDetails><task:DeliveryDetails><task:LDDeliveryDestination>\
             <task:LDHandoverFormat><common:Owner>tdip</common:Owner>\
             <common:Name>RecordFormat</common:Name><common:Value>tdip-records-1</common:Value>\
             </task:LDHandoverFormat></task:LDDeliveryDestination></task:DeliveryDetails>",
        );
    let (_, xml) = post(&s, own).await;
    assert_eq!(xml.matches("<CREATEResponse>").count(), 2, "{xml}");
    let (_, xml) = post(&s, list("Delivery")).await;
    let delivery = text_after(&xml, "<ListResponseRecord>", "Identifier").to_owned();
    let (_, xml) = post(&s, get(&delivery)).await;
    assert!(xml.contains("<delivery:XMLData>"), "{xml}");
    assert!(xml.contains("urn:tdip:records:1"), "{xml}");
    super::hi1_tests::valid_with(dir.path(), "all-tdip.xsd", &xml);
    // ETSI's schema alone refuses tdip's payload (its wildcard is strict): that is why it
    // is not the default.
    assert!(super::hi1_tests::check(dir.path(), "all.xsd", &xml).is_err());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_same_create_sent_many_times_at_once_is_consulted_once() {
    let dir = tempfile::tempdir().unwrap();
    let (data, number) = point(dir.path()).await;
    deliver(&data, &dir.path().join("kpn.csv")).await;
    let s = state(&data).await;
    let request = EXAMPLE.replace("31612345678", number.trim_start_matches('+'));
    let sends: Vec<_> = (0..8)
        .map(|_| {
            let (s, body) = (s.clone(), request.clone());
            tokio::spawn(async move { post(&s, body).await })
        })
        .collect();
    let mut created = 0;
    for send in sends {
        let (status, xml) = send.await.unwrap();
        assert_eq!(status, StatusCode::OK, "{xml}");
        // Each answer creates the task, or says it is in flight (then a resend is Identical).
        let task = &xml[xml.find("<ActionIdentifier>1</ActionIdentifier>").unwrap()..];
        if task.contains("<CREATEResponse>") {
            created += 1;
        } else {
            assert!(
                task.contains(&code(Hi1Code::Exists)) && task.contains("right now"),
                "{xml}"
            );
        }
    }
    assert!(created >= 1);
    assert_eq!(
        consultations(&s).await,
        1,
        "consulted once, however many sends at once"
    );
    let (_, xml) = post(&s, get(TASK)).await;
    assert!(
        xml.contains("<common:Value>Disclosed</common:Value>"),
        "{xml}"
    );
}

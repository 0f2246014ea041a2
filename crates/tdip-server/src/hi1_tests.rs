//! `POST /hi1` without a socket: a CREATE of an authorisation and task is consulted and
//! logged, the task's status and its delivery are fetched with GET and LIST, refusals and
//! other senders' objects are answered as HI-1 errors, and every response is valid against
//! ETSI's schema alone by `xmllint`.

use std::path::Path;

use axum::http::StatusCode;
use tdip_hi1::Hi1Code;

use super::tests::{From, POLITIE, call, deliver, json, point, state};

/// tdip's example request, its authorisation in force whenever the tests run (the
/// example's own ends on 2026-12-31).
pub(super) static EXAMPLE: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    include_str!("../../../docs/examples/hi1-lookup.xml")
        .replace("2026-12-31T23:00:00Z", "2099-12-31T23:00:00Z")
});
/// tdip's HI-1 schema directory: ETSI's modules (`all.xsd`), and with tdip's own records
/// (`all-tdip.xsd`).
const SCHEMAS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../tdip-hi1/schema");
pub(super) const TASK: &str = "2b36a78b-b628-416d-bd22-404e68a0cd36";

/// Runs `xmllint` on a response against ETSI's schema alone; panics with its complaint if
/// it refuses it (the default deliveries need no schema of tdip's).
pub(super) fn valid(dir: &Path, xml: &str) {
    valid_with(dir, "all.xsd", xml);
}

/// As [`valid`], against `schema` in tdip-hi1's schema directory.
pub(super) fn valid_with(dir: &Path, schema: &str, xml: &str) {
    if let Err(e) = check(dir, schema, xml) {
        panic!("{e}\n{xml}");
    }
}

/// `xmllint`'s verdict on `xml` against `schema`.
pub(super) fn check(dir: &Path, schema: &str, xml: &str) -> Result<(), String> {
    let file = dir.join("response.xml");
    std::fs::write(&file, xml).unwrap();
    let out = std::process::Command::new("xmllint")
        .args(["--noout", "--schema"])
        .arg(format!("{SCHEMAS}/{schema}"))
        .arg(&file)
        .output()
        .expect("xmllint runs (install Debian's libxml2-utils; .ci/run does)");
    if out.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).into_owned())
    }
}

/// `POST /hi1` of `body` as the tests' agency system (nl/politie's certificate).
pub(super) async fn post(s: &std::sync::Arc<crate::State>, body: String) -> (StatusCode, String) {
    call(s, "POST", "/hi1", From::Certificate(POLITIE), Some(body)).await
}

/// The example request's header followed by `actions`.
fn message(actions: &str) -> String {
    let header_end = EXAMPLE.find("<Payload>").unwrap();
    format!(
        "{}<Payload><RequestPayload><ActionRequests>{actions}</ActionRequests></RequestPayload>\
         </Payload></HI1Message>",
        &EXAMPLE[..header_end]
    )
}

pub(super) fn get(id: &str) -> String {
    message(&format!(
        "<ActionRequest><ActionIdentifier>0</ActionIdentifier><GET><Identifier>{id}</Identifier>\
         </GET></ActionRequest>"
    ))
}

pub(super) fn list(kind: &str) -> String {
    message(&format!(
        "<ActionRequest><ActionIdentifier>0</ActionIdentifier><LIST><ObjectType>\
         <common:Owner>ETSI</common:Owner><common:Name>ObjectType</common:Name>\
         <common:Value>{kind}</common:Value></ObjectType></LIST></ActionRequest>"
    ))
}

/// The text of the first `<name>` after `after` in `xml`.
pub(super) fn text_after<'a>(xml: &'a str, after: &str, name: &str) -> &'a str {
    let rest = &xml[xml
        .find(after)
        .unwrap_or_else(|| panic!("{after} in {xml}"))..];
    let open = format!("<{name}>");
    let start = rest
        .find(&open)
        .unwrap_or_else(|| panic!("{name} in {rest}"))
        + open.len();
    &rest[start..start + rest[start..].find('<').unwrap()]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_hi1_task_is_consulted_and_its_delivery_fetched_with_get_and_list() {
    let dir = tempfile::tempdir().unwrap();
    let (data, number) = point(dir.path()).await;
    deliver(&data, &dir.path().join("kpn.csv")).await;
    let s = state(&data).await;
    let e164 = number.trim_start_matches('+');
    let request = EXAMPLE.replace("31612345678", e164);
    let post = |body: String| {
        let s = s.clone();
        async move { call(&s, "POST", "/hi1", From::Certificate(POLITIE), Some(body)).await }
    };

    // CREATE: both objects created; the response is valid HI-1.
    let (status, xml) = post(request.clone()).await;
    assert_eq!(status, StatusCode::OK, "{xml}");
    assert_eq!(xml.matches("<CREATEResponse>").count(), 2, "{xml}");
    valid(dir.path(), &xml);

    // GET of the task: disclosed.
    let (_, xml) = post(get(TASK)).await;
    valid(dir.path(), &xml);
    assert!(
        xml.contains("<common:Value>Disclosed</common:Value>"),
        "{xml}"
    );

    // LIST of deliveries names the one made; GET of it holds the record with the number.
    let (_, xml) = post(list("Delivery")).await;
    valid(dir.path(), &xml);
    assert_eq!(xml.matches("<ListResponseRecord>").count(), 1, "{xml}");
    let delivery = text_after(&xml, "<ListResponseRecord>", "Identifier").to_owned();
    let (_, xml) = post(get(&delivery)).await;
    valid(dir.path(), &xml);
    assert!(xml.contains("delivery:DeliveryObject"), "{xml}");
    assert!(xml.contains("LD-2026-0001"), "{xml}");
    // The records travel as TS 102 657 in BinaryData: not in the message in the clear.
    assert!(!xml.contains(e164), "{xml}");
    let records = payload(&xml);
    assert!(
        records.contains(e164),
        "the record holds the number asked about: {records}"
    );

    // Another agency's system sees none of it.
    std::fs::write(
        data.join("clients.toml"),
        format!(
            "[[client]]\nname = \"P\"\nfingerprint = \"{POLITIE}\"\nagency = \"nl/politie\"\n\
             [[client]]\nname = \"F\"\nfingerprint = \"{}\"\nagency = \"nl/fiod\"\n",
            "33cc".repeat(16)
        ),
    )
    .unwrap();
    // An edit of clients.toml is adopted before the service is started on it.
    super::tests::adopt_clients(&data).await;
    let s2 = state(&data).await;
    let fiod = "33cc".repeat(16);
    let (_, xml) = call(
        &s2,
        "POST",
        "/hi1",
        From::Certificate(&fiod),
        Some(get(TASK)),
    )
    .await;
    valid(dir.path(), &xml);
    let unknown = format!("<ErrorCode>{}</ErrorCode>", Hi1Code::UnknownObject);
    assert!(xml.contains(&unknown), "{xml}");

    // The consultation was logged as HI-1's: the audit log's request entry says so.
    let point = s.point().unwrap();
    let entries = tdip_core::audit::entries(point.auditor.store(), 0, 100)
        .await
        .unwrap();
    let hi1 = entries
        .iter()
        .filter_map(|(_, b)| b.as_ref())
        .filter(|b| b.event.to_json().to_string().contains("\"hi1\""))
        .count();
    assert!(hi1 >= 1, "no HI-1 consultation in the log");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_task_nobody_holds_the_identifier_of_is_disclosure_not_available() {
    let dir = tempfile::tempdir().unwrap();
    let (data, _) = point(dir.path()).await;
    let s = state(&data).await;
    let post = |body: String| {
        let s = s.clone();
        async move { call(&s, "POST", "/hi1", From::Certificate(POLITIE), Some(body)).await }
    };

    // Nothing delivered: the task is created, and disclosure is not available.
    let (_, xml) = post(EXAMPLE.to_owned()).await;
    valid(dir.path(), &xml);
    let (_, xml) = post(get(TASK)).await;
    valid(dir.path(), &xml);
    assert!(xml.contains("DisclosureNotAvailable"), "{xml}");

    // Not HI-1 at all: the API's error shape.
    let (status, text) = post("<not-hi1/>".into()).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(json(&text)["code"], "bad-request");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn etsis_own_ldtask_example_is_answered_with_a_precise_refusal_of_its_task() {
    const LDTASK: &str = include_str!("../../tdip-hi1/tests/etsi/ldtask.xml");
    let dir = tempfile::tempdir().unwrap();
    let (data, _) = point(dir.path()).await;
    let s = state(&data).await;
    let (status, xml) = call(
        &s,
        "POST",
        "/hi1",
        From::Certificate(POLITIE),
        Some(LDTASK.into()),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{xml}");
    valid(dir.path(), &xml);
    // The authorisation is created; its task is refused, as it ended in 2015.
    assert_eq!(xml.matches("<CREATEResponse>").count(), 1, "{xml}");
    let ended = format!("<ErrorCode>{}</ErrorCode>", Hi1Code::NotInForce);
    assert!(xml.contains(&ended), "{xml}");
    assert!(xml.contains("until 2015-12-01T12:00:00Z"), "{xml}");

    // In force (under new identifiers): the task asks for a cell identity, which is
    // location data, not the subscriber data tdip holds.
    let in_force = LDTASK
        .replace(
            "2015-12-01T12:00:00Z</auth:EndTime>",
            "2099-12-01T12:00:00Z</auth:EndTime>",
        )
        .replace(
            "7dbbc880-8750-4d3c-abe7-ea4a17646045",
            "7dbbc880-8750-4d3c-abe7-000000000099",
        );
    let (_, xml) = call(
        &s,
        "POST",
        "/hi1",
        From::Certificate(POLITIE),
        Some(in_force),
    )
    .await;
    valid(dir.path(), &xml);
    let format = format!("<ErrorCode>{}</ErrorCode>", Hi1Code::Format);
    assert!(xml.contains(&format), "{xml}");
    assert!(xml.contains("NRCellIdentity"), "{xml}");
}

/// The records of a delivery a GET answered: its TS 102 657 document, decoded from
/// `BinaryData` and checked against its `Checksum`.
pub(super) fn payload(xml: &str) -> String {
    use base64::Engine as _;
    use sha2::Digest as _;
    let data = text_after(xml, "<delivery:BinaryData>", "delivery:Data");
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(data.trim())
        .unwrap();
    let checksum = text_after(xml, "<delivery:BinaryData>", "delivery:Checksum");
    assert_eq!(hex::encode(sha2::Sha256::digest(&bytes)), checksum);
    String::from_utf8(bytes).unwrap()
}

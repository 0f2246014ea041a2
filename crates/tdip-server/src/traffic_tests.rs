//! Retained traffic data through the JSON API: a provider's batch streamed in (applied
//! once however often it is sent), the batch log, and "who used this address and port
//! then" answered down to the subscriber for an agency — refused, logged, under a basis
//! that does not permit traffic data, and refused at `/v1/lookups`.

use axum::http::StatusCode;
use serde_json::json;

use super::tests::{From, POLITIE, SEED, call, deliver, json, point, refusal_logged, state};
use tdip_point::callers::Role;

/// kpn's CGNAT assignments of day 0 for the population `point` delivers.
fn cgnat() -> String {
    let population = tdip_gen::GenConfig::new("kpn", tdip_gen::Country::Nl, 200, SEED);
    let cfg = tdip_gen::TrafficGenConfig::new(population);
    let mut out = Vec::new();
    tdip_gen::write_cgnat_csv(&cfg, &mut out).unwrap();
    String::from_utf8(out).unwrap()
}

/// The first closed assignment with a user id: (address, a port of it, a moment inside
/// it, the user id).
fn sample(csv_text: &str) -> (String, u16, String, String) {
    let mut reader = csv::Reader::from_reader(csv_text.as_bytes());
    let h: Vec<String> = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_owned)
        .collect();
    let col = |n: &str| h.iter().position(|c| c == n).unwrap();
    for r in reader.records() {
        let r = r.unwrap();
        if r[col("end")].is_empty() || r[col("user_id")].is_empty() {
            continue;
        }
        let start: jiff::Timestamp = r[col("start")].parse().unwrap();
        let end: jiff::Timestamp = r[col("end")].parse().unwrap();
        let at = jiff::Timestamp::from_second((start.as_second() + end.as_second()) / 2).unwrap();
        let port: u16 = r[col("first_port")].parse().unwrap();
        return (
            r[col("public_ip")].to_owned(),
            port + 1,
            at.to_string(),
            r[col("user_id")].to_owned(),
        );
    }
    panic!("no closed assignment with a user id");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_batch_streamed_in_is_applied_once_and_an_address_and_port_lead_to_the_subscriber() {
    let dir = tempfile::tempdir().unwrap();
    let (data, _) = point(dir.path()).await;
    super::tests::generate("kpn", 200, &dir.path().join("kpn.csv"));
    deliver(&data, &dir.path().join("kpn.csv")).await;
    let kpn =
        super::tests::change_tokens(&data, |t| t.issue("KPN", Role::Provider("kpn".into()), 0))
            .await;
    let s = state(&data).await;
    let batch = cgnat();
    let upload = "/v1/traffic/batches?kind=cgnat&batch=nat1-day0";

    // An agency delivers nothing.
    let (status, _) = call(
        &s,
        "POST",
        upload,
        From::Certificate(POLITIE),
        Some(batch.clone()),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // The provider's batch: accepted, then the same bytes again: already applied.
    let (status, text) = call(&s, "POST", upload, From::Token(&kpn), Some(batch.clone())).await;
    assert_eq!(status, StatusCode::OK, "{text}");
    let report = json(&text);
    assert_eq!(report["batch"], "accepted", "{text}");
    assert!(report["records"].as_u64().unwrap() > 50, "{text}");
    let (status, text) = call(&s, "POST", upload, From::Token(&kpn), Some(batch.clone())).await;
    assert_eq!(
        (status, json(&text)["batch"].clone()),
        (StatusCode::OK, json!("already-applied"))
    );
    // A bad record: 422 with its line and field, and nothing more in the log.
    let bad = "public_ip,first_port,last_port,private_ip,user_id,start,end\n\
               198.51.100.7,2000,1000,,u1,2026-11-01T10:00:00Z,2026-11-01T11:00:00Z\n";
    let (status, text) = call(
        &s,
        "POST",
        "/v1/traffic/batches?kind=cgnat&batch=bad-1",
        From::Token(&kpn),
        Some(bad.into()),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{text}");
    let errors = &json(&text)["errors"];
    assert_eq!(
        (errors[0]["line"].clone(), errors[0]["field"].clone()),
        (json!(2), json!("last_port")),
        "{text}"
    );
    let (status, text) = call(&s, "GET", "/v1/traffic/batches", From::Token(&kpn), None).await;
    assert_eq!(status, StatusCode::OK);
    let outcomes: Vec<String> = json(&text)
        .as_array()
        .unwrap()
        .iter()
        .map(|b| {
            format!(
                "{} {}",
                b["batch"].as_str().unwrap(),
                b["outcome"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(outcomes, ["bad-1 rejected", "nat1-day0 accepted"]);

    // Who used the address and port then: the assignment, the user id, the subscriber.
    let (ip, port, at, user) = sample(&batch);
    let ask = |basis: &str| {
        json!({"ip": ip, "port": port, "at": at, "officer": "T-1", "basis": basis,
               "authorised_by": "mr. A. de Vries", "case": "TEST-1"})
        .to_string()
    };
    let (status, text) = call(
        &s,
        "POST",
        "/v1/traffic/lookups",
        From::Certificate(POLITIE),
        Some(ask("nl/sv-126n")),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{text}");
    let a = json(&text);
    assert_eq!(a["category"], "traffic_identification");
    let c = &a["candidates"][0];
    assert_eq!(c["user_id"], user.as_str(), "{text}");
    assert_eq!(c["assignment"]["source"]["batch"], "nat1-day0");
    let held = &c["subscribers"][0]["subscription"]["user_id"];
    assert!(
        held.as_array().unwrap().iter().any(|u| u == user.as_str()),
        "{text}"
    );
    assert_eq!(a["candidates"].as_array().unwrap().len(), 1);

    // Under a user-data basis: refused, and the refusal is in the log.
    let (status, text) = call(
        &s,
        "POST",
        "/v1/traffic/lookups",
        From::Certificate(POLITIE),
        Some(ask("nl/sv-126na")),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{text}");
    let refused = json(&text);
    assert_eq!(refused["code"], "category-not-permitted");
    let consultation = refused["consultation"].as_str().unwrap();
    assert_eq!(
        refusal_logged(&s, consultation).await.as_deref(),
        Some("category-not-permitted")
    );
    // The subscriber endpoint does not take a port: it says where to ask.
    let (status, text) = call(
        &s,
        "POST",
        "/v1/lookups",
        From::Certificate(POLITIE),
        Some(ask("nl/sv-126n")),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{text}");
    assert!(
        json(&text)["message"]
            .as_str()
            .unwrap()
            .contains("/v1/traffic/lookups"),
        "{text}"
    );
}

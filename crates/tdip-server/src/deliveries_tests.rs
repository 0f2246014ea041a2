//! Deliveries through the API without a socket: a provider's file streamed in and
//! answered with its report, a file with a bad row rejected whole with the row's line and
//! field and nothing changed, other callers refused, and a sealed point's delivery spooled
//! and applied when the operator unseals it.

use std::path::Path;

use axum::http::StatusCode;
use serde_json::Value;

use super::tests::{From, POLITIE, call, json, point, state};
use tdip_point::callers::Role;

async fn token(data: &Path, name: &str, role: Role) -> String {
    super::tests::change_tokens(data, |tokens| tokens.issue(name, role, 0)).await
}

const UPLOAD: &str = "/v1/deliveries?snapshot_at=2026-11-02T00:00:00Z&format=csv";

fn lookup(number: &str) -> String {
    serde_json::json!({"msisdn": number, "officer": "T-1", "basis": "nl/sv-126na", "case": "C-1"})
        .to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_provider_delivers_through_the_api_and_a_bad_row_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let (data, number) = point(dir.path()).await;
    let file = std::fs::read_to_string(dir.path().join("kpn.csv")).unwrap();
    let kpn = token(&data, "KPN", Role::Provider("kpn".into())).await;
    let s = state(&data).await;

    // An agency cannot deliver.
    let (status, _) = call(
        &s,
        "POST",
        UPLOAD,
        From::Certificate(POLITIE),
        Some(file.clone()),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    let (status, text) = call(&s, "POST", UPLOAD, From::Token(&kpn), Some(file.clone())).await;
    assert_eq!(status, StatusCode::OK, "{text}");
    let report = json(&text);
    assert_eq!(report["delivery"], "accepted", "{text}");
    assert_eq!(report["rows"], 20);
    let (_, answer) = call(
        &s,
        "POST",
        "/v1/lookups",
        From::Certificate(POLITIE),
        Some(lookup(&number)),
    )
    .await;
    assert_eq!(
        json(&answer)["hits"].as_array().unwrap().len(),
        1,
        "{answer}"
    );

    // The next day's file with one bad phone number on line 4: rejected whole.
    let mut lines: Vec<String> = file.lines().map(str::to_owned).collect();
    let header: Vec<&str> = lines[0].split(',').collect();
    let col = header.iter().position(|h| *h == "msisdn").unwrap();
    let mut row: Vec<String> = lines[3].split(',').map(str::to_owned).collect();
    row[col] = "12ab".into();
    lines[3] = row.join(",");
    let bad = lines.join("\n") + "\n";
    let next_day = UPLOAD.replace("2026-11-02", "2026-11-03");
    let (status, text) = call(&s, "POST", &next_day, From::Token(&kpn), Some(bad)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{text}");
    let report = json(&text);
    let errors = report["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1, "{text}");
    assert_eq!(errors[0]["line"], 4, "{text}");
    assert_eq!(errors[0]["field"], "msisdn", "{text}");
    assert!(
        !text.contains("12ab"),
        "the report never repeats the value: {text}"
    );

    // Nothing changed: the same answer, and the log shows one accepted delivery.
    let (_, again) = call(
        &s,
        "POST",
        "/v1/lookups",
        From::Certificate(POLITIE),
        Some(lookup(&number)),
    )
    .await;
    assert_eq!(json(&again)["hits"], json(&answer)["hits"]);
    let (status, text) = call(&s, "GET", "/v1/deliveries", From::Token(&kpn), None).await;
    assert_eq!(status, StatusCode::OK, "{text}");
    let outcomes: Vec<Value> = json(&text)["deliveries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["outcome"].clone())
        .collect();
    assert_eq!(outcomes, ["rejected", "accepted"], "{text}");

    // Bad parameters are refused before a byte is kept.
    let (status, text) = call(
        &s,
        "POST",
        "/v1/deliveries?snapshot_at=2027-03-28%2002:30:00&format=csv",
        From::Token(&kpn),
        Some(file),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(text.contains("snapshot_at"), "{text}");
    assert!(
        tdip_point::point::spool(&data)
            .entries()
            .unwrap()
            .is_empty()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sealed_point_spools_a_delivery_and_applies_it_when_unsealed() {
    let dir = tempfile::tempdir().unwrap();
    let (data, shares) = (dir.path().join("data"), dir.path().join("shares"));
    super::tests::init_custodians(&data, 2, 2, &shares).await;
    let file = dir.path().join("kpn.csv");
    super::tests::populate(&data, &file).await;
    let number = super::tests::first_msisdn(&file);
    let kpn = token(&data, "KPN", Role::Provider("kpn".into())).await;
    let operator = token(&data, "Operator", Role::Operator).await;
    let s = state(&data).await;

    let body = std::fs::read_to_string(&file).unwrap();
    let (status, text) = call(&s, "POST", UPLOAD, From::Token(&kpn), Some(body.clone())).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{text}");
    assert_eq!(json(&text)["delivery"], "spooled");
    // Spooled encrypted: the file's numbers are nowhere in the spool in clear.
    for entry in std::fs::read_dir(data.join("spool")).unwrap() {
        let bytes = std::fs::read(entry.unwrap().path()).unwrap();
        let text = String::from_utf8_lossy(&bytes);
        assert!(!text.contains(number.trim_start_matches('+')));
    }

    for share in std::fs::read_dir(&shares).unwrap() {
        let text = std::fs::read_to_string(share.unwrap().path()).unwrap();
        let body = serde_json::json!({ "share": text }).to_string();
        let (status, _) = call(&s, "POST", "/v1/unseal", From::Token(&operator), Some(body)).await;
        assert_eq!(status, StatusCode::OK);
    }
    assert!(
        tdip_point::point::spool(&data)
            .entries()
            .unwrap()
            .is_empty()
    );
    let (_, answer) = call(
        &s,
        "POST",
        "/v1/lookups",
        From::Certificate(POLITIE),
        Some(lookup(&number)),
    )
    .await;
    assert_eq!(
        json(&answer)["hits"].as_array().unwrap().len(),
        1,
        "{answer}"
    );
}

/// A provider's caller whose provider the store does not know is refused as the caller's
/// standing (403 `forbidden`, as an upload is), not as a request that cannot be read.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_log_of_a_provider_the_store_does_not_know_is_forbidden() {
    let dir = tempfile::tempdir().unwrap();
    let (data, _) = point(dir.path()).await;
    let ghost = token(&data, "Ghost", Role::Provider("ghost".into())).await;
    let s = state(&data).await;
    let (status, text) = call(&s, "GET", "/v1/deliveries", From::Token(&ghost), None).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{text}");
    assert_eq!(json(&text)["code"], "forbidden", "{text}");
    assert!(text.contains("not registered"), "{text}");
}

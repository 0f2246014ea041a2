//! A Belgian agency through the API and HI-1: its number finds the Belgian subscriber
//! and not a Dutch one with the same digits, and the answer (the JSON answer, each record
//! of an HI-1 delivery) states the identifier searched.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use axum::http::StatusCode;
use serde_json::json;

use super::State;
use super::hi1_tests::{EXAMPLE, TASK, get, list, text_after, valid};
use super::tests::{From, add_officer, add_provider, call, deliver_as, init_dev, state};

/// The fingerprint the tests' Belgian agency certificate is listed under.
const FEDERALE: &str = "44dd44dd44dd44dd44dd44dd44dd44dd44dd44dd44dd44dd44dd44dd44dd44dd";

/// A dev-key point where kpn (NL) delivers de Boer, +31470123456, and proximus (BE)
/// Peeters, 0470 12 34 56; officer T-1 of be/federale-politie, whose certificate is
/// [`FEDERALE`].
async fn point(dir: &Path) -> (PathBuf, Arc<State>) {
    let data = dir.join("data");
    init_dev(&data).await;
    let rows = [
        (
            "kpn",
            "NL",
            "K1,mobile,+31470123456,de Boer,2024-01-01T00:00:00Z",
        ),
        (
            "proximus",
            "BE",
            "P1,mobile,0470 12 34 56,Peeters,2024-01-01T00:00:00Z",
        ),
    ];
    for (id, country, row) in rows {
        add_provider(&data, id, id, country).await;
        let file = dir.join(format!("{id}.csv"));
        let csv = format!("subscription_id,service,msisdn,surname,subscription_start\n{row}\n");
        std::fs::write(&file, csv).unwrap();
        deliver_as(&data, id, "2026-11-01T23:00:00Z", &file).await;
    }
    add_officer(&data, "be/federale-politie", "T-1").await;
    std::fs::write(
        data.join("clients.toml"),
        format!(
            "[[client]]\nname = \"FGP\"\nfingerprint = \"{FEDERALE}\"\nagency = \"be/federale-politie\"\n"
        ),
    )
    .unwrap();
    let s = state(&data).await;
    (data, s)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_belgian_agencys_national_number_finds_the_belgian_subscriber_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let (_, s) = point(dir.path()).await;
    let body = json!({"msisdn": "0470 12 34 56", "at": "2026-11-02 12:00:00", "officer": "T-1",
        "basis": "be/sv-46bis", "case": "BE-1", "authorised_by": "procureur des Konings"});
    let (status, text) = call(
        &s,
        "POST",
        "/v1/lookups",
        From::Certificate(FEDERALE),
        Some(body.to_string()),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{text}");
    let answer: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(
        answer["searched"],
        json!({"kind": "msisdn", "value": "+32470123456"})
    );
    let hits = answer["hits"].as_array().unwrap();
    assert_eq!(hits.len(), 1, "{text}");
    assert_eq!(hits[0]["provider"], "proximus", "{text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_belgian_task_finds_the_belgian_subscriber_and_its_records_state_what_was_searched() {
    let dir = tempfile::tempdir().unwrap();
    let (_, s) = point(dir.path()).await;
    let post = |body: String| {
        let s = s.clone();
        async move { call(&s, "POST", "/hi1", From::Certificate(FEDERALE), Some(body)).await }
    };

    let request = EXAMPLE
        .replace("nl/sv-126n", "be/sv-46bis")
        .replace("31612345678", "32470123456");
    let (status, xml) = post(request).await;
    assert_eq!(status, StatusCode::OK, "{xml}");
    assert_eq!(xml.matches("<CREATEResponse>").count(), 2, "{xml}");
    let (_, xml) = post(get(TASK)).await;
    assert!(
        xml.contains("<common:Value>Disclosed</common:Value>"),
        "{xml}"
    );
    let (_, xml) = post(list("Delivery")).await;
    let delivery = text_after(&xml, "<ListResponseRecord>", "Identifier").to_owned();
    let (_, xml) = post(get(&delivery)).await;
    valid(dir.path(), &xml);
    let records = super::hi1_tests::payload(&xml);
    assert_eq!(records.matches("<ResponseRecord>").count(), 1, "{records}");
    assert!(
        records.contains("<tdip:requestValue>+32470123456</tdip:requestValue>"),
        "{records}"
    );
    assert!(
        records.contains("<tdip:provider>proximus</tdip:provider>"),
        "{records}"
    );
    assert!(
        !records.contains("kpn") && !records.contains("de Boer"),
        "{records}"
    );
}

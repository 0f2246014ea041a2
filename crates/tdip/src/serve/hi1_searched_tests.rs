//! `POST /hi1` for a Belgian agency: the task's number finds the Belgian subscriber and
//! not a Dutch one with the same digits, and each record of the delivery states the
//! identifier searched.

use axum::http::StatusCode;

use super::hi1_tests::{EXAMPLE, TASK, get, list, text_after, valid};
use super::tests::{From, call, state, tdip};

/// The fingerprint the tests' Belgian agency certificate is listed under.
const FEDERALE: &str = "44dd44dd44dd44dd44dd44dd44dd44dd44dd44dd44dd44dd44dd44dd44dd44dd";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_belgian_task_finds_the_belgian_subscriber_and_its_records_state_what_was_searched() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    tdip(&data, &["init", "--dev-key"]).await;
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
        tdip(
            &data,
            &["providers", "add", id, "--name", id, "--country", country],
        )
        .await;
        let file = dir.path().join(format!("{id}.csv"));
        let csv = format!("subscription_id,service,msisdn,surname,subscription_start\n{row}\n");
        std::fs::write(&file, csv).unwrap();
        let file = file.to_str().unwrap();
        let at = "2026-11-01T23:00:00Z";
        tdip(
            &data,
            &["deliver", "--provider", id, "--snapshot-at", at, file],
        )
        .await;
    }
    let officer = [
        "officers",
        "add",
        "--agency",
        "be/federale-politie",
        "--officer",
        "T-1",
        "--name",
        "T",
    ];
    tdip(&data, &officer).await;
    std::fs::write(
        data.join("clients.toml"),
        format!(
            "[[client]]\nname = \"FGP\"\nfingerprint = \"{FEDERALE}\"\nagency = \"be/federale-politie\"\n"
        ),
    )
    .unwrap();
    let s = state(&data).await;
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
    assert_eq!(xml.matches("<ResponseRecord>").count(), 1, "{xml}");
    assert!(
        xml.contains("<requestValue>+32470123456</requestValue>"),
        "{xml}"
    );
    assert!(xml.contains("<provider>proximus</provider>"), "{xml}");
    assert!(!xml.contains("kpn") && !xml.contains("de Boer"), "{xml}");
}

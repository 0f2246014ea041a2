//! The service's retention pass: what is due is destroyed (a traffic day past its term),
//! `/metrics` shows the success and what went, and a pass that fails (a broken policy
//! file) turns `/ready` into 503 `retention-overdue` with the reason, until a pass
//! succeeds again.

use axum::http::StatusCode;
use tdip_point::callers::Role;
use tdip_store::TrafficStore;

use super::retention_job::pass;
use super::tests::{From, call, json, point, state};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pass_destroys_what_is_due_and_a_failed_one_makes_the_service_not_ready() {
    let dir = tempfile::tempdir().unwrap();
    let (data, _) = point(dir.path()).await;
    let kpn =
        super::tests::change_tokens(&data, |t| t.issue("KPN", Role::Provider("kpn".into()), 0))
            .await;
    let s = state(&data).await;
    // Metrics are recorded once the exporter is installed: the first scrape does that.
    let (status, _) = call(&s, "GET", "/metrics", From::Nobody, None).await;
    assert_eq!(status, StatusCode::OK);
    let batch = "public_ip,first_port,last_port,private_ip,user_id,start,end\n\
                 198.51.100.7,40000,40511,,u1,2025-01-05T10:00:00Z,2025-01-05T11:00:00Z\n\
                 198.51.100.7,40512,41023,,u2,2026-11-30T10:00:00Z,2026-11-30T11:00:00Z\n";
    let (status, text) = call(
        &s,
        "POST",
        "/v1/traffic/batches?kind=cgnat&batch=old-1",
        From::Token(&kpn),
        Some(batch.into()),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{text}");
    assert_eq!(s.store().traffic_days().await.unwrap().len(), 2);

    pass(&s).await;
    let days = s.store().traffic_days().await.unwrap();
    assert_eq!(days.len(), 1, "2025-01-05 went, 2026-11-30 stays");
    assert_eq!(days[0].day, 1_795_996_800 / 86_400, "2026-11-30");
    let (status, text) = call(&s, "GET", "/ready", From::Nobody, None).await;
    assert_eq!(status, StatusCode::OK, "{text}");
    let (_, metrics) = call(&s, "GET", "/metrics", From::Nobody, None).await;
    assert!(
        metrics.contains("tdip_retention_last_success_timestamp_seconds"),
        "{metrics}"
    );
    assert!(
        metrics
            .lines()
            .any(|l| l.starts_with("tdip_retention_destroyed_total{class=\"traffic-day\"}")),
        "{metrics}"
    );

    // A policy file nobody can read as one: the pass fails, /ready says so, with why.
    std::fs::write(
        data.join("data-retention.toml"),
        "[jurisdiction.nl]\nsubscriber_months = 0\n",
    )
    .unwrap();
    pass(&s).await;
    let (status, text) = call(&s, "GET", "/ready", From::Nobody, None).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{text}");
    let body = json(&text);
    assert_eq!(body["code"], "retention-overdue", "{text}");
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("data-retention.toml"),
        "{text}"
    );
    let (_, metrics) = call(&s, "GET", "/metrics", From::Nobody, None).await;
    assert!(
        metrics.contains("tdip_retention_failures_total 1"),
        "{metrics}"
    );
    // Mended: the next pass succeeds and the service is ready again.
    std::fs::remove_file(data.join("data-retention.toml")).unwrap();
    pass(&s).await;
    let (status, _) = call(&s, "GET", "/ready", From::Nobody, None).await;
    assert_eq!(status, StatusCode::OK);
}

//! Prometheus metrics: requests by route and status, their duration, and consultations by
//! outcome. Labels are routes (templates, never request paths or bodies) and outcome codes,
//! so no metric can carry an identifier or a person's data.

use std::sync::OnceLock;
use std::time::Instant;

use axum::extract::{MatchedPath, Request};
use axum::middleware::Next;
use axum::response::Response;
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};

/// Request duration buckets, seconds.
const BUCKETS: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
];

static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();

/// The process's recorder, installed on first use.
fn handle() -> &'static PrometheusHandle {
    HANDLE.get_or_init(|| {
        let recorder = PrometheusBuilder::new()
            .set_buckets(BUCKETS)
            .map(PrometheusBuilder::build_recorder)
            .unwrap_or_else(|_| PrometheusBuilder::new().build_recorder());
        let handle = recorder.handle();
        // Another recorder already installed (none is, in this binary) would keep its own.
        let _ = ::metrics::set_global_recorder(recorder);
        handle
    })
}

/// The metrics in Prometheus' text format.
pub fn render() -> String {
    let h = handle();
    h.run_upkeep();
    h.render()
}

/// Housekeeping for the recorder's histograms; run now and then.
pub fn upkeep() {
    handle().run_upkeep();
}

/// Counts and times every request by its route template and status.
pub async fn track(req: Request, next: Next) -> Response {
    handle();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_else(|| "unmatched".into());
    let started = Instant::now();
    let response = next.run(req).await;
    let status = response.status().as_u16().to_string();
    ::metrics::counter!("tdip_http_requests_total", "route" => route.clone(), "status" => status)
        .increment(1);
    ::metrics::histogram!("tdip_http_request_duration_seconds", "route" => route)
        .record(started.elapsed().as_secs_f64());
    response
}

/// Counts a consultation by channel and outcome (`answered`, or the refusal's code).
pub fn consultation(channel: &'static str, outcome: &str) {
    ::metrics::counter!("tdip_consultations_total", "channel" => channel, "outcome" => outcome.to_owned())
        .increment(1);
}

/// Counts an HI-1 action by verb and outcome (`created`, `got`, `listed`, `failed`).
pub fn hi1_action(verb: &str, outcome: &'static str) {
    let verb = match verb {
        "CREATE" | "GET" | "LIST" | "UPDATE" | "DELIVER" => verb.to_owned(),
        _ => "other".to_owned(),
    };
    ::metrics::counter!("tdip_hi1_actions_total", "verb" => verb, "outcome" => outcome)
        .increment(1);
}

/// Counts an attempt to push an HI-1 delivery by its outcome (`delivered`, `refused`,
/// `failed`).
pub fn hi1_push(outcome: &'static str) {
    ::metrics::counter!("tdip_hi1_pushes_total", "outcome" => outcome).increment(1);
}

/// Records what a retention step destroyed, by class (`subscriber`, `traffic-day`,
/// `traffic-keys`, `audit-bodies`): counts only.
pub fn destroyed(class: &'static str, count: u64) {
    ::metrics::counter!("tdip_retention_destroyed_total", "class" => class).increment(count);
}

/// Records a successful retention run at `now` (UTC seconds).
pub fn retention_ok(now: i64) {
    ::metrics::gauge!("tdip_retention_last_success_timestamp_seconds").set(now as f64);
}

/// Counts a failed retention run.
pub fn retention_failed() {
    ::metrics::counter!("tdip_retention_failures_total").increment(1);
}

//! `GET /v1/reports/figures`: each oversight body sees its own jurisdiction's agencies,
//! officers named only for a body that investigates them; the report it gets verifies
//! against the log, and a figure changed in it does not; agencies and providers are
//! refused, and a bad period or format is a precise 400.

use axum::http::StatusCode;
use tdip_point::callers::Role;
use tdip_point::yearly::{self, Officers, Report};

use super::tests::{
    From, add_officer, call, change_tokens, deliver, json, lookup_body, point, state,
};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_oversight_body_sees_its_jurisdiction_and_officers_only_if_it_may() {
    let dir = tempfile::tempdir().unwrap();
    let (data, number) = point(dir.path()).await;
    deliver(&data, &dir.path().join("kpn.csv")).await;
    add_officer(&data, "nl/politie", "T-2").await;
    let [politie, ctivd, rdi, comite, operator] = change_tokens(&data, |t| {
        Ok([
            t.issue("Politie app", Role::Agency("nl/politie".into()), 0)?,
            t.issue("CTIVD", Role::Oversight("nl/ctivd".into()), 0)?,
            t.issue("RDI", Role::Oversight("nl/rdi".into()), 0)?,
            t.issue("Comité I", Role::Oversight("be/comite-i".into()), 0)?,
            t.issue("Operator", Role::Operator, 0)?,
        ])
    })
    .await;
    let s = state(&data).await;
    for officer in ["T-1", "T-1", "T-2"] {
        let (status, text) = call(
            &s,
            "POST",
            "/v1/lookups",
            From::Token(&politie),
            Some(lookup_body(&number, officer)),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{text}");
    }
    // The figures are counted over a signed head: sign one over the consultations.
    s.point().unwrap().finish().await;
    let figures = |token: &str, query: &str| {
        let (s, token, path) = (
            s.clone(),
            token.to_owned(),
            format!("/v1/reports/figures{query}"),
        );
        async move { call(&s, "GET", &path, From::Token(&token), None).await }
    };

    // The CTIVD investigates officers: every Dutch agency, officers by their ids.
    let (status, text) = figures(&ctivd, "").await;
    assert_eq!(status, StatusCode::OK, "{text}");
    assert!(!text.contains(&number), "no subscriber value in a report");
    let report: Report = serde_json::from_str(&text).unwrap();
    assert_eq!(
        (report.report.as_str(), report.officers, report.variant),
        ("period", Officers::Named, yearly::Variant::Full)
    );
    assert_eq!(report.jurisdiction.as_deref(), Some("nl"));
    assert_eq!(report.figures.consultations, 3);
    let by: Vec<(&str, u64)> = report
        .figures
        .officers
        .iter()
        .map(|o| (o.officer.as_str(), o.consultations))
        .collect();
    assert_eq!(by, [("T-1", 2), ("T-2", 1)]);
    yearly::verify(&data, s.log(), &report).await.unwrap();
    // A figure changed in the report is found by the recount.
    let mut changed = report.clone();
    changed.figures.officers[1].consultations += 1;
    let e = yearly::verify(&data, s.log(), &changed).await.unwrap_err();
    assert!(e.to_string().contains("officers differ"), "{e}");

    // The RDI does not: the same spread over officers, numbered, no id in the answer.
    let (status, text) = figures(&rdi, "").await;
    assert_eq!(status, StatusCode::OK, "{text}");
    assert!(!text.contains("T-1") && !text.contains("T-2"), "{text}");
    let numbered: Report = serde_json::from_str(&text).unwrap();
    assert_eq!(numbered.officers, Officers::Numbered);
    let by: Vec<(&str, u64)> = numbered
        .figures
        .officers
        .iter()
        .map(|o| (o.officer.as_str(), o.consultations))
        .collect();
    assert_eq!(by, [("officer 1", 2), ("officer 2", 1)]);
    yearly::verify(&data, s.log(), &numbered).await.unwrap();

    // A Belgian body sees no Dutch consultation.
    let (status, text) = figures(&comite, "").await;
    assert_eq!(status, StatusCode::OK, "{text}");
    let be: Report = serde_json::from_str(&text).unwrap();
    assert_eq!(
        (be.figures.consultations, be.figures.officers.len()),
        (0, 0)
    );
    assert_eq!(be.jurisdiction.as_deref(), Some("be"));

    // The operator: every agency, officers numbered.
    let (status, text) = figures(&operator, "").await;
    assert_eq!(status, StatusCode::OK, "{text}");
    assert_eq!(json(&text)["officers"], "numbered");

    // The page for people, with its charts.
    let (status, page) = figures(&ctivd, "?format=html&lang=en").await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(page.starts_with("<!DOCTYPE html>"), "{page}");
    assert!(
        page.contains("<svg ") && page.contains("<td>T-2</td>"),
        "{page}"
    );
    assert!(page.contains("Supervisor&#39;s view") && !page.contains(&number));

    // An agency is refused; so is a bad format, language or period, each saying so.
    let (status, text) = figures(&politie, "").await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{text}");
    assert!(text.contains("oversight bodies and the operator"), "{text}");
    for (query, says) in [
        ("?format=pdf", "format must be"),
        ("?format=html&lang=de", "lang must be"),
        ("?lang=", "lang must be"),
        (
            "?from=2026-06-01%2000:00:00&to=2026-05-01%2000:00:00",
            "from is after to",
        ),
        ("?from=2026-03-29%2002:30:00", "daylight-saving gap"),
        ("?colour=red", "query string is not valid"),
    ] {
        let (status, text) = figures(&ctivd, query).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{query}: {text}");
        assert_eq!(json(&text)["code"], "bad-request", "{query}");
        assert!(text.contains(says), "{query}: {text}");
    }
}

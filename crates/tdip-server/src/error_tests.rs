//! How failures become the API's errors: a store failure is the point's (5xx), never the
//! caller's; every refusal code the engine gives is a code of the wire; the caller reads
//! nothing of a failure's cause.

use anyhow::Context;
use axum::http::StatusCode;
use tdip_api::ErrorCode;
use tdip_core::CoreError;
use tdip_store::StoreError;

use super::ApiError;

fn answered(e: &ApiError) -> (StatusCode, ErrorCode) {
    (e.status_code(), e.body().code)
}

#[test]
fn a_store_that_is_unreachable_or_busy_is_503_and_any_other_store_failure_500() {
    let unavailable = (StatusCode::SERVICE_UNAVAILABLE, ErrorCode::StoreUnavailable);
    let internal = (StatusCode::INTERNAL_SERVER_ERROR, ErrorCode::Internal);
    let cases = [
        (StoreError::Busy, unavailable),
        (StoreError::Unavailable("db down".into()), unavailable),
        (StoreError::Backend("disk full".into()), internal),
        (StoreError::Corrupt("bad row".into()), internal),
        (StoreError::NotFound("version 7".into()), internal),
        (StoreError::Conflict("duplicate".into()), internal),
    ];
    for (store, want) in cases {
        let said = store.to_string();
        let direct = ApiError::from(store);
        assert_eq!(answered(&direct), want, "{said}");
        assert!(!direct.body().message.contains(&said), "{said}");
    }
}

#[test]
fn a_store_failure_inside_core_or_anyhow_maps_as_the_store_failure_does() {
    let core = ApiError::from(CoreError::Store(StoreError::Busy));
    assert_eq!(
        answered(&core),
        (StatusCode::SERVICE_UNAVAILABLE, ErrorCode::StoreUnavailable)
    );
    // As tdip-point returns it: anyhow, with context around the store's error.
    let wrapped: anyhow::Result<()> =
        Err(StoreError::Unavailable("connection refused".into())).context("reading the log");
    let e = ApiError::from(wrapped.unwrap_err());
    assert_eq!(
        answered(&e),
        (StatusCode::SERVICE_UNAVAILABLE, ErrorCode::StoreUnavailable)
    );
    let in_core = anyhow::Error::from(CoreError::Store(StoreError::Busy)).context("listing");
    assert_eq!(
        answered(&ApiError::from(in_core)).1,
        ErrorCode::StoreUnavailable
    );
    let backend = anyhow::Error::from(StoreError::Backend("x".into()));
    assert_eq!(answered(&ApiError::from(backend)).1, ErrorCode::Internal);
}

#[test]
fn any_other_failure_is_500_internal_and_its_message_says_nothing_of_the_cause() {
    let e = ApiError::from(anyhow::anyhow!("cannot read /secret/path: denied"));
    assert_eq!(
        answered(&e),
        (StatusCode::INTERNAL_SERVER_ERROR, ErrorCode::Internal)
    );
    assert!(!e.body().message.contains("secret"), "{}", e.body().message);
    let core = ApiError::from(CoreError::AuditBroken("entry 3".into()));
    assert_eq!(answered(&core).1, ErrorCode::Internal);
    assert!(!core.body().message.contains("entry 3"));
}

/// Every refusal code tdip-access, tdip-core and tdip-point give today (grep
/// `refuse(`, `unread(` and `Refusal::code`) is answered with that same code.
#[test]
fn every_refusal_code_in_use_is_answered_as_itself() {
    let codes = [
        "missing-field",
        "unknown-agency",
        "oversight-only",
        "unknown-basis",
        "basis-not-held",
        "category-not-permitted",
        "query-not-permitted",
        "authorisation-missing",
        "bad-identifier",
        "bad-time",
        "bad-country",
        "bad-term",
        "agency-suspended",
        "unknown-officer",
        "officer-suspended",
        "officer-expired",
        tdip_access::RefusalCode::RegistryTampered.as_str(),
    ];
    for code in codes {
        let e = ApiError::refused(code, "why");
        assert_eq!(e.status_code(), StatusCode::FORBIDDEN);
        assert_eq!(e.body().code.as_str(), code);
    }
    // A code this build does not know is still a 403, not a panic or a 500.
    let unknown = ApiError::refused("not-a-code", "why");
    assert_eq!(
        answered(&unknown),
        (StatusCode::FORBIDDEN, ErrorCode::Forbidden)
    );
}

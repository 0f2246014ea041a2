//! The one error shape of the JSON API: a stable `code` a program can branch on, a
//! `message` a person can act on, and the consultation's reference when one was logged.
//! Messages never carry an identifier's value.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

/// An error answered by the API.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ApiError {
    /// Stable code: `unauthenticated`, `forbidden`, `bad-request`, `sealed`,
    /// `share-refused`, `not-found`, `method-not-allowed`, `too-large`,
    /// `unsupported-media-type`, `busy`, `internal`, or a refusal's own code.
    pub code: String,
    /// What went wrong and what to do about it.
    pub message: String,
    /// The consultation's reference, when the refusal was logged as one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub consultation: Option<String>,
    #[serde(skip)]
    status: StatusCode,
}

impl ApiError {
    /// An error with `status`, `code` and `message`.
    pub fn new(status: StatusCode, code: &str, message: impl Into<String>) -> ApiError {
        ApiError {
            code: code.to_owned(),
            message: message.into(),
            consultation: None,
            status,
        }
    }

    /// 400: the request cannot be read as sent.
    pub fn bad_request(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, "bad-request", message)
    }

    /// 401: no valid client certificate or token.
    pub fn unauthenticated() -> ApiError {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            "unauthenticated",
            "present a client certificate listed in the point's clients.toml, or an API token \
             as `Authorization: Bearer tdip_…` (issued with `tdip tokens issue`)",
        )
    }

    /// 403: the caller may not do this.
    pub fn forbidden(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::FORBIDDEN, "forbidden", message)
    }

    /// 503: the point is sealed.
    pub fn sealed() -> ApiError {
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "sealed",
            "the point is sealed: custodians must give their shares (POST /v1/unseal) before it \
             answers",
        )
    }

    /// 500: the point failed; the detail goes to the service's log, not to the caller.
    pub fn internal(e: &dyn std::fmt::Display) -> ApiError {
        tracing::error!("{e}");
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "the point failed to answer; the operator sees why in the service's log. Ask again \
             later",
        )
    }

    /// 503: the connection is closing to make room for others; ask again.
    pub fn busy() -> ApiError {
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "busy",
            "the service is closing this connection to serve others; ask again on a new one",
        )
    }

    /// 415: the body is not of the media type the endpoint reads.
    pub fn media_type(wanted: &str) -> ApiError {
        ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported-media-type",
            format!("send the body with `Content-Type: {wanted}`"),
        )
    }

    /// The error for a status axum or the router chose (a rejection of the request as
    /// sent: too large, unknown route, method not allowed…), in the one shape; `detail`
    /// is said after the status's own message, if it holds nothing the request sent.
    pub fn status(status: StatusCode, detail: Option<&str>) -> ApiError {
        let (code, said) = match status {
            StatusCode::NOT_FOUND => (
                "not-found",
                "no such endpoint; /openapi.json lists the API's endpoints",
            ),
            StatusCode::METHOD_NOT_ALLOWED => (
                "method-not-allowed",
                "this endpoint does not take this method; /openapi.json lists the methods \
                 of each endpoint",
            ),
            StatusCode::PAYLOAD_TOO_LARGE => (
                "too-large",
                "the request body is larger than this endpoint takes",
            ),
            StatusCode::UNSUPPORTED_MEDIA_TYPE => (
                "unsupported-media-type",
                "the body's media type is not the one this endpoint reads; see /openapi.json",
            ),
            s if s.is_server_error() => (
                "internal",
                "the point failed to answer; the operator sees why in the service's log",
            ),
            _ => ("bad-request", "the request cannot be read as sent"),
        };
        let message = match detail {
            Some(d) if !d.is_empty() => format!("{said}: {d}"),
            _ => said.to_owned(),
        };
        ApiError::new(status, code, message)
    }

    /// The consultation this error was logged as.
    pub fn logged_as(mut self, consultation: String) -> ApiError {
        self.consultation = Some(consultation);
        self
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.status, Json(&self)).into_response()
    }
}

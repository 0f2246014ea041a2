//! The API's errors: each an HTTP status and the wire's one error shape
//! ([`tdip_api::ErrorBody`]: a typed code, a message a person can act on, and the
//! consultation's reference when one was logged). Messages never carry an identifier's
//! value, and a failure of the point says nothing of its cause to the caller: that goes to
//! the service's log.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use tdip_api::{ErrorBody, ErrorCode};
use tdip_core::CoreError;
use tdip_store::StoreError;

/// An error answered by the API: a status and the body.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    body: ErrorBody,
}

impl ApiError {
    /// An error with `status`, `code` and `message`.
    pub fn new(status: StatusCode, code: ErrorCode, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            body: ErrorBody {
                code,
                message: message.into(),
                consultation: None,
            },
        }
    }

    /// 403: a demand refused with the consultation's own `code` (a refusal's code from
    /// `tdip_core::consult`, e.g. `unknown-officer`). A code the wire does not know is a
    /// bug of this build: logged, and answered `forbidden` with the same reason.
    pub fn refused(code: &str, reason: impl Into<String>) -> ApiError {
        let code = code.parse().unwrap_or_else(|e| {
            tracing::error!("refusal code {code}: {e}");
            ErrorCode::Forbidden
        });
        ApiError::new(StatusCode::FORBIDDEN, code, reason)
    }

    /// 400: the request cannot be read as sent.
    pub fn bad_request(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, ErrorCode::BadRequest, message)
    }

    /// 401: no valid client certificate or token.
    pub fn unauthenticated() -> ApiError {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            ErrorCode::Unauthenticated,
            "present a client certificate listed in the point's clients.toml, or an API token \
             as `Authorization: Bearer tdip_…` (issued with `tdip tokens issue`)",
        )
    }

    /// 403: the caller may not do this.
    pub fn forbidden(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::FORBIDDEN, ErrorCode::Forbidden, message)
    }

    /// 503: the point is sealed.
    pub fn sealed() -> ApiError {
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            ErrorCode::Sealed,
            "the point is sealed: custodians must give their shares (POST /v1/unseal) before it \
             answers",
        )
    }

    /// 500: the point failed; the detail goes to the service's log, not to the caller.
    pub fn internal(e: &dyn std::fmt::Display) -> ApiError {
        tracing::error!("{e}");
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            ErrorCode::Internal,
            "the point failed to answer; the operator sees why in the service's log. Ask again \
             later",
        )
    }

    /// 503: the store cannot be reached, or another delivery holds it longer than the
    /// store waits; the detail goes to the service's log.
    pub fn store_unavailable(e: &dyn std::fmt::Display) -> ApiError {
        tracing::error!("{e}");
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            ErrorCode::StoreUnavailable,
            "the point's store is unavailable or busy (a delivery may be being applied); ask \
             again in a minute. The operator sees why in the service's log",
        )
    }

    /// 503: the connection is closing to make room for others; ask again.
    pub fn busy() -> ApiError {
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            ErrorCode::Busy,
            "the service is closing this connection to serve others; ask again on a new one",
        )
    }

    /// 415: the body is not of the media type the endpoint reads.
    pub fn media_type(wanted: &str) -> ApiError {
        ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ErrorCode::UnsupportedMediaType,
            format!("send the body with `Content-Type: {wanted}`"),
        )
    }

    /// The error for a status axum or the router chose (a rejection of the request as
    /// sent: too large, unknown route, method not allowed…), in the one shape; `detail`
    /// is said after the status's own message, if it holds nothing the request sent.
    pub fn status(status: StatusCode, detail: Option<&str>) -> ApiError {
        let (code, said) = match status {
            StatusCode::NOT_FOUND => (
                ErrorCode::NotFound,
                "no such endpoint; /openapi.json lists the API's endpoints",
            ),
            StatusCode::METHOD_NOT_ALLOWED => (
                ErrorCode::MethodNotAllowed,
                "this endpoint does not take this method; /openapi.json lists the methods \
                 of each endpoint",
            ),
            StatusCode::PAYLOAD_TOO_LARGE => (
                ErrorCode::TooLarge,
                "the request body is larger than this endpoint takes",
            ),
            StatusCode::UNSUPPORTED_MEDIA_TYPE => (
                ErrorCode::UnsupportedMediaType,
                "the body's media type is not the one this endpoint reads; see /openapi.json",
            ),
            s if s.is_server_error() => (
                ErrorCode::Internal,
                "the point failed to answer; the operator sees why in the service's log",
            ),
            _ => (ErrorCode::BadRequest, "the request cannot be read as sent"),
        };
        let message = match detail {
            Some(d) if !d.is_empty() => format!("{said}: {d}"),
            _ => said.to_owned(),
        };
        ApiError::new(status, code, message)
    }

    /// The consultation this error was logged as.
    pub fn logged_as(mut self, consultation: String) -> ApiError {
        self.body.consultation = Some(consultation);
        self
    }

    /// The HTTP status.
    pub fn status_code(&self) -> StatusCode {
        self.status
    }

    /// The body as the API sends it.
    pub fn body(&self) -> &ErrorBody {
        &self.body
    }
}

/// A store failure is the point's, never the caller's: 503 `store-unavailable` when
/// asking again may help (unreachable, busy), else 500 `internal`.
impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> ApiError {
        match e {
            StoreError::Busy | StoreError::Unavailable(_) => ApiError::store_unavailable(&e),
            StoreError::NotFound(_)
            | StoreError::Conflict(_)
            | StoreError::Corrupt(_)
            | StoreError::Backend(_) => ApiError::internal(&e),
        }
    }
}

/// A failure of the engine: a store failure as [`From<StoreError>`] maps it; every other
/// is 500 `internal` (a request the caller can fix is refused before the engine runs).
impl From<CoreError> for ApiError {
    fn from(e: CoreError) -> ApiError {
        match e {
            CoreError::Store(s) => ApiError::from(s),
            other => ApiError::internal(&other),
        }
    }
}

/// A failure of the application (`tdip-point` returns `anyhow`): a store or engine error
/// within it maps as above, anything else is 500 `internal`. The whole chain goes to the
/// service's log; the caller reads none of it.
impl From<anyhow::Error> for ApiError {
    fn from(e: anyhow::Error) -> ApiError {
        let store = match e.downcast_ref::<CoreError>() {
            Some(CoreError::Store(s)) => Some(s),
            _ => e.downcast_ref::<StoreError>(),
        };
        let whole = format!("{e:#}");
        match store {
            Some(StoreError::Busy | StoreError::Unavailable(_)) => {
                ApiError::store_unavailable(&whole)
            }
            _ => ApiError::internal(&whole),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.status, Json(self.body)).into_response()
    }
}

#[cfg(test)]
#[path = "error_tests.rs"]
mod tests;

//! The one error shape of the API: a stable [`ErrorCode`] a program can branch on, a
//! message a person can act on, and the consultation's reference when one was logged.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// An error as the API answers it: every error the service gives has this shape (and
/// `tdip lookup --json` prints a refusal in it).
// The document has called this schema `ApiError` since the first release; the name stays.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
#[schema(as = ApiError)]
pub struct ErrorBody {
    /// Stable code: what went wrong, for a program to branch on.
    pub code: ErrorCode,
    /// What went wrong and what to do about it. It never repeats a value the request
    /// carried.
    pub message: String,
    /// The consultation's reference, when the refusal was logged as one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub consultation: Option<String>,
}

/// Every code the API answers with: the service's own, and each refusal's of a demand
/// (403, logged as a consultation; docs/access.md). The wire spells them kebab-case.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum ErrorCode {
    /// 401: no valid client certificate or token.
    Unauthenticated,
    /// 403: the caller may not do this.
    Forbidden,
    /// 400: the request cannot be read as sent.
    BadRequest,
    /// 503: the point is sealed until custodians give their shares.
    Sealed,
    /// 400: a custodian's share was refused.
    ShareRefused,
    /// 404: no such endpoint or thing.
    NotFound,
    /// 405: the endpoint does not take this method.
    MethodNotAllowed,
    /// 413: the body is larger than the endpoint takes.
    TooLarge,
    /// 415: the body is not of the media type the endpoint reads.
    UnsupportedMediaType,
    /// 503: the connection is closing to make room for others.
    Busy,
    /// 503: the point's store is unreachable or busy; ask again later.
    StoreUnavailable,
    /// 500: the point failed; the operator's log says why.
    Internal,
    /// 503 from `/ready`: the last retention run failed, or none succeeded for more than
    /// a day; the message says which.
    RetentionOverdue,
    /// 409: a report is counted over a signed tree head and the log has none yet; the
    /// operator signs one with `tdip audit checkpoint`.
    NoSignedHead,
    /// Refusal: a field the demand needs is missing.
    MissingField,
    /// Refusal: the catalogue knows no such agency.
    UnknownAgency,
    /// Refusal: the agency oversees and does not consult.
    OversightOnly,
    /// Refusal: the catalogue knows no such legal basis.
    UnknownBasis,
    /// Refusal: the agency does not hold the legal basis.
    BasisNotHeld,
    /// Refusal: the basis does not permit the data category.
    CategoryNotPermitted,
    /// Refusal: the basis does not permit the kind of query.
    QueryNotPermitted,
    /// Refusal: the basis requires an authorisation the demand does not name.
    AuthorisationMissing,
    /// Refusal: no identifier, more than one, or one that does not normalise.
    BadIdentifier,
    /// Refusal: a time or period that cannot be read.
    BadTime,
    /// Refusal: a country that is not NL or BE.
    BadCountry,
    /// Refusal: a term that cannot be read, or has passed.
    BadTerm,
    /// Refusal: a cell dump reaching further (window, radius) than its basis allows.
    BeyondBound,
    /// Refusal: the agency is suspended.
    AgencySuspended,
    /// Refusal: the officer is not registered.
    UnknownOfficer,
    /// Refusal: the officer is suspended.
    OfficerSuspended,
    /// Refusal: the officer's authorisation has expired.
    OfficerExpired,
    /// Refusal: the officer registry was changed outside tdip.
    RegistryTampered,
}

impl ErrorCode {
    /// The code as the wire spells it, e.g. `share-refused`.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::Unauthenticated => "unauthenticated",
            ErrorCode::Forbidden => "forbidden",
            ErrorCode::BadRequest => "bad-request",
            ErrorCode::Sealed => "sealed",
            ErrorCode::ShareRefused => "share-refused",
            ErrorCode::NotFound => "not-found",
            ErrorCode::MethodNotAllowed => "method-not-allowed",
            ErrorCode::TooLarge => "too-large",
            ErrorCode::UnsupportedMediaType => "unsupported-media-type",
            ErrorCode::Busy => "busy",
            ErrorCode::StoreUnavailable => "store-unavailable",
            ErrorCode::Internal => "internal",
            ErrorCode::RetentionOverdue => "retention-overdue",
            ErrorCode::NoSignedHead => "no-signed-head",
            ErrorCode::MissingField => "missing-field",
            ErrorCode::UnknownAgency => "unknown-agency",
            ErrorCode::OversightOnly => "oversight-only",
            ErrorCode::UnknownBasis => "unknown-basis",
            ErrorCode::BasisNotHeld => "basis-not-held",
            ErrorCode::CategoryNotPermitted => "category-not-permitted",
            ErrorCode::QueryNotPermitted => "query-not-permitted",
            ErrorCode::AuthorisationMissing => "authorisation-missing",
            ErrorCode::BadIdentifier => "bad-identifier",
            ErrorCode::BadTime => "bad-time",
            ErrorCode::BadCountry => "bad-country",
            ErrorCode::BadTerm => "bad-term",
            ErrorCode::BeyondBound => "beyond-bound",
            ErrorCode::AgencySuspended => "agency-suspended",
            ErrorCode::UnknownOfficer => "unknown-officer",
            ErrorCode::OfficerSuspended => "officer-suspended",
            ErrorCode::OfficerExpired => "officer-expired",
            ErrorCode::RegistryTampered => "registry-tampered",
        }
    }

    /// Every code.
    pub const ALL: [ErrorCode; 32] = [
        ErrorCode::Unauthenticated,
        ErrorCode::Forbidden,
        ErrorCode::BadRequest,
        ErrorCode::Sealed,
        ErrorCode::ShareRefused,
        ErrorCode::NotFound,
        ErrorCode::MethodNotAllowed,
        ErrorCode::TooLarge,
        ErrorCode::UnsupportedMediaType,
        ErrorCode::Busy,
        ErrorCode::StoreUnavailable,
        ErrorCode::Internal,
        ErrorCode::RetentionOverdue,
        ErrorCode::NoSignedHead,
        ErrorCode::MissingField,
        ErrorCode::UnknownAgency,
        ErrorCode::OversightOnly,
        ErrorCode::UnknownBasis,
        ErrorCode::BasisNotHeld,
        ErrorCode::CategoryNotPermitted,
        ErrorCode::QueryNotPermitted,
        ErrorCode::AuthorisationMissing,
        ErrorCode::BadIdentifier,
        ErrorCode::BadTime,
        ErrorCode::BadCountry,
        ErrorCode::BadTerm,
        ErrorCode::BeyondBound,
        ErrorCode::AgencySuspended,
        ErrorCode::UnknownOfficer,
        ErrorCode::OfficerSuspended,
        ErrorCode::OfficerExpired,
        ErrorCode::RegistryTampered,
    ];
}

impl std::str::FromStr for ErrorCode {
    type Err = UnknownCode;

    /// The code the wire spells `s` (exactly, e.g. `unknown-officer`).
    fn from_str(s: &str) -> Result<ErrorCode, UnknownCode> {
        ErrorCode::ALL
            .into_iter()
            .find(|c| c.as_str() == s)
            .ok_or(UnknownCode)
    }
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A code the API does not have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UnknownCode;

impl std::fmt::Display for UnknownCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("not an error code of the API; add it to tdip_api::ErrorCode")
    }
}

impl std::error::Error for UnknownCode {}

#[cfg(test)]
mod tests {
    use super::*;

    /// `as_str` and `FromStr` spell each code as serde does, so the wire, the parser and
    /// the document agree, and `ALL` holds every code once.
    #[test]
    fn every_code_is_spelt_the_same_by_serde_as_str_and_from_str() {
        let mut seen = std::collections::HashSet::new();
        for code in ErrorCode::ALL {
            assert!(seen.insert(code.as_str()), "{code} twice in ALL");
            let wire = serde_json::to_value(code).unwrap_or_default();
            assert_eq!(wire, code.as_str());
            assert_eq!(serde_json::from_value::<ErrorCode>(wire).ok(), Some(code));
            assert_eq!(code.as_str().parse::<ErrorCode>(), Ok(code));
        }
        assert_eq!("Forbidden".parse::<ErrorCode>(), Err(UnknownCode));
    }
}

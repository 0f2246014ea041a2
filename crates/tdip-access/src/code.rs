//! The stable codes of refusals: what the audit log's refusal entries, the API's error
//! answers and the statistics carry. Defined once here; the strings must never change.

use std::fmt;

/// Why a consultation gave no answer, as a stable code. The catalogue's refusals
/// ([`crate::Refusal::code`]), the officer registry's, a query that cannot be read, and
/// the point's own failure (logged like a refusal) all take one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RefusalCode {
    /// `missing-field`: a required field of the demand is empty.
    MissingField,
    /// `unknown-agency`: the agency is not in the catalogue.
    UnknownAgency,
    /// `oversight-only`: an oversight body asked for subscriber data.
    OversightOnly,
    /// `unknown-basis`: the legal basis is not in the catalogue.
    UnknownBasis,
    /// `basis-not-held`: the agency does not hold the basis.
    BasisNotHeld,
    /// `category-not-permitted`: the basis does not permit the data category.
    CategoryNotPermitted,
    /// `query-not-permitted`: the basis does not permit a query by this identifier kind.
    QueryNotPermitted,
    /// `authorisation-missing`: the basis needs an authorising official and none was named.
    AuthorisationMissing,
    /// `agency-suspended`: the agency is suspended in the officer registry.
    AgencySuspended,
    /// `unknown-officer`: the officer is not registered for the agency.
    UnknownOfficer,
    /// `officer-suspended`: the officer is suspended.
    OfficerSuspended,
    /// `officer-expired`: the officer's authorisation has expired.
    OfficerExpired,
    /// `registry-tampered`: the officer registry entry was changed outside tdip.
    RegistryTampered,
    /// `bad-identifier`: the identifier fields cannot be read.
    BadIdentifier,
    /// `bad-time`: the moment or period asked cannot be read.
    BadTime,
    /// `bad-country`: the default country cannot be read.
    BadCountry,
    /// `bad-term`: the term set for the answer cannot be read or kept.
    BadTerm,
    /// `beyond-bound`: a cell dump reaches further (window, radius) than its basis allows.
    BeyondBound,
    /// `failed`: not a refusal but the point's failure, logged as one so the log shows
    /// the demand was made and not answered.
    Failed,
}

impl RefusalCode {
    /// Every code.
    pub const ALL: [RefusalCode; 19] = [
        RefusalCode::MissingField,
        RefusalCode::UnknownAgency,
        RefusalCode::OversightOnly,
        RefusalCode::UnknownBasis,
        RefusalCode::BasisNotHeld,
        RefusalCode::CategoryNotPermitted,
        RefusalCode::QueryNotPermitted,
        RefusalCode::AuthorisationMissing,
        RefusalCode::AgencySuspended,
        RefusalCode::UnknownOfficer,
        RefusalCode::OfficerSuspended,
        RefusalCode::OfficerExpired,
        RefusalCode::RegistryTampered,
        RefusalCode::BadIdentifier,
        RefusalCode::BadTime,
        RefusalCode::BadCountry,
        RefusalCode::BadTerm,
        RefusalCode::BeyondBound,
        RefusalCode::Failed,
    ];

    /// The code as logged and answered (`basis-not-held`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            RefusalCode::MissingField => "missing-field",
            RefusalCode::UnknownAgency => "unknown-agency",
            RefusalCode::OversightOnly => "oversight-only",
            RefusalCode::UnknownBasis => "unknown-basis",
            RefusalCode::BasisNotHeld => "basis-not-held",
            RefusalCode::CategoryNotPermitted => "category-not-permitted",
            RefusalCode::QueryNotPermitted => "query-not-permitted",
            RefusalCode::AuthorisationMissing => "authorisation-missing",
            RefusalCode::AgencySuspended => "agency-suspended",
            RefusalCode::UnknownOfficer => "unknown-officer",
            RefusalCode::OfficerSuspended => "officer-suspended",
            RefusalCode::OfficerExpired => "officer-expired",
            RefusalCode::RegistryTampered => "registry-tampered",
            RefusalCode::BadIdentifier => "bad-identifier",
            RefusalCode::BadTime => "bad-time",
            RefusalCode::BadCountry => "bad-country",
            RefusalCode::BadTerm => "bad-term",
            RefusalCode::BeyondBound => "beyond-bound",
            RefusalCode::Failed => "failed",
        }
    }
}

/// The code as logged.
impl fmt::Display for RefusalCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Compares with a code as logged (an audit entry's `code`).
impl PartialEq<str> for RefusalCode {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

/// Compares with a code as logged (an audit entry's `code`).
impl PartialEq<&str> for RefusalCode {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

#[cfg(test)]
mod tests {
    use super::RefusalCode;

    #[test]
    fn every_code_keeps_the_string_logs_and_answers_carry() {
        let strings: Vec<&str> = RefusalCode::ALL.iter().map(|c| c.as_str()).collect();
        assert_eq!(
            strings,
            [
                "missing-field",
                "unknown-agency",
                "oversight-only",
                "unknown-basis",
                "basis-not-held",
                "category-not-permitted",
                "query-not-permitted",
                "authorisation-missing",
                "agency-suspended",
                "unknown-officer",
                "officer-suspended",
                "officer-expired",
                "registry-tampered",
                "bad-identifier",
                "bad-time",
                "bad-country",
                "bad-term",
                "beyond-bound",
                "failed",
            ]
        );
        assert_eq!(RefusalCode::BadTerm.to_string(), "bad-term");
        assert!(RefusalCode::Failed == "failed" && RefusalCode::Failed != "bad-time");
    }
}

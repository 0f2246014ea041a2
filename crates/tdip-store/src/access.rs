//! The registry of who may query: officers of agencies, each with an optional end to
//! their authorisation and an optional suspension, and suspensions of whole agencies.
//!
//! A separate trait from [`crate::Store`] because it is a separate concern: the store
//! keeps the register, the caller (tdip-access and the commands) decides what a
//! suspension or an expired authorisation means for a query. An officer who lost their
//! authority must lose their access at once, so suspensions are explicit records
//! rather than a flag left to the catalogue.

use std::future::Future;

use crate::StoreResult;

/// An officer registered to query for an agency.
#[derive(Clone, PartialEq, Eq)]
pub struct Officer {
    /// The agency's qualified id in the catalogue, such as `nl/politie`.
    pub agency: String,
    /// The officer's id within the agency.
    pub id: String,
    /// The officer's name, for the administrator's list (never in `Debug` output).
    pub name: String,
    /// When the officer was registered, UTC seconds.
    pub registered_at: i64,
    /// When the officer's authorisation ends, UTC seconds; `None` while it has no end.
    pub valid_until: Option<i64>,
    /// The officer's suspension, while they are suspended.
    pub suspended: Option<Suspension>,
}

impl std::fmt::Debug for Officer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Officer")
            .field("agency", &self.agency)
            .field("id", &self.id)
            .field("registered_at", &self.registered_at)
            .field("valid_until", &self.valid_until)
            .field("suspended", &self.suspended)
            .finish_non_exhaustive()
    }
}

/// An officer's registration and their agency's suspension, as one query needs them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Standing {
    /// The officer, if registered.
    pub officer: Option<Officer>,
    /// The agency's suspension, if it is suspended.
    pub agency_suspension: Option<Suspension>,
}

/// Why and since when an officer or an agency may not query.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Suspension {
    /// When the suspension took effect, UTC seconds.
    pub at: i64,
    /// Why, in words for the record.
    pub reason: String,
}

/// A suspended agency: none of its officers may query.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AgencySuspension {
    /// The agency's qualified id.
    pub agency: String,
    /// Its suspension.
    pub suspension: Suspension,
}

/// Where the registry of officers and agency suspensions lives.
///
/// Agencies themselves are not registered here (the catalogue names them): an agency
/// suspension may name any agency id.
pub trait AccessStore: Send + Sync {
    /// Registers an officer; refuses an (agency, id) that is registered already with
    /// [`crate::StoreError::Conflict`].
    fn add_officer(&self, officer: &Officer) -> impl Future<Output = StoreResult<()>> + Send;

    /// One officer by agency and id.
    fn officer(
        &self,
        agency: &str,
        id: &str,
    ) -> impl Future<Output = StoreResult<Option<Officer>>> + Send;

    /// What a query by officer `id` of `agency` must be judged on: the officer's
    /// registration and the agency's suspension, read together (one statement where the
    /// backend can: it is read for every query).
    fn standing(
        &self,
        agency: &str,
        id: &str,
    ) -> impl Future<Output = StoreResult<Standing>> + Send {
        async move {
            Ok(Standing {
                agency_suspension: self.agency_suspension(agency).await?,
                officer: self.officer(agency, id).await?,
            })
        }
    }

    /// Every officer, or those of one agency, by agency and then id (ordered by their
    /// bytes).
    fn officers(
        &self,
        agency: Option<&str>,
    ) -> impl Future<Output = StoreResult<Vec<Officer>>> + Send;

    /// Suspends an officer, replacing a suspension they are under already; `false` if
    /// there is no such officer.
    fn suspend_officer(
        &self,
        agency: &str,
        id: &str,
        suspension: &Suspension,
    ) -> impl Future<Output = StoreResult<bool>> + Send;

    /// Lifts an officer's suspension, if any; `false` if there is no such officer.
    fn reinstate_officer(
        &self,
        agency: &str,
        id: &str,
    ) -> impl Future<Output = StoreResult<bool>> + Send;

    /// Sets (or with `None` removes) the end of an officer's authorisation; `false` if
    /// there is no such officer.
    fn set_officer_valid_until(
        &self,
        agency: &str,
        id: &str,
        until: Option<i64>,
    ) -> impl Future<Output = StoreResult<bool>> + Send;

    /// Suspends an agency, replacing a suspension it is under already.
    fn suspend_agency(
        &self,
        agency: &str,
        suspension: &Suspension,
    ) -> impl Future<Output = StoreResult<()>> + Send;

    /// Lifts an agency's suspension; `false` if it was not suspended.
    fn reinstate_agency(&self, agency: &str) -> impl Future<Output = StoreResult<bool>> + Send;

    /// An agency's suspension, while it is suspended.
    fn agency_suspension(
        &self,
        agency: &str,
    ) -> impl Future<Output = StoreResult<Option<Suspension>>> + Send;

    /// Every suspended agency, by agency id.
    fn agency_suspensions(&self)
    -> impl Future<Output = StoreResult<Vec<AgencySuspension>>> + Send;
}

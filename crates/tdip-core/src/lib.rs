//! The tdip application: ingest deliveries, answer lookups, report on deliveries.
//!
//! This crate holds the rules of the point and drives a [`tdip_store::Store`]; it knows
//! nothing of SQL, files beyond the delivery being read and the key directory, terminals
//! or HTTP. Plaintext
//! subscriber data exists here only in memory: between reading a delivery row and sealing
//! it, and between unsealing a version and handing the answer to the caller.

pub mod audit;
pub mod consult;
pub mod datakeys;
mod error;
mod files;
pub mod ingest;
pub mod integrity;
pub mod keys;
pub mod lateness;
pub mod lookup;
pub mod payments;
pub mod registry;
pub mod retention;
pub mod rotate;
mod sealed;
pub mod snapshot;
pub mod spool;
pub mod traffic;

pub use error::CoreError;
pub use keys::PointKeys;

use tdip_model::subscription::ParseContext;
use tdip_model::{Country, LegalZone};
use tdip_store::Provider;

/// How national numbers and local times of `provider` are read.
pub fn provider_context(provider: &Provider) -> Result<ParseContext, CoreError> {
    let default_country: Country = provider.country.parse().map_err(|_| {
        CoreError::Config(format!("provider {} has an unknown country", provider.id))
    })?;
    let zone: LegalZone = provider.zone.parse().map_err(|_| {
        CoreError::Config(format!("provider {} has an unknown time zone", provider.id))
    })?;
    Ok(ParseContext {
        default_country,
        zone,
    })
}

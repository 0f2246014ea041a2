//! The providers a point takes deliveries from.

use anyhow::{Result, anyhow, bail};
use tdip_model::{Country, LegalZone};
use tdip_store::{Provider, Store};

use crate::store::AnyStore;

/// Registers a provider after checking its id (1–32 lower-case letters, digits or `-`),
/// country and legal time zone (by default its country's).
pub async fn add(
    store: &AnyStore,
    id: &str,
    name: &str,
    country: &str,
    zone: Option<&str>,
    now: i64,
) -> Result<()> {
    let valid_id = !id.is_empty()
        && id.len() <= 32
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !id.starts_with('-');
    if !valid_id {
        bail!("provider id must be 1-32 lower-case letters, digits or '-', not starting with '-'");
    }
    let country: Country = country.parse().map_err(|e| anyhow!("--country: {e}"))?;
    let zone: LegalZone = match zone {
        Some(z) => z.parse().map_err(|e| anyhow!("--provider-zone: {e}"))?,
        None if country == Country::Be => LegalZone::Brussels,
        None => LegalZone::Amsterdam,
    };
    let provider = Provider {
        id: id.into(),
        name: name.into(),
        country: country.as_str().into(),
        zone: zone.name().into(),
        created_at: now,
    };
    store.add_provider(&provider).await?;
    Ok(())
}

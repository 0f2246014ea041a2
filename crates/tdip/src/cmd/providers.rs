//! `tdip providers add|list`.

use anyhow::{Result, bail};
use tdip_model::{Country, LegalZone};
use tdip_store::{Provider, Store};

use crate::cli::ProvidersCmd;
use crate::store::AnyStore;

pub async fn run(store: &AnyStore, cmd: ProvidersCmd) -> Result<i32> {
    match cmd {
        ProvidersCmd::Add {
            id,
            name,
            country,
            provider_zone,
        } => {
            add(store, &id, &name, &country, provider_zone.as_deref()).await?;
            eprintln!("registered provider {id}");
        }
        ProvidersCmd::List { json } => {
            let providers = store.providers().await?;
            if json {
                let list: Vec<_> = providers
                    .iter()
                    .map(|p| serde_json::json!({"id": p.id, "name": p.name, "country": p.country, "zone": p.zone}))
                    .collect();
                println!("{}", serde_json::to_string_pretty(&list)?);
            } else {
                println!("{:<16} {:<8} {:<18} name", "id", "country", "zone");
                for p in providers {
                    println!("{:<16} {:<8} {:<18} {}", p.id, p.country, p.zone, p.name);
                }
            }
        }
    }
    Ok(0)
}

/// Registers a provider after checking its id, country and zone.
pub async fn add(
    store: &AnyStore,
    id: &str,
    name: &str,
    country: &str,
    zone: Option<&str>,
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
    let country: Country = country
        .parse()
        .map_err(|e| anyhow::anyhow!("--country: {e}"))?;
    let zone: LegalZone = match zone {
        Some(z) => z
            .parse()
            .map_err(|e| anyhow::anyhow!("--provider-zone: {e}"))?,
        None if country == Country::Be => LegalZone::Brussels,
        None => LegalZone::Amsterdam,
    };
    let provider = Provider {
        id: id.into(),
        name: name.into(),
        country: country.as_str().into(),
        zone: zone.name().into(),
        created_at: super::now(),
    };
    store.add_provider(&provider).await?;
    Ok(())
}

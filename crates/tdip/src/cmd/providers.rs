//! `tdip providers add|list`.

use anyhow::Result;
use tdip_store::Store;

use crate::cli::ProvidersCmd;
use tdip_point::store::AnyStore;

pub async fn run(store: &AnyStore, cmd: ProvidersCmd) -> Result<i32> {
    match cmd {
        ProvidersCmd::Add {
            id,
            name,
            country,
            provider_zone,
        } => {
            tdip_point::providers::add(
                store,
                &id,
                &name,
                &country,
                provider_zone.as_deref(),
                super::now(),
            )
            .await?;
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

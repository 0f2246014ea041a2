//! `tdip keys list|rotate|shred`: the data keys of the point.

use anyhow::{Context, Result, bail};
use tdip_core::audit::Event;
use tdip_core::datakeys::{self, KeyInfo, Month, Scope};
use tdip_core::rotate::rotate;
use tdip_model::LegalZone;

use crate::cli::{Cli, KeysCmd, UnsealFlags};
use crate::render;
use tdip_point::point;

pub async fn run(cli: &Cli, cmd: &KeysCmd, zone: LegalZone) -> Result<i32> {
    let dir = point::key_dir(&cli.data);
    match cmd {
        KeysCmd::List { json } => {
            point::open_store(&cli.data, &cli.store).await?;
            let keys = if dir.exists() {
                datakeys::list(&dir)?
            } else {
                Vec::new()
            };
            if *json {
                let list: Vec<_> = keys.iter().map(|k| to_json(k, zone)).collect();
                println!("{}", serde_json::to_string_pretty(&list)?);
            } else {
                println!(
                    "{:<10} {:<16} {:<11} {:<14} {:<20} destroyed",
                    "key", "provider", "class", "scope", "created"
                );
                for k in &keys {
                    println!(
                        "{:<10} {:<16} {:<11} {:<14} {:<20} {}",
                        format!("{:08x}", k.id),
                        k.provider,
                        k.class.as_str(),
                        k.scope.to_string(),
                        render::time(k.created_at, zone),
                        k.destroyed_at.map_or("-".into(), |t| render::time(t, zone)),
                    );
                }
            }
            Ok(0)
        }
        KeysCmd::Rotate {
            provider, unseal, ..
        } => {
            let p = point::open(&cli.data, &cli.store, &unseal.unsealing(), super::clock()).await?;
            let r = rotate(&p.store, &p.keys, provider).await;
            if let Ok(r) = &r {
                let event = Event::Config {
                    change: "open-key-rotated".into(),
                    subject: provider.clone(),
                    detail: format!(
                        "new key {:08x}; {} versions sealed again",
                        r.key.id, r.resealed
                    ),
                };
                p.auditor.record(super::now(), vec![event]).await?;
            }
            p.finish().await;
            let r = r?;
            eprintln!(
                "provider {provider}: new open key {:08x} ({}); {} open versions sealed again \
                 under it; older open keys destroyed: {}",
                r.key.id,
                r.key.scope,
                r.resealed,
                ids(&r.destroyed)
            );
            Ok(0)
        }
        KeysCmd::Shred {
            month,
            provider,
            yes,
            unseal,
            ..
        } => shred(cli, unseal, month, provider.as_deref(), *yes).await,
    }
}

async fn shred(
    cli: &Cli,
    unseal: &UnsealFlags,
    month: &str,
    provider: Option<&str>,
    yes: bool,
) -> Result<i32> {
    let Some(month) = Month::parse(month) else {
        bail!("--month: write the month as YYYY-MM, e.g. 2025-10");
    };
    let now = Month::of(super::now())?;
    if month >= now {
        bail!(
            "--month {month}: only a month that is over can be shredded (versions can still end \
             in {now})"
        );
    }
    point::open_store(&cli.data, &cli.store).await?;
    let dir = point::key_dir(&cli.data);
    let keys: Vec<KeyInfo> = if dir.exists() {
        datakeys::list(&dir)?
    } else {
        Vec::new()
    }
    .into_iter()
    .filter(|k| k.scope == Scope::Month(month) && k.destroyed_at.is_none())
    .filter(|k| provider.is_none_or(|p| k.provider == p))
    .collect();
    let scope = provider.map_or("any provider".to_owned(), |p| format!("provider {p}"));
    if keys.is_empty() {
        eprintln!("no live key of {scope} for {month}: nothing to shred");
        return Ok(0);
    }
    if !yes {
        eprintln!(
            "would destroy {} key(s) of {scope} for {month}: {}; the versions that ended in \
             {month} would be unreadable for good. Add --yes to destroy them",
            keys.len(),
            ids(&keys)
        );
        return Ok(0);
    }
    rotate_older_open_keys(cli, unseal, &dir, &keys, month).await?;
    let mut done = Vec::new();
    for k in &keys {
        done.push(datakeys::destroy(&dir, k.id)?);
    }
    eprintln!(
        "destroyed {} key(s) of {scope} for {month}: {}",
        done.len(),
        ids(&done)
    );
    point::open_auditor(&cli.data, &cli.store)
        .await?
        .record(
            super::now(),
            vec![Event::Destruction {
                what: "month-keys".into(),
                scope: format!("{month} {scope}"),
                count: done.len() as u64,
            }],
        )
        .await?;
    Ok(0)
}

/// A version that ended in `month` was sealed, while it was open, under an open key of its
/// provider; a copy of the database from before it closed still holds that blob, and
/// validity moments are the provider's snapshot moments, not when the point sealed. So
/// destroying the month's keys destroys the month in every copy only if the provider's
/// open keys alive now go too: each provider whose month keys are shredded has its open
/// key rotated first (its open versions sealed again under a new one, the older ones
/// destroyed), which needs the point unsealed.
async fn rotate_older_open_keys(
    cli: &Cli,
    unseal: &UnsealFlags,
    dir: &std::path::Path,
    shredding: &[KeyInfo],
    month: Month,
) -> Result<()> {
    let shredded: Vec<&str> = shredding.iter().map(|k| k.provider.as_str()).collect();
    let mut providers: Vec<String> = datakeys::list(dir)?
        .into_iter()
        .filter(|k| matches!(k.scope, Scope::Open(_)) && k.destroyed_at.is_none())
        .filter(|k| shredded.contains(&k.provider.as_str()))
        .map(|k| k.provider)
        .collect();
    providers.sort_unstable();
    providers.dedup();
    if providers.is_empty() {
        return Ok(());
    }
    let point = point::open(&cli.data, &cli.store, &unseal.unsealing(), super::clock())
        .await
        .with_context(|| {
            format!(
                "copies of the database made before the versions that ended in {month} closed \
                 still hold them sealed under the open key of {} (still alive): shredding \
                 rotates that key first, which needs the point unsealed",
                providers.join(", ")
            )
        })?;
    for provider in &providers {
        let r = rotate(&point.store, &point.keys, provider).await?;
        point
            .auditor
            .record(
                super::now(),
                vec![Event::Config {
                    change: "open-key-rotated".into(),
                    subject: provider.clone(),
                    detail: format!(
                        "new key {:08x}; {} versions sealed again; before shredding {month}",
                        r.key.id, r.resealed
                    ),
                }],
            )
            .await?;
        eprintln!(
            "provider {provider}: open key rotated before shredding {month} (older open keys \
             destroyed: {}), so that no copy of the database can open what ended in {month}",
            ids(&r.destroyed)
        );
    }
    point.finish().await;
    Ok(())
}

fn ids(keys: &[KeyInfo]) -> String {
    if keys.is_empty() {
        return "none".into();
    }
    keys.iter()
        .map(|k| format!("{:08x} ({} {})", k.id, k.provider, k.scope))
        .collect::<Vec<_>>()
        .join(", ")
}

fn to_json(k: &KeyInfo, zone: LegalZone) -> serde_json::Value {
    serde_json::json!({
        "key": format!("{:08x}", k.id),
        "provider": k.provider,
        "class": k.class.as_str(),
        "scope": k.scope.to_string(),
        "created": render::time(k.created_at, zone),
        "destroyed": k.destroyed_at.map(|t| render::time(t, zone)),
    })
}

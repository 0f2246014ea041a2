//! Rotating a provider's open data key without downtime: a new key seals new versions at
//! once, the open versions are sealed again under it page by page (lookups and
//! deliveries go on meanwhile, both keys being readable), and only when none is left
//! under an older key are the older keys destroyed.

use std::sync::Arc;

use tdip_crypto::Sealer;
use tdip_store::{Reseal, Store, VersionRow};

use crate::CoreError;
use crate::datakeys::{DataClass, KeyInfo, Scope};
use crate::keys::{PointKeys, VersionAad};

/// Open versions read and sealed again per store transaction.
const PAGE: u32 = 2048;

/// What a rotation did.
#[derive(Debug)]
pub struct Rotation {
    /// The new open key.
    pub key: KeyInfo,
    /// Open versions sealed again under it.
    pub resealed: u64,
    /// The older open keys, now destroyed.
    pub destroyed: Vec<KeyInfo>,
}

/// Rotates `provider`'s open key for subscriber data (see the module documentation).
pub async fn rotate<S: Store>(
    store: &S,
    keys: &PointKeys,
    provider: &str,
) -> Result<Rotation, CoreError> {
    if store.provider(provider).await?.is_none() {
        return Err(CoreError::UnknownProvider(provider.to_owned()));
    }
    let class = DataClass::Subscriber;
    let key = keys.data().rotate(provider, class)?;
    let sealer = keys
        .data()
        .sealer(key.id)?
        .ok_or(CoreError::Internal("a key just created was destroyed"))?;
    // Waits for the write lock: a delivery that chose the older key before the new one
    // existed has ended once this returns, and every later delivery seals under the new key.
    store.reseal(provider, &[]).await?;

    let mut resealed = 0;
    let mut after = 0;
    loop {
        let page = store.open_versions_page(provider, after, PAGE).await?;
        let Some(last) = page.last() else { break };
        after = last.id;
        let changes = reseal_page(keys, &sealer, page)?;
        resealed += store.reseal(provider, &changes).await?;
    }
    let left = under_older_keys(store, provider, key.id).await?;
    if left > 0 {
        return Err(CoreError::Config(format!(
            "{left} open versions of provider {provider} are still sealed under older keys \
             (was another rotation running?); run `tdip keys rotate` again"
        )));
    }
    let mut destroyed = Vec::new();
    for old in keys.data().list()? {
        let older = matches!(old.scope, Scope::Open(g) if Some(g) < generation(&key));
        if old.provider == provider && old.class == class && older && old.destroyed_at.is_none() {
            destroyed.push(keys.data().destroy(old.id)?);
        }
    }
    Ok(Rotation {
        key,
        resealed,
        destroyed,
    })
}

fn generation(key: &KeyInfo) -> Option<u32> {
    match key.scope {
        Scope::Open(g) => Some(g),
        Scope::Month(_) => None,
    }
}

fn reseal_page(
    keys: &PointKeys,
    sealer: &Arc<Sealer>,
    page: Vec<VersionRow>,
) -> Result<Vec<Reseal>, CoreError> {
    let new_id = sealer.key_id();
    let mut out = Vec::new();
    for v in page {
        if Sealer::key_id_of(&v.sealed)? == new_id {
            continue;
        }
        let plain = keys.open_version(&v)?.ok_or_else(|| {
            CoreError::Config(format!(
                "open version {} is sealed under a destroyed key; the key directory does not \
                 belong to this store",
                v.id
            ))
        })?;
        let aad = VersionAad::of_row(&v);
        out.push(Reseal {
            id: v.id,
            new: sealer.seal(aad.as_bytes(), &plain),
            old: v.sealed,
        });
    }
    Ok(out)
}

async fn under_older_keys<S: Store>(
    store: &S,
    provider: &str,
    key_id: u32,
) -> Result<u64, CoreError> {
    let (mut left, mut after) = (0, 0);
    loop {
        let page = store.open_versions_page(provider, after, PAGE).await?;
        let Some(last) = page.last() else {
            return Ok(left);
        };
        after = last.id;
        for v in &page {
            if Sealer::key_id_of(&v.sealed)? != key_id {
                left += 1;
            }
        }
    }
}

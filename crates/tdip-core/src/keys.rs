//! The keys of one running point, ready for the hot paths: a blind-index key per
//! identifier kind, one for subscription ids, the row-fingerprint key and the data keys.

use std::path::Path;
use std::sync::Arc;

use tdip_crypto::{BlindKey, Kek, Keyring, RootKey, Sealer};
use tdip_model::IdentKind;
use tdip_model::subscription::Subscription;
use tdip_store::{BlindIndex, VersionRow};
use zeroize::Zeroizing;

use crate::CoreError;
use crate::datakeys::DataKeys;

/// Keys of one point, derived once at start.
#[derive(Clone, Debug)]
pub struct PointKeys {
    ring: Keyring,
    idents: Vec<BlindKey>,
    subscription_id: BlindKey,
    data: Arc<DataKeys>,
}

impl PointKeys {
    /// Derives every key from the root key; data keys are kept in `key_dir`.
    pub fn new(root: &RootKey, key_dir: &Path) -> Result<Self, CoreError> {
        let ring = Keyring::from_root(root);
        let idents = IdentKind::ALL
            .iter()
            .map(|k| ring.blind_key(&format!("ident/{}", k.as_str())))
            .collect();
        let subscription_id = ring.blind_key("subscription-id");
        let data = Arc::new(DataKeys::open(key_dir, &ring)?);
        Ok(PointKeys {
            ring,
            idents,
            subscription_id,
            data,
        })
    }

    /// Blind index of a normalised identifier.
    pub fn ident(&self, kind: IdentKind, normalised: &str) -> BlindIndex {
        let pos = IdentKind::ALL
            .iter()
            .position(|k| *k == kind)
            .expect("every kind is in ALL");
        BlindIndex(self.idents[pos].index(normalised.as_bytes()))
    }

    /// Blind index of a provider's subscription id; the provider is part of the input so
    /// that equal ids at two providers do not link.
    pub fn subscription(&self, provider: &str, subscription_id: &str) -> BlindIndex {
        BlindIndex(
            self.subscription_id
                .index_parts([provider.as_bytes(), subscription_id.as_bytes()]),
        )
    }

    /// The keyring's audit keys: the sealer of identifiers kept for oversight and the seed
    /// of the log's signing key.
    pub fn ring(&self) -> &Keyring {
        &self.ring
    }

    /// The row-fingerprint key.
    pub fn fingerprint(&self) -> &BlindKey {
        self.ring.fingerprint()
    }

    /// The key-encryption key (wraps data keys and the spool's private key).
    pub fn kek(&self) -> &Kek {
        self.ring.kek()
    }

    /// The data keys.
    pub fn data(&self) -> &DataKeys {
        &self.data
    }

    /// The plaintext of a stored version's blob, opened with the key its header names
    /// and bound to its row: `None` if that key was destroyed (its month was shredded).
    pub fn open_version(&self, v: &VersionRow) -> Result<Option<Zeroizing<Vec<u8>>>, CoreError> {
        let Some(sealer) = self.data.sealer(Sealer::key_id_of(&v.sealed)?)? else {
            return Ok(None);
        };
        let aad = VersionAad::new(&v.provider, &v.sub_key, v.valid_from);
        Ok(Some(sealer.open(aad.as_bytes(), &v.sealed)?))
    }

    /// Unseals a stored version: `None` if its key was destroyed (its month was shredded).
    pub fn unseal(&self, v: &VersionRow) -> Result<Option<Subscription>, CoreError> {
        match self.open_version(v)? {
            Some(plain) => crate::sealed::decode(&plain).map(Some),
            None => Ok(None),
        }
    }
}

/// The associated data that binds a sealed subscription to its version row: a label,
/// the provider id, the subscription key and the version's start.
pub struct VersionAad {
    buf: [u8; 128],
    len: usize,
}

impl VersionAad {
    /// The associated data of one version row. Provider ids are at most 32 bytes.
    pub fn new(provider: &str, sub_key: &BlindIndex, valid_from: i64) -> Self {
        const LABEL: &[u8] = b"tdip/v1/subscription-version\0";
        let provider = &provider.as_bytes()[..provider.len().min(64)];
        let mut buf = [0u8; 128];
        let mut len = 0;
        for part in [LABEL, provider, &[0], &sub_key.0, &valid_from.to_le_bytes()] {
            buf[len..len + part.len()].copy_from_slice(part);
            len += part.len();
        }
        VersionAad { buf, len }
    }

    /// The bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.buf[..self.len]
    }
}

//! The keys of one running point, ready for the hot paths: a blind-index key per
//! identifier kind, one for subscription ids, the row-fingerprint key and the data keys.

use std::path::Path;
use std::sync::Arc;

use tdip_crypto::{BlindKey, CryptoError, Kek, Keyring, RootKey, Sealer};
use tdip_model::IdentKind;
use tdip_model::subscription::Subscription;
use tdip_store::{BlindIndex, VersionRow};
use zeroize::Zeroizing;

use crate::CoreError;
use crate::datakeys::{DataClass, DataKeys, Month, Scope};

/// Keys of one point, derived once at start.
#[derive(Clone, Debug)]
pub struct PointKeys {
    ring: Keyring,
    idents: Vec<BlindKey>,
    subscription_id: BlindKey,
    traffic: crate::traffic::TrafficKeys,
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
        let traffic = crate::traffic::TrafficKeys::new(&ring);
        Ok(PointKeys {
            ring,
            idents,
            subscription_id,
            traffic,
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

    /// The blind-index keys of retained traffic rows.
    pub fn traffic(&self) -> &crate::traffic::TrafficKeys {
        &self.traffic
    }

    /// The data keys.
    pub fn data(&self) -> &DataKeys {
        &self.data
    }

    /// The plaintext of a stored version's blob, opened with the key its header names
    /// and bound to its row: `None` if that key was destroyed (its month was shredded).
    ///
    /// The row must be what the blob was sealed for: an open version under one of its
    /// provider's open keys, a closed one under the key of the month its validity ended
    /// in, and validity (start, end, last seen, the delivery before it) as the associated
    /// data binds it. Anything else is [`CoreError::Tampered`]: a row edited around tdip,
    /// or a blob copied back from an older copy of the store to undo a shredding.
    pub fn open_version(&self, v: &VersionRow) -> Result<Option<Zeroizing<Vec<u8>>>, CoreError> {
        let Some(key) = self.data.key(Sealer::key_id_of(&v.sealed)?)? else {
            return Ok(None);
        };
        if let Some(described) = &key.scope {
            let (provider, class, scope) = &**described;
            let fits = provider == &v.provider
                && *class == DataClass::Subscriber
                && match (scope, v.valid_to) {
                    (Scope::Open(_), None) => true,
                    (Scope::Month(m), Some(to)) => Month::of(to).is_ok_and(|t| t == *m),
                    _ => false,
                };
            if !fits {
                let wanted = match v.valid_to {
                    None => "an open key of its provider".to_owned(),
                    Some(to) => match Month::of(to) {
                        Ok(m) => format!("its provider's key for {m}"),
                        Err(_) => "a month key".to_owned(),
                    },
                };
                return Err(CoreError::Tampered(format!(
                    "version {} of provider {} is sealed under the {scope} key of provider \
                     {provider}, not under {wanted}: the row was changed or its sealed record \
                     copied from another row or an older copy of the store",
                    v.id, v.provider
                )));
            }
        }
        let tampered = || {
            CoreError::Tampered(format!(
                "version {} of provider {} does not open as its row describes it: its \
                 validity or its sealed record was changed",
                v.id, v.provider
            ))
        };
        match key.sealer.open(VersionAad::of_row(v).as_bytes(), &v.sealed) {
            Ok(plain) => Ok(Some(plain)),
            // Sealed before validity was bound to the blob: its key's scope still binds
            // open or closed, and the month.
            Err(CryptoError::Tampered) => key
                .sealer
                .open(
                    VersionAad::legacy(&v.provider, &v.sub_key, v.valid_from).as_bytes(),
                    &v.sealed,
                )
                .map(Some)
                .map_err(|e| match e {
                    CryptoError::Tampered => tampered(),
                    e => e.into(),
                }),
            Err(e) => Err(e.into()),
        }
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
/// the provider id, the subscription key, the version's start and the delivery before it,
/// and — once closed — the end of its validity and the last delivery that showed it. An
/// edit of any of them makes the blob fail to open, as a swapped blob does.
pub struct VersionAad {
    buf: [u8; 192],
    len: usize,
}

impl VersionAad {
    /// The associated data of an open version.
    pub fn open(
        provider: &str,
        sub_key: &BlindIndex,
        valid_from: i64,
        seen_before: Option<i64>,
    ) -> Self {
        Self::build(provider, sub_key, valid_from, seen_before, None)
    }

    /// The associated data of a version closed at `valid_to`, last shown by the delivery
    /// of `last_seen`.
    pub fn closed(
        provider: &str,
        sub_key: &BlindIndex,
        valid_from: i64,
        seen_before: Option<i64>,
        valid_to: i64,
        last_seen: i64,
    ) -> Self {
        Self::build(
            provider,
            sub_key,
            valid_from,
            seen_before,
            Some((valid_to, last_seen)),
        )
    }

    /// The associated data a stored row must have been sealed with.
    pub fn of_row(v: &VersionRow) -> Self {
        let closed = v.valid_to.map(|to| (to, v.last_seen.unwrap_or(i64::MIN)));
        Self::build(&v.provider, &v.sub_key, v.valid_from, v.seen_before, closed)
    }

    /// The associated data of blobs sealed before validity was bound (format 1):
    /// provider, subscription key and start only. Only for reading them.
    pub fn legacy(provider: &str, sub_key: &BlindIndex, valid_from: i64) -> Self {
        const LABEL: &[u8] = b"tdip/v1/subscription-version\0";
        let mut aad = VersionAad {
            buf: [0u8; 192],
            len: 0,
        };
        let provider = &provider.as_bytes()[..provider.len().min(64)];
        for part in [LABEL, provider, &[0], &sub_key.0, &valid_from.to_le_bytes()] {
            aad.push(part);
        }
        aad
    }

    fn build(
        provider: &str,
        sub_key: &BlindIndex,
        valid_from: i64,
        seen_before: Option<i64>,
        closed: Option<(i64, i64)>,
    ) -> Self {
        const LABEL: &[u8] = b"tdip/v2/subscription-version\0";
        let mut aad = VersionAad {
            buf: [0u8; 192],
            len: 0,
        };
        let provider = &provider.as_bytes()[..provider.len().min(64)];
        for part in [LABEL, provider, &[0], &sub_key.0, &valid_from.to_le_bytes()] {
            aad.push(part);
        }
        match seen_before {
            Some(t) => {
                aad.push(&[1]);
                aad.push(&t.to_le_bytes());
            }
            None => aad.push(&[0]),
        }
        match closed {
            Some((to, last)) => {
                aad.push(&[1]);
                aad.push(&to.to_le_bytes());
                aad.push(&last.to_le_bytes());
            }
            None => aad.push(&[0]),
        }
        aad
    }

    fn push(&mut self, part: &[u8]) {
        self.buf[self.len..self.len + part.len()].copy_from_slice(part);
        self.len += part.len();
    }

    /// The bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.buf[..self.len]
    }
}

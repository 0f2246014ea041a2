//! The records that cross the storage traits: blind indexes, sealed blobs and times only.
//!
//! Times are UTC seconds since the Unix epoch.

use std::fmt;

/// A 128-bit blind index of an identifier or subscription id (see tdip-crypto).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct BlindIndex(pub [u8; 16]);

impl fmt::Debug for BlindIndex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "BlindIndex(")?;
        for b in &self.0[..4] {
            write!(f, "{b:02x}")?;
        }
        write!(f, "…)")
    }
}

/// A provider registered at the point.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Provider {
    /// Short id, `[a-z0-9][a-z0-9-]{0,31}`.
    pub id: String,
    /// Display name.
    pub name: String,
    /// ISO 3166-1 alpha-2 country, the default for national phone numbers.
    pub country: String,
    /// IANA zone of the provider's local times (`Europe/Amsterdam`, `Europe/Brussels`).
    pub zone: String,
    /// Registration moment.
    pub created_at: i64,
}

/// How a delivery ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DeliveryOutcome {
    /// Validated and applied.
    Accepted,
    /// Refused as a whole; nothing changed.
    Rejected,
}

impl DeliveryOutcome {
    /// Stable lower-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryOutcome::Accepted => "accepted",
            DeliveryOutcome::Rejected => "rejected",
        }
    }

    /// Parses [`DeliveryOutcome::as_str`].
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "accepted" => Some(DeliveryOutcome::Accepted),
            "rejected" => Some(DeliveryOutcome::Rejected),
            _ => None,
        }
    }
}

/// A delivery log entry to write.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewDelivery {
    /// Provider id.
    pub provider: String,
    /// When the point received it.
    pub received_at: i64,
    /// The snapshot moment the provider declared.
    pub snapshot_at: i64,
    /// Data rows in the file.
    pub rows: u64,
    /// Versions opened for new subscriptions.
    pub opened: u64,
    /// Subscriptions whose content changed (old version closed, new opened).
    pub changed: u64,
    /// Subscriptions that vanished (version closed).
    pub closed: u64,
    /// Rows with errors (rejected deliveries only).
    pub errors: u64,
    /// SHA-256 of the file as received.
    pub checksum: [u8; 32],
    /// Outcome.
    pub outcome: DeliveryOutcome,
}

/// A delivery log entry as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeliveryRecord {
    /// Log id, increasing.
    pub id: i64,
    /// The entry.
    pub delivery: NewDelivery,
}

/// Accepted-delivery span of one provider.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeliverySpan {
    /// Provider id.
    pub provider: String,
    /// Snapshot moment of the first accepted delivery.
    pub first_snapshot: i64,
    /// Snapshot moment of the latest accepted delivery.
    pub latest_snapshot: i64,
    /// When the latest accepted delivery was received.
    pub latest_received: i64,
    /// Accepted deliveries.
    pub accepted: u64,
}

/// A subscriber version to open.
#[derive(Clone, PartialEq, Eq)]
pub struct NewVersion {
    /// Blind index of the provider's subscription id. It is derived from the provider
    /// and the id together, so it is unique across providers; backends may rely on that.
    pub sub_key: BlindIndex,
    /// Snapshot moment of the delivery that first showed this version.
    pub valid_from: i64,
    /// Snapshot moment of the provider's previous delivery, if any: the change lies
    /// after it. `None` for versions from a provider's first delivery.
    pub seen_before: Option<i64>,
    /// The sealed subscription (personal data and identifier values).
    pub sealed: Vec<u8>,
}

impl fmt::Debug for NewVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NewVersion")
            .field("sub_key", &self.sub_key)
            .field("valid_from", &self.valid_from)
            .field("sealed_len", &self.sealed.len())
            .finish()
    }
}

/// A stored subscriber version.
#[derive(Clone, PartialEq, Eq)]
pub struct VersionRow {
    /// Version id.
    pub id: i64,
    /// Provider id.
    pub provider: String,
    /// Blind index of the subscription id.
    pub sub_key: BlindIndex,
    /// Delivery that opened it.
    pub opened_by: i64,
    /// See [`NewVersion::valid_from`].
    pub valid_from: i64,
    /// See [`NewVersion::seen_before`].
    pub seen_before: Option<i64>,
    /// Snapshot moment of the delivery that no longer showed it; `None` while open.
    pub valid_to: Option<i64>,
    /// Snapshot moment of the last delivery that showed it, once closed.
    pub last_seen: Option<i64>,
    /// The sealed subscription.
    pub sealed: Vec<u8>,
}

impl fmt::Debug for VersionRow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VersionRow")
            .field("id", &self.id)
            .field("provider", &self.provider)
            .field("valid_from", &self.valid_from)
            .field("valid_to", &self.valid_to)
            .field("sealed_len", &self.sealed.len())
            .finish_non_exhaustive()
    }
}

/// A sealed blob to replace (see [`crate::Store::reseal`]).
#[derive(Clone, PartialEq, Eq)]
pub struct Reseal {
    /// Version id.
    pub id: i64,
    /// The blob expected to be stored now.
    pub old: Vec<u8>,
    /// The blob to store instead.
    pub new: Vec<u8>,
}

impl fmt::Debug for Reseal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Reseal")
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

/// A provider's state as the store holds it, read at one moment: what the point compares
/// with the state the audit log recorded after the provider's latest accepted delivery.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct ProviderRows {
    /// Open versions: (id, subscription key), by id.
    pub open: Vec<(i64, BlindIndex)>,
    /// Versions of the provider, open and closed.
    pub versions: u64,
    /// Blind-index entries that point at the provider's versions.
    pub indexes: u64,
    /// The snapshot index's parts as stored (see [`crate::DeliveryTx::snapshot`]).
    pub snapshot: Vec<Vec<u8>>,
}

impl fmt::Debug for ProviderRows {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProviderRows")
            .field("open", &self.open.len())
            .field("versions", &self.versions)
            .field("indexes", &self.indexes)
            .field("snapshot_parts", &self.snapshot.len())
            .finish()
    }
}

//! What the audit log records: one entry per event, stored compactly (postcard) as the
//! bytes whose digest is the entry's Merkle leaf, and shown as JSON. No entry holds a plaintext identifier or personal datum of a
//! subscriber: the identifier asked about is kept as its blind index and sealed for
//! oversight.

use serde::{Deserialize, Serialize};

/// The version of the entry format.
pub const FORMAT: u8 = 1;

/// The moment or period a consultation asked about (UTC seconds).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AskedPeriod {
    /// From (equal to `to` for a moment).
    pub from: i64,
    /// To.
    pub to: i64,
}

/// Whether a consultation found anything.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    /// At least one record.
    Hit,
    /// None (an answer too, and counted).
    NoHit,
}

/// One audited event.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Event {
    /// A consultation asked: who asked, under what, for what kind of data.
    Request {
        /// The consultation's reference, shared by its reference, answer or refusal.
        consultation: String,
        /// Qualified agency id.
        agency: String,
        /// The officer's id within the agency.
        officer: String,
        /// Qualified legal basis id.
        basis: String,
        /// Case or order reference.
        case_reference: String,
        /// The authorising official, where named.
        authorised_by: Option<String>,
        /// `normal` or `urgent`.
        urgency: String,
        /// The data category asked for.
        category: String,
        /// The kind of identifier asked about.
        query: String,
        /// The moment or period asked about.
        asked: AskedPeriod,
        /// Through what the demand came (`cli`, `api`, `hi1`).
        channel: String,
    },
    /// The identifier a consultation asked about: its blind index (to find every
    /// consultation about the same identifier) and the identifier sealed for oversight.
    Reference {
        /// The consultation.
        consultation: String,
        /// Blind index of the normalised identifier; none if it did not parse.
        #[serde(with = "hex_bytes")]
        blind: Option<Vec<u8>>,
        /// The identifier as asked, sealed under the point's audit key.
        #[serde(with = "hex_bytes::required")]
        sealed: Vec<u8>,
    },
    /// What was provided: the proof of provision.
    Answer {
        /// The consultation.
        consultation: String,
        /// Hit or no hit.
        outcome: Outcome,
        /// Providers whose records were given.
        providers: Vec<String>,
        /// Records given.
        records: u32,
        /// How old the data asked about was when answered (now minus the earliest moment
        /// asked), seconds: what the deadlines and statistics distinguish.
        age_seconds: i64,
    },
    /// A consultation refused, and why (as the officer was told).
    Refusal {
        /// The consultation.
        consultation: String,
        /// Stable code.
        code: String,
        /// The reason given.
        reason: String,
    },
    /// A delivery received: applied, refused or spooled.
    Delivery {
        /// Provider id.
        provider: String,
        /// `applied`, `refused`, `spooled`.
        outcome: String,
        /// Rows read.
        rows: u64,
        /// Versions opened and closed (applied deliveries).
        opened: u64,
        /// Versions closed.
        closed: u64,
    },
    /// Data or log bodies destroyed at the end of their retention.
    Destruction {
        /// What (`month-keys`, `audit-bodies`).
        what: String,
        /// Scope, e.g. `2026-10` or `2026-10 provider kpn`, or a retention class.
        scope: String,
        /// How many keys or bodies.
        count: u64,
    },
    /// Custodians' shares given to unseal the point for a command.
    Unseal {
        /// Shares accepted.
        accepted: u32,
        /// Shares refused.
        refused: u32,
        /// Whether the point opened.
        opened: bool,
    },
    /// A change of configuration: officers, suspensions, keys.
    Config {
        /// What changed (`officer-added`, `officer-suspended`, `agency-suspended`, …).
        change: String,
        /// About whom or what (`nl/politie 12345`).
        subject: String,
        /// Details (a suspension's reason, an expiry).
        detail: String,
    },
    /// What was provided, when it was due, and how long the point took: the proof of
    /// provision, with what the deadline statistics need. Answers logged before tdip
    /// recorded deadlines are [`Event::Answer`]; both are entries of kind `answer`. (A new
    /// variant rather than new fields: the stored bodies of older entries still read.)
    Answered {
        /// The consultation.
        consultation: String,
        /// Hit or no hit.
        outcome: Outcome,
        /// Providers whose records were given.
        providers: Vec<String>,
        /// Records given.
        records: u32,
        /// How old the data asked about was when answered, seconds.
        age_seconds: i64,
        /// When the answer was due (UTC seconds).
        due: i64,
        /// The rule that set it (`real-time`, `retrospective`, `set-by-demand`).
        due_rule: String,
        /// Milliseconds from the demand's receipt to its answer.
        took_ms: u64,
    },
    /// An accepted delivery with the state it left the provider in: what every start
    /// of the point and `tdip audit verify --check-store` compare the store with, so that a
    /// deleted, rolled-back or resurrected version or snapshot index is named. Kind
    /// `delivery`; deliveries accepted before it was written are [`Event::Delivery`].
    DeliveryAccepted {
        /// Provider id.
        provider: String,
        /// The delivery log's id of it.
        delivery: i64,
        /// The snapshot moment declared.
        snapshot_at: i64,
        /// SHA-256 of the file as received.
        #[serde(with = "hex_bytes::required")]
        checksum: Vec<u8>,
        /// Rows read.
        rows: u64,
        /// Versions opened for new subscriptions.
        opened: u64,
        /// Subscriptions changed (one version closed, one opened).
        changed: u64,
        /// Versions closed for vanished subscriptions.
        closed: u64,
        /// The provider's state after it.
        state: ProviderState,
        /// Written when the point started after a stop that lost the entry (the
        /// delivery had committed; its entry had not been written yet).
        recovered: bool,
    },
    /// Audit bodies destroyed by a purge at the end of their retention: the only way a
    /// body may go. Kind `destruction`; `tdip audit verify` accepts a missing body only
    /// inside such a range, of that kind, and past its class's term.
    Purge {
        /// The retention class.
        class: String,
        /// The kind of entry whose bodies went.
        kind: String,
        /// Bodies of entries of that kind before this moment (UTC seconds) went.
        before: i64,
        /// The first entry number the purge covered.
        first: u64,
        /// The last entry number it covered.
        last: u64,
        /// How many bodies went.
        count: u64,
    },
    /// Something changed around the application was found: the store's state, the
    /// officer registry, an access-control file. Kind `integrity`.
    Integrity {
        /// What was checked (`store-state`, `officer-registry`, `access-file`, `audit-head`).
        what: String,
        /// About whom or what (a provider, an officer, a file name).
        subject: String,
        /// What differs, without any subscriber value.
        detail: String,
    },
    /// A batch of retained traffic data applied or rejected (kind `delivery`): what it
    /// added, never a record's content.
    TrafficBatch {
        /// Provider id.
        provider: String,
        /// The provider's id of the batch.
        batch: String,
        /// `cgnat` or `session`.
        kind: String,
        /// The batch log's sequence number of it.
        seq: i64,
        /// `accepted` or `rejected`.
        outcome: String,
        /// SHA-256 of the batch as received.
        #[serde(with = "hex_bytes::required")]
        checksum: Vec<u8>,
        /// Records read.
        records: u64,
        /// Records written to their days.
        closed: u64,
        /// Records left open.
        opened: u64,
        /// Open records of earlier batches it closed.
        ended: u64,
        /// Records with errors.
        errors: u64,
    },
    /// A step of retention (kind `destruction`): one period of one class of data
    /// destroyed at the end of its term. Written before the destruction starts (`begun`,
    /// with what the period holds) and when it is done (`done`, with what went), so a run
    /// stopped in between is seen and finished by the next; never any of the data.
    Retention {
        /// `begun` or `done`.
        step: String,
        /// `subscriber` (closed versions of a month and their month keys), `traffic-day`
        /// (a UTC day partition of every provider's traffic records and communications),
        /// `traffic-keys` (a provider's traffic keys of a month whose every day went),
        /// `payment` (a provider's payments of a month and its payment keys of the month).
        class: String,
        /// Provider id; empty for a day partition, which holds every provider's records.
        provider: String,
        /// The period: `YYYY-MM` for a month, `YYYY-MM-DD` for a day (UTC).
        period: String,
        /// Records: versions, or traffic records and communications.
        records: u64,
        /// Blind-index entries of those versions.
        indexes: u64,
        /// Data keys destroyed (ids, hex).
        keys: Vec<String>,
        /// The rule applied, with its source and the term.
        rule: String,
        /// The moment the period became due (UTC seconds).
        due: i64,
        /// Preservation orders that held data of this period back past its due moment
        /// (their ids; each has ended or been lifted since).
        preserved: Vec<String>,
    },
    /// A preservation order placed, extended or lifted (kind `config`): a provider's data
    /// of a period kept past its term for a case, until a moment at the latest.
    Preservation {
        /// `placed`, `extended` or `lifted`.
        action: String,
        /// The order's id.
        id: String,
        /// The case reference.
        case: String,
        /// The legal basis it is ordered under.
        basis: String,
        /// The provider whose data it holds.
        provider: String,
        /// `traffic`, `subscriber` or `all`.
        class: String,
        /// Start of the period held (UTC seconds).
        from: i64,
        /// End of the period held (UTC seconds, inclusive).
        to: i64,
        /// It holds until this moment at the latest (for `extended`: the new end).
        until: i64,
        /// Why it was placed, extended or lifted, as the operator wrote it.
        reason: String,
    },
}

/// A provider's state after an accepted delivery, as counts and digests (no subscriber
/// value): what the store must still hold.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProviderState {
    /// Open versions (one per subscription in the snapshot index).
    pub open: u64,
    /// Versions of the provider, open and closed.
    pub versions: u64,
    /// Blind-index entries pointing at the provider's versions.
    pub indexes: u64,
    /// SHA-256 (hex) of each stored part of the snapshot index, in order: a base, then
    /// the deltas appended since.
    pub index_parts: Vec<String>,
}

/// Every kind of entry, as stored in the log's `kind` column.
pub const KINDS: &[&str] = &[
    "request",
    "reference",
    "answer",
    "refusal",
    "delivery",
    "destruction",
    "unseal",
    "config",
    "integrity",
];

impl Event {
    /// The entry's kind.
    pub fn kind(&self) -> &'static str {
        match self {
            Event::Request { .. } => "request",
            Event::Reference { .. } => "reference",
            Event::Answer { .. } | Event::Answered { .. } => "answer",
            Event::Refusal { .. } => "refusal",
            Event::Delivery { .. }
            | Event::DeliveryAccepted { .. }
            | Event::TrafficBatch { .. } => "delivery",
            Event::Destruction { .. } | Event::Purge { .. } | Event::Retention { .. } => {
                "destruction"
            }
            Event::Integrity { .. } => "integrity",
            Event::Unseal { .. } => "unseal",
            Event::Config { .. } | Event::Preservation { .. } => "config",
        }
    }

    /// The consultation it belongs to, if any.
    pub fn consultation(&self) -> Option<&str> {
        match self {
            Event::Request { consultation, .. }
            | Event::Reference { consultation, .. }
            | Event::Answer { consultation, .. }
            | Event::Answered { consultation, .. }
            | Event::Refusal { consultation, .. } => Some(consultation),
            _ => None,
        }
    }

    /// The event's fields as JSON, for reading (without the variant name, which is the
    /// entry's kind).
    pub fn to_json(&self) -> serde_json::Value {
        match serde_json::to_value(self) {
            Ok(serde_json::Value::Object(m)) if m.len() == 1 => {
                m.into_iter().next().map(|(_, v)| v).unwrap_or_default()
            }
            _ => serde_json::Value::Null,
        }
    }
}

/// An entry as stored: format, time and event.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EntryBody {
    /// Entry format.
    pub v: u8,
    /// When, UTC seconds.
    pub at: i64,
    /// The event.
    pub event: Event,
}

impl EntryBody {
    /// The stored bytes: postcard, about a third of the JSON (the log is written for
    /// every lookup, so its bytes are its cost).
    pub fn to_bytes(&self) -> Vec<u8> {
        postcard::to_allocvec(self).expect("an audit body always serialises")
    }

    /// Reads stored bytes.
    pub fn from_bytes(bytes: &[u8]) -> Result<EntryBody, postcard::Error> {
        postcard::from_bytes(bytes)
    }
}

/// Byte fields: raw in the stored (binary) form, hex when shown as JSON.
mod hex_bytes {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub fn serialize<S: Serializer>(v: &Option<Vec<u8>>, s: S) -> Result<S::Ok, S::Error> {
        if s.is_human_readable() {
            v.as_ref().map(hex::encode).serialize(s)
        } else {
            v.serialize(s)
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Vec<u8>>, D::Error> {
        if d.is_human_readable() {
            Option::<String>::deserialize(d)?
                .map(|h| hex::decode(h).map_err(serde::de::Error::custom))
                .transpose()
        } else {
            Option::<Vec<u8>>::deserialize(d)
        }
    }

    /// The same for a field that is always there.
    pub mod required {
        use serde::{Deserialize, Deserializer, Serialize, Serializer};

        pub fn serialize<S: Serializer>(v: &[u8], s: S) -> Result<S::Ok, S::Error> {
            if s.is_human_readable() {
                s.serialize_str(&hex::encode(v))
            } else {
                v.serialize(s)
            }
        }

        pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
            if d.is_human_readable() {
                hex::decode(String::deserialize(d)?).map_err(serde::de::Error::custom)
            } else {
                Vec::<u8>::deserialize(d)
            }
        }
    }
}

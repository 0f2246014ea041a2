//! The snapshot index: what the last accepted delivery of a provider looked like, kept
//! so that the next full delivery can be compared without reading subscriber rows.
//!
//! One fixed-size entry per subscription, sorted by subscription key: the key, the
//! fingerprint of the row as delivered (fast path: identical rows), the fingerprint of
//! the normalised row (rows that only changed formatting), and the open version's id.
//! Fingerprints are keyed MACs, so the index reveals nothing about the rows.

use tdip_store::{BlindIndex, StoreError};

const MAGIC: &[u8; 8] = b"TDSNAP01";
const ENTRY: usize = 16 + 16 + 16 + 8;

/// One subscription in the snapshot index.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Entry {
    /// Blind index of the subscription id.
    pub sub_key: BlindIndex,
    /// Fingerprint of the row as delivered.
    pub raw_fp: [u8; 16],
    /// Fingerprint of the normalised row.
    pub canon_fp: [u8; 16],
    /// The open version holding this row.
    pub version_id: i64,
}

/// A provider's snapshot index, sorted by `sub_key`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Snapshot {
    /// Version of the validation rules the rows were checked with. A row that is
    /// byte-identical to an accepted one is only trusted without re-validation when the
    /// rules have not changed since.
    pub rules: u32,
    /// Entries sorted by `sub_key`.
    pub entries: Vec<Entry>,
}

impl Snapshot {
    /// Index of the entry for `sub_key`.
    pub fn find(&self, sub_key: &BlindIndex) -> Option<usize> {
        self.entries
            .binary_search_by(|e| e.sub_key.cmp(sub_key))
            .ok()
    }

    /// Serialises the index.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(16 + self.entries.len() * ENTRY);
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&self.rules.to_le_bytes());
        out.extend_from_slice(&(self.entries.len() as u32).to_le_bytes());
        for e in &self.entries {
            out.extend_from_slice(&e.sub_key.0);
            out.extend_from_slice(&e.raw_fp);
            out.extend_from_slice(&e.canon_fp);
            out.extend_from_slice(&e.version_id.to_le_bytes());
        }
        out
    }

    /// Parses [`Snapshot::encode`]; empty input is the empty snapshot.
    pub fn decode(data: &[u8]) -> Result<Self, StoreError> {
        if data.is_empty() {
            return Ok(Snapshot::default());
        }
        let bad = || StoreError::Corrupt("the provider's snapshot index is malformed".into());
        if data.len() < 16 || &data[..8] != MAGIC {
            return Err(bad());
        }
        let rules = u32::from_le_bytes(data[8..12].try_into().expect("4 bytes"));
        let count = u32::from_le_bytes(data[12..16].try_into().expect("4 bytes")) as usize;
        let body = &data[16..];
        if body.len() != count * ENTRY {
            return Err(bad());
        }
        let entries: Vec<Entry> = body
            .chunks_exact(ENTRY)
            .map(|c| Entry {
                sub_key: BlindIndex(c[..16].try_into().expect("16 bytes")),
                raw_fp: c[16..32].try_into().expect("16 bytes"),
                canon_fp: c[32..48].try_into().expect("16 bytes"),
                version_id: i64::from_le_bytes(c[48..56].try_into().expect("8 bytes")),
            })
            .collect();
        if !entries.windows(2).all(|w| w[0].sub_key < w[1].sub_key) {
            return Err(bad());
        }
        Ok(Snapshot { rules, entries })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_and_decodes_and_refuses_damage() {
        let snap = Snapshot {
            rules: 3,
            entries: (0..5u8)
                .map(|i| Entry {
                    sub_key: BlindIndex([i; 16]),
                    raw_fp: [i + 1; 16],
                    canon_fp: [i + 2; 16],
                    version_id: i as i64 * 10,
                })
                .collect(),
        };
        let bytes = snap.encode();
        assert_eq!(Snapshot::decode(&bytes).unwrap(), snap);
        assert_eq!(snap.find(&BlindIndex([3; 16])), Some(3));
        assert_eq!(snap.find(&BlindIndex([9; 16])), None);
        assert!(Snapshot::decode(&bytes[..bytes.len() - 1]).is_err());
        let mut unsorted = snap.clone();
        unsorted.entries.swap(0, 1);
        assert!(Snapshot::decode(&unsorted.encode()).is_err());
        assert_eq!(Snapshot::decode(&[]).unwrap(), Snapshot::default());
    }
}

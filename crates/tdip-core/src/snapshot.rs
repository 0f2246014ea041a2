//! The snapshot index: what the last accepted delivery of a provider looked like, kept
//! so that the next full delivery can be compared without reading subscriber rows.
//!
//! One fixed-size entry per subscription, sorted by subscription key: the key, the
//! fingerprint of the row as delivered (fast path: identical rows), the fingerprint of
//! the normalised row (rows that only changed formatting), and the open version's id.
//! Fingerprints are keyed MACs, so the index reveals nothing about the rows.
//!
//! A delivery that changes little appends a [`Delta`] instead of rewriting the whole
//! index, so an ordinary day writes a few hundred kilobytes, not the full index; once
//! the deltas grow past a fraction of the base, the next delivery writes a new base.

use tdip_store::{BlindIndex, StoreError};

const MAGIC: &[u8; 8] = b"TDSNAP01";
const DELTA_MAGIC: &[u8; 8] = b"TDSDEL01";
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

/// Changes to a snapshot index: entries added or replaced, and subscriptions removed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Delta {
    /// Entries to insert or replace (by `sub_key`).
    pub upserts: Vec<Entry>,
    /// Subscriptions to remove.
    pub removals: Vec<BlindIndex>,
}

impl Delta {
    /// Number of changed entries.
    pub fn len(&self) -> usize {
        self.upserts.len() + self.removals.len()
    }

    /// Whether nothing changes.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Serialises the delta.
    pub fn encode(&self) -> Vec<u8> {
        let mut out =
            Vec::with_capacity(16 + self.upserts.len() * ENTRY + self.removals.len() * 16);
        out.extend_from_slice(DELTA_MAGIC);
        out.extend_from_slice(&(self.upserts.len() as u32).to_le_bytes());
        out.extend_from_slice(&(self.removals.len() as u32).to_le_bytes());
        for e in &self.upserts {
            put_entry(&mut out, e);
        }
        for k in &self.removals {
            out.extend_from_slice(&k.0);
        }
        out
    }

    /// Parses [`Delta::encode`].
    pub fn decode(data: &[u8]) -> Result<Self, StoreError> {
        let bad =
            || StoreError::Corrupt("a delta of the provider's snapshot index is malformed".into());
        if data.len() < 16 || &data[..8] != DELTA_MAGIC {
            return Err(bad());
        }
        let ups = u32::from_le_bytes(data[8..12].try_into().expect("4 bytes")) as usize;
        let rems = u32::from_le_bytes(data[12..16].try_into().expect("4 bytes")) as usize;
        let body = &data[16..];
        if body.len() != ups * ENTRY + rems * 16 {
            return Err(bad());
        }
        let (up, rm) = body.split_at(ups * ENTRY);
        Ok(Delta {
            upserts: up.chunks_exact(ENTRY).map(get_entry).collect(),
            removals: rm
                .chunks_exact(16)
                .map(|c| BlindIndex(c.try_into().expect("16 bytes")))
                .collect(),
        })
    }
}

fn put_entry(out: &mut Vec<u8>, e: &Entry) {
    out.extend_from_slice(&e.sub_key.0);
    out.extend_from_slice(&e.raw_fp);
    out.extend_from_slice(&e.canon_fp);
    out.extend_from_slice(&e.version_id.to_le_bytes());
}

fn get_entry(c: &[u8]) -> Entry {
    Entry {
        sub_key: BlindIndex(c[..16].try_into().expect("16 bytes")),
        raw_fp: c[16..32].try_into().expect("16 bytes"),
        canon_fp: c[32..48].try_into().expect("16 bytes"),
        version_id: i64::from_le_bytes(c[48..56].try_into().expect("8 bytes")),
    }
}

impl Snapshot {
    /// The index from stored parts: a base followed by deltas. Also returns how many
    /// delta entries were applied, to decide when to write a new base.
    pub fn load(parts: &[Vec<u8>]) -> Result<(Self, usize), StoreError> {
        let Some((base, deltas)) = parts.split_first() else {
            return Ok((Snapshot::default(), 0));
        };
        let mut snap = Snapshot::decode(base)?;
        let mut applied = 0;
        for d in deltas {
            let delta = Delta::decode(d)?;
            applied += delta.len();
            snap = snap.apply(delta);
        }
        Ok((snap, applied))
    }

    /// This index with `delta` applied.
    pub fn apply(self, mut delta: Delta) -> Snapshot {
        delta.upserts.sort_unstable_by_key(|e| e.sub_key);
        delta.removals.sort_unstable();
        let mut out = Vec::with_capacity(self.entries.len() + delta.upserts.len());
        let mut ups = delta.upserts.into_iter().peekable();
        let mut rems = delta.removals.into_iter().peekable();
        for e in self.entries {
            while let Some(u) = ups.next_if(|u| u.sub_key < e.sub_key) {
                out.push(u);
            }
            while rems.next_if(|r| *r < e.sub_key).is_some() {}
            if rems.next_if(|r| *r == e.sub_key).is_some() {
                continue;
            }
            match ups.next_if(|u| u.sub_key == e.sub_key) {
                Some(u) => out.push(u),
                None => out.push(e),
            }
        }
        out.extend(ups);
        Snapshot {
            rules: self.rules,
            entries: out,
        }
    }

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
            put_entry(&mut out, e);
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
        let entries: Vec<Entry> = body.chunks_exact(ENTRY).map(get_entry).collect();
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

    fn entry(key: u8, version_id: i64) -> Entry {
        Entry {
            sub_key: BlindIndex([key; 16]),
            raw_fp: [key; 16],
            canon_fp: [key; 16],
            version_id,
        }
    }

    #[test]
    fn deltas_apply_in_order_on_top_of_the_base() {
        let base = Snapshot {
            rules: 1,
            entries: vec![entry(2, 1), entry(4, 2), entry(6, 3)],
        };
        let first = Delta {
            upserts: vec![entry(5, 10), entry(4, 11), entry(1, 12)],
            removals: vec![BlindIndex([6; 16])],
        };
        let second = Delta {
            upserts: vec![entry(6, 20), entry(9, 21)],
            removals: vec![BlindIndex([2; 16]), BlindIndex([3; 16])],
        };
        assert_eq!(Delta::decode(&first.encode()).unwrap(), first);
        assert!(Delta::decode(&first.encode()[..20]).is_err());
        let parts = [base.encode(), first.encode(), second.encode()];
        let (snap, applied) = Snapshot::load(&parts).unwrap();
        let got: Vec<(u8, i64)> = snap
            .entries
            .iter()
            .map(|e| (e.sub_key.0[0], e.version_id))
            .collect();
        assert_eq!(got, [(1, 12), (4, 11), (5, 10), (6, 20), (9, 21)]);
        assert_eq!(applied, 8);
        assert_eq!(snap.rules, 1);
    }
}

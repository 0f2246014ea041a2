//! Entries without a body, held to the purges the log records: a body may only go by a
//! purge that names the range of entries it covered and how many bodies it destroyed.

use std::collections::BTreeMap;

use crate::log::VerifyError;

/// A purge as the log records it (its own entry, after the entries it covered).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PurgeRange {
    /// The purge's own entry number.
    pub seq: u64,
    /// The kind of entry whose bodies went.
    pub kind: String,
    /// Only entries of that kind that happened before this moment (UTC seconds) lost
    /// their bodies.
    pub before: i64,
    /// The first entry number it covered.
    pub first: u64,
    /// The last entry number it covered.
    pub last: u64,
    /// How many bodies went.
    pub count: u64,
}

/// The entries read without a body, and the purges read, to be checked against each
/// other once the whole log has been read ([`Bodiless::check`]).
#[derive(Clone, Debug, Default)]
pub struct Bodiless {
    missing: Vec<(u64, String, i64)>,
    purges: Vec<PurgeRange>,
}

impl Bodiless {
    /// Notes entry `seq` (of `kind`, at `at`) as read without a body.
    pub fn missing(&mut self, seq: u64, kind: &str, at: i64) {
        self.missing.push((seq, kind.to_owned(), at));
    }

    /// Notes a recorded purge.
    pub fn purge(&mut self, range: PurgeRange) {
        self.purges.push(range);
    }

    /// The purges noted.
    pub fn purges(&self) -> &[PurgeRange] {
        &self.purges
    }

    /// Entries read without a body.
    pub fn count(&self) -> u64 {
        self.missing.len() as u64
    }

    /// Checks that every entry without a body was destroyed by a recorded purge — one of
    /// its kind, recorded after it, whose range holds its number and whose moment is after
    /// its time — and that each purge left exactly as many bodiless entries as it says.
    /// An entry is counted for the earliest purge that covers it: the one that destroyed it.
    pub fn check(&self) -> Result<(), VerifyError> {
        let mut purges: Vec<&PurgeRange> = self.purges.iter().collect();
        purges.sort_by_key(|p| p.seq);
        let mut found = vec![0u64; purges.len()];
        let mut unpurged: BTreeMap<&str, Vec<u64>> = BTreeMap::new();
        for (seq, kind, at) in &self.missing {
            let by = purges.iter().position(|p| {
                p.kind == *kind
                    && p.first <= *seq
                    && *seq <= p.last
                    && *seq < p.seq
                    && *at < p.before
            });
            match by {
                Some(i) => found[i] += 1,
                None => unpurged.entry(kind).or_default().push(*seq),
            }
        }
        if let Some((kind, entries)) = unpurged.into_iter().next() {
            return Err(VerifyError::Unpurged {
                kind: kind.to_owned(),
                entries,
            });
        }
        for (p, found) in purges.iter().zip(found) {
            if found != p.count {
                return Err(VerifyError::PurgeCount {
                    purge: p.seq,
                    kind: p.kind.clone(),
                    first: p.first,
                    last: p.last,
                    count: p.count,
                    found,
                });
            }
        }
        Ok(())
    }
}

/// "12, 13" or, for many, "12, 13, 14, … (40 entries)".
pub(crate) fn numbers(entries: &[u64]) -> String {
    const SHOWN: usize = 10;
    let mut s = entries
        .iter()
        .take(SHOWN)
        .map(u64::to_string)
        .collect::<Vec<_>>()
        .join(", ");
    if entries.len() > SHOWN {
        s.push_str(&format!(", … ({} entries)", entries.len()));
    }
    s
}

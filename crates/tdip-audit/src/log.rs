//! The log's Merkle tree over entry digests: heads, proofs, and verification against
//! signed heads.

use ct_merkle::mem_backed_tree::MemoryBackedTree;
use ct_merkle::{ConsistencyProof, InclusionProof, RootHash};
use ed25519_dalek::VerifyingKey;
use sha2::{Digest as _, Sha256};

use crate::head::{CheckpointError, SignedHead, TreeHead};
use crate::purge::{Bodiless, PurgeRange};

/// The SHA-256 digest of one entry as stored: the tree's leaf.
pub type Digest = [u8; 32];

/// The digest of an entry's stored bytes.
pub fn digest(entry: &[u8]) -> Digest {
    let mut h = Sha256::new_with_prefix(b"tdip/v1/audit-entry\0");
    h.update(entry);
    h.finalize().into()
}

/// Why a log, a proof or a head does not verify. Each says where the break lies.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    /// A head's signature is wrong.
    #[error(transparent)]
    Head(#[from] CheckpointError),
    /// The log holds fewer entries than a signed head covers.
    #[error(
        "the log holds {have} entries but a head signed at {at} covers {size}: entries were removed"
    )]
    Truncated {
        /// Entries in the log.
        have: u64,
        /// Head size.
        size: u64,
        /// When the head was signed.
        at: i64,
    },
    /// The first `size` entries do not give the signed root.
    #[error(
        "entries {from} to {size} do not match the head signed at {at}: one of them was altered, \
         removed, reordered or inserted (the entries before {from} match the previous head)"
    )]
    Mismatch {
        /// First entry (1-based) of the range in which the change lies.
        from: u64,
        /// Head size: the last entry of the range.
        size: u64,
        /// When the head was signed.
        at: i64,
    },
    /// The stored entries are not numbered 0, 1, 2, … without a gap.
    #[error(
        "entry {expected} is missing from the log (the next stored entry is {found}): entries were removed"
    )]
    Gap {
        /// The number expected.
        expected: u64,
        /// The number found instead.
        found: u64,
    },
    /// A stored body does not have the stored digest.
    #[error("the body of entry {0} does not match its digest: it was altered")]
    BodyAltered(u64),
    /// An inclusion or consistency proof does not hold.
    #[error("the proof does not hold: {0}")]
    Proof(&'static str),
    /// Entries lack their body although no recorded purge destroyed it.
    #[error(
        "entries {} of kind {kind} have no body, and no purge destroyed them: bodies were removed \
         around tdip",
        crate::purge::numbers(entries)
    )]
    Unpurged {
        /// The kind.
        kind: String,
        /// The entries, in order.
        entries: Vec<u64>,
    },
    /// A recorded purge does not account for the bodiless entries in its range.
    #[error(
        "the purge recorded as entry {purge} destroyed {count} bodies of kind {kind} in entries \
         {first} to {last}, but {found} of them have no body: bodies were removed or put back \
         around tdip"
    )]
    PurgeCount {
        /// The purge's entry.
        purge: u64,
        /// The kind it purged.
        kind: String,
        /// First entry of its range.
        first: u64,
        /// Last entry of its range.
        last: u64,
        /// Bodies it says it destroyed.
        count: u64,
        /// Entries of its range it accounts for that have no body.
        found: u64,
    },
    /// No head was ever signed, so nothing holds the log to what it was.
    #[error(
        "no signed head: nothing shows that the log's {0} entries are the ones written (every \
         head was deleted, or none was ever signed). A head is signed at the end of every \
         unsealed command; `tdip audit checkpoint --share FILE …` signs one now"
    )]
    NoHead(u64),
}

/// An entry as a store keeps it.
#[derive(Clone, PartialEq, Eq)]
pub struct Stored {
    /// Its number, from 0.
    pub seq: u64,
    /// When it happened (UTC seconds).
    pub at: i64,
    /// Its kind.
    pub kind: String,
    /// The body, unless purged.
    pub body: Option<Vec<u8>>,
    /// Its digest.
    pub digest: Digest,
}

/// An append-only log of entry digests with its Merkle tree.
#[derive(Default)]
pub struct AuditLog {
    tree: MemoryBackedTree<Sha256, Digest>,
}

impl std::fmt::Debug for AuditLog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "AuditLog({} entries)", self.tree.len())
    }
}

impl AuditLog {
    /// Rebuilds a log from stored entries, in number order, checking that they are
    /// numbered 0, 1, 2, … , that every body still has its digest, and that every entry
    /// without a body lost it to one of the `purges` the log records ([`Bodiless::check`]).
    pub fn from_stored(
        entries: impl IntoIterator<Item = Stored>,
        purges: &[PurgeRange],
    ) -> Result<AuditLog, VerifyError> {
        let mut log = AuditLog::default();
        let mut bodiless = Bodiless::default();
        for p in purges {
            bodiless.purge(p.clone());
        }
        for e in entries {
            if e.seq != log.len() {
                return Err(VerifyError::Gap {
                    expected: log.len(),
                    found: e.seq,
                });
            }
            match &e.body {
                Some(b) if digest(b) != e.digest => return Err(VerifyError::BodyAltered(e.seq)),
                Some(_) => {}
                None => bodiless.missing(e.seq, &e.kind, e.at),
            }
            log.append(e.digest);
        }
        bodiless.check()?;
        Ok(log)
    }

    /// A log of these digests, in order.
    pub fn from_digests(digests: impl IntoIterator<Item = Digest>) -> Self {
        let mut log = AuditLog::default();
        for d in digests {
            log.append(d);
        }
        log
    }

    /// Appends an entry's digest; returns its index (0-based).
    pub fn append(&mut self, d: Digest) -> u64 {
        self.tree.push(d);
        self.tree.len() - 1
    }

    /// Entries in the log.
    pub fn len(&self) -> u64 {
        self.tree.len()
    }

    /// Whether the log is empty.
    pub fn is_empty(&self) -> bool {
        self.tree.is_empty()
    }

    /// The head of the whole log, to be signed at `at`.
    pub fn head(&self, at: i64) -> TreeHead {
        TreeHead {
            size: self.len(),
            root: (*self.tree.root().as_bytes()).into(),
            at,
        }
    }

    /// Checks the log against signed heads (any order): every signature under `key`, and
    /// for each head that the log's first `size` entries give its root. On a break, names
    /// the smallest range of entries it lies in.
    pub fn verify(&self, heads: &[SignedHead], key: &VerifyingKey) -> Result<(), VerifyError> {
        let mut heads = heads.to_vec();
        heads.sort_by_key(|h| h.head.size);
        let mut prefix = AuditLog::default();
        let mut matched = 0u64;
        for signed in &heads {
            signed.verify(key)?;
            let h = signed.head;
            if h.size > self.len() {
                return Err(VerifyError::Truncated {
                    have: self.len(),
                    size: h.size,
                    at: h.at,
                });
            }
            while prefix.len() < h.size {
                let next = self.tree.items()[prefix.len() as usize];
                prefix.append(next);
            }
            if prefix.head(h.at).root != h.root {
                return Err(VerifyError::Mismatch {
                    from: matched + 1,
                    size: h.size,
                    at: h.at,
                });
            }
            matched = h.size;
        }
        Ok(())
    }

    /// Proof that entry `idx` is in the tree of the first `size` entries.
    pub fn prove_inclusion(&self, idx: u64, size: u64) -> Result<Vec<u8>, VerifyError> {
        if idx >= size || size > self.len() {
            return Err(VerifyError::Proof("the entry is not within that head"));
        }
        let prefix = self.prefix(size);
        Ok(prefix
            .tree
            .prove_inclusion(idx as usize)
            .as_bytes()
            .to_vec())
    }

    /// Proof that the tree of the first `old` entries is a prefix of the tree of the
    /// first `new` entries.
    pub fn prove_consistency(&self, old: u64, new: u64) -> Result<Vec<u8>, VerifyError> {
        if old == 0 || old > new || new > self.len() {
            return Err(VerifyError::Proof("sizes out of range"));
        }
        if old == new {
            return Ok(Vec::new());
        }
        let prefix = self.prefix(new);
        Ok(prefix
            .tree
            .prove_consistency((new - old) as usize)
            .as_bytes()
            .to_vec())
    }

    fn prefix(&self, size: u64) -> AuditLog {
        AuditLog::from_digests(self.tree.items()[..size as usize].iter().copied())
    }
}

/// Checks that `entry` (its digest) is entry `idx` of the log that `head` describes.
pub fn verify_inclusion(
    head: &TreeHead,
    idx: u64,
    entry: &Digest,
    proof: &[u8],
) -> Result<(), VerifyError> {
    let proof = InclusionProof::<Sha256>::try_from_bytes(proof.to_vec())
        .map_err(|_| VerifyError::Proof("malformed inclusion proof"))?;
    root(head)
        .verify_inclusion(entry, idx, &proof)
        .map_err(|_| VerifyError::Proof("the entry is not at that index of that head"))
}

/// Checks that the log described by `old` is a prefix of the one described by `new`.
pub fn verify_consistency(old: &TreeHead, new: &TreeHead, proof: &[u8]) -> Result<(), VerifyError> {
    if old.size == new.size {
        return if old.root == new.root {
            Ok(())
        } else {
            Err(VerifyError::Proof(
                "two heads of one size with different roots",
            ))
        };
    }
    let proof = ConsistencyProof::<Sha256>::try_from_bytes(proof.to_vec())
        .map_err(|_| VerifyError::Proof("malformed consistency proof"))?;
    root(new)
        .verify_consistency(&root(old), &proof)
        .map_err(|_| VerifyError::Proof("the older head is not a prefix of the newer one"))
}

fn root(head: &TreeHead) -> RootHash<Sha256> {
    RootHash::new(head.root.into(), head.size)
}

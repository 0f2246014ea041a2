//! The log's Merkle root computed in one pass over its leaves in constant memory (one
//! subtree hash per level, RFC 6962's tree), for counting a report over millions of
//! entries without holding the tree; the same root as [`crate::AuditLog`]'s head.

use sha2::{Digest as _, Sha256};

use crate::log::Digest;

/// Builds the root of the leaves pushed so far.
#[derive(Clone, Debug, Default)]
pub struct RootBuilder {
    /// Perfect subtrees, largest (leftmost) first: (height, hash).
    stack: Vec<(u32, [u8; 32])>,
    len: u64,
}

fn leaf(d: &Digest) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update([0u8]);
    h.update(d);
    h.finalize().into()
}

fn node(left: &[u8; 32], right: &[u8; 32]) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update([1u8]);
    h.update(left);
    h.update(right);
    h.finalize().into()
}

impl RootBuilder {
    /// Adds the next leaf (an entry's digest).
    pub fn push(&mut self, d: &Digest) {
        let mut cur = (0u32, leaf(d));
        while let Some(&(height, left)) = self.stack.last() {
            if height != cur.0 {
                break;
            }
            self.stack.pop();
            cur = (height + 1, node(&left, &cur.1));
        }
        self.stack.push(cur);
        self.len += 1;
    }

    /// Leaves pushed.
    pub fn len(&self) -> u64 {
        self.len
    }

    /// Whether no leaf was pushed.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The root of the leaves pushed (SHA-256 of nothing for none).
    pub fn root(&self) -> [u8; 32] {
        let mut it = self.stack.iter().rev();
        let Some(&(_, mut acc)) = it.next() else {
            return Sha256::digest([]).into();
        };
        for (_, left) in it {
            acc = node(left, &acc);
        }
        acc
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::AuditLog;

    #[test]
    fn the_root_is_the_logs_for_every_size_up_to_300() {
        let mut log = AuditLog::default();
        let mut b = RootBuilder::default();
        assert_eq!(b.root(), log.head(0).root, "the empty tree");
        for i in 0..300u32 {
            let d = crate::digest(&i.to_be_bytes());
            log.append(d);
            b.push(&d);
            assert_eq!(b.root(), log.head(0).root, "size {}", i + 1);
            assert_eq!(b.len(), log.len());
        }
    }
}

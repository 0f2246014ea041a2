//! A supervisor's witness: a directory of the checkpoints it kept, each new one checked
//! against the last (RFC 6962 consistency), so that the log can neither fork nor roll back
//! unnoticed. The log's key is pinned on first use.
//!
//! The directory holds `key` (the pinned public key, hex), `latest.txt` (the last
//! checkpoint kept) and `checkpoint-SIZE.txt` for every checkpoint kept.

use std::path::{Path, PathBuf};

use ed25519_dalek::VerifyingKey;
use tdip_audit::{SignedHead, TreeHead, verify_consistency};

use crate::CoreError;
use crate::files::{io_error, replace_durably};

/// The line a checkpoint carries its consistency proof on: `consistency OLD HEX`.
pub const PROOF_LINE: &str = "consistency";

/// What a witness found in a new checkpoint.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Witnessed {
    /// The first checkpoint: kept, and its key pinned.
    First(TreeHead),
    /// Consistent with the last one kept (or the same head): kept.
    Consistent {
        /// The last head kept before.
        last: TreeHead,
        /// The new one.
        new: TreeHead,
    },
    /// A smaller log than the last kept: the log was rolled back. Not kept.
    Rollback {
        /// The last head kept.
        last: TreeHead,
        /// The new one.
        new: TreeHead,
    },
    /// Not an extension of the last kept (another root at the same size, or a proof that
    /// fails): the log forked or was rewritten. Not kept.
    Fork {
        /// The last head kept.
        last: TreeHead,
        /// The new one.
        new: TreeHead,
    },
}

/// A witness's directory.
#[derive(Clone, Debug)]
pub struct Witness {
    dir: PathBuf,
}

impl Witness {
    /// The witness keeping its checkpoints in `dir` (created if needed).
    pub fn new(dir: &Path) -> Witness {
        Witness {
            dir: dir.to_owned(),
        }
    }

    /// Checks the checkpoint `text` (with its consistency proof from the last size kept,
    /// as `tdip audit checkpoint --since SIZE` prints it) and keeps it if it extends the
    /// last one kept.
    pub fn offer(&self, text: &str) -> Result<Witnessed, CoreError> {
        let (new, key) = SignedHead::from_checkpoint(text)
            .map_err(|e| CoreError::Config(format!("not a checkpoint: {e}")))?;
        std::fs::create_dir_all(&self.dir).map_err(|e| io_error("create", &self.dir, e))?;
        let pinned = self.pinned()?;
        if let Some(pinned) = pinned
            && pinned != key
        {
            return Err(CoreError::Config(format!(
                "the checkpoint is signed by key {}, but this witness pinned key {} on first use: \
                 it is another log's, or the point's audit key was replaced. Ask the point's \
                 supervisor before keeping it",
                hex::encode(key.as_bytes()),
                hex::encode(pinned.as_bytes())
            )));
        }
        let Some(last) = self.last(&key)? else {
            self.keep(&new, &key, text)?;
            return Ok(Witnessed::First(new.head));
        };
        let (last, new_head) = (last.head, new.head);
        if new_head.size < last.size {
            return Ok(Witnessed::Rollback {
                last,
                new: new_head,
            });
        }
        if new_head.size > last.size && last.size > 0 {
            let proof = proof_from(text, last.size)?;
            if verify_consistency(&last, &new_head, &proof).is_err() {
                return Ok(Witnessed::Fork {
                    last,
                    new: new_head,
                });
            }
        } else if new_head.size == last.size && new_head.root != last.root {
            return Ok(Witnessed::Fork {
                last,
                new: new_head,
            });
        }
        self.keep(&new, &key, text)?;
        Ok(Witnessed::Consistent {
            last,
            new: new_head,
        })
    }

    fn pinned(&self) -> Result<Option<VerifyingKey>, CoreError> {
        let path = self.dir.join("key");
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(io_error("read", &path, e)),
        };
        hex::decode(text.trim())
            .ok()
            .and_then(|b| <[u8; 32]>::try_from(b).ok())
            .and_then(|b| VerifyingKey::from_bytes(&b).ok())
            .map(Some)
            .ok_or_else(|| CoreError::Config(format!("{} is not a public key", path.display())))
    }

    fn last(&self, key: &VerifyingKey) -> Result<Option<SignedHead>, CoreError> {
        let path = self.dir.join("latest.txt");
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(io_error("read", &path, e)),
        };
        match SignedHead::from_checkpoint(&text) {
            Ok((head, k)) if k == *key => Ok(Some(head)),
            _ => Err(CoreError::Config(format!(
                "{} is not a checkpoint under the pinned key: the witness's directory was altered",
                path.display()
            ))),
        }
    }

    fn keep(&self, new: &SignedHead, key: &VerifyingKey, text: &str) -> Result<(), CoreError> {
        let name = format!("checkpoint-{:020}.txt", new.head.size);
        replace_durably(&self.dir.join(name), text.as_bytes())?;
        replace_durably(&self.dir.join("latest.txt"), text.as_bytes())?;
        if self.pinned()?.is_none() {
            replace_durably(
                &self.dir.join("key"),
                format!("{}\n", hex::encode(key.as_bytes())).as_bytes(),
            )?;
        }
        Ok(())
    }
}

/// The consistency proof from `old` entries that `text` carries.
fn proof_from(text: &str, old: u64) -> Result<Vec<u8>, CoreError> {
    let missing = || {
        CoreError::Config(format!(
            "the checkpoint carries no consistency proof from {old} entries, the last head this \
             witness kept: get it with `tdip audit checkpoint --since {old}`"
        ))
    };
    let line = text
        .lines()
        .find_map(|l| l.strip_prefix(PROOF_LINE)?.strip_prefix(' '))
        .ok_or_else(missing)?;
    let (from, proof) = line.split_once(' ').unwrap_or((line, ""));
    if from.parse::<u64>().ok() != Some(old) {
        return Err(missing());
    }
    hex::decode(proof).map_err(|_| CoreError::Config("the consistency proof is not hex".into()))
}

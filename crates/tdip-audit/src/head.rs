//! Tree heads and their signatures: what a supervisor keeps as a checkpoint.

use std::fmt;

use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};

const MAGIC: &str = "tdip-checkpoint v1";
/// Signed messages start with this label, so a head signature is never valid for anything else.
const LABEL: &[u8] = b"tdip/v1/audit-tree-head\0";

/// The state of the log at one moment: its size and the Merkle root of its first `size`
/// entries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TreeHead {
    /// Entries covered.
    pub size: u64,
    /// RFC 6962 root of those entries (the empty tree's root for size 0).
    pub root: [u8; 32],
    /// When it was signed, UTC seconds.
    pub at: i64,
}

impl TreeHead {
    fn message(&self) -> Vec<u8> {
        let mut m = LABEL.to_vec();
        m.extend_from_slice(&self.size.to_be_bytes());
        m.extend_from_slice(&self.root);
        m.extend_from_slice(&self.at.to_be_bytes());
        m
    }
}

/// A tree head with the log's signature.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SignedHead {
    /// The head.
    pub head: TreeHead,
    /// Ed25519 signature over the head.
    pub signature: [u8; 64],
}

/// Why a checkpoint cannot be read or does not hold.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CheckpointError {
    /// The text is not a checkpoint.
    #[error("not a tdip checkpoint: {0}")]
    Format(&'static str),
    /// The signature does not verify under the log's public key.
    #[error(
        "the signature of the tree head of size {0} does not verify: it was altered or signed by another key"
    )]
    BadSignature(u64),
}

impl SignedHead {
    /// Checks the signature under `key`.
    pub fn verify(&self, key: &VerifyingKey) -> Result<(), CheckpointError> {
        key.verify(
            &self.head.message(),
            &Signature::from_bytes(&self.signature),
        )
        .map_err(|_| CheckpointError::BadSignature(self.head.size))
    }

    /// The checkpoint text a supervisor keeps: the head, the signature and the public key.
    pub fn to_checkpoint(&self, key: &VerifyingKey) -> String {
        format!(
            "{MAGIC}\nsize {}\nroot {}\nat {}\nkey {}\nsignature {}\n",
            self.head.size,
            hex::encode(self.head.root),
            self.head.at,
            hex::encode(key.as_bytes()),
            hex::encode(self.signature)
        )
    }

    /// Reads a checkpoint: the signed head and the public key it names. The signature is
    /// checked; whether the key is the log's own is for the caller to decide.
    pub fn from_checkpoint(text: &str) -> Result<(SignedHead, VerifyingKey), CheckpointError> {
        let mut lines = text.lines();
        if lines.next() != Some(MAGIC) {
            return Err(CheckpointError::Format(
                "the first line is not `tdip-checkpoint v1`",
            ));
        }
        let mut field = |name: &'static str| {
            lines
                .next()
                .and_then(|l| l.strip_prefix(name))
                .and_then(|l| l.strip_prefix(' '))
                .ok_or(CheckpointError::Format(name))
        };
        let size = field("size")?
            .parse()
            .map_err(|_| CheckpointError::Format("size"))?;
        let root = hex32(field("root")?).ok_or(CheckpointError::Format("root"))?;
        let at = field("at")?
            .parse()
            .map_err(|_| CheckpointError::Format("at"))?;
        let key = hex32(field("key")?)
            .and_then(|k| VerifyingKey::from_bytes(&k).ok())
            .ok_or(CheckpointError::Format("key"))?;
        let mut signature = [0u8; 64];
        hex::decode_to_slice(field("signature")?, &mut signature)
            .map_err(|_| CheckpointError::Format("signature"))?;
        let signed = SignedHead {
            head: TreeHead { size, root, at },
            signature,
        };
        signed.verify(&key)?;
        Ok((signed, key))
    }
}

fn hex32(s: &str) -> Option<[u8; 32]> {
    let mut out = [0u8; 32];
    hex::decode_to_slice(s, &mut out).ok().map(|()| out)
}

/// Signs tree heads with the log's key.
pub struct TreeSigner(SigningKey);

impl fmt::Debug for TreeSigner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "TreeSigner(public {})",
            hex::encode(self.public().as_bytes())
        )
    }
}

impl TreeSigner {
    /// The signer of a 32-byte secret (derived by the point from its root key).
    pub fn from_secret(secret: &[u8; 32]) -> Self {
        TreeSigner(SigningKey::from_bytes(secret))
    }

    /// The public key supervisors verify heads with.
    pub fn public(&self) -> VerifyingKey {
        self.0.verifying_key()
    }

    /// Signs a head.
    pub fn sign(&self, head: TreeHead) -> SignedHead {
        SignedHead {
            head,
            signature: self.0.sign(&head.message()).to_bytes(),
        }
    }
}

//! Custodian shares of the root key: K-of-N Shamir sharing over GF(256) (vsss-rs), the
//! share files handed to custodians, the public custody record the point keeps, and the
//! [`Unsealer`] that rebuilds the root key from K distinct valid shares.
//!
//! The custody record holds nothing that can rebuild the root key: the point's id, the
//! threshold, a key check value (an HMAC under the root key, to recognise the right key
//! once rebuilt) and one SHA-256 digest per issued share, so that every share is judged on
//! its own as it is offered: corrupt, of another point, never issued, or a duplicate.

use std::collections::BTreeMap;
use std::fmt;

use getrandom::SysRng;
use getrandom::rand_core::UnwrapErr;
use hmac::{Hmac, KeyInit, Mac};
use sha2::{Digest, Sha256};
use vsss_rs::Gf256;
use zeroize::Zeroizing;

use crate::RootKey;

mod envelope;
pub use envelope::{decrypt_share, encrypt_share, is_encrypted};

const SHARE_MAGIC: &str = "tdip-share v1";
const CUSTODY_MAGIC: &str = "tdip-custody v1";
const CHECK_LABEL: &[u8] = b"tdip root key check v1";

/// Why a share or a custody record was refused. No variant carries share bytes.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum ShareError {
    /// The requested K-of-N is not possible.
    #[error(
        "cannot split into {count} shares with threshold {threshold}: need 2 <= threshold <= custodians <= 255"
    )]
    Parameters {
        /// K.
        threshold: usize,
        /// N.
        count: usize,
    },
    /// The text is not a share file, or it was damaged (its sum does not match).
    #[error("the share file is corrupt: {0}; ask the custodian for an intact copy")]
    Corrupt(&'static str),
    /// The share belongs to another information point.
    #[error("the share belongs to another information point ({0}); this point is {1}")]
    OtherPoint(String, String),
    /// The share is well formed but is not the one issued to that custodian.
    #[error(
        "share {0} is not the share this point issued to custodian {0}; it was altered or forged"
    )]
    NotIssued(u8),
    /// This custodian's share was already given.
    #[error("share {0} was already given; the next share must come from another custodian")]
    Duplicate(u8),
    /// All shares were valid but they do not rebuild the root key (the custody record
    /// and the shares disagree).
    #[error(
        "the shares do not rebuild this point's root key; check that the custody record is this point's"
    )]
    WrongKey,
    /// The custody record cannot be read.
    #[error("the custody record is malformed: {0}")]
    Custody(&'static str),
    /// A custodian's age public key is not one.
    #[error("a custodian key is not an age public key (age1…); copy it from `age-keygen -y`")]
    Recipient,
    /// An age identity file cannot be read.
    #[error("an --identity file is not an age identity file (AGE-SECRET-KEY-1…)")]
    IdentityFile,
    /// The share is encrypted and none of the identities given opens it.
    #[error(
        "the share is encrypted to its custodian's age key: give that custodian's identity \
         file with --identity FILE"
    )]
    Encrypted,
}

/// The public record of how the root key was shared.
#[derive(Clone, PartialEq, Eq)]
pub struct Custody {
    point: [u8; 16],
    threshold: u8,
    digests: Vec<[u8; 32]>,
    check: [u8; 32],
}

impl fmt::Debug for Custody {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Custody")
            .field("point", &self.point_id())
            .field("threshold", &self.threshold)
            .field("custodians", &self.digests.len())
            .finish_non_exhaustive()
    }
}

/// One custodian's share, as written to and read from a share file.
pub struct ShareFile {
    point: [u8; 16],
    index: u8,
    threshold: u8,
    count: u8,
    /// The vsss-rs share: the participant id byte, then one byte per secret byte.
    share: Zeroizing<Vec<u8>>,
}

impl fmt::Debug for ShareFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "ShareFile(custodian {} of {}, <redacted>)",
            self.index, self.count
        )
    }
}

/// Splits `root` into `count` shares of which any `threshold` rebuild it, for a new
/// point id. Returns the custody record to keep and one share per custodian, in order.
pub fn split(
    root: &RootKey,
    threshold: usize,
    count: usize,
) -> Result<(Custody, Vec<ShareFile>), ShareError> {
    let bad = ShareError::Parameters { threshold, count };
    if !(2..=255).contains(&threshold) || count < threshold || count > 255 {
        return Err(bad);
    }
    let mut point = [0u8; 16];
    getrandom::fill(&mut point).expect("the system random generator works");
    let shares =
        Gf256::split_bytes(threshold, count, root.bytes(), UnwrapErr(SysRng)).map_err(|_| bad)?;
    let files: Vec<ShareFile> = shares
        .into_iter()
        .enumerate()
        .map(|(i, share)| ShareFile {
            point,
            index: (i + 1) as u8,
            threshold: threshold as u8,
            count: count as u8,
            share: Zeroizing::new(share),
        })
        .collect();
    let custody = Custody {
        point,
        threshold: threshold as u8,
        digests: files.iter().map(ShareFile::digest).collect(),
        check: key_check(root),
    };
    Ok((custody, files))
}

fn key_check(root: &RootKey) -> [u8; 32] {
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(root.bytes())
        .expect("HMAC takes a key of any length");
    mac.update(CHECK_LABEL);
    mac.finalize().into_bytes().into()
}

/// The first eight bytes of SHA-256 over `body`, in hex: catches damaged copies.
fn sum(body: &str) -> String {
    hex::encode(&Sha256::digest(body.as_bytes())[..8])
}

impl ShareFile {
    /// Which custodian this share is for (1-based).
    pub fn custodian(&self) -> u8 {
        self.index
    }

    fn digest(&self) -> [u8; 32] {
        let mut h = Sha256::new();
        h.update(b"tdip share digest v1");
        h.update(self.point);
        h.update([self.index]);
        h.update(&self.share[..]);
        h.finalize().into()
    }

    /// The share file's text, for the custodian to keep offline.
    pub fn to_text(&self) -> Zeroizing<String> {
        let body = Zeroizing::new(format!(
            "{SHARE_MAGIC}\npoint {}\ncustodian {} of {}, threshold {}\nshare {}\n",
            hex::encode(self.point),
            self.index,
            self.count,
            self.threshold,
            hex::encode(&self.share[..]),
        ));
        Zeroizing::new(format!("{}sum {}\n", body.as_str(), sum(&body)))
    }

    /// Reads a share file written by [`ShareFile::to_text`].
    pub fn from_text(text: &str) -> Result<ShareFile, ShareError> {
        let corrupt = ShareError::Corrupt;
        let (body, sum_line) = text
            .trim_end()
            .rsplit_once('\n')
            .ok_or(corrupt("it is not a tdip share file"))?;
        let body = format!("{body}\n");
        if !body.starts_with(SHARE_MAGIC) {
            return Err(corrupt("it does not start with `tdip-share v1`"));
        }
        if sum_line.strip_prefix("sum ") != Some(sum(&body).as_str()) {
            return Err(corrupt("its sum does not match its contents"));
        }
        let mut lines = body.lines().skip(1);
        let mut field = |name: &str| {
            lines
                .next()
                .and_then(|l| l.strip_prefix(name))
                .map(str::trim)
                .ok_or(corrupt("a line is missing or out of order"))
        };
        let point =
            parse_point(field("point ")?).ok_or(corrupt("the point id is not 32 hex digits"))?;
        let who = field("custodian ")?;
        let share = Zeroizing::new(
            hex::decode(field("share ")?).map_err(|_| corrupt("the share is not hex"))?,
        );
        let (index, count, threshold) = parse_custodian(who)
            .ok_or(corrupt("the custodian line is not `I of N, threshold K`"))?;
        if share.len() != 33 || share[0] != index {
            return Err(corrupt(
                "the share has the wrong length or custodian number",
            ));
        }
        Ok(ShareFile {
            point,
            index,
            threshold,
            count,
            share,
        })
    }
}

fn parse_point(hex_id: &str) -> Option<[u8; 16]> {
    let mut point = [0u8; 16];
    hex::decode_to_slice(hex_id, &mut point).ok()?;
    Some(point)
}

/// `I of N, threshold K`.
fn parse_custodian(line: &str) -> Option<(u8, u8, u8)> {
    let (index, rest) = line.split_once(" of ")?;
    let (count, threshold) = rest.split_once(", threshold ")?;
    let (index, count, threshold) = (
        index.parse().ok()?,
        count.parse().ok()?,
        threshold.parse().ok()?,
    );
    (1 <= index && index <= count && 2 <= threshold && threshold <= count)
        .then_some((index, count, threshold))
}

impl Custody {
    /// The point id, in hex.
    pub fn point_id(&self) -> String {
        hex::encode(self.point)
    }

    /// Shares needed to unseal.
    pub fn threshold(&self) -> u8 {
        self.threshold
    }

    /// Shares issued.
    pub fn custodians(&self) -> u8 {
        self.digests.len() as u8
    }

    /// The custody record's text (public: it cannot rebuild the key).
    pub fn to_text(&self) -> String {
        let mut out = format!(
            "{CUSTODY_MAGIC}\npoint {}\nthreshold {} of {}\ncheck {}\n",
            self.point_id(),
            self.threshold,
            self.digests.len(),
            hex::encode(self.check)
        );
        for (i, d) in self.digests.iter().enumerate() {
            out.push_str(&format!("share {} {}\n", i + 1, hex::encode(d)));
        }
        out
    }

    /// Reads a custody record written by [`Custody::to_text`].
    pub fn from_text(text: &str) -> Result<Custody, ShareError> {
        let bad = ShareError::Custody;
        let mut lines = text.lines().map(str::trim).filter(|l| !l.is_empty());
        if lines.next() != Some(CUSTODY_MAGIC) {
            return Err(bad("it does not start with `tdip-custody v1`"));
        }
        let point = lines
            .next()
            .and_then(|l| l.strip_prefix("point "))
            .and_then(parse_point)
            .ok_or(bad("the point line is missing or not 32 hex digits"))?;
        let (threshold, count) = lines
            .next()
            .and_then(|l| l.strip_prefix("threshold "))
            .and_then(|l| l.split_once(" of "))
            .and_then(|(k, n)| Some((k.parse::<u8>().ok()?, n.parse::<u8>().ok()?)))
            .filter(|(k, n)| 2 <= *k && k <= n)
            .ok_or(bad("the threshold line is not `threshold K of N`"))?;
        let mut check = [0u8; 32];
        lines
            .next()
            .and_then(|l| l.strip_prefix("check "))
            .and_then(|h| hex::decode_to_slice(h, &mut check).ok())
            .ok_or(bad("the check line is missing or not 64 hex digits"))?;
        let mut digests = Vec::with_capacity(count.into());
        for i in 1..=count {
            let mut d = [0u8; 32];
            lines
                .next()
                .and_then(|l| l.strip_prefix(&format!("share {i} ")))
                .and_then(|h| hex::decode_to_slice(h, &mut d).ok())
                .ok_or(bad("a share digest line is missing or malformed"))?;
            digests.push(d);
        }
        if lines.next().is_some() {
            return Err(bad("unexpected text after the share digests"));
        }
        Ok(Custody {
            point,
            threshold,
            digests,
            check,
        })
    }
}

/// How far unsealing has come.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Progress {
    /// Distinct valid shares given.
    pub have: u8,
    /// Shares needed.
    pub need: u8,
    /// Shares refused so far (wrong, duplicate or corrupt).
    pub refused: u32,
}

impl fmt::Display for Progress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} of {} shares", self.have, self.need)?;
        if self.refused > 0 {
            write!(f, " ({} refused)", self.refused)?;
        }
        Ok(())
    }
}

/// Collects custodians' shares, one at a time, until the root key can be rebuilt.
pub struct Unsealer {
    custody: Custody,
    shares: BTreeMap<u8, Zeroizing<Vec<u8>>>,
    refused: u32,
}

impl fmt::Debug for Unsealer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Unsealer({})", self.progress())
    }
}

impl Unsealer {
    /// Starts sealed, with no shares.
    pub fn new(custody: Custody) -> Self {
        Unsealer {
            custody,
            shares: BTreeMap::new(),
            refused: 0,
        }
    }

    /// The custody record this unsealer checks shares against.
    pub fn custody(&self) -> &Custody {
        &self.custody
    }

    /// Where unsealing stands.
    pub fn progress(&self) -> Progress {
        Progress {
            have: self.shares.len() as u8,
            need: self.custody.threshold,
            refused: self.refused,
        }
    }

    /// Offers one share file as read: its text, or the text age-encrypted to its
    /// custodian, opened with one of `identities` (age identity files). A refused share
    /// is counted and changes nothing else.
    pub fn offer_file(
        &mut self,
        bytes: &[u8],
        identities: &[Zeroizing<String>],
    ) -> Result<Progress, ShareError> {
        let text = if is_encrypted(bytes) {
            decrypt_share(bytes, identities)
        } else {
            std::str::from_utf8(bytes)
                .map(|t| Zeroizing::new(t.to_owned()))
                .map_err(|_| ShareError::Corrupt("it is not text"))
        };
        match text {
            Ok(text) => self.offer(&text),
            Err(e) => {
                self.refused += 1;
                Err(e)
            }
        }
    }

    /// Offers one share file's text. A refused share is counted and changes nothing else.
    pub fn offer(&mut self, text: &str) -> Result<Progress, ShareError> {
        let judged = self.judge(text);
        match judged {
            Ok(share) => {
                self.shares.insert(share.index, share.share);
                Ok(self.progress())
            }
            Err(e) => {
                self.refused += 1;
                Err(e)
            }
        }
    }

    fn judge(&self, text: &str) -> Result<ShareFile, ShareError> {
        let share = ShareFile::from_text(text)?;
        if share.point != self.custody.point {
            return Err(ShareError::OtherPoint(
                hex::encode(share.point),
                self.custody.point_id(),
            ));
        }
        let issued = self.custody.digests.get(usize::from(share.index) - 1);
        if issued != Some(&share.digest()) {
            return Err(ShareError::NotIssued(share.index));
        }
        if self.shares.contains_key(&share.index) {
            return Err(ShareError::Duplicate(share.index));
        }
        Ok(share)
    }

    /// The root key, once enough shares were given; `Ok(None)` before that.
    pub fn root_key(&self) -> Result<Option<RootKey>, ShareError> {
        if self.shares.len() < usize::from(self.custody.threshold) {
            return Ok(None);
        }
        let shares: Vec<Vec<u8>> = self.shares.values().map(|s| s.to_vec()).collect();
        let shares = Zeroizing::new(shares);
        let secret =
            Zeroizing::new(Gf256::combine_bytes(&shares[..]).map_err(|_| ShareError::WrongKey)?);
        let key: [u8; 32] = secret[..].try_into().map_err(|_| ShareError::WrongKey)?;
        let root = RootKey::from_bytes(key);
        if key_check(&root) != self.custody.check {
            return Err(ShareError::WrongKey);
        }
        Ok(Some(root))
    }

    /// Forgets every share given (they are wiped from memory), back to sealed.
    pub fn seal(&mut self) {
        self.shares.clear();
    }
}

#[cfg(test)]
mod tests;

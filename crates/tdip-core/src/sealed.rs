//! The plaintext layout inside a sealed subscription: a format byte, then the
//! normalised [`Subscription`] in postcard's compact binary form.
//!
//! Postcard is not self-describing, so the format byte must change whenever the
//! `Subscription` type changes shape; old blobs then keep their old decoder.

use tdip_model::subscription::Subscription;
use zeroize::Zeroizing;

use crate::CoreError;

const FORMAT: u8 = 1;

/// Encodes a subscription for sealing. The buffer is wiped when dropped.
pub fn encode(sub: &Subscription) -> Zeroizing<Vec<u8>> {
    let mut out = Vec::with_capacity(384);
    out.push(FORMAT);
    // Serialised straight into the one buffer, so no unwiped copy is left behind (as
    // long as 384 bytes suffice; a longer row reallocates, and the old buffer is freed
    // without wiping).
    Zeroizing::new(postcard::to_extend(sub, out).expect("a subscription always serialises"))
}

/// Decodes an unsealed subscription.
pub fn decode(plain: &[u8]) -> Result<Subscription, CoreError> {
    match plain.split_first() {
        Some((&FORMAT, body)) => postcard::from_bytes(body)
            .map_err(|_| CoreError::Internal("an unsealed subscription does not decode")),
        _ => Err(CoreError::Internal(
            "an unsealed subscription has an unknown format byte",
        )),
    }
}

//! The payment history of subscriptions (delivery format version 2): each payment
//! sealed on its own under the provider's payment key of the UTC month it was made in,
//! bound to its row (provider, subscription key, payment key, month), kept once however
//! often it is delivered again, and destroyed with its month by retention.

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use tdip_crypto::{CryptoError, Sealer};
use tdip_model::subscription::PaymentMethod;
use tdip_store::{BlindIndex, NewPayment, PaymentRow};
use zeroize::Zeroizing;

use crate::CoreError;
use crate::datakeys::{DataClass, Month, Scope};
use crate::keys::PointKeys;

/// The plaintext layout's format byte (postcard, as `sealed.rs` for subscriptions).
const FORMAT: u8 = 1;
const AAD_LABEL: &[u8] = b"tdip payment v1";

/// One payment: when, how, with what. `Debug` shows none of it.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Payment {
    /// The moment of the payment, UTC seconds.
    pub at: i64,
    /// The method, as the row that listed the payment first gave it.
    pub method: Option<PaymentMethod>,
    /// The means (IBAN, masked card), as that row gave it.
    pub means: Option<String>,
}

impl fmt::Debug for Payment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Payment").finish_non_exhaustive()
    }
}

/// The first second of the oldest month whose payments a delivery at `snapshot_at`
/// still keeps under a term of `months`: the month that falls due last (a month is due
/// `months` after its end, `retention::due::month_due`).
pub fn kept_from(snapshot_at: i64, months: u32) -> Result<i64, CoreError> {
    let now = Month::of(snapshot_at)?;
    Month::from_index(now.index() - months as i32).first_second()
}

/// Keyed digest of a subscription and a payment's moment: the payment's identity.
pub fn payment_key(keys: &PointKeys, sub_key: &BlindIndex, at: i64) -> BlindIndex {
    BlindIndex(
        keys.fingerprint()
            .index_parts([AAD_LABEL, &sub_key.0[..], &at.to_be_bytes()[..]]),
    )
}

fn aad(provider: &str, key: &BlindIndex, sub_key: &BlindIndex, month: i32) -> Vec<u8> {
    let mut out = Vec::with_capacity(AAD_LABEL.len() + provider.len() + 40);
    out.extend_from_slice(AAD_LABEL);
    out.push(provider.len() as u8);
    out.extend_from_slice(provider.as_bytes());
    out.extend_from_slice(&key.0);
    out.extend_from_slice(&sub_key.0);
    out.extend_from_slice(&month.to_be_bytes());
    out
}

/// Seals the payments of one delivery, each under its month's payment key (fetched once
/// per month). A month whose keys were destroyed already (shredded by hand ahead of its
/// term) keeps nothing: its payments are counted in the second value, not sealed.
pub struct PaymentSealer<'k> {
    keys: &'k PointKeys,
    provider: String,
    months: HashMap<i32, Option<Arc<Sealer>>>,
}

impl<'k> PaymentSealer<'k> {
    /// A sealer for `provider`'s payments.
    pub fn new(keys: &'k PointKeys, provider: &str) -> Self {
        PaymentSealer {
            keys,
            provider: provider.to_owned(),
            months: HashMap::new(),
        }
    }

    /// The sealed payment, or `None` if its month was destroyed.
    pub fn seal(
        &mut self,
        sub_key: &BlindIndex,
        payment: &Payment,
    ) -> Result<Option<NewPayment>, CoreError> {
        let month = Month::of(payment.at)?;
        let sealer = match self.months.get(&month.index()) {
            Some(s) => s.clone(),
            None => {
                let destroyed = self.keys.data().list()?.iter().any(|k| {
                    k.provider == self.provider
                        && k.class == DataClass::Payment
                        && k.scope == Scope::Month(month)
                        && k.destroyed_at.is_some()
                });
                let s = if destroyed {
                    None
                } else {
                    Some(
                        self.keys
                            .data()
                            .for_month(&self.provider, DataClass::Payment, month)?,
                    )
                };
                self.months.insert(month.index(), s.clone());
                s
            }
        };
        let Some(sealer) = sealer else {
            return Ok(None);
        };
        let key = payment_key(self.keys, sub_key, payment.at);
        let plain = Zeroizing::new(
            postcard::to_extend(payment, vec![FORMAT]).expect("a payment always serialises"),
        );
        let sealed = sealer.seal(&aad(&self.provider, &key, sub_key, month.index()), &plain);
        Ok(Some(NewPayment {
            key,
            sub_key: *sub_key,
            month: month.index(),
            sealed,
        }))
    }
}

/// Opens a stored payment: `None` if its month's key was destroyed. A row that is not
/// what its blob was sealed for (another provider, subscription or month, a key of
/// another class, a moment outside the month) is [`CoreError::Tampered`].
pub fn open(keys: &PointKeys, row: &PaymentRow) -> Result<Option<Payment>, CoreError> {
    let tampered = |what: &str| {
        CoreError::Tampered(format!(
            "a payment of provider {} {what}: the row was changed or its sealed record copied \
             from another row or an older copy of the store",
            row.provider
        ))
    };
    let Some(key) = keys.data().key(Sealer::key_id_of(&row.sealed)?)? else {
        return Ok(None);
    };
    let month = Month::from_index(row.month);
    match &key.scope {
        Some(described)
            if described.0 == row.provider
                && described.1 == DataClass::Payment
                && described.2 == Scope::Month(month) => {}
        _ => {
            return Err(tampered(
                "is not sealed under its provider's payment key of its month",
            ));
        }
    }
    let plain = key
        .sealer
        .open(
            &aad(&row.provider, &row.key, &row.sub_key, row.month),
            &row.sealed,
        )
        .map_err(|e| match e {
            CryptoError::Tampered => tampered("does not open as its row describes it"),
            e => e.into(),
        })?;
    let payment: Payment = match plain.split_first() {
        Some((&FORMAT, body)) => postcard::from_bytes(body)
            .map_err(|_| CoreError::Internal("an unsealed payment does not decode"))?,
        _ => {
            return Err(CoreError::Internal(
                "an unsealed payment has an unknown format byte",
            ));
        }
    };
    if Month::of(payment.at)? != month || payment_key(keys, &row.sub_key, payment.at) != row.key {
        return Err(tampered("does not lie in the month its row names"));
    }
    Ok(Some(payment))
}

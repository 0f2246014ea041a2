//! The subscriber behind each party of a communication at its start: the party's number
//! (else IMSI, IMEI or account) looked up in the subscriber history of every provider, as
//! a lookup at that moment would answer it.

use tdip_model::IdentKind;
use tdip_model::traffic::Party;
use tdip_store::{Store, TrafficStore};

use super::FetchedComm;
use crate::CoreError;
use crate::keys::PointKeys;
use crate::lookup::{Query, When, lookup};

/// The identifier a party is looked up by, if it has one the subscriber file knows.
pub fn lookup_key(p: &Party) -> Option<(IdentKind, String)> {
    if let Some(n) = &p.number {
        return Some((IdentKind::Msisdn, n.clone()));
    }
    if let Some(v) = &p.imsi {
        return Some((IdentKind::Imsi, v.clone()));
    }
    if let Some(v) = &p.imei {
        return Some((IdentKind::Imei, v.clone()));
    }
    p.account.as_ref().map(|a| {
        let kind = if a.contains('@') {
            IdentKind::Email
        } else {
            IdentKind::UserId
        };
        (kind, a.clone())
    })
}

/// Fills in the subscribers of both parties of every item.
pub async fn join_subscribers<S: Store + TrafficStore>(
    store: &S,
    keys: &PointKeys,
    items: &mut [FetchedComm],
) -> Result<(), CoreError> {
    for item in items.iter_mut() {
        let at = item.record.start;
        item.calling_subscriber = held(store, keys, &item.record.calling, at).await?;
        item.called_subscriber = held(store, keys, &item.record.called, at).await?;
    }
    Ok(())
}

async fn held<S: Store>(
    store: &S,
    keys: &PointKeys,
    party: &Party,
    at: i64,
) -> Result<Vec<crate::lookup::Hit>, CoreError> {
    let Some((kind, value)) = lookup_key(party) else {
        return Ok(Vec::new());
    };
    let q = Query {
        kind,
        value,
        when: When::At { at },
        default_country: None,
    };
    match lookup(store, keys, &q).await {
        Ok(answer) => Ok(answer.hits),
        // A stored identifier the subscriber file cannot be asked by (a short code):
        // nobody to name.
        Err(CoreError::Config(_)) => Ok(Vec::new()),
        Err(e) => Err(e),
    }
}

//! Blind indexes and sealing of traffic rows.
//!
//! Three blind-index keys, derived from the root key and used for nothing else: the row's
//! address *per UTC day* (so the store cannot link one public address across days), the
//! address without day for rows still open, and the end-user id (a key of its own, so a
//! traffic row cannot be joined to a subscriber version by its index). The sealed record
//! is bound to its row: kind, provider, batch, day, index, ports and times are its
//! associated data, so a blob copied to another row, or a row whose times were edited,
//! fails to open. Every copy is sealed under the provider's traffic key of the UTC month
//! of its day partition (an open row: of the day it started), so shredding a month
//! destroys what its days held, backups included.

use ipnet::IpNet;
use tdip_crypto::{BlindKey, Keyring};
use tdip_model::traffic::TrafficRecord;
use tdip_store::{BlindIndex, Day, TrafficKind, TrafficRow};
use zeroize::Zeroizing;

use crate::CoreError;
use crate::datakeys::{DataClass, Month, Scope};
use crate::keys::PointKeys;

const FORMAT: u8 = 1;

/// The blind-index keys of traffic rows.
#[derive(Clone, Debug)]
pub struct TrafficKeys {
    day: BlindKey,
    open: BlindKey,
    user: BlindKey,
    pub(crate) party: BlindKey,
    pub(crate) cell: BlindKey,
    pub(crate) cell_mac: BlindKey,
}

impl TrafficKeys {
    /// Derives the keys from the point's keyring.
    pub fn new(ring: &Keyring) -> Self {
        TrafficKeys {
            day: ring.blind_key("traffic/address-day"),
            open: ring.blind_key("traffic/address-open"),
            user: ring.blind_key("traffic/user"),
            party: ring.blind_key("traffic/party-day"),
            cell: ring.blind_key("traffic/cell-day"),
            cell_mac: ring.blind_key("traffic/cell-mac"),
        }
    }

    /// Index of an address or prefix (in its canonical form: network address and
    /// length) on a UTC day, for rows of `kind`.
    pub fn address_on(&self, kind: TrafficKind, net: &IpNet, day: Day) -> BlindIndex {
        let net = net.trunc().to_string();
        BlindIndex(self.day.index_parts([
            kind.as_str().as_bytes(),
            net.as_bytes(),
            &day.to_be_bytes(),
        ]))
    }

    /// Index of an address or prefix without day, for open rows of `kind`.
    pub fn address_open(&self, kind: TrafficKind, net: &IpNet) -> BlindIndex {
        let net = net.trunc().to_string();
        BlindIndex(
            self.open
                .index_parts([kind.as_str().as_bytes(), net.as_bytes()]),
        )
    }

    /// Index of a normalised end-user id.
    pub fn user(&self, user_id: &str) -> BlindIndex {
        BlindIndex(self.user.index(user_id.as_bytes()))
    }
}

/// What a traffic row's blob holds: the record, and for a record that was delivered
/// open and closed by a later batch, the batch that first delivered it.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SealedTraffic {
    /// The record as read (normalised).
    pub record: TrafficRecord,
    /// The batch (sequence number) that delivered it while still open.
    pub opened_in: Option<i64>,
}

/// The associated data binding a sealed traffic record to its row.
fn aad(provider: &str, row: &TrafficRow) -> Vec<u8> {
    let mut out = Vec::with_capacity(96);
    out.extend_from_slice(b"tdip/v1/traffic\0");
    out.extend_from_slice(provider.as_bytes());
    out.push(0);
    out.extend_from_slice(row.kind.as_str().as_bytes());
    out.push(0);
    out.extend_from_slice(&row.batch.to_be_bytes());
    out.extend_from_slice(&row.day.to_be_bytes());
    out.extend_from_slice(&row.key.0);
    out.push(row.net.0);
    out.push(row.net.1);
    out.extend_from_slice(&row.user.map_or([0; 16], |u| u.0));
    out.extend_from_slice(&row.first_port.to_be_bytes());
    out.extend_from_slice(&row.last_port.to_be_bytes());
    out.extend_from_slice(&row.start.to_be_bytes());
    match row.end {
        Some(end) => {
            out.push(1);
            out.extend_from_slice(&end.to_be_bytes());
        }
        None => out.push(0),
    }
    out
}

/// The month whose key seals a row: that of its day partition (an open row's: the day it
/// started).
pub fn month_of(day: Day) -> Result<Month, CoreError> {
    Month::of(i64::from(day) * 86_400)
}

/// Seals `content` into `row.sealed`, under `provider`'s traffic key of the row's month.
/// Every other field of `row` must be final: they are bound to the blob.
pub fn seal_row(
    keys: &PointKeys,
    provider: &str,
    row: &mut TrafficRow,
    content: &SealedTraffic,
) -> Result<(), CoreError> {
    let sealer = keys
        .data()
        .for_month(provider, DataClass::Traffic, month_of(row.day)?)?;
    seal_row_with(&sealer, provider, row, content);
    Ok(())
}

/// [`seal_row`] with the sealer already chosen (the ingest caches one per month).
pub fn seal_row_with(
    sealer: &tdip_crypto::Sealer,
    provider: &str,
    row: &mut TrafficRow,
    content: &SealedTraffic,
) {
    let plain = encode(content);
    row.sealed = sealer.seal(&aad(provider, row), &plain);
}

/// Opens a row of `provider`: `Ok(None)` when its key was destroyed (retention),
/// [`CoreError::Tampered`] when the blob does not belong to this row.
pub fn open_row(
    keys: &PointKeys,
    provider: &str,
    row: &TrafficRow,
) -> Result<Option<SealedTraffic>, CoreError> {
    let tampered = |what: &str| {
        CoreError::Tampered(format!(
            "a {} row of provider {provider} on day partition {} {what}: the row was changed \
             or its sealed record copied from another row or an older copy of the store",
            row.kind.as_str(),
            row.day
        ))
    };
    match open_blob(
        keys,
        provider,
        row.day,
        &aad(provider, row),
        &row.sealed,
        tampered,
    )? {
        Some(plain) => decode(&plain).map(Some),
        None => Ok(None),
    }
}

/// Opens a traffic blob of `provider` on day partition `day` (a traffic row or a
/// communication): `Ok(None)` when its key was destroyed (retention); `tampered(what)`
/// when it is not sealed under the provider's traffic key of the day's month, or does not
/// open with `aad`.
pub(crate) fn open_blob(
    keys: &PointKeys,
    provider: &str,
    day: Day,
    aad: &[u8],
    sealed: &[u8],
    tampered: impl Fn(&str) -> CoreError,
) -> Result<Option<Zeroizing<Vec<u8>>>, CoreError> {
    let id = tdip_crypto::Sealer::key_id_of(sealed)?;
    let Some(key) = keys.data().key(id)? else {
        return Ok(None);
    };
    // The key must be this provider's traffic key of the row's month.
    match key.scope.as_deref() {
        Some((p, DataClass::Traffic, Scope::Month(m))) if p == provider && *m == month_of(day)? => {
        }
        _ => {
            return Err(tampered(
                "is not sealed under its provider's traffic key of its month",
            ));
        }
    }
    key.sealer
        .open(aad, sealed)
        .map(Some)
        .map_err(|_| tampered("does not open as its row describes it"))
}

fn encode(content: &SealedTraffic) -> Zeroizing<Vec<u8>> {
    let mut out = Vec::with_capacity(128);
    out.push(FORMAT);
    Zeroizing::new(postcard::to_extend(content, out).expect("a traffic record always serialises"))
}

fn decode(plain: &[u8]) -> Result<SealedTraffic, CoreError> {
    match plain.split_first() {
        Some((&FORMAT, body)) => postcard::from_bytes(body)
            .map_err(|_| CoreError::Internal("an unsealed traffic record does not decode")),
        _ => Err(CoreError::Internal(
            "an unsealed traffic record has an unknown format byte",
        )),
    }
}

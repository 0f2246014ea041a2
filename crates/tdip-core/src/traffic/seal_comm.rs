//! Blind indexes and sealing of communications, and the MAC of cell configurations.
//!
//! A communication's copy in day partition `d` is found by one index per party
//! identifier (number, IMSI, IMEI, account, address; keyed with the day, so the store
//! cannot follow an identifier from one day to the next, and with the identifier's kind)
//! and one per cell (keyed with the provider and the day). Its blob is bound to provider,
//! kind, batch, record number, day and times, and sealed under the provider's traffic key
//! of the day's month, like every traffic row. A cell configuration is network data and
//! stays in clear (the store searches it by area); a keyed MAC over every stored field
//! makes an edit by anyone without the point's keys detectable on read.

use std::net::IpAddr;

use tdip_model::traffic::{CellConfig, Communication, Party};
use tdip_store::{BlindIndex, CellRow, CommRow, Day, TrafficKind};
use zeroize::Zeroizing;

use crate::CoreError;
use crate::keys::PointKeys;
use crate::traffic::seal::{TrafficKeys, open_blob};

const FORMAT: u8 = 1;

/// The kinds of party identifier a communication is indexed by.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PartyKind {
    /// A phone number (E.164).
    Number,
    /// An IMSI.
    Imsi,
    /// An IMEI.
    Imei,
    /// An e-mail address or service account id.
    Account,
    /// An IP address (internet communications).
    Address,
}

impl PartyKind {
    fn tag(self) -> &'static [u8] {
        match self {
            PartyKind::Number => b"number",
            PartyKind::Imsi => b"imsi",
            PartyKind::Imei => b"imei",
            PartyKind::Account => b"account",
            PartyKind::Address => b"address",
        }
    }
}

impl TrafficKeys {
    /// Index of a party identifier (normalised) on a UTC day.
    pub fn party_on(&self, kind: PartyKind, value: &str, day: Day) -> BlindIndex {
        BlindIndex(
            self.party
                .index_parts([kind.tag(), value.as_bytes(), &day.to_be_bytes()]),
        )
    }

    /// Index of a provider's cell on a UTC day.
    pub fn cell_on(&self, provider: &str, cell_id: &str, day: Day) -> BlindIndex {
        BlindIndex(self.cell.index_parts([
            provider.as_bytes(),
            cell_id.as_bytes(),
            &day.to_be_bytes(),
        ]))
    }

    /// The MAC of a stored cell configuration.
    pub fn cell_mac(&self, row: &CellRow) -> BlindIndex {
        let coord = |c: Option<i32>| c.map_or([0xff; 5], with_flag);
        BlindIndex(self.cell_mac.index_parts([
            row.provider.as_bytes(),
            row.cell_id.as_bytes(),
            &row.valid_from.to_be_bytes(),
            &row.batch.to_be_bytes(),
            &coord(row.latitude),
            &coord(row.longitude),
            &row.config,
        ]))
    }
}

fn with_flag(v: i32) -> [u8; 5] {
    let b = v.to_be_bytes();
    [1, b[0], b[1], b[2], b[3]]
}

/// Every party identifier of `p`, with its kind.
pub fn party_identifiers(p: &Party) -> impl Iterator<Item = (PartyKind, String)> + '_ {
    p.number
        .iter()
        .map(|v| (PartyKind::Number, v.clone()))
        .chain(p.imsi.iter().map(|v| (PartyKind::Imsi, v.clone())))
        .chain(p.imei.iter().map(|v| (PartyKind::Imei, v.clone())))
        .chain(p.account.iter().map(|v| (PartyKind::Account, v.clone())))
        .chain(
            p.address
                .iter()
                .map(|a: &IpAddr| (PartyKind::Address, a.to_string())),
        )
}

/// The index entries of a communication's copy on `day`, without repeats.
pub fn comm_keys(
    keys: &TrafficKeys,
    provider: &str,
    c: &Communication,
    day: Day,
) -> Vec<BlindIndex> {
    let mut out: Vec<BlindIndex> = party_identifiers(&c.calling)
        .chain(party_identifiers(&c.called))
        .chain(
            c.forwarded_to
                .iter()
                .map(|n| (PartyKind::Number, n.clone())),
        )
        .chain(c.lines.iter().map(|n| (PartyKind::Number, n.clone())))
        .map(|(kind, v)| keys.party_on(kind, &v, day))
        .chain(c.cells().map(|cell| keys.cell_on(provider, cell, day)))
        .collect();
    out.sort_unstable();
    out.dedup();
    out
}

/// The associated data binding a sealed communication to its row.
fn aad(provider: &str, row: &CommRow) -> Vec<u8> {
    let mut out = Vec::with_capacity(64);
    out.extend_from_slice(b"tdip/v1/comm\0");
    out.extend_from_slice(provider.as_bytes());
    out.push(0);
    out.extend_from_slice(row.kind.as_str().as_bytes());
    out.push(0);
    out.extend_from_slice(&row.batch.to_be_bytes());
    out.extend_from_slice(&row.ord.to_be_bytes());
    out.extend_from_slice(&row.day.to_be_bytes());
    out.extend_from_slice(&row.start.to_be_bytes());
    out.extend_from_slice(&row.end.to_be_bytes());
    out
}

/// Seals `c` into `row.sealed`; every other field of `row` must be final.
pub fn seal_comm_with(
    sealer: &tdip_crypto::Sealer,
    provider: &str,
    row: &mut CommRow,
    c: &Communication,
) {
    let mut plain = Zeroizing::new(Vec::with_capacity(160));
    plain.push(FORMAT);
    let plain = Zeroizing::new(
        postcard::to_extend(c, std::mem::take(&mut *plain)).expect("a record serialises"),
    );
    row.sealed = sealer.seal(&aad(provider, row), &plain);
}

/// Opens a communication of `provider`: `Ok(None)` when its key was destroyed
/// (retention), [`CoreError::Tampered`] when the blob does not belong to this row.
pub fn open_comm(
    keys: &PointKeys,
    provider: &str,
    row: &CommRow,
) -> Result<Option<Communication>, CoreError> {
    let tampered = |what: &str| {
        CoreError::Tampered(format!(
            "a {} communication of provider {provider} on day partition {} {what}: the row was \
             changed or its sealed record copied from another row or an older copy of the store",
            row.kind.as_str(),
            row.day
        ))
    };
    let Some(plain) = open_blob(
        keys,
        provider,
        row.day,
        &aad(provider, row),
        &row.sealed,
        tampered,
    )?
    else {
        return Ok(None);
    };
    match plain.split_first() {
        Some((&FORMAT, body)) => postcard::from_bytes(body)
            .map(Some)
            .map_err(|_| CoreError::Internal("an unsealed communication does not decode")),
        _ => Err(CoreError::Internal(
            "an unsealed communication has an unknown format byte",
        )),
    }
}

/// The stored row of a cell configuration delivered by batch `batch` of `provider`, its
/// MAC computed.
pub fn cell_row(keys: &TrafficKeys, provider: &str, batch: i64, c: &CellConfig) -> CellRow {
    let mut config = vec![FORMAT];
    config = postcard::to_extend(c, config).expect("a cell configuration serialises");
    let mut row = CellRow {
        provider: provider.to_owned(),
        cell_id: c.cell_id.clone(),
        valid_from: c.valid_from,
        batch,
        latitude: c.latitude,
        longitude: c.longitude,
        config,
        mac: BlindIndex([0; 16]),
    };
    row.mac = keys.cell_mac(&row);
    row
}

/// Reads a stored cell configuration back, checking its MAC and that its clear columns
/// agree with the configuration they were taken from.
pub fn open_cell(keys: &TrafficKeys, row: &CellRow) -> Result<CellConfig, CoreError> {
    let tampered = || {
        CoreError::Tampered(format!(
            "a cell configuration of provider {} was changed outside tdip (its MAC does not \
             match); restore the store from a backup",
            row.provider
        ))
    };
    if keys.cell_mac(row) != row.mac {
        return Err(tampered());
    }
    let c: CellConfig = match row.config.split_first() {
        Some((&FORMAT, body)) => postcard::from_bytes(body).map_err(|_| tampered())?,
        _ => return Err(tampered()),
    };
    if c.cell_id != row.cell_id
        || c.valid_from != row.valid_from
        || c.latitude != row.latitude
        || c.longitude != row.longitude
    {
        return Err(tampered());
    }
    Ok(c)
}

/// The kind a communication's network is stored under.
pub fn kind_of(c: &Communication) -> TrafficKind {
    match c.network {
        tdip_model::traffic::Network::Fixed => TrafficKind::Fixed,
        tdip_model::traffic::Network::Mobile => TrafficKind::Mobile,
        tdip_model::traffic::Network::Internet => TrafficKind::Internet,
    }
}

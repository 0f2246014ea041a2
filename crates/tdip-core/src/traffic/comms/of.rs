//! The communications of an identifier over a period: calls and messages of a number,
//! IMSI or IMEI; e-mail, VoIP calls and log-ins of an account; internet communications of
//! an address — from every provider, each with the other party, its cells as configured
//! then and (when the basis permits) the subscriber behind each party, the records of
//! one communication linked. A VoIP call entering the phone network is linked to the
//! phone network's record of it even when that record does not name the account.

use tdip_model::traffic::{Communication, Party};
use tdip_model::{Country, IdentKind, normalize};
use tdip_store::{BlindIndex, CommProbe, Day, Store, TrafficStore};

use super::cells::place_cells;
use super::link::{LINK_TOLERANCE, link};
use super::parties::join_subscribers;
use super::{Communicated, FetchedComm, MAX_COMMS, Reach, check_period, days_of, fetch_comms};
use crate::CoreError;
use crate::keys::PointKeys;
use crate::lookup::Searched;
use crate::traffic::seal_comm::PartyKind;

/// What to list: an identifier over a closed period (UTC seconds).
#[derive(Clone)]
pub struct CommsOf {
    /// Msisdn, Imsi, Imei, Email, UserId (an account) or Ip.
    pub kind: IdentKind,
    /// The identifier as typed.
    pub value: String,
    /// Start of the period.
    pub from: i64,
    /// End of the period.
    pub to: i64,
    /// The country of a national number (the asking agency's).
    pub country: Option<Country>,
}

impl std::fmt::Debug for CommsOf {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CommsOf")
            .field("kind", &self.kind)
            .field("from", &self.from)
            .field("to", &self.to)
            .finish_non_exhaustive()
    }
}

/// The communications found.
#[derive(Clone, Debug)]
pub struct Comms {
    /// The identifier searched, normalised.
    pub searched: Searched,
    /// Start of the period.
    pub from: i64,
    /// End of the period.
    pub to: i64,
    /// The communications, by start (none: a no-hit).
    pub items: Vec<Communicated>,
    /// More than [`MAX_COMMS`] records matched; ask for a shorter period.
    pub truncated: bool,
}

/// The party kind an identifier kind is indexed under, and the identifier normalised.
pub fn party_of(
    kind: IdentKind,
    value: &str,
    country: Option<Country>,
) -> Result<(PartyKind, String), CoreError> {
    let party = match kind {
        IdentKind::Msisdn => PartyKind::Number,
        IdentKind::Imsi => PartyKind::Imsi,
        IdentKind::Imei => PartyKind::Imei,
        IdentKind::Email | IdentKind::UserId => PartyKind::Account,
        IdentKind::Ip => PartyKind::Address,
        IdentKind::Mac => {
            return Err(CoreError::Config(
                "communications are not kept by MAC address; ask by number, IMSI, IMEI, \
                 account or address"
                    .into(),
            ));
        }
    };
    let normal = normalize(kind, value, country)
        .map_err(|e| CoreError::Config(format!("--{}: {e}", kind.as_str())))?;
    // An address is indexed as the address itself, not as a /32 prefix.
    let normal = match kind {
        IdentKind::Ip => normal.split('/').next().unwrap_or(&normal).to_owned(),
        _ => normal,
    };
    Ok((party, normal))
}

/// Whether a party carries the identifier.
pub fn party_has(p: &Party, kind: PartyKind, value: &str) -> bool {
    let v = Some(value);
    match kind {
        PartyKind::Number => p.number.as_deref() == v,
        PartyKind::Imsi => p.imsi.as_deref() == v,
        PartyKind::Imei => p.imei.as_deref() == v,
        PartyKind::Account => p.account.as_deref() == v,
        PartyKind::Address => p.address.map(|a| a.to_string()).as_deref() == v,
    }
}

/// Whether a communication names the identifier (either party, a forwarded-to number or
/// a conference line): what keeps a blind-index collision out of an answer.
pub fn names(c: &Communication, kind: PartyKind, value: &str) -> bool {
    party_has(&c.calling, kind, value)
        || party_has(&c.called, kind, value)
        || (kind == PartyKind::Number
            && (c.forwarded_to.as_deref() == Some(value) || c.lines.iter().any(|l| l == value)))
}

/// The records naming one identifier in a window, folded and checked, and whether the
/// store had more rows than one answer takes.
pub(crate) async fn records_naming<S: Store + TrafficStore>(
    store: &S,
    keys: &PointKeys,
    (kind, value): (PartyKind, &str),
    from: i64,
    to: i64,
) -> Result<(Vec<FetchedComm>, bool), CoreError> {
    let probe = CommProbe {
        keys: days_of(from, to)
            .map(|d: Day| (d, keys.traffic().party_on(kind, value, d)))
            .collect::<Vec<(Day, BlindIndex)>>(),
        from,
        to,
        limit: u32::try_from(MAX_COMMS * 4 + 1).unwrap_or(u32::MAX),
    };
    let rows = store.comm_rows(&probe).await?;
    let cut = rows.len() >= probe.limit as usize;
    let found = fetch_comms(store, keys, rows, |_, c| names(c, kind, value)).await?;
    Ok((found, cut))
}

/// Lists the communications of an identifier over a period.
pub async fn comms_of<S: Store + TrafficStore>(
    store: &S,
    keys: &PointKeys,
    q: &CommsOf,
    reach: Reach,
) -> Result<Comms, CoreError> {
    check_period(q.from, q.to)?;
    let (kind, value) = party_of(q.kind, &q.value, q.country)?;
    let (mut found, cut) = records_naming(store, keys, (kind, &value), q.from, q.to).await?;
    if kind != PartyKind::Number {
        let sides = phone_sides(store, keys, &found).await?;
        found.extend(sides);
    }
    let truncated = cut || found.len() > MAX_COMMS;
    found.truncate(MAX_COMMS);
    finish(store, keys, &mut found, reach).await?;
    Ok(Comms {
        searched: Searched {
            kind: q.kind.as_str().to_owned(),
            value,
        },
        from: q.from,
        to: q.to,
        items: link(found),
        truncated,
    })
}

/// Places cells and joins subscribers as the reach permits.
pub(crate) async fn finish<S: Store + TrafficStore>(
    store: &S,
    keys: &PointKeys,
    found: &mut [FetchedComm],
    reach: Reach,
) -> Result<(), CoreError> {
    if reach.location {
        place_cells(store, keys, found).await?;
    } else {
        for item in found.iter_mut() {
            strip_cells(&mut item.record);
        }
    }
    if reach.subscribers {
        join_subscribers(store, keys, found).await?;
    }
    Ok(())
}

/// Leaves a record's cells out (a basis without location data).
fn strip_cells(c: &mut Communication) {
    for p in [&mut c.calling, &mut c.called] {
        p.cell_start = None;
        p.cell_end = None;
    }
}

/// The phone network's records of the VoIP calls among `found` that entered it: those
/// naming the VoIP call's calling number, around its start, with the same numbers.
async fn phone_sides<S: Store + TrafficStore>(
    store: &S,
    keys: &PointKeys,
    found: &[FetchedComm],
) -> Result<Vec<FetchedComm>, CoreError> {
    let mut out: Vec<FetchedComm> = Vec::new();
    for voip in found
        .iter()
        .filter(|f| f.record.kind == tdip_model::traffic::CommType::Voip)
    {
        let (Some(a), Some(b)) = (&voip.record.calling.number, &voip.record.called.number) else {
            continue;
        };
        let at = voip.record.start;
        let (others, _) = records_naming(
            store,
            keys,
            (PartyKind::Number, a),
            at - LINK_TOLERANCE,
            at + LINK_TOLERANCE,
        )
        .await?;
        for other in others {
            let r = &other.record;
            let same = r.calling.number.as_ref() == Some(a)
                && r.called.number.as_ref() == Some(b)
                && (r.start - at).abs() <= LINK_TOLERANCE;
            let known = found
                .iter()
                .chain(out.iter())
                .any(|f| f.batch == other.batch && f.ord == other.ord);
            if same && !known {
                out.push(other);
            }
        }
    }
    Ok(out)
}

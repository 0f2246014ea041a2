//! Device history: which IMSIs and numbers used a device (IMEI) in a period, or which
//! devices a number or IMSI used (SIM or device swaps) — read from the mobile
//! communications that name them, each combination with its first and last use.

use std::collections::BTreeMap;

use tdip_model::IdentKind;
use tdip_model::traffic::Network;
use tdip_store::{Store, TrafficStore};

use super::of::{CommsOf, party_has, party_of, records_naming};
use super::{MAX_COMMS, check_period};
use crate::CoreError;
use crate::keys::PointKeys;
use crate::lookup::Searched;

/// One combination of device, SIM and number seen together.
#[derive(Clone, PartialEq, Eq)]
pub struct DeviceUse {
    /// Provider id.
    pub provider: String,
    /// The device.
    pub imei: Option<String>,
    /// The SIM.
    pub imsi: Option<String>,
    /// The number.
    pub number: Option<String>,
    /// First communication seen with it (UTC seconds).
    pub first: i64,
    /// Last communication seen with it.
    pub last: i64,
    /// Communications seen with it.
    pub communications: u32,
}

impl std::fmt::Debug for DeviceUse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DeviceUse")
            .field("first", &self.first)
            .field("last", &self.last)
            .field("communications", &self.communications)
            .finish_non_exhaustive()
    }
}

/// The answer: every combination, by first use.
#[derive(Clone, Debug)]
pub struct Devices {
    /// The identifier searched, normalised.
    pub searched: Searched,
    /// Start of the period.
    pub from: i64,
    /// End of the period.
    pub to: i64,
    /// The combinations.
    pub uses: Vec<DeviceUse>,
    /// More records matched than one answer reads; ask for a shorter period.
    pub truncated: bool,
}

/// Provider, IMEI, IMSI and number of one combination.
type UseKey = (String, Option<String>, Option<String>, Option<String>);

/// Lists the device, SIM and number combinations of an IMEI, IMSI or number.
pub async fn devices_of<S: Store + TrafficStore>(
    store: &S,
    keys: &PointKeys,
    q: &CommsOf,
) -> Result<Devices, CoreError> {
    check_period(q.from, q.to)?;
    if !matches!(
        q.kind,
        IdentKind::Imei | IdentKind::Imsi | IdentKind::Msisdn
    ) {
        return Err(CoreError::Config(
            "a device history is asked by IMEI, IMSI or number".into(),
        ));
    }
    let (kind, value) = party_of(q.kind, &q.value, q.country)?;
    let (found, cut) = records_naming(store, keys, (kind, &value), q.from, q.to).await?;
    let mut uses: BTreeMap<UseKey, DeviceUse> = BTreeMap::new();
    for f in found.iter().take(MAX_COMMS) {
        let r = &f.record;
        if r.network != Network::Mobile {
            continue;
        }
        for party in [&r.calling, &r.called] {
            if !party_has(party, kind, &value) || (party.imei.is_none() && party.imsi.is_none()) {
                continue;
            }
            let key = (
                f.source.provider.clone(),
                party.imei.clone(),
                party.imsi.clone(),
                party.number.clone(),
            );
            let u = uses.entry(key).or_insert_with(|| DeviceUse {
                provider: f.source.provider.clone(),
                imei: party.imei.clone(),
                imsi: party.imsi.clone(),
                number: party.number.clone(),
                first: r.start,
                last: r.start,
                communications: 0,
            });
            u.first = u.first.min(r.start);
            u.last = u.last.max(r.start);
            u.communications += 1;
        }
    }
    let mut uses: Vec<DeviceUse> = uses.into_values().collect();
    uses.sort_by(|a, b| (a.first, &a.provider).cmp(&(b.first, &b.provider)));
    Ok(Devices {
        searched: Searched {
            kind: q.kind.as_str().to_owned(),
            value,
        },
        from: q.from,
        to: q.to,
        uses,
        truncated: cut || found.len() > MAX_COMMS,
    })
}

//! The retained traffic records of an identifier over a period (traffic data proper): every
//! port-block assignment and access session of an end-user id, or of an address (as the
//! public address of assignments, or held by sessions), each with where it came from.

use ipnet::IpNet;
use tdip_model::traffic::TrafficRecord;
use tdip_model::{IdentKind, normalize};
use tdip_store::{Store, TrafficKind, TrafficStore};

use crate::CoreError;
use crate::keys::PointKeys;
use crate::lookup::Searched;
use crate::traffic::fetch::{Fetched, fetch};
use crate::traffic::identify::{meets, parse_address, probe, sessions_holding};

/// At most this many records in one answer; a longer one says it was cut.
pub const MAX_RECORDS: usize = 10_000;

/// What to list: an end-user id or an address, over a closed period (UTC seconds).
#[derive(Clone)]
pub struct RecordsOf {
    /// `UserId` or `Ip`.
    pub kind: IdentKind,
    /// The identifier as typed.
    pub value: String,
    /// Start of the period.
    pub from: i64,
    /// End of the period.
    pub to: i64,
}

impl std::fmt::Debug for RecordsOf {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RecordsOf")
            .field("kind", &self.kind)
            .field("from", &self.from)
            .field("to", &self.to)
            .finish_non_exhaustive()
    }
}

/// The records found, by start.
#[derive(Clone, Debug)]
pub struct Records {
    /// The identifier searched, normalised.
    pub searched: Searched,
    /// Start of the period.
    pub from: i64,
    /// End of the period.
    pub to: i64,
    /// The records (none: a no-hit).
    pub records: Vec<Fetched>,
    /// More than [`MAX_RECORDS`] matched; ask for a shorter period.
    pub truncated: bool,
}

/// Lists the traffic records of an end-user id or address over a period.
pub async fn records_of<S: Store + TrafficStore>(
    store: &S,
    keys: &PointKeys,
    q: &RecordsOf,
) -> Result<Records, CoreError> {
    if q.from > q.to {
        return Err(CoreError::Config(
            "the period ends before it starts; swap --from and --to".into(),
        ));
    }
    let (searched, mut records) = match q.kind {
        IdentKind::UserId => {
            let user = normalize(IdentKind::UserId, &q.value, None)
                .map_err(|e| CoreError::Config(format!("--user-id: {e}")))?;
            let limit = u32::try_from(MAX_RECORDS + 1).unwrap_or(u32::MAX);
            let rows = store
                .traffic_of_user(&keys.traffic().user(&user), q.from, q.to, limit)
                .await?;
            let found = fetch(store, keys, rows, |r| {
                r.user_id() == Some(user.as_str()) && meets(r.start(), r.end(), q.from, q.to)
            })
            .await?;
            (user, found)
        }
        IdentKind::Ip => {
            let addr = parse_address(&q.value)?;
            let rows = probe(
                store,
                keys,
                TrafficKind::PortBlock,
                &[IpNet::from(addr)],
                q.from,
                q.to,
                None,
            )
            .await?;
            let mut found = fetch(store, keys, rows, |r| match r {
                TrafficRecord::PortBlock(b) => {
                    b.public_ip == addr && meets(b.start, b.end, q.from, q.to)
                }
                _ => false,
            })
            .await?;
            found.extend(sessions_holding(store, keys, addr, q.from, q.to).await?);
            (addr.to_string(), found)
        }
        other => {
            return Err(CoreError::Config(format!(
                "retained traffic data are kept by end-user id and address; a query by {} \
                 asks the subscriber file instead",
                other.as_str()
            )));
        }
    };
    records.sort_by_key(|f| (f.record.start(), f.source.provider.clone()));
    let truncated = records.len() > MAX_RECORDS;
    records.truncate(MAX_RECORDS);
    Ok(Records {
        searched: Searched {
            kind: q.kind.as_str().to_owned(),
            value: searched,
        },
        from: q.from,
        to: q.to,
        records,
        truncated,
    })
}

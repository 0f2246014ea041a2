//! Reading traffic rows back: each row's batch and provider, the record unsealed and
//! checked against what was asked (a blind-index collision never becomes an answer), and
//! the copies of one record in several day partitions folded into one.

use std::collections::{HashMap, HashSet};

use tdip_model::traffic::TrafficRecord;
use tdip_store::{Store, TrafficRow, TrafficStore};

use crate::CoreError;
use crate::keys::PointKeys;
use crate::traffic::seal::open_row;

/// Where a record came from: the batch that delivered it (and, for one delivered open and
/// closed later, the batch that first delivered it).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Source {
    /// Provider id.
    pub provider: String,
    /// Provider name.
    pub provider_name: String,
    /// The provider's id of the batch that holds the record as it stands.
    pub batch: String,
    /// When the point received that batch, UTC seconds.
    pub received_at: i64,
    /// The batch that delivered it still open, when a later one closed it.
    pub opened_in: Option<String>,
}

/// One record read back, with its source.
#[derive(Clone)]
pub struct Fetched {
    /// Where it came from.
    pub source: Source,
    /// The record.
    pub record: TrafficRecord,
}

impl std::fmt::Debug for Fetched {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Fetched")
            .field("source", &self.source)
            .field("record", &self.record)
            .finish()
    }
}

/// Opens `rows`, keeps those `keep` accepts, and folds copies of one record (a record
/// spanning midnight lives in two day partitions) into one. Rows whose key was destroyed
/// (past retention) are left out.
pub async fn fetch<S: Store + TrafficStore>(
    store: &S,
    keys: &PointKeys,
    rows: Vec<TrafficRow>,
    keep: impl Fn(&TrafficRecord) -> bool,
) -> Result<Vec<Fetched>, CoreError> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let mut seqs: Vec<i64> = rows.iter().map(|r| r.batch).collect();
    seqs.sort_unstable();
    seqs.dedup();
    let mut batches: HashMap<i64, tdip_store::NewTrafficBatch> = HashMap::new();
    let mut more = Vec::new();
    for b in store.traffic_batches_by_seq(&seqs).await? {
        batches.insert(b.seq, b.batch);
    }
    let mut names: HashMap<String, String> = HashMap::new();
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for row in rows {
        let Some(batch) = batches.get(&row.batch) else {
            return Err(CoreError::Tampered(format!(
                "a {} row on day partition {} names batch {}, which the batch log does not hold",
                row.kind.as_str(),
                row.day,
                row.batch
            )));
        };
        let provider = batch.provider.clone();
        let Some(content) = open_row(keys, &provider, &row)? else {
            continue;
        };
        if !keep(&content.record) {
            continue;
        }
        let identity = identity(&provider, &content.record);
        if !seen.insert(identity) {
            continue;
        }
        if let Some(opened) = content.opened_in {
            more.push(opened);
        }
        if !names.contains_key(&provider) {
            let name = store
                .provider(&provider)
                .await?
                .map_or_else(String::new, |p| p.name);
            names.insert(provider.clone(), name);
        }
        out.push((
            Source {
                provider_name: names.get(&provider).cloned().unwrap_or_default(),
                provider,
                batch: batch.batch_id.clone(),
                received_at: batch.received_at,
                opened_in: None,
            },
            content.opened_in,
            content.record,
        ));
    }
    more.sort_unstable();
    more.dedup();
    let opened: HashMap<i64, String> = store
        .traffic_batches_by_seq(&more)
        .await?
        .into_iter()
        .map(|b| (b.seq, b.batch.batch_id))
        .collect();
    Ok(out
        .into_iter()
        .map(|(mut source, opened_in, record)| {
            source.opened_in = opened_in.and_then(|s| opened.get(&s).cloned());
            Fetched { source, record }
        })
        .collect())
}

/// What makes two rows the same record: provider, kind, start, and the block or address.
fn identity(provider: &str, record: &TrafficRecord) -> (String, u8, i64, String) {
    match record {
        TrafficRecord::PortBlock(b) => (
            provider.to_owned(),
            1,
            b.start,
            format!("{}:{}-{}", b.public_ip, b.first_port, b.last_port),
        ),
        TrafficRecord::Session(s) => (
            provider.to_owned(),
            2,
            s.login,
            format!("{}/{} {}", s.address, s.prefix_len, s.user_id),
        ),
        // Communications and cells are read back by their own paths (comm_rows,
        // cell_history); a traffic row never holds one.
        TrafficRecord::Communication(c) => (provider.to_owned(), 3, c.start, String::new()),
        TrafficRecord::Cell(c) => (provider.to_owned(), 6, c.valid_from, c.cell_id.clone()),
    }
}

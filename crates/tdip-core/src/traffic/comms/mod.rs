//! Communications read back: the records of an identifier over a period (`of`), a cell
//! dump (`dump`), the devices behind a number and the numbers behind a device
//! (`devices`); each record with its cells placed as they were configured at the moment
//! of the communication (`cells`), the records of one communication seen by several
//! providers linked into one (`link`), and the subscriber behind each party at that
//! moment (`parties`).

pub mod cells;
pub mod devices;
pub mod dump;
pub mod link;
pub mod of;
pub mod parties;

use std::collections::{HashMap, HashSet};

use tdip_model::traffic::{CellConfig, Communication};
use tdip_store::{CommRow, Store, TrafficStore};

use crate::CoreError;
use crate::keys::PointKeys;
use crate::lookup::Hit;
use crate::traffic::fetch::Source;
use crate::traffic::seal_comm::open_comm;

/// At most this many communications in one answer; a longer one says it was cut.
pub const MAX_COMMS: usize = 10_000;

/// The longest period a query of communications may span, in days.
pub const MAX_PERIOD_DAYS: i64 = 92;

/// Which end of which party a cell is logged for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum CellRole {
    /// The calling party's cell at the start.
    CallingStart,
    /// The calling party's cell at the end.
    CallingEnd,
    /// The called party's cell at the start.
    CalledStart,
    /// The called party's cell at the end.
    CalledEnd,
}

impl CellRole {
    /// Stable name (`calling_start`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            CellRole::CallingStart => "calling_start",
            CellRole::CallingEnd => "calling_end",
            CellRole::CalledStart => "called_start",
            CellRole::CalledEnd => "called_end",
        }
    }
}

/// A cell of a communication, placed as it was configured at its moment.
#[derive(Clone, PartialEq, Eq)]
pub struct PlacedCell {
    /// Which party and end.
    pub role: CellRole,
    /// The provider's cell id.
    pub cell_id: String,
    /// The moment it is placed at (the communication's start or end).
    pub at: i64,
    /// The configuration in force then; `None` when the provider delivered none (or the
    /// cell was removed by then).
    pub config: Option<CellConfig>,
}

impl std::fmt::Debug for PlacedCell {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PlacedCell")
            .field("role", &self.role)
            .field("at", &self.at)
            .field("configured", &self.config.is_some())
            .finish_non_exhaustive()
    }
}

/// One provider's record of a communication, with where it came from.
#[derive(Clone, Debug)]
pub struct FetchedComm {
    /// The batch that delivered it.
    pub source: Source,
    /// The batch log's sequence number of that batch.
    pub batch: i64,
    /// The record's number in its batch.
    pub ord: u32,
    /// The record.
    pub record: Communication,
    /// Its cells, placed (empty when the basis does not permit location data).
    pub cells: Vec<PlacedCell>,
    /// Who held the calling party's identifier at the start (when the basis permits).
    pub calling_subscriber: Vec<Hit>,
    /// Who held the called party's identifier at the start (when the basis permits).
    pub called_subscriber: Vec<Hit>,
}

/// One communication: the records of every provider that saw it (one, or two for a call
/// between two networks or a VoIP call entering the phone network).
#[derive(Clone, Debug)]
pub struct Communicated {
    /// The records, by provider.
    pub records: Vec<FetchedComm>,
}

impl Communicated {
    /// The earliest start of its records.
    pub fn start(&self) -> i64 {
        self.records
            .iter()
            .map(|r| r.record.start)
            .min()
            .unwrap_or(0)
    }
}

/// What else the basis of a demand permits beside the records: placing their cells
/// (location data) and naming the subscriber behind each party (identification).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Reach {
    /// Place cells.
    pub location: bool,
    /// Join the subscriber history.
    pub subscribers: bool,
}

/// Checks a period against [`MAX_PERIOD_DAYS`].
pub(crate) fn check_period(from: i64, to: i64) -> Result<(), CoreError> {
    if from > to {
        return Err(CoreError::Config(
            "the period ends before it starts; swap --from and --to".into(),
        ));
    }
    if to - from > MAX_PERIOD_DAYS * 86_400 {
        return Err(CoreError::Config(format!(
            "the period is longer than {MAX_PERIOD_DAYS} days; ask for a shorter one (or \
             several)"
        )));
    }
    Ok(())
}

/// Opens `rows`, keeps those `keep` accepts, and folds the day copies of one record into
/// one. Rows whose key was destroyed (past retention) are left out; a row naming a batch
/// the log does not hold, or whose blob does not open as its row says, is
/// [`CoreError::Tampered`].
pub(crate) async fn fetch_comms<S: Store + TrafficStore>(
    store: &S,
    keys: &PointKeys,
    rows: Vec<CommRow>,
    keep: impl Fn(&str, &Communication) -> bool,
) -> Result<Vec<FetchedComm>, CoreError> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let mut seqs: Vec<i64> = rows.iter().map(|r| r.batch).collect();
    seqs.sort_unstable();
    seqs.dedup();
    let batches: HashMap<i64, tdip_store::NewTrafficBatch> = store
        .traffic_batches_by_seq(&seqs)
        .await?
        .into_iter()
        .map(|b| (b.seq, b.batch))
        .collect();
    let mut names: HashMap<String, String> = HashMap::new();
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for row in rows {
        let Some(batch) = batches.get(&row.batch) else {
            return Err(CoreError::Tampered(format!(
                "a {} communication on day partition {} names batch {}, which the batch log \
                 does not hold",
                row.kind.as_str(),
                row.day,
                row.batch
            )));
        };
        if batch.kind != row.kind || batch.outcome != tdip_store::DeliveryOutcome::Accepted {
            return Err(CoreError::Tampered(format!(
                "a communication on day partition {} names batch {}, which did not deliver \
                 such records",
                row.day, row.batch
            )));
        }
        if !seen.insert((row.batch, row.ord)) {
            continue;
        }
        let provider = batch.provider.clone();
        let Some(record) = open_comm(keys, &provider, &row)? else {
            continue;
        };
        if !keep(&provider, &record) {
            continue;
        }
        if !names.contains_key(&provider) {
            let name = store
                .provider(&provider)
                .await?
                .map_or_else(String::new, |p| p.name);
            names.insert(provider.clone(), name);
        }
        out.push(FetchedComm {
            source: Source {
                provider_name: names.get(&provider).cloned().unwrap_or_default(),
                provider,
                batch: batch.batch_id.clone(),
                received_at: batch.received_at,
                opened_in: None,
            },
            batch: row.batch,
            ord: row.ord,
            record,
            cells: Vec::new(),
            calling_subscriber: Vec::new(),
            called_subscriber: Vec::new(),
        });
    }
    out.sort_by(|a, b| {
        (a.record.start, &a.source.provider, a.batch, a.ord).cmp(&(
            b.record.start,
            &b.source.provider,
            b.batch,
            b.ord,
        ))
    });
    Ok(out)
}

/// The UTC days a window covers.
pub(crate) fn days_of(from: i64, to: i64) -> std::ops::RangeInclusive<tdip_store::Day> {
    tdip_store::day_of(from)..=tdip_store::day_of(to)
}

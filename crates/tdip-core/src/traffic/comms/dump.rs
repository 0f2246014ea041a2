//! A cell dump ("mastverkeersgegevens", 002 annex item 10): every communication through
//! named cells of a provider, or through every cell configured within a radius of a point
//! at the time of the communication, in a window. The bound on window and radius is the
//! basis's (checked by the consultation before this runs).

use std::collections::{BTreeMap, BTreeSet};

use tdip_model::traffic::CellConfig;
use tdip_store::{CellBox, CommProbe, Store, TrafficStore};

use super::cells::{CellHistory, cells_of, distance_metres};
use super::link::link;
use super::of::finish;
use super::{Communicated, MAX_COMMS, Reach, days_of, fetch_comms};
use crate::CoreError;
use crate::keys::PointKeys;
use crate::traffic::seal_comm::open_cell;

/// Which cells a dump covers.
#[derive(Clone, PartialEq, Eq)]
pub enum DumpTarget {
    /// Named cells of one provider.
    Cells {
        /// Provider id.
        provider: String,
        /// The provider's cell ids.
        cell_ids: Vec<String>,
    },
    /// Every cell configured within `radius_metres` of a point (micro-degrees).
    Area {
        /// Latitude.
        latitude: i32,
        /// Longitude.
        longitude: i32,
        /// Radius in metres.
        radius_metres: u32,
    },
}

impl std::fmt::Debug for DumpTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DumpTarget::Cells { cell_ids, .. } => f
                .debug_struct("Cells")
                .field("cells", &cell_ids.len())
                .finish_non_exhaustive(),
            DumpTarget::Area { radius_metres, .. } => f
                .debug_struct("Area")
                .field("radius_metres", radius_metres)
                .finish_non_exhaustive(),
        }
    }
}

/// A cell dump demand: cells and window (UTC seconds, inclusive).
#[derive(Clone, Debug)]
pub struct CellDump {
    /// The cells.
    pub target: DumpTarget,
    /// Window start.
    pub from: i64,
    /// Window end.
    pub to: i64,
}

/// A cell the dump covered, with its configurations in force during the window.
#[derive(Clone, Debug)]
pub struct DumpedCell {
    /// Provider id.
    pub provider: String,
    /// The provider's cell id.
    pub cell_id: String,
    /// Its configurations in force during the window (within the radius, for an area).
    pub configs: Vec<CellConfig>,
}

/// A cell dump's answer.
#[derive(Clone, Debug)]
pub struct Dumped {
    /// Window start.
    pub from: i64,
    /// Window end.
    pub to: i64,
    /// The cells covered.
    pub cells: Vec<DumpedCell>,
    /// The communications, by start.
    pub items: Vec<Communicated>,
    /// More than [`MAX_COMMS`] records matched; ask for a shorter window.
    pub truncated: bool,
}

impl CellDump {
    /// The window's length in seconds.
    pub fn window_seconds(&self) -> i64 {
        self.to - self.from
    }
}

/// Answers a cell dump.
pub async fn cell_dump<S: Store + TrafficStore>(
    store: &S,
    keys: &PointKeys,
    q: &CellDump,
    reach: Reach,
) -> Result<Dumped, CoreError> {
    if q.from > q.to {
        return Err(CoreError::Config(
            "the window ends before it starts; swap --from and --to".into(),
        ));
    }
    let (cells, histories) = covered(store, keys, q).await?;
    let mut wanted: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    let mut probe_keys = Vec::new();
    for cell in &cells {
        wanted
            .entry(cell.provider.as_str())
            .or_default()
            .insert(cell.cell_id.as_str());
        for day in days_of(q.from, q.to) {
            probe_keys.push((
                day,
                keys.traffic().cell_on(&cell.provider, &cell.cell_id, day),
            ));
        }
    }
    let limit = u32::try_from(MAX_COMMS * 4 + 1).unwrap_or(u32::MAX);
    let rows = if probe_keys.is_empty() {
        Vec::new()
    } else {
        store
            .comm_rows(&CommProbe {
                keys: probe_keys,
                from: q.from,
                to: q.to,
                limit,
            })
            .await?
    };
    let cut = rows.len() >= limit as usize;
    let area = match &q.target {
        DumpTarget::Area {
            latitude,
            longitude,
            radius_metres,
        } => Some((*latitude, *longitude, *radius_metres)),
        DumpTarget::Cells { .. } => None,
    };
    let mut found = fetch_comms(store, keys, rows, |provider, c| {
        let Some(ours) = wanted.get(provider) else {
            return false;
        };
        cells_of(c).into_iter().any(|(_, cell, at)| {
            ours.contains(cell)
                && match area {
                    None => true,
                    // Through a cell that was inside the area at that moment.
                    Some((lat, lon, r)) => histories
                        .get(provider)
                        .and_then(|h| h.at(cell, at))
                        .is_some_and(|c| within(c, lat, lon, r)),
                }
        })
    })
    .await?;
    let truncated = cut || found.len() > MAX_COMMS;
    found.truncate(MAX_COMMS);
    finish(store, keys, &mut found, reach).await?;
    Ok(Dumped {
        from: q.from,
        to: q.to,
        cells,
        items: link(found),
        truncated,
    })
}

fn within(c: &CellConfig, lat: i32, lon: i32, r: u32) -> bool {
    match (c.latitude, c.longitude) {
        (Some(a), Some(b)) => distance_metres(lat, lon, a, b) <= f64::from(r),
        _ => false,
    }
}

/// The cells a dump covers, with their configurations in force during the window, and
/// each provider's whole history of them.
async fn covered<S: Store + TrafficStore>(
    store: &S,
    keys: &PointKeys,
    q: &CellDump,
) -> Result<(Vec<DumpedCell>, BTreeMap<String, CellHistory>), CoreError> {
    let mut out = Vec::new();
    let mut histories = BTreeMap::new();
    match &q.target {
        DumpTarget::Cells { provider, cell_ids } => {
            let history = CellHistory::load(store, keys, provider, cell_ids).await?;
            for id in cell_ids {
                out.push(DumpedCell {
                    provider: provider.clone(),
                    cell_id: id.clone(),
                    configs: in_window(&history, id, q.from, q.to),
                });
            }
            histories.insert(provider.clone(), history);
        }
        DumpTarget::Area {
            latitude,
            longitude,
            radius_metres,
        } => {
            let mut by_provider: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
            for row in store
                .cells_in(area_box(*latitude, *longitude, *radius_metres))
                .await?
            {
                let c = open_cell(keys.traffic(), &row)?;
                if within(&c, *latitude, *longitude, *radius_metres) {
                    by_provider
                        .entry(row.provider)
                        .or_default()
                        .insert(c.cell_id);
                }
            }
            for (provider, ids) in by_provider {
                let ids: Vec<String> = ids.into_iter().collect();
                let history = CellHistory::load(store, keys, &provider, &ids).await?;
                for id in ids {
                    let configs: Vec<CellConfig> = in_window(&history, &id, q.from, q.to)
                        .into_iter()
                        .filter(|c| within(c, *latitude, *longitude, *radius_metres))
                        .collect();
                    if !configs.is_empty() {
                        out.push(DumpedCell {
                            provider: provider.clone(),
                            cell_id: id,
                            configs,
                        });
                    }
                }
                histories.insert(provider, history);
            }
        }
    }
    Ok((out, histories))
}

/// The configurations of a cell in force at some moment of `[from, to]`, oldest first.
fn in_window(history: &CellHistory, cell_id: &str, from: i64, to: i64) -> Vec<CellConfig> {
    history
        .intervals(cell_id)
        .into_iter()
        .filter(|(c, until)| c.valid_from <= to && until.is_none_or(|u| u > from))
        .map(|(c, _)| c.clone())
        .collect()
}

/// The latitude/longitude box (micro-degrees) that holds a circle of `r` metres.
fn area_box(lat: i32, lon: i32, r: u32) -> CellBox {
    // Metres per micro-degree of latitude; of longitude, shrunk by cos(latitude).
    let per_micro_lat = 111_320.0 / 1e6;
    let dlat = (f64::from(r) / per_micro_lat).ceil() as i64 + 1;
    let cos = (f64::from(lat) / 1e6).to_radians().cos().max(0.01);
    let dlon = (f64::from(r) / (per_micro_lat * cos)).ceil() as i64 + 1;
    let clamp = |v: i64, lim: i64| v.clamp(-lim, lim) as i32;
    CellBox {
        lat_min: clamp(i64::from(lat) - dlat, 90_000_000),
        lat_max: clamp(i64::from(lat) + dlat, 90_000_000),
        lon_min: clamp(i64::from(lon) - dlon, 180_000_000),
        lon_max: clamp(i64::from(lon) + dlon, 180_000_000),
    }
}

//! Placing a communication's cells as they were configured at its moment: a cell's
//! history is a list of dated configurations; the one in force at `t` is the latest whose
//! `valid_from` is at or before `t` (none, or a removal: the cell is not placed).

use std::collections::{BTreeMap, BTreeSet};

use tdip_model::traffic::{CellConfig, Communication};
use tdip_store::{Store, TrafficStore};

use super::{CellRole, FetchedComm, PlacedCell};
use crate::CoreError;
use crate::keys::PointKeys;
use crate::traffic::seal_comm::open_cell;

/// Every configuration of some cells of one provider, by cell id, oldest first.
#[derive(Clone, Debug, Default)]
pub struct CellHistory {
    by_cell: BTreeMap<String, Vec<CellConfig>>,
}

impl CellHistory {
    /// Reads the history of `cell_ids` of `provider` (each configuration's MAC checked).
    pub async fn load<S: Store + TrafficStore>(
        store: &S,
        keys: &PointKeys,
        provider: &str,
        cell_ids: &[String],
    ) -> Result<CellHistory, CoreError> {
        let mut by_cell: BTreeMap<String, Vec<CellConfig>> = BTreeMap::new();
        if cell_ids.is_empty() {
            return Ok(CellHistory { by_cell });
        }
        for row in store.cell_history(provider, cell_ids).await? {
            if row.provider != provider {
                continue;
            }
            let config = open_cell(keys.traffic(), &row)?;
            by_cell
                .entry(config.cell_id.clone())
                .or_default()
                .push(config);
        }
        for configs in by_cell.values_mut() {
            configs.sort_by_key(|c| c.valid_from);
        }
        Ok(CellHistory { by_cell })
    }

    /// The configuration of `cell_id` in force at `t`.
    pub fn at(&self, cell_id: &str, t: i64) -> Option<&CellConfig> {
        let configs = self.by_cell.get(cell_id)?;
        let i = configs.partition_point(|c| c.valid_from <= t);
        configs[..i].last().filter(|c| !c.removed)
    }

    /// Every configuration of `cell_id` with the end of its validity (`None`: still in
    /// force), removals left out.
    pub fn intervals(&self, cell_id: &str) -> Vec<(&CellConfig, Option<i64>)> {
        let Some(configs) = self.by_cell.get(cell_id) else {
            return Vec::new();
        };
        configs
            .iter()
            .enumerate()
            .filter(|(_, c)| !c.removed)
            .map(|(i, c)| (c, configs.get(i + 1).map(|n| n.valid_from)))
            .collect()
    }
}

/// The cells a communication names, each with its role and the moment it is placed at.
pub fn cells_of(c: &Communication) -> Vec<(CellRole, &str, i64)> {
    [
        (CellRole::CallingStart, &c.calling.cell_start, c.start),
        (CellRole::CallingEnd, &c.calling.cell_end, c.end),
        (CellRole::CalledStart, &c.called.cell_start, c.start),
        (CellRole::CalledEnd, &c.called.cell_end, c.end),
    ]
    .into_iter()
    .filter_map(|(role, cell, at)| cell.as_deref().map(|id| (role, id, at)))
    .collect()
}

/// Places the cells of every item (each provider's cells from that provider's history).
pub async fn place_cells<S: Store + TrafficStore>(
    store: &S,
    keys: &PointKeys,
    items: &mut [FetchedComm],
) -> Result<(), CoreError> {
    let mut wanted: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for item in items.iter() {
        for (_, cell, _) in cells_of(&item.record) {
            wanted
                .entry(item.source.provider.clone())
                .or_default()
                .insert(cell.to_owned());
        }
    }
    let mut histories = BTreeMap::new();
    for (provider, cells) in wanted {
        let ids: Vec<String> = cells.into_iter().collect();
        histories.insert(
            provider.clone(),
            CellHistory::load(store, keys, &provider, &ids).await?,
        );
    }
    for item in items.iter_mut() {
        let history = histories.get(&item.source.provider);
        item.cells = cells_of(&item.record)
            .into_iter()
            .map(|(role, cell, at)| PlacedCell {
                role,
                cell_id: cell.to_owned(),
                at,
                config: history.and_then(|h| h.at(cell, at)).cloned(),
            })
            .collect();
    }
    Ok(())
}

/// Metres between two points given in micro-degrees (haversine on a sphere of the mean
/// Earth radius; geometry, not money: a float is fine here).
pub fn distance_metres(lat1: i32, lon1: i32, lat2: i32, lon2: i32) -> f64 {
    const R: f64 = 6_371_008.8;
    let rad = |v: i32| f64::from(v) / 1e6 * std::f64::consts::PI / 180.0;
    let (p1, p2) = (rad(lat1), rad(lat2));
    let dp = p2 - p1;
    let dl = rad(lon2) - rad(lon1);
    let a = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
    2.0 * R * a.sqrt().min(1.0).asin()
}

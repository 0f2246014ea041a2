//! Communications and cell configurations in the SQLite backend: the day tables and the
//! reads (`comm_rows`, `cell_history`, `cells_in`).
//!
//! A day `d` has two tables. `comm_d<d>` holds the sealed rows under `rid` (the batch's
//! seq in the high 32 bits, the record's ord in the low), a rowid table, so a batch
//! appends to it. `comm_k<d>` holds one entry per (key, row), clustered on (run, key,
//! start, rid) with the row's span (end - start) beside it: a batch writes its entries
//! in key-sorted runs (appending to the B-tree instead of inserting all over it), and a
//! lookup of one key is one seek per run of the day over starts from `from - max_span`
//! (the day's longest interval, in `comm_day`) to `to`. Rows are fetched only for the
//! entries that survive the dedup, sort and limit.

use std::collections::BTreeMap;

use rusqlite::{Connection, OptionalExtension, Row, params};

use tdip_store::{BlindIndex, CellBox, CellRow, CommProbe, CommRow, Day, TrafficKind};

/// The name of a day's table of kind `c` (`d` rows, `k` index entries): `comm_d20394`,
/// or `comm_dm5` for day -5.
pub(crate) fn comm_table(c: char, day: Day) -> String {
    if day < 0 {
        format!("comm_{c}m{}", i64::from(day).unsigned_abs())
    } else {
        format!("comm_{c}{day}")
    }
}

/// The two tables of `day`, unless they exist.
pub(crate) fn comm_day_ddl(day: Day) -> String {
    let (d, k) = (comm_table('d', day), comm_table('k', day));
    format!(
        "CREATE TABLE IF NOT EXISTS {d} (
            rid INTEGER PRIMARY KEY,
            kind INTEGER NOT NULL,
            start INTEGER NOT NULL,
            end_at INTEGER NOT NULL CHECK (end_at >= start),
            sealed BLOB NOT NULL
         ) STRICT;
         CREATE TABLE IF NOT EXISTS {k} (
            run INTEGER NOT NULL,
            key BLOB NOT NULL,
            start INTEGER NOT NULL,
            rid INTEGER NOT NULL,
            span INTEGER NOT NULL,
            PRIMARY KEY (run, key, start, rid)
         ) STRICT, WITHOUT ROWID;"
    )
}

/// The row id of record `ord` of batch `batch` within a day table.
pub(crate) fn rid(batch: i64, ord: u32) -> i64 {
    (batch << 32) | i64::from(ord)
}

fn corrupt(what: &str) -> rusqlite::Error {
    rusqlite::Error::InvalidColumnType(0, what.into(), rusqlite::types::Type::Blob)
}

/// The row count and longest span of `day`, `None` when it holds no communications.
fn day_info(c: &Connection, day: Day) -> rusqlite::Result<Option<i64>> {
    c.prepare_cached("SELECT max_span FROM comm_day WHERE day = ?1")?
        .query_row([day], |r| r.get(0))
        .optional()
}

/// One index hit: what a row is ordered and told apart by.
type Hit = (i64, i64, u32, Day);

/// The rows a probe asks for (see `TrafficStore::comm_rows`), in one read transaction.
pub(crate) fn comm_rows(c: &Connection, p: &CommProbe) -> rusqlite::Result<Vec<CommRow>> {
    let tx = c.unchecked_transaction()?;
    let mut pairs: Vec<(Day, BlindIndex)> = p.keys.clone();
    pairs.sort_unstable();
    pairs.dedup();
    let mut hits: Vec<Hit> = Vec::new();
    let mut spans: BTreeMap<Day, Option<i64>> = BTreeMap::new();
    for (day, key) in &pairs {
        let span = match spans.get(day) {
            Some(s) => *s,
            None => *spans.entry(*day).or_insert(day_info(&tx, *day)?),
        };
        let Some(max_span) = span else { continue };
        let mut st = tx.prepare_cached(&format!(
            "SELECT start, rid FROM {}
             WHERE run IN (SELECT run FROM comm_run WHERE day = ?1)
               AND key = ?2 AND start BETWEEN ?3 AND ?4 AND start + span >= ?5",
            comm_table('k', *day)
        ))?;
        let low = p.from.saturating_sub(max_span);
        let mut rows = st.query(params![day, &key.0[..], low, p.to, p.from])?;
        while let Some(r) = rows.next()? {
            let rid: i64 = r.get(1)?;
            hits.push((r.get(0)?, rid >> 32, rid as u32, *day));
        }
    }
    hits.sort_unstable();
    hits.dedup();
    hits.truncate(p.limit as usize);
    let mut out = Vec::with_capacity(hits.len());
    for (start, batch, ord, day) in hits {
        let mut st = tx.prepare_cached(&format!(
            "SELECT kind, end_at, sealed FROM {} WHERE rid = ?1",
            comm_table('d', day)
        ))?;
        let row = st
            .query_row([rid(batch, ord)], |r| {
                let kind = TrafficKind::from_code(r.get(0)?).ok_or_else(|| corrupt("kind"))?;
                Ok(CommRow {
                    batch,
                    ord,
                    kind,
                    day,
                    start,
                    end: r.get(1)?,
                    keys: Vec::new(),
                    sealed: r.get(2)?,
                })
            })
            .optional()?;
        // An index entry always has its row (both are written and dropped together).
        out.push(row.ok_or_else(|| corrupt("communication index entry without its row"))?);
    }
    Ok(out)
}

const CELL_COLUMNS: &str = "provider, cell_id, valid_from, batch, latitude, longitude, config, mac";

fn cell_row(r: &Row<'_>) -> rusqlite::Result<CellRow> {
    let mac = r.get_ref(7)?.as_blob()?;
    Ok(CellRow {
        provider: r.get(0)?,
        cell_id: r.get(1)?,
        valid_from: r.get(2)?,
        batch: r.get(3)?,
        latitude: r.get(4)?,
        longitude: r.get(5)?,
        config: r.get(6)?,
        mac: BlindIndex(mac.try_into().map_err(|_| corrupt("cell mac"))?),
    })
}

/// Every configuration of these cells of `provider`, by cell id, then `valid_from`.
pub(crate) fn cell_history(
    c: &Connection,
    provider: &str,
    cell_ids: &[String],
) -> rusqlite::Result<Vec<CellRow>> {
    let tx = c.unchecked_transaction()?;
    let mut ids: Vec<&str> = cell_ids.iter().map(String::as_str).collect();
    ids.sort_unstable();
    ids.dedup();
    let mut st = tx.prepare_cached(&format!(
        "SELECT {CELL_COLUMNS} FROM cell_config
         WHERE provider = ?1 AND cell_id = ?2 ORDER BY valid_from"
    ))?;
    let mut out = Vec::new();
    for id in ids {
        let rows = st.query_map([provider, id], cell_row)?;
        for r in rows {
            out.push(r?);
        }
    }
    Ok(out)
}

/// Every configuration with coordinates in `area`, by provider, cell id, `valid_from`.
pub(crate) fn cells_in(c: &Connection, area: CellBox) -> rusqlite::Result<Vec<CellRow>> {
    c.prepare_cached(&format!(
        "SELECT {CELL_COLUMNS} FROM cell_config
         WHERE latitude BETWEEN ?1 AND ?2 AND longitude BETWEEN ?3 AND ?4
         ORDER BY provider, cell_id, valid_from"
    ))?
    .query_map(
        params![area.lat_min, area.lat_max, area.lon_min, area.lon_max],
        cell_row,
    )?
    .collect()
}

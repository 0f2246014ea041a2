//! The provider's radio cells: three sectors per site, sites on a grid over the country
//! (the sea and the neighbours roughly cut out), and their history as dated changes — on
//! each day about 1 % of the sites are re-sited a few hundred metres (all their sectors
//! get a new configuration at the same moment) and about one cell in 2000 is removed for
//! good. The history up to a day is recomputed from counter-based hashes per site and
//! day, so any day's file is a pure function of the configuration.

use std::io::Write;

use crate::ctx::Ctx;
use crate::numbers::hash2;
use crate::places::places;
use crate::{Country, GenError};

use super::population::day_start;
use super::rec::Rows;
use super::schedule::unit;

/// The `cell` columns (docs/traffic-format.md).
const CELL: [&str; 9] = [
    "cell_id",
    "valid_from",
    "event",
    "latitude",
    "longitude",
    "azimuth",
    "beam_width",
    "address",
    "technology",
];

/// Sites re-sited per day, per mille.
const RESITE_PER_MILLE: u64 = 10;
/// Cells removed per day, per million.
const REMOVE_PPM: u64 = 500;
/// Beam width of every sector, degrees.
const BEAM: u64 = 65;
/// Unix time of the day-0 configuration, 2026-10-01T00:00:00Z.
const INITIAL: i64 = crate::numbers::days_from_civil(2026, 10, 1) * 86_400;

/// A site: position in micro-degrees at the start of the day, technology and address.
struct Site {
    lat: i64,
    lon: i64,
    tech: &'static str,
    address: Box<str>,
}

/// One sector of a site.
pub(crate) struct Cell {
    pub id: Box<str>,
    site: u32,
    sector: u8,
}

/// A change of the day: a new position of a cell, or its removal.
struct Change {
    second: u32,
    cell: u32,
    moved_to: Option<(i64, i64)>,
}

/// The cells as they are on one day.
pub(crate) struct CellPlan {
    pub cells: Vec<Cell>,
    sites: Vec<Site>,
    /// Indices of the cells configured during the whole day.
    pub usable: Vec<u32>,
    changes: Vec<Change>,
}

/// The country's bounding box in degrees: south, north, west, east.
fn bounds(country: Country) -> (f64, f64, f64, f64) {
    match country {
        Country::Nl => (50.75, 53.45, 3.40, 7.20),
        Country::Be => (49.50, 51.48, 2.55, 6.40),
    }
}

/// Whether a point is (roughly) on the country's land.
fn land(country: Country, lat: f64, lon: f64) -> bool {
    match country {
        Country::Nl => {
            let sea = lon < 3.45 + (lat - 51.5) * 0.87;
            let belgium = lat < 51.25 && !(5.6..6.1).contains(&lon)
                || lat < 51.42 && (4.25..5.0).contains(&lon);
            let germany = lon > 6.9 && lat < 52.2 || lon > 7.05;
            !(sea || belgium || germany)
        }
        Country::Be => {
            let sea = lat > 51.09 + (lon - 2.55) * 0.34;
            let netherlands = lat > 51.3 && lon > 4.3;
            let france = lat < 50.0 && lon < 4.0 || lat < 50.6 && lon < 3.2;
            let luxembourg = lon > 5.75 && lat < 50.1;
            !(sea || netherlands || france || luxembourg)
        }
    }
}

/// Grid points on land: the coarsest square grid with at least `n` of them.
fn grid(country: Country, n: usize) -> Vec<(f64, f64)> {
    let (s, no, w, e) = bounds(country);
    let mut g = (n as f64).sqrt().ceil() as usize;
    loop {
        let mut points = Vec::new();
        for r in 0..g {
            for c in 0..g {
                let lat = s + (no - s) * (r as f64 + 0.5) / g as f64;
                let lon = w + (e - w) * (c as f64 + 0.5) / g as f64;
                if land(country, lat, lon) {
                    points.push((lat, lon));
                }
            }
        }
        if points.len() >= n {
            return points;
        }
        g += 1;
    }
}

/// `p` moved 200–600 m in a direction drawn from `h`.
fn moved(p: (i64, i64), h: u64) -> (i64, i64) {
    let metres = 200.0 + 400.0 * unit(h);
    let angle = std::f64::consts::TAU * unit(hash2(h, 1));
    let lat = p.0 as f64 / 1e6;
    let dlat = metres * angle.cos() / 111_320.0;
    let dlon = metres * angle.sin() / (111_320.0 * lat.to_radians().cos());
    (p.0 + (dlat * 1e6) as i64, p.1 + (dlon * 1e6) as i64)
}

impl CellPlan {
    /// The cells of `ctx`'s provider and their changes on `day`.
    pub(crate) fn new(ctx: &Ctx, day: u32) -> Self {
        let country = ctx.country;
        let wanted = (ctx.cfg.rows / 500).clamp(30, 10_000) as usize;
        let points = grid(country, wanted);
        let (s, no, w, e) = bounds(country);
        let g = (points.len() as f64).sqrt().max(1.0);
        let p = places();
        let mut sites = Vec::with_capacity(points.len());
        let mut changes = Vec::new();
        let mut resites = Vec::new();
        for (k, &(lat, lon)) in points.iter().enumerate() {
            let h = hash2(ctx.key ^ 0x5173, k as u64);
            let lat = lat + (unit(h) - 0.5) * 0.6 * (no - s) / g;
            let lon = lon + (unit(hash2(h, 2)) - 0.5) * 0.6 * (e - w) / g;
            let mut pos = ((lat * 1e6) as i64, (lon * 1e6) as i64);
            let mut today = None;
            for d in 1..=day {
                let hd = hash2(ctx.key ^ 0x5175, hash2(k as u64, u64::from(d)));
                if hd % 1000 < RESITE_PER_MILLE {
                    let to = moved(pos, hd >> 10);
                    if d == day {
                        today = Some((6 * 3600 + ((hd >> 12) % (12 * 3600)) as u32, to));
                    } else {
                        pos = to;
                    }
                }
            }
            resites.push(today);
            let cities = p.cities(country);
            let city = &cities[p.weighted_city(country, (h >> 32) as u32)];
            let streets = match (country, city.lang) {
                (Country::Nl, _) => &p.nl_streets,
                (Country::Be, b'n') => &p.be_nl_streets,
                _ => &p.be_fr_streets,
            };
            let street = streets[((h >> 8) % streets.len() as u64) as usize];
            let tech = match (h >> 20) % 100 {
                0..=59 => "lte",
                60..=84 => "nr",
                _ => "umts",
            };
            sites.push(Site {
                lat: pos.0,
                lon: pos.1,
                tech,
                address: format!("{street} {}, {}", 1 + (h >> 24) % 150, city.name).into(),
            });
        }
        let mcc = if country == Country::Nl { 204 } else { 206 };
        let mut cells = Vec::with_capacity(sites.len() * 3);
        let mut usable = Vec::with_capacity(sites.len() * 3);
        for site in 0..sites.len() as u32 {
            for sector in 0..3u8 {
                let c = site * 3 + u32::from(sector);
                let removed = (1..=day).find_map(|d| {
                    let h = hash2(ctx.key ^ 0xdead, hash2(u64::from(c), u64::from(d)));
                    (h % 1_000_000 < REMOVE_PPM).then_some((d, ((h >> 20) % 86_400) as u32))
                });
                match removed {
                    None => usable.push(c),
                    Some((d, second)) if d == day => changes.push(Change {
                        second,
                        cell: c,
                        moved_to: None,
                    }),
                    Some(_) => {}
                }
                if let Some((second, to)) = resites[site as usize]
                    && removed.is_none()
                {
                    changes.push(Change {
                        second,
                        cell: c,
                        moved_to: Some(to),
                    });
                }
                let lac = 1000 + site / 32;
                let ci = c + 1;
                cells.push(Cell {
                    id: format!("{mcc}-{:02}-{lac}-{ci}", ctx.mnc).into(),
                    site,
                    sector,
                });
            }
        }
        changes.sort_by_key(|c| (c.second, c.cell));
        CellPlan {
            cells,
            sites,
            usable,
            changes,
        }
    }
}

/// Micro-degrees as decimal degrees with six decimals.
fn degrees(micro: i64) -> String {
    let sign = if micro < 0 { "-" } else { "" };
    let a = micro.unsigned_abs();
    format!("{sign}{}.{:06}", a / 1_000_000, a % 1_000_000)
}

/// Writes day `day`'s file of the plan.
pub(crate) fn write<W: Write>(plan: &CellPlan, day: u32, out: W) -> Result<u64, GenError> {
    let start = day_start(day);
    let mut rows = Rows::new(out, &CELL, start)?;
    let configured = |rows: &mut Rows<W>, cell: &Cell, at: i64, pos: (i64, i64)| {
        let site = &plan.sites[cell.site as usize];
        rows.f(&cell.id)
            .t(at)
            .f("configured")
            .f(&degrees(pos.0))
            .f(&degrees(pos.1))
            .n(120 * u64::from(cell.sector))
            .n(BEAM)
            .f(&site.address)
            .f(site.tech)
            .end()
    };
    if day == 0 {
        for cell in &plan.cells {
            let site = &plan.sites[cell.site as usize];
            configured(&mut rows, cell, INITIAL - start, (site.lat, site.lon))?;
        }
    } else {
        for ch in &plan.changes {
            let cell = &plan.cells[ch.cell as usize];
            match ch.moved_to {
                Some(pos) => configured(&mut rows, cell, i64::from(ch.second), pos)?,
                None => rows
                    .f(&cell.id)
                    .t(ch.second)
                    .f("removed")
                    .e()
                    .e()
                    .e()
                    .e()
                    .e()
                    .e()
                    .end()?,
            }
        }
    }
    rows.finish()
}

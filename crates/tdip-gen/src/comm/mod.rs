//! Synthetic communications and cell configurations (docs/traffic-format.md, kinds `cell`,
//! `mobile`, `fixed` and `internet`) of the population of a [`GenConfig`], one UTC day at
//! a time.
//!
//! Traffic day `N` is the UTC day 2026-11-01 + `N`, as for the CGNAT and session files.
//! The parties are the subscriptions of that day's subscriber file ([`crate::write_csv`]),
//! under the very identifiers it writes: each subscription is rendered by the subscriber
//! generator and its msisdn, imsi, imei, e-mail and user id are taken from the rendered
//! fields, so the two can never drift apart. A subscription born that day makes traffic
//! only after its start, one gone from the next day's file stops before 23:00Z.
//!
//! Every file is a pure function of the configuration; memory grows with the population
//! (its identifiers and one pending event per subscriber), not with the rows written.
//! Events come out of a priority queue in order of their start: each subscriber draws its
//! next event from the end of the previous one, by an exponential waiting time through a
//! daily rhythm (quiet at night, a peak in the evening, Amsterdam/Brussels local time).

mod calls;
mod cells;
mod fixed;
mod mail;
mod outside;
mod population;
mod rec;
mod rhythm;
mod schedule;
#[cfg(test)]
mod tests;

use std::io::Write;

use crate::ctx::Ctx;
use crate::{GenConfig, GenError};

/// The cell configuration changes of day `cfg.day` as CSV in the `cell` columns:
/// on day 0 every cell of the provider, configured from 2026-10-01T00:00:00Z; on a later
/// day only that day's dated changes (about 1 % of the sites re-sited a few hundred
/// metres, now and then a cell removed), sorted by `valid_from`. Cells are three sectors
/// (azimuth 0, 120, 240, beam width 65) of sites on a grid over the provider's country,
/// with ids `{mcc}-{mnc}-{lac}-{ci}`. Returns the data rows written.
pub fn write_cells_csv<W: Write>(cfg: &GenConfig, out: W) -> Result<u64, GenError> {
    let ctx = Ctx::new(cfg)?;
    let plan = cells::CellPlan::new(&ctx, cfg.day);
    cells::write(&plan, cfg.day, out)
}

/// The mobile calls, SMS and MMS of day `cfg.day` as CSV in the `mobile` columns, sorted
/// by `start`: per mobile subscriber about four calls and two messages a day, to other
/// subscribers of the population (so the records link) or to outside numbers, with the
/// cells of [`write_cells_csv`] that are configured all that day. Occasionally a call is
/// forwarded or a conference; about one subscriber in 200 changes handset during the day
/// (a device the subscriber file does not know); a late call may end the next day.
/// Returns the data rows written.
pub fn write_calls_csv<W: Write>(cfg: &GenConfig, out: W) -> Result<u64, GenError> {
    let ctx = Ctx::new(cfg)?;
    let plan = cells::CellPlan::new(&ctx, cfg.day);
    let pop = population::Population::load(&ctx);
    calls::write(&ctx, &pop, &plan, out)
}

/// The fixed-line calls of day `cfg.day` as CSV in the `fixed` columns, sorted by
/// `start`: about three calls a day per fixed line, with the installation address as the
/// network termination point of the population's own lines. Returns the data rows written.
pub fn write_fixed_csv<W: Write>(cfg: &GenConfig, out: W) -> Result<u64, GenError> {
    let ctx = Ctx::new(cfg)?;
    let pop = population::Population::load(&ctx);
    fixed::write(&ctx, &pop, out)
}

/// The e-mail, log-in and VoIP records of day `cfg.day` as CSV in the `internet` columns,
/// sorted by `start`: per subscriber with an e-mail address (internet and e-mail
/// subscriptions) about twenty events a day — mail-service log-in sessions and mails sent
/// to other subscribers or outside addresses, a few VoIP calls — and per VoIP
/// subscription a few VoIP calls, some entering the phone network (`calling_number` its
/// number, `called_number` the number called). Internet subscribers use the inside
/// address of their session file (100.64.0.0/10, or their delegated IPv6 prefix).
/// Returns the data rows written.
pub fn write_mail_csv<W: Write>(cfg: &GenConfig, out: W) -> Result<u64, GenError> {
    let ctx = Ctx::new(cfg)?;
    let pop = population::Population::load(&ctx);
    mail::write(&ctx, &pop, out)
}

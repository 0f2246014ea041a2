//! The `mobile` file of one day: calls, SMS and MMS of the mobile subscribers, in order
//! of start. Each subscriber's stream has about six events a day (two in three a call);
//! a quarter of the calls come in from outside, the others go to another mobile
//! subscriber of the population, one of its fixed or VoIP lines, or an outside number.
//! A subscriber is mostly served by a home cell (one of the cells configured all day),
//! sometimes by another sector of its site or a cell elsewhere; a call ends in a
//! neighbouring cell now and then (the subscriber moved).

use std::io::Write;

use crate::GenError;
use crate::ctx::Ctx;
use crate::numbers::{hash2, mix64};

use super::cells::CellPlan;
use super::outside;
use super::population::{Mobile, Population};
use super::rec::Rows;
use super::rhythm;
use super::schedule::{self, Stream, unit};

/// The `mobile` columns (docs/traffic-format.md).
const MOBILE: [&str; 16] = [
    "type",
    "calling_number",
    "called_number",
    "calling_imsi",
    "calling_imei",
    "called_imsi",
    "called_imei",
    "calling_cell_start",
    "calling_cell_end",
    "called_cell_start",
    "called_cell_end",
    "forwarded_to",
    "lines",
    "start",
    "end",
    "service",
];

/// Mean events (calls and messages) per subscriber per day.
const EVENTS_PER_DAY: f64 = 6.0;

/// A call's duration in seconds from a hash: mostly a minute or two, now and then long;
/// a late call (`start` after 23:50Z) often runs past midnight.
pub(crate) fn duration(h: u64, start: u32) -> u32 {
    let u = unit(h);
    let mut d = 4 + (u * u * u * 1200.0) as u32;
    if (h & 0x3f) == 0 {
        d += 1800 + ((h >> 8) % 5400) as u32;
    }
    if start >= 86_400 - 600 && (h >> 6) & 1 == 0 {
        d = d.max(86_400 - start + 30 + ((h >> 20) % 600) as u32);
    }
    d
}

/// The moment a call ends: `start + d`, before the subscription's end when it has one.
pub(crate) fn end_of(start: u32, d: u32, hi: u32) -> u32 {
    if hi < 86_400 {
        (start + d).min(hi).max(start)
    } else {
        start + d
    }
}

/// One party of a record: number, IMSI, IMEI and cells.
#[derive(Default)]
struct Side<'a> {
    number: &'a str,
    imsi: &'a str,
    imei: &'a str,
    cell_start: &'a str,
    cell_end: &'a str,
}

/// A subscriber's side of a communication at `start`.
fn own<'a>(m: &'a Mobile, plan: &'a CellPlan, h: u64, start: u32, end: Option<u32>) -> Side<'a> {
    let usable = &plan.usable;
    if usable.is_empty() {
        return Side {
            number: &m.number,
            imsi: &m.imsi,
            imei: m.imei_at(start),
            ..Side::default()
        };
    }
    let n = usable.len() as u64;
    let home = (mix64(m.rank ^ 0x40e0_0000) >> 1) % n;
    let first = match h % 10 {
        0..=6 => home,
        7 | 8 => home / 3 * 3 + (home + 1 + (h >> 4) % 2) % 3,
        _ => (h >> 8) % n,
    }
    .min(n - 1);
    let last = if end.is_some() && (h >> 16).is_multiple_of(8) {
        (first + 3) % n
    } else {
        first
    };
    let id = |k: u64| &*plan.cells[usable[k as usize] as usize].id;
    Side {
        number: &m.number,
        imsi: &m.imsi,
        imei: m.imei_at(start),
        cell_start: id(first),
        cell_end: if end.is_some() { id(last) } else { "" },
    }
}

/// Writes the file; returns the data rows written.
pub(crate) fn write<W: Write>(
    ctx: &Ctx,
    pop: &Population,
    plan: &CellPlan,
    out: W,
) -> Result<u64, GenError> {
    let rhythm = rhythm::of_day(pop.day_start);
    let per_unit = EVENTS_PER_DAY / rhythm.total();
    let streams: Vec<Stream> = pop
        .mobiles
        .iter()
        .map(|m| Stream {
            lo: m.win.lo,
            hi: m.win.hi,
            seed: m.win.seed,
            rate: per_unit * (0.5 + unit(hash2(m.win.seed, 0xac7))),
        })
        .collect();
    let mut rows = Rows::new(out, &MOBILE, pop.day_start)?;
    let lines: Vec<&str> = pop
        .lines
        .iter()
        .map(|l| &*l.number)
        .chain(pop.nets.iter().filter_map(|n| n.number.as_deref()))
        .collect();
    let nm = pop.mobiles.len() as u64;
    schedule::run(&rhythm, &streams, |s, _k, h, start| {
        let m = &pop.mobiles[s];
        let kind = match h % 1000 {
            0..=649 => "call",
            650..=969 => "sms",
            _ => "mms",
        };
        let call = kind == "call";
        let h2 = mix64(h ^ 0xd0);
        let end = call.then(|| end_of(start, duration(h2, start), m.win.hi));
        let me = own(m, plan, mix64(h ^ 0xce), start, end);
        let (mut forwarded, mut lines_of) = (None, None);
        let outside_no;
        let (calling, called) = if (h >> 10) % 4 == 0 {
            // From outside: the subscriber's provider sees only the number.
            outside_no = outside::number(ctx, h2 >> 3);
            if call && m.forwarding && (h >> 12) % 4 == 0 {
                forwarded = Some(outside::number(ctx, h2 >> 5));
            }
            let from = Side {
                number: &outside_no,
                ..Side::default()
            };
            (from, me)
        } else {
            let pick = (h >> 12) % 20;
            let to = if pick < 9 && nm > 1 {
                let mut j = (h2 >> 20) % nm;
                if j as usize == s {
                    j = (j + 1) % nm;
                }
                let other = &pop.mobiles[j as usize];
                own(other, plan, mix64(h ^ 0xca), start, end)
            } else if pick < 11 && !lines.is_empty() {
                Side {
                    number: lines[((h2 >> 20) % lines.len() as u64) as usize],
                    ..Side::default()
                }
            } else {
                outside_no = outside::number(ctx, h2 >> 3);
                Side {
                    number: &outside_no,
                    ..Side::default()
                }
            };
            if call && m.conference && (h >> 16) % 5 == 0 {
                let more = 1 + (h >> 20) % 3;
                let list: Vec<String> = (0..more)
                    .map(|j| outside::number(ctx, hash2(h2, j)))
                    .collect();
                lines_of = Some(list.join(";"));
            }
            (me, to)
        };
        rows.f(kind)
            .f(calling.number)
            .f(called.number)
            .f(calling.imsi)
            .f(calling.imei)
            .f(called.imsi)
            .f(called.imei)
            .f(calling.cell_start)
            .f(calling.cell_end)
            .f(called.cell_start)
            .f(called.cell_end)
            .o(forwarded.as_deref())
            .o(lines_of.as_deref())
            .t(start);
        match end {
            Some(e) => rows.t(e),
            None => rows.e(),
        };
        rows.f(match (kind, &lines_of) {
            (_, Some(_)) => "conference",
            ("call", None) => "voice",
            (other, None) => other,
        })
        .end()?;
        Ok(end.unwrap_or(start))
    })?;
    rows.finish()
}

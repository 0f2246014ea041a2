//! The `fixed` file of one day: calls of the fixed lines, in order of start, about three a
//! day per line. A quarter come in from outside; the others go to another fixed line of
//! the population (both network termination points known), one of its mobile
//! subscribers, or an outside number. The network termination point of an own line is
//! its installation address.

use std::io::Write;

use crate::GenError;
use crate::ctx::Ctx;
use crate::numbers::{hash2, mix64};

use super::calls::{duration, end_of};
use super::outside;
use super::population::Population;
use super::rec::Rows;
use super::rhythm;
use super::schedule::{self, Stream, unit};

/// The `fixed` columns (docs/traffic-format.md).
const FIXED: [&str; 10] = [
    "type",
    "calling_number",
    "called_number",
    "calling_ntp",
    "called_ntp",
    "forwarded_to",
    "lines",
    "start",
    "end",
    "service",
];

/// Mean calls per line per day.
const CALLS_PER_DAY: f64 = 3.0;

/// Writes the file; returns the data rows written.
pub(crate) fn write<W: Write>(ctx: &Ctx, pop: &Population, out: W) -> Result<u64, GenError> {
    let rhythm = rhythm::of_day(pop.day_start);
    let per_unit = CALLS_PER_DAY / rhythm.total();
    let streams: Vec<Stream> = pop
        .lines
        .iter()
        .map(|l| Stream {
            lo: l.win.lo,
            hi: l.win.hi,
            seed: l.win.seed,
            rate: per_unit * (0.5 + unit(hash2(l.win.seed, 0xac7))),
        })
        .collect();
    let mut rows = Rows::new(out, &FIXED, pop.day_start)?;
    let nl = pop.lines.len() as u64;
    let nm = pop.mobiles.len() as u64;
    schedule::run(&rhythm, &streams, |s, _k, h, start| {
        let line = &pop.lines[s];
        let h2 = mix64(h ^ 0xf1);
        let end = end_of(start, duration(h2, start), line.win.hi);
        let other;
        let (calling, called) = match (h >> 10) % 8 {
            0 | 1 => {
                other = outside::number(ctx, h2 >> 3);
                ((other.as_str(), ""), (&*line.number, &*line.ntp))
            }
            2 | 3 if nl > 1 => {
                let mut j = (h2 >> 20) % nl;
                if j as usize == s {
                    j = (j + 1) % nl;
                }
                let to = &pop.lines[j as usize];
                ((&*line.number, &*line.ntp), (&*to.number, &*to.ntp))
            }
            4 if nm > 0 => {
                let to = &pop.mobiles[((h2 >> 20) % nm) as usize];
                ((&*line.number, &*line.ntp), (&*to.number, ""))
            }
            _ => {
                other = outside::number(ctx, h2 >> 3);
                ((&*line.number, &*line.ntp), (other.as_str(), ""))
            }
        };
        rows.f("call")
            .f(calling.0)
            .f(called.0)
            .f(calling.1)
            .f(called.1)
            .e()
            .e()
            .t(start)
            .t(end)
            .f("telephony")
            .end()?;
        Ok(end)
    })?;
    rows.finish()
}

//! The plan of one traffic day: which internet subscribers exist (exactly those of the
//! subscriber file of that day), the window of the day each may use, the midnight-crossing
//! assignment each may end with, the one carried over from the day before, and the
//! per-subscriber sequence of port blocks, drawn step by step from counter-based hashes so
//! a writer keeps two numbers per subscriber instead of the rows.

use crate::ctx::Ctx;
use crate::numbers::{Scramble, days_from_civil, hash2, mix64};
use crate::row::{self, Service};
use crate::{GenConfig, GenError};

use super::rhythm::Rhythm;
use super::{FIRST_BLOCK_PORT, TrafficGenConfig};

/// Seconds from one subscriber's block to its next, and from a release to a block's reuse.
pub(crate) const MIN_GAP: u32 = 61;
/// Seconds a released block rests before it is handed out again.
pub(crate) const QUARANTINE: u32 = 120;
/// Per mille of eligible subscribers ending their day with a midnight-crossing assignment.
const TAIL_PER_MILLE: u64 = 120;
/// Per mille of internet subscribers that are IPv6-only (no CGNAT).
const V6_ONLY_PER_MILLE: u64 = 125;
/// Second of the day (23:00Z) by which a subscription that ends before the next day's
/// file has logged off: the snapshot moment, when it still existed.
const SNAPSHOT_SECOND: u32 = 23 * 3600;

/// The subscriber generator's context for `cfg`, its error as an I/O error.
pub(crate) fn ctx(cfg: &GenConfig) -> std::io::Result<Ctx<'_>> {
    Ctx::new(cfg)
        .map_err(|e: GenError| std::io::Error::new(std::io::ErrorKind::InvalidInput, e.to_string()))
}

/// A uniform fraction in [0, 1) from the top 53 bits of a hash.
fn unit(h: u64) -> f64 {
    (h >> 11) as f64 / (1u64 << 53) as f64
}

/// The session and assignment a subscriber ends its day with, crossing midnight UTC.
/// Seconds from the start of the day it starts on (`end`, `logoff` > 86,400).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Tail {
    pub login: u32,
    pub start: u32,
    pub end: u32,
    pub logoff: u32,
    /// Written open (no end) on its day, closed by an `end` record the next day.
    pub open: bool,
    pub hash: u64,
}

/// One internet subscriber on the day.
pub(crate) struct Sub {
    /// Rank among internet subscriptions (decides the user id and addresses).
    pub rank: u64,
    /// Seed of this day's blocks.
    pub seed: u64,
    /// The day's blocks and sessions lie in [lo, hi) (seconds of the day).
    pub lo: u32,
    pub hi: u32,
    /// Block starts per unit of the rhythm's intensity.
    pub rate: f64,
    pub v6_only: bool,
    pub tail: Option<Tail>,
    /// Global block id held by the tail (CGNAT'd subscribers only).
    pub tail_block: u32,
}

/// A tail of the previous day, closed today.
pub(crate) struct Carry {
    /// Index into [`DayPlan::subs`].
    pub sub: usize,
    /// Seconds from the start of the previous day.
    pub tail: Tail,
    pub block: u32,
}

/// One port block of a subscriber, seconds of the day.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Block {
    pub start: u32,
    pub end: u32,
    /// The session ends with this block.
    pub last_in_session: bool,
    /// Seconds the session's log-in precedes the start (when first in its session).
    pub login_lead: u32,
    /// Seconds the log-off follows the end (when last in its session).
    pub logoff_lag: u32,
}

/// The public pool cut in blocks: global block id `g` is block `g % per_ip` of address
/// `g / per_ip`. Ids divisible by 8 are kept for midnight-crossing assignments.
pub(crate) struct Pool {
    pub per_ip: u32,
    pub block_size: u32,
    pub total: u32,
    pub night: u32,
}

impl Pool {
    fn new(public_ips: u32, block_size: u16) -> Self {
        let block_size = u32::from(block_size);
        let per_ip = (65_536 - FIRST_BLOCK_PORT) / block_size;
        let total = public_ips * per_ip;
        Pool {
            per_ip,
            block_size,
            total,
            night: total.div_ceil(8),
        }
    }

    /// Blocks for daytime assignments.
    pub(crate) fn day_blocks(&self) -> u32 {
        self.total - self.night
    }

    /// Global id of daytime block `b` (the ids not divisible by 8).
    pub(crate) fn day_block(&self, b: u32) -> u32 {
        b / 7 * 8 + b % 7 + 1
    }

    /// Public address index, first and last port of global block `g`.
    pub(crate) fn ports(&self, g: u32) -> (u32, u32, u32) {
        let first = FIRST_BLOCK_PORT + (g % self.per_ip) * self.block_size;
        (g / self.per_ip, first, first + self.block_size - 1)
    }
}

/// A keyed permutation of `0..m`, the identity when `m` < 2.
pub(crate) fn permute(m: u64, salt: u64) -> impl Fn(u64) -> u64 {
    let s = (m > 1).then(|| Scramble::new(m, salt));
    move |x| s.as_ref().map_or(x, |s| s.apply(x))
}

/// Everything a writer needs for one day.
pub(crate) struct DayPlan<'c, 'g> {
    pub ctx: &'c Ctx<'g>,
    pub day: u32,
    /// Unix time of 00:00Z of the day.
    pub day_start: i64,
    pub rhythm: Rhythm,
    pub subs: Vec<Sub>,
    pub carry: Vec<Carry>,
    pub pool: Pool,
    pub private_scr: Scramble,
    pub prefix_scr: Scramble,
}

/// Unix time of 00:00Z of traffic day `day` (2026-11-01 + day).
pub(crate) fn day_start(day: u32) -> i64 {
    (days_from_civil(2026, 11, 1) + i64::from(day)) * 86_400
}

impl<'c, 'g> DayPlan<'c, 'g> {
    /// The plan of `cfg.subscribers.day`.
    pub(crate) fn new(ctx: &'c Ctx<'g>, cfg: &TrafficGenConfig) -> Self {
        let day = cfg.subscribers.day;
        let start = day_start(day);
        let rhythm = Rhythm::new(start);
        let pool = Pool::new(cfg.public_ips, cfg.block_size);
        let night_today = permute(u64::from(pool.night), ctx.key ^ 0x7a20 ^ u64::from(day));
        let night_before = permute(
            u64::from(pool.night),
            ctx.key ^ 0x7a20 ^ u64::from(day.wrapping_sub(1)),
        );
        let per_unit = f64::from(cfg.blocks_per_subscriber) / rhythm.total();
        let mut subs = Vec::new();
        let mut carry = Vec::new();
        let (mut night_k_today, mut night_k_before) = (0u32, 0u32);
        let mut birth = 0u32;
        for i in 0..ctx.total_rows(day) {
            while i >= ctx.born_until(birth) {
                birth += 1;
            }
            let (service, rank) = ctx.service_of(i);
            if service != Service::Internet {
                continue;
            }
            let fate = ctx.day_seed(i);
            if (birth + 1..=day).any(|k| ctx.fate_on(fate, k).0) {
                continue;
            }
            let survives = !ctx.fate_on(fate, day + 1).0;
            let v6_only = hash2(ctx.key ^ 0x7a66, rank) % 1000 < V6_ONLY_PER_MILLE;
            let seed = hash2(ctx.key ^ 0x7a1f, hash2(i, u64::from(day)));
            let mut lo = 0u32;
            if birth == day && day > 0 {
                let began = row::base(ctx, i, birth).start - start;
                lo = u32::try_from(began + 60).unwrap_or(0);
            }
            // The tail of the day before: it existed then and now, so it had one if drawn.
            if day > 0 && (birth == 0 || birth + 1 < day) {
                if let Some(tail) = tail_draw(ctx, i, day - 1) {
                    let block = if v6_only {
                        Some(u32::MAX)
                    } else {
                        night_k_before += 1;
                        (night_k_before <= pool.night)
                            .then(|| night_before(u64::from(night_k_before - 1)) as u32 * 8)
                    };
                    if let Some(block) = block {
                        lo = lo.max(tail.logoff - 86_400 + MIN_GAP);
                        if tail.open {
                            carry.push(Carry {
                                sub: subs.len(),
                                tail,
                                block,
                            });
                        }
                    }
                }
            }
            let mut tail = None;
            let mut tail_block = u32::MAX;
            if survives && (birth == 0 || birth < day) {
                if let Some(t) = tail_draw(ctx, i, day) {
                    if v6_only {
                        tail = Some(t);
                    } else {
                        night_k_today += 1;
                        if night_k_today <= pool.night {
                            tail = Some(t);
                            tail_block = night_today(u64::from(night_k_today - 1)) as u32 * 8;
                        }
                    }
                }
            }
            let hi = match (&tail, survives) {
                (Some(t), _) => t.login - MIN_GAP,
                (None, true) => 86_400,
                (None, false) => SNAPSHOT_SECOND,
            };
            let activity = 0.25 + 1.5 * unit(hash2(seed, 0xac7));
            subs.push(Sub {
                rank,
                seed,
                lo,
                hi,
                rate: per_unit * activity,
                v6_only,
                tail,
                tail_block,
            });
        }
        carry.sort_by_key(|c| (c.tail.start, c.sub));
        DayPlan {
            ctx,
            day,
            day_start: start,
            rhythm,
            subs,
            carry,
            pool,
            private_scr: Scramble::new(super::text::PRIVATE_CAP, ctx.key ^ 0x7a10),
            prefix_scr: Scramble::new(1 << 24, ctx.key ^ 0x7a76),
        }
    }

    /// Where a subscriber's first block of the day may be looked for.
    pub(crate) fn first_cursor(&self, sub: &Sub) -> u32 {
        sub.lo + 31
    }

    /// The `k`-th block of `sub`, looked for from second `t` on (the previous block's end
    /// plus [`MIN_GAP`]); `None` when the day has no room for it.
    pub(crate) fn block(&self, sub: &Sub, t: u32, k: u32) -> Option<Block> {
        if t >= sub.hi || sub.rate <= 0.0 {
            return None;
        }
        let h = hash2(sub.seed, u64::from(k));
        let h2 = mix64(h ^ 0x5bd1);
        let wait = -(1.0 - unit(h)).ln() / sub.rate;
        let start = self.rhythm.inverse(self.rhythm.at(t) + wait)?.max(t);
        if start + 160 > sub.hi {
            return None;
        }
        let u = unit(h2);
        let held = 90 + (u * u * 10_800.0) as u32;
        Some(Block {
            start,
            end: (start + held).min(sub.hi - 40),
            last_in_session: (h2 & 0xff) < 90,
            login_lead: 1 + ((h >> 3) % 30) as u32,
            logoff_lag: 1 + ((h2 >> 8) % 30) as u32,
        })
    }
}

/// The midnight-crossing end of subscriber `i`'s day `day`, if drawn (the caller checks
/// that the subscription exists on that day and the next and did not start that day).
fn tail_draw(ctx: &Ctx, i: u64, day: u32) -> Option<Tail> {
    let h = hash2(ctx.key ^ 0x7a11, hash2(i, u64::from(day)));
    if h % 1000 >= TAIL_PER_MILLE {
        return None;
    }
    let start = 19 * 3600 + ((h >> 20) % 17_400) as u32;
    let end = 86_400 + 60 + ((h >> 40) % 18_000) as u32;
    Some(Tail {
        login: start - 1 - ((h >> 8) % 30) as u32,
        start,
        end,
        logoff: end + 1 + ((h >> 14) % 30) as u32,
        open: (h >> 10) % 4 == 0,
        hash: h,
    })
}

//! Synthetic retained traffic data (docs/traffic-format.md): the CGNAT port-block
//! assignments and the internet-access sessions of the internet subscribers of a
//! [`GenConfig`] population, one UTC day at a time.
//!
//! Traffic day `N` is the UTC day 2026-11-01 + `N` (00:00Z to 24:00Z); the subscriber file of
//! day `N` is the snapshot at 23:00Z of that same day ([`crate::snapshot_at`]). Only the
//! internet subscriptions of that file make traffic, under their `user_id`, and only while
//! they exist: a subscription born that day starts after its `subscription_start`, one that
//! is gone from the next day's file stops before 23:00Z and never crosses midnight.
//!
//! Shape of a subscriber's day: sessions (RADIUS log-in to log-off) holding one or more
//! port-block assignments one after the other, never overlapping each other, their starts
//! following a daily rhythm in Amsterdam/Brussels local time (quiet 02:00–06:00, a peak
//! 19:00–23:00). About one in eight subscribers is IPv6-only (a delegated /56 from
//! 2001:db8::/32, no CGNAT); the others have a stable inside address from 100.64.0.0/10
//! (RFC 6598). About 12 % of the subscribers that still exist the next day end their day
//! with a session and assignment crossing midnight; a quarter of those are written open
//! (empty `end` / `logoff`) and closed by `event` = `end` records at the top of the next
//! day's files.
//!
//! Blocks: ports 1024–65535 of each public address are cut in blocks of `block_size`
//! ports. One block in eight is kept for the midnight-crossing assignments (each holder of
//! one of those on a given night gets a different block, and they are all released before
//! 06:00Z, long before the next night's start at 19:00Z); the rest are handed out first
//! come, least recently released first, and a released block rests 120 seconds before it
//! is handed out again. So no two assignments of one block ever overlap in time, and a
//! query for an address, port and moment has at most one answer. When the pool is empty
//! the assignment is not made (port exhaustion) and not written.
//!
//! Everything is a pure function of the [`TrafficGenConfig`]; memory grows with the number
//! of internet subscribers, not with the rows written.

mod calendar;
mod cgnat;
mod plan;
pub(crate) mod rhythm;
mod sessions;
#[cfg(test)]
mod tests;
mod text;

use std::io::Write;

use crate::GenConfig;

/// Ports below this are never in a block (well-known ports stay with the NAT itself).
pub(crate) const FIRST_BLOCK_PORT: u32 = 1024;
/// Public addresses one provider's pool can hold (a /14 without .0 and .255 hosts).
pub const MAX_PUBLIC_IPS: u32 = 1024 * 254;

/// What traffic to generate, for which population.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrafficGenConfig {
    /// The population (provider, country, rows, seed, day, change rate), exactly as given
    /// to [`crate::write_csv`]: its `day` is the traffic day.
    pub subscribers: GenConfig,
    /// Size of the public CGNAT address pool, 1 to [`MAX_PUBLIC_IPS`]; default
    /// [`default_public_ips`].
    pub public_ips: u32,
    /// Ports per block: a power of two from 64 to 4096 (default 512).
    pub block_size: u16,
    /// Mean port blocks per CGNAT'd subscriber per day (default 4; the realised mean comes
    /// near it for small values, lower for large ones, as a subscriber holds one block at a
    /// time).
    pub blocks_per_subscriber: u32,
}

/// One public address per 64 internet subscribers (about a fifth of `rows` are internet
/// subscriptions), at least one.
pub fn default_public_ips(rows: u64) -> u32 {
    let n = (rows / 5).div_ceil(64).max(1);
    n.min(u64::from(MAX_PUBLIC_IPS)) as u32
}

impl TrafficGenConfig {
    /// The defaults for `subscribers`: [`default_public_ips`], blocks of 512 ports, 4 blocks
    /// per subscriber per day.
    pub fn new(subscribers: GenConfig) -> Self {
        TrafficGenConfig {
            public_ips: default_public_ips(subscribers.rows),
            subscribers,
            block_size: 512,
            blocks_per_subscriber: 4,
        }
    }

    /// Checks the traffic settings (the population is checked by the subscriber generator).
    fn check(&self) -> std::io::Result<()> {
        let bad = |msg: &str| Err(std::io::Error::new(std::io::ErrorKind::InvalidInput, msg));
        if !(64..=4096).contains(&self.block_size) || !self.block_size.is_power_of_two() {
            return bad("block_size must be a power of two from 64 to 4096");
        }
        if self.public_ips == 0 || self.public_ips > MAX_PUBLIC_IPS {
            return bad("public_ips must be from 1 to MAX_PUBLIC_IPS (260096)");
        }
        if self.blocks_per_subscriber > 1000 {
            return bad("blocks_per_subscriber must be at most 1000");
        }
        Ok(())
    }
}

/// The port-block assignments of traffic day `cfg.subscribers.day` (the UTC day
/// 2026-11-01 + day), as CSV in the `cgnat` columns of docs/traffic-format.md
/// (`public_ip,first_port,last_port,private_ip,user_id,start,end`, plus `event` on days
/// that close assignments left open the day before: those `end` records come first), sorted
/// by `start`, times RFC 3339 UTC. Returns the data rows written.
///
/// Fails with `InvalidInput` on a bad configuration, or with the writer's error.
pub fn write_cgnat_csv<W: Write>(cfg: &TrafficGenConfig, out: W) -> std::io::Result<u64> {
    cfg.check()?;
    let ctx = plan::ctx(&cfg.subscribers)?;
    let day = plan::DayPlan::new(&ctx, cfg);
    cgnat::write(&day, out)
}

/// The access sessions of the same day, as CSV in the `session` columns
/// (`user_id,address,ntp_start,ntp_end,login,logoff,uploaded,downloaded`, plus `event` when
/// sessions left open the day before are closed first), sorted by `login`. CGNAT'd
/// subscribers log in with their inside address from 100.64.0.0/10 — the `private_ip` that
/// [`write_cgnat_csv`] names for them — and IPv6-only ones with a delegated /56 from
/// 2001:db8::/32; the network termination point is a NAS/OLT port id; volumes in bytes.
/// Returns the data rows written.
///
/// Fails with `InvalidInput` on a bad configuration, or with the writer's error.
pub fn write_sessions_csv<W: Write>(cfg: &TrafficGenConfig, out: W) -> std::io::Result<u64> {
    cfg.check()?;
    let ctx = plan::ctx(&cfg.subscribers)?;
    let day = plan::DayPlan::new(&ctx, cfg);
    sessions::write(&day, out)
}

//! Writing the fields of the traffic files into a byte buffer: user ids (as the subscriber
//! file writes them), inside, public and delegated-prefix addresses, line ids and the
//! buffered output itself.

use std::io::Write;
use std::net::Ipv6Addr;

use crate::ctx::Ctx;
use crate::numbers::{hash2, push_ipv4, push_padded, push_time, push_u64};

use super::plan::DayPlan;

/// Inside addresses of 100.64.0.0/10 without .0 and .255 hosts.
pub(crate) const PRIVATE_CAP: u64 = 64 * 256 * 254;

/// The `user_id` of an internet subscription whose user number is `user`
/// (`ctx.user_scr.apply(rank * 3)`), byte for byte as in the subscriber file.
pub(crate) fn push_user(buf: &mut Vec<u8>, ctx: &Ctx, user: u32) {
    buf.push(b'i');
    push_padded(buf, u64::from(user), 8);
    buf.push(b'@');
    buf.extend_from_slice(ctx.cfg.provider.as_bytes());
}

/// Index `idx` of a /10 starting at `first.second` with hosts .1 to .254.
fn push_slash10(buf: &mut Vec<u8>, first: u32, second: u32, idx: u32) {
    let a =
        first << 24 | (second + idx / (256 * 254)) << 16 | (idx / 254 % 256) << 8 | (idx % 254 + 1);
    push_ipv4(buf, a);
}

/// Inside address `idx` (below [`PRIVATE_CAP`]) of a CGNAT'd subscriber, from the RFC 6598
/// shared space 100.64.0.0/10.
pub(crate) fn push_private(buf: &mut Vec<u8>, idx: u32) {
    push_slash10(buf, 100, 64, idx);
}

/// Public pool address `idx` of the provider: a /14 per provider tag in 176.0.0.0/7.
pub(crate) fn push_public(buf: &mut Vec<u8>, ctx: &Ctx, idx: u32) {
    let tag = ctx.tag as u32;
    let a = (176 << 24) + (tag << 18) + (idx / 254) * 256 + idx % 254 + 1;
    push_ipv4(buf, a);
}

/// The delegated /56 of an IPv6-only subscriber, from 2001:db8::/32.
pub(crate) fn push_prefix(buf: &mut Vec<u8>, plan: &DayPlan, rank: u64) {
    let p = plan.prefix_scr.apply(rank % (1 << 24));
    let a = 0x2001_0db8u128 << 96 | u128::from(p) << 72;
    let _ = write!(buf, "{}/56", Ipv6Addr::from(a));
}

/// The network termination point of a subscriber's line: a fibre OLT port
/// (`olt17:1/3/12:21`) or a DSL access-node port (`dslam204:2/9`).
pub(crate) fn push_ntp(buf: &mut Vec<u8>, ctx: &Ctx, rank: u64) {
    let h = hash2(ctx.key ^ 0x7a77, rank);
    if !h.is_multiple_of(3) {
        buf.extend_from_slice(b"olt");
        push_u64(buf, 1 + (h >> 8) % 240);
        buf.extend_from_slice(b":1/");
        push_u64(buf, 1 + (h >> 16) % 16);
        buf.push(b'/');
        push_u64(buf, 1 + (h >> 24) % 16);
        buf.push(b':');
        push_u64(buf, 1 + (h >> 32) % 64);
    } else {
        buf.extend_from_slice(b"dslam");
        push_u64(buf, 1 + (h >> 8) % 900);
        buf.push(b':');
        push_u64(buf, 1 + (h >> 16) % 8);
        buf.push(b'/');
        push_u64(buf, 1 + (h >> 24) % 48);
    }
}

/// Output in large chunks.
pub(crate) struct Out<W: Write> {
    pub buf: Vec<u8>,
    out: W,
}

impl<W: Write> Out<W> {
    pub(crate) fn new(out: W) -> Self {
        Out {
            buf: Vec::with_capacity(1 << 17),
            out,
        }
    }

    /// Ends a row; writes the buffer out when it is full.
    #[inline]
    pub(crate) fn end_row(&mut self) -> std::io::Result<()> {
        self.buf.push(b'\n');
        if self.buf.len() >= 1 << 16 {
            self.out.write_all(&self.buf)?;
            self.buf.clear();
        }
        Ok(())
    }

    /// Writes out what is left.
    pub(crate) fn finish(mut self) -> std::io::Result<()> {
        self.out.write_all(&self.buf)?;
        self.out.flush()
    }
}

/// RFC 3339 UTC times of the day before, the day and the day after, the date part
/// formatted once.
pub(crate) struct Clock {
    /// Unix time of 00:00Z of the day before.
    first: i64,
    /// `YYYY-MM-DDT` of the three days.
    dates: [[u8; 11]; 3],
}

impl Clock {
    /// The clock of the day starting at Unix time `day_start`.
    pub(crate) fn new(day_start: i64) -> Self {
        let mut dates = [[0u8; 11]; 3];
        for (j, date) in dates.iter_mut().enumerate() {
            let mut v = Vec::with_capacity(20);
            push_time(&mut v, day_start + (j as i64 - 1) * 86_400);
            date.copy_from_slice(&v[..11]);
        }
        Clock {
            first: day_start - 86_400,
            dates,
        }
    }

    /// Appends Unix time `t` as `2026-11-02T21:14:05Z`.
    #[inline]
    pub(crate) fn push(&self, buf: &mut Vec<u8>, t: i64) {
        let since = t - self.first;
        let day = since.div_euclid(86_400);
        if !(0..3).contains(&day) {
            return push_time(buf, t);
        }
        let s = since.rem_euclid(86_400) as u32;
        let (h, m, sec) = (s / 3600, s / 60 % 60, s % 60);
        let mut out = [0u8; 20];
        out[..11].copy_from_slice(&self.dates[day as usize]);
        let two = |n: u32| [b'0' + (n / 10) as u8, b'0' + (n % 10) as u8];
        out[11..13].copy_from_slice(&two(h));
        out[13] = b':';
        out[14..16].copy_from_slice(&two(m));
        out[16] = b':';
        out[17..19].copy_from_slice(&two(sec));
        out[19] = b'Z';
        buf.extend_from_slice(&out);
    }
}

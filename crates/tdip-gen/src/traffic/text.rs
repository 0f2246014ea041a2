//! Writing the fields of the traffic files into a byte buffer: user ids (as the subscriber
//! file writes them), inside, public and delegated-prefix addresses, line ids and the
//! buffered output itself.

use std::io::Write;
use std::net::Ipv6Addr;

use crate::ctx::Ctx;
use crate::numbers::{hash2, push_ipv4, push_padded, push_u64};

use super::plan::DayPlan;

/// Inside addresses of 100.64.0.0/10 without .0 and .255 hosts.
pub(crate) const PRIVATE_CAP: u64 = 64 * 256 * 254;

/// The `user_id` of internet subscription `rank`, byte for byte as in the subscriber file.
pub(crate) fn push_user(buf: &mut Vec<u8>, ctx: &Ctx, rank: u64) {
    buf.push(b'i');
    push_padded(buf, ctx.user_scr.apply(rank * 3), 8);
    buf.push(b'@');
    buf.extend_from_slice(ctx.cfg.provider.as_bytes());
}

/// Index `idx` of a /10 starting at `first.second` with hosts .1 to .254.
fn push_slash10(buf: &mut Vec<u8>, first: u32, second: u32, idx: u32) {
    let a =
        first << 24 | (second + idx / (256 * 254)) << 16 | (idx / 254 % 256) << 8 | (idx % 254 + 1);
    push_ipv4(buf, a);
}

/// The stable inside address of a CGNAT'd subscriber (RFC 6598 shared space).
pub(crate) fn push_private(buf: &mut Vec<u8>, plan: &DayPlan, rank: u64) {
    let idx = plan.private_scr.apply(rank % PRIVATE_CAP) as u32;
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
    if h % 3 != 0 {
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

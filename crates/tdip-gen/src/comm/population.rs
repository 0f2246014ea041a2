//! The parties of one traffic day: the subscriptions of that day's subscriber file, each
//! rendered by the subscriber generator and its identifiers taken from the rendered
//! fields, with the window of the day in which it exists.

use std::net::Ipv6Addr;

use crate::ctx::Ctx;
use crate::numbers::{Scramble, days_from_civil, hash2, push_ipv4};
use crate::render::Record;
use crate::row::{self, Fate, Service};

/// Columns of the subscriber file used here.
const SUPPLEMENTARY: usize = 2;
const MSISDN: usize = 3;
const IMSI: usize = 4;
const IMEI: usize = 5;
const EMAIL: usize = 7;
const USER_ID: usize = 8;
const INSTALL_STREET: usize = 19;
/// Second of the day (23:00Z, the snapshot) by which a subscription that is gone from the
/// next day's file has made its last communication.
const SNAPSHOT_SECOND: u32 = 23 * 3600;
/// Inside addresses of 100.64.0.0/10 without .0 and .255 hosts, numbered as the session
/// generator numbers them.
const PRIVATE_CAP: u64 = 64 * 256 * 254;

/// Where in the day a subscription exists, and the seed of its day.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Window {
    pub lo: u32,
    pub hi: u32,
    pub seed: u64,
}

/// A mobile subscription.
pub(crate) struct Mobile {
    pub number: Box<str>,
    pub imsi: Box<str>,
    pub imei: Box<str>,
    /// From this second on, the handset this IMEI names (one the subscriber file does not
    /// know yet).
    pub swap: Option<(u32, Box<str>)>,
    pub forwarding: bool,
    pub conference: bool,
    pub rank: u64,
    pub win: Window,
}

impl Mobile {
    /// The IMEI in use at second `t`.
    pub(crate) fn imei_at(&self, t: u32) -> &str {
        match &self.swap {
            Some((from, imei)) if t >= *from => imei,
            _ => &self.imei,
        }
    }
}

/// A fixed line: its number and its installation address.
pub(crate) struct Line {
    pub number: Box<str>,
    pub ntp: Box<str>,
    pub win: Window,
}

/// A subscription of an internet service: an internet or e-mail subscription with an
/// e-mail address (the account), or a VoIP subscription (its user id and number).
pub(crate) struct Net {
    pub account: Box<str>,
    pub number: Option<Box<str>>,
    pub voip: bool,
    /// The address it reaches the services from.
    pub ip: Box<str>,
    pub win: Window,
}

/// Everyone of the day.
pub(crate) struct Population {
    pub day_start: i64,
    pub mobiles: Vec<Mobile>,
    pub lines: Vec<Line>,
    pub nets: Vec<Net>,
    /// Indices into `nets` of those with an e-mail address.
    pub mailboxes: Vec<u32>,
}

/// Unix time of 00:00Z of traffic day `day` (2026-11-01 + day).
pub(crate) fn day_start(day: u32) -> i64 {
    (days_from_civil(2026, 11, 1) + i64::from(day)) * 86_400
}

fn text(rec: &Record, col: usize) -> &str {
    std::str::from_utf8(&rec.byte_record()[col]).unwrap_or("")
}

/// The first of a `;`-separated list.
fn first(s: &str) -> Box<str> {
    s.split(';').next().unwrap_or("").into()
}

impl Population {
    /// The subscriptions of the subscriber file of `ctx.cfg.day`.
    pub(crate) fn load(ctx: &Ctx) -> Self {
        let day = ctx.cfg.day;
        let start = day_start(day);
        let private = Scramble::new(PRIVATE_CAP, ctx.key ^ 0x7a10);
        let prefix = Scramble::new(1 << 24, ctx.key ^ 0x7a76);
        let roaming = Scramble::new(PRIVATE_CAP, ctx.key ^ 0xc0de);
        let mut pop = Population {
            day_start: start,
            mobiles: Vec::new(),
            lines: Vec::new(),
            nets: Vec::new(),
            mailboxes: Vec::new(),
        };
        let mut rec = Record::default();
        let mut r = row::base(ctx, 0, 0);
        let mut birth = 0u32;
        let mut ip = Vec::with_capacity(40);
        for i in 0..ctx.total_rows(day) {
            while i >= ctx.born_until(birth) {
                birth += 1;
            }
            if !matches!(row::evolve(ctx, i, birth, day, &mut r), Fate::Present(_)) {
                continue;
            }
            let mut lo = 0u32;
            if birth == day && day > 0 {
                lo = u32::try_from(r.start - start + 60).unwrap_or(0);
            }
            let gone = ctx.fate_on(ctx.day_seed(i), day + 1).0
                || matches!(r.port_out, Some((_, _, d)) if d == day);
            let mut hi = if gone { SNAPSHOT_SECOND } else { 86_400 };
            if let Some(end) = r.end {
                hi = hi.min(u32::try_from(end - start).unwrap_or(0));
            }
            if lo >= hi {
                continue;
            }
            let win = Window {
                lo,
                hi,
                seed: hash2(ctx.key ^ 0xc033, hash2(i, u64::from(day))),
            };
            rec.render(ctx, i, &r);
            match r.service {
                Service::Mobile => {
                    let supp = text(&rec, SUPPLEMENTARY);
                    let mut m = Mobile {
                        number: text(&rec, MSISDN).into(),
                        imsi: first(text(&rec, IMSI)),
                        imei: first(text(&rec, IMEI)),
                        swap: None,
                        forwarding: supp.contains("call_forwarding"),
                        conference: supp.contains("conference"),
                        rank: r.rank,
                        win,
                    };
                    let h = hash2(ctx.key ^ 0x5a4b, hash2(r.rank, u64::from(day)));
                    if h.is_multiple_of(200) {
                        // A handset the file does not know: rendered as a later device of
                        // the same subscription, so it is a valid IMEI in the provider's
                        // range that no other subscription uses.
                        let mut other = r;
                        other.imei_version = r.imei_version.wrapping_add(128);
                        rec.render(ctx, i, &other);
                        let at = lo + ((h >> 16) % u64::from(hi - lo)) as u32;
                        m.swap = Some((at, first(text(&rec, IMEI))));
                    }
                    pop.mobiles.push(m);
                }
                Service::Fixed => {
                    let f = |k: usize| text(&rec, INSTALL_STREET + k);
                    let mut ntp = format!("{} {}", f(0), f(1));
                    if !f(2).is_empty() {
                        ntp.push(' ');
                        ntp.push_str(f(2));
                    }
                    ntp.push_str(", ");
                    ntp.push_str(f(3));
                    ntp.push(' ');
                    ntp.push_str(f(4));
                    pop.lines.push(Line {
                        number: text(&rec, MSISDN).into(),
                        ntp: ntp.into(),
                        win,
                    });
                }
                Service::Internet | Service::Email | Service::Voip => {
                    let email = text(&rec, EMAIL);
                    let voip = r.service == Service::Voip;
                    if email.is_empty() && !voip {
                        continue;
                    }
                    ip.clear();
                    let v6_only = hash2(ctx.key ^ 0x7a66, r.rank) % 1000 < 125;
                    if r.service != Service::Internet {
                        push_private(&mut ip, roaming.apply((r.rank * 3) % PRIVATE_CAP) as u32);
                    } else if v6_only {
                        let p = prefix.apply(r.rank % (1 << 24));
                        let a = 0x2001_0db8u128 << 96 | u128::from(p) << 72 | 1;
                        ip.extend_from_slice(Ipv6Addr::from(a).to_string().as_bytes());
                    } else {
                        push_private(&mut ip, private.apply(r.rank % PRIVATE_CAP) as u32);
                    }
                    if !voip {
                        pop.mailboxes.push(pop.nets.len() as u32);
                    }
                    pop.nets.push(Net {
                        account: if voip { text(&rec, USER_ID) } else { email }.into(),
                        number: voip.then(|| text(&rec, MSISDN).into()),
                        voip,
                        ip: String::from_utf8_lossy(&ip).into(),
                        win,
                    });
                }
            }
        }
        pop
    }
}

/// Inside address `idx` of 100.64.0.0/10 (hosts .1 to .254), as the session file writes it.
fn push_private(buf: &mut Vec<u8>, idx: u32) {
    let a = 100 << 24 | (64 + idx / (256 * 254)) << 16 | (idx / 254 % 256) << 8 | (idx % 254 + 1);
    push_ipv4(buf, a);
}

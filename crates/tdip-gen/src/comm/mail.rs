//! The `internet` file of one day, in order of start. A subscriber with an e-mail address
//! has about twenty events a day: log-in sessions at the provider's mail service (IMAP,
//! a few minutes to three hours), mails sent (to another mailbox of the population or an
//! outside address) and now and then a VoIP call; a VoIP subscription makes about three
//! VoIP calls a day under its user id, most of them entering the phone network (its
//! number as `calling_number`, the number called as `called_number`). The provider's
//! mail and SIP servers are in 198.51.100.0/24.

use std::io::Write;

use crate::GenError;
use crate::ctx::Ctx;
use crate::numbers::{hash2, mix64};

use super::calls::{duration, end_of};
use super::outside;
use super::population::{Net, Population};
use super::rec::Rows;
use super::rhythm;
use super::schedule::{self, Stream, unit};

/// The `internet` columns (docs/traffic-format.md).
const INTERNET: [&str; 12] = [
    "type",
    "account",
    "recipient",
    "calling_number",
    "called_number",
    "user_ip",
    "user_port",
    "recipient_ip",
    "recipient_port",
    "start",
    "end",
    "service",
];

/// Mean events per day of a subscriber with a mailbox.
const MAIL_EVENTS_PER_DAY: f64 = 20.0;
/// Mean calls per day of a VoIP subscription.
const VOIP_CALLS_PER_DAY: f64 = 3.0;

/// Writes the file; returns the data rows written.
pub(crate) fn write<W: Write>(ctx: &Ctx, pop: &Population, out: W) -> Result<u64, GenError> {
    let rhythm = rhythm::of_day(pop.day_start);
    let streams: Vec<Stream> = pop
        .nets
        .iter()
        .map(|n| {
            let mean = if n.voip {
                VOIP_CALLS_PER_DAY
            } else {
                MAIL_EVENTS_PER_DAY
            };
            Stream {
                lo: n.win.lo,
                hi: n.win.hi,
                seed: n.win.seed,
                rate: mean / rhythm.total() * (0.5 + unit(hash2(n.win.seed, 0xac7))),
            }
        })
        .collect();
    let server = format!("198.51.100.{}", 10 + ctx.tag);
    let voips: Vec<u32> = (0..pop.nets.len() as u32)
        .filter(|&j| pop.nets[j as usize].voip)
        .collect();
    let mut rows = Rows::new(out, &INTERNET, pop.day_start)?;
    schedule::run(&rhythm, &streams, |s, _k, h, start| {
        let net = &pop.nets[s];
        let h2 = mix64(h ^ 0x3e);
        let port = 1024 + (h2 >> 48) % 64_512;
        let kind = match (net.voip, h % 100) {
            (true, _) | (false, 95..) => "voip",
            (false, 0..15) => "login",
            (false, _) => "mail",
        };
        rows.f(kind).f(&net.account);
        let over = match kind {
            "login" => {
                let end = end_of(start, 60 + (unit(h2) * unit(h2) * 10_800.0) as u32, 86_400);
                let end = if net.win.hi < 86_400 {
                    end.min(net.win.hi)
                } else {
                    end
                };
                rows.e().e().e().f(&net.ip).n(port).f(&server).n(993);
                rows.t(start).t(end).f("imap");
                start + 1
            }
            "mail" => {
                let to = peer(pop, &pop.mailboxes, s, h2)
                    .map_or_else(|| outside::mailbox(ctx, h2), |n| n.account.to_string());
                rows.f(&to).e().e().f(&net.ip).n(port).f(&server).n(587);
                rows.t(start).e().f("smtp");
                start + 1
            }
            _ => {
                let end = end_of(start, duration(h2, start), net.win.hi);
                let pool = if net.voip { &voips } else { &pop.mailboxes };
                let dial = (h >> 8) % 4;
                match peer(pop, pool, s, h2).filter(|_| dial == 0) {
                    Some(to) => {
                        rows.f(&to.account)
                            .o(net.number.as_deref())
                            .o(to.number.as_deref());
                        rows.f(&net.ip).n(port).f(&to.ip).n(5060);
                    }
                    None => {
                        let number = match pop.mobiles.len() as u64 {
                            n if n > 0 && dial == 1 => {
                                pop.mobiles[((h2 >> 20) % n) as usize].number.to_string()
                            }
                            _ => outside::number(ctx, h2 >> 3),
                        };
                        rows.e().o(net.number.as_deref()).f(&number);
                        rows.f(&net.ip).n(port).f(&server).n(5060);
                    }
                }
                rows.t(start).t(end).f("sip");
                end
            }
        };
        rows.end()?;
        Ok(over)
    })?;
    rows.finish()
}

/// Half the time another subscriber of `pool` (indices into `pop.nets`) than `me`.
fn peer<'a>(pop: &'a Population, pool: &[u32], me: usize, h: u64) -> Option<&'a Net> {
    if pool.len() < 2 || h.is_multiple_of(2) {
        return None;
    }
    let k = ((h >> 24) % pool.len() as u64) as usize;
    let mut j = pool[k] as usize;
    if j == me {
        j = pool[(k + 1) % pool.len()] as usize;
    }
    Some(&pop.nets[j])
}

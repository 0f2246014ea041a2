//! Day-to-day content changes of a subscription. Every change applied here makes the
//! rendered row differ from the day before, so counting change events counts changed rows.

use rand::RngCore;
use rand_chacha::ChaCha8Rng;

use crate::ctx::Ctx;
use crate::names::{BE_ORGS, NL_ORGS, names};
use crate::numbers::{below, hash2, pick, pm, rng_from};
use crate::places::places;
use crate::row::{Address, Means, Row, Service, address, email, iban, reg_ip};
use crate::snapshot_unix;

#[derive(Debug, Clone, Copy)]
enum Kind {
    Move,
    DeviceSwap,
    AddSupp,
    PortOut,
    Payment,
    EmailChange,
    RegChange,
    Rename,
}

/// Applies the change of subscription `i` on day `k` to `row`.
pub(crate) fn apply(ctx: &Ctx, row: &mut Row, i: u64, k: u32) {
    let mut rng = rng_from(hash2(hash2(ctx.key ^ 0xc3a9, i), u64::from(k)));
    let rng = &mut rng;
    let s = row.service;
    let mut opts: Vec<(Kind, u32)> = Vec::with_capacity(8);
    if row.billing.is_some() || row.install.is_some() {
        let w = match s {
            Service::Internet | Service::Fixed => 35,
            Service::Email => 10,
            _ => 25,
        };
        opts.push((Kind::Move, w));
    }
    if s == Service::Mobile && row.imei_version < 99 {
        opts.push((Kind::DeviceSwap, 30));
    }
    if s.supp_mask() & !row.supp != 0 {
        opts.push((Kind::AddSupp, 25));
    }
    let portable = matches!(s, Service::Mobile | Service::Fixed | Service::Voip);
    if portable && row.port_out.is_none() && !ctx.others.is_empty() {
        opts.push((Kind::PortOut, 5));
    }
    if matches!(row.means, Means::IbanNl { .. } | Means::IbanBe { .. }) {
        opts.push((Kind::Payment, 10));
    }
    match (s, row.email) {
        (Service::Email, Some(e)) if e.version < 9 => opts.push((Kind::EmailChange, 60)),
        (Service::Internet, Some(e)) if e.version < 9 => opts.push((Kind::EmailChange, 20)),
        (Service::Internet, None) => opts.push((Kind::EmailChange, 10)),
        _ => {}
    }
    if row.reg.is_some() {
        opts.push((Kind::RegChange, 15));
    }
    opts.push((Kind::Rename, 5));
    let total: u32 = opts.iter().map(|o| o.1).sum();
    let mut x = below(rng, total);
    let kind = opts
        .iter()
        .find(|o| {
            if x < o.1 {
                true
            } else {
                x -= o.1;
                false
            }
        })
        .map_or(Kind::Rename, |o| o.0);
    match kind {
        Kind::Move => move_house(ctx, rng, row),
        Kind::DeviceSwap => row.imei_version += 1,
        Kind::AddSupp => {
            let missing = s.supp_mask() & !row.supp;
            let bits: Vec<u16> = (0..10).filter(|b| missing & (1 << b) != 0).collect();
            row.supp |= 1 << *pick(rng, &bits);
        }
        Kind::PortOut => {
            let at = snapshot_unix(k) + 3600 + i64::from(below(rng, 20 * 3600));
            row.port_out = Some((*pick(rng, &ctx.others), at, k));
            row.end = Some(at);
        }
        Kind::Payment => {
            let country = row.billing.map_or(ctx.country, |b| b.country);
            let old = row.means;
            while row.means == old {
                row.means = iban(rng, country);
            }
        }
        Kind::EmailChange => match &mut row.email {
            Some(e) => e.version += 1,
            None => row.email = Some(email(ctx, rng)),
        },
        Kind::RegChange => {
            let old = row.reg;
            while row.reg == old {
                row.reg = Some(reg_ip(rng));
            }
        }
        Kind::Rename => rename(rng, row),
    }
}

/// A move: fixed lines and VoIP stay in their numbering area's city; others mostly move
/// within their city, sometimes elsewhere in the country.
fn move_house(ctx: &Ctx, rng: &mut ChaCha8Rng, row: &mut Row) {
    let Some(old) = row.install.or(row.billing) else {
        return;
    };
    let same_city = matches!(row.service, Service::Fixed | Service::Voip) || pm(rng, 700);
    let (country, city) = if same_city {
        (old.country, usize::from(old.city_idx))
    } else {
        (
            ctx.country,
            places().weighted_city(ctx.country, rng.next_u32()),
        )
    };
    let mut new: Address = address(rng, country, city);
    while same_place(&new, &old) {
        new = address(rng, country, city);
    }
    let billing_follows = row.install.is_none() || row.billing == row.install;
    if row.install.is_some() {
        row.install = Some(new);
    }
    if billing_follows && row.billing.is_some() {
        row.billing = Some(new);
    }
}

fn same_place(a: &Address, b: &Address) -> bool {
    a.street == b.street && a.number == b.number && a.addition == b.addition && a.pc == b.pc
}

/// A name change: a new surname (marriage, correction) or a renamed organisation.
fn rename(rng: &mut ChaCha8Rng, row: &mut Row) {
    if let Some(org) = &mut row.org {
        let n = NL_ORGS.len().min(BE_ORGS.len()) as u32;
        org.pattern = ((u32::from(org.pattern) + 1 + below(rng, n - 1)) % n) as u8;
        return;
    }
    let pool = names().surnames(row.lang);
    let old = row.surname;
    while row.surname == old {
        row.surname = *pick(rng, pool);
    }
}

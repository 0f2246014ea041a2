//! Building blocks of a subscription's content: name language, addresses, bank
//! accounts, registration addresses, e-mail records and payment.

use rand::RngCore;
use rand_chacha::ChaCha8Rng;

use super::{Address, Email, Means, Method, RegIp, Row, Service};
use crate::ctx::Ctx;
use crate::names::Lang;
use crate::numbers::days_from_civil;
use crate::numbers::{below, nl_account, pick, pick_str, pm};
use crate::places::{BE_BANKS, BE_DOMAINS, NL_BANKS, NL_DOMAINS, places};
use crate::{Country, SNAPSHOT0, snapshot_unix};

/// Name language of a subscriber living in `city` of `country`.
pub(crate) fn lang_for(rng: &mut ChaCha8Rng, country: Country, city: usize) -> Lang {
    if pm(rng, 120) {
        return Lang::Migrant;
    }
    match country {
        Country::Nl => Lang::Nl,
        Country::Be => match places().be_cities[city].lang {
            b'n' => Lang::BeNl,
            b'f' => Lang::BeFr,
            _ if pm(rng, 500) => Lang::BeNl,
            _ => Lang::BeFr,
        },
    }
}

/// A street name fitting the city.
pub(crate) fn street_for(rng: &mut ChaCha8Rng, country: Country, city: usize) -> &'static str {
    let p = places();
    let pool = match country {
        Country::Nl => &p.nl_streets,
        Country::Be => match p.be_cities[city].lang {
            b'n' => &p.be_nl_streets,
            b'f' => &p.be_fr_streets,
            _ if pm(rng, 600) => &p.be_fr_streets,
            _ => &p.be_nl_streets,
        },
    };
    pick_str(rng, pool)
}

const NL_PC_LETTERS: &[u8] = b"ABCDEGHJKLMNPRSTVWXZ";
const NL_ADDITIONS: &[&str] = &[
    "A", "B", "C", "1", "2", "hs", "bis", "I", "II", "1hg", "2hg", "3hg",
];
const BE_ADDITIONS: &[&str] = &["A", "B", "bis", "bus 1", "bus 2", "bus 12", "b3"];

/// A random address in `city` of `country`.
pub(crate) fn address(rng: &mut ChaCha8Rng, country: Country, city: usize) -> Address {
    let c = &places().cities(country)[city];
    let street = street_for(rng, country, city);
    let number = match below(rng, 100) {
        0..=59 => 1 + below(rng, 40),
        60..=94 => 1 + below(rng, 200),
        _ => 1 + below(rng, 999),
    } as u16;
    let addition = if pm(rng, 80) {
        match country {
            Country::Nl => *pick(rng, NL_ADDITIONS),
            Country::Be => *pick(rng, BE_ADDITIONS),
        }
    } else {
        ""
    };
    let (pc, pc_letters) = match country {
        Country::Nl => {
            let (lo, hi) = c.pc_range;
            let pc = lo + below(rng, u32::from(hi - lo) + 1) as u16;
            let mut l = [*pick(rng, NL_PC_LETTERS), *pick(rng, NL_PC_LETTERS)];
            if l[0] == b'S' && matches!(l[1], b'A' | b'D' | b'S') {
                l[1] = b'T';
            }
            (pc, l)
        }
        Country::Be => (*pick(rng, &c.pcs), [0, 0]),
    };
    let city_name = match c.alias {
        Some(alias) if pm(rng, 150) => alias,
        _ => c.name,
    };
    Address {
        country,
        city_idx: city as u16,
        city: city_name,
        street,
        number,
        addition,
        pc,
        pc_letters,
    }
}

/// A fresh IBAN of a bank in `country`.
pub(crate) fn iban(rng: &mut ChaCha8Rng, country: Country) -> Means {
    match country {
        Country::Nl => Means::IbanNl {
            bank: below(rng, NL_BANKS.len() as u32) as u8,
            account: nl_account(rng.next_u64()),
        },
        Country::Be => Means::IbanBe {
            bank: *pick(rng, BE_BANKS),
            account: below(rng, 10_000_000),
        },
    }
}

/// A registration IP address and source port of a consumer line.
pub(crate) fn reg_ip(rng: &mut ChaCha8Rng) -> (RegIp, u16) {
    const FIRST: [u32; 12] = [31, 37, 62, 77, 80, 84, 86, 89, 94, 145, 178, 213];
    let ip = if pm(rng, 200) {
        RegIp::V6(
            (0x2a02_a000u128 + u128::from(below(rng, 0x2000))) << 96 | u128::from(rng.next_u64()),
        )
    } else {
        RegIp::V4(pick(rng, &FIRST) << 24 | below(rng, 1 << 16) << 8 | (1 + below(rng, 254)))
    };
    (ip, 1024 + below(rng, 64_512) as u16)
}

/// A fresh e-mail address record.
pub(crate) fn email(ctx: &Ctx, rng: &mut ChaCha8Rng) -> Email {
    let domain0 = match ctx.own_domain {
        Some(d) if pm(rng, 400) => d as u8,
        _ if pm(rng, 40) => 8 + below(rng, 2) as u8,
        _ => below(rng, 8) as u8,
    };
    Email {
        style: below(rng, 4) as u8,
        domain0,
        version: 0,
    }
}

pub(crate) fn start_time(rng: &mut ChaCha8Rng, birth: u32) -> i64 {
    if birth == 0 {
        let lo = days_from_civil(2004, 1, 1) * 86_400;
        let span = (SNAPSHOT0 - 5 * 86_400 - lo) as u64;
        let r = u64::from(rng.next_u32().max(rng.next_u32()));
        lo + ((r * span) >> 32) as i64
    } else {
        snapshot_unix(birth - 1) + i64::from(below(rng, 22 * 3600))
    }
}

pub(crate) fn payment(ctx: &Ctx, rng: &mut ChaCha8Rng, row: &mut Row, business: bool) {
    let bank_country = row.billing.map_or(ctx.country, |b| b.country);
    let (method, means) = if row.prepaid {
        let card = pm(rng, 300);
        (
            Method::TopUp,
            if card {
                Means::Card(below(rng, 10_000) as u16)
            } else {
                Means::None
            },
        )
    } else if row.service == Service::Email {
        match below(rng, 10) {
            0..=6 => return,
            7 | 8 => (Method::Card, Means::Card(below(rng, 10_000) as u16)),
            _ => (Method::DirectDebit, iban(rng, bank_country)),
        }
    } else if business {
        let m = if pm(rng, 600) {
            Method::Transfer
        } else {
            Method::DirectDebit
        };
        (m, iban(rng, bank_country))
    } else {
        match below(rng, 1000) {
            0..=749 => (Method::DirectDebit, iban(rng, bank_country)),
            750..=849 => (Method::Transfer, iban(rng, bank_country)),
            850..=949 => (Method::Card, Means::Card(below(rng, 10_000) as u16)),
            _ => (Method::Cash, Means::None),
        }
    };
    row.method = Some(method);
    row.means = means;
}

/// The e-mail domain of version `version` of an address first on `domain0`.
pub(crate) fn email_domain(country: Country, e: &Email) -> &'static str {
    let pool = match country {
        Country::Nl => NL_DOMAINS,
        Country::Be => BE_DOMAINS,
    };
    pool[(usize::from(e.domain0) + 3 * usize::from(e.version)) % pool.len()]
}

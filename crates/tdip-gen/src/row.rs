//! One subscription: its base content (a pure function of the provider, seed and
//! subscription index) and its evolution day by day.

use rand::RngCore;
use rand_chacha::ChaCha8Rng;

use crate::Country;
use crate::change;
use crate::ctx::Ctx;
use crate::names::{BE_ORGS, Lang, NL_ORGS, names};
use crate::numbers::{below, hash2, pick, pick_str, pm, rng_from};
use crate::places::{NL_SHOPS, places};

mod parts;

pub(crate) use parts::{address, email, email_domain, iban, reg_ip};
use parts::{lang_for, payment, start_time, street_for};

/// The service column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Service {
    Mobile,
    Internet,
    Fixed,
    Email,
    Voip,
}

impl Service {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Service::Mobile => "mobile",
            Service::Internet => "internet",
            Service::Fixed => "fixed",
            Service::Email => "email",
            Service::Voip => "voip",
        }
    }

    /// Bit mask of the supplementary services this service can have (see [`SUPP`]).
    pub(crate) fn supp_mask(self) -> u16 {
        match self {
            Service::Mobile => 0b00_0111_1111,
            Service::Fixed => 0b00_1011_0001,
            Service::Voip => 0b00_1111_0001,
            Service::Internet => 0b11_0000_0000,
            Service::Email => 0,
        }
    }
}

/// Supplementary services by bit position.
pub(crate) const SUPP: [&str; 10] = [
    "voicemail",
    "sms",
    "data",
    "roaming",
    "call_forwarding",
    "conference",
    "group_call",
    "fax",
    "extra_bandwidth",
    "static_ip",
];

/// A postal address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Address {
    pub country: Country,
    pub city_idx: u16,
    pub city: &'static str,
    pub street: &'static str,
    pub number: u16,
    pub addition: &'static str,
    pub pc: u16,
    pub pc_letters: [u8; 2],
}

/// Payment means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Means {
    None,
    IbanNl { bank: u8, account: u64 },
    IbanBe { bank: u16, account: u32 },
    Card(u16),
}

/// The payment_method column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Method {
    Transfer,
    DirectDebit,
    Card,
    Cash,
    TopUp,
}

/// A business subscriber's name: a pattern of [`NL_ORGS`]/[`BE_ORGS`] and its parts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Org {
    pub pattern: u8,
    pub s: &'static str,
    pub t: &'static str,
    pub city: &'static str,
}

/// An e-mail address: local-part style, first domain and how often it was changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Email {
    pub style: u8,
    pub domain0: u8,
    pub version: u8,
}

/// Where the subscription was registered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Place {
    None,
    Online,
    Shop {
        chain: u8,
        city: &'static str,
        street: &'static str,
    },
}

/// A registration IP address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RegIp {
    V4(u32),
    V6(u128),
}

/// The content of one subscription on one day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Row {
    pub service: Service,
    pub rank: u64,
    pub lang: Lang,
    pub prepaid: bool,
    pub surname: &'static str,
    pub given: &'static str,
    pub given2: &'static str,
    pub org: Option<Org>,
    pub billing: Option<Address>,
    pub billing_country_explicit: bool,
    pub install: Option<Address>,
    pub supp: u16,
    pub sims: u8,
    pub imei_version: u8,
    pub email: Option<Email>,
    /// 0 = no IPv6 prefix, else 48 or 56.
    pub v6: u8,
    pub mac_style: u8,
    pub start: i64,
    pub end: Option<i64>,
    pub activation: Option<(i64, u16, u32)>,
    pub place: Place,
    pub reg: Option<(RegIp, u16)>,
    pub port_in: Option<(&'static str, i64)>,
    /// Recipient operator, moment, and the day the port-out was announced.
    pub port_out: Option<(&'static str, i64, u32)>,
    pub method: Option<Method>,
    pub means: Means,
}

/// What became of a subscription on the requested day.
pub(crate) enum Fate {
    /// Ended before the previous day's snapshot (or never existed).
    Absent,
    /// Present the previous day, gone now.
    Removed,
    /// Present (content in the `row` passed to [`evolve`]); `true` if the content differs
    /// from the previous day's.
    Present(bool),
}

/// Subscription `i`, born on day `birth`, as it is on day `day`, into `row`.
pub(crate) fn evolve(ctx: &Ctx, i: u64, birth: u32, day: u32, row: &mut Row) -> Fate {
    *row = base(ctx, i, birth);
    let mut changed = false;
    let seed = ctx.day_seed(i);
    for k in birth + 1..=day {
        let (ends, changes) = ctx.fate_on(seed, k);
        let ported_away = matches!(row.port_out, Some((_, _, d)) if d + 1 == k);
        if ported_away || ends {
            return if k == day {
                Fate::Removed
            } else {
                Fate::Absent
            };
        }
        if changes {
            change::apply(ctx, row, i, k);
            if k == day {
                changed = true;
            }
        }
    }
    Fate::Present(changed)
}

/// The content of subscription `i` on the day it was born.
pub(crate) fn base(ctx: &Ctx, i: u64, birth: u32) -> Row {
    let mut rng = rng_from(hash2(ctx.key, i));
    let rng = &mut rng;
    let (service, rank) = ctx.service_of(i);
    let country = ctx.country;
    let p = places();
    let business = service != Service::Email && pm(rng, 70);
    let prepaid = service == Service::Mobile && !business && pm(rng, 250);
    let home_city = match service {
        Service::Fixed => ctx.geo_number(rank, false).0.city(rng.next_u32()),
        Service::Voip => ctx.geo_number(rank, true).0.city(rng.next_u32()),
        _ => p.weighted_city(country, rng.next_u32()),
    };
    let home = address(rng, country, home_city);
    let lang = lang_for(rng, country, home_city);
    let n = names();
    let surname = *pick(rng, n.surnames(lang));
    // Given-name tables list one gender, then the other: a second name is a near neighbour.
    let pool = n.given(lang);
    let g = below(rng, pool.len() as u32) as usize;
    let given = pool[g];
    let given2 = if pm(rng, 120) {
        pool[(g + 1 + below(rng, 6) as usize) % pool.len()]
    } else {
        ""
    };
    let org = business.then(|| Org {
        pattern: below(rng, NL_ORGS.len().min(BE_ORGS.len()) as u32) as u8,
        s: surname,
        t: pick_str(rng, n.surnames(lang)),
        city: home.city,
    });
    let start = start_time(rng, birth);
    let mut row = Row {
        service,
        rank,
        lang,
        prepaid,
        surname,
        given,
        given2,
        org,
        billing: None,
        billing_country_explicit: pm(rng, 900),
        install: None,
        supp: 0,
        sims: 1,
        imei_version: 0,
        email: None,
        v6: 0,
        mac_style: 0,
        start,
        end: None,
        activation: None,
        place: Place::Online,
        reg: None,
        port_in: None,
        port_out: None,
        method: None,
        means: Means::None,
    };
    // Billing address: usually home, sometimes across the border.
    let billing = if pm(rng, 10) {
        let other = match country {
            Country::Nl => Country::Be,
            Country::Be => Country::Nl,
        };
        let city = p.weighted_city(other, rng.next_u32());
        address(rng, other, city)
    } else {
        home
    };
    let mut supp = 0u16;
    let mut bit = |rng: &mut ChaCha8Rng, b: usize, per_mille: u32| {
        if pm(rng, per_mille) {
            supp |= 1 << b;
        }
    };
    match service {
        Service::Mobile => {
            for (b, w) in [(0, 700), (1, 900), (2, 850), (3, 500), (4, 150), (5, 50)] {
                bit(rng, b, w);
            }
            bit(rng, 6, if business { 300 } else { 0 });
            row.sims = if pm(rng, 30) { 2 } else { 1 };
            if !prepaid {
                row.billing = Some(billing);
            }
            if pm(rng, 900) {
                let delay = 60 + i64::from(below(rng, if birth == 0 { 3 * 86_400 } else { 3600 }));
                row.activation = Some((
                    start + delay,
                    1000 + below(rng, 64_000) as u16,
                    1 + below(rng, 65_000),
                ));
            }
        }
        Service::Internet => {
            bit(rng, 8, 150);
            bit(rng, 9, if business { 600 } else { 30 });
            row.install = Some(home);
            row.billing = Some(if pm(rng, 150) {
                address(rng, country, home_city)
            } else {
                billing
            });
            row.v6 = match (business, pm(rng, 900)) {
                (_, false) => 0,
                (true, true) => 48,
                (false, true) => 56,
            };
            row.mac_style = match below(rng, 100) {
                0..=89 => 0,
                90..=94 => 1,
                _ => 2,
            };
            if pm(rng, 400) {
                row.email = Some(email(ctx, rng));
            }
        }
        Service::Fixed => {
            for (b, w) in [(0, 400), (4, 200), (5, 50)] {
                bit(rng, b, w);
            }
            bit(rng, 7, if business { 200 } else { 30 });
            row.install = Some(home);
            row.billing = Some(billing);
        }
        Service::Email => {
            row.email = Some(email(ctx, rng));
            row.reg = Some(reg_ip(rng));
            if pm(rng, 300) {
                row.billing = Some(billing);
            }
        }
        Service::Voip => {
            for (b, w) in [(0, 500), (4, 300), (5, 100), (7, 50)] {
                bit(rng, b, w);
            }
            bit(rng, 6, if business { 200 } else { 0 });
            row.billing = Some(billing);
            row.reg = Some(reg_ip(rng));
        }
    }
    row.supp = supp;
    if matches!(
        service,
        Service::Mobile | Service::Internet | Service::Fixed
    ) {
        row.place = match below(rng, 100) {
            0..=39 => Place::Online,
            40..=94 => Place::Shop {
                chain: below(rng, NL_SHOPS.len() as u32) as u8,
                city: if pm(rng, 700) {
                    home.city
                } else {
                    p.cities(country)[0].name
                },
                street: if pm(rng, 250) {
                    street_for(rng, country, home_city)
                } else {
                    ""
                },
            },
            _ => Place::None,
        };
    }
    let port_rate = match service {
        Service::Mobile => 100,
        Service::Fixed | Service::Voip => 50,
        _ => 0,
    };
    if pm(rng, port_rate) && !ctx.others.is_empty() {
        row.port_in = Some((*pick(rng, &ctx.others), start));
    }
    payment(ctx, rng, &mut row, business);
    row
}

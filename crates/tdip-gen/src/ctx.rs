//! Per-configuration context: the provider's identity and numbering slot, the births of
//! each day, the daily change/end decisions and the number-range capacity.

use std::cell::Cell;

use crate::numbers::{Scramble, hash_str, hash2, mix64};
use crate::places::{City, places};
use crate::row::Service;
use crate::{Country, GenConfig, GenError};

/// Subscriptions ending per day per million (port-outs come on top).
const END_PPM: u64 = 350;
/// New subscriptions per day per million of the day-0 population.
const BIRTH_PPM: u64 = 500;

/// Services of a block of 20 consecutive subscriptions (shuffled per block): 60 % mobile,
/// 20 % internet, 10 % fixed, 5 % e-mail, 5 % VoIP.
const BLOCK: [Service; 20] = {
    use Service::*;
    [
        Mobile, Mobile, Mobile, Mobile, Mobile, Mobile, Mobile, Mobile, Mobile, Mobile, Mobile,
        Mobile, Internet, Internet, Internet, Internet, Fixed, Fixed, Email, Voip,
    ]
};

/// Mobile numbers per slot: NL +316 + 8 digits split in 16, BE +324[5-9] + 7 split in 8.
pub(crate) const MOBILE_CAP: u64 = 6_250_000;
/// IPv4 addresses per provider tag (a /10 without .0 and .255 hosts).
pub(crate) const V4_CAP: u64 = 64 * 256 * 254;

struct Known {
    id: &'static str,
    country: Country,
    name: &'static str,
    mnc: u8,
    slot: u8,
}

const fn k(id: &'static str, country: Country, name: &'static str, mnc: u8, slot: u8) -> Known {
    Known {
        id,
        country,
        name,
        mnc,
        slot,
    }
}

const KNOWN: &[Known] = &[
    k("kpn", Country::Nl, "KPN", 8, 0),
    k("vodafone", Country::Nl, "Vodafone", 4, 1),
    k("odido", Country::Nl, "Odido", 16, 2),
    k("tele2", Country::Nl, "Tele2", 2, 3),
    k("ziggo", Country::Nl, "Ziggo", 15, 4),
    k("lebara", Country::Nl, "Lebara", 7, 5),
    k("lycamobile", Country::Nl, "Lycamobile", 9, 6),
    k("simyo", Country::Nl, "Simyo", 18, 7),
    k("ben", Country::Nl, "Ben", 20, 8),
    k("youfone", Country::Nl, "Youfone", 12, 9),
    k("delta", Country::Nl, "DELTA", 13, 10),
    k("caiway", Country::Nl, "Caiway", 14, 11),
    k("proximus", Country::Be, "Proximus", 1, 0),
    k("orange", Country::Be, "Orange Belgium", 10, 1),
    k("base", Country::Be, "BASE", 20, 2),
    k("telenet", Country::Be, "Telenet", 5, 3),
    k("voo", Country::Be, "VOO", 7, 4),
    k("scarlet", Country::Be, "Scarlet", 2, 5),
    k("mobile-vikings", Country::Be, "Mobile Vikings", 6, 6),
    k("digi", Country::Be, "Digi", 9, 7),
];

/// Number of numbering slots of a country (16 in NL, 8 in BE).
pub(crate) fn slots(country: Country) -> u64 {
    match country {
        Country::Nl => 16,
        Country::Be => 8,
    }
}

/// The numbering slot of a provider: fixed for well-known operators (`kpn` 0, `vodafone`
/// 1, `odido` 2, … ; `proximus` 0, `orange` 1, `base` 2, `telenet` 3, …), else the
/// provider id's trailing number (`p1` → 1), else a hash, modulo 16 (NL) or 8 (BE).
/// Providers of one country in different slots never share an identifier.
pub fn provider_slot(provider: &str, country: Country) -> u8 {
    if let Some(k) = KNOWN
        .iter()
        .find(|k| k.id == provider && k.country == country)
    {
        return k.slot;
    }
    let digits = provider
        .bytes()
        .rev()
        .take_while(u8::is_ascii_digit)
        .count();
    let n = provider[provider.len() - digits..]
        .parse::<u64>()
        .unwrap_or_else(|_| hash_str(provider));
    (n % slots(country)) as u8
}

/// A share of a geographic numbering area (area code) allotted to this provider. Big
/// areas are split in several parts so fixed lines follow the population roughly.
pub(crate) struct GeoArea {
    pub area: &'static str,
    pub digits: usize,
    /// Cities with this area code and their cumulative population weights.
    pub cities: Vec<(u16, u32)>,
    base: u64,
    cap: u64,
    scr: Scramble,
}

impl GeoArea {
    /// A city of the area chosen by population weight from a uniform `r`.
    pub(crate) fn city(&self, r: u32) -> usize {
        let total = self.cities.last().map_or(1, |c| c.1);
        let x = ((u64::from(r) * u64::from(total)) >> 32) as u32;
        let k = self.cities.partition_point(|c| c.1 <= x);
        usize::from(self.cities[k.min(self.cities.len() - 1)].0)
    }
}

/// Everything derived once from a [`GenConfig`].
pub(crate) struct Ctx<'a> {
    pub cfg: &'a GenConfig,
    pub country: Country,
    pub key: u64,
    pub slot: u64,
    pub tag: u64,
    pub mnc: u8,
    pub own_name: &'a str,
    pub others: Vec<&'static str>,
    pub own_domain: Option<usize>,
    born_until: Vec<u64>,
    pub geo: Vec<GeoArea>,
    pub msisdn_scr: Scramble,
    pub imsi_scr: Scramble,
    pub v4_scr: Scramble,
    pub v6_scr: Scramble,
    pub user_scr: Scramble,
    pub imei_scr: Scramble,
    pub mac_scr: Scramble,
    /// `END_PPM` and the change rate as fractions of 2^32.
    end_threshold: u64,
    change_threshold: u64,
    /// The last block's shuffled services (rows are mostly visited in order).
    block_cache: Cell<(u64, [Service; 20])>,
}

fn valid_provider(p: &str) -> bool {
    let b = p.as_bytes();
    !b.is_empty()
        && b.len() <= 32
        && (b[0].is_ascii_lowercase() || b[0].is_ascii_digit())
        && b.iter()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-')
}

fn geo_areas(country: Country, slot: u64, key: u64) -> Vec<GeoArea> {
    let cities: &[City] = places().cities(country);
    let nsn = match country {
        Country::Nl => 9,
        Country::Be => 8,
    };
    let mut areas: Vec<(&'static str, Vec<(u16, u32)>)> = Vec::new();
    for (idx, c) in cities.iter().enumerate() {
        // Liège's zone 04 looks like a mobile prefix to naive checks: no fixed lines there.
        if country == Country::Be && c.area == "4" {
            continue;
        }
        let pos = match areas.iter().position(|a| a.0 == c.area) {
            Some(p) => p,
            None => {
                areas.push((c.area, Vec::new()));
                areas.len() - 1
            }
        };
        let cum = areas[pos].1.last().map_or(0, |x| x.1) + c.weight;
        areas[pos].1.push((idx as u16, cum));
    }
    let mut out = Vec::new();
    for (area, cities) in areas {
        let digits = nsn - area.len();
        let first = 2 * 10u64.pow(digits as u32 - 1);
        let slot_cap = 8 * 10u64.pow(digits as u32 - 1) / slots(country);
        let weight = cities.last().map_or(1, |c| c.1);
        let parts = u64::from(weight / 10).clamp(1, slot_cap / 50_000);
        let cap = slot_cap / parts;
        for part in 0..parts {
            out.push(GeoArea {
                area,
                digits,
                cities: cities.clone(),
                base: first + slot * slot_cap + part * cap,
                cap,
                scr: Scramble::new(cap, hash2(key, out.len() as u64)),
            });
        }
    }
    out
}

impl<'a> Ctx<'a> {
    pub(crate) fn new(cfg: &'a GenConfig) -> Result<Self, GenError> {
        if !valid_provider(&cfg.provider) {
            return Err(GenError::InvalidProvider);
        }
        if cfg.change_rate_ppm > 1_000_000 {
            return Err(GenError::InvalidChangeRate(cfg.change_rate_ppm));
        }
        let country = cfg.country;
        let known = KNOWN
            .iter()
            .find(|k| k.id == cfg.provider && k.country == country);
        let slot = u64::from(provider_slot(&cfg.provider, country));
        let tag = slot + if country == Country::Be { 16 } else { 0 };
        let key = hash2(hash2(cfg.seed, hash_str(&cfg.provider)), tag);
        let own_name = known.map_or(cfg.provider.as_str(), |k| k.name);
        let others = KNOWN
            .iter()
            .filter(|k| k.country == country && k.name != own_name)
            .map(|k| k.name)
            .collect();
        let own_domain = match (country, cfg.provider.as_str()) {
            (Country::Nl, "ziggo") | (Country::Be, "telenet") => Some(0),
            (Country::Nl, "kpn") | (Country::Be, "proximus") => Some(1),
            (Country::Be, "scarlet") => Some(3),
            (Country::Be, "voo") => Some(7),
            _ => None,
        };
        let mut born_until = vec![cfg.rows];
        for day in 1..=u64::from(cfg.day) {
            let frac = hash2(key ^ 0xb127, day) % 1_000_000;
            let n = (cfg.rows.saturating_mul(BIRTH_PPM) + frac) / 1_000_000;
            born_until.push(born_until[born_until.len() - 1] + n);
        }
        let geo = geo_areas(country, slot, key);
        let ctx = Ctx {
            cfg,
            country,
            key,
            slot,
            tag,
            mnc: known.map_or(40 + slot as u8, |k| k.mnc),
            own_name,
            others,
            own_domain,
            born_until,
            msisdn_scr: Scramble::new(MOBILE_CAP, key ^ 1),
            imsi_scr: Scramble::new(100_000_000, key ^ 2),
            v4_scr: Scramble::new(V4_CAP, key ^ 3),
            v6_scr: Scramble::new(1 << 24, key ^ 4),
            user_scr: Scramble::new(100_000_000, key ^ 5),
            // Shared by all providers (the tag is part of the input), so provider-independent.
            imei_scr: Scramble::new(1_000_000_000_000, 0x1ae1),
            mac_scr: Scramble::new(1 << 27, 0x3ac),
            geo,
            block_cache: Cell::new((u64::MAX, BLOCK)),
            end_threshold: (END_PPM << 32) / 1_000_000,
            change_threshold: (u64::from(cfg.change_rate_ppm) << 32) / 1_000_000,
        };
        ctx.check_capacity()?;
        Ok(ctx)
    }

    fn check_capacity(&self) -> Result<(), GenError> {
        let min_geo = self.geo.iter().map(|g| g.cap).min().unwrap_or(0);
        let geo_blocks = (min_geo.saturating_sub(1)) * self.geo.len() as u64 / 4;
        let cap_blocks = (MOBILE_CAP / 12).min(V4_CAP / 4).min(geo_blocks);
        let total = self.total_rows(self.cfg.day);
        if total.div_ceil(20) > cap_blocks {
            return Err(GenError::TooManyRows {
                rows: total,
                day: self.cfg.day,
                capacity: cap_blocks * 20,
            });
        }
        Ok(())
    }

    /// Subscription indices that exist on some day up to `day` (alive or not).
    pub(crate) fn total_rows(&self, day: u32) -> u64 {
        self.born_until[day as usize]
    }

    /// First index not yet born by the end of day `day`.
    pub(crate) fn born_until(&self, day: u32) -> u64 {
        self.born_until[day as usize]
    }

    /// Per-subscription seed of the daily decisions, for [`Ctx::fate_on`].
    #[inline]
    pub(crate) fn day_seed(&self, i: u64) -> u64 {
        hash2(self.key ^ 0xd4e5, i)
    }

    /// Whether the subscription with `day_seed` ends on day `k` (is absent from then on),
    /// and whether it changes content on day `k`.
    #[inline]
    pub(crate) fn fate_on(&self, day_seed: u64, k: u32) -> (bool, bool) {
        let h = mix64(day_seed ^ u64::from(k).wrapping_mul(0x9e37_79b9_7f4a_7c15));
        // Each half of the hash is a uniform 32-bit fraction, compared with a threshold.
        (
            (h >> 32) < self.end_threshold,
            (h & 0xffff_ffff) < self.change_threshold,
        )
    }

    /// Service of subscription `i` and its dense rank among subscriptions of that service.
    pub(crate) fn service_of(&self, i: u64) -> (Service, u64) {
        let block = i / 20;
        let pos = (i % 20) as usize;
        let (cached, mut b) = self.block_cache.get();
        if cached != block {
            b = BLOCK;
            let mut h = hash2(self.key ^ 0xb10c, block);
            for j in (1..20).rev() {
                h = mix64(h);
                b.swap(j, (h % (j as u64 + 1)) as usize);
            }
            self.block_cache.set((block, b));
        }
        let s = b[pos];
        let per_block = BLOCK.iter().filter(|&&x| x == s).count() as u64;
        let before = b[..pos].iter().filter(|&&x| x == s).count() as u64;
        (s, block * per_block + before)
    }

    /// Geographic number of a fixed (`voip` = false) or VoIP line of rank `rank`: the
    /// area and the subscriber number after the area code.
    pub(crate) fn geo_number(&self, rank: u64, voip: bool) -> (&GeoArea, u64) {
        let key = rank * 2 + u64::from(voip);
        let g = &self.geo[(key % self.geo.len() as u64) as usize];
        let idx = key / self.geo.len() as u64;
        debug_assert!(idx < g.cap);
        (g, g.base + g.scr.apply(idx))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_of_known_and_numbered_providers() {
        assert_eq!(provider_slot("kpn", Country::Nl), 0);
        assert_eq!(provider_slot("vodafone", Country::Nl), 1);
        assert_eq!(provider_slot("telenet", Country::Be), 3);
        assert_eq!(provider_slot("p1", Country::Nl), 1);
        assert_eq!(provider_slot("p2", Country::Nl), 2);
        assert_eq!(provider_slot("p9", Country::Be), 1);
    }

    #[test]
    fn services_follow_the_mix() {
        let cfg = GenConfig::new("kpn", Country::Nl, 2000, 7);
        let ctx = Ctx::new(&cfg).expect("ctx");
        let mut ranks = std::collections::HashMap::<_, Vec<u64>>::new();
        for i in 0..2000 {
            let (s, r) = ctx.service_of(i);
            ranks.entry(s).or_default().push(r);
        }
        for (s, mut r) in ranks {
            r.sort_unstable();
            let n = r.len() as u64;
            assert_eq!(r, (0..n).collect::<Vec<_>>(), "ranks of {s:?} are dense");
        }
    }

    #[test]
    fn too_many_rows_is_refused() {
        let cfg = GenConfig::new("kpn", Country::Nl, 20_000_000, 7);
        assert!(matches!(Ctx::new(&cfg), Err(GenError::TooManyRows { .. })));
        let cfg = GenConfig::new("proximus", Country::Be, 10_000_000, 7).on_day(30);
        assert!(Ctx::new(&cfg).is_ok());
    }
}

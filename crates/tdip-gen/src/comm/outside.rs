//! Parties outside the population: phone numbers of other operators (a number range of
//! another numbering slot, so never one of the population's) and e-mail addresses at
//! public mail domains.

use crate::Country;
use crate::ctx::{Ctx, MOBILE_CAP, slots};
use crate::names::{Lang, names, push_ascii_lower};
use crate::numbers::{mix64, push_padded, push_u64};
use crate::places::{BE_DOMAINS, NL_DOMAINS};

/// A slot other than the provider's own, from a hash.
fn other_slot(ctx: &Ctx, country: Country, h: u64) -> u64 {
    let n = slots(country);
    let own = if country == ctx.country { ctx.slot } else { n };
    let s = h % n;
    if s == own { (s + 1) % n } else { s }
}

/// A mobile number of `country` in another slot than the provider's.
fn mobile(ctx: &Ctx, country: Country, h: u64, buf: &mut Vec<u8>) {
    let n = other_slot(ctx, country, h) * MOBILE_CAP + (h >> 8) % MOBILE_CAP;
    match country {
        Country::Nl => {
            buf.extend_from_slice(b"+316");
            push_padded(buf, n, 8);
        }
        Country::Be => {
            buf.extend_from_slice(b"+324");
            push_padded(buf, 50_000_000 + n, 8);
        }
    }
}

/// A geographic number of a big city of `country` in another slot than the provider's
/// (the slots split the subscriber numbers 2000000–9999999 after the area code).
fn geographic(ctx: &Ctx, country: Country, h: u64, buf: &mut Vec<u8>) {
    let areas: &[&str] = match country {
        Country::Nl => &["20", "10", "30", "70", "40"],
        Country::Be => &["2", "3", "9"],
    };
    let area = areas[(h % areas.len() as u64) as usize];
    let digits = match country {
        Country::Nl => 9,
        Country::Be => 8,
    } - area.len();
    let cap = 8 * 10u64.pow(digits as u32 - 1) / slots(country);
    let n =
        2 * 10u64.pow(digits as u32 - 1) + other_slot(ctx, country, h >> 4) * cap + (h >> 12) % cap;
    buf.extend_from_slice(if country == Country::Nl {
        b"+31"
    } else {
        b"+32"
    });
    buf.extend_from_slice(area.as_bytes());
    push_padded(buf, n, digits);
}

/// An outside phone number from a hash: half mobile and a third fixed in the provider's
/// country, the rest mobile across the border.
pub(crate) fn number(ctx: &Ctx, h: u64) -> String {
    let mut buf = Vec::with_capacity(16);
    let h = mix64(h);
    let abroad = match ctx.country {
        Country::Nl => Country::Be,
        Country::Be => Country::Nl,
    };
    match h % 6 {
        0..=2 => mobile(ctx, ctx.country, h >> 3, &mut buf),
        3 | 4 => geographic(ctx, ctx.country, h >> 3, &mut buf),
        _ => mobile(ctx, abroad, h >> 3, &mut buf),
    }
    String::from_utf8(buf).unwrap_or_default()
}

/// An outside e-mail address from a hash: a surname and a number at a public domain.
pub(crate) fn mailbox(ctx: &Ctx, h: u64) -> String {
    let h = mix64(h ^ 0x3a11);
    let (lang, domains) = match ctx.country {
        Country::Nl => (Lang::Nl, NL_DOMAINS),
        Country::Be => (if h & 1 == 0 { Lang::BeNl } else { Lang::BeFr }, BE_DOMAINS),
    };
    let surnames = names().surnames(lang);
    let mut buf = Vec::with_capacity(40);
    push_ascii_lower(
        &mut buf,
        surnames[((h >> 8) % surnames.len() as u64) as usize],
    );
    push_u64(&mut buf, (h >> 24) % 1000);
    buf.push(b'@');
    buf.extend_from_slice(domains[((h >> 40) % domains.len() as u64) as usize].as_bytes());
    String::from_utf8(buf).unwrap_or_default()
}

//! Identifier building blocks: stable hashing, seeded RNGs, bijective scrambles, check
//! digits (Luhn, mod-97, Dutch eleven test, Belgian account check) and allocation-free
//! number and time formatting into a byte buffer.

use std::sync::OnceLock;

use rand::{RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;

const GOLDEN: u64 = 0x9e37_79b9_7f4a_7c15;

/// SplitMix64 finaliser: a fast, stable 64-bit mixer.
pub(crate) const fn mix64(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// Hash of two words; not symmetric.
pub(crate) const fn hash2(a: u64, b: u64) -> u64 {
    mix64(a.wrapping_add(GOLDEN).wrapping_add(mix64(b ^ GOLDEN)))
}

/// Stable hash of a string (FNV-1a, then mixed).
pub(crate) fn hash_str(s: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in s.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    mix64(h)
}

/// A ChaCha8 generator whose 256-bit seed is expanded from `key` with SplitMix64, so the
/// stream depends on nothing but `key` and the ChaCha8 algorithm.
pub(crate) fn rng_from(key: u64) -> ChaCha8Rng {
    let mut seed = [0u8; 32];
    for (j, chunk) in seed.chunks_exact_mut(8).enumerate() {
        let w = mix64(key.wrapping_add(GOLDEN.wrapping_mul(j as u64 + 1)));
        chunk.copy_from_slice(&w.to_le_bytes());
    }
    ChaCha8Rng::from_seed(seed)
}

/// Uniform-enough integer in `0..n` (multiply-shift; `n` > 0).
#[inline]
pub(crate) fn below(rng: &mut ChaCha8Rng, n: u32) -> u32 {
    ((u64::from(rng.next_u32()) * u64::from(n)) >> 32) as u32
}

/// True with probability `per_mille` / 1000.
#[inline]
pub(crate) fn pm(rng: &mut ChaCha8Rng, per_mille: u32) -> bool {
    below(rng, 1000) < per_mille
}

/// A uniformly chosen element of a non-empty slice.
#[inline]
pub(crate) fn pick<'a, T>(rng: &mut ChaCha8Rng, items: &'a [T]) -> &'a T {
    &items[below(rng, items.len() as u32) as usize]
}

/// A uniformly chosen string of a non-empty table.
#[inline]
pub(crate) fn pick_str(rng: &mut ChaCha8Rng, items: &[&'static str]) -> &'static str {
    items[below(rng, items.len() as u32) as usize]
}

/// Keyed bijection on `0..m`: a four-round (possibly unbalanced) Feistel network on the
/// smallest number of bits covering `m`, cycle-walked back into range. Spreads dense ranks
/// over a number range without ever mapping two ranks to the same number, and without
/// visible arithmetic progressions.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Scramble {
    m: u64,
    /// Width of the left half; the right half has `bits - left` bits.
    left: u32,
    right: u32,
    keys: [u64; 4],
}

impl Scramble {
    pub(crate) fn new(m: u64, salt: u64) -> Self {
        debug_assert!(m > 1);
        let bits = (64 - (m - 1).leading_zeros()).max(2);
        let left = bits / 2;
        let mut keys = [0u64; 4];
        for (r, k) in keys.iter_mut().enumerate() {
            *k = hash2(salt, r as u64);
        }
        Scramble {
            m,
            left,
            right: bits - left,
            keys,
        }
    }

    #[inline]
    pub(crate) fn apply(&self, x: u64) -> u64 {
        debug_assert!(x < self.m);
        let mut x = x;
        loop {
            let (mut wl, mut wr) = (self.left, self.right);
            let (mut l, mut r) = (x >> wr, x & ((1 << wr) - 1));
            for k in self.keys {
                let f = (r ^ k).wrapping_mul(0x9e37_79b9_7f4a_7c15);
                let f = (f ^ (f >> 29)).wrapping_mul(0xbf58_476d_1ce4_e5b9) >> 20;
                (l, r) = (r, l ^ (f & ((1 << wl) - 1)));
                (wl, wr) = (wr, wl);
            }
            x = (l << wr) | r;
            if x < self.m {
                return x;
            }
        }
    }
}

/// Luhn check digit for a payload of ASCII digits.
pub(crate) fn luhn_digit(payload: &[u8]) -> u8 {
    const DOUBLED: [u32; 10] = [0, 2, 4, 6, 8, 1, 3, 5, 7, 9];
    let mut sum = 0u32;
    let mut double = true;
    for &c in payload.iter().rev() {
        let d = u32::from(c.wrapping_sub(b'0')) % 10;
        sum += if double { DOUBLED[d as usize] } else { d };
        double = !double;
    }
    ((10 - sum % 10) % 10) as u8
}

/// IBAN check digits for a country code and BBAN (ASCII digits and upper-case letters).
pub(crate) fn iban_check(country: &[u8; 2], bban: &[u8]) -> u8 {
    let mut m = 0u32;
    for &c in bban.iter().chain(country.iter()).chain(b"00".iter()) {
        m = if c.is_ascii_digit() {
            (m * 10 + u32::from(c - b'0')) % 97
        } else {
            (m * 100 + u32::from(c - b'A') + 10) % 97
        };
    }
    (98 - m) as u8
}

/// A ten-digit Dutch account number passing the eleven test, from a random word.
pub(crate) fn nl_account(mut r: u64) -> u64 {
    loop {
        let mut digits = [0u64; 10];
        digits[0] = 1 + r % 9;
        r /= 9;
        for d in digits.iter_mut().take(9).skip(1) {
            *d = r % 10;
            r /= 10;
        }
        let s: u64 = digits
            .iter()
            .take(9)
            .enumerate()
            .map(|(k, d)| d * (10 - k as u64))
            .sum();
        let last = (11 - s % 11) % 11;
        if last < 10 {
            digits[9] = last;
            return digits.iter().fold(0, |acc, d| acc * 10 + d);
        }
        r = mix64(r ^ 0x5555);
    }
}

/// Belgian national check of a ten-digit bank+account number (97 when the rest is 0).
pub(crate) fn be_national_check(n10: u64) -> u64 {
    match n10 % 97 {
        0 => 97,
        c => c,
    }
}

/// Appends the decimal form of `n`.
#[inline]
pub(crate) fn push_u64(buf: &mut Vec<u8>, n: u64) {
    let mut tmp = [0u8; 20];
    let mut i = tmp.len();
    let mut n = n;
    loop {
        i -= 1;
        tmp[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    buf.extend_from_slice(&tmp[i..]);
}

/// Appends `n` zero-padded to `width` digits.
#[inline]
pub(crate) fn push_padded(buf: &mut Vec<u8>, n: u64, width: usize) {
    let mut tmp = [b'0'; 20];
    let mut n = n;
    for d in tmp[20 - width.min(20)..].iter_mut().rev() {
        *d = b'0' + (n % 10) as u8;
        n /= 10;
    }
    buf.extend_from_slice(&tmp[20 - width.min(20)..]);
}

/// Days since 1970-01-01 of a proleptic Gregorian date.
pub(crate) const fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// First day of the date table (2000-01-01) and its length (to 2039).
const TABLE_FIRST_DAY: i64 = days_from_civil(2000, 1, 1);
const TABLE_DAYS: usize = 40 * 366;

fn push_date(buf: &mut Vec<u8>, day: i64) {
    let (y, mo, d) = civil_from_days(day);
    push_padded(buf, y as u64, 4);
    buf.push(b'-');
    push_padded(buf, mo as u64, 2);
    buf.push(b'-');
    push_padded(buf, d as u64, 2);
}

/// `YYYY-MM-DD` of every day from 2000 to 2039, concatenated.
fn date_table() -> &'static [u8] {
    static TABLE: OnceLock<Vec<u8>> = OnceLock::new();
    TABLE.get_or_init(|| {
        let mut t = Vec::with_capacity(TABLE_DAYS * 10);
        for day in 0..TABLE_DAYS as i64 {
            push_date(&mut t, TABLE_FIRST_DAY + day);
        }
        t
    })
}

/// Appends a Unix time as RFC 3339 UTC to the second: `2026-11-01T23:00:00Z`.
pub(crate) fn push_time(buf: &mut Vec<u8>, t: i64) {
    let day = t.div_euclid(86_400);
    match usize::try_from(day - TABLE_FIRST_DAY) {
        Ok(k) if k < TABLE_DAYS => buf.extend_from_slice(&date_table()[k * 10..k * 10 + 10]),
        _ => push_date(buf, day),
    }
    let s = t.rem_euclid(86_400) as u32;
    let (h, m, sec) = (s / 3600, s / 60 % 60, s % 60);
    let two = |n: u32| [b'0' + (n / 10) as u8, b'0' + (n % 10) as u8];
    let [h1, h2] = two(h);
    let [m1, m2] = two(m);
    let [s1, s2] = two(sec);
    buf.extend_from_slice(&[b'T', h1, h2, b':', m1, m2, b':', s1, s2, b'Z']);
}

/// Appends a dotted-quad IPv4 address.
pub(crate) fn push_ipv4(buf: &mut Vec<u8>, a: u32) {
    for (k, o) in a.to_be_bytes().iter().enumerate() {
        if k > 0 {
            buf.push(b'.');
        }
        push_u64(buf, u64::from(*o));
    }
}

/// Appends `n` as `width` lower-case hex digits.
pub(crate) fn push_hex(buf: &mut Vec<u8>, n: u64, width: usize) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    for k in (0..width).rev() {
        buf.push(HEX[((n >> (4 * k)) & 0xf) as usize]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn luhn_known_imei() {
        assert_eq!(luhn_digit(b"49015420323751"), 8);
        assert_eq!(luhn_digit(b"35209900176148"), 1);
    }

    #[test]
    fn iban_known_values() {
        // NL91 ABNA 0417 1643 00 and BE68 5390 0754 7034 are the standard examples.
        assert_eq!(iban_check(b"NL", b"ABNA0417164300"), 91);
        assert_eq!(iban_check(b"BE", b"539007547034"), 68);
        assert_eq!(be_national_check(5_390_075_470), 34);
    }

    #[test]
    fn eleven_test_accounts() {
        for r in 0..1000u64 {
            let a = nl_account(mix64(r));
            let digits: Vec<u64> = format!("{a:010}")
                .bytes()
                .map(|b| u64::from(b - b'0'))
                .collect();
            let s: u64 = digits
                .iter()
                .enumerate()
                .map(|(k, d)| d * (10 - k as u64))
                .sum();
            assert_eq!(s % 11, 0);
        }
    }

    #[test]
    fn scramble_is_a_bijection() {
        for m in [2, 3, 5, 1000, 4096, 6_250, 100_003] {
            let s = Scramble::new(m, 42);
            let mut seen = vec![false; m as usize];
            for x in 0..m {
                let y = s.apply(x) as usize;
                assert!(!seen[y]);
                seen[y] = true;
            }
        }
    }

    #[test]
    fn time_formatting() {
        let t = days_from_civil(2026, 11, 1) * 86_400 + 23 * 3600;
        let mut b = Vec::new();
        push_time(&mut b, t);
        assert_eq!(b, b"2026-11-01T23:00:00Z");
        b.clear();
        push_time(&mut b, days_from_civil(2000, 2, 29) * 86_400 + 59);
        assert_eq!(b, b"2000-02-29T00:00:59Z");
        b.clear();
        push_time(&mut b, days_from_civil(2100, 3, 1) * 86_400 + 86_399);
        assert_eq!(b, b"2100-03-01T23:59:59Z");
        b.clear();
        push_time(&mut b, days_from_civil(2039, 12, 31) * 86_400 + 3_600);
        assert_eq!(b, b"2039-12-31T01:00:00Z");
    }
}

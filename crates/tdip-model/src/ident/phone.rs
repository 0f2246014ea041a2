//! Phone numbers (MSISDN) to E.164.
//!
//! Dutch and Belgian numbers are checked against their national numbering plan length;
//! numbers of other countries only against the E.164 limits.

use std::borrow::Cow;

use super::{Country, IdentError, digits_only};
use crate::Reason;

const SEPARATORS: &[char] = &[' ', '-', '.', '(', ')'];
const WHAT: &str = "a phone number has digits, an optional leading + and separators only";

/// Normalises a phone number to E.164 with a leading `+`.
///
/// Accepts `+CC…`, `00CC…` and national `0…` (read in `default_country`), with spaces,
/// `-`, `.`, `(` and `)` as separators. A Dutch number has 9 digits after the country
/// code, a Belgian one 8 (fixed) or 9 (mobile); other countries are accepted with 8 to 15
/// digits in total. The written convention `+31 (0)6 12345678`, a bracketed trunk prefix
/// right after the country code, reads as `+31612345678`; a `0` after the country code
/// without brackets is refused, as is a `(0)` anywhere else in an international number.
pub fn normalize_msisdn(raw: &str, default_country: Country) -> Result<String, IdentError> {
    msisdn(raw, Some(default_country))
}

/// Like [`normalize_msisdn`] without a default country: a national number (`0…`) is
/// refused, since nothing says which country it is dialled in.
pub fn normalize_international_msisdn(raw: &str) -> Result<String, IdentError> {
    msisdn(raw, None)
}

fn msisdn(raw: &str, default_country: Option<Country>) -> Result<String, IdentError> {
    let s = raw.trim();
    if s.is_empty() {
        return Err(IdentError::new("is empty"));
    }
    let (plus, rest) = match s.strip_prefix('+') {
        Some(rest) => (true, rest),
        None => (false, s),
    };
    if rest.contains('+') {
        return Err(IdentError::new("a + is only allowed at the start"));
    }
    if plus && rest.chars().all(|c| SEPARATORS.contains(&c)) {
        return Err(IdentError::new("has no digits after the +"));
    }
    let rest = without_bracketed_trunk(rest, plus)?;
    let digits = digits_only(&rest, SEPARATORS, WHAT)?;

    let international = if plus {
        Some(digits.as_str())
    } else {
        digits.strip_prefix("00")
    };
    match (international, default_country) {
        (Some(intl), _) => international_number(intl),
        (None, country) => match (digits.strip_prefix('0'), country) {
            (Some(nsn), Some(country)) => national_number(country, nsn, "after the leading 0"),
            (Some(_), None) => Err(IdentError::new(
                "is a national number, and no country is known to read it in; give it in \
                 international form (+32 470 12 34 56) or name the country",
            )),
            (None, _) => Err(IdentError::new(
                "has no country code or trunk prefix; start with +, 00 or 0",
            )),
        },
    }
}

/// `rest` (what follows a leading `+`) without the bracketed trunk prefix `(0)` when it
/// follows the country code of an international number. In a national number the
/// bracketed 0 is the trunk prefix itself and stays. A country code is 31 or 32, or one
/// to three digits of another country; a `(0)` after anything else is refused, since
/// dropping it there would change the number.
fn without_bracketed_trunk(rest: &str, plus: bool) -> Result<Cow<'_, str>, IdentError> {
    let Some((open, close)) = trunk_marker(rest) else {
        return Ok(Cow::Borrowed(rest));
    };
    let before: String = rest[..open].chars().filter(char::is_ascii_digit).collect();
    let code = if plus {
        Some(before.as_str())
    } else {
        before.strip_prefix("00")
    };
    let Some(code) = code else {
        return Ok(Cow::Borrowed(rest));
    };
    let known = [Country::Nl, Country::Be]
        .map(|c| c.calling_code().to_string())
        .into_iter()
        .find(|cc| code.starts_with(cc.as_str()));
    let is_code = match known {
        Some(cc) => code == cc,
        None => (1..=3).contains(&code.len()) && !code.starts_with('0'),
    };
    if !is_code {
        return Err(IdentError::new(
            "has a (0) that does not follow the country code; the bracketed trunk prefix is \
             only read right after it, as in +31 (0)6 12345678",
        ));
    }
    Ok(Cow::Owned(format!(
        "{} {}",
        &rest[..open],
        &rest[close + 1..]
    )))
}

/// The byte positions of the brackets of the first `(0)` in `s` (spaces allowed inside).
fn trunk_marker(s: &str) -> Option<(usize, usize)> {
    let mut from = 0;
    while let Some(i) = s[from..].find('(') {
        let open = from + i;
        let close = open + s[open..].find(')')?;
        if s[open + 1..close].trim_matches(' ') == "0" {
            return Some((open, close));
        }
        from = open + 1;
    }
    None
}

/// `digits` is everything after the `+` or `00`: country code and national number.
fn international_number(digits: &str) -> Result<String, IdentError> {
    if digits.is_empty() {
        return Err(IdentError::new(
            "has no digits after the international prefix",
        ));
    }
    if digits.starts_with('0') {
        return Err(IdentError::new("a country code cannot start with 0"));
    }
    for country in [Country::Nl, Country::Be] {
        let cc = country.calling_code().to_string();
        if let Some(nsn) = digits.strip_prefix(cc.as_str()) {
            if nsn.starts_with('0') {
                return Err(IdentError::new(Reason::counted(
                    "has a 0 after the country code {}; drop the trunk 0 in international form",
                    &[u64::from(country.calling_code())],
                )));
            }
            return national_number(country, nsn, "after the country code");
        }
    }
    let n = digits.len();
    if !(8..=15).contains(&n) {
        return Err(IdentError::new(Reason::counted(
            "an international number has 8 to 15 digits, this has {}",
            &[n as u64],
        )));
    }
    Ok(format!("+{digits}"))
}

/// Checks the national significant number `nsn` of `country`; `after` names what the
/// digits were counted after, for the error message.
fn national_number(country: Country, nsn: &str, after: &'static str) -> Result<String, IdentError> {
    let n = nsn.len();
    let wrong = |expected: &'static str| {
        Err(IdentError::new(
            Reason::new(expected)
                .then(after)
                .then(Reason::counted(", this has {}", &[n as u64])),
        ))
    };
    match country {
        Country::Nl if n != 9 => wrong("a Dutch number has 9 digits "),
        Country::Be if n != 8 && n != 9 => wrong("a Belgian number has 8 or 9 digits "),
        _ => Ok(format!("+{}{nsn}", country.calling_code())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn national_numbers_need_a_country() {
        assert_eq!(
            normalize_international_msisdn("+32 470 12 34 56").as_deref(),
            Ok("+32470123456")
        );
        assert_eq!(
            normalize_international_msisdn("0031 (0)6 12345678").as_deref(),
            Ok("+31612345678")
        );
        let e = normalize_international_msisdn("0470 12 34 56").unwrap_err();
        assert!(e.reason().starts_with("is a national number"), "{e}");
    }

    fn check(raw: &str, country: Country, expected: Result<&str, &str>) {
        let got = normalize_msisdn(raw, country);
        let got = got.as_deref().map_err(|e| e.reason());
        assert_eq!(got, expected, "input {raw:?} ({country})");
    }

    #[test]
    fn good_numbers() {
        use Country::*;
        let cases = [
            ("06-12345678", Nl, "+31612345678"),
            ("06 1234 5678", Nl, "+31612345678"),
            ("+31612345678", Nl, "+31612345678"),
            ("+31 6 12345678", Be, "+31612345678"),
            ("0031 6 12 34 56 78", Nl, "+31612345678"),
            ("(020) 123-4567", Nl, "+31201234567"),
            ("020-1234567", Nl, "+31201234567"),
            ("  0612345678  ", Nl, "+31612345678"),
            ("0470 12 34 56", Be, "+32470123456"),
            ("04 70.12.34.56", Be, "+32470123456"),
            ("02 123 45 67", Be, "+3221234567"),
            ("+32 2 123 45 67", Nl, "+3221234567"),
            ("0032 470 12 34 56", Nl, "+32470123456"),
            ("+49 30 1234567", Nl, "+49301234567"),
            ("+1 (202) 555-0143", Nl, "+12025550143"),
            ("+44 20 7946 0958", Be, "+442079460958"),
            ("+123456789012345", Nl, "+123456789012345"),
            // The written convention: a bracketed trunk prefix after the country code.
            ("+31 (0)6 12345678", Nl, "+31612345678"),
            ("+31 (0)6 12345678", Be, "+31612345678"),
            ("+31(0)612345678", Nl, "+31612345678"),
            ("+31 ( 0 ) 6-1234 5678", Nl, "+31612345678"),
            ("0031 (0)6 12345678", Be, "+31612345678"),
            ("+32 (0)470 12 34 56", Nl, "+32470123456"),
            ("+32 (0)2 123 45 67", Be, "+3221234567"),
            ("+44 (0)20 7946 0958", Nl, "+442079460958"),
            ("+49 (0)30 1234567", Nl, "+49301234567"),
            // In a national number the bracketed 0 is the trunk prefix itself.
            ("(0)6 12345678", Nl, "+31612345678"),
            ("(0470) 12 34 56", Be, "+32470123456"),
        ];
        for (raw, c, want) in cases {
            check(raw, c, Ok(want));
        }
    }

    #[test]
    fn bad_numbers() {
        use Country::*;
        let cases = [
            ("", Nl, "is empty"),
            ("   ", Nl, "is empty"),
            ("+", Nl, "has no digits after the +"),
            ("+ -", Nl, "has no digits after the +"),
            (
                "06-1234567a",
                Nl,
                "contains a letter; a phone number has digits, an optional leading + and separators only",
            ),
            (
                "06/12345678",
                Nl,
                "contains a character that is not a digit or separator; a phone number has digits, an optional leading + and separators only",
            ),
            ("06+12345678", Nl, "a + is only allowed at the start"),
            ("++31612345678", Nl, "a + is only allowed at the start"),
            (
                "612345678",
                Nl,
                "has no country code or trunk prefix; start with +, 00 or 0",
            ),
            (
                "06-1234567",
                Nl,
                "a Dutch number has 9 digits after the leading 0, this has 8",
            ),
            (
                "06-123456789",
                Nl,
                "a Dutch number has 9 digits after the leading 0, this has 10",
            ),
            (
                "+3161234567",
                Nl,
                "a Dutch number has 9 digits after the country code, this has 8",
            ),
            (
                "+310612345678",
                Nl,
                "has a 0 after the country code 31; drop the trunk 0 in international form",
            ),
            (
                "+32 47 01 23",
                Nl,
                "a Belgian number has 8 or 9 digits after the country code, this has 6",
            ),
            (
                "0470 12 34 56 7",
                Be,
                "a Belgian number has 8 or 9 digits after the leading 0, this has 10",
            ),
            ("+0612345678", Nl, "a country code cannot start with 0"),
            ("000612345678", Nl, "a country code cannot start with 0"),
            ("00", Nl, "has no digits after the international prefix"),
            (
                "+49 123",
                Nl,
                "an international number has 8 to 15 digits, this has 5",
            ),
            (
                "+1234567890123456",
                Nl,
                "an international number has 8 to 15 digits, this has 16",
            ),
            (
                "0",
                Nl,
                "a Dutch number has 9 digits after the leading 0, this has 0",
            ),
            // A 0 after the country code without brackets is still wrong.
            (
                "+31 06 12345678",
                Nl,
                "has a 0 after the country code 31; drop the trunk 0 in international form",
            ),
            (
                "+31 6 (0)12345678",
                Nl,
                "has a (0) that does not follow the country code; the bracketed trunk prefix is \
                 only read right after it, as in +31 (0)6 12345678",
            ),
            (
                "+(0)31 612345678",
                Nl,
                "has a (0) that does not follow the country code; the bracketed trunk prefix is \
                 only read right after it, as in +31 (0)6 12345678",
            ),
            (
                "+4930 (0)1234567",
                Nl,
                "has a (0) that does not follow the country code; the bracketed trunk prefix is \
                 only read right after it, as in +31 (0)6 12345678",
            ),
            (
                "+31 (0)06 12345678",
                Nl,
                "has a 0 after the country code 31; drop the trunk 0 in international form",
            ),
        ];
        for (raw, c, want) in cases {
            check(raw, c, Err(want));
        }
    }
}

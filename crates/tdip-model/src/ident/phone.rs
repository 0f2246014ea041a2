//! Phone numbers (MSISDN) to E.164.
//!
//! Dutch and Belgian numbers are checked against their national numbering plan length;
//! numbers of other countries only against the E.164 limits.

use super::{Country, IdentError, digits_only};
use crate::Reason;

const SEPARATORS: &[char] = &[' ', '-', '.', '(', ')'];
const WHAT: &str = "a phone number has digits, an optional leading + and separators only";

/// Normalises a phone number to E.164 with a leading `+`.
///
/// Accepts `+CC…`, `00CC…` and national `0…` (read in `default_country`), with spaces,
/// `-`, `.`, `(` and `)` as separators. A Dutch number has 9 digits after the country
/// code, a Belgian one 8 (fixed) or 9 (mobile); other countries are accepted with 8 to 15
/// digits in total.
pub fn normalize_msisdn(raw: &str, default_country: Country) -> Result<String, IdentError> {
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
    let digits = digits_only(rest, SEPARATORS, WHAT)?;

    let international = if plus {
        Some(digits.as_str())
    } else {
        digits.strip_prefix("00")
    };
    match international {
        Some(intl) => international_number(intl),
        None => match digits.strip_prefix('0') {
            Some(nsn) => national_number(default_country, nsn, "after the leading 0"),
            None => Err(IdentError::new(
                "has no country code or trunk prefix; start with +, 00 or 0",
            )),
        },
    }
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
        ];
        for (raw, c, want) in cases {
            check(raw, c, Err(want));
        }
    }
}

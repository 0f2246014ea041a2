//! IMEI: the identity of a mobile device, stored as its 14-digit TAC+SNR.

use super::{IdentError, digits_only};
use crate::Reason;

const SEPARATORS: &[char] = &['-', ' ', '/'];
const WHAT: &str = "an IMEI has 14 to 16 digits and the separators - / or space";

/// Normalises an IMEI to its 14 digits of TAC and serial number.
///
/// 15 digits: the last is the Luhn check digit and must be right; 14 digits: taken as is;
/// 16 digits: an IMEISV, whose last two digits (the software version) are dropped.
/// `-`, `/` and spaces are allowed as separators.
pub fn normalize_imei(raw: &str) -> Result<String, IdentError> {
    let mut digits = digits_only(raw, SEPARATORS, WHAT)?;
    match digits.len() {
        14 => {}
        15 => {
            // The digits themselves are never named: they are the IMEI's.
            if !luhn_valid(&digits) {
                return Err(IdentError::new(
                    "the check digit (the 15th) does not match the other 14 (Luhn); look for a \
                     mistyped digit, or give the 14 digits without the check digit",
                ));
            }
            digits.truncate(14);
        }
        16 => digits.truncate(14),
        n => {
            return Err(IdentError::new(Reason::counted(
                "has {} digits, an IMEI has 14, 15 (with check digit) or 16 (IMEISV)",
                &[n as u64],
            )));
        }
    }
    Ok(digits)
}

/// The Luhn check digit of a 14-digit IMEI body (TAC+SNR).
///
/// Characters that are not ASCII digits are skipped; the rightmost digit of the body is
/// doubled, as the check digit follows it.
pub fn imei_check_digit(body14: &str) -> u8 {
    luhn_check_digit(body14)
}

/// The digit that, appended to `body`, makes the Luhn sum a multiple of 10.
pub(crate) fn luhn_check_digit(body: &str) -> u8 {
    let sum: u32 = body
        .bytes()
        .filter(u8::is_ascii_digit)
        .rev()
        .enumerate()
        .map(|(i, b)| {
            let d = u32::from(b - b'0');
            if i % 2 == 0 {
                let d2 = d * 2;
                if d2 > 9 { d2 - 9 } else { d2 }
            } else {
                d
            }
        })
        .sum();
    ((10 - sum % 10) % 10) as u8
}

/// Whether a digit string (last digit = check digit) passes the Luhn check.
pub(crate) fn luhn_valid(digits: &str) -> bool {
    match digits.len().checked_sub(1) {
        Some(last) if last > 0 => {
            luhn_check_digit(&digits[..last]) == digits.as_bytes()[last].wrapping_sub(b'0')
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_digits() {
        assert_eq!(imei_check_digit("49015420323751"), 8);
        assert_eq!(imei_check_digit("35209900176148"), 1);
        assert_eq!(imei_check_digit("00000000000000"), 0);
        assert!(luhn_valid("4111111111111111"));
        assert!(!luhn_valid("4111111111111112"));
        assert!(!luhn_valid("4"));
    }

    #[test]
    fn good_imeis() {
        let cases = [
            ("490154203237518", "49015420323751"),
            ("49-015420-323751-8", "49015420323751"),
            ("49 015420 323751 8", "49015420323751"),
            ("49/015420/323751/8", "49015420323751"),
            ("49015420323751", "49015420323751"),
            ("4901542032375112", "49015420323751"),
            ("352099001761481", "35209900176148"),
        ];
        for (raw, want) in cases {
            assert_eq!(normalize_imei(raw).as_deref(), Ok(want), "{raw:?}");
        }
    }

    #[test]
    fn bad_imeis() {
        let cases = [
            ("", "is empty"),
            (
                "490154203237513",
                "the check digit (the 15th) does not match the other 14 (Luhn); look for a \
                 mistyped digit, or give the 14 digits without the check digit",
            ),
            (
                "4901542032375",
                "has 13 digits, an IMEI has 14, 15 (with check digit) or 16 (IMEISV)",
            ),
            (
                "49015420323751123",
                "has 17 digits, an IMEI has 14, 15 (with check digit) or 16 (IMEISV)",
            ),
            (
                "49.015420.323751.8",
                "contains a character that is not a digit or separator; an IMEI has 14 to 16 digits and the separators - / or space",
            ),
            (
                "IMEI490154203237518",
                "contains a letter; an IMEI has 14 to 16 digits and the separators - / or space",
            ),
            (" - ", "has no digits"),
        ];
        for (raw, want) in cases {
            let got = normalize_imei(raw).map_err(|e| e.reason().to_string());
            assert_eq!(got, Err(want.to_string()), "{raw:?}");
        }
    }
}

//! Payment means: an IBAN (mod-97 checked) or a card number masked to its last four digits.

use crate::Reason;
use crate::ident::luhn_valid;

const UNMASKED: &str = "is an unmasked card number; deliver only its last four digits, masked as \
                        **** **** **** 1234";
const NEITHER: &str = "is neither an IBAN nor a card number masked to its last four digits \
                       (e.g. **** **** **** 1234)";

/// IBAN lengths of the countries most often seen here; others are only held to 15..=34.
const IBAN_LENGTHS: [(&str, &str, usize); 6] = [
    ("NL", "a Dutch IBAN has {} characters, this has {}", 18),
    ("BE", "a Belgian IBAN has {} characters, this has {}", 16),
    ("DE", "a German IBAN has {} characters, this has {}", 22),
    ("LU", "a Luxembourg IBAN has {} characters, this has {}", 20),
    ("FR", "a French IBAN has {} characters, this has {}", 27),
    ("GB", "a British IBAN has {} characters, this has {}", 22),
];

/// Normalises payment means.
///
/// An IBAN (starts with two letters) loses its spaces, is upper-cased and must pass the
/// mod-97 check. A masked card number (`**** **** **** 1234`: mask characters `*`, `x`,
/// `X`, spaces or `-`, then exactly four digits) is kept as given, trimmed. A full card
/// number is refused: the provider must mask it. The error reason never holds the value.
pub fn normalize_payment_means(raw: &str) -> Result<String, Reason> {
    let s = raw.trim();
    let compact: String = s.chars().filter(|c| *c != ' ').collect();
    let b = compact.as_bytes();
    if is_masked_card(s) {
        return Ok(s.to_string());
    }
    if b.len() >= 2 && b[..2].iter().all(u8::is_ascii_alphabetic) {
        return iban(&compact.to_ascii_uppercase());
    }
    let digits: String = s.chars().filter(|c| !matches!(c, ' ' | '-')).collect();
    if (13..=19).contains(&digits.len())
        && digits.bytes().all(|b| b.is_ascii_digit())
        && luhn_valid(&digits)
    {
        return Err(UNMASKED.into());
    }
    Err(NEITHER.into())
}

fn is_masked_card(s: &str) -> bool {
    let Some(split) = s.len().checked_sub(4) else {
        return false;
    };
    let (mask, last4) = s.split_at_checked(split).unwrap_or(("", ""));
    last4.len() == 4
        && last4.bytes().all(|b| b.is_ascii_digit())
        && mask.chars().any(|c| matches!(c, '*' | 'x' | 'X'))
        && mask
            .chars()
            .all(|c| matches!(c, '*' | 'x' | 'X' | ' ' | '-'))
}

/// Checks an upper-case IBAN without spaces.
fn iban(iban: &str) -> Result<String, Reason> {
    let b = iban.as_bytes();
    if !b.iter().all(u8::is_ascii_alphanumeric) {
        return Err("an IBAN has letters and digits only".into());
    }
    if b.len() < 4 || !b[2..4].iter().all(u8::is_ascii_digit) {
        return Err("an IBAN starts with a two-letter country code and two check digits".into());
    }
    let n = b.len();
    if let Some((_, wrong, len)) = IBAN_LENGTHS.iter().find(|(cc, _, _)| iban.starts_with(cc)) {
        if n != *len {
            return Err(Reason::counted(wrong, &[*len as u64, n as u64]));
        }
    } else if !(15..=34).contains(&n) {
        return Err(Reason::counted(
            "an IBAN has 15 to 34 characters, this has {}",
            &[n as u64],
        ));
    }
    // Move the first four characters to the end, letters become 10..=35, then mod 97.
    let rearranged = b[4..].iter().chain(&b[..4]);
    let mut rem: u32 = 0;
    for &c in rearranged {
        let v = if c.is_ascii_digit() {
            u32::from(c - b'0')
        } else {
            u32::from(c - b'A') + 10
        };
        rem = if v >= 10 {
            (rem * 100 + v) % 97
        } else {
            (rem * 10 + v) % 97
        };
    }
    if rem != 1 {
        return Err("IBAN check digits do not match".into());
    }
    Ok(iban.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn good_means() {
        let cases = [
            ("NL91 ABNA 0417 1643 00", "NL91ABNA0417164300"),
            ("nl91abna0417164300", "NL91ABNA0417164300"),
            ("BE68 5390 0754 7034", "BE68539007547034"),
            ("DE89 3704 0044 0532 0130 00", "DE89370400440532013000"),
            ("GB82 WEST 1234 5698 7654 32", "GB82WEST12345698765432"),
            ("CH93 0076 2011 6238 5295 7", "CH9300762011623852957"),
            ("**** **** **** 1234", "**** **** **** 1234"),
            (" XXXX-XXXX-XXXX-1234 ", "XXXX-XXXX-XXXX-1234"),
            ("************1234", "************1234"),
        ];
        for (raw, want) in cases {
            assert_eq!(normalize_payment_means(raw).as_deref(), Ok(want), "{raw:?}");
        }
    }

    #[test]
    fn bad_means() {
        let neither = NEITHER.to_string();
        let unmasked = UNMASKED.to_string();
        let cases = [
            (
                "NL92 ABNA 0417 1643 00",
                "IBAN check digits do not match".to_string(),
            ),
            (
                "NL91 ABNA 0417 1643 0",
                "a Dutch IBAN has 18 characters, this has 17".into(),
            ),
            (
                "BE68 5390 0754 70",
                "a Belgian IBAN has 16 characters, this has 14".into(),
            ),
            (
                "CH93 0076",
                "an IBAN has 15 to 34 characters, this has 8".into(),
            ),
            (
                "NLAB ABNA 0417 1643 00",
                "an IBAN starts with a two-letter country code and two check digits".into(),
            ),
            (
                "NL91-ABNA-0417-1643-00",
                "an IBAN has letters and digits only".into(),
            ),
            ("4111 1111 1111 1111", unmasked.clone()),
            ("4111-1111-1111-1111", unmasked.clone()),
            ("5500005555555559", unmasked),
            ("4111 1111 1111 1112", neither.clone()),
            ("1234", neither.clone()),
            ("**** **** **** 123", neither.clone()),
            ("**** **** **** 12345", neither.clone()),
            (
                "cash",
                "an IBAN starts with a two-letter country code and two check digits".into(),
            ),
            ("42", neither),
        ];
        for (raw, want) in cases {
            assert_eq!(
                normalize_payment_means(raw).map_err(String::from),
                Err(want),
                "{raw:?}"
            );
        }
    }
}

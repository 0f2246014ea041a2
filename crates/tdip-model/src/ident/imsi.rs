//! IMSI: the 15-digit identity of a SIM (MCC + MNC + MSIN).

use super::{IdentError, digits_only};
use crate::Reason;

const WHAT: &str = "an IMSI has 15 digits only";

/// Normalises an IMSI: exactly 15 digits whose mobile country code (the first three) lies
/// in 200..=799. Surrounding whitespace is dropped; separators are not accepted.
pub fn normalize_imsi(raw: &str) -> Result<String, IdentError> {
    let digits = digits_only(raw, &[], WHAT)?;
    let n = digits.len();
    if n != 15 {
        return Err(IdentError::new(Reason::counted(
            "has {} digits, an IMSI has 15",
            &[n as u64],
        )));
    }
    let (mcc, _) = imsi_mcc_mnc(&digits);
    if !(200..=799).contains(&mcc) {
        return Err(IdentError::new(
            "the mobile country code (first three digits) must be from 200 to 799",
        ));
    }
    Ok(digits)
}

/// Splits a normalised IMSI into its mobile country code and mobile network code.
///
/// The MNC has 2 digits (as in the Netherlands, 204, and Belgium, 206) except for the
/// North-American MCCs 310–316, which use 3. A string too short for the split yields
/// MCC 0 and/or an MNC that is shorter or empty, never a panic.
pub fn imsi_mcc_mnc(imsi: &str) -> (u16, &str) {
    let mcc = imsi
        .get(..3)
        .filter(|s| s.bytes().all(|b| b.is_ascii_digit()))
        .and_then(|s| s.parse::<u16>().ok())
        .unwrap_or(0);
    let mnc_len = if (310..=316).contains(&mcc) { 3 } else { 2 };
    let rest = imsi.get(3..).unwrap_or("");
    let mnc = rest.get(..mnc_len.min(rest.len())).unwrap_or("");
    (mcc, mnc)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn good_imsis() {
        let cases = [
            ("204081234567890", "204081234567890"),
            (" 206011234567890 ", "206011234567890"),
            ("310410123456789", "310410123456789"),
            ("200000000000000", "200000000000000"),
            ("799999999999999", "799999999999999"),
        ];
        for (raw, want) in cases {
            assert_eq!(normalize_imsi(raw).as_deref(), Ok(want), "{raw:?}");
        }
    }

    #[test]
    fn bad_imsis() {
        let cases = [
            ("", "is empty"),
            ("20408123456789", "has 14 digits, an IMSI has 15"),
            ("2040812345678901", "has 16 digits, an IMSI has 15"),
            (
                "204 081234567890",
                "contains a character that is not a digit or separator; an IMSI has 15 digits only",
            ),
            (
                "20408123456789O",
                "contains a letter; an IMSI has 15 digits only",
            ),
            (
                "001011234567890",
                "the mobile country code (first three digits) must be from 200 to 799",
            ),
            (
                "199011234567890",
                "the mobile country code (first three digits) must be from 200 to 799",
            ),
            (
                "901701234567890",
                "the mobile country code (first three digits) must be from 200 to 799",
            ),
        ];
        for (raw, want) in cases {
            let got = normalize_imsi(raw).map_err(|e| e.reason().to_string());
            assert_eq!(got, Err(want.to_string()), "{raw:?}");
        }
    }

    #[test]
    fn mcc_mnc_split() {
        assert_eq!(imsi_mcc_mnc("204081234567890"), (204, "08"));
        assert_eq!(imsi_mcc_mnc("206011234567890"), (206, "01"));
        assert_eq!(imsi_mcc_mnc("310410123456789"), (310, "410"));
        assert_eq!(imsi_mcc_mnc("316010123456789"), (316, "010"));
        assert_eq!(imsi_mcc_mnc("262011234567890"), (262, "01"));
        assert_eq!(imsi_mcc_mnc("20"), (0, ""));
        assert_eq!(imsi_mcc_mnc("3104"), (310, "4"));
    }
}

//! Postal addresses: billing and installation address of a subscription.

use serde::{Deserialize, Serialize};

use super::fields::text;
use super::{Column, FieldError, RawRow};
use crate::Reason;
use crate::ident::Country;

/// A postal address, normalised. `Debug` redacts everything but the country.
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Address {
    /// Street name.
    pub street: Option<String>,
    /// House number, digits without leading zeros.
    pub house_number: Option<String>,
    /// House number addition (`A`, `bis`, `-2`).
    pub house_number_addition: Option<String>,
    /// Postcode; Dutch ones as `1234AB`, Belgian ones four digits.
    pub postcode: Option<String>,
    /// City.
    pub city: Option<String>,
    /// ISO 3166-1 alpha-2 country code, upper-case.
    pub country: String,
}

/// ISO 3166-1 alpha-2 codes officially assigned, plus `XK` (Kosovo) in common use.
const COUNTRY_CODES: &str = "AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ \
    BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ \
    CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ \
    EC EE EG EH ER ES ET FI FJ FK FM FO FR \
    GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU \
    ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ \
    LA LB LC LI LK LR LS LT LU LV LY \
    MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ \
    NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY \
    QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ \
    TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ \
    VA VC VE VG VI VN VU WF WS XK YE YT ZA ZM ZW";

/// Whether `code` is an upper-case ISO 3166-1 alpha-2 country code.
pub fn is_country_code(code: &str) -> bool {
    code.len() == 2
        && code.bytes().all(|b| b.is_ascii_uppercase())
        // The table is two letters and a space per code: compare at that stride rather
        // than splitting the string for every address of every row.
        && COUNTRY_CODES.as_bytes().chunks(3).any(|c| c[..2] == *code.as_bytes())
}

/// Normalises a country code: trimmed, upper-cased, must be ISO 3166-1 alpha-2.
fn country(raw: &str) -> Result<String, Reason> {
    let code = raw.trim().to_ascii_uppercase();
    if is_country_code(&code) {
        Ok(code)
    } else {
        Err("is not an ISO 3166-1 alpha-2 country code such as NL or BE".into())
    }
}

/// A postcode in the rules of `country` (NL and BE are checked; others are free text).
fn postcode(raw: &str, country: &str) -> Result<String, Reason> {
    let s = raw.trim();
    match country {
        "NL" => {
            let compact: String = s.chars().filter(|c| *c != ' ').collect();
            let b = compact.as_bytes();
            let single_space = s.matches(' ').count() <= 1;
            let shape = single_space
                && b.len() == 6
                && (b'1'..=b'9').contains(&b[0])
                && b[1..4].iter().all(u8::is_ascii_digit)
                && b[4..].iter().all(u8::is_ascii_alphabetic)
                && (s.len() == 6 || s.as_bytes().get(4) == Some(&b' '));
            if !shape {
                return Err("a Dutch postcode is four digits and two letters, e.g. 1234 AB".into());
            }
            let upper = compact.to_ascii_uppercase();
            if matches!(&upper[4..], "SA" | "SD" | "SS") {
                return Err("a Dutch postcode never ends in SA, SD or SS".into());
            }
            Ok(upper)
        }
        "BE" => match s.parse::<u16>() {
            Ok(n) if s.len() == 4 && (1000..=9999).contains(&n) => Ok(s.to_string()),
            _ => Err("a Belgian postcode is four digits from 1000 to 9999".into()),
        },
        _ => text(s, 16),
    }
}

/// Reads the address in `cols` (street, house number, addition, postcode, city,
/// country); `None` when none of them is present. Problems are added to `errors`.
pub(crate) fn parse_address(
    raw: &RawRow<'_>,
    cols: [Column; 6],
    default_country: Country,
    row_errors: &mut Vec<FieldError>,
) -> Option<Address> {
    if cols.iter().all(|c| raw.get(*c).is_none()) {
        return None;
    }
    // The country is read first (it decides the postcode rules) but errors are reported
    // in column order.
    let mut errors = Vec::new();
    let [
        street_c,
        number_c,
        addition_c,
        postcode_c,
        city_c,
        country_c,
    ] = cols;
    let mut field = |col: Column, check: &dyn Fn(&str) -> Result<String, Reason>| {
        raw.get(col).and_then(|v| match check(v) {
            Ok(v) => Some(v),
            Err(reason) => {
                errors.push(FieldError::new(col.name(), reason));
                None
            }
        })
    };
    let country = match raw.get(country_c) {
        None => Some(default_country.as_str().to_string()),
        Some(_) => field(country_c, &country),
    };
    let street = field(street_c, &|v| text(v, 200));
    let house_number = field(number_c, &super::fields::house_number);
    let house_number_addition = field(addition_c, &|v| text(v, 16));
    // Without a valid country the postcode cannot be checked; the country error suffices.
    let postcode = match &country {
        Some(c) => field(postcode_c, &|v| postcode(v, c)),
        None => None,
    };
    let city = field(city_c, &|v| text(v, 200));
    errors.sort_by_key(|e: &FieldError| Column::from_name(e.field).map(Column::index));
    row_errors.append(&mut errors);
    Some(Address {
        street,
        house_number,
        house_number_addition,
        postcode,
        city,
        country: country.unwrap_or_default(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn postcodes() {
        let good = [
            ("1234 AB", "NL", "1234AB"),
            ("1234ab", "NL", "1234AB"),
            (" 9999 zz ", "NL", "9999ZZ"),
            ("1000", "BE", "1000"),
            ("9999", "BE", "9999"),
            ("10115", "DE", "10115"),
            ("SW1A 1AA", "GB", "SW1A 1AA"),
        ];
        for (raw, c, want) in good {
            assert_eq!(postcode(raw, c).as_deref(), Ok(want), "{raw:?}");
        }
        let nl = "a Dutch postcode is four digits and two letters, e.g. 1234 AB";
        let be = "a Belgian postcode is four digits from 1000 to 9999";
        let bad = [
            ("0123 AB", "NL", nl),
            ("123 AB", "NL", nl),
            ("1234 A", "NL", nl),
            ("1234  AB", "NL", nl),
            ("12 34AB", "NL", nl),
            ("1234 A1", "NL", nl),
            ("1234 ÄB", "NL", nl),
            (
                "1234 sa",
                "NL",
                "a Dutch postcode never ends in SA, SD or SS",
            ),
            (
                "1234SD",
                "NL",
                "a Dutch postcode never ends in SA, SD or SS",
            ),
            (
                "1234 SS",
                "NL",
                "a Dutch postcode never ends in SA, SD or SS",
            ),
            ("0999", "BE", be),
            ("999", "BE", be),
            ("10000", "BE", be),
            ("B-1000", "BE", be),
            ("+100", "BE", be),
        ];
        for (raw, c, want) in bad {
            assert_eq!(postcode(raw, c), Err(Reason::new(want)), "{raw:?}");
        }
    }

    #[test]
    fn countries() {
        assert_eq!(country(" nl "), Ok("NL".into()));
        assert_eq!(country("Be"), Ok("BE".into()));
        assert_eq!(country("de"), Ok("DE".into()));
        assert_eq!(COUNTRY_CODES.split(' ').count(), 250);
        assert!(
            COUNTRY_CODES.split(' ').all(|c| c.len() == 2),
            "the table must keep a stride of 3"
        );
        for bad in ["NLD", "N", "XX", "UK", "1A"] {
            assert!(country(bad).is_err(), "{bad}");
        }
    }
}

//! Identifiers of subscribers and their normalisation.
//!
//! Every identifier a provider delivers (phone number, IMSI, IMEI, IP address, e-mail
//! address, user id, MAC address) is brought into one canonical form before it is stored
//! or looked up, so that `06-12345678` and `+31 6 1234 5678` are the same number.
//!
//! Errors ([`IdentError`]) only describe what is wrong; they never contain the value.

mod email;
mod imei;
mod imsi;
mod ip;
mod mac;
mod phone;
#[cfg(test)]
mod proptests;

use std::fmt;
use std::str::FromStr;

use crate::Reason;

pub use email::normalize_email;
pub(crate) use imei::luhn_valid;
pub use imei::{imei_check_digit, normalize_imei};
pub use imsi::{imsi_mcc_mnc, normalize_imsi};
pub use ip::{display_ip, parse_ip, parse_ip_addr};
pub use mac::{normalize_mac, normalize_user_id};
pub use phone::{normalize_international_msisdn, normalize_msisdn};

/// The kinds of identifier a subscription can carry; each is a column of the delivery.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum IdentKind {
    /// A phone number (E.164).
    Msisdn,
    /// An International Mobile Subscriber Identity (15 digits).
    Imsi,
    /// An International Mobile Equipment Identity, stored as 14-digit TAC+SNR.
    Imei,
    /// An IPv4 or IPv6 address or prefix.
    Ip,
    /// An e-mail address.
    Email,
    /// A provider-local end-user or login id.
    UserId,
    /// The MAC address of a network termination point.
    Mac,
}

impl IdentKind {
    /// Every kind, in column order.
    pub const ALL: [IdentKind; 7] = [
        IdentKind::Msisdn,
        IdentKind::Imsi,
        IdentKind::Imei,
        IdentKind::Ip,
        IdentKind::Email,
        IdentKind::UserId,
        IdentKind::Mac,
    ];

    /// The column name of this kind (`msisdn`, `imsi`, `imei`, `ip`, `email`, `user_id`, `mac`).
    pub fn as_str(self) -> &'static str {
        match self {
            IdentKind::Msisdn => "msisdn",
            IdentKind::Imsi => "imsi",
            IdentKind::Imei => "imei",
            IdentKind::Ip => "ip",
            IdentKind::Email => "email",
            IdentKind::UserId => "user_id",
            IdentKind::Mac => "mac",
        }
    }
}

impl fmt::Display for IdentKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The error of parsing an [`IdentKind`] from an unknown name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown identifier kind; expected one of msisdn, imsi, imei, ip, email, user_id, mac")]
pub struct ParseIdentKindError;

impl FromStr for IdentKind {
    type Err = ParseIdentKindError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        IdentKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or(ParseIdentKindError)
    }
}

/// The countries whose providers deliver to tdip; gives the default for national numbers,
/// postcodes and addresses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Country {
    /// The Netherlands.
    Nl,
    /// Belgium.
    Be,
}

impl Country {
    /// The international calling code (31 or 32).
    pub fn calling_code(self) -> u16 {
        match self {
            Country::Nl => 31,
            Country::Be => 32,
        }
    }

    /// The ISO 3166-1 alpha-2 code (`NL` or `BE`).
    pub fn as_str(self) -> &'static str {
        match self {
            Country::Nl => "NL",
            Country::Be => "BE",
        }
    }
}

impl fmt::Display for Country {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The error of parsing a [`Country`] from an unknown code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown country; expected NL or BE")]
pub struct ParseCountryError;

impl FromStr for Country {
    type Err = ParseCountryError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s.eq_ignore_ascii_case("nl") {
            Ok(Country::Nl)
        } else if s.eq_ignore_ascii_case("be") {
            Ok(Country::Be)
        } else {
            Err(ParseCountryError)
        }
    }
}

/// Why an identifier was refused. Holds a [`Reason`] only, which cannot hold the value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{reason}")]
pub struct IdentError {
    reason: Reason,
}

impl IdentError {
    /// Creates an error with the given reason.
    pub fn new(reason: impl Into<Reason>) -> Self {
        IdentError {
            reason: reason.into(),
        }
    }

    /// The reason, e.g. `has 13 digits, an IMEI has 14, 15 (with check digit) or 16 (IMEISV)`.
    pub fn reason(&self) -> &str {
        &self.reason
    }
}

impl From<IdentError> for Reason {
    fn from(e: IdentError) -> Reason {
        e.reason
    }
}

/// Normalises `raw` as an identifier of `kind`; IP addresses and prefixes come back in
/// [`display_ip`] form. `default_country` is the country of national phone numbers; with
/// none, a national number is refused.
pub fn normalize(
    kind: IdentKind,
    raw: &str,
    default_country: impl Into<Option<Country>>,
) -> Result<String, IdentError> {
    match kind {
        IdentKind::Msisdn => match default_country.into() {
            Some(country) => normalize_msisdn(raw, country),
            None => normalize_international_msisdn(raw),
        },
        IdentKind::Imsi => normalize_imsi(raw),
        IdentKind::Imei => normalize_imei(raw),
        IdentKind::Ip => parse_ip(raw).map(|net| display_ip(&net)),
        IdentKind::Email => normalize_email(raw),
        IdentKind::UserId => normalize_user_id(raw),
        IdentKind::Mac => normalize_mac(raw),
    }
}

/// The ASCII digits of `s` after dropping the allowed `separators`, or the reason why `s`
/// is not such a digit string. Shared by the numeric identifiers.
fn digits_only(s: &str, separators: &[char], what: &'static str) -> Result<String, IdentError> {
    let s = s.trim();
    if s.is_empty() {
        return Err(IdentError::new("is empty"));
    }
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c.is_ascii_digit() {
            out.push(c);
        } else if separators.contains(&c) {
            continue;
        } else if c.is_alphabetic() {
            return Err(IdentError::new(
                Reason::new("contains a letter; ").then(what),
            ));
        } else {
            return Err(IdentError::new(
                Reason::new("contains a character that is not a digit or separator; ").then(what),
            ));
        }
    }
    if out.is_empty() {
        return Err(IdentError::new("has no digits"));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kind_names_round_trip() {
        let names: Vec<_> = IdentKind::ALL.iter().map(|k| k.as_str()).collect();
        assert_eq!(
            names,
            ["msisdn", "imsi", "imei", "ip", "email", "user_id", "mac"]
        );
        for k in IdentKind::ALL {
            assert_eq!(k.as_str().parse::<IdentKind>(), Ok(k));
        }
        let err = "phone".parse::<IdentKind>().unwrap_err().to_string();
        assert_eq!(
            err,
            "unknown identifier kind; expected one of msisdn, imsi, imei, ip, email, user_id, mac"
        );
    }

    #[test]
    fn country_parses_case_insensitively() {
        assert_eq!("nl".parse(), Ok(Country::Nl));
        assert_eq!("BE".parse(), Ok(Country::Be));
        assert_eq!("Be".parse(), Ok(Country::Be));
        assert_eq!("de".parse::<Country>(), Err(ParseCountryError));
        assert_eq!(Country::Nl.calling_code(), 31);
        assert_eq!(Country::Be.calling_code(), 32);
        assert_eq!(Country::Be.as_str(), "BE");
    }

    #[test]
    fn normalize_dispatches() {
        let c = Country::Nl;
        assert_eq!(
            normalize(IdentKind::Msisdn, "06-12345678", c).unwrap(),
            "+31612345678"
        );
        assert_eq!(
            normalize(IdentKind::Ip, "192.0.2.7", c).unwrap(),
            "192.0.2.7"
        );
        assert_eq!(
            normalize(IdentKind::Mac, "AABB.CCDD.EEFF", c).unwrap(),
            "aa:bb:cc:dd:ee:ff"
        );
        assert_eq!(
            normalize(IdentKind::Imei, "490154203237518", c).unwrap(),
            "49015420323751"
        );
    }
}

//! The subscriber row: the columns of the delivery format and their validation.
//!
//! A decoder fills a [`RawRow`] with the cells of one row; [`parse_row`] checks every
//! field against the rules of `docs/delivery-format.md` and returns either a normalised
//! [`Subscription`] or every [`FieldError`] of the row. Error reasons never contain the
//! rejected value.

mod address;
mod column;
mod fields;
mod paid;
mod parse;
mod payment;
#[cfg(test)]
mod proptests;
mod raw;
mod redact;
#[cfg(test)]
mod tests;
mod write;

use std::fmt;
use std::str::FromStr;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::Reason;
use crate::ident::{Country, IdentKind};
use crate::time::LegalZone;

pub use address::{Address, is_country_code};
pub use column::Column;
pub use paid::{MAX_PAYMENTS, parse_payments};
pub use parse::{check_header, parse_row};
pub use payment::normalize_payment_means;
pub use raw::RawRow;

/// The main service of a subscription.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Service {
    /// Fixed telephony.
    Fixed,
    /// Mobile telephony.
    Mobile,
    /// Internet access.
    Internet,
    /// E-mail.
    Email,
    /// Voice over IP.
    Voip,
}

impl Service {
    /// Every service.
    pub const ALL: [Service; 5] = [
        Service::Fixed,
        Service::Mobile,
        Service::Internet,
        Service::Email,
        Service::Voip,
    ];

    /// The name used in deliveries, e.g. `mobile`.
    pub fn as_str(self) -> &'static str {
        match self {
            Service::Fixed => "fixed",
            Service::Mobile => "mobile",
            Service::Internet => "internet",
            Service::Email => "email",
            Service::Voip => "voip",
        }
    }
}

/// The error of parsing a [`Service`] from an unknown name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("is not a service; expected fixed, mobile, internet, email or voip")]
pub struct ParseServiceError;

impl From<ParseServiceError> for Reason {
    fn from(_: ParseServiceError) -> Reason {
        Reason::new("is not a service; expected fixed, mobile, internet, email or voip")
    }
}

impl FromStr for Service {
    type Err = ParseServiceError;

    /// Case-insensitive; surrounding whitespace is ignored.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        Service::ALL
            .into_iter()
            .find(|v| v.as_str().eq_ignore_ascii_case(s))
            .ok_or(ParseServiceError)
    }
}

/// How a subscription is paid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PaymentMethod {
    /// Bank transfer.
    Transfer,
    /// Direct debit.
    DirectDebit,
    /// Payment card.
    Card,
    /// Cash.
    Cash,
    /// Prepaid top-up.
    TopUp,
}

impl PaymentMethod {
    /// Every payment method.
    pub const ALL: [PaymentMethod; 5] = [
        PaymentMethod::Transfer,
        PaymentMethod::DirectDebit,
        PaymentMethod::Card,
        PaymentMethod::Cash,
        PaymentMethod::TopUp,
    ];

    /// The name used in deliveries, e.g. `direct_debit`.
    pub fn as_str(self) -> &'static str {
        match self {
            PaymentMethod::Transfer => "transfer",
            PaymentMethod::DirectDebit => "direct_debit",
            PaymentMethod::Card => "card",
            PaymentMethod::Cash => "cash",
            PaymentMethod::TopUp => "top_up",
        }
    }
}

/// The error of parsing a [`PaymentMethod`] from an unknown name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("is not a payment method; expected transfer, direct_debit, card, cash or top_up")]
pub struct ParsePaymentMethodError;

impl From<ParsePaymentMethodError> for Reason {
    fn from(_: ParsePaymentMethodError) -> Reason {
        Reason::new(
            "is not a payment method; expected transfer, direct_debit, card, cash or top_up",
        )
    }
}

impl FromStr for PaymentMethod {
    type Err = ParsePaymentMethodError;

    /// Case-insensitive; surrounding whitespace is ignored.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        PaymentMethod::ALL
            .into_iter()
            .find(|v| v.as_str().eq_ignore_ascii_case(s))
            .ok_or(ParsePaymentMethodError)
    }
}

/// The supplementary services a row may list, by their delivery names.
pub const SUPPLEMENTARY: [&str; 10] = [
    "call_forwarding",
    "voicemail",
    "sms",
    "fax",
    "group_call",
    "extra_bandwidth",
    "conference",
    "roaming",
    "data",
    "static_ip",
];

/// One subscription (or account) of a provider's snapshot, every field normalised.
///
/// `Debug` shows the shape of the record (service, counts, which fields are present),
/// never identifiers or personal data.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Subscription {
    /// The provider's own stable id of the subscription.
    pub subscription_id: String,
    /// The main service.
    pub service: Service,
    /// Supplementary services, names from [`SUPPLEMENTARY`].
    pub supplementary: Vec<String>,
    /// Phone numbers, E.164.
    pub msisdn: Vec<String>,
    /// IMSIs, 15 digits.
    pub imsi: Vec<String>,
    /// IMEIs, 14 digits (TAC+SNR).
    pub imei: Vec<String>,
    /// IP addresses and prefixes, in [`crate::ident::display_ip`] form.
    pub ip: Vec<String>,
    /// E-mail addresses, domain lower-cased and punycode.
    pub email: Vec<String>,
    /// Provider-local user ids.
    pub user_id: Vec<String>,
    /// MAC addresses, lower-case colon-separated.
    pub mac: Vec<String>,
    /// Surname of the subscriber.
    pub surname: Option<String>,
    /// Organisation of a business subscriber.
    pub organisation: Option<String>,
    /// First name(s).
    pub given_names: Option<String>,
    /// Billing address.
    pub billing: Option<Address>,
    /// Installation or delivery address.
    pub install: Option<Address>,
    /// Start of the subscription.
    #[serde(with = "jiff::fmt::serde::timestamp::second::required")]
    pub subscription_start: Timestamp,
    /// End of the subscription, not before the start.
    #[serde(with = "jiff::fmt::serde::timestamp::second::optional")]
    pub subscription_end: Option<Timestamp>,
    /// Shop or point of sale of registration.
    pub registration_place: Option<String>,
    /// First activation of a mobile subscription.
    #[serde(with = "jiff::fmt::serde::timestamp::second::optional")]
    pub activation_at: Option<Timestamp>,
    /// Cell id of the first activation.
    pub activation_cell: Option<String>,
    /// IP address used for online registration.
    pub registration_ip: Option<String>,
    /// Source port used for online registration.
    pub registration_port: Option<u16>,
    /// Network termination point used for online registration.
    pub registration_ntp: Option<String>,
    /// Donor operator of a ported number.
    pub ported_from: Option<String>,
    /// Recipient operator of a ported number.
    pub ported_to: Option<String>,
    /// Moment of porting.
    #[serde(with = "jiff::fmt::serde::timestamp::second::optional")]
    pub ported_at: Option<Timestamp>,
    /// How the subscription is paid.
    pub payment_method: Option<PaymentMethod>,
    /// IBAN or masked card number.
    pub payment_means: Option<String>,
}

impl Subscription {
    /// Every identifier value of the subscription with its kind, in column order.
    pub fn identifiers(&self) -> impl Iterator<Item = (IdentKind, &str)> {
        IdentKind::ALL.into_iter().flat_map(move |kind| {
            self.identifier_list(kind)
                .iter()
                .map(move |v| (kind, v.as_str()))
        })
    }

    /// The identifier values of one kind.
    pub fn identifier_list(&self, kind: IdentKind) -> &[String] {
        match kind {
            IdentKind::Msisdn => &self.msisdn,
            IdentKind::Imsi => &self.imsi,
            IdentKind::Imei => &self.imei,
            IdentKind::Ip => &self.ip,
            IdentKind::Email => &self.email,
            IdentKind::UserId => &self.user_id,
            IdentKind::Mac => &self.mac,
        }
    }
}

/// What a row is read with: the provider's country (for national phone numbers and
/// addresses without a country) and the legal time zone of local times.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ParseContext {
    /// Country of national numbers and of addresses without a country.
    pub default_country: Country,
    /// Zone of local times.
    pub zone: LegalZone,
}

impl Default for ParseContext {
    /// The Netherlands, Europe/Amsterdam.
    fn default() -> Self {
        ParseContext {
            default_country: Country::Nl,
            zone: LegalZone::Amsterdam,
        }
    }
}

/// A problem with one field of a row (or of the header).
///
/// `field` is a column name, or `identifier` when a row has no identifier at all, or
/// `header` for an unknown header column. `reason` is a [`Reason`]: it cannot hold the
/// value, only text written in the source and counts.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {reason}")]
pub struct FieldError {
    /// The column name the error is about.
    pub field: &'static str,
    /// What is wrong and what is expected.
    pub reason: Reason,
}

impl FieldError {
    /// An error about `field`.
    pub fn new(field: &'static str, reason: impl Into<Reason>) -> Self {
        FieldError {
            field,
            reason: reason.into(),
        }
    }
}

impl fmt::Display for Service {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Display for PaymentMethod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

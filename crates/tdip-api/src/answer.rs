//! The answer of `POST /v1/lookups` (and of `tdip lookup --json`): who held the
//! identifier, on what basis, with the consultation's reference. Times are UTC seconds.
//!
//! No type here shows an identifier or personal datum through `Debug`.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// An answered consultation: the hits, the consultation's reference, what was granted and
/// when the answer was due.
#[derive(Clone, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
pub struct Answered {
    /// The consultation's reference, for the officer's file.
    pub consultation: String,
    /// The agency, as the catalogue names it.
    pub agency: String,
    /// The legal basis granted.
    pub legal_basis: String,
    /// When the answer was due (UTC seconds).
    pub due: i64,
    /// The rule that set it: `real-time`, `retrospective`, `set-by-demand`.
    pub due_rule: String,
    /// The identifier searched, normalised: `{"kind": "msisdn", "value": "+32470123456"}`
    /// (a national number read in the asking agency's country, unless `country` is given).
    pub searched: Searched,
    /// The identifier type asked about.
    pub kind: String,
    /// The moment or period asked about (UTC seconds).
    pub when: When,
    /// Every subscription that held the identifier; none is an answer too.
    pub hits: Vec<Hit>,
}

impl std::fmt::Debug for Answered {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Answered")
            .field("consultation", &self.consultation)
            .field("kind", &self.kind)
            .field("hits", &self.hits.len())
            .finish_non_exhaustive()
    }
}

/// The identifier a lookup searched, normalised: what the officer's input was read as.
#[derive(Clone, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
pub struct Searched {
    /// Its kind (`msisdn`, …).
    pub kind: String,
    /// The identifier as indexed: E.164, an IP prefix in canonical form, ….
    pub value: String,
}

/// The moment or period asked about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum When {
    /// At one moment.
    At {
        /// The moment (UTC seconds).
        at: i64,
    },
    /// At any moment of a closed period (both ends included).
    Between {
        /// Start (UTC seconds).
        from: i64,
        /// End (UTC seconds).
        to: i64,
    },
}

/// One subscriber version that held the identifier.
#[derive(Clone, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
pub struct Hit {
    /// Provider id.
    pub provider: String,
    /// Provider name.
    pub provider_name: String,
    /// Version id (stable reference for this answer).
    pub version: i64,
    /// Snapshot moment of the delivery that first showed this version.
    pub valid_from: i64,
    /// Snapshot moment of the delivery that no longer showed it, if any.
    pub valid_to: Option<i64>,
    /// What the answer rests on.
    pub basis: Evidence,
    /// The subscriber data.
    pub subscription: Subscription,
    /// The subscription's payments made while this version may have been in force (after
    /// the delivery before it, before its end), oldest first: the payment history the
    /// point holds, of the last months only (delivery format version 2). Empty when the
    /// provider delivers none.
    #[serde(default)]
    pub payments: Vec<Payment>,
}

/// One payment of a subscription.
#[derive(Clone, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
pub struct Payment {
    /// When it was made (UTC seconds).
    pub at: i64,
    /// How it was paid.
    pub method: Option<PaymentMethod>,
    /// IBAN or masked card number.
    pub means: Option<String>,
}

impl std::fmt::Debug for Payment {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Payment").finish_non_exhaustive()
    }
}

impl std::fmt::Debug for Hit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Hit")
            .field("provider", &self.provider)
            .field("version", &self.version)
            .field("basis", &self.basis)
            .finish_non_exhaustive()
    }
}

/// What a hit rests on, judged at the moment asked (the start of the overlap for a
/// period). An inference is never presented as an observation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Evidence {
    /// The moment lies between two deliveries that both showed this version.
    Observed {
        /// First delivery (snapshot moment) that showed it.
        first_delivery: i64,
        /// Last delivery that showed it.
        last_delivery: i64,
    },
    /// The moment is after the provider's latest delivery, which still showed it.
    AfterLatestDelivery {
        /// First delivery that showed it.
        first_delivery: i64,
        /// The provider's latest delivery.
        latest_delivery: i64,
    },
    /// Shown by one delivery and gone from the next; the moment lies between them, so the
    /// change may have come before or after it.
    ChangedBetween {
        /// Last delivery that showed it.
        last_delivery_with: i64,
        /// First delivery without it.
        first_delivery_without: i64,
    },
    /// First shown in a delivery after the moment, but not in the one before it: it may
    /// already have held the identifier at the moment.
    AppearedBetween {
        /// Last delivery without it.
        last_delivery_without: i64,
        /// First delivery with it.
        first_delivery_with: i64,
    },
    /// Before the provider's first delivery: only the subscription start date says so.
    InferredFromStartDate {
        /// The declared subscription start.
        subscription_start: i64,
        /// The provider's first delivery.
        first_delivery: i64,
    },
}

impl Evidence {
    /// Its `kind` as the wire spells it (`observed`, `changed_between`, …); HI-1
    /// deliveries name a record's basis the same way.
    pub fn kind(self) -> &'static str {
        match self {
            Evidence::Observed { .. } => "observed",
            Evidence::AfterLatestDelivery { .. } => "after_latest_delivery",
            Evidence::ChangedBetween { .. } => "changed_between",
            Evidence::AppearedBetween { .. } => "appeared_between",
            Evidence::InferredFromStartDate { .. } => "inferred_from_start_date",
        }
    }
}

/// One subscription (or account) as the provider delivered it, every field normalised
/// (docs/delivery-format.md). Times are UTC seconds.
#[derive(Clone, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
pub struct Subscription {
    /// The provider's own stable id of the subscription.
    pub subscription_id: String,
    /// The main service.
    pub service: Service,
    /// Supplementary services.
    pub supplementary: Vec<String>,
    /// Phone numbers, E.164.
    pub msisdn: Vec<String>,
    /// IMSIs, 15 digits.
    pub imsi: Vec<String>,
    /// IMEIs, 14 digits (TAC+SNR).
    pub imei: Vec<String>,
    /// IP addresses and prefixes.
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
    pub subscription_start: i64,
    /// End of the subscription.
    pub subscription_end: Option<i64>,
    /// Shop or point of sale of registration.
    pub registration_place: Option<String>,
    /// First activation of a mobile subscription.
    pub activation_at: Option<i64>,
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
    pub ported_at: Option<i64>,
    /// How the subscription is paid.
    pub payment_method: Option<PaymentMethod>,
    /// IBAN or masked card number.
    pub payment_means: Option<String>,
}

/// A postal address, normalised.
#[derive(Clone, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
pub struct Address {
    /// Street name.
    pub street: Option<String>,
    /// House number.
    pub house_number: Option<String>,
    /// House number addition (`A`, `bis`, `-2`).
    pub house_number_addition: Option<String>,
    /// Postcode.
    pub postcode: Option<String>,
    /// City.
    pub city: Option<String>,
    /// ISO 3166-1 alpha-2 country code, upper-case.
    pub country: String,
}

/// The main service of a subscription.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
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
    /// The name the wire gives it, e.g. `mobile`.
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

/// How a subscription is paid.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
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
    /// The name the wire and the delivery format use (`direct_debit`, …).
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_basis_kind_is_the_tag_serde_writes() {
        let all = [
            Evidence::Observed {
                first_delivery: 1,
                last_delivery: 2,
            },
            Evidence::AfterLatestDelivery {
                first_delivery: 1,
                latest_delivery: 2,
            },
            Evidence::ChangedBetween {
                last_delivery_with: 1,
                first_delivery_without: 2,
            },
            Evidence::AppearedBetween {
                last_delivery_without: 1,
                first_delivery_with: 2,
            },
            Evidence::InferredFromStartDate {
                subscription_start: 1,
                first_delivery: 2,
            },
        ];
        for b in all {
            let v = serde_json::to_value(b).unwrap_or_default();
            assert_eq!(v["kind"], b.kind(), "{b:?}");
        }
    }
}

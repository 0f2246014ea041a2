//! ETSI TS 103 120 (HI-1), the interface for warrant information: reading the requests
//! agencies' systems send (an `AuthorisationObject` with the `LDTaskObject`s that rest on
//! it) into what tdip can judge and answer, judging each action, and writing the response
//! (`CREATEResponse` or `ErrorInformation` per action; a GET answered with a task, or with
//! a `DeliveryObject` carrying the records that answer it). Messages are read
//! namespace-aware (prefixes are the sender's choice); identifiers never appear in errors
//! or `Debug` output.

mod code;
mod deliver;
mod delivery;
mod judge;
mod objects;
mod profile;
mod received;
mod request;
mod response;
mod traffic_records;
mod tree;
mod ts102657;
mod ts102657_telephony;

pub use code::{Hi1Code, Verb};
pub use deliver::{Deliver, DeliverRefused, acknowledge, deliver_answer};
pub use delivery::{
    DELIVERY, DeliveryView, PayloadFormat, RECORD_FORMAT, RECORDS, Record, TS102657_XML,
};
pub use judge::{authorisation_of, judge, judge_for};
pub use objects::ETSI_TYPES;
pub use profile::{REQUEST_TYPES, Sought, demands};
pub use received::Received;
pub use request::{
    AUTH, Action, Address, Approval, Authorisation, COMMON, CORE, Destination, Endpoint, Entry,
    Header, IP_ADDRESS_PORT, LdTask, Object, Request, RequestValue, TASK, Unreadable, address_port,
    join_address_port, parse_request,
};
pub use response::{Body, ETSI_VERSION, Listed, Outcome, Response, TaskStatus, TaskView};
pub use traffic_records::{CellEnd, CommCell, CommRecord};
pub use tree::{Element, parse as parse_xml};
pub use ts102657::{EXTENSION, TS102657};

/// Why a message cannot be read or answered. The messages name the element or format at
/// fault, never an identifier's value.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Hi1Error {
    /// Not well-formed XML, or XML HI-1 does not allow.
    #[error("the message is not well-formed XML at byte {at}: {reason}")]
    Xml {
        /// Byte offset in the message.
        at: u64,
        /// What is wrong.
        reason: String,
    },
    /// An element ETSI's schema requires is missing or empty.
    #[error("the message has no {0}; HI-1 (ETSI TS 103 120) requires it")]
    Missing(String),
    /// An element ETSI's schema leaves optional is missing, and tdip needs it.
    #[error("the message has no {what}; tdip needs it {why}")]
    Needed {
        /// The element (and where).
        what: String,
        /// What tdip needs it for.
        why: String,
    },
    /// A moment that is not an ETSI QualifiedDateTime.
    #[error("a time is not an RFC 3339 date and time with its offset ({0})")]
    Time(String),
    /// An identifier format tdip holds no data for.
    #[error(
        "tdip answers by phone number (InternationalE164), IMSI, IMEI, IP address \
         (IPv4Address, IPv6Address), IP address and port through retained traffic data \
         (IPAddressPort), e-mail address (EmailAddress, InternationalizedEmailAddress) or MAC \
         address (MACAddress); it holds no subscriber data by {0}"
    )]
    UnsupportedFormat(String),
    /// A request value that is not a valid identifier of its format.
    #[error("a request value in format {format} is not valid: {reason}")]
    InvalidValue {
        /// Its format.
        format: String,
        /// Why (never quoting the value).
        reason: String,
    },
    /// The moment or period asked about is missing or reversed.
    #[error("{0}")]
    Period(String),
    /// A part of the demand is not where tdip's national profile puts it.
    #[error("{0}; see tdip's HI-1 profile (docs/hi1.md)")]
    Profile(String),
}

#[cfg(test)]
mod comm_fixtures;
#[cfg(test)]
mod delivery_tests;
#[cfg(test)]
mod profile_tests;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod ts102657_telephony_tests;

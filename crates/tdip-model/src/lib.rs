//! Domain types and rules of tdip; no IO.
//!
//! This crate knows the delivery format (`docs/delivery-format.md`): which columns a
//! subscriber row has, how every identifier is normalised, how legal local time is read,
//! and which values are refused. It reads no files, opens no sockets and touches no
//! database; the codecs and stores build on it.
//!
//! Privacy rule: no error message, `Display` or `Debug` output of this crate contains an
//! identifier or other personal data. Errors say what is wrong, never with which value.

pub mod ident;
pub mod reason;
pub mod subscription;
pub mod time;
pub mod traffic;

pub use ident::{Country, IdentError, IdentKind, normalize};
pub use reason::Reason;
pub use subscription::{
    Address, Column, FieldError, ParseContext, PaymentMethod, RawRow, Service, Subscription,
    check_header, parse_row,
};
pub use time::{LegalZone, TimeError, format_time, parse_time};

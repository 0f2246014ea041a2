//! The compensation of providers' work under the Dutch regulation of 2005 (Regeling kosten
//! aftappen en gegevensverstrekking, source text 002; SPEC §8): the activities of Annex I,
//! the indicative tariffs of Annex III A indexed every 1 June (art. 4), the surcharges of
//! Annex III B for urgent work outside office hours, in weekends and on public holidays,
//! group agreements (art. 3 §3), and one declaration line priced to the cent with what
//! its price rests on. Pure rules over configuration: no store, no clock, no I/O.
//!
//! Money is [`rust_decimal::Decimal`], never a float. Rounding happens in two places only,
//! to the cent, half away from zero: after each indexation step (the minister publishes
//! each year's tariffs in cents, and the next indexation starts from the published
//! amount) and once per declaration line (a declaration's total is the sum of its lines,
//! as on an invoice).

mod activity;
mod error;
mod holidays;
mod office;
mod price;
mod tariffs;

pub use activity::{Activity, Unit};
pub use error::CostError;
pub use holidays::{Liberation, holidays, is_holiday};
pub use office::{OfficeHours, Surcharge, surcharge};
pub use price::{LineInput, PricedLine, Quantity, price};
pub use tariffs::{Agreement, IndexStep, TariffInForce, TariffTable};

/// Rounds `amount` to the cent, half away from zero (the one rounding rule of this crate).
pub fn cents(amount: rust_decimal::Decimal) -> rust_decimal::Decimal {
    amount.round_dp_with_strategy(2, rust_decimal::RoundingStrategy::MidpointAwayFromZero)
}

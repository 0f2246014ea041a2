//! Lawful access: which agencies may consult the point, under which legal bases, for
//! which data, and the judgement of each demand against that catalogue.
//!
//! The catalogue is configuration (one TOML file per jurisdiction; the Dutch and Belgian
//! ones ship as editable defaults) and is validated whole before use. A demand names
//! agency, officer, legal basis, case reference, authorising official and urgency; it is
//! granted, or refused with a reason the officer can act on, and given a due time by the
//! deadline policy.

mod catalogue;
mod code;
mod deadline;
mod demand;

pub use catalogue::{
    Agency, Basis, Catalogue, CatalogueError, Category, DEFAULTS, DumpBound, Jurisdiction,
    Oversight, Problem,
};
pub use code::RefusalCode;
pub use deadline::{DEFAULT_POLICY, DeadlineError, DeadlinePolicy, Due, Rule, Timing};
pub use demand::{Demand, Grant, Refusal, Urgency};

#[cfg(test)]
mod deadline_tests;
#[cfg(test)]
mod tests;

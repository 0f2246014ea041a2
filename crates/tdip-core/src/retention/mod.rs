//! Retention of data as a standing job (SPEC §6): the policy (terms per jurisdiction and
//! class), when each period falls due, the plan of what is due and what comes next, and
//! the run that destroys it — keys and rows, crash-safe, every step an audit entry.
//! The audit log's own bodies have their classes in [`crate::audit::retention`].

pub mod due;
pub mod plan;
pub mod policy;
pub mod preserve;
pub mod run;

pub use plan::{Class, Period, Plan, Step, plan};
pub use policy::{Policy, Terms};
pub use preserve::{Preservation, orders};
pub use run::{Outcome, finish, run, unfinished};

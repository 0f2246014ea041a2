//! How fast a sealed port-block batch goes into SQLite: generates N synthetic CSV records
//! in memory and times `deliver_batch` into a store in a temporary directory.
//!
//! `cargo run --release -p tdip-core --example traffic_ingest_rate -- 1000000`

use std::fmt::Write;
use std::time::Instant;

use mimalloc::MiMalloc;
use tdip_core::PointKeys;
use tdip_core::traffic::ingest::{BatchInput, deliver_batch};
use tdip_crypto::RootKey;
use tdip_store::{Provider, Store, TrafficKind};
use tdip_store_sqlite::SqliteStore;

#[global_allocator]
static GLOBAL: MiMalloc = MiMalloc;

/// 2026-11-02T00:00:00Z.
const DAY0: i64 = 1_793_577_600;

fn batch(n: u64) -> Vec<u8> {
    let mut s = String::with_capacity(n as usize * 90);
    s.push_str("public_ip,first_port,last_port,private_ip,user_id,start,end\n");
    for i in 0..n {
        let public = 0xC633_6400u32 + (i / 64) as u32 % 4096; // 198.51.100.0 …
        let first = (i % 64) * 1024;
        let private = 0x6440_0000u32 + i as u32 % (1 << 22); // 100.64.0.0/10
        let start = DAY0 + (i as i64 * 7) % 80_000;
        let t = |t: i64| jiff::Timestamp::from_second(t).unwrap();
        let _ = writeln!(
            s,
            "{},{},{},{},u{},{},{}",
            std::net::Ipv4Addr::from(public),
            first,
            first + 1023,
            std::net::Ipv4Addr::from(private),
            i % 1_000_003,
            t(start),
            t(start + 600 + (i as i64 % 3600)),
        );
    }
    s.into_bytes()
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let n: u64 = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(1_000_000);
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("tdip.db")).unwrap();
    let keys = PointKeys::new(&RootKey::from_bytes([7; 32]), &dir.path().join("keys")).unwrap();
    let provider = Provider {
        id: "bench".into(),
        name: "Bench".into(),
        country: "BE".into(),
        zone: "Europe/Brussels".into(),
        created_at: DAY0,
    };
    store.add_provider(&provider).await.unwrap();
    let bytes = batch(n);
    let size = bytes.len();
    let input = BatchInput {
        provider: &provider,
        batch_id: "bench-1",
        kind: TrafficKind::PortBlock,
        received_at: DAY0 + 2 * 86_400,
    };
    let t = Instant::now();
    let report = deliver_batch(&store, &keys, input, std::io::Cursor::new(bytes))
        .await
        .unwrap();
    let secs = t.elapsed().as_secs_f64();
    assert_eq!(report.batch, "accepted", "{:?}", report.errors.first());
    println!(
        "{n} port-block records ({:.1} MiB CSV) sealed into SQLite in {secs:.2} s: {:.0} records/s",
        size as f64 / (1 << 20) as f64,
        n as f64 / secs
    );
}

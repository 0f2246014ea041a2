//! Raw speed of the SQLite traffic store: insert rate, lookup latency, disk bytes per row.
//!
//! `cargo run --release -p tdip-store-sqlite --example traffic_bench -- --rows 2000000`
//! writes that many port-block rows (random 16-byte address indexes, blocks of 512
//! ports, ~90-byte sealed blobs) over one UTC day in batches of `--batch` rows handed to
//! `insert_traffic` in slices of `--slice`, then times `--probes` lookups of one address
//! and port at one moment (half of them of stored rows, half of addresses never stored).
//! Only store calls are timed, not the generation of rows. `--compact` then merges the
//! day's runs and times the lookups again. `--dir` keeps the database
//! there (default: a temporary directory, removed at the end).

use std::time::{Duration, Instant};

use tdip_store::{
    BlindIndex, DeliveryOutcome, NewTrafficBatch, Provider, Store, TrafficKind, TrafficProbe,
    TrafficRow, TrafficStore, TrafficTx,
};
use tdip_store_sqlite::SqliteStore;

const DAY: i32 = 20_394;

/// SplitMix64: a small deterministic generator, enough for benchmark data.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn index(&mut self) -> BlindIndex {
        let mut b = [0u8; 16];
        b[..8].copy_from_slice(&self.next().to_le_bytes());
        b[8..].copy_from_slice(&self.next().to_le_bytes());
        BlindIndex(b)
    }
}

fn row(rng: &mut Rng, batch: i64) -> TrafficRow {
    let t0 = i64::from(DAY) * 86_400;
    let first_port = (rng.next() % 128) as u16 * 512;
    let start = t0 + (rng.next() % 82_800) as i64;
    let mut sealed = vec![0u8; 90];
    for chunk in sealed.chunks_mut(8) {
        let r = rng.next().to_le_bytes();
        chunk.copy_from_slice(&r[..chunk.len()]);
    }
    TrafficRow {
        batch,
        kind: TrafficKind::PortBlock,
        day: DAY,
        key: rng.index(),
        net: (4, 32),
        user: Some(rng.index()),
        first_port,
        last_port: first_port + 511,
        start,
        end: Some(start + 1 + (rng.next() % 3_599) as i64),
        sealed,
    }
}

fn arg(args: &[String], name: &str, default: u64) -> u64 {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .map(|v| v.replace('_', "").parse().expect("a number"))
        .unwrap_or(default)
}

/// CPU seconds this process has used (user + system), from /proc: on a shared machine
/// the wall clock also counts other processes' turns.
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map(|(_, rest)| rest.split_whitespace().collect())
        .unwrap_or_default();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    // utime and stime are fields 14 and 15 of stat, 11 and 12 after the name; 100 Hz.
    (ticks(11) + ticks(12)) / 100.0
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let rows = arg(&args, "--rows", 2_000_000);
    let batch_rows = arg(&args, "--batch", 1_000_000).max(1);
    let slice = arg(&args, "--slice", 10_000).max(1) as usize;
    let probes = arg(&args, "--probes", 10_000) as usize;
    let tmp = tempfile::tempdir().expect("temporary directory");
    let dir = match args.iter().position(|a| a == "--dir") {
        Some(i) => std::path::PathBuf::from(&args[i + 1]),
        None => tmp.path().to_owned(),
    };
    let path = dir.join("traffic-bench.db");
    let store = SqliteStore::open(&path).expect("open store");
    store
        .add_provider(&Provider {
            id: "bench".into(),
            name: "Bench".into(),
            country: "BE".into(),
            zone: "Europe/Brussels".into(),
            created_at: 0,
        })
        .await
        .expect("provider");

    let mut rng = Rng(42);
    let mut sample: Vec<TrafficRow> = Vec::with_capacity(probes);
    let every = (rows / probes.max(1) as u64).max(1);
    let mut store_time = Duration::ZERO;
    let mut store_cpu = 0.0;
    let mut written = 0u64;
    let mut batch_no = 0;
    while written < rows {
        let mut tx = store.begin_traffic("bench").await.expect("begin");
        let in_batch = batch_rows.min(rows - written);
        let mut done = 0;
        while done < in_batch {
            let n = (in_batch - done).min(slice as u64);
            let chunk: Vec<TrafficRow> = (0..n).map(|_| row(&mut rng, tx.seq())).collect();
            for (i, r) in chunk.iter().enumerate() {
                if (written + done + i as u64).is_multiple_of(every) && sample.len() < probes {
                    sample.push(r.clone());
                }
            }
            let (t, c) = (Instant::now(), cpu_seconds());
            tx.insert_traffic(&chunk).await.expect("insert");
            store_time += t.elapsed();
            store_cpu += cpu_seconds() - c;
            done += n;
        }
        batch_no += 1;
        let (t, c) = (Instant::now(), cpu_seconds());
        tx.commit(&NewTrafficBatch {
            provider: "bench".into(),
            batch_id: format!("b{batch_no}"),
            kind: TrafficKind::PortBlock,
            received_at: 0,
            records: in_batch,
            closed: in_batch,
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
        store_time += t.elapsed();
        store_cpu += cpu_seconds() - c;
        written += in_batch;
    }
    println!(
        "insert: {rows} rows in {batch_no} batches: {:.2} s wall in the store, {:.0} rows/s; \
         {:.2} s CPU, {:.0} rows per CPU second",
        store_time.as_secs_f64(),
        rows as f64 / store_time.as_secs_f64(),
        store_cpu,
        rows as f64 / store_cpu
    );

    let t = Instant::now();
    store.checkpoint().expect("checkpoint");
    let bytes = std::fs::metadata(&path).expect("file size").len();
    println!(
        "checkpoint: {:.2} s; file {} bytes, {:.1} bytes/row",
        t.elapsed().as_secs_f64(),
        bytes,
        bytes as f64 / rows as f64
    );

    lookups(&store, &sample, &mut rng, "runs as written").await;
    if args.iter().any(|a| a == "--compact") {
        let (t, c) = (Instant::now(), cpu_seconds());
        let runs = store.compact_traffic_day(DAY).expect("compact");
        println!(
            "compact: {runs} runs merged in {:.2} s wall, {:.2} s CPU",
            t.elapsed().as_secs_f64(),
            cpu_seconds() - c
        );
        lookups(&store, &sample, &mut rng, "after compaction").await;
    }
    if let Ok(load) = std::fs::read_to_string("/proc/loadavg") {
        println!("load average: {}", load.trim());
    }
}

/// Times a hit and a miss probe for each sampled row.
async fn lookups(store: &SqliteStore, sample: &[TrafficRow], rng: &mut Rng, what: &str) {
    let lookup_cpu = cpu_seconds();
    let mut hits = Vec::with_capacity(sample.len());
    let mut misses = Vec::with_capacity(sample.len());
    for r in sample {
        let moment = r.start + (r.end.unwrap_or(r.start) - r.start) / 2;
        let port = r.first_port + (rng.next() % 512) as u16;
        let mut probe = TrafficProbe {
            kind: TrafficKind::PortBlock,
            days: vec![(DAY, r.key)],
            open: vec![r.key],
            from: moment - 300,
            to: moment + 300,
            port: Some(port),
        };
        let t = Instant::now();
        let found = store.traffic_covering(&probe).await.expect("probe");
        hits.push(t.elapsed());
        assert!(found.contains(r), "a stored row is found");
        probe.days[0].1 = rng.index();
        probe.open[0] = probe.days[0].1;
        let t = Instant::now();
        let found = store.traffic_covering(&probe).await.expect("probe");
        misses.push(t.elapsed());
        assert!(found.is_empty());
    }
    let lookup_cpu = cpu_seconds() - lookup_cpu;
    hits.sort_unstable();
    misses.sort_unstable();
    if !hits.is_empty() {
        println!(
            "lookup {what} (day + open set, {} probes): hit p50 {:?} p99 {:?}; miss p50 {:?} p99 {:?}; \
             {:.1} µs CPU per probe on average",
            hits.len(),
            percentile(&hits, 0.5),
            percentile(&hits, 0.99),
            percentile(&misses, 0.5),
            percentile(&misses, 0.99),
            lookup_cpu * 1e6 / (2 * hits.len()) as f64
        );
    }
}

//! Raw speed of the SQLite store for communications: insert rate, lookup latency, disk.
//!
//! `cargo run --release -p tdip-store-sqlite --example comm_bench -- --records 1000000`
//! writes that many mobile records (300-byte sealed blobs, `--keys` 16-byte indexes each)
//! in time order over `--days` UTC days, in batches of `--batch` records handed to
//! `insert_comm` in slices of `--slice`. A record's first index is its subscriber's of
//! that day (about ten records per subscriber and day), the others random; within one
//! hour of the middle day `--hot` more records carry one hot cell index. Then it times
//! `--probes` lookups of a random subscriber's whole traffic (one index per day, every
//! day: a 30-key probe at `--days 30`) and of the hot cell's hour. Only store calls are
//! timed, not the generation of rows. `--dir` keeps the database there (default: a
//! temporary directory, removed at the end).

use std::time::{Duration, Instant};

use tdip_store::{
    BlindIndex, CommProbe, CommRow, DeliveryOutcome, NewTrafficBatch, Provider, Store, TrafficKind,
    TrafficStore, TrafficTx,
};
use tdip_store_sqlite::SqliteStore;

const DAY0: i32 = 20_394;

/// SplitMix64: a small deterministic generator, enough for benchmark data.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        mix(self.0)
    }

    fn index(&mut self) -> BlindIndex {
        let mut b = [0u8; 16];
        b[..8].copy_from_slice(&self.next().to_le_bytes());
        b[8..].copy_from_slice(&self.next().to_le_bytes());
        BlindIndex(b)
    }
}

fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// The index of subscriber `s` on `day` (or of the hot cell, `s` = `u64::MAX`).
fn day_index(day: i32, s: u64) -> BlindIndex {
    let a = mix(s ^ (u64::from(day as u32) << 40) ^ 0x5eed);
    let mut b = [0u8; 16];
    b[..8].copy_from_slice(&a.to_le_bytes());
    b[8..].copy_from_slice(&mix(a).to_le_bytes());
    BlindIndex(b)
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

/// What the generator needs to know about the data set.
struct Shape {
    records: u64,
    days: u64,
    keys: usize,
    subscribers: u64,
    hot_day: i32,
    hot_from: i64,
}

/// Record `i` of the data set (in time order), with `ord` in its batch.
fn record(rng: &mut Rng, shape: &Shape, i: u64, batch: i64, ord: u32) -> CommRow {
    let t0 = i64::from(DAY0) * 86_400;
    let span = shape.days as i64 * 86_400;
    let start = t0 + (i as i64 * span) / shape.records as i64;
    let day = DAY0 + ((start - t0) / 86_400) as i32;
    let day_end = i64::from(day) * 86_400 + 86_399;
    let end = (start + (rng.next() % 600) as i64).min(day_end);
    let mut keys = Vec::with_capacity(shape.keys);
    keys.push(day_index(day, rng.next() % shape.subscribers));
    keys.extend((1..shape.keys).map(|_| rng.index()));
    let mut sealed = vec![0u8; 300];
    for chunk in sealed.chunks_mut(8) {
        chunk.copy_from_slice(&rng.next().to_le_bytes()[..chunk.len()]);
    }
    CommRow {
        batch,
        ord,
        kind: TrafficKind::Mobile,
        day,
        start,
        end,
        keys,
        sealed,
    }
}

/// A record of the hot cell's hour.
fn hot(rng: &mut Rng, shape: &Shape, batch: i64, ord: u32) -> CommRow {
    let mut r = record(rng, shape, 0, batch, ord);
    r.day = shape.hot_day;
    r.start = shape.hot_from + (rng.next() % 3_600) as i64;
    r.end = r.start + (rng.next() % 120) as i64;
    r.keys[0] = day_index(r.day, rng.next() % shape.subscribers);
    *r.keys.last_mut().expect("a key") = day_index(r.day, u64::MAX);
    r
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let records = arg(&args, "--records", 1_000_000).max(1);
    let days = arg(&args, "--days", 30).max(1);
    let keys = arg(&args, "--keys", 7).max(1) as usize;
    let batch_records = arg(&args, "--batch", 100_000).max(1);
    let slice = arg(&args, "--slice", 10_000).max(1);
    let probes = arg(&args, "--probes", 1_000) as usize;
    let hot_records = arg(&args, "--hot", 6_000);
    let tmp = tempfile::tempdir().expect("temporary directory");
    let dir = match args.iter().position(|a| a == "--dir") {
        Some(i) => std::path::PathBuf::from(&args[i + 1]),
        None => tmp.path().to_owned(),
    };
    let path = dir.join("comm-bench.db");
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
    let hot_day = DAY0 + (days / 2) as i32;
    let shape = Shape {
        records,
        days,
        keys,
        subscribers: (records / days / 10).max(1),
        hot_day,
        hot_from: i64::from(hot_day) * 86_400 + 12 * 3_600,
    };

    let mut rng = Rng(42);
    let mut store_time = Duration::ZERO;
    let mut store_cpu = 0.0;
    let (mut written, mut hot_written, mut batches) = (0u64, 0u64, 0u64);
    while written < records {
        let mut tx = store.begin_traffic("bench").await.expect("begin");
        let in_batch = batch_records.min(records - written);
        let (mut done, mut ord) = (0u64, 0u32);
        while done < in_batch {
            let n = (in_batch - done).min(slice);
            let mut chunk = Vec::with_capacity(n as usize);
            for i in written + done..written + done + n {
                chunk.push(record(&mut rng, &shape, i, tx.seq(), ord));
                ord += 1;
                // The hot hour's extra records arrive with the records of that hour.
                if hot_written == 0 && chunk.last().is_some_and(|r| r.start >= shape.hot_from) {
                    for _ in 0..hot_records {
                        chunk.push(hot(&mut rng, &shape, tx.seq(), ord));
                        ord += 1;
                    }
                    hot_written = hot_records;
                }
            }
            let (t, c) = (Instant::now(), cpu_seconds());
            tx.insert_comm(&chunk).await.expect("insert");
            store_time += t.elapsed();
            store_cpu += cpu_seconds() - c;
            done += n;
        }
        batches += 1;
        let (t, c) = (Instant::now(), cpu_seconds());
        tx.commit(&NewTrafficBatch {
            provider: "bench".into(),
            batch_id: format!("b{batches}"),
            kind: TrafficKind::Mobile,
            received_at: 0,
            records: u64::from(ord),
            closed: u64::from(ord),
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
    let total = records + hot_written;
    println!(
        "insert: {total} records ({keys} keys each) over {days} days in {batches} batches: \
         {:.2} s wall in the store, {:.0} records/s, {:.0} index entries/s; {:.2} s CPU, \
         {:.0} records per CPU second",
        store_time.as_secs_f64(),
        total as f64 / store_time.as_secs_f64(),
        (total * keys as u64) as f64 / store_time.as_secs_f64(),
        store_cpu,
        total as f64 / store_cpu,
    );
    let t = Instant::now();
    store.checkpoint().expect("checkpoint");
    let bytes = std::fs::metadata(&path).expect("file size").len();
    println!(
        "checkpoint: {:.2} s; file {bytes} bytes, {:.0} bytes/record",
        t.elapsed().as_secs_f64(),
        bytes as f64 / total as f64
    );

    let t0 = i64::from(DAY0) * 86_400;
    let cpu = cpu_seconds();
    let mut subscriber = Vec::with_capacity(probes);
    let mut found_sub = 0usize;
    for _ in 0..probes {
        let s = rng.next() % shape.subscribers;
        let probe = CommProbe {
            keys: (0..days as i32)
                .map(|d| (DAY0 + d, day_index(DAY0 + d, s)))
                .collect(),
            from: t0,
            to: t0 + days as i64 * 86_400 - 1,
            limit: 10_000,
        };
        let t = Instant::now();
        found_sub += store.comm_rows(&probe).await.expect("probe").len();
        subscriber.push(t.elapsed());
    }
    let sub_cpu = cpu_seconds() - cpu;
    let cpu = cpu_seconds();
    let mut cell = Vec::with_capacity(probes);
    let mut found_cell = 0;
    for _ in 0..probes {
        let probe = CommProbe {
            keys: vec![(hot_day, day_index(hot_day, u64::MAX))],
            from: shape.hot_from,
            to: shape.hot_from + 3_599,
            limit: 100_000,
        };
        let t = Instant::now();
        found_cell = store.comm_rows(&probe).await.expect("probe").len();
        cell.push(t.elapsed());
    }
    let cell_cpu = cpu_seconds() - cpu;
    subscriber.sort_unstable();
    cell.sort_unstable();
    if probes > 0 {
        println!(
            "subscriber over {days} days ({days}-key probe, {probes} probes, {:.1} rows each \
             on average): p50 {:?} p99 {:?} max {:?}; {:.2} ms CPU per probe on average",
            found_sub as f64 / probes as f64,
            percentile(&subscriber, 0.5),
            percentile(&subscriber, 0.99),
            subscriber[probes - 1],
            sub_cpu * 1e3 / probes as f64
        );
        println!(
            "hot cell, one hour ({found_cell} rows, {probes} probes): p50 {:?} p99 {:?} max {:?}; \
             {:.2} ms CPU per probe on average",
            percentile(&cell, 0.5),
            percentile(&cell, 0.99),
            cell[probes - 1],
            cell_cpu * 1e3 / probes as f64
        );
    }
    if let Ok(load) = std::fs::read_to_string("/proc/loadavg") {
        println!("load average: {}", load.trim());
    }
}

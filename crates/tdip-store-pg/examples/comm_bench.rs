//! Measures the PostgreSQL store's communications: the rate of `insert_comm` + commit in
//! batches of 100,000 records (random 16-byte indexes, seven per record, 300-byte sealed
//! blobs, records spread over D UTC days), and the latency of two lookups on what was
//! written: 30 random (day, index) pairs over the whole period, and one hour of one hot
//! index (one per day, carried by at least 5,000 records of its day).
//!
//! `cargo run --release -p tdip-store-pg --example comm_bench -- --url
//! postgres://postgres@127.0.0.1:5432/tdip_bench [--records 1000000] [--days 7]
//! [--probes 2000] [--vacuum]`
//! The database must exist and be empty of communications (use a fresh one). With
//! `--vacuum`, `VACUUM (ANALYZE)` runs on the communication tables before the probes (as
//! autovacuum would some time after the load), which lets index-only scans skip the heap.

use std::time::{Duration, Instant};

use sqlx::Connection;
use tdip_store::{
    BlindIndex, CommProbe, CommRow, DeliveryOutcome, NewTrafficBatch, Provider, Store, TrafficKind,
    TrafficStore, TrafficTx,
};
use tdip_store_pg::PgStore;

const DAY: i32 = 20_394;
const BATCH: usize = 100_000;
const KEYS: usize = 7;
const HOT_ROWS_PER_DAY: usize = 6_000;

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

    fn bytes(&mut self, n: usize) -> Vec<u8> {
        let mut out = Vec::with_capacity(n + 8);
        while out.len() < n {
            out.extend_from_slice(&self.next().to_le_bytes());
        }
        out.truncate(n);
        out
    }
}

fn arg(name: &str) -> Option<String> {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    sorted[((sorted.len() as f64 * p) as usize).min(sorted.len() - 1)].as_secs_f64() * 1e3
}

/// Runs `probes` lookups made by `make`; prints p50/p99 and the mean rows found.
async fn measure(store: &PgStore, what: &str, probes: usize, mut make: impl FnMut() -> CommProbe) {
    let mut times = Vec::with_capacity(probes);
    let mut rows = 0usize;
    for _ in 0..probes {
        let probe = make();
        let t = Instant::now();
        let found = store.comm_rows(&probe).await.expect("comm_rows");
        times.push(t.elapsed());
        rows += found.len();
    }
    times.sort();
    println!(
        "comm_rows, {what}: {probes} probes, p50 {:.3} ms, p99 {:.3} ms, {:.1} rows found on average",
        percentile(&times, 0.50),
        percentile(&times, 0.99),
        rows as f64 / probes as f64
    );
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let url = arg("--url").expect("--url postgres://user@host:port/database");
    let records: usize = arg("--records").map_or(1_000_000, |s| s.parse().expect("--records N"));
    let days: usize = arg("--days").map_or(7, |s| s.parse().expect("--days D"));
    let probes: usize = arg("--probes").map_or(2_000, |s| s.parse().expect("--probes N"));
    let vacuum = std::env::args().any(|a| a == "--vacuum");
    assert!(
        records > 0 && days > 0 && records >= days,
        "records ≥ days > 0"
    );
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
    let per_day = records.div_ceil(days);
    let hot_every = (per_day / HOT_ROWS_PER_DAY).max(1);
    let hot: Vec<BlindIndex> = (0..days).map(|_| rng.key()).collect();
    // One (day, index) of every record, for the random probes.
    let mut sample: Vec<(i32, BlindIndex)> = Vec::with_capacity(records);
    let mut hot_rows = vec![0usize; days];

    let mut insert_time = Duration::ZERO;
    let mut done = 0;
    let mut batch_no = 0;
    while done < records {
        let n = BATCH.min(records - done);
        let mut tx = store.begin_traffic("bench").await.expect("begin");
        let seq = tx.seq();
        let rows: Vec<CommRow> = (0..n)
            .map(|j| {
                let i = done + j;
                let d = i / per_day;
                let day = DAY + d as i32;
                let start = i64::from(day) * 86_400 + (rng.next() % 82_800) as i64;
                let mut keys: Vec<BlindIndex> = (0..KEYS).map(|_| rng.key()).collect();
                if i % hot_every == 0 {
                    keys[0] = hot[d];
                    hot_rows[d] += 1;
                }
                sample.push((day, keys[1]));
                CommRow {
                    batch: seq,
                    ord: j as u32,
                    kind: TrafficKind::Mobile,
                    day,
                    start,
                    end: start + (rng.next() % 3_600) as i64,
                    keys,
                    sealed: rng.bytes(300),
                }
            })
            .collect();
        let t = Instant::now();
        tx.insert_comm(&rows).await.expect("insert_comm");
        tx.commit(&NewTrafficBatch {
            provider: "bench".into(),
            batch_id: format!("bench-{}-{batch_no}", std::process::id()),
            kind: TrafficKind::Mobile,
            received_at: 0,
            records: n as u64,
            closed: n as u64,
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
        insert_time += t.elapsed();
        done += n;
        batch_no += 1;
    }
    println!(
        "insert_comm + commit: {records} records ({} index entries) over {days} days in \
         {batch_no} batches, {:.2} s = {:.0} records/s",
        records * KEYS,
        insert_time.as_secs_f64(),
        records as f64 / insert_time.as_secs_f64()
    );

    let mut conn = sqlx::PgConnection::connect(&url).await.expect("connect");
    if vacuum {
        let t = Instant::now();
        sqlx::raw_sql("VACUUM (ANALYZE) comm_row, comm_key")
            .execute(&mut conn)
            .await
            .expect("vacuum");
        println!("VACUUM (ANALYZE): {:.2} s", t.elapsed().as_secs_f64());
    }
    let bytes: i64 = sqlx::query_scalar(
        "SELECT sum(pg_total_relation_size(c.oid))::bigint FROM pg_class c
         WHERE c.relname ~ '^comm_(row|key)_d' AND c.relkind = 'r'",
    )
    .fetch_one(&mut conn)
    .await
    .expect("sizes");
    println!(
        "stored: {:.0} MiB in comm_row and comm_key ({:.0} bytes a record)",
        bytes as f64 / (1 << 20) as f64,
        bytes as f64 / records as f64
    );
    conn.close().await.expect("close");

    let first = i64::from(DAY) * 86_400;
    let last = first + days as i64 * 86_400;
    measure(
        &store,
        "30 random (day, index) pairs, whole period",
        probes,
        || CommProbe {
            keys: (0..30)
                .map(|_| sample[(rng.next() % sample.len() as u64) as usize])
                .collect(),
            from: first,
            to: last,
            limit: 1_000,
        },
    )
    .await;
    let fewest = hot_rows.iter().min().copied().unwrap_or(0);
    measure(
        &store,
        &format!("1 hour of one hot index (≥ {fewest} rows on its day)"),
        probes,
        || {
            let d = (rng.next() % days as u64) as usize;
            let from = first + d as i64 * 86_400 + (rng.next() % 82_800) as i64;
            CommProbe {
                keys: vec![(DAY + d as i32, hot[d])],
                from,
                to: from + 3_600,
                limit: 10_000,
            }
        },
    )
    .await;
    store.close().await;
}

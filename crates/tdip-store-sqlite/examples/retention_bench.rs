//! Retention on the SQLite store: how long destroying one day of traffic and one month of
//! subscriber history takes, and how long lookups wait meanwhile.
//!
//! `cargo run --release -p tdip-store-sqlite --example retention_bench -- --days 3
//! --rows 1000000 --versions 200000` writes `--days` UTC days of `--rows` port-block rows
//! each (random 16-byte indexes, ~90-byte sealed blobs) and `--versions` subscription
//! versions (three index entries each) that all closed in one month, then
//! times `drop_traffic_day` of the first day and `delete_closed` of the month, while a
//! second connection on its own thread looks up, back to back, rows of another day (by
//! user index) or versions still open (by blind index), and reports the slowest lookup
//! during each destruction. `--dir` keeps the database there.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use tdip_store::{
    BlindIndex, ClosedMonth, DeliveryOutcome, DeliveryTx, NewDelivery, NewTrafficBatch, NewVersion,
    Provider, RetentionStore, Store, TrafficKind, TrafficRow, TrafficStore, TrafficTx,
};
use tdip_store_sqlite::SqliteStore;

const DAY: i32 = 20_089; // 2025-01-01
const JANUARY: ClosedMonth = ClosedMonth {
    month: 2025 * 12,
    from: 1_735_689_600,
    to: 1_738_368_000,
};

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

    fn blob(&mut self, len: usize) -> Vec<u8> {
        (0..len).map(|_| self.next() as u8).collect()
    }
}

fn arg(args: &[String], name: &str, default: u64) -> u64 {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .map(|v| v.replace('_', "").parse().expect("a number"))
        .unwrap_or(default)
}

fn row(rng: &mut Rng, batch: i64, day: i32, user: BlindIndex) -> TrafficRow {
    let start = i64::from(day) * 86_400 + (rng.next() % 82_800) as i64;
    let first_port = (rng.next() % 128) as u16 * 512;
    TrafficRow {
        batch,
        kind: TrafficKind::PortBlock,
        day,
        key: rng.index(),
        net: (4, 32),
        user: Some(user),
        first_port,
        last_port: first_port + 511,
        start,
        end: Some(start + 600),
        sealed: rng.blob(90),
    }
}

fn log(batch: u64, rows: u64) -> NewTrafficBatch {
    NewTrafficBatch {
        provider: "bench".into(),
        batch_id: format!("b{batch}"),
        kind: TrafficKind::PortBlock,
        received_at: 0,
        records: rows,
        closed: rows,
        opened: 0,
        ended: 0,
        errors: 0,
        first_at: 0,
        last_at: 0,
        checksum: [0; 32],
        outcome: DeliveryOutcome::Accepted,
    }
}

fn delivery(at: i64, n: u64) -> NewDelivery {
    NewDelivery {
        provider: "bench".into(),
        received_at: at,
        snapshot_at: at,
        rows: n,
        opened: n,
        changed: 0,
        closed: 0,
        errors: 0,
        checksum: [0; 32],
        outcome: DeliveryOutcome::Accepted,
    }
}

/// Looks up back to back on a connection of its own until `stop`; the slowest lookup.
fn prober(
    path: std::path::PathBuf,
    stop: Arc<AtomicBool>,
    ask: impl Fn(&SqliteStore, usize) -> bool + Send + 'static,
) -> std::thread::JoinHandle<(Duration, usize)> {
    std::thread::spawn(move || {
        let store = SqliteStore::open(&path).expect("open a second connection");
        let (mut worst, mut n) = (Duration::ZERO, 0);
        while !stop.load(Ordering::Relaxed) {
            let t = Instant::now();
            assert!(ask(&store, n), "a lookup during retention found nothing");
            worst = worst.max(t.elapsed());
            n += 1;
        }
        (worst, n)
    })
}

fn block_on<T>(f: impl std::future::Future<Output = T>) -> T {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime")
        .block_on(f)
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let days = arg(&args, "--days", 3).max(2) as i32;
    let rows = arg(&args, "--rows", 1_000_000);
    let versions = arg(&args, "--versions", 200_000);
    let tmp = tempfile::tempdir().expect("temporary directory");
    let dir = match args.iter().position(|a| a == "--dir") {
        Some(i) => std::path::PathBuf::from(&args[i + 1]),
        None => tmp.path().to_owned(),
    };
    let path = dir.join("retention-bench.db");
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
    let mut rng = Rng(7);
    let users: Vec<BlindIndex> = (0..1_000).map(|_| rng.index()).collect();
    let t = Instant::now();
    for d in 0..days {
        let mut tx = store.begin_traffic("bench").await.expect("begin");
        let mut done = 0;
        while done < rows {
            let n = (rows - done).min(10_000);
            let chunk: Vec<TrafficRow> = (0..n)
                .map(|i| row(&mut rng, tx.seq(), DAY + d, users[(i % 1_000) as usize]))
                .collect();
            tx.insert_traffic(&chunk).await.expect("insert");
            done += n;
        }
        tx.commit(&log(d as u64, rows)).await.expect("commit");
        store.compact_traffic_day(DAY + d).expect("compact");
    }
    // Versions: opened in December 2024, all closed in January 2025; a tenth stay open.
    let mut tx = store.begin_delivery("bench").await.expect("begin");
    let news: Vec<NewVersion> = (0..versions)
        .map(|_| NewVersion {
            sub_key: rng.index(),
            valid_from: JANUARY.from - 86_400,
            seen_before: None,
            sealed: rng.blob(300),
        })
        .collect();
    let ids = tx.insert_versions(&news).await.expect("versions");
    let mut idx = Vec::new();
    let mut open_keys = Vec::new();
    for (i, id) in ids.iter().enumerate() {
        for _ in 0..3 {
            let k = rng.index();
            if i % 10 == 0 {
                open_keys.push(k);
            }
            idx.push((k, *id));
        }
    }
    tx.insert_indexes(&idx).await.expect("indexes");
    tx.commit(&delivery(JANUARY.from - 86_400, versions))
        .await
        .expect("commit");
    let mut tx = store.begin_delivery("bench").await.expect("begin");
    let closing: Vec<(i64, Vec<u8>)> = ids
        .iter()
        .enumerate()
        .filter(|(i, _)| i % 10 != 0)
        .map(|(_, id)| (*id, vec![1u8; 300]))
        .collect();
    tx.close_versions(&closing, JANUARY.from + 86_400, JANUARY.from + 86_000)
        .await
        .expect("close");
    tx.commit(&delivery(JANUARY.from + 86_400, 0))
        .await
        .expect("commit");
    store.checkpoint().expect("checkpoint");
    let bytes = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
    println!(
        "filled: {days} days × {rows} rows, {versions} versions ({} closed in 2025-01), \
         {bytes} bytes, in {:.1} s",
        closing.len(),
        t.elapsed().as_secs_f64()
    );

    // One day of traffic, while another day's rows are looked up.
    let stop = Arc::new(AtomicBool::new(false));
    let probe_users = users.clone();
    let from = i64::from(DAY + 1) * 86_400;
    let reader = prober(path.clone(), stop.clone(), move |s, n| {
        let u = probe_users[n % probe_users.len()];
        !block_on(s.traffic_of_user(&u, from, from + 86_399, 10))
            .expect("lookup")
            .is_empty()
    });
    std::thread::sleep(Duration::from_millis(200));
    let t = Instant::now();
    let dropped = store.drop_traffic_day(DAY).await.expect("drop");
    let took = t.elapsed();
    stop.store(true, Ordering::Relaxed);
    let (worst, n) = reader.join().expect("reader");
    println!(
        "drop one day: {dropped} rows in {:.2} s; {n} lookups of another day meanwhile, the \
         slowest {:.1} ms",
        took.as_secs_f64(),
        worst.as_secs_f64() * 1e3
    );

    // One month of subscriber history, while open versions are looked up.
    let stop = Arc::new(AtomicBool::new(false));
    let reader = prober(path.clone(), stop.clone(), move |s, n| {
        let k = open_keys[n % open_keys.len()];
        !block_on(s.versions_by_index(&[k]))
            .expect("lookup")
            .is_empty()
    });
    std::thread::sleep(Duration::from_millis(200));
    let t = Instant::now();
    let gone = store.delete_closed("bench", JANUARY).await.expect("delete");
    let took = t.elapsed();
    stop.store(true, Ordering::Relaxed);
    let (worst, n) = reader.join().expect("reader");
    println!(
        "delete one month: {} versions and {} index entries in {:.2} s; {n} lookups of open \
         versions meanwhile, the slowest {:.1} ms",
        gone.versions,
        gone.indexes,
        took.as_secs_f64(),
        worst.as_secs_f64() * 1e3
    );
    if let Ok(load) = std::fs::read_to_string("/proc/loadavg") {
        println!("load average: {}", load.trim());
    }
}

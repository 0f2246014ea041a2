//! Shared set-up of the bench binaries: generated files, a fresh store, timing, RSS.

#![allow(dead_code)]

use std::collections::HashMap;
use std::io::BufWriter;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use tdip_core::PointKeys;
use tdip_core::audit::ProviderState;
use tdip_core::datakeys::DataClass;
use tdip_core::ingest::{DeliveryReport, DeliveryRequest, Format, deliver};
use tdip_core::keys::VersionAad;
use tdip_crypto::RootKey;
use tdip_gen::{Country, GenConfig, write_csv};
use tdip_store::{Provider, Store};
use tdip_store_pg::PgStore;
use tdip_store_sqlite::SqliteStore;

/// `--name value` from the command line, or the default.
pub fn arg(name: &str, default: u64) -> u64 {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .map(|v| v.replace('_', "").parse().expect("a number"))
        .unwrap_or(default)
}

/// What a bench does after each delivery, as `tdip deliver` does: SQLite folds its WAL,
/// PostgreSQL refreshes statistics after a large load.
pub trait Maintain {
    async fn checkpoint(&self, opened: u64);
    /// After a traffic batch that wrote the UTC days `from..=to`, as `tdip traffic
    /// deliver` does: SQLite merges each day's runs into one.
    async fn after_traffic(&self, from: i32, to: i32);
}

impl Maintain for SqliteStore {
    async fn checkpoint(&self, _opened: u64) {
        SqliteStore::checkpoint(self).unwrap();
    }

    async fn after_traffic(&self, from: i32, to: i32) {
        for day in from..=to {
            self.compact_traffic_day(day).unwrap();
        }
        SqliteStore::checkpoint(self).unwrap();
    }
}

impl Maintain for PgStore {
    async fn checkpoint(&self, opened: u64) {
        self.after_delivery(opened).await.unwrap();
    }

    async fn after_traffic(&self, _from: i32, _to: i32) {}
}

pub struct Bench<S> {
    pub dir: tempfile::TempDir,
    pub store: S,
    pub keys: PointKeys,
    /// The state each provider's latest delivery left, as the audit log would hold it:
    /// every delivery is checked against it, as the application's are.
    pub states: Mutex<HashMap<String, ProviderState>>,
}

fn bench_dir() -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix("tdip-bench")
        .tempdir_in(std::env::var("TDIP_BENCH_DIR").unwrap_or_else(|_| "/tmp".into()))
        .unwrap()
}

impl Bench<SqliteStore> {
    pub async fn new(providers: &[&str]) -> Bench<SqliteStore> {
        let dir = bench_dir();
        let store = SqliteStore::open(&dir.path().join("tdip.db")).unwrap();
        Bench::with(dir, store, providers).await
    }
}

impl Bench<PgStore> {
    /// On the (empty) PostgreSQL database at `url`.
    pub async fn postgres(url: &str, providers: &[&str]) -> Bench<PgStore> {
        let store = PgStore::connect(url).await.unwrap();
        Bench::with(bench_dir(), store, providers).await
    }
}

impl<S: Store + Maintain> Bench<S> {
    async fn with(dir: tempfile::TempDir, store: S, providers: &[&str]) -> Bench<S> {
        for id in providers {
            let p = Provider {
                id: (*id).into(),
                name: (*id).into(),
                country: "NL".into(),
                zone: "Europe/Amsterdam".into(),
                created_at: 0,
            };
            store
                .add_provider(&p)
                .await
                .expect("an empty store (create a fresh database for the bench)");
        }
        let keys = PointKeys::new(&RootKey::from_bytes([7; 32]), &dir.path().join("keys")).unwrap();
        Bench {
            dir,
            store,
            keys,
            states: Mutex::default(),
        }
    }

    /// Generates day `day` of `provider`'s population as plain CSV.
    pub fn generate(&self, provider: &str, rows: u64, day: u32) -> PathBuf {
        let path = self.dir.path().join(format!("{provider}-{day}.csv"));
        let cfg = GenConfig {
            provider: provider.into(),
            country: Country::Nl,
            rows,
            seed: 1,
            day,
            change_rate_ppm: 5_000,
        };
        let started = Instant::now();
        let file = std::fs::File::create(&path).unwrap();
        write_csv(&cfg, BufWriter::with_capacity(1 << 20, file)).unwrap();
        let size = std::fs::metadata(&path).unwrap().len();
        eprintln!(
            "generated {provider} day {day}: {rows} rows, {} MB in {:.1} s",
            size >> 20,
            started.elapsed().as_secs_f64()
        );
        path
    }

    /// Delivers a file and prints rows/s.
    pub async fn deliver(
        &self,
        label: &str,
        provider: &str,
        path: &Path,
        snapshot_at: i64,
    ) -> DeliveryReport {
        let req = DeliveryRequest {
            provider: provider.into(),
            path: path.to_owned(),
            format: Format::Csv,
            snapshot_at,
            received_at: snapshot_at,
            progress: Arc::new(AtomicU64::new(0)),
            spooled: None,
            policy: tdip_core::ingest::DeliveryPolicy::default(),
            allow_mass_close: false,
            expected: self.states.lock().unwrap().get(provider).cloned(),
        };
        let started = Instant::now();
        let report = deliver(&self.store, &self.keys, req).await.unwrap();
        let secs = started.elapsed().as_secs_f64();
        assert!(report.accepted(), "{:?}", report.errors.first());
        if let Some((_, state)) = &report.applied {
            self.states
                .lock()
                .unwrap()
                .insert(provider.to_owned(), state.clone());
        }
        println!(
            "{label:<34} {:>9} rows  {secs:>7.2} s  {:>10.0} rows/s   (opened {}, changed {}, closed {}, unchanged {})",
            report.rows,
            report.rows as f64 / secs,
            report.opened,
            report.changed,
            report.closed,
            report.unchanged
        );
        let started = Instant::now();
        self.store.checkpoint(report.opened).await;
        println!(
            "{:<34} {:>24.2} s  (store upkeep after the acknowledgement: WAL checkpoint / ANALYZE)",
            "  upkeep",
            started.elapsed().as_secs_f64()
        );
        report
    }
}

impl<S: Store + Maintain> Bench<S> {
    /// The sealing work of a delivery, measured apart: unseals every open version of
    /// `provider`, then times sealing the plaintexts again under the provider's open key
    /// on as many threads as the delivery has workers. Returns (versions, seconds).
    pub async fn seal_cost(&self, provider: &str) -> (usize, f64) {
        let mut plain = Vec::new();
        let mut after = 0;
        loop {
            let page = self
                .store
                .open_versions_page(provider, after, 100_000)
                .await
                .unwrap();
            let Some(last) = page.last() else { break };
            after = last.id;
            for v in &page {
                let aad = VersionAad::of_row(v);
                plain.push((aad, self.keys.open_version(v).unwrap().unwrap()));
            }
        }
        let sealer = self
            .keys
            .data()
            .current(provider, DataClass::Subscriber)
            .unwrap();
        let per_thread = plain.len().div_ceil(2).max(1);
        let started = Instant::now();
        std::thread::scope(|s| {
            for chunk in plain.chunks(per_thread) {
                let sealer = &sealer;
                s.spawn(move || {
                    let mut bytes = 0;
                    for (aad, text) in chunk {
                        bytes += std::hint::black_box(sealer.seal(aad.as_bytes(), text)).len();
                    }
                    bytes
                });
            }
        });
        (plain.len(), started.elapsed().as_secs_f64())
    }
}

/// Peak resident set size of this process, from /proc.
pub fn peak_rss_mb() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches(" kB").trim().parse::<u64>().ok())
        .map_or(0, |kb| kb / 1024)
}

pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

pub const D0: i64 = 1_793_574_000;
pub const DAY: i64 = 86_400;

/// Every k-th row's first phone number.
pub fn sample_msisdns(path: &std::path::Path, want: usize) -> Vec<String> {
    let mut reader = csv::Reader::from_path(path).unwrap();
    let col = reader
        .headers()
        .unwrap()
        .iter()
        .position(|h| h == "msisdn")
        .unwrap();
    let mut out = Vec::new();
    for (i, rec) in reader.records().enumerate() {
        let rec = rec.unwrap();
        if i % 97 == 0 && !rec[col].is_empty() {
            out.push(rec[col].split(';').next().unwrap().to_owned());
        }
    }
    let step = (out.len() / want.max(1)).max(1);
    out.into_iter().step_by(step).take(want).collect()
}

/// CPU seconds (user + system) used so far by the whole process, and by its threads whose
/// name starts with `thread`: from `/proc`, in clock ticks of 10 ms.
pub fn cpu_seconds(thread: &str) -> (f64, f64) {
    fn ticks(stat: &str) -> f64 {
        // Fields after the parenthesised name: state is 3rd, utime 14th, stime 15th.
        let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
        let f: Vec<&str> = rest.split_whitespace().collect();
        let n = |i: usize| f.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
        (n(11) + n(12)) / 100.0
    }
    let all = ticks(&std::fs::read_to_string("/proc/self/stat").unwrap_or_default());
    let mut named = 0.0;
    for task in std::fs::read_dir("/proc/self/task")
        .into_iter()
        .flatten()
        .flatten()
    {
        let comm = std::fs::read_to_string(task.path().join("comm")).unwrap_or_default();
        if comm.starts_with(thread) {
            named += ticks(&std::fs::read_to_string(task.path().join("stat")).unwrap_or_default());
        }
    }
    (all, named)
}

/// Bytes of every file under `dir`, recursively.
pub fn dir_bytes(dir: &std::path::Path) -> u64 {
    let mut total = 0;
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let meta = entry.metadata().unwrap();
        total += if meta.is_dir() {
            dir_bytes(&entry.path())
        } else {
            meta.len()
        };
    }
    total
}

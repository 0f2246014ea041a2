//! Retained traffic data at a large ISP's scale: sealed ingest of CGNAT port-block
//! assignments, then "public address, port, moment → subscriber" in-process.
//! `cargo bench -p tdip-core --bench traffic -- --rows 100000000 --queries 20000`
//!
//! The assignments are synthetic and laid out as a carrier-grade NAT writes them: 30
//! million a day (fewer when `--rows` is smaller), over a pool of public addresses with
//! 126 blocks of 512 ports each (ports 1024–65535), every block reassigned a few times a day; each batch is a
//! CSV stream generated on the fly (memory stays flat whatever `--rows`) of
//! `--batch` records (default: a day's), read, validated, blind-indexed, sealed and
//! applied atomically by `deliver_batch`, as a provider's upload is, followed by the
//! store's upkeep as `tdip traffic deliver` does it (SQLite merges the day's runs). Queries pick a random delivered assignment
//! and ask for a random port of its block at a random moment of its interval (each has
//! exactly one answer), plus 10% for ports nobody held (no-hits). With
//! `TDIP_BENCH_PG_URL=postgres://…/EMPTY_DATABASE` it runs on PostgreSQL instead of SQLite.

mod common;

#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::io::Read;
use std::time::Instant;

use common::*;
use tdip_core::traffic::identify::{Identify, identify};
use tdip_core::traffic::ingest::{BatchInput, deliver_batch};
use tdip_store::{Store, TrafficKind, TrafficStore};

/// 2026-11-02T00:00:00Z: the first day of the assignments.
const DAY0: i64 = 1_793_577_600;
// Ports 1024–65535: 126 blocks of 512.
const BLOCKS_PER_IP: u64 = 126;
const BLOCK: u64 = 512;

fn main() {
    runtime().block_on(async {
        match std::env::var("TDIP_BENCH_PG_URL") {
            Ok(url) => run(Bench::postgres(&url, &["isp"]).await).await,
            Err(_) => run(Bench::new(&["isp"]).await).await,
        }
    });
}

/// The layout of `rows` assignments.
#[derive(Clone, Copy)]
struct Layout {
    per_day: u64,
    ips: u64,
    /// Assignments of one block per day.
    rotations: u64,
}

impl Layout {
    fn new(rows: u64) -> Layout {
        let per_day = rows.clamp(1, 30_000_000);
        // About four assignments of each block a day.
        let ips = (per_day / (BLOCKS_PER_IP * 4)).max(1);
        let rotations = per_day.div_ceil(ips * BLOCKS_PER_IP);
        Layout {
            per_day,
            ips,
            rotations,
        }
    }

    /// Assignment `i`: public address, first port, start, end, user.
    fn record(&self, i: u64) -> (String, u64, i64, i64, u64) {
        let day = i / self.per_day;
        let j = i % self.per_day;
        let ip = j % self.ips;
        let block = (j / self.ips) % BLOCKS_PER_IP;
        let rotation = j / (self.ips * BLOCKS_PER_IP);
        let slot = 86_400 / self.rotations as i64;
        let start = DAY0 + day as i64 * 86_400 + rotation as i64 * slot;
        let address = format!(
            "100.{}.{}.{}",
            64 + (ip >> 16) % 64,
            (ip >> 8) & 255,
            ip & 255
        );
        (
            address,
            1024 + block * BLOCK,
            start,
            start + slot - 1,
            i % 5_000_000,
        )
    }
}

/// A CSV batch of assignments `from..to`, generated as it is read.
struct Generated {
    layout: Layout,
    next: u64,
    to: u64,
    buf: Vec<u8>,
    pos: usize,
}

impl Read for Generated {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        use std::io::Write;
        while self.pos == self.buf.len() {
            if self.next == self.to {
                return Ok(0);
            }
            self.buf.clear();
            self.pos = 0;
            let end = (self.next + 4096).min(self.to);
            for i in self.next..end {
                let (address, first, start, stop, user) = self.layout.record(i);
                writeln!(
                    self.buf,
                    "{address},{first},{},,u{user},{},{}",
                    first + BLOCK - 1,
                    stamp(start),
                    stamp(stop)
                )?;
            }
            self.next = end;
        }
        let n = out.len().min(self.buf.len() - self.pos);
        out[..n].copy_from_slice(&self.buf[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

fn stamp(t: i64) -> String {
    jiff::Timestamp::from_second(t)
        .unwrap()
        .strftime("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}

async fn run<S: Store + TrafficStore + Maintain>(b: Bench<S>) {
    let rows = arg("--rows", 10_000_000);
    let queries = arg("--queries", 20_000);
    let layout = Layout::new(rows);
    // One batch a day by default, as a NAT's daily log (SQLite merges a day's runs after
    // each batch, so fewer, larger batches cost less upkeep).
    let batch = arg("--batch", layout.per_day);
    let provider = b.store.provider("isp").await.unwrap().unwrap();
    let started = Instant::now();
    let mut seconds_in_ingest = 0.0;
    let mut from = 0;
    while from < rows {
        let to = (from + batch).min(rows);
        let source = Generated {
            layout,
            next: from,
            to,
            buf: b"public_ip,first_port,last_port,private_ip,user_id,start,end\n".to_vec(),
            pos: 0,
        };
        let t = Instant::now();
        let report = deliver_batch(
            &b.store,
            &b.keys,
            BatchInput {
                provider: &provider,
                batch_id: &format!("b{from}"),
                kind: TrafficKind::PortBlock,
                received_at: DAY0 + 400 * 86_400,
            },
            source,
        )
        .await
        .unwrap();
        assert_eq!(report.batch, "accepted", "{:?}", report.errors.first());
        let took = t.elapsed().as_secs_f64();
        seconds_in_ingest += took;
        let upkeep = Instant::now();
        let days = (
            tdip_store::day_of(report.first_at),
            tdip_store::day_of(report.last_at),
        );
        b.store.after_traffic(days.0, days.1).await;
        eprintln!(
            "  batch of {} in {took:.1} s ({:.0} records/s), upkeep {:.1} s; {to} of {rows}",
            to - from,
            (to - from) as f64 / took,
            upkeep.elapsed().as_secs_f64()
        );
        from = to;
    }
    println!(
        "ingest of {rows} port-block assignments, sealed, in batches of {batch}: {:.0} records/s \
         ({:.0} s; {:.0} s with the store's upkeep)",
        rows as f64 / seconds_in_ingest,
        seconds_in_ingest,
        started.elapsed().as_secs_f64()
    );
    // The data directory holds the store only for SQLite (PostgreSQL's is the server's).
    let bytes = dir_bytes(b.dir.path());
    if bytes > 1 << 20 {
        println!(
            "disk: {} bytes in the data directory, {:.0} bytes per assignment",
            bytes,
            bytes as f64 / rows as f64
        );
    }

    let mut lat = Vec::with_capacity(queries as usize);
    let mut hits = 0u64;
    let mut seed = 0x9e37_79b9_7f4a_7c15u64;
    let mut random = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    for n in 0..queries {
        let i = random() % rows;
        let (address, first, start, stop, _) = layout.record(i);
        let port = first + random() % BLOCK;
        let at = start + (random() % (stop - start + 1) as u64) as i64;
        // One in ten asks for a port below every block (nobody held it).
        let port = if n % 10 == 9 { random() % 1024 } else { port };
        let q = Identify {
            address,
            port: Some(port as u16),
            at,
            tolerance: 0,
        };
        let t = Instant::now();
        let answer = identify(&b.store, &b.keys, &q).await.unwrap();
        let took = t.elapsed();
        if n >= 1000 {
            lat.push(took.as_micros() as u64);
        }
        if n % 10 != 9 {
            assert_eq!(answer.candidates.len(), 1, "assignment {i}");
        } else {
            assert!(answer.candidates.is_empty());
        }
        hits += u64::from(!answer.candidates.is_empty());
    }
    lat.sort_unstable();
    let pct = |p: f64| lat[((lat.len() as f64 * p) as usize).min(lat.len() - 1)];
    println!(
        "identify (address, port, moment → assignment → subscriber) over {rows} assignments: {} \
         queries ({hits} hits), p50 {} µs, p99 {} µs, max {} µs",
        queries,
        pct(0.50),
        pct(0.99),
        lat[lat.len() - 1]
    );
    println!("peak RSS {} MB", peak_rss_mb());
}

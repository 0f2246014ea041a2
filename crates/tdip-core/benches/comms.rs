//! Mobile communications at a national operator's scale: sealed ingest of CDRs, then one
//! number's traffic over 30 days and a one-hour dump of a busy cell, in-process.
//! `cargo bench -p tdip-core --bench comms -- --rows 10000000 --days 30 --queries 2000`
//!
//! The CDRs are synthetic, generated as they are read (memory stays flat whatever
//! `--rows`): `--rows / --days` a day, spread evenly over the day, between subscribers
//! drawn from a population of a quarter of a day's records (so each number appears in
//! about eight records a day), each with calling and called number, the caller's IMSI and
//! IMEI, and a start and end cell among 2,000; one cell in every record's draw is "hot":
//! it carries at least 5,000 records an hour. Each batch (`--batch`, default a day's) is
//! read, validated, blind-indexed (about six indexes per record), sealed and applied
//! atomically by `deliver_batch`, as a provider's upload is. With
//! `TDIP_BENCH_PG_URL=postgres://…/EMPTY_DATABASE` it runs on PostgreSQL instead.

mod common;

#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::io::{Read, Write};
use std::time::Instant;

use common::*;
use tdip_core::traffic::comms::Reach;
use tdip_core::traffic::comms::dump::{CellDump, DumpTarget, cell_dump};
use tdip_core::traffic::comms::of::{CommsOf, comms_of};
use tdip_core::traffic::ingest::{BatchInput, deliver_batch};
use tdip_model::IdentKind;
use tdip_store::{Store, TrafficKind, TrafficStore};

/// 2026-10-01T00:00:00Z: the first day of the records.
const DAY0: i64 = 1_790_812_800;
const CELLS: u64 = 2000;
const HEADER: &str = "type,calling_number,called_number,calling_imsi,calling_imei,called_imsi,called_imei,calling_cell_start,calling_cell_end,called_cell_start,called_cell_end,forwarded_to,lines,start,end,service\n";

fn main() {
    runtime().block_on(async {
        match std::env::var("TDIP_BENCH_PG_URL") {
            Ok(url) => run(Bench::postgres(&url, &["mno"]).await).await,
            Err(_) => run(Bench::new(&["mno"]).await).await,
        }
    });
}

fn mix(mut x: u64) -> u64 {
    x ^= x >> 33;
    x = x.wrapping_mul(0xff51_afd7_ed55_8ccd);
    x ^= x >> 33;
    x = x.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    x ^ (x >> 33)
}

#[derive(Clone, Copy)]
struct Layout {
    per_day: u64,
    subscribers: u64,
    /// Of every 10,000 records, this many go through the hot cell.
    hot_per_10k: u64,
}

impl Layout {
    fn new(rows: u64, days: u64) -> Layout {
        let per_day = (rows / days.max(1)).max(1);
        let hot_per_hour = 5_500.0;
        let hot_per_10k = ((hot_per_hour * 24.0 / per_day as f64) * 10_000.0).ceil() as u64;
        Layout {
            per_day,
            subscribers: (per_day / 4).max(2),
            hot_per_10k: hot_per_10k.clamp(1, 10_000),
        }
    }

    fn start(&self, i: u64) -> i64 {
        let day = i / self.per_day;
        let j = i % self.per_day;
        DAY0 + day as i64 * 86_400 + (j * 86_400 / self.per_day) as i64
    }

    /// Record `i`: caller, callee, start, end, start cell, end cell.
    fn record(&self, i: u64) -> (u64, u64, i64, i64, u64, u64) {
        let h = mix(i);
        let caller = h % self.subscribers;
        let mut callee = mix(h) % self.subscribers;
        if callee == caller {
            callee = (callee + 1) % self.subscribers;
        }
        let start = self.start(i);
        let cell = |x: u64| {
            if x % 10_000 < self.hot_per_10k {
                0
            } else {
                1 + x % (CELLS - 1)
            }
        };
        (
            caller,
            callee,
            start,
            start + 30 + (h >> 40) as i64 % 300,
            cell(h >> 8),
            cell(h >> 20),
        )
    }
}

fn number(s: u64) -> String {
    format!("+316{:08}", s % 100_000_000)
}

fn imsi(s: u64) -> String {
    format!("20408{:010}", s)
}

/// A Luhn-valid IMEI for subscriber `s`.
fn imei(s: u64) -> String {
    let body = format!("35{:012}", s % 1_000_000_000_000);
    let sum: u32 = body
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| {
            let d = u32::from(b - b'0');
            if i % 2 == 0 {
                let d2 = d * 2;
                if d2 > 9 { d2 - 9 } else { d2 }
            } else {
                d
            }
        })
        .sum();
    format!("{body}{}", (10 - sum % 10) % 10)
}

struct Generated {
    layout: Layout,
    next: u64,
    to: u64,
    buf: Vec<u8>,
    pos: usize,
}

impl Read for Generated {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        while self.pos == self.buf.len() {
            if self.next == self.to {
                return Ok(0);
            }
            self.buf.clear();
            self.pos = 0;
            let end = (self.next + 4096).min(self.to);
            for i in self.next..end {
                let (a, b, start, stop, c1, c2) = self.layout.record(i);
                writeln!(
                    self.buf,
                    "call,{},{},{},{},,,c{c1},c{c2},,,,,{},{},volte",
                    number(a),
                    number(b),
                    imsi(a),
                    imei(a),
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

fn cells_csv() -> String {
    let mut out = String::from(
        "cell_id,valid_from,event,latitude,longitude,azimuth,beam_width,address,technology\n",
    );
    for c in 0..CELLS {
        out.push_str(&format!(
            "c{c},2026-09-01T00:00:00Z,,52.{:06},4.{:06},{},65,,lte\n",
            (c * 137) % 1_000_000,
            (c * 311) % 1_000_000,
            (c % 3) * 120
        ));
    }
    out
}

async fn deliver<S: Store + TrafficStore>(
    b: &Bench<S>,
    id: &str,
    kind: TrafficKind,
    source: impl Read + Send + 'static,
) -> tdip_core::traffic::ingest::BatchReport {
    let provider = b.store.provider("mno").await.unwrap().unwrap();
    let report = deliver_batch(
        &b.store,
        &b.keys,
        BatchInput {
            provider: &provider,
            batch_id: id,
            kind,
            received_at: DAY0 + 400 * 86_400,
        },
        source,
    )
    .await
    .unwrap();
    assert_eq!(report.batch, "accepted", "{:?}", report.errors.first());
    report
}

fn percentiles(mut lat: Vec<u64>) -> (u64, u64, u64) {
    lat.sort_unstable();
    let pct = |p: f64| lat[((lat.len() as f64 * p) as usize).min(lat.len() - 1)];
    (pct(0.50), pct(0.99), lat[lat.len() - 1])
}

async fn run<S: Store + TrafficStore + Maintain>(b: Bench<S>) {
    let rows = arg("--rows", 1_000_000);
    let days = arg("--days", 30).max(1);
    let queries = arg("--queries", 2_000);
    let layout = Layout::new(rows, days);
    let batch = arg("--batch", layout.per_day);
    deliver(
        &b,
        "cells",
        TrafficKind::Cell,
        std::io::Cursor::new(cells_csv().into_bytes()),
    )
    .await;
    let started = Instant::now();
    let mut seconds_in_ingest = 0.0;
    let mut from = 0;
    while from < rows {
        let to = (from + batch).min(rows);
        let source = Generated {
            layout,
            next: from,
            to,
            buf: HEADER.as_bytes().to_vec(),
            pos: 0,
        };
        let t = Instant::now();
        let report = deliver(&b, &format!("m{from}"), TrafficKind::Mobile, source).await;
        let took = t.elapsed().as_secs_f64();
        seconds_in_ingest += took;
        let upkeep = Instant::now();
        b.store
            .after_traffic(
                tdip_store::day_of(report.first_at),
                tdip_store::day_of(report.last_at),
            )
            .await;
        eprintln!(
            "  batch of {} in {took:.1} s ({:.0} records/s), upkeep {:.1} s; {to} of {rows}",
            to - from,
            (to - from) as f64 / took,
            upkeep.elapsed().as_secs_f64()
        );
        from = to;
    }
    println!(
        "ingest of {rows} mobile CDRs over {days} days, sealed, in batches of {batch}: {:.0} \
         records/s ({:.0} s; {:.0} s with the store's upkeep)",
        rows as f64 / seconds_in_ingest,
        seconds_in_ingest,
        started.elapsed().as_secs_f64()
    );
    let bytes = dir_bytes(b.dir.path());
    if bytes > 1 << 20 {
        println!(
            "disk: {bytes} bytes in the data directory, {:.0} bytes per CDR",
            bytes as f64 / rows as f64
        );
    }

    let span_days = (rows / layout.per_day).clamp(1, 30) as i64;
    let reach = Reach {
        location: true,
        subscribers: false,
    };
    let mut seed = 0x9e37_79b9_7f4a_7c15u64;
    let mut random = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let mut lat = Vec::new();
    let mut found = 0usize;
    for n in 0..queries {
        let s = random() % layout.subscribers;
        let q = CommsOf {
            kind: IdentKind::Msisdn,
            value: number(s),
            from: DAY0,
            to: DAY0 + span_days * 86_400 - 1,
            country: None,
        };
        let t = Instant::now();
        let answer = comms_of(&b.store, &b.keys, &q, reach).await.unwrap();
        if n >= queries / 10 {
            lat.push(t.elapsed().as_micros() as u64);
        }
        found += answer.items.len();
    }
    let (p50, p99, max) = percentiles(lat);
    println!(
        "one number's traffic over {span_days} days, cells placed, over {rows} CDRs: {queries} \
         queries, {:.0} communications per answer, p50 {p50} µs, p99 {p99} µs, max {max} µs",
        found as f64 / f64::from(u32::try_from(queries).unwrap_or(u32::MAX))
    );
    let mut lat = Vec::new();
    let mut dumped = 0usize;
    let dumps = (queries / 10).max(20);
    for n in 0..dumps {
        let hour = (random() % (span_days as u64 * 24)) as i64;
        let q = CellDump {
            target: DumpTarget::Cells {
                provider: "mno".into(),
                cell_ids: vec!["c0".into()],
            },
            from: DAY0 + hour * 3600,
            to: DAY0 + hour * 3600 + 3599,
        };
        let t = Instant::now();
        let answer = cell_dump(&b.store, &b.keys, &q, reach).await.unwrap();
        if n >= dumps / 10 {
            lat.push(t.elapsed().as_micros() as u64);
        }
        dumped += answer.items.len();
    }
    let (p50, p99, max) = percentiles(lat);
    println!(
        "one-hour dump of the busy cell over {rows} CDRs: {dumps} dumps, {:.0} communications \
         per dump, p50 {p50} µs, p99 {p99} µs, max {max} µs",
        dumped as f64 / f64::from(u32::try_from(dumps).unwrap_or(u32::MAX))
    );
    println!("peak RSS {} MB", peak_rss_mb());
}

//! In-process lookup latency with a large population loaded.
//! `cargo bench -p tdip-core --bench lookup -- --rows 10000000 --queries 20000`
//!
//! The population is split over four providers; queries are phone numbers sampled from
//! the delivered files, plus 10% numbers nobody holds (no-hits). With
//! `TDIP_BENCH_PG_URL=postgres://…/EMPTY_DATABASE` it runs on PostgreSQL instead of SQLite.

mod common;

#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::time::Instant;

use common::*;
use tdip_core::lookup::{Query, When, lookup};
use tdip_model::{Country, IdentKind};
use tdip_store::Store;

const PROVIDERS: [&str; 4] = ["kpn", "odido", "vodafoneziggo", "lebara"];

fn main() {
    runtime().block_on(async {
        match std::env::var("TDIP_BENCH_PG_URL") {
            Ok(url) => run(Bench::postgres(&url, &PROVIDERS).await).await,
            Err(_) => run(Bench::new(&PROVIDERS).await).await,
        }
    });
}

async fn run<S: Store + Maintain>(b: Bench<S>) {
    let rows = arg("--rows", 10_000_000);
    let queries = arg("--queries", 20_000) as usize;
    {
        let mut numbers = Vec::new();
        for (i, p) in PROVIDERS.iter().enumerate() {
            let path = b.generate(p, rows / PROVIDERS.len() as u64, 0);
            b.deliver(&format!("load {p}"), p, &path, D0 + i as i64)
                .await;
            numbers.extend(sample_msisdns(&path, queries / PROVIDERS.len()));
            std::fs::remove_file(&path).unwrap();
        }
        let mut qs: Vec<String> = numbers;
        for i in 0..qs.len() / 9 {
            qs.push(format!("+3169{:07}", 1_000_000 + i * 7));
        }
        // Spread hits and no-hits over the run.
        qs.sort_by_key(|q| fxhash(q));
        let mut lat = Vec::with_capacity(qs.len());
        let mut hits = 0usize;
        for (n, value) in qs.iter().enumerate() {
            let q = Query {
                kind: IdentKind::Msisdn,
                value: value.clone(),
                when: When::At { at: D0 + DAY },
                default_country: Some(Country::Nl),
            };
            let started = Instant::now();
            let answer = lookup(&b.store, &b.keys, &q).await.unwrap();
            let took = started.elapsed();
            if n >= 1000 {
                lat.push(took.as_micros() as u64);
            }
            hits += usize::from(!answer.hits.is_empty());
        }
        lat.sort_unstable();
        let pct = |p: f64| lat[((lat.len() as f64 * p) as usize).min(lat.len() - 1)];
        println!(
            "lookup with {rows} subscribers: {} queries ({hits} hits), p50 {} µs, p99 {} µs, max {} µs",
            qs.len(),
            pct(0.50),
            pct(0.99),
            lat[lat.len() - 1]
        );
        println!("peak RSS {} MB", peak_rss_mb());
    }
}

fn fxhash(s: &str) -> u64 {
    s.bytes().fold(0xcbf29ce484222325u64, |h, b| {
        (h ^ b as u64).wrapping_mul(0x100000001b3)
    })
}

//! What durable auditing costs: lookups per second with concurrent callers, plain
//! lookups against consultations that are judged and logged (request, reference and answer
//! entries durable in the SQLite audit log before each answer, group-committed).
//! `cargo bench -p tdip-core --bench audit -- --rows 1000000 --seconds 10 --tasks 64`

mod common;

#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use common::*;
use tdip_access::{Catalogue, Category, Demand, Urgency};
use tdip_core::audit::{AuditKeys, Auditor};
use tdip_core::consult::{self, Channel};
use tdip_core::lookup::{Query, When, lookup};
use tdip_model::{Country, IdentKind, LegalZone};
use tdip_store::sqlite::{SqliteAudit, SqliteStore};
use tdip_store::{AccessStore, AuditStore, Officer};

const PROVIDERS: [&str; 4] = ["kpn", "odido", "vodafoneziggo", "lebara"];

struct Shared {
    bench: Bench<SqliteStore>,
    queries: Vec<Query>,
    catalogue: Catalogue,
    auditor: Auditor<SqliteAudit>,
    next: AtomicU64,
}

fn main() {
    let rows = arg("--rows", 1_000_000);
    let seconds = arg("--seconds", 10);
    let tasks = arg("--tasks", 64);
    let rounds = arg("--rounds", 3);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let bench = Bench::new(&PROVIDERS).await;
        let mut numbers = Vec::new();
        for (i, p) in PROVIDERS.iter().enumerate() {
            let path = bench.generate(p, rows / PROVIDERS.len() as u64, 0);
            bench
                .deliver(&format!("load {p}"), p, &path, D0 + i as i64)
                .await;
            numbers.extend(sample_msisdns(&path, 5_000));
            std::fs::remove_file(&path).unwrap();
        }
        // 10% no-hits.
        for i in 0..numbers.len() / 9 {
            numbers.push(format!("+3169{:07}", 1_000_000 + i * 7));
        }
        let queries = numbers
            .into_iter()
            .map(|value| Query {
                kind: IdentKind::Msisdn,
                value,
                when: When::At { at: D0 + DAY },
                default_country: Country::Nl,
            })
            .collect();
        bench
            .store
            .add_officer(&Officer {
                agency: "nl/politie".into(),
                id: "B-1".into(),
                name: "Bench".into(),
                registered_at: D0,
                valid_until: None,
                suspended: None,
            })
            .await
            .unwrap();
        let audit = SqliteAudit::open(&bench.dir.path().join("audit.db")).unwrap();
        let auditor = Auditor::new(audit, Some(AuditKeys::new(&bench.keys)));
        let shared = Arc::new(Shared {
            bench,
            queries,
            catalogue: Catalogue::defaults().unwrap(),
            auditor,
            next: AtomicU64::new(0),
        });
        let mut plain = Vec::new();
        let mut audited = Vec::new();
        for round in 0..rounds {
            let a = run(&shared, false, tasks, seconds).await;
            let b = run(&shared, true, tasks, seconds).await;
            println!(
                "round {round}: plain {a:.0} lookups/s, audited {b:.0} lookups/s ({:.1}% fewer)",
                100.0 * (1.0 - b / a)
            );
            plain.push(a);
            audited.push(b);
        }
        let logged = shared
            .auditor
            .store()
            .audit_entries(0, u32::MAX)
            .await
            .unwrap()
            .len();
        let consulted = shared.next.load(Ordering::Relaxed);
        shared.auditor.sign(D0 + 2 * DAY).await.unwrap();
        let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
        println!(
            "{rows} subscribers, {tasks} concurrent callers, {rounds} rounds of {seconds} s each: \
             plain {:.0} lookups/s, durable audit {:.0} lookups/s: audit costs {:.1}%; \
             {logged} entries logged",
            mean(&plain),
            mean(&audited),
            100.0 * (1.0 - mean(&audited) / mean(&plain)),
        );
        assert_eq!(
            logged as u64,
            3 * consulted,
            "every acknowledged consultation is in the log"
        );
        println!("peak RSS {} MB", peak_rss_mb());
    });
}

/// Lookups per second over `seconds` with `tasks` concurrent callers.
async fn run(shared: &Arc<Shared>, audited: bool, tasks: u64, seconds: u64) -> f64 {
    let done = Arc::new(AtomicU64::new(0));
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let started = Instant::now();
    let mut handles = Vec::new();
    for t in 0..tasks {
        let (shared, done) = (shared.clone(), done.clone());
        handles.push(tokio::spawn(async move {
            let mut i = t as usize;
            while Instant::now() < deadline {
                let q = &shared.queries[i % shared.queries.len()];
                i += tasks as usize;
                if audited {
                    let demand = Demand {
                        agency: "nl/politie".into(),
                        officer: "B-1".into(),
                        basis: "nl/sv-126na".into(),
                        case_reference: "BENCH-1".into(),
                        authorised_by: None,
                        urgency: Urgency::Normal,
                        category: Category::HistoricalIdentification,
                        query: q.kind,
                    };
                    let p = consult::Point {
                        store: &shared.bench.store,
                        keys: &shared.bench.keys,
                        catalogue: &shared.catalogue,
                        auditor: &shared.auditor,
                        zone: LegalZone::Amsterdam,
                    };
                    consult::consult(&p, &demand, q, Channel::Api, D0 + DAY)
                        .await
                        .unwrap();
                    shared.next.fetch_add(1, Ordering::Relaxed);
                } else {
                    lookup(&shared.bench.store, &shared.bench.keys, q)
                        .await
                        .unwrap();
                }
                done.fetch_add(1, Ordering::Relaxed);
            }
        }));
    }
    for h in handles {
        h.await.unwrap();
    }
    done.load(Ordering::Relaxed) as f64 / started.elapsed().as_secs_f64()
}

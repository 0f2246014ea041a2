//! What durable auditing costs: lookups per second with concurrent callers, in three
//! modes — plain lookups; judged lookups (the demand checked against the catalogue and
//! the officer registry, then the lookup, nothing logged); and consultations, judged and
//! logged (request, reference and answer entries durable in the SQLite audit log before
//! each answer, group-committed).
//! `cargo bench -p tdip-core --bench audit -- --rows 1000000 --seconds 4 --rounds 6 --tasks 64`

mod common;

#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use common::*;
use tdip_access::{Catalogue, Category, DeadlinePolicy, Demand, Urgency};
use tdip_core::audit::{AuditKeys, Auditor};
use tdip_core::consult::{self, Channel};
use tdip_core::lookup::{Query, When, lookup};
use tdip_model::{Country, IdentKind, LegalZone};
use tdip_store::{AccessStore, AuditStore, Officer};
use tdip_store_sqlite::{SqliteAudit, SqliteStore};

const PROVIDERS: [&str; 4] = ["kpn", "odido", "vodafoneziggo", "lebara"];

struct Shared {
    bench: Bench<SqliteStore>,
    queries: Vec<Query>,
    catalogue: Catalogue,
    deadlines: DeadlinePolicy,
    auditor: Auditor<SqliteAudit>,
    next: AtomicU64,
}

fn main() {
    let rows = arg("--rows", 1_000_000);
    let seconds = arg("--seconds", 4);
    let tasks = arg("--tasks", 64);
    let rounds = arg("--rounds", 6);
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
                default_country: Some(Country::Nl),
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
            deadlines: DeadlinePolicy::default(),
            auditor,
            next: AtomicU64::new(0),
        });
        let mut figures: Vec<[Figure; 3]> = Vec::new();
        for round in 0..rounds {
            // The machine's speed drifts; each round runs the three modes in a different
            // order, so that no mode always comes first.
            let mut f = [Figure::default(); 3];
            for k in 0..3 {
                let m = (k + round as usize) % 3;
                f[m] = run(&shared, MODES[m], tasks, seconds).await;
            }
            let r = f.map(|f| f.rate);
            println!(
                "round {round}: plain {:.0} /s, judged {:.0} /s, judged and logged {:.0} /s \
                 (logging costs {:.1}% of the judged, judging and logging {:.1}% of the plain); \
                 CPU per lookup {:.1} / {:.1} / {:.1} µs, of which the audit writer's thread {:.1} µs",
                r[0],
                r[1],
                r[2],
                100.0 * (1.0 - r[2] / r[1]),
                100.0 * (1.0 - r[2] / r[0]),
                f[0].cpu_us,
                f[1].cpu_us,
                f[2].cpu_us,
                f[2].writer_us,
            );
            figures.push(f);
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
        let mean = |m: usize, v: fn(&Figure) -> f64| {
            figures.iter().map(|f| v(&f[m])).sum::<f64>() / figures.len() as f64
        };
        let [plain, judged, logged_too] = [0, 1, 2].map(|m| mean(m, |f| f.rate));
        let [cpu_plain, cpu_judged, cpu_logged] = [0, 1, 2].map(|m| mean(m, |f| f.cpu_us));
        let mut costs: Vec<f64> = figures
            .iter()
            .map(|f| 100.0 * (1.0 - f[2].rate / f[1].rate))
            .collect();
        costs.sort_by(f64::total_cmp);
        println!(
            "{rows} subscribers, {tasks} concurrent callers, {rounds} rounds of {seconds} s each: \
             plain {plain:.0} /s, judged {judged:.0} /s, judged and durably logged \
             {logged_too:.0} /s: the durable audit costs {:.1}% of the judged lookups (median of \
             the rounds {:.1}%, from {:.1}% to {:.1}%), judging and logging together {:.1}% of \
             the plain; CPU per lookup {cpu_plain:.1} / {cpu_judged:.1} / {cpu_logged:.1} µs, of \
             which the audit writer's thread {:.1} µs; {logged} entries logged",
            100.0 * (1.0 - logged_too / judged),
            costs[costs.len() / 2],
            costs[0],
            costs[costs.len() - 1],
            100.0 * (1.0 - logged_too / plain),
            mean(2, |f| f.writer_us),
        );
        assert_eq!(
            logged as u64,
            3 * consulted,
            "every acknowledged consultation is in the log"
        );
        println!("peak RSS {} MB", peak_rss_mb());
    });
}

const MODES: [Mode; 3] = [Mode::Plain, Mode::Judged, Mode::Consulted];

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// `lookup` alone.
    Plain,
    /// What `consult` checks before the lookup (catalogue, registry), then the lookup.
    Judged,
    /// `consult`: judged, looked up, and logged durably before the answer.
    Consulted,
}

fn demand(kind: IdentKind) -> Demand {
    Demand {
        agency: "nl/politie".into(),
        officer: "B-1".into(),
        basis: "nl/sv-126na".into(),
        case_reference: "BENCH-1".into(),
        authorised_by: None,
        urgency: Urgency::Normal,
        category: Category::HistoricalIdentification,
        query: kind,
        term: None,
    }
}

/// What a mode achieved: lookups per second, and CPU time per lookup (µs) in all and in
/// the audit writer's thread.
#[derive(Clone, Copy, Default)]
struct Figure {
    rate: f64,
    cpu_us: f64,
    writer_us: f64,
}

/// Lookups per second over `seconds` with `tasks` concurrent callers.
async fn run(shared: &Arc<Shared>, mode: Mode, tasks: u64, seconds: u64) -> Figure {
    let done = Arc::new(AtomicU64::new(0));
    let (cpu0, writer0) = cpu_seconds("tdip-audit-writ");
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
                match mode {
                    Mode::Plain => {
                        lookup(&shared.bench.store, &shared.bench.keys, q)
                            .await
                            .unwrap();
                    }
                    Mode::Judged => {
                        let d = demand(q.kind);
                        shared.catalogue.authorise(&d).unwrap();
                        let standing = shared.bench.store.standing(&d.agency, &d.officer);
                        assert!(standing.await.unwrap().officer.is_some());
                        lookup(&shared.bench.store, &shared.bench.keys, q)
                            .await
                            .unwrap();
                    }
                    Mode::Consulted => {
                        let p = consult::Consulting {
                            store: &shared.bench.store,
                            keys: &shared.bench.keys,
                            catalogue: &shared.catalogue,
                            auditor: &shared.auditor,
                            deadlines: &shared.deadlines,
                            zone: LegalZone::Amsterdam,
                        };
                        consult::consult(&p, &demand(q.kind), q, Channel::Api, D0 + DAY)
                            .await
                            .unwrap();
                        shared.next.fetch_add(1, Ordering::Relaxed);
                    }
                }
                done.fetch_add(1, Ordering::Relaxed);
            }
        }));
    }
    for h in handles {
        h.await.unwrap();
    }
    let (cpu1, writer1) = cpu_seconds("tdip-audit-writ");
    let n = done.load(Ordering::Relaxed) as f64;
    Figure {
        rate: n / started.elapsed().as_secs_f64(),
        cpu_us: (cpu1 - cpu0) * 1e6 / n,
        writer_us: (writer1 - writer0) * 1e6 / n,
    }
}

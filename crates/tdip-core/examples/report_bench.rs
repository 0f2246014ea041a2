//! What the yearly report costs: a SQLite audit log of N consultations (request,
//! reference and answer entries each, over one year, 36 agencies, a tenth no-hits and a
//! fiftieth refused, as the CIOT's volume is), then the report's figures counted over it
//! — every body read, checked against its digest and tallied, the Merkle root rebuilt —
//! timed, with the process's peak resident memory.
//! `cargo run --release -p tdip-core --example report_bench -- --consultations 3000000`

use std::time::Instant;

use tdip_core::audit::figures::{Scope, count};
use tdip_core::audit::{AskedPeriod, Event, Outcome, new_entry as entry};
use tdip_model::LegalZone;
use tdip_store::AuditStore;
use tdip_store_sqlite::SqliteAudit;

// The allocator the `tdip` binary runs `tdip report` with (crates/tdip/src/main.rs): the
// count allocates every entry's body and event, and glibc's malloc spends a third of the
// count consolidating its free lists once the log has grown.
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

const YEAR_START: i64 = 1_767_222_000; // 2025-12-31T23:00:00Z, 1 January 2026 in Amsterdam
const YEAR: i64 = 365 * 86_400;

fn arg(name: &str, default: u64) -> u64 {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .map_or(default, |v| v.parse().expect("a number"))
}

fn peak_rss_mb() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<u64>().ok())
        })
        .map_or(0, |kb| kb / 1024)
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let n = arg("--consultations", 3_000_000);
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteAudit::open(&dir.path().join("audit.db")).unwrap();
    let agencies: Vec<String> = (0..36).map(|i| format!("nl/agency-{i}")).collect();
    let started = Instant::now();
    let mut batch = Vec::with_capacity(30_000);
    for i in 0..n {
        let at = YEAR_START + (i as i64 * YEAR) / n as i64;
        let c = format!("{i:016x}");
        batch.push(entry(
            at,
            Event::Request {
                consultation: c.clone(),
                agency: agencies[(i % 36) as usize].clone(),
                officer: format!("{}", i % 5_000),
                basis: if i % 3 == 0 {
                    "nl/sv-126n"
                } else {
                    "nl/sv-126na"
                }
                .into(),
                case_reference: format!("PL-{}", i / 4),
                authorised_by: None,
                urgency: "normal".into(),
                category: "current_identification".into(),
                query: "msisdn".into(),
                asked: AskedPeriod { from: at, to: at },
                channel: if i % 2 == 0 { "hi1" } else { "api" }.into(),
            },
        ));
        batch.push(entry(
            at,
            Event::Reference {
                consultation: c.clone(),
                blind: Some(vec![7; 16]),
                sealed: vec![9; 60],
            },
        ));
        batch.push(entry(
            at,
            if i % 50 == 0 {
                Event::Refusal {
                    consultation: c,
                    code: "basis-not-held".into(),
                    reason: "the agency does not hold this basis".into(),
                }
            } else {
                Event::Answered {
                    consultation: c,
                    outcome: if i % 10 == 0 {
                        Outcome::NoHit
                    } else {
                        Outcome::Hit
                    },
                    providers: vec!["kpn".into()],
                    records: 1,
                    age_seconds: 3_600,
                    due: at + 60,
                    due_rule: "real-time".into(),
                    took_ms: 40,
                }
            },
        ));
        if batch.len() >= 30_000 {
            store.append_audit(&batch).await.unwrap();
            batch.clear();
        }
    }
    store.append_audit(&batch).await.unwrap();
    let size = n * 3;
    println!(
        "wrote {size} entries ({n} consultations) in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let scope = Scope {
        from: YEAR_START,
        to: YEAR_START + YEAR - 1,
        zone: LegalZone::Amsterdam,
        withheld: vec![],
        jurisdiction: None,
    };
    let rss_before = peak_rss_mb();
    let started = Instant::now();
    let (figures, head) = count(&store, size, &scope).await.unwrap();
    let secs = started.elapsed().as_secs_f64();
    assert_eq!(figures.consultations, n);
    assert_eq!(head.size, size);
    println!(
        "yearly report over {size} entries: {secs:.1} s ({:.0} entries/s); {} consultations, \
         {} hits, {} no hits, {} refused, {} rows; peak RSS {} MB (after writing: {} MB)",
        size as f64 / secs,
        figures.consultations,
        figures.hits,
        figures.no_hits,
        figures.refused,
        figures.by_month.len(),
        peak_rss_mb(),
        rss_before
    );
}

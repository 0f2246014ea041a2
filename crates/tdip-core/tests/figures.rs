//! The yearly report's figures, counted from a log written by hand: months in legal
//! local time (a consultation at 22:30 UTC on 31 March is April's in Amsterdam), answers
//! and refusals joined to their request, the withheld agencies left out everywhere,
//! answers after their due time, late deliveries, consultations still open — and the same
//! figures from the SQLite and the PostgreSQL audit log (`TDIP_TEST_PG_URL`).

use std::process::Command;

use tdip_core::audit::figures::{
    Count, DeadlineRow, Figures, MonthRow, OfficerRow, ProviderRow, Scope, count,
};
use tdip_core::audit::{AskedPeriod, Auditor, Event, Outcome, ProviderState};
use tdip_model::LegalZone;
use tdip_store::AuditStore;
use tdip_store_sqlite::SqliteAudit;

fn utc(s: &str) -> i64 {
    s.parse::<jiff::Timestamp>().unwrap().as_second()
}

fn request(c: &str, agency: &str, basis: &str, channel: &str) -> Event {
    Event::Request {
        consultation: c.into(),
        agency: agency.into(),
        // c2 is asked by another officer of the same agency.
        officer: if c == "c2" { "T-2" } else { "T-1" }.into(),
        basis: basis.into(),
        case_reference: "CASE-1".into(),
        authorised_by: None,
        urgency: "normal".into(),
        category: "current_identification".into(),
        query: "msisdn".into(),
        asked: AskedPeriod { from: 0, to: 0 },
        channel: channel.into(),
    }
}

fn answered(c: &str, outcome: Outcome, due: i64, took_ms: u64) -> Event {
    Event::Answered {
        consultation: c.into(),
        outcome,
        providers: vec!["kpn".into()],
        records: 1,
        age_seconds: 3_600,
        due,
        due_rule: "real-time".into(),
        took_ms,
    }
}

fn delivery(snapshot_at: i64) -> Event {
    Event::DeliveryAccepted {
        provider: "kpn".into(),
        delivery: 1,
        snapshot_at,
        checksum: vec![0; 32],
        rows: 1,
        opened: 1,
        changed: 0,
        closed: 0,
        state: ProviderState {
            open: 1,
            versions: 1,
            indexes: 1,
            index_parts: vec![],
        },
        recovered: false,
    }
}

/// Writes the test's log into `store`; returns its size.
async fn write<A: AuditStore + 'static>(store: A) -> (Auditor<A>, u64) {
    let log = Auditor::new(store, None);
    let march31 = utc("2026-03-31T22:30:00Z");
    let april2 = utc("2026-04-02T10:00:00Z");
    let entries: Vec<(i64, Vec<Event>)> = vec![
        // Before the year: not counted, nor is its late answer.
        (
            utc("2025-12-31T22:59:59Z"),
            vec![request("c0", "nl/politie", "nl/sv-126na", "cli")],
        ),
        (
            utc("2025-12-31T23:00:30Z"),
            vec![answered("c0", Outcome::Hit, 0, 1)],
        ),
        // April in Amsterdam (00:30 CEST), a hit answered in time.
        (
            march31,
            vec![
                request("c1", "nl/politie", "nl/sv-126na", "api"),
                answered("c1", Outcome::Hit, march31 + 60, 900),
            ],
        ),
        // A no-hit answered after its due time.
        (
            april2,
            vec![
                request("c2", "nl/politie", "nl/sv-126na", "hi1"),
                answered("c2", Outcome::NoHit, april2, 1_500),
            ],
        ),
        // A refusal.
        (
            april2 + 10,
            vec![
                request("c3", "nl/fiod", "nl/sv-126n", "cli"),
                Event::Refusal {
                    consultation: "c3".into(),
                    code: "basis-not-held".into(),
                    reason: "…".into(),
                },
            ],
        ),
        // The AIVD's: left out of the published variant, answer and all.
        (
            april2 + 20,
            vec![
                request("c4", "nl/aivd", "nl/wiv-56", "api"),
                answered("c4", Outcome::Hit, april2 + 80, 10),
            ],
        ),
        // Still open when the head was signed.
        (
            april2 + 30,
            vec![request("c5", "nl/politie", "nl/sv-126na", "cli")],
        ),
        // Deliveries: 1 and 2 April on time, then a gap of three days (late), a rejection.
        (
            utc("2026-04-01T01:00:00Z"),
            vec![delivery(utc("2026-03-31T22:00:00Z"))],
        ),
        (
            utc("2026-04-02T01:00:00Z"),
            vec![delivery(utc("2026-04-01T22:00:00Z"))],
        ),
        (
            utc("2026-04-05T01:00:00Z"),
            vec![delivery(utc("2026-04-04T22:00:00Z"))],
        ),
        (
            utc("2026-04-06T01:00:00Z"),
            vec![Event::Delivery {
                provider: "kpn".into(),
                outcome: "rejected".into(),
                rows: 3,
                opened: 0,
                closed: 0,
            }],
        ),
    ];
    for (at, events) in entries {
        log.record(at, events).await.unwrap();
    }
    // Counted over 15 entries: c5's answer, written after, is not.
    log.record(april2 + 40, vec![answered("c5", Outcome::Hit, 0, 1)])
        .await
        .unwrap();
    (log, 15)
}

fn year() -> (i64, i64) {
    (utc("2025-12-31T23:00:00Z"), utc("2026-12-31T22:59:59Z"))
}

fn scope(withheld: &[&str]) -> Scope {
    let (from, to) = year();
    Scope {
        from,
        to,
        zone: LegalZone::Amsterdam,
        withheld: withheld.iter().map(|s| s.to_string()).collect(),
        jurisdiction: None,
    }
}

fn expected_published() -> Figures {
    let row = |agency: &str, basis: &str, c, h, n, r| MonthRow {
        agency: agency.into(),
        basis: basis.into(),
        month: "2026-04".into(),
        consultations: c,
        hits: h,
        no_hits: n,
        refused: r,
    };
    let count = |name: &str, count| Count {
        name: name.into(),
        count,
    };
    Figures {
        consultations: 4,
        hits: 1,
        no_hits: 1,
        refused: 1,
        open: 1,
        by_month: vec![
            row("nl/fiod", "nl/sv-126n", 1, 0, 0, 1),
            row("nl/politie", "nl/sv-126na", 3, 1, 1, 0),
        ],
        refusals: vec![count("basis-not-held", 1)],
        channels: vec![count("api", 1), count("cli", 2), count("hi1", 1)],
        categories: vec![count("current_identification", 4)],
        deadlines: vec![DeadlineRow {
            rule: "real-time".into(),
            answered: 2,
            late: 1,
            // 900 ms and 1.5 s.
            took: vec![1, 1, 0, 0, 0],
        }],
        providers: vec![ProviderRow {
            provider: "kpn".into(),
            accepted: 3,
            rejected: 1,
            days_delivered: 3,
            late: 1,
        }],
        officers: vec![
            officer("nl/fiod", "T-1", 1, 0, 0, 1),
            officer("nl/politie", "T-1", 2, 1, 0, 0),
            officer("nl/politie", "T-2", 1, 0, 1, 0),
        ],
    }
}

fn officer(agency: &str, officer: &str, c: u64, h: u64, n: u64, r: u64) -> OfficerRow {
    OfficerRow {
        agency: agency.into(),
        officer: officer.into(),
        consultations: c,
        hits: h,
        no_hits: n,
        refused: r,
    }
}

async fn check<A: AuditStore + 'static>(store: A) -> (Figures, Figures) {
    let (log, size) = write(store).await;
    let (published, head) = count(log.store(), size, &scope(&["nl/aivd"]))
        .await
        .unwrap();
    assert_eq!(head.size, size);
    assert_eq!(published, expected_published());
    let (full, _) = count(log.store(), size, &scope(&[])).await.unwrap();
    assert_eq!(
        (full.consultations, full.hits, full.channels[0].count),
        (5, 2, 2)
    );
    // Numbered officers: by their counts within the agency, their ids gone.
    let mut numbered = published.clone();
    numbered.number_officers();
    assert_eq!(
        numbered.officers,
        [
            officer("nl/fiod", "officer 1", 1, 0, 0, 1),
            officer("nl/politie", "officer 1", 2, 1, 0, 0),
            officer("nl/politie", "officer 2", 1, 0, 1, 0),
        ]
    );
    // An oversight body's view: its jurisdiction's agencies only, by the whole first part
    // of their id (`n` is not `nl`).
    for (jurisdiction, consultations) in [("nl", 5), ("be", 0), ("n", 0)] {
        let mut only = scope(&[]);
        only.jurisdiction = Some(jurisdiction.into());
        let (f, _) = count(log.store(), size, &only).await.unwrap();
        assert_eq!(f.consultations, consultations, "{jurisdiction}");
        assert_eq!(
            f.officers.iter().map(|o| o.consultations).sum::<u64>(),
            consultations
        );
        assert_eq!(
            f.providers, published.providers,
            "deliveries are not an agency's"
        );
    }
    // Counting over more entries than the log holds is refused, saying so.
    let e = count(log.store(), size + 5, &scope(&[])).await.unwrap_err();
    assert!(e.to_string().contains("fewer than the"), "{e}");
    (published, full)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_figures_follow_the_log_and_agree_between_sqlite_and_postgresql() {
    let dir = tempfile::tempdir().unwrap();
    let sqlite = check(SqliteAudit::open(&dir.path().join("audit.db")).unwrap()).await;

    let admin = std::env::var("TDIP_TEST_PG_URL")
        .expect("set TDIP_TEST_PG_URL to run the PostgreSQL half of this test");
    let name = format!("tdip_figures_{}", std::process::id());
    let psql = |sql: &str| {
        let out = Command::new("psql")
            .args([&admin, "-Atqc", sql])
            .output()
            .expect("psql runs");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    psql(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
    psql(&format!("CREATE DATABASE {name}"));
    let (server, _) = admin.rsplit_once('/').unwrap();
    let store = tdip_store_pg::PgStore::connect(&format!("{server}/{name}"))
        .await
        .unwrap();
    let pg = check(store).await;
    psql(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
    assert_eq!(sqlite, pg);
}

fn be_request(c: &str, agency: &str, case: &str) -> Event {
    let Event::Request {
        consultation,
        officer,
        basis,
        authorised_by,
        urgency,
        category,
        query,
        asked,
        channel,
        ..
    } = request(c, agency, "be/sv-46bis", "api")
    else {
        unreachable!()
    };
    Event::Request {
        consultation,
        agency: agency.into(),
        officer,
        basis,
        case_reference: case.into(),
        authorised_by,
        urgency,
        category,
        query,
        asked,
        channel,
    }
}

fn hit_of(c: &str, provider: &str, age_days: i64) -> Event {
    Event::Answered {
        consultation: c.into(),
        outcome: Outcome::Hit,
        providers: vec![provider.into()],
        records: 1,
        age_seconds: age_days * 86_400,
        due: i64::MAX / 2_000,
        due_rule: "retrospective".into(),
        took_ms: 5,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn art9_counts_a_providers_cases_and_the_age_of_what_was_asked() {
    use tdip_core::audit::art9::art9;
    let dir = tempfile::tempdir().unwrap();
    let log = Auditor::new(
        SqliteAudit::open(&dir.path().join("audit.db")).unwrap(),
        None,
    );
    let t = utc("2025-06-01T10:00:00Z");
    // Five provisions of proximus' data (two in one case), aged 1, 10, 40, 100 and 400
    // days; one of another provider's; one asked by a Dutch agency (not counted); a
    // no-hit and a refusal (not met).
    let ages = [
        ("c1", "K1", 1),
        ("c2", "K2", 10),
        ("c3", "K3", 40),
        ("c4", "K4", 100),
        ("c5", "K4", 400),
    ];
    for (i, (c, case, days)) in ages.iter().enumerate() {
        log.record(
            t + i as i64,
            vec![
                be_request(c, "be/politie", case),
                hit_of(c, "proximus", *days),
            ],
        )
        .await
        .unwrap();
    }
    log.record(
        t + 10,
        vec![
            be_request("c6", "be/politie", "K6"),
            hit_of("c6", "telenet", 3),
        ],
    )
    .await
    .unwrap();
    log.record(
        t + 11,
        vec![
            be_request("c7", "nl/politie", "K7"),
            hit_of("c7", "proximus", 3),
        ],
    )
    .await
    .unwrap();
    log.record(
        t + 12,
        vec![
            be_request("c8", "be/politie", "K8"),
            answered("c8", Outcome::NoHit, i64::MAX / 2_000, 1),
            be_request("c9", "be/politie", "K9"),
            Event::Refusal {
                consultation: "c9".into(),
                code: "category-not-permitted".into(),
                reason: "…".into(),
            },
        ],
    )
    .await
    .unwrap();
    let year = (utc("2024-12-31T23:00:00Z"), utc("2025-12-31T22:59:59Z"));
    let (s, head) = art9(log.store(), 18, "proximus", "be", year).await.unwrap();
    assert_eq!(head.size, 18);
    assert_eq!((s.cases_provided, s.provisions), (4, 5));
    let buckets: Vec<u64> = s.age_buckets.iter().map(|c| c.count).collect();
    assert_eq!(buckets, [1, 1, 1, 1, 0, 1]);
    assert_eq!(s.age_buckets[5].name, "12 months or more");
    let day = 86_400;
    assert_eq!(
        (
            s.age_p50_seconds,
            s.age_p90_seconds,
            s.age_p99_seconds,
            s.age_max_seconds
        ),
        (
            Some(40 * day),
            Some(400 * day),
            Some(400 * day),
            Some(400 * day)
        )
    );
    let not_met: Vec<(&str, u64)> = s
        .not_met
        .iter()
        .map(|c| (c.name.as_str(), c.count))
        .collect();
    assert_eq!(not_met, [("category-not-permitted", 1), ("no-data", 1)]);
    // A provider with no provision has no quantiles, and the same requests not met.
    let (none, _) = art9(log.store(), 18, "voo", "be", year).await.unwrap();
    assert_eq!((none.provisions, none.age_p50_seconds), (0, None));
    assert_eq!(none.not_met, s.not_met);
}

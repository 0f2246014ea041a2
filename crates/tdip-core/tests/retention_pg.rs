//! Retention on PostgreSQL, against a `pg_dump` taken before the run and restored into a
//! fresh database afterwards: the restored copy cannot answer for the month the run
//! destroyed, while the day a preservation order held still answers — from the live
//! store and from the copy — until the order is lifted and the next run destroys it.
//!
//! Needs `TDIP_TEST_PG_URL` (a server whose user may create databases), `pg_dump` and
//! `psql`.

use std::path::Path;
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::AtomicU64;

use tdip_core::PointKeys;
use tdip_core::audit::{AuditKeys, Auditor, Event};
use tdip_core::ingest::{DeliveryPolicy, DeliveryRequest, Format, deliver};
use tdip_core::lookup::{Query, When, lookup};
use tdip_core::retention::{self, Class, Policy};
use tdip_core::traffic::ingest::{BatchInput, deliver_batch};
use tdip_core::traffic::records::{RecordsOf, records_of};
use tdip_crypto::RootKey;
use tdip_model::IdentKind;
use tdip_store::{Provider, Store, TrafficKind};
use tdip_store_pg::PgStore;

const HEADER: &str = "subscription_id,service,msisdn,imsi,imei,ip,email,user_id,surname,given_names,billing_street,billing_house_number,billing_postcode,billing_city,subscription_start";
const JANSEN: &str = "S1,mobile,06-12345678,204081234567890,490154203237518,,,u-jansen,Jansen,Pieter,Kerkstraat,12,1234 AB,Amsterdam,2024-05-01T10:00:00Z";
const JANSEN_MOVED: &str = "S1,mobile,06-12345678,204081234567890,490154203237518,,,u-jansen,Jansen,Pieter,Dorpsstraat,3,3511 AA,Utrecht,2024-05-01T10:00:00Z";

fn utc(s: &str) -> i64 {
    s.parse::<jiff::Timestamp>().unwrap().as_second()
}

/// A database of its own, dropped at the end.
struct TempDb {
    admin: String,
    name: String,
}

impl TempDb {
    fn new(tag: &str) -> TempDb {
        let admin = std::env::var("TDIP_TEST_PG_URL")
            .expect("set TDIP_TEST_PG_URL to run the PostgreSQL retention test");
        let db = TempDb {
            admin,
            name: format!("tdip_retention_{tag}_{}", std::process::id()),
        };
        db.psql(&format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", db.name));
        db.psql(&format!("CREATE DATABASE {}", db.name));
        db
    }

    fn url(&self) -> String {
        let (server, _) = self.admin.rsplit_once('/').expect("a URL with a database");
        format!("{server}/{}", self.name)
    }

    fn psql(&self, sql: &str) {
        let out = Command::new("psql")
            .args([&self.admin, "-Atqc", sql])
            .output()
            .expect("psql runs");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

impl Drop for TempDb {
    fn drop(&mut self) {
        let _ = Command::new("psql")
            .args([
                &self.admin,
                "-Atqc",
                &format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name),
            ])
            .output();
    }
}

async fn subscribers(store: &PgStore, keys: &PointKeys, dir: &Path, row: &str, at: i64) {
    let path = dir.join(format!("kpn-{at}.csv"));
    std::fs::write(&path, format!("{HEADER}\n{row}\n")).unwrap();
    let req = DeliveryRequest {
        provider: "kpn".into(),
        path: path.clone(),
        format: Format::from_path(&path).unwrap(),
        snapshot_at: at,
        received_at: at + 600,
        progress: Arc::new(AtomicU64::new(0)),
        spooled: None,
        policy: DeliveryPolicy::default(),
        allow_mass_close: false,
        expected: None,
    };
    assert!(deliver(store, keys, req).await.unwrap().accepted());
}

async fn jansen_at(store: &PgStore, keys: &PointKeys, at: i64) -> usize {
    let q = Query {
        kind: IdentKind::Msisdn,
        value: "+31612345678".into(),
        when: When::At { at },
        default_country: None,
    };
    lookup(store, keys, &q).await.unwrap().hits.len()
}

async fn october_records(store: &PgStore, keys: &PointKeys) -> usize {
    let q = RecordsOf {
        kind: IdentKind::UserId,
        value: "u-jansen".into(),
        from: utc("2025-10-01T00:00:00Z"),
        to: utc("2025-10-31T23:59:59Z"),
    };
    records_of(store, keys, &q).await.unwrap().records.len()
}

fn dump(from: &TempDb, file: &Path) {
    let out = Command::new("pg_dump")
        .args([&from.url(), "-f", file.to_str().unwrap()])
        .output()
        .expect("pg_dump runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn restore(into: &TempDb, file: &Path) {
    let out = Command::new("psql")
        .args([
            &into.url(),
            "-q",
            "-v",
            "ON_ERROR_STOP=1",
            "-f",
            file.to_str().unwrap(),
        ])
        .output()
        .expect("psql runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restored_dump_cannot_answer_for_a_destroyed_month_but_a_preserved_day_still_answers() {
    let dir = tempfile::tempdir().unwrap();
    let live_db = TempDb::new("live");
    let copy_db = TempDb::new("copy");
    let store = PgStore::connect(&live_db.url()).await.unwrap();
    let keys = PointKeys::new(&RootKey::from_bytes([42; 32]), &dir.path().join("keys")).unwrap();
    let log = Auditor::new(store.clone(), Some(AuditKeys::new(&keys)));
    store
        .add_provider(&Provider {
            id: "kpn".into(),
            name: "KPN".into(),
            country: "NL".into(),
            zone: "Europe/Amsterdam".into(),
            created_at: 0,
        })
        .await
        .unwrap();
    let oct5 = utc("2025-10-05T12:00:00Z");
    subscribers(&store, &keys, dir.path(), JANSEN, oct5).await;
    subscribers(
        &store,
        &keys,
        dir.path(),
        JANSEN_MOVED,
        utc("2025-10-10T12:00:00Z"),
    )
    .await;
    let provider = store.provider("kpn").await.unwrap().unwrap();
    let batch = "public_ip,first_port,last_port,private_ip,user_id,start,end\n\
                 198.51.100.7,40000,40511,,u-jansen,2025-10-05T10:00:00Z,2025-10-05T11:00:00Z\n";
    let report = deliver_batch(
        &store,
        &keys,
        BatchInput {
            provider: &provider,
            batch_id: "old",
            kind: TrafficKind::PortBlock,
            received_at: oct5 + 86_400,
        },
        std::io::Cursor::new(batch.as_bytes().to_vec()),
    )
    .await
    .unwrap();
    assert_eq!(report.batch, "accepted", "{:?}", report.errors);
    let order = |action: &str| Event::Preservation {
        action: action.into(),
        id: "P-7".into(),
        case: "PV-2026-77".into(),
        basis: "nl/sv-126n".into(),
        provider: "kpn".into(),
        class: "traffic".into(),
        from: utc("2025-10-05T00:00:00Z"),
        to: utc("2025-10-05T23:59:59Z"),
        until: utc("2027-03-01T00:00:00Z"),
        reason: "order of the examining magistrate".into(),
    };
    log.record(utc("2026-11-01T09:00:00Z"), vec![order("placed")])
        .await
        .unwrap();
    assert_eq!(jansen_at(&store, &keys, oct5).await, 1);
    let dump_file = dir.path().join("before.sql");
    dump(&live_db, &dump_file);

    let now = utc("2026-12-03T09:00:00Z");
    let out = retention::run(&store, &keys, &log, &Policy::defaults(), now)
        .await
        .unwrap();
    let done: Vec<Class> = out.done.iter().map(|s| s.class).collect();
    assert_eq!(done, [Class::Subscriber]);
    assert_eq!(out.held.len(), 2, "the day and its month's traffic keys");

    restore(&copy_db, &dump_file);
    let copy = PgStore::connect(&copy_db.url()).await.unwrap();
    // October's closed version: gone from the live store, unreadable in the copy.
    assert_eq!(jansen_at(&store, &keys, oct5).await, 0);
    assert_eq!(
        jansen_at(&copy, &keys, oct5).await,
        0,
        "the copy cannot answer"
    );
    // The preserved day answers from both.
    assert_eq!(october_records(&store, &keys).await, 1);
    assert_eq!(
        october_records(&copy, &keys).await,
        1,
        "a preserved case still can"
    );

    log.record(utc("2026-12-05T09:00:00Z"), vec![order("lifted")])
        .await
        .unwrap();
    let out = retention::run(
        &store,
        &keys,
        &log,
        &Policy::defaults(),
        utc("2026-12-05T10:00:00Z"),
    )
    .await
    .unwrap();
    let done: Vec<Class> = out.done.iter().map(|s| s.class).collect();
    assert_eq!(done, [Class::TrafficDay, Class::TrafficKeys]);
    assert_eq!(october_records(&store, &keys).await, 0);
    assert_eq!(
        october_records(&copy, &keys).await,
        0,
        "its keys went with the order"
    );
}

//! The spool of a sealed point: files stored encrypted, applied in arrival order once
//! unsealed (a bad one rejected and logged like any delivery), an interrupted spooling
//! leaves no entry, and an entry applied before a crash removed it is not applied twice.

mod common;

use std::sync::Arc;

use common::*;
use tdip_core::ingest::{DeliveryPolicy, Format};
use tdip_core::spool::{Applied, Spool};
use tdip_crypto::SpoolIdentity;
use tdip_model::IdentKind;
use tdip_store::Store;

#[tokio::test]
async fn spooled_deliveries_apply_in_order_once_and_only_once() {
    let p = Point::new().await;
    let key = Arc::new(SpoolIdentity::generate());
    let spool = Spool::new(&p.dir.path().join("spool"));
    let good = p.write("day0.csv", csv(&[JANSEN, BAKKER]).as_bytes());
    let bad = p.write(
        "day1.csv",
        csv(&[JANSEN, "S3,mobile,not-a-number"]).as_bytes(),
    );
    let first = spool
        .put(&key.recipient(), "kpn", D0, Format::Csv, false, &good)
        .unwrap();
    spool
        .put(&key.recipient(), "kpn", D0 + DAY, Format::Csv, false, &bad)
        .unwrap();
    // A spooling that was interrupted before its description was written.
    std::fs::write(
        p.dir.path().join("spool/00000000000000000001-kpn.age"),
        b"partial",
    )
    .unwrap();
    for entry in std::fs::read_dir(p.dir.path().join("spool")).unwrap() {
        let bytes = std::fs::read(entry.unwrap().path()).unwrap();
        assert!(
            !bytes.windows(7).any(|w| w == b"Kerkstr"),
            "plaintext in the spool"
        );
    }
    let entries = spool.entries().unwrap();
    assert_eq!(entries.len(), 2);
    assert_eq!(
        (entries[0].snapshot_at, entries[1].snapshot_at),
        (D0, D0 + DAY)
    );

    // Keep the first entry's files, as if a crash had come between its commit and
    // their removal.
    let saved: Vec<(std::path::PathBuf, Vec<u8>)> = ["meta", "age"]
        .iter()
        .map(|ext| {
            let path = p.dir.path().join(format!("spool/{}.{ext}", first.name));
            let bytes = std::fs::read(&path).unwrap();
            (path, bytes)
        })
        .collect();

    let applied = spool
        .apply_all(
            &p.store,
            &p.keys,
            &key,
            DeliveryPolicy::default(),
            Default::default(),
        )
        .await
        .unwrap();
    let reports: Vec<bool> = applied
        .iter()
        .map(|(_, a)| match a {
            Applied::Delivered(r) => r.accepted(),
            other => panic!("nothing was applied before: {other:?}"),
        })
        .collect();
    assert_eq!(
        reports,
        [true, false],
        "the good file accepted, the bad one rejected"
    );
    assert!(spool.entries().unwrap().is_empty());
    let log = p.store.deliveries(Some("kpn"), 10).await.unwrap();
    assert_eq!(log.len(), 2);
    assert_eq!(log[1].delivery.checksum, first.checksum);
    assert_eq!(
        p.at(IdentKind::Msisdn, "0612345678", D0 + 3600)
            .await
            .hits
            .len(),
        1
    );

    for (path, bytes) in &saved {
        std::fs::write(path, bytes).unwrap();
    }
    let again = spool
        .apply_all(
            &p.store,
            &p.keys,
            &key,
            DeliveryPolicy::default(),
            Default::default(),
        )
        .await
        .unwrap();
    assert!(matches!(again[..], [(_, Applied::AlreadyApplied)]));
    assert_eq!(p.store.deliveries(Some("kpn"), 10).await.unwrap().len(), 2);

    // Another point's key cannot read a spooled file: the delivery is refused whole.
    spool
        .put(
            &key.recipient(),
            "kpn",
            D0 + 2 * DAY,
            Format::Csv,
            false,
            &good,
        )
        .unwrap();
    let wrong = Arc::new(SpoolIdentity::generate());
    let applied = spool
        .apply_all(
            &p.store,
            &p.keys,
            &wrong,
            DeliveryPolicy::default(),
            Default::default(),
        )
        .await
        .unwrap();
    match &applied[0].1 {
        Applied::Delivered(r) => {
            assert!(!r.accepted());
            assert!(
                r.errors[0]
                    .reason
                    .contains("cannot open the spooled delivery"),
                "{:?}",
                r.errors
            );
        }
        other => panic!("it was not applied: {other:?}"),
    }
}

/// Three applications of `entry` that began and never ended, as three crashes leave them.
fn crashed_three_times(spool_dir: &std::path::Path, entry: &tdip_core::spool::SpoolEntry) {
    std::fs::write(spool_dir.join(format!("{}.attempts", entry.name)), "3").unwrap();
}

#[tokio::test]
async fn a_spool_entry_whose_application_never_finished_is_set_aside_and_the_next_applies() {
    let p = Point::new().await;
    let key = Arc::new(SpoolIdentity::generate());
    let dir = p.dir.path().join("spool");
    let spool = Spool::new(&dir);
    let day0 = p.write("day0.csv", csv(&[JANSEN, BAKKER]).as_bytes());
    let day1 = p.write("day1.csv", csv(&[JANSEN]).as_bytes());
    let poisoned = spool
        .put(&key.recipient(), "kpn", D0, Format::Csv, false, &day0)
        .unwrap();
    let next = spool
        .put(&key.recipient(), "kpn", D0 + DAY, Format::Csv, false, &day1)
        .unwrap();
    crashed_three_times(&dir, &poisoned);

    let applied = spool
        .apply_all(
            &p.store,
            &p.keys,
            &key,
            DeliveryPolicy::default(),
            Default::default(),
        )
        .await
        .unwrap();
    assert_eq!(applied.len(), 2);
    match &applied[0] {
        (e, Applied::SetAside(r)) if e.name == poisoned.name => {
            assert!(!r.accepted());
            assert_eq!((r.errors[0].line, r.errors[0].field.as_str()), (0, "file"));
            assert!(
                r.errors[0].reason.contains("started 3 times"),
                "{:?}",
                r.errors
            );
        }
        other => panic!("the poisoned entry was not set aside: {other:?}"),
    }
    match &applied[1] {
        (e, Applied::Delivered(r)) if e.name == next.name => assert!(r.accepted()),
        other => panic!("the next entry was not applied: {other:?}"),
    }
    // Recorded in the delivery log as rejected, beside the accepted one.
    let log = p.store.deliveries(Some("kpn"), 10).await.unwrap();
    let outcomes: Vec<_> = log.iter().map(|d| d.delivery.outcome.as_str()).collect();
    assert_eq!(outcomes.len(), 2);
    assert!(outcomes.contains(&"rejected") && outcomes.contains(&"accepted"));

    // Set aside: listed, not waiting, never tried again.
    assert!(spool.entries().unwrap().is_empty());
    let aside = spool.set_aside().unwrap();
    assert_eq!(aside.len(), 1);
    assert_eq!(aside[0].entry, poisoned);
    let again = spool
        .apply_all(
            &p.store,
            &p.keys,
            &key,
            DeliveryPolicy::default(),
            Default::default(),
        )
        .await
        .unwrap();
    assert!(again.is_empty());
    assert_eq!(p.store.deliveries(Some("kpn"), 10).await.unwrap().len(), 2);

    spool.discard(&poisoned.name).await.unwrap();
    assert!(spool.set_aside().unwrap().is_empty());
    assert_eq!(
        std::fs::read_dir(&dir).unwrap().count(),
        0,
        "every file of it went"
    );
    assert!(spool.discard(&poisoned.name).await.is_err());
}

#[tokio::test]
async fn a_spool_entry_that_fails_for_its_own_reason_is_set_aside_at_once() {
    let p = Point::new().await;
    let key = Arc::new(SpoolIdentity::generate());
    let spool = Spool::new(&p.dir.path().join("spool"));
    let day0 = p.write("day0.csv", csv(&[JANSEN, BAKKER]).as_bytes());
    // Spooled for a provider the point does not know (the id was mistyped, or the
    // provider was never registered here): applying it fails for a reason of its own.
    let ghost = spool
        .put(&key.recipient(), "ghost", D0, Format::Csv, false, &day0)
        .unwrap();
    spool
        .put(&key.recipient(), "kpn", D0, Format::Csv, false, &day0)
        .unwrap();
    let applied = spool
        .apply_all(
            &p.store,
            &p.keys,
            &key,
            DeliveryPolicy::default(),
            Default::default(),
        )
        .await
        .unwrap();
    match &applied[..] {
        [(e, Applied::SetAside(r)), (_, Applied::Delivered(ok))] => {
            assert_eq!(e.name, ghost.name);
            assert!(
                r.errors[0].reason.contains("not registered"),
                "{:?}",
                r.errors
            );
            assert!(ok.accepted());
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(spool.set_aside().unwrap()[0].entry, ghost);
}

#[tokio::test]
async fn two_processes_applying_the_spool_at_once_apply_each_entry_once() {
    let p = Point::new().await;
    let key = Arc::new(SpoolIdentity::generate());
    let dir = p.dir.path().join("spool");
    let day0 = p.write("day0.csv", csv(&[JANSEN, BAKKER]).as_bytes());
    Spool::new(&dir)
        .put(&key.recipient(), "kpn", D0, Format::Csv, false, &day0)
        .unwrap();
    // Two handles on the same directory, as a command and the service each have.
    let (one, two) = (Spool::new(&dir), Spool::new(&dir));
    let policy = DeliveryPolicy::default();
    let (a, b) = tokio::join!(
        one.apply_all(&p.store, &p.keys, &key, policy, Default::default()),
        two.apply_all(&p.store, &p.keys, &key, policy, Default::default())
    );
    let (a, b) = (a.unwrap(), b.unwrap());
    assert_eq!(a.len() + b.len(), 1, "applied once: {a:?} {b:?}");
    let log = p.store.deliveries(Some("kpn"), 10).await.unwrap();
    assert_eq!(
        log.len(),
        1,
        "one delivery in the log, no spurious rejection"
    );
    assert_eq!(
        log[0].delivery.outcome,
        tdip_store::DeliveryOutcome::Accepted
    );
}

//! The spool of a sealed point: files stored encrypted, applied in arrival order once
//! unsealed (a bad one rejected and logged like any delivery), an interrupted spooling
//! leaves no entry, and an entry applied before a crash removed it is not applied twice.

mod common;

use std::sync::Arc;

use common::*;
use tdip_core::ingest::Format;
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
        .put(&key.recipient(), "kpn", D0, Format::Csv, &good)
        .unwrap();
    spool
        .put(&key.recipient(), "kpn", D0 + DAY, Format::Csv, &bad)
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

    let applied = spool.apply_all(&p.store, &p.keys, &key).await.unwrap();
    let reports: Vec<bool> = applied
        .iter()
        .map(|(_, a)| match a {
            Applied::Delivered(r) => r.accepted(),
            Applied::AlreadyApplied => panic!("nothing was applied before"),
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
    let again = spool.apply_all(&p.store, &p.keys, &key).await.unwrap();
    assert!(matches!(again[..], [(_, Applied::AlreadyApplied)]));
    assert_eq!(p.store.deliveries(Some("kpn"), 10).await.unwrap().len(), 2);

    // Another point's key cannot read a spooled file: the delivery is refused whole.
    spool
        .put(&key.recipient(), "kpn", D0 + 2 * DAY, Format::Csv, &good)
        .unwrap();
    let wrong = Arc::new(SpoolIdentity::generate());
    let applied = spool.apply_all(&p.store, &p.keys, &wrong).await.unwrap();
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
        Applied::AlreadyApplied => panic!("it was not applied"),
    }
}

//! Data keys: crypto-shredding one month leaves every other month and the open versions
//! readable, and changes no byte of the database; rotating the open key re-seals the open
//! versions while lookups keep answering.

mod common;

use common::*;
use sha2::{Digest, Sha256};
use tdip_core::datakeys::{DataClass, Month, Scope};
use tdip_core::rotate::rotate;
use tdip_crypto::Sealer;
use tdip_model::IdentKind;
use tdip_store::Store;

/// 2026-09-17T23:00:00Z, 2026-10-12T23:00:00Z, 2026-11-04T23:00:00Z.
const SEPT: i64 = D0 - 45 * DAY;
const OCT: i64 = D0 - 20 * DAY;
const NOV: i64 = D0 + 3 * DAY;

/// Jansen moves in October (his first version ends in October); Bakker leaves in
/// November (his only version ends in November); de Vries stays.
async fn three_months() -> Point {
    let p = Point::new().await;
    p.deliver("kpn", &csv(&[JANSEN, BAKKER, DE_VRIES]), SEPT)
        .await;
    p.deliver("kpn", &csv(&[JANSEN_MOVED, BAKKER, DE_VRIES]), OCT)
        .await;
    p.deliver("kpn", &csv(&[JANSEN_MOVED, DE_VRIES]), NOV).await;
    p
}

fn store_digest(p: &Point) -> Vec<u8> {
    let mut h = Sha256::new();
    for suffix in ["", "-wal"] {
        let path = format!("{}{suffix}", p.db_path().display());
        if let Ok(bytes) = std::fs::read(&path) {
            h.update(&bytes);
        }
    }
    h.finalize().to_vec()
}

async fn hits(p: &Point, kind: IdentKind, value: &str, at: i64) -> Vec<Option<i64>> {
    p.at(kind, value, at)
        .await
        .hits
        .iter()
        .map(|h| h.valid_to)
        .collect()
}

#[tokio::test]
async fn shredding_a_month_makes_only_that_month_unreadable_in_every_copy() {
    let p = three_months().await;
    assert_eq!(
        hits(&p, IdentKind::Msisdn, "0612345678", SEPT).await,
        [Some(OCT)]
    );
    assert_eq!(
        hits(&p, IdentKind::Msisdn, "0687654321", OCT + DAY).await,
        [Some(NOV)]
    );

    let october = Month::parse("2026-10").unwrap();
    let keys = p.keys.data().list().unwrap();
    let month_keys: Vec<_> = keys
        .iter()
        .filter(|k| k.provider == "kpn" && matches!(k.scope, Scope::Month(_)))
        .map(|k| k.scope)
        .collect();
    assert_eq!(
        month_keys,
        [
            Scope::Month(october),
            Scope::Month(Month::parse("2026-11").unwrap())
        ],
        "one key per month in which versions ended"
    );
    let oct_key = keys
        .iter()
        .find(|k| k.scope == Scope::Month(october))
        .unwrap();

    // The versions as a backup holds them: every row, blobs included.
    let jansen = p.keys.ident(IdentKind::Msisdn, "+31612345678");
    let bakker = p.keys.ident(IdentKind::Msisdn, "+31687654321");
    let rows = p.store.versions_by_index(&[jansen, bakker]).await.unwrap();
    assert_eq!(rows.len(), 3);
    let before = store_digest(&p);

    p.keys.data().destroy(oct_key.id).unwrap();

    assert_eq!(
        store_digest(&p),
        before,
        "shredding writes nothing to the store"
    );
    let reopened = tdip_core::PointKeys::new(
        &tdip_crypto::RootKey::from_bytes([42; 32]),
        &p.dir.path().join("keys"),
    )
    .unwrap();
    for keys in [&p.keys, &reopened] {
        for v in &rows {
            let opened = keys.unseal(v).unwrap();
            let in_october = v.valid_to.is_some_and(|t| Month::of(t).unwrap() == october);
            assert_eq!(
                opened.is_none(),
                in_october,
                "version {} ({:?})",
                v.id,
                v.valid_to
            );
            assert_eq!(
                Sealer::key_id_of(&v.sealed).unwrap() == oct_key.id,
                in_october
            );
        }
    }
    // Jansen's October version is gone from answers; Bakker's November one and the
    // open versions still answer.
    assert!(
        hits(&p, IdentKind::Msisdn, "0612345678", SEPT)
            .await
            .is_empty()
    );
    assert_eq!(
        hits(&p, IdentKind::Msisdn, "0612345678", NOV + DAY).await,
        [None]
    );
    assert_eq!(
        hits(&p, IdentKind::Msisdn, "0687654321", OCT + DAY).await,
        [Some(NOV)]
    );
    assert_eq!(
        hits(&p, IdentKind::UserId, "u-devries", NOV + DAY).await,
        [None]
    );
}

#[tokio::test]
async fn rotating_the_open_key_reseals_open_versions_and_destroys_the_old_key() {
    let p = Point::new().await;
    p.deliver("kpn", &csv(&[JANSEN, BAKKER, DE_VRIES]), SEPT)
        .await;
    p.deliver("kpn", &csv(&[JANSEN_MOVED, BAKKER, DE_VRIES]), OCT)
        .await;
    p.deliver("proximus", &csv(&[PEETERS]), OCT).await;
    let proximus_key = p
        .keys
        .data()
        .current("proximus", DataClass::Subscriber)
        .unwrap()
        .key_id();

    let r = rotate(&p.store, &p.keys, "kpn").await.unwrap();
    assert_eq!(r.key.scope, Scope::Open(2));
    assert_eq!(r.resealed, 3, "Jansen's new version, Bakker, de Vries");
    assert_eq!(r.destroyed.len(), 1);
    assert_eq!(r.destroyed[0].scope, Scope::Open(1));

    let open = p.store.open_versions_page("kpn", 0, 100).await.unwrap();
    assert_eq!(open.len(), 3);
    for v in &open {
        assert_eq!(Sealer::key_id_of(&v.sealed).unwrap(), r.key.id);
    }
    let peeters = p
        .store
        .open_versions_page("proximus", 0, 100)
        .await
        .unwrap();
    assert_eq!(
        Sealer::key_id_of(&peeters[0].sealed).unwrap(),
        proximus_key,
        "other providers untouched"
    );
    // Everything still answers: open versions under the new key, Jansen's closed one
    // under October's key.
    assert_eq!(
        hits(&p, IdentKind::Msisdn, "0612345678", SEPT).await,
        [Some(OCT)]
    );
    assert_eq!(
        hits(&p, IdentKind::Msisdn, "0612345678", OCT + DAY).await,
        [None]
    );
    assert_eq!(
        hits(&p, IdentKind::Msisdn, "0687654321", OCT + DAY).await,
        [None]
    );
    assert_eq!(
        hits(&p, IdentKind::Msisdn, "+32470123456", OCT + DAY).await,
        [None]
    );
    // A delivery after the rotation closes versions sealed under the new key.
    let report = p.deliver("kpn", &csv(&[JANSEN_MOVED, DE_VRIES]), NOV).await;
    assert_eq!(report.closed, 1);
    assert_eq!(
        hits(&p, IdentKind::Msisdn, "0687654321", OCT + DAY).await,
        [Some(NOV)]
    );
    let again = rotate(&p.store, &p.keys, "kpn").await.unwrap();
    assert_eq!((again.key.scope, again.resealed), (Scope::Open(3), 2));
}

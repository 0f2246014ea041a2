//! Tests of the key directory.

use super::*;
use tdip_crypto::RootKey;

fn keys(dir: &Path) -> DataKeys {
    DataKeys::open(dir, &Keyring::from_root(&RootKey::from_bytes([3; 32]))).unwrap()
}

const NOV_2026: i64 = 1_795_000_000; // 2026-11-18T...Z

#[test]
fn months_follow_utc_and_print_as_year_month() {
    let nov = Month::of(NOV_2026).unwrap();
    assert_eq!(nov.to_string(), "2026-11");
    assert_eq!(Month::parse("2026-11"), Some(nov));
    // 2026-12-31T23:30:00Z is still December in UTC (already January in Amsterdam).
    assert_eq!(Month::of(1_798_759_800).unwrap().to_string(), "2026-12");
    for bad in ["2026-13", "2026-00", "26-11", "2026-1", "2026/11", "x"] {
        assert_eq!(Month::parse(bad), None, "{bad}");
    }
}

#[test]
fn the_open_key_is_created_once_and_survives_reopening() {
    let dir = tempfile::tempdir().unwrap();
    let a = keys(dir.path());
    let s = a.current("kpn", DataClass::Subscriber).unwrap();
    let blob = s.seal(b"row", b"Jansen");
    let again = a.current("kpn", DataClass::Subscriber).unwrap();
    assert_eq!(
        Sealer::key_id_of(&again.seal(b"r", b"x")).unwrap(),
        Sealer::key_id_of(&blob).unwrap()
    );

    let reopened = keys(dir.path());
    let id = Sealer::key_id_of(&blob).unwrap();
    let s = reopened.sealer(id).unwrap().unwrap();
    assert_eq!(&s.open(b"row", &blob).unwrap()[..], b"Jansen");
    assert_ne!(
        Sealer::key_id_of(
            &reopened
                .current("vodafone", DataClass::Subscriber)
                .unwrap()
                .seal(b"r", b"x")
        )
        .unwrap(),
        id
    );
    let text = std::fs::read_to_string(dir.path().join(format!("{id:08x}.key"))).unwrap();
    assert!(text.contains("provider kpn\n") && text.contains("scope open 1\n"));
}

#[test]
fn a_destroyed_month_is_unreadable_and_other_months_are_not() {
    let dir = tempfile::tempdir().unwrap();
    let k = keys(dir.path());
    let nov = Month::of(NOV_2026).unwrap();
    let dec = Month::parse("2026-12").unwrap();
    let nov_blob = k
        .for_month("kpn", DataClass::Subscriber, nov)
        .unwrap()
        .seal(b"r", b"nov");
    let dec_blob = k
        .for_month("kpn", DataClass::Subscriber, dec)
        .unwrap()
        .seal(b"r", b"dec");
    let nov_id = Sealer::key_id_of(&nov_blob).unwrap();
    assert_eq!(
        Sealer::key_id_of(
            &k.for_month("kpn", DataClass::Subscriber, nov)
                .unwrap()
                .seal(b"r", b"x")
        )
        .unwrap(),
        nov_id,
        "one key per month"
    );

    let info = k.destroy(nov_id).unwrap();
    assert_eq!(info.scope, Scope::Month(nov));
    assert!(!dir.path().join(format!("{nov_id:08x}.key")).exists());
    let reopened = keys(dir.path());
    for k in [&k, &reopened] {
        assert!(
            k.sealer(nov_id).unwrap().is_none(),
            "destroyed reads as destroyed"
        );
        let dec_id = Sealer::key_id_of(&dec_blob).unwrap();
        let s = k.sealer(dec_id).unwrap().unwrap();
        assert_eq!(&s.open(b"r", &dec_blob).unwrap()[..], b"dec");
    }
    let err = k.for_month("kpn", DataClass::Subscriber, nov).unwrap_err();
    assert!(err.to_string().contains("were destroyed"), "{err}");
    let listed = k.list().unwrap();
    assert_eq!(listed.len(), 2);
    assert!(
        listed
            .iter()
            .any(|i| i.id == nov_id && i.destroyed_at.is_some())
    );
    // The tombstone holds no key material.
    let tomb = std::fs::read_to_string(dir.path().join(format!("{nov_id:08x}.destroyed"))).unwrap();
    assert!(!tomb.contains("wrapped"), "{tomb}");
}

#[test]
fn an_unknown_key_id_is_an_error_not_a_destroyed_key() {
    let dir = tempfile::tempdir().unwrap();
    let k = keys(dir.path());
    assert!(matches!(
        k.sealer(0x00ab_cdef),
        Err(CoreError::Unseal(CryptoError::UnknownKey(0x00ab_cdef)))
    ));
    assert!(k.sealer(LEGACY_KEY_ID).unwrap().is_some());
}

#[test]
fn rotation_starts_a_new_generation_and_keeps_the_old_key_readable() {
    let dir = tempfile::tempdir().unwrap();
    let k = keys(dir.path());
    let old = k
        .current("kpn", DataClass::Subscriber)
        .unwrap()
        .seal(b"r", b"old");
    let new = k.rotate("kpn", DataClass::Subscriber).unwrap();
    assert_eq!(new.scope, Scope::Open(2));
    let now = k
        .current("kpn", DataClass::Subscriber)
        .unwrap()
        .seal(b"r", b"x");
    assert_eq!(Sealer::key_id_of(&now).unwrap(), new.id);
    let old_id = Sealer::key_id_of(&old).unwrap();
    assert_eq!(
        &k.sealer(old_id).unwrap().unwrap().open(b"r", &old).unwrap()[..],
        b"old"
    );
    k.destroy(old_id).unwrap();
    assert_eq!(
        k.rotate("kpn", DataClass::Subscriber).unwrap().scope,
        Scope::Open(3)
    );
}

#[test]
fn an_altered_key_file_does_not_unwrap() {
    let dir = tempfile::tempdir().unwrap();
    let k = keys(dir.path());
    let nov = Month::of(NOV_2026).unwrap();
    let blob = k
        .for_month("kpn", DataClass::Subscriber, nov)
        .unwrap()
        .seal(b"r", b"x");
    let id = Sealer::key_id_of(&blob).unwrap();
    let path = dir.path().join(format!("{id:08x}.key"));
    let text = std::fs::read_to_string(&path).unwrap();
    // Relabelling a month key as another month's (so that shredding the real month
    // would miss it) breaks the binding of the wrapped key to its description.
    std::fs::write(&path, text.replace("month 2026-11", "month 2027-01")).unwrap();
    assert!(matches!(
        keys(dir.path()).sealer(id),
        Err(CoreError::Unseal(CryptoError::Tampered))
    ));
    std::fs::write(&path, "garbage").unwrap();
    let err = keys(dir.path()).sealer(id).unwrap_err();
    assert!(err.to_string().contains("is damaged"), "{err}");
}

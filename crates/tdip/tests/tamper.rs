//! A sealed record altered in the store, or moved to another row, is refused when read:
//! a lookup fails, saying the store was changed around tdip, instead of answering from it.

mod common;

use std::path::Path;

use common::{add_kpn, deliver_kpn, gen_kpn, msisdns, ok, stderr, tdip};

/// The lookup of `msisdn`: its stdout, or its error.
fn lookup(data: &Path, msisdn: &str) -> Result<String, String> {
    let out = tdip(
        data,
        &[
            "lookup",
            "--msisdn",
            msisdn,
            "--at",
            "2026-11-02 12:00:00",
            "--json",
        ],
    );
    if out.status.success() {
        let mut answer: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        // Each consultation has its own reference and its own due time (now plus the
        // deadline: two lookups a second apart differ); the rest must be as before.
        let answer_fields = answer.as_object_mut().unwrap();
        answer_fields.remove("consultation");
        answer_fields.remove("due");
        Ok(answer.to_string())
    } else {
        Err(stderr(&out))
    }
}

#[test]
fn altered_or_moved_sealed_records_are_refused_on_read() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let file = dir.path().join("kpn.csv");
    ok(&data, &["init", "--dev-key"]);
    common::add_officer(&data);
    add_kpn(&data);
    gen_kpn(&data, &file, 50);
    deliver_kpn(&data, &file, "2026-11-02T00:00:00Z");

    // Two subscriptions' first phone numbers, and their versions' rows.
    let numbers = msisdns(&file);
    let (a, b) = (numbers[0].as_str(), numbers[1].as_str());
    let before = (lookup(&data, a).unwrap(), lookup(&data, b).unwrap());
    assert!(before.0.contains("\"version\""), "{}", before.0);

    let db = rusqlite::Connection::open(data.join("tdip.db")).unwrap();
    let version_of = |answer: &str| -> i64 {
        let v: serde_json::Value = serde_json::from_str(answer).unwrap();
        v["hits"][0]["version"].as_i64().unwrap()
    };
    let (va, vb) = (version_of(&before.0), version_of(&before.1));
    let sealed = |id: i64| -> Vec<u8> {
        db.query_row("SELECT sealed FROM version WHERE id = ?1", [id], |r| {
            r.get(0)
        })
        .unwrap()
    };
    let put = |id: i64, blob: &[u8]| {
        db.execute(
            "UPDATE version SET sealed = ?2 WHERE id = ?1",
            rusqlite::params![id, blob],
        )
        .unwrap();
    };
    let (blob_a, blob_b) = (sealed(va), sealed(vb));

    // One byte of the ciphertext changed.
    let mut altered = blob_a.clone();
    let last = altered.len() - 1;
    altered[last] ^= 0x01;
    put(va, &altered);
    let err = lookup(&data, a).unwrap_err();
    assert!(err.contains("changed around tdip"), "{err}");
    assert_eq!(
        lookup(&data, b).unwrap(),
        before.1,
        "other rows still answer"
    );

    // The two records swapped between their rows: each is refused where it now lies.
    put(va, &blob_b);
    put(vb, &blob_a);
    for number in [a, b] {
        let err = lookup(&data, number).unwrap_err();
        assert!(err.contains("changed around tdip"), "{err}");
    }

    // Put back, both answer as before.
    put(va, &blob_a);
    put(vb, &blob_b);
    assert_eq!(
        (lookup(&data, a).unwrap(), lookup(&data, b).unwrap()),
        before
    );
}

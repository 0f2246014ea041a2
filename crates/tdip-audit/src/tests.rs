//! Tests of the audit log: every kind of tampering is caught against signed heads, and
//! proofs hold exactly for what they prove.

use super::*;

fn entries(n: u64) -> Vec<Digest> {
    (0..n)
        .map(|i| digest(format!("entry {i}").as_bytes()))
        .collect()
}

/// A log of 100 entries with heads signed at sizes 10, 50 and 100.
fn signed_log() -> (Vec<Digest>, Vec<SignedHead>, TreeSigner) {
    let signer = TreeSigner::from_secret(&[7; 32]);
    let all = entries(100);
    let mut log = AuditLog::default();
    let mut heads = Vec::new();
    for (i, d) in all.iter().enumerate() {
        log.append(*d);
        if [10, 50, 100].contains(&(i + 1)) {
            heads.push(signer.sign(log.head(1_800_000_000 + i as i64)));
        }
    }
    (all, heads, signer)
}

fn check(
    digests: Vec<Digest>,
    heads: &[SignedHead],
    signer: &TreeSigner,
) -> Result<(), VerifyError> {
    AuditLog::from_digests(digests).verify(heads, &signer.public())
}

#[test]
fn an_untouched_log_verifies_against_all_its_heads() {
    let (all, heads, signer) = signed_log();
    check(all.clone(), &heads, &signer).unwrap();
    // Entries appended after the last head do not break it.
    let mut more = all;
    more.push(digest(b"later"));
    check(more, &heads, &signer).unwrap();
}

#[test]
fn edits_deletions_reorderings_and_insertions_are_each_caught_in_their_range() {
    let (all, heads, signer) = signed_log();
    let mismatch = |digests: Vec<Digest>| match check(digests, &heads, &signer) {
        Err(VerifyError::Mismatch { from, size, .. }) => (from, size),
        other => panic!("not caught as a mismatch: {other:?}"),
    };

    let mut edited = all.clone();
    edited[30] = digest(b"entry 30, altered");
    assert_eq!(mismatch(edited), (11, 50));

    let mut deleted = all.clone();
    deleted.remove(5);
    assert_eq!(mismatch(deleted), (1, 10));

    let mut reordered = all.clone();
    reordered.swap(60, 61);
    assert_eq!(mismatch(reordered), (51, 100));

    let mut inserted = all.clone();
    inserted.insert(20, digest(b"slipped in"));
    assert_eq!(mismatch(inserted), (11, 50));

    let truncated = all[..70].to_vec();
    assert!(matches!(
        check(truncated, &heads, &signer),
        Err(VerifyError::Truncated {
            have: 70,
            size: 100,
            ..
        })
    ));
}

#[test]
fn a_head_with_a_forged_or_foreign_signature_is_refused() {
    let (all, mut heads, signer) = signed_log();
    heads[1].head.root[0] ^= 1;
    assert!(matches!(
        check(all.clone(), &heads, &signer),
        Err(VerifyError::Head(CheckpointError::BadSignature(50)))
    ));
    let (_, heads, _) = signed_log();
    let other = TreeSigner::from_secret(&[8; 32]);
    assert!(matches!(
        check(all, &heads, &other),
        Err(VerifyError::Head(CheckpointError::BadSignature(10)))
    ));
}

#[test]
fn checkpoints_round_trip_and_their_alteration_is_caught() {
    let (_, heads, signer) = signed_log();
    let text = heads[2].to_checkpoint(&signer.public());
    assert!(text.starts_with("tdip-checkpoint v1\nsize 100\n"), "{text}");
    let (back, key) = SignedHead::from_checkpoint(&text).unwrap();
    assert_eq!((back, key), (heads[2], signer.public()));
    let altered = text.replace("size 100", "size 99");
    assert_eq!(
        SignedHead::from_checkpoint(&altered).unwrap_err(),
        CheckpointError::BadSignature(99)
    );
    assert!(matches!(
        SignedHead::from_checkpoint("hello"),
        Err(CheckpointError::Format(_))
    ));
}

#[test]
fn inclusion_and_consistency_proofs_hold_only_for_what_they_prove() {
    let (all, heads, _) = signed_log();
    let log = AuditLog::from_digests(all.clone());
    let (h10, h50, h100) = (heads[0].head, heads[1].head, heads[2].head);

    let proof = log.prove_inclusion(42, 100).unwrap();
    verify_inclusion(&h100, 42, &all[42], &proof).unwrap();
    assert!(verify_inclusion(&h100, 43, &all[42], &proof).is_err());
    assert!(verify_inclusion(&h100, 42, &digest(b"other"), &proof).is_err());
    let proof = log.prove_inclusion(7, 10).unwrap();
    verify_inclusion(&h10, 7, &all[7], &proof).unwrap();
    assert!(log.prove_inclusion(10, 10).is_err());

    let proof = log.prove_consistency(10, 100).unwrap();
    verify_consistency(&h10, &h100, &proof).unwrap();
    assert!(verify_consistency(&h50, &h100, &proof).is_err());
    let proof = log.prove_consistency(50, 100).unwrap();
    verify_consistency(&h50, &h100, &proof).unwrap();

    // A head of a rewritten history is not consistent with the old one.
    let mut rewritten = all;
    rewritten[3] = digest(b"rewritten");
    let other = AuditLog::from_digests(rewritten);
    let forged_new = other.head(0);
    let proof = other.prove_consistency(10, 100).unwrap();
    assert!(verify_consistency(&h10, &forged_new, &proof).is_err());
}

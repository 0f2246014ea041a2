//! Custodian shares: thresholds hold, and every bad share is refused for what it is.

use super::*;

fn three_of_five() -> (RootKey, Custody, Vec<Zeroizing<String>>) {
    let root = RootKey::generate();
    let (custody, files) = split(&root, 3, 5).unwrap();
    let texts = files.iter().map(ShareFile::to_text).collect();
    (root, custody, texts)
}

/// All `k`-element subsets of `0..n`.
fn subsets(n: usize, k: usize) -> Vec<Vec<usize>> {
    if k == 0 {
        return vec![Vec::new()];
    }
    (k - 1..n)
        .flat_map(|last| {
            subsets(last, k - 1).into_iter().map(move |mut s| {
                s.push(last);
                s
            })
        })
        .collect()
}

#[test]
fn any_k_shares_rebuild_the_key_and_k_minus_1_cannot() {
    let (root, custody, texts) = three_of_five();
    let custody = Custody::from_text(&custody.to_text()).unwrap();
    let all = subsets(5, 3);
    assert_eq!(all.len(), 10);
    for subset in all {
        let mut unsealer = Unsealer::new(custody.clone());
        for (n, i) in subset.iter().enumerate() {
            assert!(
                unsealer.root_key().unwrap().is_none(),
                "{n} shares must not unseal"
            );
            let progress = unsealer.offer(&texts[*i]).unwrap();
            assert_eq!((progress.have, progress.need), (n as u8 + 1, 3));
        }
        let rebuilt = unsealer.root_key().unwrap().expect("three shares unseal");
        assert_eq!(rebuilt.bytes(), root.bytes(), "shares {subset:?}");
    }
}

#[test]
fn two_shares_say_nothing_of_the_key() {
    // Combining fewer shares than the threshold gives some 32 bytes, never the key.
    let (root, _, texts) = three_of_five();
    for pair in subsets(5, 2) {
        let shares: Vec<Vec<u8>> = pair
            .iter()
            .map(|i| ShareFile::from_text(&texts[*i]).unwrap().share.to_vec())
            .collect();
        let guess = Gf256::combine_bytes(&shares[..]).unwrap();
        assert_ne!(&guess[..], &root.bytes()[..], "shares {pair:?}");
    }
}

#[test]
fn bad_shares_are_refused_counted_and_change_nothing() {
    let (_, custody, texts) = three_of_five();
    let (_, _, foreign) = three_of_five();
    let mut unsealer = Unsealer::new(custody.clone());
    unsealer.offer(&texts[0]).unwrap();

    // A duplicate, a share of another point, a damaged copy, a forged share with a
    // recomputed sum, and text that is no share at all.
    let damaged = {
        let mut bytes = texts[1].as_bytes().to_vec();
        let at = texts[1].find("\nshare ").unwrap() + 7;
        bytes[at] = if bytes[at] == b'0' { b'1' } else { b'0' };
        String::from_utf8(bytes).unwrap()
    };
    let forged = {
        let mut share = ShareFile::from_text(&texts[1]).unwrap();
        share.share[5] ^= 1;
        share.to_text()
    };
    let cases: Vec<(&str, ShareError)> = vec![
        (&texts[0], ShareError::Duplicate(1)),
        (
            &foreign[1],
            ShareError::OtherPoint(
                hex::encode(ShareFile::from_text(&foreign[1]).unwrap().point),
                custody.point_id(),
            ),
        ),
        (
            &damaged,
            ShareError::Corrupt("its sum does not match its contents"),
        ),
        (&forged, ShareError::NotIssued(2)),
        ("hello", ShareError::Corrupt("it is not a tdip share file")),
    ];
    for (n, (text, want)) in cases.into_iter().enumerate() {
        assert_eq!(unsealer.offer(text).unwrap_err(), want);
        let progress = unsealer.progress();
        assert_eq!((progress.have, progress.refused), (1, n as u32 + 1));
    }
    assert_eq!(unsealer.progress().to_string(), "1 of 3 shares (5 refused)");

    unsealer.offer(&texts[3]).unwrap();
    unsealer.offer(&texts[4]).unwrap();
    assert!(unsealer.root_key().unwrap().is_some());
    unsealer.seal();
    assert!(
        unsealer.root_key().unwrap().is_none(),
        "sealing forgets the shares"
    );
    assert_eq!(unsealer.progress().have, 0);
}

#[test]
fn a_custody_record_of_another_key_is_caught_on_rebuild() {
    let (_, custody, texts) = three_of_five();
    let other = RootKey::generate();
    let mut tampered = Custody::from_text(&custody.to_text()).unwrap();
    tampered.check = key_check(&other);
    let mut unsealer = Unsealer::new(tampered);
    for text in &texts[..3] {
        unsealer.offer(text).unwrap();
    }
    assert_eq!(unsealer.root_key().unwrap_err(), ShareError::WrongKey);
}

#[test]
fn impossible_thresholds_are_refused() {
    let root = RootKey::generate();
    for (k, n) in [(1, 3), (4, 3), (2, 256), (0, 0)] {
        assert_eq!(
            split(&root, k, n).unwrap_err(),
            ShareError::Parameters {
                threshold: k,
                count: n
            }
        );
    }
    assert_eq!(split(&root, 2, 2).unwrap().1.len(), 2);
}

#[test]
fn nothing_secret_shows_in_debug_or_the_custody_record() {
    let (root, custody, texts) = three_of_five();
    let share = ShareFile::from_text(&texts[0]).unwrap();
    let share_hex = hex::encode(&share.share[1..]);
    let root_hex = hex::encode(root.bytes());
    let record = custody.to_text();
    for shown in [
        format!("{share:?}"),
        format!("{custody:?}"),
        format!("{:?}", Unsealer::new(custody.clone())),
        record.clone(),
    ] {
        assert!(!shown.contains(&share_hex[..16]), "{shown}");
        assert!(!shown.contains(&root_hex[..16]), "{shown}");
    }
    assert!(record.contains("threshold 3 of 5"), "{record}");
    assert!(
        texts[0].contains("custodian 1 of 5, threshold 3"),
        "{}",
        *texts[0]
    );
}

#[test]
fn malformed_custody_records_are_refused_with_a_reason() {
    let (_, custody, _) = three_of_five();
    let good = custody.to_text();
    for (text, reason) in [
        (String::new(), "tdip-custody v1"),
        (
            good.replace("threshold 3 of 5", "threshold 6 of 5"),
            "threshold K of N",
        ),
        (good.replace("share 5 ", "share 6 "), "share digest"),
        (format!("{good}extra\n"), "unexpected text"),
    ] {
        let err = Custody::from_text(&text).unwrap_err().to_string();
        assert!(err.contains(reason), "{err}");
    }
}

//! A point initialised with custodians stays sealed until K shares are given, refuses
//! bad shares with their reason, and keeps no share and no key in its data directory; a
//! dev-key point says on every start that it is not sealed.

mod common;

use std::path::{Path, PathBuf};
use std::process::Output;

use common::{add_kpn, gen_kpn, msisdns, stderr, tdip};

/// `--share FILE` for each file.
fn shares(files: &[&PathBuf]) -> Vec<String> {
    files
        .iter()
        .flat_map(|f| ["--share".to_owned(), f.to_str().unwrap().to_owned()])
        .collect()
}

fn with(args: &[&str], extra: &[String]) -> Vec<String> {
    args.iter()
        .map(|a| (*a).to_owned())
        .chain(extra.iter().cloned())
        .collect()
}

fn run(data: &Path, args: &[String]) -> Output {
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    tdip(data, &args)
}

/// The three share files written to `out`, in custodian order.
fn share_files(out: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(out)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    assert_eq!(files.len(), 3);
    files
}

fn init_two_of_three(data: &Path, shares_out: &Path) -> Output {
    tdip(
        data,
        &[
            "init",
            "--custodians",
            "3",
            "--threshold",
            "2",
            "--shares-out",
            shares_out.to_str().unwrap(),
        ],
    )
}

#[test]
fn a_custodian_point_is_sealed_until_k_shares_are_given() {
    let dir = tempfile::tempdir().unwrap();
    let (data, out) = (dir.path().join("data"), dir.path().join("handout"));

    let refused = tdip(&data, &["init"]);
    assert!(!refused.status.success());
    assert!(
        stderr(&refused).contains("--custodians"),
        "{}",
        stderr(&refused)
    );
    let inside = data.join("shares");
    let refused = init_two_of_three(&data, &inside);
    assert!(
        stderr(&refused).contains("must not be inside"),
        "{}",
        stderr(&refused)
    );

    let init = init_two_of_three(&data, &out);
    assert!(init.status.success(), "{}", stderr(&init));
    let files = share_files(&out);
    let kept: Vec<String> = std::fs::read_dir(&data)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        !kept.iter().any(|n| n.contains("share") || n == "keyfile"),
        "{kept:?}"
    );

    // Commands that touch no subscriber data work sealed.
    add_kpn(&data);
    common::add_officer(&data);
    let lookup = [
        "lookup",
        "--msisdn",
        "0612345678",
        "--at",
        "2026-11-02 12:00:00",
    ];

    // Every path that reads subscriber data refuses while sealed; a delivery is taken
    // into the encrypted spool instead, to be validated and applied once unsealed.
    let file = dir.path().join("kpn.csv");
    gen_kpn(&data, &file, 20);
    let deliver = [
        "deliver",
        "--provider",
        "kpn",
        "--snapshot-at",
        "2026-11-02T00:00:00Z",
        file.to_str().unwrap(),
    ];
    let sealed = tdip(&data, &lookup);
    assert!(!sealed.status.success());
    assert!(
        stderr(&sealed).contains("sealed: this point opens with 2 of its 3"),
        "{}",
        stderr(&sealed)
    );
    let spooled = tdip(&data, &deliver);
    assert!(spooled.status.success(), "{}", stderr(&spooled));
    assert!(String::from_utf8_lossy(&spooled.stdout).contains("kpn SPOOLED"));
    assert_eq!(
        accepted_deliveries(&data),
        0,
        "nothing applied while sealed"
    );
    let numbers = msisdns(&file);
    let payloads: Vec<PathBuf> = std::fs::read_dir(data.join("spool"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(payloads.len(), 2, "an encrypted file and its description");
    for path in &payloads {
        let bytes = std::fs::read(path).unwrap();
        for n in &numbers {
            assert!(
                !bytes.windows(n.len()).any(|w| w == n.as_bytes()),
                "{} holds {n} in clear",
                path.display()
            );
        }
    }
    let list = tdip(&data, &["spool", "list"]);
    assert!(
        stderr(&list).contains("1 spooled deliveries"),
        "{}",
        stderr(&list)
    );

    // One share, then the same share again: still sealed, the duplicate refused.
    let one = run(&data, &with(&lookup, &shares(&[&files[0], &files[0]])));
    assert!(!one.status.success());
    let said = stderr(&one);
    assert!(
        said.contains("already given") && said.contains("given: 1 of 2 shares (1 refused)"),
        "{said}"
    );

    // A damaged copy is refused as corrupt.
    let damaged = dir.path().join("damaged.txt");
    let text = std::fs::read_to_string(&files[1]).unwrap();
    std::fs::write(&damaged, text.replacen("custodian 2", "custodian 3", 1)).unwrap();
    let check = run(&data, &with(&["unseal"], &shares(&[&files[0], &damaged])));
    assert_eq!(check.status.code(), Some(1));
    assert!(stderr(&check).contains("corrupt"), "{}", stderr(&check));
    assert!(
        stderr(&check).contains("still sealed: 1 of 2 shares (1 refused)"),
        "{}",
        stderr(&check)
    );

    // Any two distinct shares unseal.
    for pair in [[0, 1], [0, 2], [1, 2]] {
        let given = shares(&[&files[pair[0]], &files[pair[1]]]);
        let check = run(&data, &with(&["unseal"], &given));
        assert!(check.status.success(), "{}", stderr(&check));
        let answer = run(&data, &with(&lookup, &given));
        assert!(answer.status.success(), "{pair:?}: {}", stderr(&answer));
        assert!(!stderr(&answer).contains("NOT SEALED"));
        if pair == [0, 1] {
            assert!(
                stderr(&answer).contains("1 deliveries received while the point was sealed"),
                "{}",
                stderr(&answer)
            );
            let applied = run(&data, &with(&["spool", "apply"], &given));
            assert!(applied.status.success(), "{}", stderr(&applied));
            assert!(
                String::from_utf8_lossy(&applied.stdout)
                    .contains("from the spool: delivery 1 of kpn ACCEPTED: 20 rows"),
                "{}",
                String::from_utf8_lossy(&applied.stdout)
            );
        }
    }
    assert_eq!(accepted_deliveries(&data), 1);
    assert_eq!(std::fs::read_dir(data.join("spool")).unwrap().count(), 0);
    let given = shares(&[&files[1], &files[2]]);
    let found = run(
        &data,
        &with(
            &[
                "lookup",
                "--msisdn",
                &numbers[0],
                "--at",
                "2026-11-02 12:00:00",
                "--json",
            ],
            &given,
        ),
    );
    let answer: serde_json::Value = serde_json::from_slice(&found.stdout).unwrap();
    assert_eq!(
        answer["hits"].as_array().unwrap().len(),
        1,
        "the spooled delivery answers"
    );
}

/// Accepted deliveries in the log (works sealed).
fn accepted_deliveries(data: &Path) -> usize {
    let log = tdip(data, &["deliveries", "--json"]);
    assert!(log.status.success(), "{}", stderr(&log));
    let log: serde_json::Value = serde_json::from_slice(&log.stdout).unwrap();
    log["deliveries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["outcome"] == "accepted")
        .count()
}

#[test]
fn a_dev_key_point_says_on_every_start_that_it_is_not_sealed() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let init = tdip(&data, &["init", "--dev-key"]);
    assert!(stderr(&init).contains("NOT SEALED"), "{}", stderr(&init));
    common::add_officer(&data);
    let lookup = tdip(
        &data,
        &[
            "lookup",
            "--msisdn",
            "0612345678",
            "--at",
            "2026-11-02 12:00:00",
        ],
    );
    assert!(lookup.status.success(), "{}", stderr(&lookup));
    assert!(
        stderr(&lookup).contains("NOT SEALED"),
        "{}",
        stderr(&lookup)
    );
    let log = tdip(&data, &["deliveries"]);
    assert!(log.status.success(), "{}", stderr(&log));
    assert!(stderr(&log).contains("NOT SEALED"), "{}", stderr(&log));
}

#[test]
fn share_files_encrypted_to_custodians_open_only_with_their_identities() {
    use age::secrecy::ExposeSecret;

    let dir = tempfile::tempdir().unwrap();
    let (data, out) = (dir.path().join("data"), dir.path().join("handout"));
    let custodians: Vec<age::x25519::Identity> =
        (0..3).map(|_| age::x25519::Identity::generate()).collect();
    let mut args = vec![
        "init".to_owned(),
        "--custodians".into(),
        "3".into(),
        "--threshold".into(),
        "2".into(),
        "--shares-out".into(),
        out.to_str().unwrap().into(),
    ];
    let short = run(
        &data,
        &with(
            &[],
            &[
                args.clone(),
                vec![
                    "--custodian-key".into(),
                    custodians[0].to_public().to_string(),
                ],
            ]
            .concat(),
        ),
    );
    assert!(!short.status.success());
    assert!(
        stderr(&short).contains("one age public key per custodian"),
        "{}",
        stderr(&short)
    );
    for c in &custodians {
        args.extend(["--custodian-key".into(), c.to_public().to_string()]);
    }
    let init = run(&data, &args);
    assert!(init.status.success(), "{}", stderr(&init));
    let files = share_files(&out);
    for f in &files {
        assert!(f.to_string_lossy().ends_with(".age"), "{}", f.display());
        let bytes = std::fs::read(f).unwrap();
        assert!(!bytes.windows(13).any(|w| w == b"tdip-share v1"));
    }
    let identity = |i: usize| {
        let path = dir.path().join(format!("custodian-{i}.key"));
        std::fs::write(&path, custodians[i].to_string().expose_secret()).unwrap();
        path
    };
    let (id0, id1, id2) = (identity(0), identity(1), identity(2));
    let given = shares(&[&files[0], &files[1]]);

    // Without the custodians' identities the shares are refused, with the reason.
    let check = run(&data, &with(&["unseal"], &given));
    assert_eq!(check.status.code(), Some(1));
    assert!(
        stderr(&check).contains("encrypted to its custodian's age key"),
        "{}",
        stderr(&check)
    );
    // With one custodian's identity only that custodian's share opens.
    let one = run(
        &data,
        &with(&["unseal", "--identity", id0.to_str().unwrap()], &given),
    );
    assert!(
        stderr(&one).contains("still sealed: 1 of 2 shares (1 refused)"),
        "{}",
        stderr(&one)
    );
    let both = run(
        &data,
        &with(
            &[
                "unseal",
                "--identity",
                id0.to_str().unwrap(),
                "--identity",
                id1.to_str().unwrap(),
                "--identity",
                id2.to_str().unwrap(),
            ],
            &given,
        ),
    );
    assert!(both.status.success(), "{}", stderr(&both));
}

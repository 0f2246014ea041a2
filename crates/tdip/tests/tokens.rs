//! Regression test of issue 14's "a token revocation can be lost": `tdip tokens revoke ID &
//! tdip tokens issue …` lost 6 of 10 revocations, `tokens.toml` being read, changed and
//! written without a lock through one shared temporary file.

use std::process::{Command, Stdio};

mod common;

use common::ok;

#[test]
fn ten_revocations_made_while_tokens_are_issued_all_hold() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    ok(&data, &["init", "--dev-key"]);
    let ids: Vec<String> = (0..10)
        .map(|i| {
            let token = ok(
                &data,
                &[
                    "tokens",
                    "issue",
                    "--name",
                    &format!("app {i}"),
                    "--operator",
                ],
            );
            token.trim().split('_').nth(1).unwrap().to_owned()
        })
        .collect();
    let run = |args: Vec<String>| {
        Command::new(env!("CARGO_BIN_EXE_tdip"))
            .arg("--data")
            .arg(&data)
            .args(args)
            .env_remove("TDIP_ZONE")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    };
    // Ten pairs of processes at once: one revokes, one issues.
    let children: Vec<_> = ids
        .iter()
        .enumerate()
        .flat_map(|(i, id)| {
            let revoke = run(vec!["tokens".into(), "revoke".into(), id.clone()]);
            let issue = [
                "tokens",
                "issue",
                "--name",
                &format!("new {i}"),
                "--operator",
            ];
            [revoke, run(issue.iter().map(|s| s.to_string()).collect())]
        })
        .collect();
    for child in children {
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    // Read back from the file: every revocation and every issue is in it.
    let text = std::fs::read_to_string(data.join("tokens.toml")).unwrap();
    let file: toml::Value = toml::from_str(&text).unwrap();
    let tokens = file["token"].as_array().unwrap();
    assert_eq!(tokens.len(), 20, "{text}");
    for id in &ids {
        let entry = tokens
            .iter()
            .find(|t| t["id"].as_str() == Some(id))
            .unwrap_or_else(|| panic!("token {id} lost: {text}"));
        assert!(
            entry.get("revoked").is_some(),
            "revocation of {id} lost: {text}"
        );
    }
    let new = tokens.iter().filter(|t| t.get("revoked").is_none()).count();
    assert_eq!(new, 10, "{text}");
    // No temporary file is left behind.
    let left: Vec<_> = std::fs::read_dir(&data)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".new"))
        .collect();
    assert!(left.is_empty(), "{left:?}");
}

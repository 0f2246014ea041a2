//! Regression test of issue 14's "`serve --share` is silently ignored": the service
//! started sealed whatever shares it was given. Now it unseals at start with them, as every
//! other command does, and refuses to start if they do not reach the threshold.

use std::path::PathBuf;
use std::process::Command;

mod common;
mod served;

use common::ok;
use served::{https, pki, serve};

const READY: &[u8] = b"GET /ready HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";

#[test]
fn serve_with_shares_starts_unsealed_and_with_too_few_refuses_to_start() {
    let dir = tempfile::tempdir().unwrap();
    let (data, shares) = (dir.path().join("data"), dir.path().join("shares"));
    let pki = pki(dir.path());
    let out = shares.to_str().unwrap();
    let init = [
        "init",
        "--custodians",
        "3",
        "--threshold",
        "2",
        "--shares-out",
        out,
    ];
    ok(&data, &init);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&shares)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    let (a, b) = (files[0].to_str().unwrap(), files[2].to_str().unwrap());

    let s = serve(&data, &pki, &["--share", a, "--share", b], &[]);
    let (status, body) = https(s.addr, &pki, READY).unwrap();
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("ready"), "{body}");
    drop(s);

    // One share of two: the service does not start sealed in silence.
    let out = Command::new(env!("CARGO_BIN_EXE_tdip"))
        .arg("--data")
        .arg(&data)
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--share",
            a,
            "--tls-cert",
        ])
        .arg(&pki.cert)
        .arg("--tls-key")
        .arg(&pki.key)
        .env_remove("TDIP_ZONE")
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{said}");
    assert!(said.contains("does not start sealed"), "{said}");
    assert!(said.contains("2 of its 3 custodian shares"), "{said}");
    assert!(!said.contains("tdip serves"), "{said}");
}

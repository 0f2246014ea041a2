//! Issue 15, item 4: the officer registry and the access-control files edited around tdip,
//! as a database administrator or someone with the data directory would (rusqlite on
//! `tdip.db`, a text editor on the files). Each edit is refused where it would take
//! effect and logged once as an `integrity` entry; what tdip itself changed still works.

mod common;
mod served;

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use common::{add_kpn, deliver_kpn, gen_kpn, msisdns, ok, stderr};
use served::{https, pki, serve};

/// A point with the test officer, kpn and one delivery; returns a number kpn delivered.
fn point(data: &Path, dir: &Path) -> String {
    let file = dir.join("kpn.csv");
    ok(data, &["init", "--dev-key"]);
    common::add_officer(data);
    add_kpn(data);
    gen_kpn(data, &file, 20);
    deliver_kpn(data, &file, "2026-11-02T00:00:00Z");
    msisdns(&file).remove(0)
}

/// A lookup of `number` by officer `officer` of nl/politie.
fn lookup_by(data: &Path, number: &str, officer: &str) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tdip"))
        .arg("--data")
        .arg(data)
        .args(["lookup", "--msisdn", number, "--at", "2026-11-02 12:00:00"])
        .env_remove("TDIP_ZONE")
        .env_remove("TDIP_AUTHORISED_BY")
        .envs(common::DEMAND)
        .env("TDIP_OFFICER", officer)
        .output()
        .unwrap()
}

/// The integrity entries of the log, as JSON bodies.
fn findings(data: &Path) -> Vec<serde_json::Value> {
    ok(data, &["audit", "log", "--json", "--limit", "10000"])
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .filter(|e| e["kind"] == "integrity")
        .map(|e| e["body"].clone())
        .collect()
}

fn sql(data: &Path, statement: &str) {
    let db = rusqlite::Connection::open(data.join("tdip.db")).unwrap();
    db.execute(statement, []).unwrap();
}

/// Asserts a consultation was refused (exit 3) as the registry was tampered with.
fn refused_as_tampered(out: &Output) {
    assert_eq!(out.status.code(), Some(3), "{}", stderr(out));
    assert!(
        stderr(out).contains("changed outside tdip"),
        "{}",
        stderr(out)
    );
}

#[test]
fn a_suspension_cleared_with_sql_is_refused_and_logged_once() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let number = point(&data, dir.path());
    let suspend = [
        "officers",
        "suspend",
        "--agency",
        "nl/politie",
        "--officer",
        "T-1",
        "--reason",
        "internal inquiry",
    ];
    ok(&data, &suspend);
    let out = lookup_by(&data, &number, "T-1");
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(stderr(&out).contains("suspended"), "{}", stderr(&out));

    sql(
        &data,
        "UPDATE officer SET suspended_at = NULL, suspended_reason = NULL",
    );
    refused_as_tampered(&lookup_by(&data, &number, "T-1"));
    refused_as_tampered(&lookup_by(&data, &number, "T-1"));
    let found = findings(&data);
    assert_eq!(found.len(), 1, "logged once per finding: {found:?}");
    assert_eq!(found[0]["what"], "officer-registry");
    assert_eq!(found[0]["subject"], "nl/politie T-1");
    let detail = found[0]["detail"].as_str().unwrap();
    assert!(detail.contains("suspension"), "{detail}");
    assert!(
        !detail.contains("inquiry"),
        "no reason in a finding: {detail}"
    );

    // Made again through tdip, the registry holds: suspended, then reinstated.
    ok(&data, &suspend);
    let out = lookup_by(&data, &number, "T-1");
    assert!(
        stderr(&out).contains("is suspended since"),
        "{}",
        stderr(&out)
    );
    ok(
        &data,
        &[
            "officers",
            "reinstate",
            "--agency",
            "nl/politie",
            "--officer",
            "T-1",
        ],
    );
    let out = lookup_by(&data, &number, "T-1");
    assert!(out.status.success(), "{}", stderr(&out));
}

#[test]
fn an_officer_inserted_with_sql_is_refused_and_logged_until_adopted() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let number = point(&data, dir.path());
    assert!(lookup_by(&data, &number, "T-1").status.success());

    sql(
        &data,
        "INSERT INTO officer (agency, id, name, registered_at) \
         VALUES ('nl/politie', 'T-2', 'Mallory Example', 0)",
    );
    refused_as_tampered(&lookup_by(&data, &number, "T-2"));
    // The officer registered through tdip is not affected.
    assert!(lookup_by(&data, &number, "T-1").status.success());
    let found = findings(&data);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0]["subject"], "nl/politie T-2");
    assert!(
        found[0]["detail"]
            .as_str()
            .unwrap()
            .contains("never registered through tdip"),
        "{found:?}"
    );
    let log = ok(&data, &["audit", "log", "--json", "--limit", "10000"]);
    assert!(!log.contains("Mallory"), "no officer's name in the log");

    // Reviewed and adopted by the administrator: the officer now consults.
    ok(&data, &["officers", "adopt"]);
    let out = lookup_by(&data, &number, "T-2");
    assert!(out.status.success(), "{}", stderr(&out));
}

const CHECKPOINT: &str = "GET /v1/audit/checkpoint HTTP/1.1\r\nHost: localhost\r\n";

fn with_token(token: &str) -> Vec<u8> {
    format!("{CHECKPOINT}Authorization: Bearer {token}\r\nConnection: close\r\n\r\n").into_bytes()
}

#[test]
fn a_token_digest_added_to_tokens_toml_by_hand_is_refused_and_logged() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    ok(&data, &["init", "--dev-key"]);
    let pki = pki(dir.path());
    let issued = ok(
        &data,
        &["tokens", "issue", "--name", "Operator", "--operator"],
    );
    let issued = issued.trim();
    let s = serve(&data, &pki, &[], &[]);
    let (status, body) = https(s.addr, &pki, &with_token(issued)).unwrap();
    assert_eq!(
        status, 200,
        "the token issued through tdip is accepted: {body}"
    );

    // A token of one's own, its digest appended to the file.
    let forged = format!("tdip_0123456789ab_{}", "7".repeat(64));
    let digest = {
        use sha2::Digest;
        hex::encode(sha2::Sha256::digest(forged.as_bytes()))
    };
    let mut text = std::fs::read_to_string(data.join("tokens.toml")).unwrap();
    text.push_str(&format!(
        "\n[[token]]\nid = \"0123456789ab\"\nsha256 = \"{digest}\"\nissued = 0\nname = \"x\"\noperator = true\n"
    ));
    std::fs::write(data.join("tokens.toml"), text).unwrap();
    let (status, body) = https(s.addr, &pki, &with_token(&forged)).unwrap();
    assert_eq!(status, 401, "the forged token is refused: {body}");
    let (status, _) = https(s.addr, &pki, &with_token(issued)).unwrap();
    assert_eq!(status, 401, "the file changed around tdip accepts no token");
    let found = findings(&data);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0]["what"], "access-file");
    assert_eq!(found[0]["subject"], "tokens.toml");
}

/// Runs `tdip serve` and waits for it to end (at most a minute): its output.
fn serve_to_the_end(data: &Path, pki: &served::Pki) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_tdip"))
        .arg("--data")
        .arg(data)
        .args(["serve", "--listen", "127.0.0.1:0", "--tls-cert"])
        .arg(&pki.cert)
        .arg("--tls-key")
        .arg(&pki.key)
        .arg("--client-ca")
        .arg(&pki.ca)
        .env_remove("TDIP_ZONE")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let start = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if start.elapsed() > Duration::from_secs(60) {
            let _ = child.kill();
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    child.wait_with_output().unwrap()
}

#[test]
fn clients_toml_edited_by_hand_stops_the_service_from_starting_and_is_logged() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    ok(&data, &["init", "--dev-key"]);
    let pki = pki(dir.path());
    let client = |fingerprint: char, role: &str| {
        format!(
            "[[client]]\nname = \"system {fingerprint}\"\nfingerprint = \"{}\"\n{role}\n",
            fingerprint.to_string().repeat(64)
        )
    };
    let clients = data.join("clients.toml");
    std::fs::write(&clients, client('a', "agency = \"nl/politie\"")).unwrap();
    ok(&data, &["clients", "adopt"]);
    let s = serve(&data, &pki, &["--client-ca", pki.ca.to_str().unwrap()], &[]);
    drop(s);

    let mut text = std::fs::read_to_string(&clients).unwrap();
    text.push_str(&client('b', "operator = true"));
    std::fs::write(&clients, text).unwrap();
    let out = serve_to_the_end(&data, &pki);
    assert!(!out.status.success(), "the service did not start");
    let said = stderr(&out);
    assert!(
        said.contains("clients.toml was changed outside tdip") && said.contains("clients adopt"),
        "{said}"
    );
    let found = findings(&data);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0]["subject"], "clients.toml");

    // Reviewed and adopted, it starts.
    ok(&data, &["clients", "adopt"]);
    let s = serve(&data, &pki, &["--client-ca", pki.ca.to_str().unwrap()], &[]);
    drop(s);
}

#[test]
fn a_catalogue_file_edited_in_the_data_directory_refuses_lookups_until_adopted() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let number = point(&data, dir.path());
    let catalogue = data.join("catalogue");
    ok(&data, &["catalogue", "export", catalogue.to_str().unwrap()]);
    ok(&data, &["catalogue", "adopt"]);
    assert!(lookup_by(&data, &number, "T-1").status.success());

    let nl = catalogue.join("nl.toml");
    let text = std::fs::read_to_string(&nl).unwrap();
    std::fs::write(&nl, format!("{text}\n# widened by hand\n")).unwrap();
    let out = lookup_by(&data, &number, "T-1");
    assert!(!out.status.success());
    let said = stderr(&out);
    assert!(
        said.contains("catalogue was changed outside tdip") && said.contains("catalogue adopt"),
        "{said}"
    );
    assert!(!lookup_by(&data, &number, "T-1").status.success());
    let found = findings(&data);
    assert_eq!(found.len(), 1, "once per finding: {found:?}");
    assert_eq!(found[0]["what"], "access-file");
    assert_eq!(found[0]["subject"], "catalogue");

    ok(&data, &["catalogue", "adopt"]);
    let out = lookup_by(&data, &number, "T-1");
    assert!(out.status.success(), "{}", stderr(&out));
}

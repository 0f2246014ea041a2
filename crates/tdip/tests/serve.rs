//! `tdip serve` over a real TLS socket, with certificates made in the test (rcgen): the
//! CLI's `--server` mode consulting with a client certificate or a token, certificates the
//! point does not know refused, unsealing through the service, and a clean stop that signs
//! the audit log's head.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, IsCa, KeyPair};
use sha2::{Digest, Sha256};

mod common;

use common::{DEMAND, add_kpn, add_officer, deliver_kpn, gen_kpn, msisdns, ok, stderr};

/// PEM files of a CA, the server, a client the point lists, a client it does not list, and
/// a client of another CA.
struct Pki {
    ca: PathBuf,
    server: (PathBuf, PathBuf),
    listed: (PathBuf, PathBuf),
    unlisted: (PathBuf, PathBuf),
    foreign: (PathBuf, PathBuf),
    listed_fingerprint: String,
}

fn ca(name: &str) -> CertifiedIssuer<'static, KeyPair> {
    let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, name);
    CertifiedIssuer::self_signed(params, KeyPair::generate().unwrap()).unwrap()
}

fn issue(
    dir: &Path,
    name: &str,
    names: &[&str],
    issuer: &CertifiedIssuer<'static, KeyPair>,
) -> ((PathBuf, PathBuf), String) {
    let key = KeyPair::generate().unwrap();
    let params =
        CertificateParams::new(names.iter().map(|n| n.to_string()).collect::<Vec<_>>()).unwrap();
    let cert = params.signed_by(&key, issuer).unwrap();
    let (c, k) = (
        dir.join(format!("{name}.pem")),
        dir.join(format!("{name}.key")),
    );
    std::fs::write(&c, cert.pem()).unwrap();
    std::fs::write(&k, key.serialize_pem()).unwrap();
    ((c, k), hex::encode(Sha256::digest(cert.der())))
}

fn pki(dir: &Path) -> Pki {
    let (ours, theirs) = (ca("tdip test CA"), ca("another CA"));
    let ca = dir.join("ca.pem");
    std::fs::write(&ca, ours.pem()).unwrap();
    let (server, _) = issue(dir, "server", &["localhost", "127.0.0.1"], &ours);
    let (listed, listed_fingerprint) = issue(dir, "politie", &["politie"], &ours);
    let (unlisted, _) = issue(dir, "unlisted", &["unlisted"], &ours);
    let (foreign, _) = issue(dir, "foreign", &["foreign"], &theirs);
    Pki {
        ca,
        server,
        listed,
        unlisted,
        foreign,
        listed_fingerprint,
    }
}

/// A running `tdip serve` and its URL; stopped (SIGTERM) by [`stop`].
struct Served {
    child: Child,
    url: String,
    log: std::sync::mpsc::Receiver<String>,
}

fn serve(data: &Path, pki: &Pki) -> Served {
    let mut child = Command::new(env!("CARGO_BIN_EXE_tdip"))
        .arg("--data")
        .arg(data)
        .args(["serve", "--listen", "127.0.0.1:0", "--tls-cert"])
        .arg(&pki.server.0)
        .arg("--tls-key")
        .arg(&pki.server.1)
        .arg("--client-ca")
        .arg(&pki.ca)
        .env_remove("TDIP_ZONE")
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let (tx, log) = std::sync::mpsc::channel();
    let lines = BufReader::new(child.stderr.take().unwrap()).lines();
    std::thread::spawn(move || {
        for line in lines.map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let url = loop {
        let line = log
            .recv_timeout(std::time::Duration::from_secs(30))
            .expect("tdip serve says where it listens");
        if let Some(rest) = line.strip_prefix("tdip serves ") {
            break rest.split_whitespace().next().unwrap().to_owned();
        }
    };
    Served { child, url, log }
}

/// Stops the service as an operator would (SIGTERM); its exit status and last words.
fn stop(mut s: Served) -> (bool, String) {
    let pid = s.child.id().to_string();
    assert!(
        Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success()
    );
    let status = s.child.wait().unwrap();
    let rest: Vec<String> = s.log.iter().collect();
    (status.success(), rest.join("\n"))
}

/// `tdip COMMAND --server URL --ca CA WHO… ARGS…` as a remote officer's terminal would
/// run it (`args` starts with the command).
fn remote(s: &Served, pki: &Pki, who: &[&str], args: &[&str]) -> std::process::Output {
    let dir = tempfile::tempdir().unwrap();
    let (command, rest) = args.split_first().unwrap();
    Command::new(env!("CARGO_BIN_EXE_tdip"))
        .arg("--data")
        .arg(dir.path().join("nothing-here"))
        .arg(command)
        .args(["--server", &s.url, "--ca"])
        .arg(&pki.ca)
        .args(who)
        .args(rest)
        .env_remove("TDIP_ZONE")
        .envs(DEMAND)
        .output()
        .unwrap()
}

fn cert(pair: &(PathBuf, PathBuf)) -> [&str; 4] {
    [
        "--client-cert",
        pair.0.to_str().unwrap(),
        "--client-key",
        pair.1.to_str().unwrap(),
    ]
}

#[test]
fn an_agency_consults_over_tls_with_its_certificate_or_a_token() {
    let dir = tempfile::tempdir().unwrap();
    let (data, file) = (dir.path().join("data"), dir.path().join("kpn.csv"));
    let pki = pki(dir.path());
    ok(&data, &["init", "--dev-key"]);
    add_officer(&data);
    add_kpn(&data);
    gen_kpn(&data, &file, 20);
    deliver_kpn(&data, &file, "2026-11-02T00:00:00Z");
    let number = msisdns(&file).swap_remove(0);
    std::fs::write(
        data.join("clients.toml"),
        format!(
            "[[client]]\nname = \"Politie gateway\"\nfingerprint = \"{}\"\nagency = \"nl/politie\"\n",
            pki.listed_fingerprint
        ),
    )
    .unwrap();
    let token = ok(
        &data,
        &[
            "tokens",
            "issue",
            "--name",
            "Politie app",
            "--agency",
            "nl/politie",
        ],
    );
    let token = token.trim();
    let s = serve(&data, &pki);

    // The listed certificate: answered, as JSON and as text.
    let out = remote(
        &s,
        &pki,
        &cert(&pki.listed),
        &["lookup", "--msisdn", &number, "--json"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let answer: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(answer["hits"].as_array().unwrap().len(), 1, "{answer}");
    assert_eq!(answer["hits"][0]["provider"], "kpn");
    // The same answer on the point itself, printed the same: one type for both. Only the
    // consultation's reference and its due time (set from the moment it is asked) differ.
    let asked = [
        "lookup",
        "--msisdn",
        &number,
        "--at",
        "2026-11-02 12:00:00",
        "--json",
    ];
    let local = ok(&data, &asked);
    let out = remote(&s, &pki, &cert(&pki.listed), &asked);
    assert!(out.status.success(), "{}", stderr(&out));
    let served = String::from_utf8_lossy(&out.stdout);
    let same = |text: &str| -> Vec<String> {
        text.lines()
            .filter(|l| !l.contains("\"consultation\":") && !l.contains("\"due\":"))
            .map(str::to_owned)
            .collect()
    };
    assert!(served.contains("\"consultation\":"), "{served}");
    assert!(served.contains("\"at\":"), "{served}");
    assert_eq!(same(&local), same(&served));
    let out = remote(
        &s,
        &pki,
        &cert(&pki.listed),
        &["lookup", "--msisdn", &number],
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("1 HIT for this msisdn"), "{text}");
    assert!(text.contains("KPN B.V."), "{text}");

    // A token speaks for the agency too.
    let out = remote(
        &s,
        &pki,
        &["--token", token],
        &["lookup", "--msisdn", &number, "--json"],
    );
    assert!(out.status.success(), "{}", stderr(&out));

    // A refusal is the officer's to read, with its consultation; exit status 3.
    let out = remote(
        &s,
        &pki,
        &cert(&pki.listed),
        &["lookup", "--msisdn", &number, "--basis", "nl/wiv-2017-39"],
    );
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(stderr(&out).contains("REFUSED"), "{}", stderr(&out));

    // A certificate of the point's CA that clients.toml does not list: refused, named.
    let out = remote(
        &s,
        &pki,
        &cert(&pki.unlisted),
        &["lookup", "--msisdn", &number],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("not listed in the point's clients.toml"),
        "{}",
        stderr(&out)
    );
    // A certificate of another CA does not get through the handshake.
    let out = remote(
        &s,
        &pki,
        &cert(&pki.foreign),
        &["lookup", "--msisdn", &number],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        !out.status.success() && out.stdout.is_empty(),
        "{}",
        stderr(&out)
    );

    // A provider delivers the next day's file through the service, streamed.
    let kpn = ok(
        &data,
        &["tokens", "issue", "--name", "KPN", "--provider", "kpn"],
    );
    let next = dir.path().join("kpn-1.csv");
    common::gen_kpn_day(&data, &next, 20, 1, "10");
    let (next, kpn) = (next.to_str().unwrap(), ["--token", kpn.trim()]);
    let at = "2026-11-03T00:00:00Z";
    let args = ["deliver", "--provider", "kpn", "--snapshot-at", at, next];
    let out = remote(&s, &pki, &kpn, &args);
    assert!(out.status.success(), "{}", stderr(&out));
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(said.contains("ACCEPTED: 20 rows"), "{said}");
    let out = remote(&s, &pki, &kpn, &["deliveries"]);
    let said = String::from_utf8_lossy(&out.stdout);
    assert_eq!(said.matches("accepted").count(), 2, "{said}");
    // An agency's certificate cannot deliver.
    let out = remote(&s, &pki, &cert(&pki.listed), &args);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("only providers deliver"),
        "{}",
        stderr(&out)
    );

    // Stopped: exits cleanly, signs a head; the log verifies.
    let (clean, last) = stop(s);
    assert!(clean, "{last}");
    assert!(last.contains("head is signed"), "{last}");
    let verified = ok(&data, &["audit", "verify"]);
    assert!(!verified.is_empty());
    // The consultations through the service are logged as the API's.
    let log = ok(&data, &["audit", "log", "--json"]);
    assert!(log.contains("\"api\""), "{log}");
}

#[test]
fn a_sealed_service_opens_with_shares_relayed_by_the_operator() {
    let dir = tempfile::tempdir().unwrap();
    let (data, shares) = (dir.path().join("data"), dir.path().join("shares"));
    let pki = pki(dir.path());
    let out = shares.to_str().unwrap();
    ok(
        &data,
        &[
            "init",
            "--custodians",
            "3",
            "--threshold",
            "2",
            "--shares-out",
            out,
        ],
    );
    add_officer(&data);
    let operator = ok(
        &data,
        &["tokens", "issue", "--name", "Operator", "--operator"],
    );
    let agency = ok(
        &data,
        &[
            "tokens",
            "issue",
            "--name",
            "Politie",
            "--agency",
            "nl/politie",
        ],
    );
    let s = serve(&data, &pki);

    let ask = ["lookup", "--msisdn", "0612345678"];
    let out = remote(&s, &pki, &["--token", agency.trim()], &ask);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("sealed"), "{}", stderr(&out));

    let mut files: Vec<PathBuf> = std::fs::read_dir(&shares)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    let (a, b) = (files[0].to_str().unwrap(), files[1].to_str().unwrap());
    // An agency cannot relay shares.
    let out = remote(
        &s,
        &pki,
        &["--token", agency.trim()],
        &["unseal", "--share", a],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("only the operator"),
        "{}",
        stderr(&out)
    );
    let out = remote(
        &s,
        &pki,
        &["--token", operator.trim()],
        &["unseal", "--share", a, "--share", b],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("the point is unsealed"),
        "{}",
        stderr(&out)
    );

    let out = remote(&s, &pki, &["--token", agency.trim()], &ask);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("NO HIT"));
    let (clean, last) = stop(s);
    assert!(clean, "{last}");
    // The relayed shares were not kept anywhere in the data directory.
    for share in [a, b] {
        let text = std::fs::read_to_string(share).unwrap();
        let secret = text.lines().find_map(|l| l.strip_prefix("share ")).unwrap();
        for entry in walk(&data) {
            let bytes = std::fs::read(&entry).unwrap();
            assert!(
                !bytes.windows(secret.len()).any(|w| w == secret.as_bytes()),
                "{} holds a share",
                entry.display()
            );
        }
    }
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path);
        }
    }
    out
}

/// The README's first command ends by serving the demo point: the lookup it prints works
/// as printed, over TLS with the token it issued.
#[test]
fn the_demo_serves_its_point_and_the_printed_lookup_works() {
    let dir = tempfile::tempdir().unwrap();
    let mut demo = Command::new(env!("CARGO_BIN_EXE_tdip"))
        .arg("--data")
        .arg(dir.path())
        .args(["demo", "--rows", "300", "--listen", "127.0.0.1:0"])
        .env_remove("TDIP_ZONE")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(demo.stdout.take().unwrap()).lines();
    let printed = loop {
        let line = lines
            .next()
            .expect("the demo prints how to reach it")
            .unwrap();
        if line.trim_start().starts_with("tdip lookup --server") && line.contains("--token") {
            break line;
        }
    };
    let words: Vec<&str> = printed.split_whitespace().skip(1).collect();
    let out = Command::new(env!("CARGO_BIN_EXE_tdip"))
        .args(&words)
        .env_remove("TDIP_ZONE")
        .output()
        .unwrap();
    let pid = demo.id().to_string();
    assert!(
        Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success()
    );
    assert!(demo.wait().unwrap().success());
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{printed}\n{said}\n{}", stderr(&out));
    assert!(said.contains("1 HIT for this msisdn"), "{said}");
}

//! A service told to stop (SIGTERM) finishes what it was doing: it stops accepting at
//! once, answers the request in progress, then exits 0 with the audit log's head signed.
//! The real binary over TLS.

use std::io::Write;
use std::net::TcpStream;
use std::process::Command;
use std::time::{Duration, Instant};

mod common;
mod served;

use common::{add_kpn, gen_kpn, ok};
use served::{connect, pki, read_answer, serve};

#[test]
fn a_delivery_still_uploading_when_the_service_is_told_to_stop_is_answered_and_it_exits_0() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    ok(&data, &["init", "--dev-key"]);
    add_kpn(&data);
    let file = dir.path().join("kpn.csv");
    gen_kpn(&data, &file, 200);
    let token = ok(
        &data,
        &["tokens", "issue", "--name", "KPN", "--provider", "kpn"],
    );
    let pki = pki(dir.path());
    let mut s = serve(&data, &pki, &[], &[]);

    // The upload's header and the first half of its body.
    let body = std::fs::read(&file).unwrap();
    let (first, rest) = body.split_at(body.len() / 2);
    let mut tls = connect(s.addr, &pki, Duration::from_secs(60)).unwrap();
    let header = format!(
        "POST /v1/deliveries?snapshot_at=2026-11-02T00:00:00Z&format=csv HTTP/1.1\r\n\
         Host: localhost\r\nAuthorization: Bearer {}\r\n\
         Content-Type: application/octet-stream\r\nContent-Length: {}\r\n\r\n",
        token.trim(),
        body.len()
    );
    tls.write_all(header.as_bytes()).unwrap();
    tls.write_all(first).unwrap();
    tls.flush().unwrap();
    std::thread::sleep(Duration::from_millis(300));

    let pid = s.child.id().to_string();
    let killed = Command::new("kill").args(["-TERM", &pid]).status().unwrap();
    assert!(killed.success());

    // It stops accepting: a new connection is refused once the signal is seen ...
    let told = Instant::now();
    while TcpStream::connect(s.addr).is_ok() {
        assert!(
            told.elapsed() < Duration::from_secs(10),
            "the service still accepts connections 10 s after SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    // ... but waits for the upload in progress.
    assert!(
        s.child.try_wait().unwrap().is_none(),
        "the service exited with a request in progress"
    );

    tls.write_all(rest).unwrap();
    tls.flush().unwrap();
    let (status, answer) = read_answer(&mut tls).unwrap();
    assert_eq!(status, 200, "{answer}");
    assert!(answer.contains("\"accepted\""), "{answer}");

    let exited = s.child.wait().unwrap();
    let said: Vec<String> = s.log.try_iter().collect();
    let said = said.join("\n");
    assert!(exited.success(), "{exited}: {said}");
    // Every connection open at the stop was drained, none cut: the upload's, and any other
    // the test's own readiness probes still held (how many of those is up to timing).
    let drained = said
        .lines()
        .find_map(|l| l.strip_prefix("stopping: drained "))
        .unwrap_or_else(|| panic!("the service says how the stop went: {said}"));
    let counts: Vec<u64> = drained
        .split(|c: char| !c.is_ascii_digit())
        .filter(|w| !w.is_empty())
        .map(|w| w.parse().unwrap())
        .collect();
    assert!(
        counts.len() == 2 && counts[0] == counts[1] && counts[0] >= 1 && !drained.contains("cut"),
        "every open connection drained, none cut: {said}"
    );
    assert!(said.contains("head is signed"), "{said}");
    // What was delivered during the stop is in the store and the log.
    let deliveries = ok(&data, &["deliveries"]);
    assert!(deliveries.contains("accepted"), "{deliveries}");
    ok(&data, &["audit", "verify"]);
}

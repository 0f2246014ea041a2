//! Regression tests of issue 14's "slow clients exhaust the service": 300 TLS connections
//! holding half a header stayed open 78 s, and with 256 file descriptors `/health`
//! stopped answering. The real binary over TLS, the limits set short by flag.

use std::io::Write;
use std::net::TcpStream;
use std::path::Path;
use std::time::{Duration, Instant};

mod common;
mod served;

use common::{add_kpn, gen_kpn, ok};
use served::{HEALTH, closed, connect, https, pki, read_answer, serve};

/// Half of a request header: never finished.
const HALF: &[u8] = b"GET /health HTTP/1.1\r\nHost: localhost\r\nX-Slow: ";

fn point(dir: &Path) -> std::path::PathBuf {
    let data = dir.join("data");
    ok(&data, &["init", "--dev-key"]);
    data
}

#[test]
fn connections_holding_half_a_header_are_closed_and_do_not_lock_out_health() {
    let dir = tempfile::tempdir().unwrap();
    let (data, pki) = (point(dir.path()), pki(dir.path()));
    let flags = [
        "--max-connections",
        "16",
        "--header-timeout",
        "2",
        "--idle-timeout",
        "1",
        "--handshake-timeout",
        "2",
    ];
    let s = serve(&data, &pki, &flags, &[]);
    let opened = Instant::now();
    // More slow connections than the cap: TLS done and half a header sent, or a bare
    // TCP connection that never starts the handshake.
    let mut half: Vec<_> = (0..40)
        .map(|_| {
            let mut tls = connect(s.addr, &pki, Duration::from_secs(8)).unwrap();
            tls.write_all(HALF).unwrap();
            tls.flush().unwrap();
            tls
        })
        .collect();
    let mut bare: Vec<_> = (0..40)
        .map(|_| {
            let tcp = TcpStream::connect(s.addr).unwrap();
            tcp.set_read_timeout(Some(Duration::from_secs(8))).unwrap();
            tcp
        })
        .collect();

    // The service still answers, at once.
    for _ in 0..3 {
        let asked = Instant::now();
        let (status, body) = https(s.addr, &pki, HEALTH).unwrap();
        assert_eq!(status, 200, "{body}");
        assert!(
            asked.elapsed() < Duration::from_secs(2),
            "/health took {:?} behind slow clients",
            asked.elapsed()
        );
    }

    // Every slow connection is closed: made room for others, or timed out (header 2 s,
    // handshake 2 s), well before the read timeout of 8 s.
    for (i, tls) in half.iter_mut().enumerate() {
        assert!(closed(tls), "half-header connection {i} still open");
    }
    for (i, tcp) in bare.iter_mut().enumerate() {
        assert!(closed(tcp), "bare TCP connection {i} still open");
    }
    assert!(opened.elapsed() < Duration::from_secs(8));
}

#[test]
fn a_connection_that_sends_nothing_is_closed_after_the_idle_timeout_and_a_slow_header_after_the_header_timeout()
 {
    let dir = tempfile::tempdir().unwrap();
    let (data, pki) = (point(dir.path()), pki(dir.path()));
    let flags = ["--header-timeout", "4", "--idle-timeout", "1"];
    let s = serve(&data, &pki, &flags, &[]);

    let mut silent = connect(s.addr, &pki, Duration::from_secs(8)).unwrap();
    let mut slow = connect(s.addr, &pki, Duration::from_secs(8)).unwrap();
    let start = Instant::now();
    slow.write_all(HALF).unwrap();
    slow.flush().unwrap();
    assert!(closed(&mut silent));
    let idle = start.elapsed();
    assert!(closed(&mut slow));
    let header = start.elapsed();
    assert!(
        idle >= Duration::from_millis(800) && idle < Duration::from_millis(2500),
        "idle connection closed after {idle:?}"
    );
    assert!(
        header >= Duration::from_millis(3500) && header < Duration::from_secs(6),
        "half-header connection closed after {header:?}"
    );

    // A kept-alive connection is closed once idle after its answer, not before.
    let mut kept = connect(s.addr, &pki, Duration::from_secs(8)).unwrap();
    kept.write_all(b"GET /health HTTP/1.1\r\nHost: localhost\r\n\r\n")
        .unwrap();
    kept.flush().unwrap();
    assert_eq!(read_answer(&mut kept).unwrap().0, 200);
    std::thread::sleep(Duration::from_millis(500));
    kept.write_all(b"GET /health HTTP/1.1\r\nHost: localhost\r\n\r\n")
        .unwrap();
    kept.flush().unwrap();
    assert_eq!(read_answer(&mut kept).unwrap().0, 200);
    let answered = Instant::now();
    assert!(closed(&mut kept));
    assert!(answered.elapsed() < Duration::from_millis(2500));
}

#[test]
fn with_256_file_descriptors_health_answers_while_300_slow_connections_are_open() {
    let dir = tempfile::tempdir().unwrap();
    let (data, pki) = (point(dir.path()), pki(dir.path()));
    // The default cap (512) is above this limit: the accept loop meets EMFILE and must
    // neither spin nor stop, and must get file descriptors back from idle connections.
    let limit = ["sh", "-c", "ulimit -n 256 && exec \"$0\" \"$@\""];
    let s = serve(&data, &pki, &[], &limit);
    // Half headers while descriptors last, then more bare connections than there are
    // descriptors left.
    let mut half: Vec<_> = (0..20)
        .map(|_| {
            let mut tls = connect(s.addr, &pki, Duration::from_secs(5)).unwrap();
            tls.write_all(HALF).unwrap();
            tls.flush().unwrap();
            tls
        })
        .collect();
    let mut bare: Vec<_> = (0..300)
        .map(|_| TcpStream::connect(s.addr).unwrap())
        .collect();
    std::thread::sleep(Duration::from_millis(300));
    for _ in 0..3 {
        let asked = Instant::now();
        let (status, body) = https(s.addr, &pki, HEALTH).unwrap();
        assert_eq!(status, 200, "{body}");
        assert!(
            asked.elapsed() < Duration::from_secs(2),
            "/health took {:?} with the file descriptors taken",
            asked.elapsed()
        );
    }
    // The service is still whole: it answers a second burst too.
    bare.truncate(0);
    half.truncate(0);
    let (status, _) = https(s.addr, &pki, HEALTH).unwrap();
    assert_eq!(status, 200);
}

#[test]
fn a_slow_upload_that_keeps_sending_is_accepted_and_a_stalled_one_is_cut_off() {
    let dir = tempfile::tempdir().unwrap();
    let (data, pki) = (point(dir.path()), pki(dir.path()));
    add_kpn(&data);
    let file = dir.path().join("kpn.csv");
    gen_kpn(&data, &file, 40);
    let token = ok(
        &data,
        &["tokens", "issue", "--name", "KPN", "--provider", "kpn"],
    );
    let s = serve(&data, &pki, &["--body-timeout", "2"], &[]);
    let bytes = std::fs::read(&file).unwrap();
    let upload = |at: &str| {
        format!(
            "POST /v1/deliveries?snapshot_at={at}&format=csv HTTP/1.1\r\nHost: localhost\r\n\
             Authorization: Bearer {}\r\nContent-Type: application/octet-stream\r\n\
             Content-Length: {}\r\n\r\n",
            token.trim(),
            bytes.len()
        )
    };

    // Four pieces a second apart: longer in all than the body timeout, never silent as long.
    let mut tls = connect(s.addr, &pki, Duration::from_secs(20)).unwrap();
    tls.write_all(upload("2026-11-02T00:00:00Z").as_bytes())
        .unwrap();
    let started = Instant::now();
    for piece in bytes.chunks(bytes.len().div_ceil(4)) {
        tls.write_all(piece).unwrap();
        tls.flush().unwrap();
        std::thread::sleep(Duration::from_millis(1000));
    }
    let (status, body) = read_answer(&mut tls).unwrap();
    assert!(started.elapsed() > Duration::from_secs(3));
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("\"accepted\""), "{body}");

    // Half the file, then nothing: refused after the body timeout, nothing spooled.
    let mut tls = connect(s.addr, &pki, Duration::from_secs(20)).unwrap();
    tls.write_all(upload("2026-11-03T00:00:00Z").as_bytes())
        .unwrap();
    tls.write_all(&bytes[..bytes.len() / 2]).unwrap();
    tls.flush().unwrap();
    let stalled = Instant::now();
    let (status, body) = read_answer(&mut tls).unwrap();
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("stopped arriving"), "{body}");
    assert!(stalled.elapsed() >= Duration::from_millis(1800));
    assert!(stalled.elapsed() < Duration::from_secs(6));
    let spooled = ok(&data, &["spool", "list"]);
    assert!(!spooled.contains("kpn"), "{spooled}");
    let log = ok(&data, &["deliveries"]);
    let rows = log.lines().filter(|l| l.trim_end().ends_with("accepted"));
    assert_eq!(rows.count(), 1, "{log}");
}

//! Load on `tdip serve` through its HTTPS JSON API on loopback: phone-number lookups (10%
//! for numbers nobody holds) by an agency's system with a client certificate, against a
//! point of `--rows` subscribers (default 10,000,000, four providers), every consultation
//! judged and durably logged.
//!
//! Two phases after a warm-up that asks every query once at `--rate` (so the pages they
//! read are in memory, as on a point that has been answering for a while): an open-loop phase at `--rate` requests/s for `--seconds`
//! (latency counted from each request's scheduled start, so a stalled server cannot hide
//! its queue), then a closed-loop phase of `--connections` callers back to back, for the
//! most the point sustains. The server's CPU time per request is read from `/proc`.
//!
//! `--data DIR` keeps the loaded point in DIR for the next run (loading 10 M subscribers
//! takes minutes); without it a temporary directory is used. `--hi1` sends the same
//! lookups as ETSI TS 103 120 messages to `POST /hi1` instead: each creates an
//! authorisation and a task whose answer the service keeps as a delivery. `--traffic`
//! asks `POST /v1/traffic/lookups` instead: who used a public address and port at a
//! moment, over the CGNAT port-block assignments of `tdip gen cgnat` for the first
//! provider's population (`--traffic-days` days of them, default 1), delivered as batches.

#[allow(dead_code, missing_docs)]
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use hyper::{Method, StatusCode};
use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, IsCa, KeyPair};
use sha2::{Digest, Sha256};

const PROVIDERS: [&str; 4] = ["kpn", "odido", "vodafoneziggo", "lebara"];
const TDIP: &str = env!("CARGO_BIN_EXE_tdip");

fn main() {
    let rows = arg("--rows", 10_000_000);
    let rate = arg("--rate", 2_000);
    let seconds = arg("--seconds", 30);
    let connections = arg("--connections", 64);
    let hi1 = std::env::args().any(|a| a == "--hi1");
    let traffic = std::env::args().any(|a| a == "--traffic");
    let kept = text_arg("--data").map(PathBuf::from);
    let temp = tempfile::tempdir().unwrap();
    let root = kept.unwrap_or_else(|| temp.path().to_owned());
    let data = root.join("point");
    let mut queries = prepare(&root, &data, rows);
    if traffic {
        queries = prepare_traffic(&root, &data, rows, arg("--traffic-days", 1));
    }
    let mode = if traffic {
        Mode::Traffic
    } else if hi1 {
        Mode::Hi1
    } else {
        Mode::Json
    };
    let pki = pki(&root);
    std::fs::write(
        data.join("clients.toml"),
        format!(
            "[[client]]\nname = \"load\"\nfingerprint = \"{}\"\nagency = \"nl/politie\"\n",
            pki.fingerprint
        ),
    )
    .unwrap();
    let mut server = serve(&data, &pki);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let client = Arc::new(
            tdip_client::Client::new(
                &server.url,
                &pki.ca,
                tdip_client::Credential::Certificate {
                    cert: &pki.client.0,
                    key: &pki.client.1,
                },
            )
            .unwrap(),
        );
        let queries = Arc::new(queries);
        // Warm-up: every query asked once, at the rate measured next, so that the pages
        // they read are in memory as on a point that has been answering for a while (and
        // no burst leaves the audit log catching up when the measurement starts).
        let pass = queries.len() as u64;
        let warm = run(&client, &queries, connections, Some(rate), 120, pass, mode).await;
        eprintln!("warm-up: {} requests", warm.latencies.len());
        let cpu0 = server.cpu();
        let open = run(
            &client,
            &queries,
            connections,
            Some(rate),
            seconds,
            u64::MAX,
            mode,
        )
        .await;
        let open_cpu = server.cpu() - cpu0;
        let cpu1 = server.cpu();
        let closed = run(
            &client,
            &queries,
            connections,
            None,
            seconds.min(15),
            u64::MAX,
            mode,
        )
        .await;
        let closed_cpu = server.cpu() - cpu1;
        println!(
            "{rows} subscribers, {connections} connections, {} on loopback, audit on",
            match mode {
                Mode::Hi1 => "HI-1 (POST /hi1)",
                Mode::Json => "HTTPS JSON API",
                Mode::Traffic =>
                    "HTTPS JSON API, address and port → subscriber (POST /v1/traffic/lookups)",
            }
        );
        open.print(&format!("open loop at {rate}/s"), open_cpu);
        closed.print("closed loop (most sustained)", closed_cpu);
        if hi1 {
            // The tasks were consulted, not refused: the status of the first hundred.
            let mut conn = client.connect().await.unwrap();
            let mut statuses = std::collections::BTreeMap::new();
            for i in 0..100u64 {
                let get = hi1_get(&format!("2b36a78b-b628-416d-bd22-{i:012x}"));
                let (_, xml) = conn
                    .send(Method::POST, "/hi1", tdip_client::xml(get.into_bytes()))
                    .await
                    .unwrap();
                let xml = String::from_utf8_lossy(&xml);
                let status = ["Disclosed", "DisclosureNotAvailable", "Rejected", "Error"]
                    .into_iter()
                    .find(|s| xml.contains(&format!("<common:Value>{s}</common:Value>")))
                    .unwrap_or("unknown");
                *statuses.entry(status).or_insert(0) += 1;
            }
            println!("status of the first 100 tasks: {statuses:?}");
        }
    });
    server.stop();
}

/// The point in `data`, loaded with `rows` subscribers (or as a previous run left it),
/// and the phone numbers to ask about.
fn prepare(root: &Path, data: &Path, rows: u64) -> Vec<String> {
    let list = root.join("queries.txt");
    let ready = root.join(format!("loaded-{rows}"));
    if ready.exists() {
        let text = std::fs::read_to_string(&list).unwrap();
        return text.lines().map(str::to_owned).collect();
    }
    std::fs::create_dir_all(root).unwrap();
    tdip(data, &["init", "--dev-key"]);
    tdip(
        data,
        &[
            "officers",
            "add",
            "--agency",
            "nl/politie",
            "--officer",
            "T-1",
            "--name",
            "Load",
        ],
    );
    let mut numbers = Vec::new();
    let per = (rows / PROVIDERS.len() as u64).to_string();
    for (i, p) in PROVIDERS.iter().enumerate() {
        tdip(
            data,
            &["providers", "add", p, "--name", p, "--country", "NL"],
        );
        let file = root.join(format!("{p}.csv"));
        let out = file.to_str().unwrap();
        let started = Instant::now();
        tdip(
            data,
            &[
                "gen",
                "subscribers",
                "--provider",
                p,
                "--rows",
                &per,
                "--out",
                out,
            ],
        );
        let at = format!("2026-11-0{}T00:00:00Z", i + 1);
        tdip(
            data,
            &["deliver", "--provider", p, "--snapshot-at", &at, out],
        );
        eprintln!(
            "loaded {p}: {per} rows in {:.0} s",
            started.elapsed().as_secs_f64()
        );
        numbers.extend(sample(&file, 5_000));
        std::fs::remove_file(&file).unwrap();
    }
    // One in ten asks about a number nobody holds.
    for i in 0..numbers.len() / 9 {
        numbers.push(format!("+3169{:07}", 1_000_000 + i * 7));
    }
    numbers.sort_by_key(|n| {
        n.bytes().fold(0xcbf29ce484222325u64, |h, b| {
            (h ^ b as u64).wrapping_mul(0x100000001b3)
        })
    });
    std::fs::write(&list, numbers.join("\n")).unwrap();
    std::fs::write(&ready, "").unwrap();
    numbers
}

/// What the load asks.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Json,
    Hi1,
    Traffic,
}

/// The first provider's CGNAT assignments of `days` days delivered as one batch a day (or
/// as a previous run left them), and `address|port|moment` queries sampled from them.
fn prepare_traffic(root: &Path, data: &Path, rows: u64, days: u64) -> Vec<String> {
    let list = root.join("traffic-queries.txt");
    let ready = root.join(format!("loaded-traffic-{rows}-{days}"));
    if ready.exists() {
        let text = std::fs::read_to_string(&list).unwrap();
        return text.lines().map(str::to_owned).collect();
    }
    let per = (rows / PROVIDERS.len() as u64).to_string();
    let mut queries = Vec::new();
    for day in 0..days {
        let file = root.join(format!("cgnat-{day}.csv"));
        let out = file.to_str().unwrap();
        let day = day.to_string();
        let started = Instant::now();
        tdip(
            data,
            &[
                "gen",
                "cgnat",
                "--provider",
                PROVIDERS[0],
                "--rows",
                &per,
                "--day",
                &day,
                "--out",
                out,
            ],
        );
        tdip(
            data,
            &[
                "traffic",
                "deliver",
                "--provider",
                PROVIDERS[0],
                "--kind",
                "cgnat",
                "--batch",
                &format!("cgnat-{day}"),
                out,
            ],
        );
        eprintln!(
            "loaded the CGNAT assignments of day {day} in {:.0} s",
            started.elapsed().as_secs_f64()
        );
        let mut reader = csv::Reader::from_path(&file).unwrap();
        let h: Vec<String> = reader
            .headers()
            .unwrap()
            .iter()
            .map(str::to_owned)
            .collect();
        let col = |name: &str| h.iter().position(|c| c == name).unwrap();
        let (ip, first, start, end) = (
            col("public_ip"),
            col("first_port"),
            col("start"),
            col("end"),
        );
        for (i, rec) in reader.records().enumerate() {
            let rec = rec.unwrap();
            if i % 97 != 0 || rec[end].is_empty() {
                continue;
            }
            let from: jiff::Timestamp = rec[start].parse().unwrap();
            let to: jiff::Timestamp = rec[end].parse().unwrap();
            let at = jiff::Timestamp::from_second((from.as_second() + to.as_second()) / 2).unwrap();
            queries.push(format!("{}|{}|{at}", &rec[ip], &rec[first]));
        }
        std::fs::remove_file(&file).unwrap();
    }
    queries.truncate(20_000);
    std::fs::write(&list, queries.join("\n")).unwrap();
    std::fs::write(&ready, "").unwrap();
    queries
}

/// Every 97th phone number of a generated file, `want` of them at most.
fn sample(file: &Path, want: usize) -> Vec<String> {
    let mut reader = csv::Reader::from_path(file).unwrap();
    let col = reader
        .headers()
        .unwrap()
        .iter()
        .position(|h| h == "msisdn")
        .unwrap();
    let mut out = Vec::new();
    for (i, rec) in reader.records().enumerate() {
        let rec = rec.unwrap();
        if i % 97 == 0 && !rec[col].is_empty() {
            out.push(rec[col].split(';').next().unwrap().to_owned());
        }
    }
    let step = (out.len() / want.max(1)).max(1);
    out.into_iter().step_by(step).take(want).collect()
}

/// What a phase measured.
struct Phase {
    latencies: Vec<u64>,
    elapsed: f64,
    hits: u64,
    errors: u64,
}

impl Phase {
    fn print(mut self, name: &str, cpu: f64) {
        self.latencies.sort_unstable();
        let n = self.latencies.len();
        let pct = |p: f64| self.latencies[((n as f64 * p) as usize).min(n - 1)] as f64 / 1000.0;
        println!(
            "{name}: {n} requests in {:.1} s = {:.0}/s ({} hits, {} errors); latency p50 {:.2} ms, \
             p90 {:.2} ms, p99 {:.2} ms, max {:.2} ms; server CPU {:.0} µs/request",
            self.elapsed,
            n as f64 / self.elapsed,
            self.hits,
            self.errors,
            pct(0.50),
            pct(0.90),
            pct(0.99),
            self.latencies[n - 1] as f64 / 1000.0,
            cpu * 1e6 / n as f64
        );
    }
}

/// `connections` callers, each on its own kept-alive connection, for `seconds` or `limit`
/// requests, whichever ends first: at `rate` requests/s in all (open loop), or back to back.
async fn run(
    client: &Arc<tdip_client::Client>,
    queries: &Arc<Vec<String>>,
    connections: u64,
    rate: Option<u64>,
    seconds: u64,
    limit: u64,
    mode: Mode,
) -> Phase {
    let hi1 = mode == Mode::Hi1;
    let next = Arc::new(AtomicU64::new(0));
    let (hits, errors) = (Arc::new(AtomicU64::new(0)), Arc::new(AtomicU64::new(0)));
    let started = Instant::now();
    let end = started + Duration::from_secs(seconds);
    let mut tasks = Vec::new();
    for _ in 0..connections {
        let (client, queries, next) = (client.clone(), queries.clone(), next.clone());
        let (hits, errors) = (hits.clone(), errors.clone());
        tasks.push(tokio::spawn(async move {
            let mut conn = client.connect().await.unwrap();
            let mut latencies = Vec::new();
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= limit {
                    break;
                }
                let scheduled = match rate {
                    Some(r) => started + Duration::from_nanos(i * 1_000_000_000 / r),
                    None => Instant::now(),
                };
                if scheduled >= end {
                    break;
                }
                tokio::time::sleep_until(scheduled.into()).await;
                let number = &queries[i as usize % queries.len()];
                let (path, body) = if hi1 {
                    ("/hi1", hi1_request(number, i).into_bytes())
                } else if mode == Mode::Traffic {
                    let mut parts = number.split('|');
                    let (ip, port, at) = (parts.next(), parts.next(), parts.next());
                    let body = serde_json::json!({
                        "ip": ip, "port": port.and_then(|p| p.parse::<u16>().ok()), "at": at,
                        "officer": "T-1", "basis": "nl/sv-126n", "case": "LOAD-2026-1",
                        "authorised_by": "mr. A. de Vries",
                    });
                    ("/v1/traffic/lookups", serde_json::to_vec(&body).unwrap())
                } else {
                    let body = serde_json::json!({
                        "msisdn": number,
                        "officer": "T-1", "basis": "nl/sv-126na", "case": "LOAD-2026-1",
                    });
                    ("/v1/lookups", serde_json::to_vec(&body).unwrap())
                };
                let body = if hi1 {
                    tdip_client::xml(body)
                } else {
                    tdip_client::json(body)
                };
                let sent = conn.send(Method::POST, path, body).await;
                latencies.push(scheduled.elapsed().as_micros() as u64);
                match sent {
                    Ok((StatusCode::OK, bytes)) if hi1 => {
                        // Created: the task was consulted; its status says whether it hit.
                        if bytes
                            .windows(16)
                            .filter(|w| w == b"<CREATEResponse>")
                            .count()
                            != 2
                        {
                            errors.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                    Ok((StatusCode::OK, bytes)) => {
                        let v: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
                        let found = if mode == Mode::Traffic {
                            "candidates"
                        } else {
                            "hits"
                        };
                        if !v[found].as_array().unwrap().is_empty() {
                            hits.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                    _ => {
                        errors.fetch_add(1, Ordering::Relaxed);
                        conn = client.connect().await.unwrap();
                    }
                }
            }
            latencies
        }));
    }
    let mut latencies = Vec::new();
    for t in tasks {
        latencies.extend(t.await.unwrap());
    }
    Phase {
        latencies,
        elapsed: started.elapsed().as_secs_f64(),
        hits: hits.load(Ordering::Relaxed),
        errors: errors.load(Ordering::Relaxed),
    }
}

/// tdip's example HI-1 request (docs/examples) asking about `number` at the moment the
/// last delivery was taken, with fresh object identifiers for request `i`.
fn hi1_request(number: &str, i: u64) -> String {
    const EXAMPLE: &str = include_str!("../../../docs/examples/hi1-lookup.xml");
    EXAMPLE
        .replace("31612345678", number.trim_start_matches('+'))
        .replace(
            "7dbbc880-8750-4d3c-abe7-ea4a17646045",
            &format!("7dbbc880-8750-4d3c-abe7-{i:012x}"),
        )
        .replace(
            "2b36a78b-b628-416d-bd22-404e68a0cd36",
            &format!("2b36a78b-b628-416d-bd22-{i:012x}"),
        )
        .replace("2026-11-02T11:00:00Z", "2026-11-04T12:00:00Z")
        // In force whenever the bench runs (the example's authorisation ends in 2026).
        .replace("2026-12-31T23:00:00Z", "2099-12-31T23:00:00Z")
}

/// A GET of task `id`, with the example's header.
fn hi1_get(id: &str) -> String {
    const EXAMPLE: &str = include_str!("../../../docs/examples/hi1-lookup.xml");
    let header_end = EXAMPLE.find("<Payload>").unwrap();
    format!(
        "{}<Payload><RequestPayload><ActionRequests><ActionRequest><ActionIdentifier>0\
         </ActionIdentifier><GET><Identifier>{id}</Identifier></GET></ActionRequest>\
         </ActionRequests></RequestPayload></Payload></HI1Message>",
        &EXAMPLE[..header_end]
    )
}

/// `tdip --data DATA ARGS…`, which must succeed.
fn tdip(data: &Path, args: &[&str]) {
    let out = Command::new(TDIP)
        .arg("--data")
        .arg(data)
        .args(args)
        .stdout(Stdio::null())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "tdip {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

struct Pki {
    ca: PathBuf,
    server: (PathBuf, PathBuf),
    client: (PathBuf, PathBuf),
    fingerprint: String,
}

/// A CA, the server's certificate and the load client's, as PEM files in `root/pki`.
fn pki(root: &Path) -> Pki {
    let dir = root.join("pki");
    std::fs::create_dir_all(&dir).unwrap();
    let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca = CertifiedIssuer::self_signed(params, KeyPair::generate().unwrap()).unwrap();
    let issue = |name: &str, names: Vec<String>| {
        let key = KeyPair::generate().unwrap();
        let cert = CertificateParams::new(names)
            .unwrap()
            .signed_by(&key, &ca)
            .unwrap();
        let (c, k) = (
            dir.join(format!("{name}.pem")),
            dir.join(format!("{name}.key")),
        );
        std::fs::write(&c, cert.pem()).unwrap();
        std::fs::write(&k, key.serialize_pem()).unwrap();
        ((c, k), hex::encode(Sha256::digest(cert.der())))
    };
    let (server, _) = issue("server", vec!["localhost".into(), "127.0.0.1".into()]);
    let (client, fingerprint) = issue("client", vec!["load".into()]);
    let ca_file = dir.join("ca.pem");
    std::fs::write(&ca_file, ca.pem()).unwrap();
    Pki {
        ca: ca_file,
        server,
        client,
        fingerprint,
    }
}

struct Server {
    child: Child,
    url: String,
}

fn serve(data: &Path, pki: &Pki) -> Server {
    let mut child = Command::new(TDIP)
        .arg("--data")
        .arg(data)
        .args(["serve", "--listen", "127.0.0.1:0", "--tls-cert"])
        .arg(&pki.server.0)
        .arg("--tls-key")
        .arg(&pki.server.1)
        .arg("--client-ca")
        .arg(&pki.ca)
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let url = loop {
        let line = lines.next().expect("tdip serve starts").unwrap();
        if let Some(rest) = line.strip_prefix("tdip serves ") {
            break rest.split_whitespace().next().unwrap().to_owned();
        }
    };
    // Keep draining the server's stderr so it never blocks on a full pipe.
    std::thread::spawn(move || {
        let mut sink = std::io::sink();
        for line in lines.map_while(Result::ok) {
            let _ = writeln!(sink, "{line}");
        }
    });
    Server { child, url }
}

impl Server {
    /// CPU seconds (user + system) the server has used so far.
    fn cpu(&self) -> f64 {
        let stat = std::fs::read_to_string(format!("/proc/{}/stat", self.child.id())).unwrap();
        let fields: Vec<&str> = stat
            .rsplit(')')
            .next()
            .unwrap()
            .split_whitespace()
            .collect();
        // utime and stime are fields 14 and 15 of the line, 12 and 13 after the name.
        let ticks: f64 = fields[11].parse::<f64>().unwrap() + fields[12].parse::<f64>().unwrap();
        ticks / 100.0
    }

    fn stop(&mut self) {
        let pid = self.child.id().to_string();
        let _ = Command::new("kill").args(["-TERM", &pid]).status();
        let _ = self.child.wait();
    }
}

fn arg(name: &str, default: u64) -> u64 {
    text_arg(name)
        .map(|v| v.replace('_', "").parse().expect("a number"))
        .unwrap_or(default)
}

fn text_arg(name: &str) -> Option<String> {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .cloned()
}

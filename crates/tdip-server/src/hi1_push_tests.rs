//! Pushed deliveries against a receiving endpoint started here (TLS with a client
//! certificate required, as an agency's system runs it): a task naming a destination has its
//! `DeliveryObject` DELIVERed there, retried while the receiver fails, every attempt in the
//! service's log; a push given up shows in the task's status; a point without a push
//! certificate refuses such a task and keeps nothing, and so does one asked to push where
//! the agency's systems did not list (`push_to` in `clients.toml`).

use std::convert::Infallible;
use std::io::Write as _;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use axum::http::StatusCode;
use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper_util::rt::TokioIo;
use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, IsCa, KeyPair};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::server::WebPkiClientVerifier;
use sha2::Digest;
use tdip_hi1::Hi1Code;

use super::hi1_push::{PushSettings, Pusher};
use super::hi1_tests::{EXAMPLE, TASK, get, post, text_after};
use super::tests::{POLITIE, deliver, point};
use crate::State;

/// ETSI's schema alone: a pushed delivery needs no schema of tdip's.
const ETSI_ONLY: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../tdip-hi1/schema/all.xsd");

/// Everything the service logs while these tests run (one subscriber for the process).
fn log() -> &'static Mutex<Vec<u8>> {
    static LOG: OnceLock<&'static Mutex<Vec<u8>>> = OnceLock::new();
    LOG.get_or_init(|| {
        let buffer: &'static Mutex<Vec<u8>> = Box::leak(Box::new(Mutex::new(Vec::new())));
        let subscriber = tracing_subscriber::fmt()
            .with_ansi(false)
            .with_writer(move || Sink(buffer))
            .finish();
        // Another test module may have set one first; then this module's lines are lost
        // and the test that reads them fails, saying so.
        let _ = tracing::subscriber::set_global_default(subscriber);
        buffer
    })
}

struct Sink(&'static Mutex<Vec<u8>>);

impl std::io::Write for Sink {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The log's lines that name `what`.
fn logged(what: &str) -> Vec<String> {
    String::from_utf8_lossy(&log().lock().unwrap())
        .lines()
        .filter(|l| l.contains(what))
        .map(str::to_owned)
        .collect()
}

/// A CA, a receiver certificate for 127.0.0.1 and the point's client certificate.
struct Pki {
    ca: std::path::PathBuf,
    receiver_cert: std::path::PathBuf,
    receiver_key: std::path::PathBuf,
    point_cert: std::path::PathBuf,
    point_key: std::path::PathBuf,
}

fn pki(dir: &Path) -> Pki {
    let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "agency test CA");
    let ca = CertifiedIssuer::self_signed(params, KeyPair::generate().unwrap()).unwrap();
    let issue = |names: Vec<String>, cert: &str, key: &str| {
        let k = KeyPair::generate().unwrap();
        let c = CertificateParams::new(names)
            .unwrap()
            .signed_by(&k, &ca)
            .unwrap();
        std::fs::write(dir.join(cert), c.pem()).unwrap();
        std::fs::write(dir.join(key), k.serialize_pem()).unwrap();
    };
    issue(vec!["127.0.0.1".into()], "receiver.pem", "receiver.key");
    issue(vec!["tdip-point".into()], "point.pem", "point.key");
    std::fs::write(dir.join("ca.pem"), ca.pem()).unwrap();
    Pki {
        ca: dir.join("ca.pem"),
        receiver_cert: dir.join("receiver.pem"),
        receiver_key: dir.join("receiver.key"),
        point_cert: dir.join("point.pem"),
        point_key: dir.join("point.key"),
    }
}

/// An agency's receiving endpoint: answers the first `failing` requests with 503, the
/// others with the DELIVERResponse; keeps every body it was sent.
struct Receiver {
    url: String,
    bodies: Arc<Mutex<Vec<String>>>,
}

async fn receiver(pki: &Pki, failing: usize) -> Receiver {
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let mut roots = rustls::RootCertStore::empty();
    for c in CertificateDer::pem_file_iter(&pki.ca).unwrap() {
        roots.add(c.unwrap()).unwrap();
    }
    // A client certificate is required: the point must present one the CA issued.
    let verifier = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider.clone())
        .build()
        .unwrap();
    let chain = CertificateDer::pem_file_iter(&pki.receiver_cert)
        .unwrap()
        .collect::<Result<Vec<_>, _>>()
        .unwrap();
    let key = PrivateKeyDer::from_pem_file(&pki.receiver_key).unwrap();
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_client_cert_verifier(verifier)
        .with_single_cert(chain, key)
        .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("https://{}/hi1/deliveries", listener.local_addr().unwrap());
    let bodies = Arc::new(Mutex::new(Vec::new()));
    let seen = Arc::new(AtomicUsize::new(0));
    let kept = bodies.clone();
    tokio::spawn(async move {
        loop {
            let Ok((tcp, _)) = listener.accept().await else {
                return;
            };
            let (acceptor, bodies, seen) = (acceptor.clone(), kept.clone(), seen.clone());
            tokio::spawn(async move {
                let Ok(tls) = acceptor.accept(tcp).await else {
                    return;
                };
                let service = hyper::service::service_fn(move |req: hyper::Request<Incoming>| {
                    let (bodies, seen) = (bodies.clone(), seen.clone());
                    async move {
                        let path = req.uri().path().to_owned();
                        let body = req.into_body().collect().await.unwrap().to_bytes();
                        let body = String::from_utf8(body.to_vec()).unwrap();
                        bodies.lock().unwrap().push(body.clone());
                        let n = seen.fetch_add(1, Ordering::SeqCst);
                        let (status, answer) = if n < failing || path != "/hi1/deliveries" {
                            (503, String::new())
                        } else {
                            let at = jiff::Timestamp::now();
                            (200, tdip_hi1::acknowledge(&body, at).unwrap())
                        };
                        Ok::<_, Infallible>(
                            hyper::Response::builder()
                                .status(status)
                                .header("content-type", "application/xml")
                                .body(Full::new(Bytes::from(answer)))
                                .unwrap(),
                        )
                    }
                });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(tls), service)
                    .await;
            });
        }
    });
    Receiver { url, bodies }
}

/// The example request, its task naming `url` as its delivery destination.
fn with_destination(request: &str, url: &str) -> String {
    request.replace(
        "</task:RequestDetails>",
        &format!(
            "</task:RequestDetails><task:DeliveryDetails><task:LDDeliveryDestination>\
             <task:DeliveryAddress><task:URL>{url}</task:URL></task:DeliveryAddress>\
             </task:LDDeliveryDestination></task:DeliveryDetails>"
        ),
    )
}

/// The test agency's system listed in `clients.toml` with `push_to` as where its
/// deliveries may be pushed (adopted, as an operator's reviewed edit is).
async fn list_push_to(data: &Path, push_to: &str) {
    std::fs::write(
        data.join("clients.toml"),
        format!(
            "[[client]]\nname = \"Politie gateway\"\nfingerprint = \"{POLITIE}\"\n\
             agency = \"nl/politie\"\npush_to = [\"{push_to}\"]\n"
        ),
    )
    .unwrap();
    super::tests::adopt_clients(data).await;
}

/// A state of the point in `data` that pushes with the test's certificates.
async fn pushing_state(data: &Path, pki: &Pki, attempts: u32) -> Arc<State> {
    let settings = PushSettings {
        cert: pki.point_cert.clone(),
        key: pki.point_key.clone(),
        ca: pki.ca.clone(),
        attempts,
        first_retry: Duration::from_millis(50),
    };
    let state = State::open(
        data.to_owned(),
        "sqlite:".into(),
        "Europe/Amsterdam".parse().unwrap(),
        &Default::default(),
        super::tests::clock(),
    )
    .await
    .unwrap();
    Arc::new(state.pushing(Pusher::new(&settings).unwrap()))
}

fn xmllint(dir: &Path, xml: &str) -> Result<(), String> {
    let file = dir.join("pushed.xml");
    std::fs::File::create(&file)
        .unwrap()
        .write_all(xml.as_bytes())
        .unwrap();
    let out = std::process::Command::new("xmllint")
        .args(["--noout", "--schema", ETSI_ONLY])
        .arg(&file)
        .output()
        .expect("xmllint runs (install Debian's libxml2-utils; .ci/run does)");
    if out.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).into_owned())
    }
}

/// A point with a delivery; a receiver that fails its first `failing` requests; the
/// agency listing `push_to` (the receiver's own URL if none is given); a state that pushes
/// with `attempts`; and the example request asking for a delivered number, naming the
/// receiver as its destination.
struct Pushing {
    dir: tempfile::TempDir,
    s: Arc<State>,
    receiver: Receiver,
    request: String,
    number: String,
}

async fn pushing(failing: usize, attempts: u32, push_to: Option<&str>) -> Pushing {
    let dir = tempfile::tempdir().unwrap();
    let (data, number) = point(dir.path()).await;
    deliver(&data, &dir.path().join("kpn.csv")).await;
    let pki = pki(dir.path());
    let receiver = receiver(&pki, failing).await;
    list_push_to(&data, push_to.unwrap_or(&receiver.url)).await;
    let s = pushing_state(&data, &pki, attempts).await;
    let request = with_destination(
        &EXAMPLE.replace("31612345678", number.trim_start_matches('+')),
        &receiver.url,
    );
    Pushing {
        dir,
        s,
        receiver,
        request,
        number,
    }
}

/// Waits until `done` holds, for at most ten seconds.
async fn until(mut done: impl FnMut() -> bool) {
    for _ in 0..200 {
        if done() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("not within ten seconds");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_delivery_is_pushed_to_the_destination_retried_while_it_fails_and_every_attempt_logged() {
    log();
    // The receiver fails the first attempt.
    let Pushing {
        dir,
        s,
        receiver,
        request,
        number,
    } = pushing(1, 4, None).await;
    let (status, xml) = post(&s, request).await;
    assert_eq!(status, StatusCode::OK, "{xml}");
    assert_eq!(xml.matches("<CREATEResponse>").count(), 2, "{xml}");

    until(|| receiver.bodies.lock().unwrap().len() >= 2).await;
    let bodies = receiver.bodies.lock().unwrap().clone();
    // The retry carried the same DELIVER as the first attempt.
    assert_eq!(bodies[0], bodies[1]);
    let pushed = &bodies[1];
    xmllint(dir.path(), pushed).unwrap_or_else(|e| panic!("{e}\n{pushed}"));
    assert!(pushed.contains("<DELIVER>"), "{pushed}");
    assert!(pushed.contains("LD-2026-0001"), "{pushed}");
    assert!(pushed.contains("TS102657-XML"), "{pushed}");
    // The payload's checksum is the SHA-256 of its bytes, and they hold the number.
    let data_b64 = text_after(pushed, "<delivery:BinaryData>", "delivery:Data");
    let checksum = text_after(pushed, "<delivery:BinaryData>", "delivery:Checksum");
    let bytes = base64_decode(data_b64);
    assert_eq!(hex::encode(sha2::Sha256::digest(&bytes)), checksum);
    let payload = String::from_utf8(bytes).unwrap();
    assert!(
        payload.contains(number.trim_start_matches('+')),
        "{payload}"
    );

    // Both attempts are in the log, with their outcomes, under the delivery's identifier.
    let delivery = text_after(pushed, "<DELIVER>", "Identifier").to_owned();
    until(|| logged(&delivery).len() >= 2).await;
    let lines = logged(&delivery);
    assert_eq!(lines.len(), 2, "{lines:#?}");
    assert!(
        lines[0].contains("attempt=1") && lines[0].contains("outcome=failed"),
        "{lines:#?}"
    );
    assert!(lines[0].contains("503"), "{lines:#?}");
    assert!(
        lines[1].contains("attempt=2") && lines[1].contains("outcome=delivered"),
        "{lines:#?}"
    );
    assert!(
        !lines
            .iter()
            .any(|l| l.contains(number.trim_start_matches('+'))),
        "the log names no identifier: {lines:#?}"
    );

    // Delivered: the task stays Disclosed, and the delivery can still be fetched.
    let (_, xml) = post(&s, get(TASK)).await;
    assert!(
        xml.contains("<common:Value>Disclosed</common:Value>"),
        "{xml}"
    );
    let (_, xml) = post(&s, get(&delivery)).await;
    assert!(xml.contains("delivery:DeliveryObject"), "{xml}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_push_given_up_sets_the_task_to_error_with_why_and_the_delivery_stays_fetchable() {
    log();
    // Fails every attempt.
    let Pushing {
        s,
        receiver,
        request,
        // Kept to the end of the test: the point lives in it.
        dir: _dir,
        ..
    } = pushing(usize::MAX, 3, None).await;
    let (_, xml) = post(&s, request).await;
    assert_eq!(xml.matches("<CREATEResponse>").count(), 2, "{xml}");
    let status = || {
        let s = s.clone();
        async move { post(&s, get(TASK)).await.1 }
    };
    let mut xml = String::new();
    for _ in 0..200 {
        xml = status().await;
        if xml.contains("<common:Value>Error</common:Value>") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(xml.contains("<common:Value>Error</common:Value>"), "{xml}");
    let code = format!("<ErrorCode>{}</ErrorCode>", Hi1Code::NotDelivered);
    assert!(xml.contains(&code), "{xml}");
    assert!(xml.contains("after 3 attempts"), "{xml}");
    assert_eq!(receiver.bodies.lock().unwrap().len(), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_task_naming_a_destination_is_refused_by_a_point_that_pushes_nothing_and_not_kept() {
    let dir = tempfile::tempdir().unwrap();
    let (data, _) = point(dir.path()).await;
    let s = super::tests::state(&data).await;
    let request = with_destination(&EXAMPLE, "https://127.0.0.1:9/hi1");
    let (_, xml) = post(&s, request).await;
    // The authorisation is created; the task refused, naming what to do.
    assert_eq!(xml.matches("<CREATEResponse>").count(), 1, "{xml}");
    let code = format!("<ErrorCode>{}</ErrorCode>", Hi1Code::Profile);
    assert!(xml.contains(&code), "{xml}");
    assert!(xml.contains("leave DeliveryAddress out"), "{xml}");
    let (_, xml) = post(&s, get(TASK)).await;
    let unknown = format!("<ErrorCode>{}</ErrorCode>", Hi1Code::UnknownObject);
    assert!(xml.contains(&unknown), "a refused task is not kept: {xml}");
}

fn base64_decode(text: &str) -> Vec<u8> {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD
        .decode(text.trim())
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_destination_the_agency_did_not_list_is_refused_and_nothing_is_pushed_there() {
    // A receiver the push CA certified, but another agency's: politie lists only its own.
    let Pushing {
        s,
        receiver,
        request,
        // Kept to the end of the test: the point lives in it.
        dir: _dir,
        ..
    } = pushing(0, 2, Some("https://receiver.politie.example/hi1")).await;
    let (_, xml) = post(&s, request).await;
    assert_eq!(xml.matches("<CREATEResponse>").count(), 1, "{xml}");
    let code = format!("<ErrorCode>{}</ErrorCode>", Hi1Code::Profile);
    assert!(xml.contains(&code) && xml.contains("push_to"), "{xml}");
    let (_, xml) = post(&s, get(TASK)).await;
    let unknown = format!("<ErrorCode>{}</ErrorCode>", Hi1Code::UnknownObject);
    assert!(xml.contains(&unknown), "a refused task is not kept: {xml}");
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        receiver.bodies.lock().unwrap().is_empty(),
        "nothing was pushed"
    );
}

//! Pushing a task's delivery to the `LDDeliveryDestination` the task names: an HI-1
//! `DELIVER` message POSTed over HTTPS with the point's client certificate, to a receiver
//! whose certificate the configured CA issued; retried with doubling waits while the
//! receiver cannot be reached or answers 5xx, not when it refuses; every attempt and its
//! outcome logged (`tracing`, target `tdip::hi1::push`) and counted.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result, anyhow};
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Bytes;
use hyper::header::{CONTENT_LENGTH, CONTENT_TYPE, HOST};
use hyper::{Method, Request, Uri};
use hyper_util::rt::TokioIo;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName};
use tokio_rustls::TlsConnector;

/// How the point pushes deliveries (`tdip serve --push-cert --push-key --push-ca`).
#[derive(Clone, Debug)]
pub struct PushSettings {
    /// The point's client certificate chain for receivers (PEM file).
    pub cert: PathBuf,
    /// Its private key (PEM file).
    pub key: PathBuf,
    /// CA certificates that issue receivers' server certificates (PEM file): a destination
    /// whose certificate another CA issued is not delivered to.
    pub ca: PathBuf,
    /// Attempts per delivery and destination before the push is given up.
    pub attempts: u32,
    /// The wait before the second attempt; each later wait doubles, up to [`LONGEST_WAIT`].
    pub first_retry: Duration,
}

/// Attempts by default.
pub const ATTEMPTS: u32 = 6;
/// The first wait by default (then 4, 8, 16, 32 s: about a minute in all).
pub const FIRST_RETRY: Duration = Duration::from_secs(2);
/// The longest wait between two attempts.
pub const LONGEST_WAIT: Duration = Duration::from_secs(600);
/// How long one attempt may take, connection to answer.
const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(30);
/// The most of a receiver's answer read.
const ANSWER_LIMIT: usize = 1 << 20;

/// Pushes deliveries with the point's client certificate.
pub struct Pusher {
    connector: TlsConnector,
    attempts: u32,
    first_retry: Duration,
}

/// How one attempt ended.
#[derive(Debug, PartialEq, Eq)]
pub enum Attempt {
    /// The receiver answered the DELIVER with a `DELIVERResponse`.
    Delivered,
    /// The receiver refused it (HTTP 4xx, or an HI-1 error): not tried again.
    Refused(String),
    /// The receiver could not be reached or failed (5xx): tried again later.
    Failed(String),
}

/// What a push is, for the log: never a record's content.
pub struct Label<'a> {
    /// The task's object identifier.
    pub task: &'a str,
    /// The delivery's object identifier.
    pub delivery: &'a str,
    /// The sender's agency.
    pub agency: &'a str,
}

impl Pusher {
    /// A pusher from `settings`, its files read now.
    pub fn new(settings: &PushSettings) -> Result<Pusher> {
        let mut roots = rustls::RootCertStore::empty();
        let ca = &settings.ca;
        for cert in CertificateDer::pem_file_iter(ca)
            .map_err(|e| anyhow!("--push-ca {}: {e}", ca.display()))?
        {
            roots
                .add(cert.map_err(|e| anyhow!("--push-ca {}: {e}", ca.display()))?)
                .map_err(|e| anyhow!("--push-ca {}: {e}", ca.display()))?;
        }
        let chain = CertificateDer::pem_file_iter(&settings.cert)
            .and_then(|c| c.collect::<Result<Vec<_>, _>>())
            .map_err(|e| anyhow!("--push-cert {}: {e}", settings.cert.display()))?;
        let key = PrivateKeyDer::from_pem_file(&settings.key)
            .map_err(|e| anyhow!("--push-key {}: {e}", settings.key.display()))?;
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let mut config = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .context("TLS protocol versions")?
            .with_root_certificates(roots)
            .with_client_auth_cert(chain, key)
            .map_err(|e| anyhow!("--push-cert and --push-key: {e}"))?;
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        Ok(Pusher {
            connector: TlsConnector::from(Arc::new(config)),
            attempts: settings.attempts.max(1),
            first_retry: settings.first_retry,
        })
    }

    /// Pushes `message` (a DELIVER) to `url` until it is delivered, refused, or the
    /// attempts are used up; the last attempt's outcome and how many were made.
    pub async fn push(&self, url: &str, message: &str, label: &Label<'_>) -> (Attempt, u32) {
        let mut wait = self.first_retry;
        let host = host_of(url);
        let mut attempt = 1;
        loop {
            let outcome = match tokio::time::timeout(ATTEMPT_TIMEOUT, self.once(url, message)).await
            {
                Ok(outcome) => outcome,
                Err(_) => {
                    Attempt::Failed(format!("no answer within {} s", ATTEMPT_TIMEOUT.as_secs()))
                }
            };
            let (name, why) = match &outcome {
                Attempt::Delivered => ("delivered", ""),
                Attempt::Refused(why) => ("refused", why.as_str()),
                Attempt::Failed(why) => ("failed", why.as_str()),
            };
            super::metrics::hi1_push(name);
            tracing::info!(
                target: "tdip::hi1::push",
                task = %label.task,
                delivery = %label.delivery,
                agency = %label.agency,
                destination = %host,
                attempt,
                of = self.attempts,
                outcome = %name,
                why = %why,
                "HI-1 delivery push attempt"
            );
            match outcome {
                Attempt::Failed(_) if attempt < self.attempts => {
                    tokio::time::sleep(wait).await;
                    wait = (wait * 2).min(LONGEST_WAIT);
                    attempt += 1;
                }
                done => return (done, attempt),
            }
        }
    }

    async fn once(&self, url: &str, message: &str) -> Attempt {
        let failed = |e: &dyn std::fmt::Display| Attempt::Failed(e.to_string());
        let uri: Uri = match url.parse() {
            Ok(u) => u,
            Err(_) => return Attempt::Refused("the destination is not a URL".into()),
        };
        let Some(host) = uri.host() else {
            return Attempt::Refused("the destination names no host".into());
        };
        let port = uri.port_u16().unwrap_or(443);
        let name = host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_owned();
        let Ok(server) = ServerName::try_from(name.clone()) else {
            return Attempt::Refused("the destination's host is not a name or address".into());
        };
        let tcp = match tokio::net::TcpStream::connect((name.as_str(), port)).await {
            Ok(t) => t,
            Err(e) => return failed(&format!("cannot connect: {e}")),
        };
        let tls = match self.connector.connect(server, tcp).await {
            Ok(t) => t,
            Err(e) => return failed(&format!("TLS failed: {e}")),
        };
        let (mut sender, connection) =
            match hyper::client::conn::http1::handshake(TokioIo::new(tls)).await {
                Ok(h) => h,
                Err(e) => return failed(&format!("HTTP failed: {e}")),
            };
        tokio::spawn(connection);
        let path = uri.path_and_query().map_or("/", |p| p.as_str()).to_owned();
        let request = Request::builder()
            .method(Method::POST)
            .uri(path)
            .header(HOST, host_and_port(&uri).unwrap_or_else(|| host.to_owned()))
            .header(CONTENT_TYPE, "application/xml")
            .header(CONTENT_LENGTH, message.len())
            .body(Full::new(Bytes::copy_from_slice(message.as_bytes())));
        let request = match request {
            Ok(r) => r,
            Err(e) => return Attempt::Refused(format!("cannot address the destination: {e}")),
        };
        let response = match sender.send_request(request).await {
            Ok(r) => r,
            Err(e) => return failed(&format!("HTTP failed: {e}")),
        };
        let status = response.status();
        let body = match Limited::new(response.into_body(), ANSWER_LIMIT)
            .collect()
            .await
        {
            Ok(b) => b.to_bytes(),
            Err(e) => return failed(&format!("the answer could not be read: {e}")),
        };
        if status.is_server_error() || status.as_u16() == 429 {
            return failed(&format!("the receiver answered HTTP {status}"));
        }
        if !status.is_success() {
            return Attempt::Refused(format!("the receiver answered HTTP {status}"));
        }
        let Ok(text) = std::str::from_utf8(&body) else {
            return Attempt::Refused("the receiver's answer is not UTF-8 text".into());
        };
        match tdip_hi1::deliver_answer(text) {
            Ok(()) => Attempt::Delivered,
            Err(e) => Attempt::Refused(e.to_string()),
        }
    }
}

/// Whether `url` is one of the destinations `listed` (an agency's `push_to`): the same
/// origin (https, host without regard to case, port, 443 when not given) and a path that
/// is the listed one or below it, at a `/` boundary. `https://a.example` does not admit
/// `https://a.example.evil/`, nor `/hi1` admit `/hi1x`.
pub fn listed(url: &str, listed: &[String]) -> bool {
    let Some(to) = origin_and_path(url) else {
        return false;
    };
    listed
        .iter()
        .filter_map(|l| origin_and_path(l))
        .any(|(origin, path)| {
            origin == to.0
                && (to.1 == path
                    || path.ends_with('/') && to.1.starts_with(&path)
                    || to.1.starts_with(&format!("{path}/")))
        })
}

/// `((host, port), path)` of an https URL, the host lower-cased.
fn origin_and_path(url: &str) -> Option<((String, u16), String)> {
    let uri: Uri = url.parse().ok()?;
    if uri.scheme_str() != Some("https") {
        return None;
    }
    let host = uri.host()?.to_ascii_lowercase();
    let path = match uri.path() {
        "" => "/".to_owned(),
        p => p.to_owned(),
    };
    Some(((host, uri.port_u16().unwrap_or(443)), path))
}

/// The host and port of `url`, for the log and the task's status (an agency system's
/// address, not personal data); never the user information a URL may carry before `@`.
pub fn host_of(url: &str) -> String {
    url.parse::<Uri>()
        .ok()
        .and_then(|u| host_and_port(&u))
        .unwrap_or_else(|| "(not a URL)".into())
}

/// `HOST[:PORT]` of `uri`, as it is named in logs and the `Host` header.
fn host_and_port(uri: &Uri) -> Option<String> {
    let host = uri.host()?;
    Some(match uri.port_u16() {
        Some(port) => format!("{host}:{port}"),
        None => host.to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::{host_of, listed};

    #[test]
    fn a_destination_is_named_by_host_and_port_never_by_its_user_information() {
        assert_eq!(
            host_of("https://u:secret@r.example:8443/hi1"),
            "r.example:8443"
        );
        assert_eq!(host_of("https://[2001:db8::7]/hi1"), "[2001:db8::7]");
        assert_eq!(host_of("no url"), "(not a URL)");
    }

    #[test]
    fn a_destination_is_listed_only_by_its_own_origin_and_a_path_at_or_below_a_listed_one() {
        let list = vec![
            "https://receiver.politie.example/hi1".to_owned(),
            "https://10.0.0.7:8443/".to_owned(),
        ];
        for ok in [
            "https://receiver.politie.example/hi1",
            "https://RECEIVER.politie.example:443/hi1/deliveries",
            "https://10.0.0.7:8443/anything",
        ] {
            assert!(listed(ok, &list), "{ok}");
        }
        for refused in [
            "https://receiver.politie.example.evil/hi1",
            "https://receiver.politie.example/hi1x",
            "https://receiver.politie.example/",
            "https://receiver.politie.example:8443/hi1",
            "http://receiver.politie.example/hi1",
            "https://10.0.0.7/anything",
            "https://user@receiver.politie.example.evil/hi1",
            "not a url",
        ] {
            assert!(!listed(refused, &list), "{refused}");
        }
        assert!(!listed("https://receiver.politie.example/hi1", &[]));
    }
}

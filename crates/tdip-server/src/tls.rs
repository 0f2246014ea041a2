//! TLS: the server's rustls configuration (client certificates verified against the
//! configured CAs, optional so that token callers can connect too) and the accept loop
//! that serves each connection within the service's limits (`conns`) and hands each
//! request the fingerprint of the certificate its connection presented.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result, anyhow};
use axum::Router;
use axum::response::IntoResponse;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use rustls::ServerConfig;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::server::WebPkiClientVerifier;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinSet;
use tokio_rustls::TlsAcceptor;
use tower::ServiceExt;

use super::conns::{Conns, IdleTimeout, Limits, Patient, Slot};
use tdip_point::callers::fingerprint;

/// The fingerprint of the client certificate a connection presented, if any; in every
/// request's extensions.
#[derive(Clone, Debug)]
pub struct Peer(pub Option<String>);

/// The server's TLS configuration: its certificate chain and key (PEM files), and the CAs
/// whose client certificates are accepted (PEM), if any.
pub fn server_config(
    cert: &Path,
    key: &Path,
    client_ca: Option<&Path>,
) -> Result<Arc<ServerConfig>> {
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let chain = CertificateDer::pem_file_iter(cert)
        .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
        .map_err(|e| anyhow!("--tls-cert {}: {e}", cert.display()))?;
    let key = PrivateKeyDer::from_pem_file(key)
        .map_err(|e| anyhow!("--tls-key {}: {e}", key.display()))?;
    let builder = ServerConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .context("TLS protocol versions")?;
    let builder = match client_ca {
        Some(path) => {
            let mut roots = rustls::RootCertStore::empty();
            for ca in CertificateDer::pem_file_iter(path)
                .map_err(|e| anyhow!("--client-ca {}: {e}", path.display()))?
            {
                let ca = ca.map_err(|e| anyhow!("--client-ca {}: {e}", path.display()))?;
                roots
                    .add(ca)
                    .map_err(|e| anyhow!("--client-ca {}: {e}", path.display()))?;
            }
            let verifier = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider)
                .allow_unauthenticated()
                .build()
                .map_err(|e| anyhow!("--client-ca {}: {e}", path.display()))?;
            builder.with_client_cert_verifier(verifier)
        }
        None => builder.with_no_client_auth(),
    };
    let mut config = builder
        .with_single_cert(chain, key)
        .map_err(|e| anyhow!("--tls-cert and --tls-key do not make a usable pair: {e}"))?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

/// Accepts connections on `listener` until `stop` resolves, serving each with `app`
/// within `limits`; then drains them: no connection is accepted any more, each open one
/// is told to finish the request it is answering and close (an idle one closes at once),
/// and those still open after `drain` are cut. Returns when every connection has ended.
///
/// When `limits.max` connections are open, a new one takes the place of the oldest that
/// has no request in progress (closed at once): a connection that holds a half-sent header
/// or sits idle gives the service nothing to do, so a crowd of them cannot lock out a
/// client that asks. If every connection is answering a request, the loop stops accepting
/// until one is done: the newcomer waits in the kernel's queue instead of being refused, as
/// that is real load. An accept that fails (out of file descriptors: EMFILE) closes an idle
/// connection to get one back and tries again after a short pause, never in a busy loop.
pub async fn serve(
    listener: TcpListener,
    tls: Arc<ServerConfig>,
    app: Router,
    limits: Limits,
    drain: Duration,
    stop: impl std::future::Future<Output = ()>,
) {
    let (closing, told) = watch::channel(false);
    let mut open = JoinSet::new();
    accept(listener, tls, app, limits, &told, &mut open, stop).await;
    // The listener is closed: a client that connects now is refused, not left waiting.
    drain_connections(open, closing, drain).await;
}

/// The accept loop of [`serve`], until `stop`; each connection is a task in `open`.
async fn accept(
    listener: TcpListener,
    tls: Arc<ServerConfig>,
    app: Router,
    limits: Limits,
    told: &watch::Receiver<bool>,
    open: &mut JoinSet<()>,
    stop: impl std::future::Future<Output = ()>,
) {
    let acceptor = TlsAcceptor::from(tls);
    let conns = Conns::new(limits.max);
    let mut warned: Option<std::time::Instant> = None;
    tokio::pin!(stop);
    loop {
        // The connections that ended are forgotten, so the set holds only open ones.
        while open.try_join_next().is_some() {}
        let tcp = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((tcp, _)) => tcp,
                Err(e) => {
                    use std::io::ErrorKind::{ConnectionAborted, ConnectionReset, Interrupted};
                    if matches!(e.kind(), ConnectionAborted | ConnectionReset | Interrupted) {
                        // That client gave up before it was accepted; the next one is fine.
                        continue;
                    }
                    // Said once a minute at most: a flood must not flood the log too.
                    if warned.is_none_or(|at| at.elapsed() > Duration::from_secs(60)) {
                        tracing::warn!(
                            "warning: accepting a connection failed ({e}); {} connections \
                             open. If it says too many open files, lower --max-connections \
                             or raise the limit (ulimit -n)",
                            conns.len()
                        );
                        warned = Some(std::time::Instant::now());
                    }
                    // An idle connection closed gives a descriptor back at once; with none
                    // to close, only time helps.
                    let pause = if conns.evict_idle() { ACCEPT_RETRY } else { ACCEPT_BACKOFF };
                    tokio::select! {
                        () = tokio::time::sleep(pause) => continue,
                        () = &mut stop => return,
                    }
                }
            },
            () = &mut stop => return,
        };
        let slot = match conns.admit() {
            Some(slot) => slot,
            None => tokio::select! {
                slot = conns.admit_when_free() => slot,
                () = &mut stop => return,
            },
        };
        let _ = tcp.set_nodelay(true);
        open.spawn(connection(
            tcp,
            slot,
            acceptor.clone(),
            app.clone(),
            limits,
            told.clone(),
        ));
    }
}

/// Tells every connection in `open` to finish (through `closing`) and waits for them up
/// to `bound`; cuts those still open then, and logs how many of each.
async fn drain_connections(mut open: JoinSet<()>, closing: watch::Sender<bool>, bound: Duration) {
    while open.try_join_next().is_some() {}
    let at_stop = open.len();
    let _ = closing.send(true);
    let deadline = tokio::time::Instant::now() + bound;
    while !open.is_empty() {
        if tokio::time::timeout_at(deadline, open.join_next())
            .await
            .is_err()
        {
            break;
        }
    }
    let cut = open.len();
    // Dropping a request's task drops its store transaction too: a delivery cut off
    // leaves no trace (and the client no answer).
    open.shutdown().await;
    let drained = at_stop - cut;
    if cut == 0 {
        tracing::info!("stopping: drained {drained} of {at_stop} open connections");
    } else {
        tracing::warn!(
            "stopping: drained {drained} of {at_stop} open connections; {cut} cut after {} s \
             with a request still in progress",
            bound.as_secs()
        );
    }
}

/// Resolves once the service has said connections are to close (or is gone).
async fn told_to_close(told: &mut watch::Receiver<bool>) {
    let _ = told.wait_for(|closing| *closing).await;
}

/// How long the accept loop pauses after a failed accept when no connection could be
/// closed to free a descriptor.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(100);
/// The pause after a failed accept for which an idle connection was closed: long enough
/// for its task to drop the socket.
const ACCEPT_RETRY: Duration = Duration::from_millis(2);

/// Serves one connection: the handshake, then HTTP/1 requests until the client closes, a
/// timeout ends it, or it gives its place to a newer connection.
async fn connection(
    tcp: tokio::net::TcpStream,
    slot: Slot,
    acceptor: TlsAcceptor,
    app: Router,
    limits: Limits,
    mut told: watch::Receiver<bool>,
) {
    let conn = slot.conn.clone();
    let handshake = tokio::time::timeout(limits.handshake, acceptor.accept(tcp));
    let stream = tokio::select! {
        done = handshake => match done {
            Ok(Ok(stream)) => stream,
            _ => return,
        },
        () = conn.evicted() => return,
        // No request was sent yet: nothing to finish.
        () = told_to_close(&mut told) => return,
    };
    let peer = Peer(
        stream
            .get_ref()
            .1
            .peer_certificates()
            .and_then(|chain| chain.first())
            .map(|leaf| fingerprint(leaf)),
    );
    let io = IdleTimeout::new(stream, conn.clone(), limits.idle);
    let requests = conn.clone();
    let service = hyper::service::service_fn(move |req: hyper::Request<Incoming>| {
        let busy = requests.begin();
        let mut req = req.map(|body| axum::body::Body::new(Patient::new(body, limits.body)));
        req.extensions_mut().insert(peer.clone());
        let app = app.clone();
        async move {
            let Some(busy) = busy else {
                // The connection is closing to make room; this request did not start.
                return Ok(crate::error::ApiError::busy().into_response());
            };
            let res = app.oneshot(req).await;
            drop(busy);
            res
        }
    });
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(limits.header);
    let served = http.serve_connection(TokioIo::new(io), service);
    tokio::pin!(served);
    // A connection that ends badly concerns that client alone; one chosen to make room
    // has no request in progress and is simply closed.
    tokio::select! {
        _ = served.as_mut() => {}
        () = conn.evicted() => {}
        () = told_to_close(&mut told) => {
            // The service stops: the request in progress is answered, then the
            // connection closes (at once if idle).
            served.as_mut().graceful_shutdown();
            tokio::select! {
                _ = served.as_mut() => {}
                () = conn.evicted() => {}
            }
        }
    }
    drop(slot);
}

//! A client of `tdip serve` over HTTPS: the server verified against a given CA, the caller
//! known by a client certificate or an API token. Used by the commands' `--server` mode
//! and by the load benchmark.

use std::path::Path;
use std::sync::Arc;

use anyhow::{Context, Result, anyhow, bail};
use http_body_util::combinators::BoxBody;
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper::client::conn::http1::SendRequest;
use hyper::header::{AUTHORIZATION, CONTENT_TYPE, HOST};
use hyper::{Method, Request, StatusCode, Uri};
use hyper_util::rt::TokioIo;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName};
use tokio_rustls::TlsConnector;

/// A request body's bytes: in memory, or a file streamed from disk.
pub type RequestBody = BoxBody<Bytes, std::io::Error>;

/// A request body and its media type (the service reads each endpoint's own only).
pub struct Payload {
    body: RequestBody,
    media: &'static str,
}

/// Where the service is and who calls it.
pub struct Client {
    connector: TlsConnector,
    server: ServerName<'static>,
    address: String,
    token: Option<String>,
}

/// How a caller proves who it is.
pub enum Credential<'a> {
    /// A client certificate chain and its private key (PEM files).
    Certificate {
        /// The certificate chain (PEM file).
        cert: &'a Path,
        /// Its private key (PEM file).
        key: &'a Path,
    },
    /// An API token.
    Token(String),
}

impl Client {
    /// A client of the service at `url` (`https://host:port`), trusting the server's
    /// certificate if `ca` (PEM) issued it.
    pub fn new(url: &str, ca: &Path, credential: Credential<'_>) -> Result<Client> {
        let uri: Uri = url
            .parse()
            .map_err(|_| anyhow!("--server {url}: not a URL; give https://HOST:PORT"))?;
        if uri.scheme_str() != Some("https") {
            bail!("--server {url}: tdip speaks HTTPS only; give https://HOST:PORT");
        }
        let host = uri
            .host()
            .ok_or_else(|| anyhow!("--server {url}: no host"))?
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_owned();
        let address = format!(
            "{}:{}",
            uri.host().unwrap_or_default(),
            uri.port_u16().unwrap_or(443)
        );
        let mut roots = rustls::RootCertStore::empty();
        for cert in
            CertificateDer::pem_file_iter(ca).map_err(|e| anyhow!("--ca {}: {e}", ca.display()))?
        {
            roots
                .add(cert.map_err(|e| anyhow!("--ca {}: {e}", ca.display()))?)
                .map_err(|e| anyhow!("--ca {}: {e}", ca.display()))?;
        }
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let builder = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .context("TLS protocol versions")?
            .with_root_certificates(roots);
        let (mut config, token) = match credential {
            Credential::Certificate { cert, key } => {
                let chain = CertificateDer::pem_file_iter(cert)
                    .and_then(|c| c.collect::<Result<Vec<_>, _>>())
                    .map_err(|e| anyhow!("--client-cert {}: {e}", cert.display()))?;
                let key = PrivateKeyDer::from_pem_file(key)
                    .map_err(|e| anyhow!("--client-key {}: {e}", key.display()))?;
                let config = builder
                    .with_client_auth_cert(chain, key)
                    .map_err(|e| anyhow!("--client-cert and --client-key: {e}"))?;
                (config, None)
            }
            Credential::Token(t) => (builder.with_no_client_auth(), Some(t)),
        };
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        Ok(Client {
            connector: TlsConnector::from(Arc::new(config)),
            server: ServerName::try_from(host)
                .map_err(|_| anyhow!("--server {url}: not a host name or address"))?,
            address,
            token,
        })
    }

    /// Opens a connection (kept alive for as many requests as the caller sends on it).
    pub async fn connect(&self) -> Result<Connection> {
        let tcp = tokio::net::TcpStream::connect(&self.address)
            .await
            .with_context(|| format!("cannot reach {}", self.address))?;
        tcp.set_nodelay(true)?;
        let tls = self
            .connector
            .connect(self.server.clone(), tcp)
            .await
            .with_context(|| format!("TLS with {} failed", self.address))?;
        let (sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(tls)).await?;
        tokio::spawn(connection);
        Ok(Connection {
            sender,
            host: self.address.clone(),
            token: self.token.clone(),
        })
    }

    /// One request on a connection of its own.
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        body: Payload,
    ) -> Result<(StatusCode, Bytes)> {
        self.connect().await?.send(method, path, body).await
    }
}

/// An open connection to the service.
pub struct Connection {
    sender: SendRequest<RequestBody>,
    host: String,
    token: Option<String>,
}

impl Connection {
    /// Sends a request and reads the whole answer.
    pub async fn send(
        &mut self,
        method: Method,
        path: &str,
        body: Payload,
    ) -> Result<(StatusCode, Bytes)> {
        let mut req = Request::builder()
            .method(method)
            .uri(path)
            .header(HOST, &self.host)
            .header(CONTENT_TYPE, body.media);
        if let Some(t) = &self.token {
            req = req.header(AUTHORIZATION, format!("Bearer {t}"));
        }
        self.sender.ready().await?;
        let res = self.sender.send_request(req.body(body.body)?).await?;
        let status = res.status();
        let bytes = res.into_body().collect().await?.to_bytes();
        Ok((status, bytes))
    }
}

/// A JSON body of `bytes` held in memory.
pub fn json(bytes: Vec<u8>) -> Payload {
    in_memory(bytes, "application/json")
}

/// An XML body (an HI-1 message) of `bytes` held in memory.
#[allow(dead_code)] // The load benchmark's; the commands send no XML.
pub fn xml(bytes: Vec<u8>) -> Payload {
    in_memory(bytes, "application/xml")
}

fn in_memory(bytes: Vec<u8>, media: &'static str) -> Payload {
    Payload {
        body: Full::new(Bytes::from(bytes))
            .map_err(|never| match never {})
            .boxed(),
        media,
    }
}

/// A body streamed from `file` a quarter megabyte at a time: never held whole in memory.
/// The file is read as the connection takes it (a local file read is brief; the command
/// line has nothing else to do meanwhile).
pub fn file(file: std::fs::File) -> Payload {
    Payload {
        body: FileBody {
            file,
            buf: vec![0; 1 << 18],
        }
        .boxed(),
        media: "application/octet-stream",
    }
}

struct FileBody {
    file: std::fs::File,
    buf: Vec<u8>,
}

impl hyper::body::Body for FileBody {
    type Data = Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<hyper::body::Frame<Bytes>, std::io::Error>>> {
        use std::io::Read;
        let this = self.get_mut();
        std::task::Poll::Ready(match this.file.read(&mut this.buf) {
            Ok(0) => None,
            Ok(n) => Some(Ok(hyper::body::Frame::data(Bytes::copy_from_slice(
                &this.buf[..n],
            )))),
            Err(e) => Some(Err(e)),
        })
    }
}

//! The demo's last act: its point served over HTTPS, unsealed with the dev key, with a
//! throw-away CA, a server certificate, an agency's client certificate and an API token
//! made for it, and the commands that reach it printed.

use std::net::SocketAddr;
use std::path::Path;

use anyhow::{Context, Result};
use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, IsCa, KeyPair};
use tdip_model::LegalZone;

use tdip_point::callers::{Role, TokenFile, fingerprint};

/// Serves the demo point in `dir` on `listen` (or, if that port is taken, on a free one)
/// until Ctrl-C; `ask` is a lookup's flags to print as the example.
pub async fn serve(
    dir: &Path,
    listen: SocketAddr,
    agency: &str,
    ask: &str,
    zone: LegalZone,
) -> Result<i32> {
    let pki = dir.join("demo-pki");
    std::fs::create_dir_all(&pki)?;
    let write = |name: &str, text: String| {
        std::fs::write(pki.join(name), text).with_context(|| format!("cannot write {name}"))
    };
    let mut ca_params = CertificateParams::new(Vec::<String>::new())?;
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "tdip demo CA");
    let ca = CertifiedIssuer::self_signed(ca_params, KeyPair::generate()?)?;
    write("ca.pem", ca.pem())?;
    let server_key = KeyPair::generate()?;
    let server = CertificateParams::new(vec!["localhost".to_owned(), "127.0.0.1".to_owned()])?
        .signed_by(&server_key, &ca)?;
    write("server.pem", server.pem())?;
    write("server.key", server_key.serialize_pem())?;
    let client_key = KeyPair::generate()?;
    let client =
        CertificateParams::new(vec!["demo-agency".to_owned()])?.signed_by(&client_key, &ca)?;
    write("agency.pem", client.pem())?;
    write("agency.key", client_key.serialize_pem())?;
    std::fs::write(
        dir.join(tdip_point::callers::CLIENTS_FILE),
        format!(
            "[[client]]\nname = \"demo agency system\"\nfingerprint = \"{}\"\nagency = \"{agency}\"\n",
            fingerprint(client.der())
        ),
    )?;
    let log = tdip_point::point::open_auditor(dir, "sqlite:").await?;
    let token = TokenFile::change_logged(dir, &log, super::now(), |tokens| {
        tokens.issue("demo agency app", Role::Agency(agency.into()), super::now())
    })
    .await?;

    let listener = match tokio::net::TcpListener::bind(listen).await {
        Ok(l) => l,
        Err(_) => tokio::net::TcpListener::bind(SocketAddr::new(listen.ip(), 0))
            .await
            .with_context(|| format!("cannot listen on {}", listen.ip()))?,
    };
    let config = tdip_server::ServerConfig {
        data: dir.to_owned(),
        store_url: "sqlite:".into(),
        zone,
        tls_cert: pki.join("server.pem"),
        tls_key: pki.join("server.key"),
        client_ca: Some(pki.join("ca.pem")),
        sign_every: std::time::Duration::from_secs(60),
        limits: Default::default(),
        drain: tdip_server::DRAIN,
        shares: Vec::new(),
        identities: Vec::new(),
        clock: super::clock(),
        push: None,
        retention_at: tdip_server::retention_job::DEFAULT_AT,
        art9_warn_days: 0,
    };
    let p = pki.display();
    let ready = |at: SocketAddr| {
        println!(
            "── the demo point now serves https://{at} (unsealed with the demo's dev key; \
             Ctrl-C stops it)\n\
             \x20 look up through the service with the API token:\n\
             \x20   tdip lookup --server https://{at} --ca {p}/ca.pem --token {token} {ask}\n\
             \x20 or with the agency's client certificate:\n\
             \x20   tdip lookup --server https://{at} --ca {p}/ca.pem --client-cert {p}/agency.pem \
             --client-key {p}/agency.key {ask}\n\
             \x20 readiness and the API's description:\n\
             \x20   curl --cacert {p}/ca.pem https://{at}/ready\n\
             \x20   curl --cacert {p}/ca.pem https://{at}/openapi.json"
        );
    };
    tdip_server::serve(config, listener, tdip_server::stop_signal(), ready).await?;
    Ok(0)
}

//! `tdip serve`: the flags become a [`ServerConfig`], and the service library runs it
//! until Ctrl-C or SIGTERM.

use std::time::Duration;

use anyhow::{Context, Result};
use tdip_model::LegalZone;
use tdip_server::{LimitSettings, ServerConfig};

use crate::cli::{Cli, ServeArgs, ServeLimits};

/// Runs the service until it is told to stop.
pub async fn run(cli: &Cli, args: &ServeArgs, zone: LegalZone) -> Result<i32> {
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .with_context(|| format!("cannot listen on {}", args.listen))?;
    let config = config(cli, args, zone);
    tdip_server::serve(config, listener, tdip_server::stop_signal(), |_| {}).await?;
    Ok(0)
}

/// The service's configuration from the command line.
pub fn config(cli: &Cli, args: &ServeArgs, zone: LegalZone) -> ServerConfig {
    ServerConfig {
        data: cli.data.clone(),
        store_url: cli.store.clone(),
        zone,
        tls_cert: args.tls_cert.clone(),
        tls_key: args.tls_key.clone(),
        client_ca: args.client_ca.clone(),
        sign_every: Duration::from_secs(args.sign_every),
        limits: limits(&args.limits),
        drain: tdip_server::DRAIN,
        shares: args.unseal.shares.clone(),
        identities: args.unseal.identities.clone(),
        clock: super::clock(),
        push: push(&args.push),
        retention_at: args.retention_at,
        art9_warn_days: args.art9_warn_days,
    }
}

fn push(flags: &crate::cli::PushFlags) -> Option<tdip_server::PushSettings> {
    let (Some(cert), Some(key), Some(ca)) = (&flags.push_cert, &flags.push_key, &flags.push_ca)
    else {
        return None;
    };
    Some(tdip_server::PushSettings {
        cert: cert.clone(),
        key: key.clone(),
        ca: ca.clone(),
        attempts: flags.push_attempts,
        first_retry: Duration::from_secs(flags.push_first_retry),
    })
}

fn limits(flags: &ServeLimits) -> LimitSettings {
    LimitSettings {
        handshake_timeout: flags.handshake_timeout,
        header_timeout: flags.header_timeout,
        idle_timeout: flags.idle_timeout,
        body_timeout: flags.body_timeout,
        max_connections: flags.max_connections,
    }
}

//! The commands' `--server` mode: the same command, acted out through a running
//! `tdip serve` instead of on the local data directory.

use anyhow::{Result, anyhow, bail};
use hyper::{Method, StatusCode};
use serde_json::Value;
use tdip_api::{Answered, ErrorBody, Listing, UnsealRequest, Unsealing, Upload};
use tdip_model::LegalZone;
use zeroize::{Zeroize, Zeroizing};

use crate::cli::{DeliverArgs, DeliveriesArgs, LookupArgs, RemoteFlags, UnsealFlags};
use tdip_client::{self, Client, Credential};

/// The client of the service that `flags` name, who we are to it included.
pub(super) fn client_of(flags: &RemoteFlags) -> Result<Client> {
    let server = flags
        .server
        .as_deref()
        .ok_or_else(|| anyhow!("--server URL: say which running `tdip serve` to act through"))?;
    let ca = flags.ca.as_deref().ok_or_else(|| {
        anyhow!("--server needs --ca FILE: the CA certificate that issued the server's certificate")
    })?;
    let credential = match (&flags.client_cert, &flags.client_key, &flags.token) {
        (Some(cert), Some(key), _) => Credential::Certificate { cert, key },
        (None, None, Some(token)) => Credential::Token(token.clone()),
        _ => bail!(
            "--server needs who you are: --client-cert FILE with --client-key FILE, or --token"
        ),
    };
    Client::new(server, ca, credential)
}

/// An error the service answered, in the API's error shape (`tdip_api::ErrorBody`), or
/// a body that is not in it, said as it came.
pub(super) struct Problem {
    pub(super) code: String,
    pub(super) message: String,
    pub(super) consultation: Option<String>,
}

pub(super) fn problem(status: StatusCode, body: &[u8]) -> Problem {
    match serde_json::from_slice::<ErrorBody>(body) {
        Ok(e) => Problem {
            code: e.code.to_string(),
            message: e.message,
            consultation: e.consultation,
        },
        Err(_) => Problem {
            code: status.as_str().to_owned(),
            message: String::from_utf8_lossy(body).into_owned(),
            consultation: None,
        },
    }
}

/// `tdip lookup --server`: the demand asked of the service, its answer printed as the
/// local command prints it.
pub async fn lookup(args: &LookupArgs, zone: LegalZone) -> Result<i32> {
    let client = client_of(&args.remote)?;
    let request = super::lookup::request(args);
    let body = tdip_client::json(serde_json::to_vec(&request)?);
    let traffic = tdip_server::asked(request.clone()).asks_traffic();
    let path = if traffic {
        "/v1/traffic/lookups"
    } else {
        "/v1/lookups"
    };
    let (status, bytes) = client.call(Method::POST, path, body).await?;
    if status == StatusCode::OK && traffic {
        let a: tdip_api::TrafficAnswered = serde_json::from_slice(&bytes)?;
        if args.json {
            println!("{}", serde_json::to_string_pretty(&a)?);
        } else {
            print!("{}", crate::render_traffic::answered(&a, zone));
        }
        return Ok(0);
    }
    if status == StatusCode::OK {
        let a: Answered = serde_json::from_slice(&bytes)?;
        if args.json {
            println!("{}", serde_json::to_string_pretty(&a)?);
        } else {
            print!("{}", crate::render::answered(&a, zone));
        }
        return Ok(0);
    }
    let p = problem(status, &bytes);
    match p.consultation {
        Some(consultation) => {
            if args.json {
                // The API's error shape, printed as `tdip lookup --json` prints a refusal.
                let e: ErrorBody = serde_json::from_slice(&bytes)?;
                println!("{}", serde_json::to_string_pretty(&e)?);
            }
            eprintln!(
                "REFUSED: {}\n(consultation {consultation}; the refusal is logged)",
                p.message
            );
            Ok(3)
        }
        None => bail!(
            "the service answered {} ({}): {}",
            status,
            p.code,
            p.message
        ),
    }
}

/// `tdip unseal --server`: relays each `--share` file to the service, which keeps
/// nothing of them once unsealed.
pub async fn unseal(remote: &RemoteFlags, given: &UnsealFlags) -> Result<i32> {
    let client = client_of(remote)?;
    if given.shares.is_empty() {
        bail!("give the custodians' shares to relay: --share FILE, one per custodian");
    }
    let mut identities = Vec::new();
    for path in &given.identities {
        identities.push(Zeroizing::new(std::fs::read_to_string(path).map_err(
            |e| anyhow!("cannot read the identity file {}: {e}", path.display()),
        )?));
    }
    let mut sealed = true;
    for path in &given.shares {
        let bytes = Zeroizing::new(
            std::fs::read(path)
                .map_err(|e| anyhow!("cannot read the share file {}: {e}", path.display()))?,
        );
        let text = if tdip_crypto::custodian::is_encrypted(&bytes) {
            tdip_crypto::custodian::decrypt_share(&bytes, &identities)?
        } else {
            Zeroizing::new(String::from_utf8_lossy(&bytes).into_owned())
        };
        let mut request = UnsealRequest {
            share: text.as_str().to_owned(),
        };
        let body = serde_json::to_vec(&request);
        request.share.zeroize();
        let (status, answer) = client
            .call(Method::POST, "/v1/unseal", tdip_client::json(body?))
            .await?;
        if status != StatusCode::OK {
            let p = problem(status, &answer);
            eprintln!("share {} refused: {}", path.display(), p.message);
            continue;
        }
        let progress: Unsealing = serde_json::from_slice(&answer)?;
        sealed = progress.sealed;
        eprintln!(
            "share accepted: {}",
            if sealed {
                format!("{} of {} shares", progress.have, progress.need)
            } else {
                "the point is unsealed".into()
            }
        );
    }
    Ok(if sealed { 1 } else { 0 })
}

/// `tdip deliver --server`: streams a delivery file to the service; prints its report as
/// the local command does.
pub async fn deliver(args: &DeliverArgs) -> Result<i32> {
    let client = client_of(&args.remote)?;
    let format = match args.format.as_deref() {
        Some(f) => f.to_owned(),
        None => match tdip_core::ingest::Format::from_path(&args.file) {
            Some(tdip_core::ingest::Format::Csv) => "csv".into(),
            Some(tdip_core::ingest::Format::JsonLines) => "jsonl".into(),
            None => bail!(
                "cannot tell the format from the file name; name it .csv, .jsonl (optionally \
                 .gz) or pass --format"
            ),
        },
    };
    let query = serde_urlencoded::to_string(Upload {
        snapshot_at: args.snapshot_at.clone(),
        format,
        provider: Some(args.provider.clone()),
        allow_mass_close: args.allow_mass_close,
    })?;
    let file = std::fs::File::open(&args.file)
        .map_err(|e| anyhow!("cannot read {}: {e}", args.file.display()))?;
    let (status, bytes) = client
        .call(
            Method::POST,
            &format!("/v1/deliveries?{query}"),
            tdip_client::file(file),
        )
        .await?;
    if !matches!(
        status,
        StatusCode::OK | StatusCode::ACCEPTED | StatusCode::UNPROCESSABLE_ENTITY
    ) {
        let p = problem(status, &bytes);
        bail!(
            "the service answered {} ({}): {}",
            status,
            p.code,
            p.message
        );
    }
    let report: Value = serde_json::from_slice(&bytes)?;
    if let Some(path) = &args.report {
        std::fs::write(path, serde_json::to_string_pretty(&report)?)
            .map_err(|e| anyhow!("cannot write the report to {}: {e}", path.display()))?;
    }
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else if status == StatusCode::ACCEPTED {
        println!(
            "delivery of {} SPOOLED ({} bytes, encrypted): the point is sealed; it is applied \
             when the point is unsealed",
            report["provider"].as_str().unwrap_or_default(),
            report["bytes"]
        );
    } else {
        super::deliver::print_report_json(&report);
    }
    Ok(if status == StatusCode::UNPROCESSABLE_ENTITY {
        1
    } else {
        0
    })
}

/// `tdip deliveries --server`: the delivery log through the service: the provider's own,
/// or every one for the operator.
pub async fn deliveries(args: &DeliveriesArgs, zone: LegalZone) -> Result<i32> {
    let client = client_of(&args.remote)?;
    let listing = Listing {
        limit: Some(args.limit),
    };
    let path = format!("/v1/deliveries?{}", serde_urlencoded::to_string(listing)?);
    let (status, bytes) = client
        .call(Method::GET, &path, tdip_client::json(Vec::new()))
        .await?;
    if status != StatusCode::OK {
        let p = problem(status, &bytes);
        bail!(
            "the service answered {} ({}): {}",
            status,
            p.code,
            p.message
        );
    }
    let v: Value = serde_json::from_slice(&bytes)?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&v)?);
        return Ok(0);
    }
    for d in v["deliveries"].as_array().into_iter().flatten() {
        println!(
            "{:>5}  {:<12} received {}  snapshot {}  {} rows  {}",
            d["id"],
            d["provider"].as_str().unwrap_or_default(),
            crate::render::time(d["received_at"].as_i64().unwrap_or(0), zone),
            crate::render::time(d["snapshot_at"].as_i64().unwrap_or(0), zone),
            d["rows"],
            d["outcome"].as_str().unwrap_or_default()
        );
    }
    Ok(0)
}

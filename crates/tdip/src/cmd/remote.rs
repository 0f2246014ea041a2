//! The commands' `--server` mode: the same command, acted out through a running
//! `tdip serve` instead of on the local data directory.

use anyhow::{Result, anyhow, bail};
use hyper::{Method, StatusCode};
use serde_json::Value;
use tdip_api::{Answered, ErrorBody, Listing, UnsealRequest, Unsealing, Upload};
use tdip_model::LegalZone;
use zeroize::{Zeroize, Zeroizing};

use crate::cli::{Cli, Command};
use tdip_client::{self, Client, Credential};

/// Runs `cli`'s command against the service at `server`.
pub async fn run(cli: &Cli, server: &str, zone: LegalZone) -> Result<i32> {
    let client = client_of(cli, server)?;
    match &cli.command {
        Command::Lookup(args) => lookup(&client, args, zone).await,
        Command::Unseal => unseal(cli, &client).await,
        Command::Deliver(args) => deliver(&client, args).await,
        Command::Deliveries(args) => deliveries(&client, args, zone).await,
        _ => bail!(
            "--server: this command acts on the local data directory only; run it without \
             --server on the point's host (through the service: lookup, deliver, deliveries, \
             unseal)"
        ),
    }
}

fn client_of(cli: &Cli, server: &str) -> Result<Client> {
    let ca = cli.ca.as_deref().ok_or_else(|| {
        anyhow!("--server needs --ca FILE: the CA certificate that issued the server's certificate")
    })?;
    let credential = match (&cli.client_cert, &cli.client_key, &cli.token) {
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
struct Problem {
    code: String,
    message: String,
    consultation: Option<String>,
}

fn problem(status: StatusCode, body: &[u8]) -> Problem {
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

async fn lookup(client: &Client, args: &crate::cli::LookupArgs, zone: LegalZone) -> Result<i32> {
    let request = super::lookup::request(args);
    let body = tdip_client::json(serde_json::to_vec(&request)?);
    let (status, bytes) = client.call(Method::POST, "/v1/lookups", body).await?;
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

/// Relays each `--share` file to the service, which keeps nothing of them once unsealed.
async fn unseal(cli: &Cli, client: &Client) -> Result<i32> {
    if cli.shares.is_empty() {
        bail!("give the custodians' shares to relay: --share FILE, one per custodian");
    }
    let mut identities = Vec::new();
    for path in &cli.identities {
        identities.push(Zeroizing::new(std::fs::read_to_string(path).map_err(
            |e| anyhow!("cannot read the identity file {}: {e}", path.display()),
        )?));
    }
    let mut sealed = true;
    for path in &cli.shares {
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

/// Streams a delivery file to the service; prints its report as `tdip deliver` does.
async fn deliver(client: &Client, args: &crate::cli::DeliverArgs) -> Result<i32> {
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

/// The delivery log through the service: the provider's own, or every one for the operator.
async fn deliveries(
    client: &Client,
    args: &crate::cli::DeliveriesArgs,
    zone: LegalZone,
) -> Result<i32> {
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

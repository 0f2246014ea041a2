//! The subcommands.

mod deliver;
mod demo;
mod gen_data;
mod lookup;
mod providers;

use anyhow::{Result, anyhow};
use tdip_model::LegalZone;

use crate::cli::{Cli, Command, GenCmd};
use crate::point;

/// Runs one command; returns the process exit status.
pub async fn run(cli: Cli) -> Result<i32> {
    let zone: LegalZone = cli.zone.parse().map_err(|e| anyhow!("--zone: {e}"))?;
    match cli.command {
        Command::Init => {
            point::init(&cli.data, &cli.store).await?;
            eprintln!(
                "initialised {} (key file and empty store)",
                cli.data.display()
            );
            eprintln!(
                "keep a copy of {}/keyfile somewhere safe: without it the data cannot be read",
                cli.data.display()
            );
            Ok(0)
        }
        Command::Migrate => {
            crate::store::open(&cli.store, &cli.data).await?;
            eprintln!("the store is at the schema this tdip expects");
            Ok(0)
        }
        Command::Providers(cmd) => {
            providers::run(&point::open(&cli.data, &cli.store).await?, cmd).await
        }
        Command::Gen(GenCmd::Subscribers(args)) => gen_data::run(&args),
        Command::Deliver(args) => {
            deliver::run(&point::open(&cli.data, &cli.store).await?, &args, zone).await
        }
        Command::Deliveries(args) => {
            deliver::log(&point::open(&cli.data, &cli.store).await?, &args, zone).await
        }
        Command::Lookup(args) => {
            lookup::run(&point::open(&cli.data, &cli.store).await?, &args, zone).await
        }
        Command::Demo(args) => demo::run(&cli.data, &args, zone).await,
    }
}

/// Seconds since the Unix epoch, now.
pub fn now() -> i64 {
    jiff::Timestamp::now().as_second()
}

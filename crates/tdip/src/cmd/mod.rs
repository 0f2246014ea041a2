//! The subcommands.

pub mod audit;
pub mod catalogue;
pub mod deliver;
mod demo;
mod demo_serve;
mod demo_traffic;
mod gen_comm;
mod gen_data;
mod hi1;
mod keys;
mod lookup;
mod officers;
mod providers;
mod remote;
mod report;
mod retention;
mod serve;
mod tokens;
mod traffic;
mod witness;

use anyhow::{Result, anyhow, bail};
use tdip_crypto::custodian::Unsealer;
use tdip_model::LegalZone;

use crate::cli::{CatalogueCmd, Cli, ClientsCmd, Command, GenCmd, InitArgs, SpoolCmd, TrafficCmd};
use tdip_point::SharedClock;
use tdip_point::point::{self, Keeping};
use tdip_store::TrafficKind;

/// Runs one command; returns the process exit status.
pub async fn run(cli: Cli) -> Result<i32> {
    let zone: LegalZone = cli.zone.parse().map_err(|e| anyhow!("--zone: {e}"))?;
    tdip_point::audit_head::set_witness(cli.command.witness_dir());
    match cli.command {
        Command::Init(ref args) => init(&cli, args).await,
        // The four commands that can act through a running service do when given --server.
        Command::Unseal(ref args) if args.remote.server.is_some() => {
            remote::unseal(&args.remote, &args.unseal).await
        }
        Command::Deliver(ref args) if args.remote.server.is_some() => remote::deliver(args).await,
        Command::Deliveries(ref args) if args.remote.server.is_some() => {
            remote::deliveries(args, zone).await
        }
        Command::Lookup(ref args) if args.remote.server.is_some() => {
            remote::lookup(args, zone).await
        }
        Command::Unseal(ref args) => {
            let mut unsealer = Unsealer::new(point::custody(&cli.data)?);
            point::unseal(&mut unsealer, &args.unseal.unsealing())?;
            let progress = unsealer.progress();
            let refused = tdip_point::unseal_log::refused(&progress);
            tdip_point::unseal_log::record(&cli.data, &cli.store, refused, now()).await;
            if unsealer.root_key()?.is_some() {
                eprintln!(
                    "the shares unseal this point ({progress}); nothing of them was kept: give them \
                     with --share to the command that needs the point unsealed"
                );
                Ok(0)
            } else {
                eprintln!("still sealed: {progress}");
                Ok(1)
            }
        }
        Command::Migrate => {
            tdip_point::store::open(&cli.store, &cli.data).await?;
            eprintln!("the store is at the schema this tdip expects");
            Ok(0)
        }
        Command::Providers(cmd) => {
            providers::run(&point::open_store(&cli.data, &cli.store).await?, cmd).await
        }
        Command::Gen(GenCmd::Subscribers(args)) => gen_data::run(&args),
        Command::Gen(GenCmd::Cgnat(args)) => gen_data::traffic(&args, TrafficKind::PortBlock),
        Command::Gen(GenCmd::Sessions(args)) => {
            gen_data::traffic(&args, TrafficKind::AccessSession)
        }
        Command::Gen(GenCmd::Cells(args)) => gen_comm::run(&args, TrafficKind::Cell),
        Command::Gen(GenCmd::Calls(args)) => gen_comm::run(&args, TrafficKind::Mobile),
        Command::Gen(GenCmd::Fixed(args)) => gen_comm::run(&args, TrafficKind::Fixed),
        Command::Gen(GenCmd::Mail(args)) => gen_comm::run(&args, TrafficKind::Internet),
        Command::Deliver(ref args)
            if args.unseal.shares.is_empty() && point::has_custodians(&cli.data) =>
        {
            deliver::spool(&cli, args, zone).await
        }
        Command::Deliver(ref args) => {
            let point =
                point::open(&cli.data, &cli.store, &args.unseal.unsealing(), clock()).await?;
            let done = deliver::run(&point, args, zone).await;
            point.finish().await;
            done
        }
        Command::Deliveries(args) => {
            deliver::log(
                &point::open_store(&cli.data, &cli.store).await?,
                &args,
                zone,
            )
            .await
        }
        Command::Lookup(ref args) => {
            let point =
                point::open(&cli.data, &cli.store, &args.unseal.unsealing(), clock()).await?;
            let done = lookup::run(&cli.data, &point, args, zone).await;
            point.finish().await;
            done
        }
        Command::Traffic(TrafficCmd::Deliver(ref args)) if args.remote.server.is_some() => {
            traffic::deliver_remote(args, zone).await
        }
        Command::Traffic(TrafficCmd::Deliver(ref args)) => {
            let point =
                point::open(&cli.data, &cli.store, &args.unseal.unsealing(), clock()).await?;
            let done = traffic::deliver(&point, args, zone).await;
            point.finish().await;
            done
        }
        Command::Traffic(TrafficCmd::Batches(ref args)) => {
            traffic::batches(&point::open_store(&cli.data, &cli.store).await?, args, zone).await
        }
        Command::Demo(args) => demo::run(&cli.data, &args, zone).await,
        Command::Keys(ref cmd) => keys::run(&cli, cmd, zone).await,
        Command::Retention(ref cmd) => retention::run(&cli, cmd, zone).await,
        Command::Report(ref cmd) => report::run(&cli, cmd, zone).await,
        Command::Catalogue(CatalogueCmd::Adopt) => {
            let state = point::adopt_catalogue(&cli.data, &cli.store, now()).await?;
            eprintln!(
                "catalogue adopted: its digest ({state}) is logged and it is used from now on"
            );
            Ok(0)
        }
        Command::Catalogue(ref cmd) => catalogue::run(cmd),
        Command::Hi1(ref cmd) => hi1::run(&cli.data, cmd, zone),
        Command::Spool(SpoolCmd::List) => deliver::spool_list(&cli, zone).await,
        Command::Spool(SpoolCmd::Discard { ref name }) => deliver::spool_discard(&cli, name).await,
        Command::Spool(SpoolCmd::Apply { ref unseal, .. }) => {
            let point = point::open(&cli.data, &cli.store, &unseal.unsealing(), clock()).await?;
            let done = deliver::apply_spool(&point).await;
            point.finish().await;
            done
        }
        Command::Officers(ref cmd) => officers::officers(&cli, cmd, zone).await,
        Command::Agencies(ref cmd) => officers::agencies(&cli, cmd, zone).await,
        Command::Audit(ref cmd) => audit::run(&cli, cmd, zone).await,
        Command::Serve(ref args) => serve::run(&cli, args, zone).await,
        Command::Tokens(ref cmd) => tokens::run(&cli, cmd, zone).await,
        Command::Clients(ClientsCmd::Adopt) => {
            let log = point::open_auditor(&cli.data, &cli.store).await?;
            let name = tdip_point::data_dir::CLIENTS_FILE;
            let state = tdip_point::access_files::file_state(&cli.data, name)?;
            tdip_point::access_files::adopt(&log, name, &state, now()).await?;
            eprintln!("{name} adopted: its digest ({state}) is logged and it is used from now on");
            Ok(0)
        }
    }
}

async fn init(cli: &Cli, args: &InitArgs) -> Result<i32> {
    let keeping = match (args.custodians, args.threshold, args.dev_key) {
        (Some(count), Some(threshold), false) => {
            let out = args.shares_out.as_deref().ok_or_else(|| {
                anyhow!(
                    "--shares-out DIR: say where to write the custodians' share files (not inside \
                     the data directory)"
                )
            })?;
            if out.starts_with(&cli.data) {
                bail!(
                    "--shares-out must not be inside the data directory: the point must not keep its shares"
                );
            }
            if !args.custodian_keys.is_empty() && args.custodian_keys.len() != count {
                bail!(
                    "--custodian-key: give one age public key per custodian, in custodian order \
                     ({count}), or none to write the share files unencrypted"
                );
            }
            Keeping::Custodians {
                threshold,
                count,
                out,
                keys: &args.custodian_keys,
            }
        }
        (None, None, true) => Keeping::DevKey,
        _ => bail!(
            "say how the root key is kept: --custodians N --threshold K --shares-out DIR for a \
             real point, or --dev-key for demos and tests"
        ),
    };
    let shares = point::init(&cli.data, &cli.store, keeping, now()).await?;
    if shares.is_empty() {
        eprintln!(
            "initialised {} with a dev key file and an empty store",
            cli.data.display()
        );
        eprintln!("{}", point::NOT_SEALED);
    } else {
        eprintln!(
            "initialised {} (custody record and empty store); {} share files written:",
            cli.data.display(),
            shares.len()
        );
        for path in &shares {
            eprintln!("  {}", path.display());
        }
        eprintln!(
            "hand each file to its custodian and delete it here: the point can read nothing \
             until {} of them are given with --share",
            args.threshold.unwrap_or_default()
        );
    }
    Ok(0)
}

/// The clock every command reads "now" from: the system's, chosen once here, where the
/// command line is put together (the libraries are given it).
pub fn clock() -> SharedClock {
    static CLOCK: std::sync::OnceLock<SharedClock> = std::sync::OnceLock::new();
    CLOCK.get_or_init(tdip_point::clock::system).clone()
}

/// Seconds since the Unix epoch, now, by [`clock`].
pub fn now() -> i64 {
    clock().now()
}

//! The `tdip` command: the information point on a local data directory.
//!
//! Every subcommand works on `--data DIR` (default `./tdip-data`): the custody record (or,
//! for demos and tests, the dev key file) written by `tdip init`, and the store. Errors are printed with their
//! whole chain and exit with status 1; a rejected delivery also exits with status 1.

mod asked;
mod audit_store;
mod cli;
mod client;
mod cmd;
mod point;
mod render;
mod serve;
mod store;

use clap::Parser;

// Deliveries allocate per row on several threads; mimalloc keeps that off the critical
// path better than the system allocator (about 8% on the first-delivery benchmark).
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let cli = cli::Cli::parse();
    // The service answers on every core; a command runs on one thread.
    let runtime = match cli.command {
        cli::Command::Serve(_) => tokio::runtime::Builder::new_multi_thread(),
        _ => tokio::runtime::Builder::new_current_thread(),
    }
    .enable_all()
    .build()
    .expect("the runtime starts");
    match runtime.block_on(cmd::run(cli)) {
        Ok(code) => std::process::exit(code),
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::exit(1);
        }
    }
}

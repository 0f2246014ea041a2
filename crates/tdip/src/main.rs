//! The `tdip` command: the information point on a local data directory.
//!
//! Every subcommand works on `--data DIR` (default `./tdip-data`): the custody record (or,
//! for demos and tests, the dev key file) written by `tdip init`, and the store. Errors are printed with their
//! whole chain and exit with status 1; a rejected delivery also exits with status 1.

mod cli;
mod cmd;
mod render;
mod render_comm;
mod render_traffic;

use clap::Parser;

// Deliveries allocate per row on several threads; mimalloc keeps that off the critical
// path better than the system allocator (about 8% on the first-delivery benchmark).
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    quiet_on_broken_pipe();
    let cli = cli::Cli::parse();
    say_on_stderr();
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
        Err(e) if broken_pipe(&e) => std::process::exit(0),
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::exit(1);
        }
    }
}

/// What the libraries say as they work (`tracing` events: a point that is not sealed, a
/// share accepted, the service's start and stop) goes to standard error as plain lines,
/// as the command's own messages do; `RUST_LOG`-style filtering is not needed for a CLI.
fn say_on_stderr() {
    let _ = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .with_target(false)
        .with_level(false)
        .without_time()
        .with_max_level(tracing::Level::INFO)
        .try_init();
}

/// Whether an error comes from writing to a reader that went away (`tdip … | head`): an
/// `io::Error` in the chain, or one inside a CSV writer's error (which does not give it
/// as its source).
fn broken_pipe(e: &anyhow::Error) -> bool {
    let pipe = |io: &std::io::Error| io.kind() == std::io::ErrorKind::BrokenPipe;
    e.chain().any(|cause| {
        cause.downcast_ref::<std::io::Error>().is_some_and(pipe)
            || cause
                .downcast_ref::<csv::Error>()
                .is_some_and(|c| matches!(c.kind(), csv::ErrorKind::Io(io) if pipe(io)))
    })
}

/// A command whose reader goes away ends quietly with status 0, as ripgrep does: the
/// reader has what it wanted. Errors that travel up as `io::Error` are caught in `main`;
/// `println!` instead panics on a closed pipe, wherever it is called, so the panic hook
/// recognises that one panic (std words it "failed printing to stdout: <the OS error>")
/// and exits before a backtrace is printed. Every other panic is reported as before.
fn quiet_on_broken_pipe() {
    let report = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let message = info
            .payload()
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| info.payload().downcast_ref::<&str>().copied())
            .unwrap_or_default();
        let printing = message.starts_with("failed printing to stdout")
            || message.starts_with("failed printing to stderr");
        if printing && message.ends_with(&broken_pipe_text()) {
            std::process::exit(0);
        }
        report(info);
    }));
}

/// How the OS error of a closed pipe reads (`Broken pipe (os error 32)` on Linux).
fn broken_pipe_text() -> String {
    #[cfg(unix)]
    const EPIPE: i32 = 32;
    #[cfg(not(unix))]
    const EPIPE: i32 = 232; // ERROR_NO_DATA: the pipe is being closed.
    std::io::Error::from_raw_os_error(EPIPE).to_string()
}

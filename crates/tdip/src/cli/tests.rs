//! The command line's shape: which subcommand takes which shared option, flags after the
//! subcommand's name, and a `Debug` that keeps secrets and identifiers out.

use std::collections::BTreeSet;

use clap::{CommandFactory, Parser};

use super::{Cli, Command, redact};

fn parse(args: &[&str]) -> Cli {
    Cli::try_parse_from(std::iter::once("tdip").chain(args.iter().copied()))
        .unwrap_or_else(|e| panic!("tdip {args:?}: {e}"))
}

/// Every subcommand path (`keys rotate`) that takes the option with long name `long`.
fn taking(long: &str) -> BTreeSet<String> {
    fn walk(cmd: &clap::Command, path: &str, long: &str, found: &mut BTreeSet<String>) {
        if cmd.get_arguments().any(|a| a.get_long() == Some(long)) {
            found.insert(path.trim().to_owned());
        }
        for sub in cmd.get_subcommands() {
            walk(sub, &format!("{path} {}", sub.get_name()), long, found);
        }
    }
    let mut found = BTreeSet::new();
    walk(&Cli::command(), "", long, &mut found);
    found
}

fn set(paths: &[&str]) -> BTreeSet<String> {
    paths.iter().map(|p| (*p).to_owned()).collect()
}

#[test]
fn the_command_line_is_well_formed() {
    Cli::command().debug_assert();
}

#[test]
fn unsealing_flags_are_on_the_commands_that_unseal_only() {
    let unsealing = set(&[
        "audit checkpoint",
        "deliver",
        "keys rotate",
        "keys shred",
        "lookup",
        "retention run",
        "serve",
        "spool apply",
        "traffic deliver",
        "unseal",
    ]);
    assert_eq!(taking("share"), unsealing);
    assert_eq!(taking("identity"), unsealing);
}

#[test]
fn server_flags_are_on_the_commands_with_a_server_mode_only() {
    let remote = set(&[
        "deliver",
        "deliveries",
        "lookup",
        "traffic deliver",
        "unseal",
    ]);
    for long in ["server", "ca", "client-cert", "client-key", "token"] {
        assert_eq!(taking(long), remote, "--{long}");
    }
}

#[test]
fn witness_dir_is_on_the_commands_that_sign_heads_only() {
    let signing = set(&[
        "audit checkpoint",
        "deliver",
        "keys rotate",
        "keys shred",
        "lookup",
        "retention run",
        "serve",
        "spool apply",
        "traffic deliver",
    ]);
    assert_eq!(taking("witness-dir"), signing);
}

#[test]
fn data_store_and_zone_are_taken_before_and_after_any_subcommand() {
    let before = parse(&[
        "--data",
        "d",
        "--zone",
        "Europe/Brussels",
        "providers",
        "list",
    ]);
    let after = parse(&["providers", "list", "--store", "sqlite:x.db", "--data", "d"]);
    assert_eq!(before.data, after.data);
    assert_eq!(before.zone, "Europe/Brussels");
    assert_eq!(after.store, "sqlite:x.db");
}

#[test]
fn shares_and_server_flags_are_taken_after_the_subcommand() {
    let cli = parse(&["lookup", "--share", "a", "--share", "b", "--msisdn", "1"]);
    let Command::Lookup(args) = &cli.command else {
        panic!("not a lookup: {cli:?}");
    };
    assert_eq!(args.unseal.shares, ["a", "b"].map(std::path::PathBuf::from));
    let cli = parse(&[
        "unseal",
        "--server",
        "https://h:1",
        "--ca",
        "ca.pem",
        "--token",
        "t",
        "--share",
        "a",
    ]);
    let Command::Unseal(args) = &cli.command else {
        panic!("not unseal: {cli:?}");
    };
    assert_eq!(args.remote.server.as_deref(), Some("https://h:1"));
    assert_eq!(args.remote.token.as_deref(), Some("t"));
    assert_eq!(args.unseal.shares.len(), 1);
}

#[test]
fn a_command_that_does_not_unseal_refuses_a_share() {
    let refused = Cli::try_parse_from(["tdip", "providers", "list", "--share", "a"]);
    assert!(refused.is_err(), "providers list took --share");
}

#[test]
fn debug_shows_no_token_password_identifier_or_name() {
    let cli = parse(&[
        "--store",
        "postgres://tdip:pw-s3cret@db.example:5432/tdip",
        "lookup",
        "--server",
        "https://tdip.example:8443",
        "--token",
        "tdip_0123.t0ken-s3cret",
        "--msisdn",
        "0612345678",
        "--case",
        "PL0900-2026123456",
        "--authorised-by",
        "mr. A. de Vries",
    ]);
    let shown = format!("{cli:?}");
    for secret in [
        "pw-s3cret",
        "t0ken-s3cret",
        "0612345678",
        "PL0900-2026123456",
        "de Vries",
    ] {
        assert!(!shown.contains(secret), "{secret} in {shown}");
    }
    // What is shown says which command it is, and how it was given.
    for part in [
        "Lookup",
        "postgres://tdip:***@db.example:5432/tdip",
        "https://tdip.example:8443",
        "\"msisdn\"",
    ] {
        assert!(shown.contains(part), "{part} not in {shown}");
    }
}

#[test]
fn debug_shows_no_officer_or_token_holder_name() {
    for args in [
        &[
            "officers",
            "add",
            "--agency",
            "nl/politie",
            "--officer",
            "T-1",
            "--name",
            "J. Jansen",
        ][..],
        &["tokens", "issue", "--name", "J. Jansen", "--operator"],
    ] {
        let shown = format!("{:?}", parse(args));
        assert!(!shown.contains("Jansen"), "{shown}");
        assert!(shown.contains("name: ***"), "{shown}");
    }
}

#[test]
fn store_urls_lose_their_password_and_query_only() {
    let cases = [
        ("postgres://u:pw@h/db", "postgres://u:***@h/db"),
        ("postgres://u@h:5432/db", "postgres://u@h:5432/db"),
        (
            "postgres://h/db?password=pw&sslmode=require",
            "postgres://h/db?…",
        ),
        ("postgresql://u:p@ss@h/db", "postgresql://u:***@h/db"),
        (
            "sqlite:/var/lib/tdip/tdip.db",
            "sqlite:/var/lib/tdip/tdip.db",
        ),
        ("sqlite:", "sqlite:"),
    ];
    for (given, shown) in cases {
        assert_eq!(redact::url(given), shown, "{given}");
    }
}

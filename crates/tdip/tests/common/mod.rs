//! Running the `tdip` binary on a data directory, for the command-line tests.

#![allow(dead_code)]

pub mod pg;

use std::path::Path;
use std::process::{Command, Output};

/// The demand every test lookup carries (through the environment, as an officer's
/// terminal would set it): the officer [`add_officer`] registers, under Sv 126na.
pub const DEMAND: [(&str, &str); 4] = [
    ("TDIP_AGENCY", "nl/politie"),
    ("TDIP_OFFICER", "T-1"),
    ("TDIP_BASIS", "nl/sv-126na"),
    ("TDIP_CASE", "TEST-2026-1"),
];

/// `tdip --data DATA ARGS…`, with the zone left at its default and the test demand set.
pub fn tdip(data: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tdip"))
        .arg("--data")
        .arg(data)
        .args(args)
        .env_remove("TDIP_ZONE")
        .env_remove("TDIP_AUTHORISED_BY")
        .envs(DEMAND)
        .output()
        .unwrap()
}

/// The command that registers the test officer (nl/politie T-1).
pub const ADD_OFFICER: &[&str] = &[
    "officers",
    "add",
    "--agency",
    "nl/politie",
    "--officer",
    "T-1",
    "--name",
    "Test Officer",
];

/// Registers the test officer; works on a sealed point.
pub fn add_officer(data: &Path) {
    ok(data, ADD_OFFICER);
}

/// What a run wrote to standard error.
pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Runs `tdip`, asserts it succeeded, and returns its standard output.
pub fn ok(data: &Path, args: &[&str]) -> String {
    let out = tdip(data, args);
    assert!(out.status.success(), "tdip {args:?}: {}", stderr(&out));
    String::from_utf8(out.stdout).unwrap()
}

/// Registers provider kpn (works on a sealed point: it touches no subscriber data).
pub fn add_kpn(data: &Path) {
    ok(
        data,
        &[
            "providers",
            "add",
            "kpn",
            "--name",
            "KPN B.V.",
            "--country",
            "NL",
        ],
    );
}

/// Writes `rows` generated kpn subscribers (day 0) to `file`.
pub fn gen_kpn(data: &Path, file: &Path, rows: u32) {
    gen_kpn_day(data, file, rows, 0, "0.5");
}

/// Writes day `day` of a `rows`-row kpn population in which `change` percent of the rows
/// change per day.
pub fn gen_kpn_day(data: &Path, file: &Path, rows: u32, day: u32, change: &str) {
    let (rows, day) = (rows.to_string(), day.to_string());
    ok(
        data,
        &[
            "gen",
            "subscribers",
            "--provider",
            "kpn",
            "--rows",
            &rows,
            "--day",
            &day,
            "--change-rate",
            change,
            "--out",
            file.to_str().unwrap(),
        ],
    );
}

/// Delivers `file` as kpn's snapshot at `at`, asserting that it succeeded.
pub fn deliver_kpn(data: &Path, file: &Path, at: &str) -> String {
    ok(
        data,
        &[
            "deliver",
            "--provider",
            "kpn",
            "--snapshot-at",
            at,
            file.to_str().unwrap(),
        ],
    )
}

/// The first phone number of every row of a generated file that has one.
pub fn msisdns(file: &Path) -> Vec<String> {
    let mut reader = csv::Reader::from_path(file).unwrap();
    let col = reader
        .headers()
        .unwrap()
        .iter()
        .position(|h| h == "msisdn")
        .unwrap();
    reader
        .records()
        .map(|r| r.unwrap()[col].split(';').next().unwrap().to_owned())
        .filter(|n| !n.is_empty())
        .collect()
}

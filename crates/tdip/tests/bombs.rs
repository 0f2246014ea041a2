//! Decompression bombs of every shape — no line break, hundreds of millions of line
//! breaks, millions of bad rows, quotes opened and never closed, runs of quotes — are
//! refused with the line and field where they go wrong, and the `tdip` process that reads
//! them stays under 200 MB resident: on the command line (`tdip deliver`) and through the
//! spool (`tdip deliver` to a sealed point, then `tdip spool apply`), the paths the API
//! upload shares.
//!
//! The peak is the kernel's: `getrusage(RUSAGE_CHILDREN)` gives the largest resident set
//! of any child this test binary has waited for, so it can only overstate a child's peak.

mod common;

use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};

use common::{stderr, tdip};
use flate2::Compression;
use flate2::write::GzEncoder;
use nix::sys::resource::{UsageWho, getrusage};

const LIMIT_MB: i64 = 200;
const MIB: usize = 1 << 20;
const HEADER: &str = "subscription_id,service,msisdn,surname,subscription_start\n";
const ROW: &str = "S1,mobile,06-12345678,Jansen,2024-05-01T10:00:00Z\n";
const AT: &str = "2026-11-02T00:00:00Z";

/// A gzip file and where its delivery must be refused.
struct Bomb {
    name: &'static str,
    file: PathBuf,
    line: u64,
    field: &'static str,
    /// Part of the reason.
    reason: &'static str,
    /// Errors counted beyond those listed.
    truncated: u64,
}

/// Writes `head`, then `unit` `times` times, then `tail`, gzip-compressed, to `path`.
fn gzip(path: &Path, head: &str, unit: &[u8], times: usize, tail: &str) {
    let mut gz = GzEncoder::new(File::create(path).unwrap(), Compression::default());
    gz.write_all(head.as_bytes()).unwrap();
    let per_block = (MIB / unit.len()).max(1);
    let block = unit.repeat(per_block);
    let mut left = times;
    while left >= per_block {
        gz.write_all(&block).unwrap();
        left -= per_block;
    }
    gz.write_all(&unit.repeat(left)).unwrap();
    gz.write_all(tail.as_bytes()).unwrap();
    gz.finish().unwrap();
}

fn bombs(dir: &Path) -> Vec<Bomb> {
    let start = format!("{HEADER}{ROW}");
    let path = |name: &str, ext: &str| dir.join(format!("{name}.{ext}.gz"));
    let mut out = Vec::new();
    let mut add = |name, ext, head: &str, unit: &[u8], times, tail, expect| {
        let file = path(name, ext);
        gzip(&file, head, unit, times, tail);
        let (line, field, reason, truncated) = expect;
        out.push(Bomb {
            name,
            file,
            line,
            field,
            reason,
            truncated,
        });
    };
    let lines = 256 * MIB;
    let bad_rows = 2 * MIB;
    add(
        "no_line_break",
        "csv",
        &start,
        b"a",
        256 * MIB,
        "",
        (3, "row", "longer than 4 MiB", 0),
    );
    add(
        "line_breaks",
        "csv",
        &start,
        b"\n",
        lines,
        "S2,mobile\n",
        (3 + lines as u64, "row", "has 2 fields", 0),
    );
    add(
        "bad_rows",
        "csv",
        &start,
        b"x\n",
        bad_rows,
        "",
        (3, "row", "has 1 fields", bad_rows as u64 - 10_000),
    );
    add(
        "unclosed_quote",
        "csv",
        &format!("{start}S2,mobile,\"06"),
        b"a\n",
        128 * MIB,
        "",
        (3, "msisdn", "not closed within 4 MiB", 0),
    );
    add(
        "quote_run_in_a_quoted_field",
        "csv",
        &format!("{start}S2,"),
        b"\"",
        256 * MIB,
        "",
        (3, "service", "not closed within 4 MiB", 0),
    );
    add(
        "quote_run_in_an_unquoted_field",
        "csv",
        &format!("{start}S2,m"),
        b"\"",
        256 * MIB,
        "\n",
        (3, "row", "longer than 4 MiB", 0),
    );
    // Rows just under the row limit, each a list of two million bad phone numbers: ten
    // are reported per row, the rest counted in one more error.
    let list_row = format!(
        "S2,mobile,{}x,Jansen,2024-05-01T10:00:00Z\n",
        "x;".repeat(2 * MIB - 64)
    );
    add(
        "lists_of_bad_items",
        "csv",
        &start,
        list_row.as_bytes(),
        8,
        "",
        (3, "msisdn", "item 1:", 0),
    );
    add(
        "json_no_line_break",
        "jsonl",
        "{\"subscription_id\":\"",
        b"a",
        256 * MIB,
        "",
        (1, "row", "longer than 4 MiB", 0),
    );
    out
}

/// Peak resident set, in MB, of the largest child waited for so far.
fn children_peak_mb() -> i64 {
    getrusage(UsageWho::RUSAGE_CHILDREN).unwrap().max_rss() / 1024
}

fn assert_bounded(bomb: &Bomb, path: &str) {
    let peak = children_peak_mb();
    eprintln!(
        "{} through {path}: largest child peak so far {peak} MB",
        bomb.name
    );
    assert!(peak > 0, "the peak is measured");
    assert!(
        peak < LIMIT_MB,
        "{} through {path}: a child reached {peak} MB resident",
        bomb.name
    );
}

fn add_kpn(data: &Path) {
    let args = [
        "providers",
        "add",
        "kpn",
        "--name",
        "KPN",
        "--country",
        "NL",
    ];
    let out = tdip(data, &args);
    assert!(out.status.success(), "{}", stderr(&out));
}

fn deliver(data: &Path, bomb: &Bomb, json: bool) -> std::process::Output {
    let file = bomb.file.to_str().unwrap();
    let mut args = vec!["deliver", "--provider", "kpn", "--snapshot-at", AT];
    if json {
        args.push("--json");
    }
    args.push(file);
    tdip(data, &args)
}

#[test]
fn bombs_delivered_on_the_command_line_are_refused_where_they_break_within_200_mb() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let init = tdip(&data, &["init", "--dev-key"]);
    assert!(init.status.success(), "{}", stderr(&init));
    add_kpn(&data);
    for bomb in bombs(dir.path()) {
        let out = deliver(&data, &bomb, true);
        assert_eq!(
            out.status.code(),
            Some(1),
            "{}: {}",
            bomb.name,
            stderr(&out)
        );
        let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let first = &report["errors"][0];
        assert_eq!(
            (first["line"].as_u64(), first["field"].as_str()),
            (Some(bomb.line), Some(bomb.field)),
            "{}: {first}",
            bomb.name
        );
        assert!(
            first["reason"].as_str().unwrap().contains(bomb.reason),
            "{}: {first}",
            bomb.name
        );
        assert_eq!(
            report["errors_truncated"].as_u64(),
            Some(bomb.truncated),
            "{}",
            bomb.name
        );
        assert_bounded(&bomb, "tdip deliver");
        std::fs::remove_file(&bomb.file).unwrap();
    }
}

#[test]
fn bombs_taken_into_the_spool_are_refused_where_they_break_when_applied_within_200_mb() {
    let dir = tempfile::tempdir().unwrap();
    let (data, handout) = (dir.path().join("data"), dir.path().join("handout"));
    let handout_arg = handout.to_str().unwrap();
    let init = tdip(
        &data,
        &[
            "init",
            "--custodians",
            "3",
            "--threshold",
            "2",
            "--shares-out",
            handout_arg,
        ],
    );
    assert!(init.status.success(), "{}", stderr(&init));
    add_kpn(&data);
    let mut shares: Vec<PathBuf> = std::fs::read_dir(&handout)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    shares.sort();
    let mut apply = vec!["spool".to_owned(), "apply".to_owned()];
    for share in &shares[..2] {
        apply.extend(["--share".to_owned(), share.to_str().unwrap().to_owned()]);
    }
    let apply: Vec<&str> = apply.iter().map(String::as_str).collect();
    for bomb in bombs(dir.path()) {
        let spooled = deliver(&data, &bomb, false);
        assert!(spooled.status.success(), "{}", stderr(&spooled));
        assert!(String::from_utf8_lossy(&spooled.stdout).contains("SPOOLED"));
        assert_bounded(&bomb, "tdip deliver to a sealed point");

        let applied = tdip(&data, &apply);
        let text = String::from_utf8_lossy(&applied.stdout);
        assert!(
            text.contains("REJECTED"),
            "{}: {text}{}",
            bomb.name,
            stderr(&applied)
        );
        let first = text
            .lines()
            .find_map(|l| {
                let mut words = l.split_whitespace();
                let line = words.next()?.parse::<u64>().ok()?;
                Some((line, words.next()?.to_owned()))
            })
            .unwrap_or_else(|| panic!("{}: no error row in {text}", bomb.name));
        assert_eq!(first, (bomb.line, bomb.field.to_owned()), "{}", bomb.name);
        assert_bounded(&bomb, "tdip spool apply");
        std::fs::remove_file(&bomb.file).unwrap();
    }
}

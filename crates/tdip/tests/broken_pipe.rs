//! Regression tests of issue 14's "`tdip catalogue show | head` panics with a backtrace on
//! the broken pipe": a command whose reader goes away ends quietly with status 0.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

fn tdip() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_tdip"));
    cmd.env_remove("TDIP_ZONE").env("RUST_BACKTRACE", "1");
    cmd
}

/// `tdip catalogue show | head -1`: printed with `println!`. Its output fits in a pipe's
/// buffer, so the reader here is gone before the command writes (the read end is closed
/// first), as `head` would be for a longer output.
#[test]
fn catalogue_show_into_a_closed_pipe_ends_quietly() {
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let out = tdip()
        .args(["catalogue", "show"])
        .stdout(writer)
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(!stderr.contains("Broken pipe"), "{stderr}");
    assert_eq!(out.status.code(), Some(0), "{stderr}");
}

/// `tdip catalogue show` through a pipe whose reader reads one line and goes away.
#[test]
fn catalogue_show_piped_into_head_ends_quietly() {
    let mut child = tdip()
        .args(["catalogue", "show"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    assert!(!first.is_empty());
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(out.status.code(), Some(0), "{stderr}");
}

/// A long output written through a buffered writer (`tdip gen subscribers` to standard
/// output), its reader gone after the first line: the write error travels up as an
/// `io::Error`, and ends the command quietly too, not as "error: … Broken pipe".
#[test]
fn generated_subscribers_piped_into_head_end_quietly() {
    let mut child = tdip()
        .args([
            "gen",
            "subscribers",
            "--provider",
            "kpn",
            "--rows",
            "200000",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    assert!(first.contains("subscription_id"), "{first}");
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(!stderr.to_lowercase().contains("broken pipe"), "{stderr}");
    assert_eq!(out.status.code(), Some(0), "{stderr}");
}

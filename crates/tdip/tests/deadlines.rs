//! Every demand gets a due time: real time for identification data (the policy's target,
//! configurable in `deadlines.toml`), or the term the demand sets; a term that has passed
//! is refused and logged.

use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

mod common;

use common::{add_kpn, add_officer, deliver_kpn, gen_kpn, msisdns, ok, stderr, tdip};

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// Looks up `number` with `extra` flags; the JSON answer.
fn answer(data: &Path, number: &str, extra: &[&str]) -> serde_json::Value {
    let mut args = vec!["lookup", "--msisdn", number, "--json"];
    args.extend_from_slice(extra);
    let out = tdip(data, &args);
    assert!(out.status.success(), "{}", stderr(&out));
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn demands_are_due_in_real_time_or_at_their_own_term() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let file = dir.path().join("kpn.csv");
    ok(&data, &["init", "--dev-key"]);
    add_officer(&data);
    add_kpn(&data);
    gen_kpn(&data, &file, 10);
    deliver_kpn(&data, &file, "2026-11-02T00:00:00Z");
    let number = msisdns(&file).swap_remove(0);

    // The shipped policy: real time is one minute from receipt.
    let before = now();
    let a = answer(&data, &number, &[]);
    let after = now();
    let due = a["due"].as_i64().unwrap();
    assert!((before + 60..=after + 60).contains(&due), "{a}");
    assert_eq!(a["due_rule"], "real-time");

    // The demand's own term replaces it, and is shown in legal local time.
    let a = answer(&data, &number, &["--term", "2099-01-15 12:00:00"]);
    assert_eq!(a["due_rule"], "set-by-demand");
    assert_eq!(a["due"], 4_072_158_000_i64, "2099-01-15 11:00:00 UTC");
    let text = ok(
        &data,
        &[
            "lookup",
            "--msisdn",
            &number,
            "--term",
            "2099-01-15 12:00:00",
        ],
    );
    assert!(
        text.contains("due 2099-01-15 12:00:00 CET (+01:00) (set-by-demand)"),
        "{text}"
    );

    // A term already past is refused, with both moments, and the refusal is logged.
    let with_term = |term: &str| tdip(&data, &["lookup", "--msisdn", &number, "--term", term]);
    let out = with_term("2026-01-15 12:00:00");
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("the term the demand sets, 2026-01-15 12:00:00 CET (+01:00), is not after"),
        "{err}"
    );
    let log = ok(&data, &["audit", "log", "--json", "--limit", "1000"]);
    let codes: Vec<String> = log
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .filter(|e| e["kind"] == "refusal")
        .map(|e| e["body"]["code"].as_str().unwrap_or_default().to_owned())
        .collect();
    assert_eq!(codes, ["bad-term"], "{log}");

    // A term in a DST gap is not guessed.
    let out = with_term("2027-03-28 02:30:00");
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(
        err.contains("--term") && err.contains("give a time outside the gap"),
        "{err}"
    );

    // The point's own policy: a five-second target.
    std::fs::write(
        data.join("deadlines.toml"),
        "real_time_seconds = 5\nrecent_days = 30\nretrospective_hours = 24\n",
    )
    .unwrap();
    let before = now();
    let a = answer(&data, &number, &[]);
    let due = a["due"].as_i64().unwrap();
    assert!((before + 5..=now() + 5).contains(&due), "{a}");

    // An invalid one stops the lookup and names the file and the problem.
    std::fs::write(
        data.join("deadlines.toml"),
        "real_time_seconds = 0\nrecent_days = 30\nretrospective_hours = 24\n",
    )
    .unwrap();
    let out = tdip(&data, &["lookup", "--msisdn", &number]);
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(
        err.contains("deadlines.toml") && err.contains("real_time_seconds must be at least 1"),
        "{err}"
    );

    // The log keeps when each answer was due and how long it took: the statistics read it.
    let report: serde_json::Value =
        serde_json::from_str(&ok(&data, &["audit", "deadlines", "--json"])).unwrap();
    let rule = |name: &str| {
        report["rules"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["rule"] == name)
            .cloned()
            .unwrap_or_else(|| panic!("no {name} in {report}"))
    };
    assert_eq!(rule("real-time")["answered"], 2, "{report}");
    assert_eq!(rule("set-by-demand")["answered"], 2, "{report}");
    assert_eq!(report["late"], serde_json::json!([]), "{report}");
    let text = ok(&data, &["audit", "deadlines"]);
    assert!(text.contains("no demand was answered late"), "{text}");
}

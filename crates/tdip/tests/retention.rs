//! Retention through the command line: `tdip retention run --yes` killed with SIGKILL at
//! random points of its run, then run again, finishes every step (each begun step done,
//! none left half-done), touches nothing that is not due, and leaves an audit log and a
//! store that verify; `plan` and `report` say what went and what is due next.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

mod common;

use common::{add_kpn, ok};

/// Days of CGNAT records long past their term (2024-12-01 and 299 days on), and six
/// recent days that are not due.
fn batch(dir: &Path) -> std::path::PathBuf {
    let mut csv = String::from("public_ip,first_port,last_port,private_ip,user_id,start,end\n");
    let mut day = jiff::civil::date(2024, 12, 1);
    for _ in 0..300 {
        csv.push_str(&format!(
            "198.51.100.7,40000,40511,,u-jansen,{day}T10:00:00Z,{day}T11:00:00Z\n"
        ));
        day = day.tomorrow().unwrap();
    }
    for d in 25..=30 {
        csv.push_str(&format!(
            "198.51.100.7,40000,40511,,u-jansen,2026-11-{d}T10:00:00Z,2026-11-{d}T11:00:00Z\n"
        ));
    }
    let path = dir.join("cgnat.csv");
    std::fs::write(&path, csv).unwrap();
    path
}

fn json(data: &Path, args: &[&str]) -> serde_json::Value {
    serde_json::from_str(&ok(data, args)).unwrap()
}

/// Traffic days the report shows done, and steps begun and not done.
fn progress(data: &Path) -> (usize, usize) {
    let report = json(data, &["retention", "report", "--json"]);
    let list = report["destroyed"].as_array().unwrap();
    let days = list
        .iter()
        .filter(|d| d["what"] == "traffic-day" && d["done"] == true)
        .count();
    let open = list.iter().filter(|d| d["done"] == false).count();
    (days, open)
}

#[test]
fn a_run_killed_at_random_points_is_finished_by_the_next_and_touches_nothing_not_due() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    ok(&data, &["init", "--dev-key"]);
    add_kpn(&data);
    let file = batch(dir.path());
    let out = json(
        &data,
        &[
            "traffic",
            "deliver",
            "--provider",
            "kpn",
            "--kind",
            "cgnat",
            "--json",
            file.to_str().unwrap(),
        ],
    );
    assert_eq!(out["batch"], "accepted", "{out}");
    let plan = json(&data, &["retention", "plan", "--json"]);
    assert_eq!(plan["due"].as_array().unwrap().len(), 300 + 10, "{plan}");

    // Kill runs at pseudo-random moments (a fixed sequence: the same test every time).
    let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
    let mut interrupted = 0;
    for _ in 0..6 {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let after = Duration::from_millis(150 + seed % 900);
        let mut child = Command::new(env!("CARGO_BIN_EXE_tdip"))
            .arg("--data")
            .arg(&data)
            .args(["retention", "run", "--yes"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let started = Instant::now();
        while started.elapsed() < after {
            if child.try_wait().unwrap().is_some() {
                break;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        let running = child.try_wait().unwrap().is_none();
        child.kill().unwrap();
        child.wait().unwrap();
        let (days, _) = progress(&data);
        if running && days < 300 {
            interrupted += 1;
        }
        if days == 300 {
            break;
        }
    }
    assert!(
        interrupted > 0,
        "no kill landed inside a run: make the run longer"
    );

    let out = ok(&data, &["retention", "run", "--yes"]);
    assert!(!out.contains("BEGUN"), "{out}");
    let (days, open) = progress(&data);
    assert_eq!(
        (days, open),
        (300, 0),
        "every due day done, no step left half-done"
    );
    let plan = json(&data, &["retention", "plan", "--json"]);
    assert_eq!(plan["due"], serde_json::json!([]), "{plan}");
    // The six recent days are untouched, each due a year on.
    let later: Vec<&str> = plan["later"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["class"] == "traffic-day")
        .map(|s| s["period"].as_str().unwrap())
        .collect();
    assert_eq!(
        later,
        [
            "2026-11-25",
            "2026-11-26",
            "2026-11-27",
            "2026-11-28",
            "2026-11-29",
            "2026-11-30"
        ]
    );
    ok(&data, &["audit", "verify"]);
    let check = ok(&data, &["audit", "verify", "--check-store"]);
    assert!(!check.contains("differs"), "{check}");
    // The supervisor's report names the rule and the period of each destruction.
    let report = ok(&data, &["retention", "report"]);
    assert!(report.contains("traffic-day 2024-12-01"), "{report}");
    assert!(report.contains("12 months"), "{report}");
}

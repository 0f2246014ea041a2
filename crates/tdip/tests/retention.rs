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
fn progress(data: &Path, store: &str) -> (usize, usize) {
    let report: serde_json::Value =
        serde_json::from_str(&on(data, store, &["retention", "report", "--json"])).unwrap();
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
    killed_runs_are_finished("sqlite:");
}

#[test]
fn on_postgresql_a_run_killed_at_random_points_is_finished_by_the_next() {
    let db = common::pg::TempDb::new("retention_kill");
    killed_runs_are_finished(&db.url());
}

/// `tdip --store STORE ARGS…` succeeds; its standard output.
fn on(data: &Path, store: &str, args: &[&str]) -> String {
    let mut all = vec!["--store", store];
    all.extend_from_slice(args);
    ok(data, &all)
}

fn killed_runs_are_finished(store: &str) {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    on(&data, store, &["init", "--dev-key"]);
    on(
        &data,
        store,
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
    let file = batch(dir.path());
    let json = |args: &[&str]| -> serde_json::Value {
        serde_json::from_str(&on(&data, store, args)).unwrap()
    };
    let out = json(&[
        "traffic",
        "deliver",
        "--provider",
        "kpn",
        "--kind",
        "cgnat",
        "--json",
        file.to_str().unwrap(),
    ]);
    assert_eq!(out["batch"], "accepted", "{out}");
    let plan = json(&["retention", "plan", "--json"]);
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
            .args(["--store", store, "retention", "run", "--yes"])
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
        let (days, _) = progress(&data, store);
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

    let out = on(&data, store, &["retention", "run", "--yes"]);
    assert!(!out.contains("BEGUN"), "{out}");
    let (days, open) = progress(&data, store);
    assert_eq!(
        (days, open),
        (300, 0),
        "every due day done, no step left half-done"
    );
    let plan = json(&["retention", "plan", "--json"]);
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
    on(&data, store, &["audit", "verify"]);
    let check = on(&data, store, &["audit", "verify", "--check-store"]);
    assert!(!check.contains("differs"), "{check}");
    // The supervisor's report names the rule and the period of each destruction.
    let report = on(&data, store, &["retention", "report"]);
    assert!(report.contains("traffic-day 2024-12-01"), "{report}");
    assert!(report.contains("12 months"), "{report}");
}

#[test]
fn a_preservation_order_holds_a_period_until_lifted_and_every_change_is_checked_and_logged() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    ok(&data, &["init", "--dev-key"]);
    add_kpn(&data);
    let file = dir.path().join("old.csv");
    std::fs::write(
        &file,
        "public_ip,first_port,last_port,private_ip,user_id,start,end\n\
         198.51.100.7,40000,40511,,u-jansen,2025-01-05T10:00:00Z,2025-01-05T11:00:00Z\n",
    )
    .unwrap();
    ok(
        &data,
        &[
            "traffic",
            "deliver",
            "--provider",
            "kpn",
            "--kind",
            "cgnat",
            file.to_str().unwrap(),
        ],
    );
    let order = |until: &str| {
        common::tdip(
            &data,
            &[
                "retention",
                "preserve",
                "--provider",
                "kpn",
                "--class",
                "traffic",
                "--from",
                "2025-01-05 00:00:00",
                "--to",
                "2025-01-05 23:59:59",
                "--until",
                until,
                "--case",
                "PV-2026-77",
                "--basis",
                "be/sv-39bis",
                "--reason",
                "order of the investigating judge",
            ],
        )
    };
    // An end inside the spring DST gap is refused, saying so; one that has passed too.
    let gap = order("2027-03-28 02:30:00");
    assert!(!gap.status.success());
    assert!(
        common::stderr(&gap).contains("daylight-saving gap"),
        "{}",
        common::stderr(&gap)
    );
    let past = order("2026-01-01 00:00:00");
    assert!(
        common::stderr(&past).contains("--until has passed"),
        "{}",
        common::stderr(&past)
    );
    let placed = order("2027-06-01 12:00:00");
    assert!(placed.status.success(), "{}", common::stderr(&placed));
    let id = String::from_utf8(placed.stdout).unwrap().trim().to_owned();
    assert!(id.starts_with("P-"), "{id}");

    let plan = ok(&data, &["retention", "plan"]);
    assert!(
        plan.contains(&format!("HELD by {id}: traffic-day 2025-01-05")),
        "{plan}"
    );
    let run = ok(&data, &["retention", "run", "--yes"]);
    assert!(run.contains(&format!("held by {id}")), "{run}");
    let plan = json(&data, &["retention", "plan", "--json"]);
    assert_eq!(
        plan["held"].as_array().unwrap().len(),
        2,
        "the day and its month's keys"
    );

    // Shortening is refused (an order ends by being lifted); extending and lifting are logged.
    let shorter = common::tdip(
        &data,
        &[
            "retention",
            "extend",
            "--id",
            &id,
            "--until",
            "2027-01-01 00:00:00",
            "--reason",
            "x",
        ],
    );
    assert!(
        common::stderr(&shorter).contains("must be later"),
        "{}",
        common::stderr(&shorter)
    );
    ok(
        &data,
        &[
            "retention",
            "extend",
            "--id",
            &id,
            "--until",
            "2027-12-01 00:00:00",
            "--reason",
            "extended by the judge",
        ],
    );
    ok(
        &data,
        &["retention", "lift", "--id", &id, "--reason", "case closed"],
    );
    let orders = json(&data, &["retention", "orders", "--json"]);
    assert_eq!(orders[0]["in_force"], false, "{orders}");
    let again = common::tdip(
        &data,
        &["retention", "lift", "--id", &id, "--reason", "again"],
    );
    assert!(
        common::stderr(&again).contains("no longer in force"),
        "{}",
        common::stderr(&again)
    );
    let log = ok(&data, &["audit", "log", "--json", "--limit", "1000"]);
    for action in ["placed", "extended", "lifted"] {
        assert!(
            log.contains(&format!("\"action\":\"{action}\"")),
            "{action}: {log}"
        );
    }

    let run = ok(&data, &["retention", "run", "--yes"]);
    assert!(run.contains("destroyed: traffic-day 2025-01-05"), "{run}");
    let report = json(&data, &["retention", "report", "--json"]);
    assert_eq!(report["plan"]["held"], serde_json::json!([]), "{report}");
    ok(&data, &["audit", "verify"]);
}

//! Regression tests for deliveries that must not take a point hostage: a spooled entry
//! that kills the point while it is applied is set aside after three tries and the
//! others go on; a snapshot moment in the future is refused; a delivery that closes most
//! of a provider's subscriptions needs an explicit, logged yes.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{add_kpn, deliver_kpn, gen_kpn, gen_kpn_day, ok, stderr, tdip};

/// The audit log's entries as JSON lines of text, to search.
fn audit_log(data: &Path) -> String {
    ok(data, &["audit", "log", "--json", "--limit", "1000"])
}

/// A 2-of-3 custodian point with kpn registered; the share files.
fn sealed_point(data: &Path, out: &Path) -> Vec<String> {
    ok(
        data,
        &[
            "init",
            "--custodians",
            "3",
            "--threshold",
            "2",
            "--shares-out",
            out.to_str().unwrap(),
        ],
    );
    add_kpn(data);
    let mut files: Vec<PathBuf> = std::fs::read_dir(out)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    files[..2]
        .iter()
        .flat_map(|f| ["--share".to_owned(), f.to_str().unwrap().to_owned()])
        .collect()
}

fn spool_files(data: &Path, ext: &str) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(data.join("spool"))
        .map(|d| d.map(|e| e.unwrap().path()).collect())
        .unwrap_or_default();
    files.retain(|p| p.extension().is_some_and(|e| e == ext));
    files.sort();
    files
}

/// Starts `tdip spool apply` with `shares` and kills it (SIGKILL) as soon as it has begun
/// applying the first entry, as a crash or the kernel's out-of-memory killer would.
fn kill_while_applying(data: &Path, shares: &[String]) {
    let before = attempts(data);
    let mut child = Command::new(env!("CARGO_BIN_EXE_tdip"))
        .arg("--data")
        .arg(data)
        .args(["spool", "apply"])
        .args(shares)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while attempts(data) == before {
        assert!(
            child.try_wait().unwrap().is_none(),
            "spool apply ended before it began applying"
        );
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "spool apply never began"
        );
        std::thread::sleep(Duration::from_millis(1));
    }
    child.kill().unwrap();
    child.wait().unwrap();
}

/// The first entry's count of started applications.
fn attempts(data: &Path) -> u32 {
    spool_files(data, "attempts")
        .first()
        .map(|p| std::fs::read_to_string(p).unwrap().trim().parse().unwrap())
        .unwrap_or(0)
}

#[test]
fn a_spooled_delivery_that_kills_the_point_is_set_aside_and_no_longer_blocks_the_others() {
    let dir = tempfile::tempdir().unwrap();
    let (data, out) = (dir.path().join("point"), dir.path().join("shares"));
    let shares = sealed_point(&data, &out);
    // Large enough that applying it takes far longer than noticing that it began.
    let (day0, day1) = (dir.path().join("day0.csv"), dir.path().join("day1.csv"));
    gen_kpn(&data, &day0, 30_000);
    gen_kpn_day(&data, &day1, 200, 1, "0.5");
    for (file, at) in [
        (&day0, "2026-11-01T23:00:00Z"),
        (&day1, "2026-11-02T23:00:00Z"),
    ] {
        let spooled = ok(
            &data,
            &[
                "deliver",
                "--provider",
                "kpn",
                "--snapshot-at",
                at,
                file.to_str().unwrap(),
            ],
        );
        assert!(spooled.contains("SPOOLED"), "{spooled}");
    }
    let first = spool_files(&data, "meta")[0].clone();
    let name = first.file_stem().unwrap().to_str().unwrap().to_owned();

    for tries in 1..=3 {
        kill_while_applying(&data, &shares);
        assert_eq!(attempts(&data), tries);
        assert!(first.exists(), "a killed application keeps the entry");
    }

    let mut args = vec!["spool", "apply"];
    args.extend(shares.iter().map(String::as_str));
    let applied = tdip(&data, &args);
    let text = String::from_utf8_lossy(&applied.stdout);
    assert_eq!(applied.status.code(), Some(1), "{text}{}", stderr(&applied));
    assert!(text.contains("SET ASIDE"), "{text}");
    assert!(
        text.contains("started 3 times and never finished"),
        "{text}"
    );
    assert!(
        text.contains("of kpn ACCEPTED: 200 rows"),
        "the next entry went on: {text}"
    );

    // Listed with its reason, never tried again, recorded as rejected.
    let list = ok(&data, &["spool", "list"]);
    assert!(list.contains(&name) && list.contains("SET ASIDE"), "{list}");
    let again = tdip(&data, &args);
    assert!(again.status.success(), "{}", stderr(&again));
    assert!(stderr(&again).contains("0 spooled deliveries applied"));
    let log = ok(&data, &["deliveries", "--json"]);
    let log: serde_json::Value = serde_json::from_str(&log).unwrap();
    let outcomes: Vec<&str> = log["deliveries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["outcome"].as_str().unwrap())
        .collect();
    assert!(
        outcomes.contains(&"rejected") && outcomes.contains(&"accepted"),
        "{outcomes:?}"
    );
    let audit = audit_log(&data);
    assert!(audit.contains("spool-entry-set-aside"), "{audit}");

    // A waiting entry cannot be discarded; the set-aside one can, and that is logged.
    let unknown = tdip(&data, &["spool", "discard", "no-such-entry"]);
    assert!(!unknown.status.success());
    ok(&data, &["spool", "discard", &name]);
    assert!(spool_files(&data, "meta").is_empty());
    assert!(
        spool_files(&data, "age").is_empty(),
        "the encrypted file went too"
    );
    assert!(audit_log(&data).contains("spool-entry-discarded"));
}

#[test]
fn a_waiting_spool_entry_cannot_be_discarded() {
    let dir = tempfile::tempdir().unwrap();
    let (data, out) = (dir.path().join("point"), dir.path().join("shares"));
    sealed_point(&data, &out);
    let day0 = dir.path().join("day0.csv");
    gen_kpn(&data, &day0, 20);
    ok(
        &data,
        &[
            "deliver",
            "--provider",
            "kpn",
            "--snapshot-at",
            "2026-11-01T23:00:00Z",
            day0.to_str().unwrap(),
        ],
    );
    let meta = spool_files(&data, "meta");
    let name = meta[0].file_stem().unwrap().to_str().unwrap();
    let refused = tdip(&data, &["spool", "discard", name]);
    assert!(!refused.status.success());
    assert!(
        stderr(&refused).contains("waiting to be applied"),
        "{}",
        stderr(&refused)
    );
    assert!(meta[0].exists());
    assert!(!audit_log(&data).contains("spool-entry-discarded"));
}

fn dev_point(data: &Path) {
    ok(data, &["init", "--dev-key"]);
    add_kpn(data);
}

#[test]
fn a_snapshot_moment_in_the_future_is_refused_and_honest_deliveries_go_on() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("point");
    dev_point(&data);
    let (day0, day1) = (dir.path().join("day0.csv"), dir.path().join("day1.csv"));
    gen_kpn(&data, &day0, 50);
    gen_kpn_day(&data, &day1, 50, 1, "0.5");
    deliver_kpn(&data, &day0, "2026-11-01T23:00:00Z");
    let future = tdip(
        &data,
        &[
            "deliver",
            "--provider",
            "kpn",
            "--snapshot-at",
            "2062-11-02T23:00:00Z",
            "--json",
            day1.to_str().unwrap(),
        ],
    );
    assert_eq!(future.status.code(), Some(1));
    let report: serde_json::Value = serde_json::from_slice(&future.stdout).unwrap();
    assert_eq!(report["delivery"], "rejected");
    let e = &report["errors"][0];
    assert_eq!(
        (e["line"].as_u64(), e["field"].as_str()),
        (Some(0), Some("snapshot_at"))
    );
    assert!(
        e["reason"]
            .as_str()
            .unwrap()
            .contains("after the moment the point received")
    );
    // The future moment was not taken as the provider's latest: today's delivery goes in.
    let now = jiff::Timestamp::now().to_string();
    let accepted = deliver_kpn(&data, &day1, &now);
    assert!(accepted.contains("ACCEPTED"), "{accepted}");

    // A sealed point refuses it before spooling anything.
    let sealed = dir.path().join("sealed");
    sealed_point(&sealed, &dir.path().join("shares"));
    let spooled = tdip(
        &sealed,
        &[
            "deliver",
            "--provider",
            "kpn",
            "--snapshot-at",
            "2062-11-02T23:00:00Z",
            day1.to_str().unwrap(),
        ],
    );
    assert!(!spooled.status.success());
    assert!(
        stderr(&spooled).contains("after the moment the point received"),
        "{}",
        stderr(&spooled)
    );
    assert!(spool_files(&sealed, "meta").is_empty());
}

#[test]
fn a_header_only_file_closes_nothing_without_allow_mass_close_and_the_yes_is_logged() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("point");
    dev_point(&data);
    let day0 = dir.path().join("day0.csv");
    gen_kpn(&data, &day0, 200);
    deliver_kpn(&data, &day0, "2026-11-01T23:00:00Z");
    let header = std::fs::read_to_string(&day0).unwrap();
    let empty = dir.path().join("empty.csv");
    std::fs::write(&empty, format!("{}\n", header.lines().next().unwrap())).unwrap();
    let mut args = vec![
        "deliver",
        "--provider",
        "kpn",
        "--snapshot-at",
        "2026-11-02T23:00:00Z",
        "--json",
        empty.to_str().unwrap(),
    ];
    let refused = tdip(&data, &args);
    assert_eq!(refused.status.code(), Some(1));
    let report: serde_json::Value = serde_json::from_slice(&refused.stdout).unwrap();
    assert_eq!(report["delivery"], "rejected");
    let reason = report["errors"][0]["reason"].as_str().unwrap();
    assert!(
        reason.contains("would close 200 of the provider's 200"),
        "{reason}"
    );
    assert!(reason.contains("--allow-mass-close"), "{reason}");
    assert!(!audit_log(&data).contains("mass-close-allowed"));

    args.insert(1, "--allow-mass-close");
    let allowed = tdip(&data, &args);
    assert!(allowed.status.success(), "{}", stderr(&allowed));
    let report: serde_json::Value = serde_json::from_slice(&allowed.stdout).unwrap();
    assert_eq!(
        (report["closed"].as_u64(), report["mass_close"].as_bool()),
        (Some(200), Some(true))
    );
    let audit = audit_log(&data);
    assert!(audit.contains("mass-close-allowed"), "{audit}");
    assert!(
        audit.contains("allowed to close 200 subscriptions"),
        "{audit}"
    );
}

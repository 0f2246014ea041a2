//! The `tdip` binary end to end: init, providers, gen, deliver, deliveries, lookup, and a
//! delivery killed half-way with SIGKILL.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

mod common;

struct Dir(tempfile::TempDir);

impl Dir {
    fn new() -> Dir {
        let d = Dir(tempfile::tempdir().unwrap());
        d.ok(&["init", "--dev-key"]);
        common::add_officer(&d.data());
        d
    }

    /// A data directory with provider kpn registered.
    fn with_kpn() -> Dir {
        let d = Dir::new();
        d.ok(&[
            "providers",
            "add",
            "kpn",
            "--name",
            "KPN B.V.",
            "--country",
            "NL",
        ]);
        d
    }

    fn data(&self) -> PathBuf {
        self.0.path().join("data")
    }

    fn cmd(&self, args: &[&str]) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_tdip"));
        c.arg("--data")
            .arg(self.data())
            .args(args)
            .env_remove("TDIP_ZONE")
            .env_remove("TDIP_AUTHORISED_BY")
            .envs(common::DEMAND);
        c
    }

    fn run(&self, args: &[&str]) -> Output {
        self.cmd(args).output().unwrap()
    }

    fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "tdip {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    fn file(&self, name: &str) -> PathBuf {
        self.0.path().join(name)
    }

    fn generate(&self, provider: &str, rows: u64, day: u32, seed: u64, name: &str) -> PathBuf {
        let path = self.file(name);
        let (rows, day, seed) = (rows.to_string(), day.to_string(), seed.to_string());
        let out = path.to_str().unwrap();
        self.ok(&[
            "gen",
            "subscribers",
            "--provider",
            provider,
            "--rows",
            &rows,
            "--day",
            &day,
            "--seed",
            &seed,
            "--out",
            out,
        ]);
        path
    }

    fn deliver(&self, provider: &str, file: &Path, at: &str) -> serde_json::Value {
        let out = self.run(&[
            "deliver",
            "--provider",
            provider,
            "--snapshot-at",
            at,
            "--json",
            file.to_str().unwrap(),
        ]);
        serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|_| panic!("{}", String::from_utf8_lossy(&out.stderr)))
    }
}

/// The first row of a generated file, as column name → value.
fn first_row(path: &Path) -> std::collections::HashMap<String, String> {
    let file = std::fs::File::open(path).unwrap();
    let mut reader = csv::Reader::from_reader(flate2::read::MultiGzDecoder::new(file));
    let header = reader.headers().unwrap().clone();
    let rec = reader
        .records()
        .find(|r| {
            !r.as_ref().unwrap()[header.iter().position(|h| h == "msisdn").unwrap()].is_empty()
        })
        .unwrap()
        .unwrap();
    header
        .iter()
        .zip(rec.iter())
        .map(|(h, v)| (h.to_owned(), v.to_owned()))
        .collect()
}

#[test]
fn deliver_then_look_up_through_the_command_line() {
    let d = Dir::with_kpn();
    let refused = d.run(&[
        "providers",
        "add",
        "kpn",
        "--name",
        "again",
        "--country",
        "NL",
    ]);
    assert!(String::from_utf8_lossy(&refused.stderr).contains("already registered"));
    assert!(
        d.run(&["migrate"]).status.success(),
        "migrate on an up-to-date store"
    );
    let again = d.run(&["init", "--dev-key"]);
    assert!(
        !again.status.success(),
        "a second init must not overwrite the key file"
    );

    let day0 = d.generate("kpn", 2000, 0, 7, "kpn0.csv.gz");
    let r = d.deliver("kpn", &day0, "2026-11-02 00:00:00");
    assert_eq!(r["delivery"], "accepted", "{r}");
    assert_eq!(r["opened"], 2000);

    let row = first_row(&day0);
    let msisdn = row["msisdn"].split(';').next().unwrap();
    let out = d.ok(&[
        "lookup",
        "--msisdn",
        msisdn,
        "--at",
        "2026-11-02 00:00:00",
        "--json",
    ]);
    let answer: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(answer["hits"].as_array().unwrap().len(), 1, "{answer}");
    assert_eq!(
        answer["hits"][0]["subscription"]["subscription_id"],
        row["subscription_id"].as_str()
    );
    assert_eq!(answer["hits"][0]["basis"]["kind"], "observed");
    let text = d.ok(&["lookup", "--msisdn", msisdn, "--at", "2026-11-02 00:00:00"]);
    assert!(
        text.contains("1 HIT")
            && text.contains("observed in the deliveries of 2026-11-02 00:00:00 CET (+01:00)"),
        "{text}"
    );
    let none = d.ok(&[
        "lookup",
        "--msisdn",
        "+31699999999",
        "--at",
        "2026-11-02 00:00:00",
    ]);
    assert!(none.contains("\nNO HIT"), "{none}");

    let gap = d.run(&["lookup", "--msisdn", msisdn, "--at", "2026-03-29 02:30:00"]);
    let err = String::from_utf8_lossy(&gap.stderr);
    assert!(
        !gap.status.success() && err.contains("daylight-saving gap of Europe/Amsterdam"),
        "{err}"
    );
    let fold = d.run(&[
        "lookup",
        "--msisdn",
        msisdn,
        "--at",
        "2026-10-25 02:30:00",
        "--zone",
        "Europe/Brussels",
    ]);
    assert!(String::from_utf8_lossy(&fold.stderr).contains("occurs twice"));

    let bad = d.file("bad.csv");
    std::fs::write(&bad, "subscription_id,service,imei,surname,subscription_start\nX1,mobile,490154203237519,Jansen,2024-01-01\n").unwrap();
    let report = d.file("report.json");
    let out = d.run(&[
        "deliver",
        "--provider",
        "kpn",
        "--snapshot-at",
        "2026-11-03T00:00:00+01:00",
        "--report",
        report.to_str().unwrap(),
        bad.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("REJECTED")
            && stdout.contains("imei")
            && !stdout.contains("490154203237519"),
        "{stdout}"
    );
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&report).unwrap()).unwrap();
    assert_eq!(report["errors"][0]["line"], 2);

    let log: serde_json::Value = serde_json::from_str(&d.ok(&["deliveries", "--json"])).unwrap();
    let outcomes: Vec<_> = log["deliveries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["outcome"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(outcomes, ["rejected", "accepted"]);
    // Lateness is judged on when the point received the last accepted delivery: just now.
    assert_eq!(log["providers"][0]["late"], false, "{log}");
    assert_eq!(log["providers"][0]["accepted"], 1, "{log}");
}

#[test]
fn a_delivery_killed_half_way_leaves_the_previous_state_and_can_be_repeated() {
    let d = Dir::with_kpn();
    let day0 = d.generate("kpn", 5000, 0, 1, "day0.csv.gz");
    assert_eq!(
        d.deliver("kpn", &day0, "2026-11-02T00:00:00Z")["delivery"],
        "accepted"
    );
    // Another seed: every row of the same subscription ids has other content, so the whole
    // file takes the slow path and the delivery runs long enough to be killed in the middle.
    let big = d.generate("kpn", 100_000, 0, 2, "big.csv");
    let wal = d.data().join("tdip.db-wal");
    let wal_before = std::fs::metadata(&wal).map(|m| m.len()).unwrap_or(0);
    let mut child = d
        .cmd(&[
            "deliver",
            "--provider",
            "kpn",
            "--snapshot-at",
            "2026-11-03T00:00:00Z",
            big.to_str().unwrap(),
        ])
        .spawn()
        .unwrap();
    let started = Instant::now();
    loop {
        let wal_now = std::fs::metadata(&wal).map(|m| m.len()).unwrap_or(0);
        if wal_now > wal_before + (4 << 20) {
            break;
        }
        assert!(
            child.try_wait().unwrap().is_none(),
            "the delivery finished before it could be killed; make the file bigger"
        );
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "the delivery never started writing"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    child.kill().unwrap();
    let status = child.wait().unwrap();
    assert!(!status.success(), "the child was killed, not finished");

    let log: serde_json::Value = serde_json::from_str(&d.ok(&["deliveries", "--json"])).unwrap();
    assert_eq!(
        log["deliveries"].as_array().unwrap().len(),
        1,
        "only the first delivery is in the log: {log}"
    );
    let row = first_row(&day0);
    let msisdn = row["msisdn"].split(';').next().unwrap();
    let answer: serde_json::Value = serde_json::from_str(&d.ok(&[
        "lookup",
        "--msisdn",
        msisdn,
        "--at",
        "2026-11-02 12:00:00",
        "--json",
    ]))
    .unwrap();
    assert_eq!(
        answer["hits"][0]["subscription"]["subscription_id"],
        row["subscription_id"].as_str()
    );
    assert_eq!(
        answer["hits"][0]["valid_to"],
        serde_json::Value::Null,
        "the killed delivery closed nothing"
    );

    let r = d.deliver("kpn", &big, "2026-11-03T00:00:00Z");
    assert_eq!(r["delivery"], "accepted", "{r}");
    assert_eq!(r["rows"], 100_000);
}

/// The README's first command: the demo runs end to end and shows each kind of answer.
#[test]
fn the_demo_runs_and_shows_every_kind_of_answer() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_tdip"))
        .args([
            "--data",
            dir.path().to_str().unwrap(),
            "demo",
            "--rows",
            "600",
            "--no-serve",
        ])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for expected in [
        "600 opened",
        "observed in the delivery of",
        "UNCERTAIN: shown in the delivery of",
        "INFERRED from the subscription start date",
        "NO HIT",
        "refused: lies in the daylight-saving gap of Europe/Amsterdam",
        "REFUSED: nl/politie may not consult under nl/wiv-56",
        "were assigned to user",
        "(provider kpn, batch kpn-cgnat-day1)",
        "REFUSED: nl/sv-126na does not permit traffic_identification data",
    ] {
        assert!(
            text.contains(expected),
            "the demo output lacks {expected:?}:\n{text}"
        );
    }
    assert_eq!(text.matches("HIT for this ip").count(), 1, "{text}");
    // Every lookup the demo made, and its refusal, is in a log that verifies.
    let demo = std::fs::read_dir(dir.path())
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let log = Command::new(env!("CARGO_BIN_EXE_tdip"))
        .args(["--data", demo.to_str().unwrap(), "audit", "log", "--json"])
        .output()
        .unwrap();
    let log = String::from_utf8_lossy(&log.stdout);
    // The DST example asks nothing; the traffic part asks twice (answered, refused).
    let lookups = text.matches("── lookup ").count() - 1 + 2;
    assert_eq!(
        log.matches("\"kind\":\"request\"").count(),
        lookups + 1,
        "{log}"
    );
    assert_eq!(log.matches("\"kind\":\"refusal\"").count(), 2, "{log}");
    assert_eq!(log.matches("officer-added").count(), 1, "{log}");
    let verify = Command::new(env!("CARGO_BIN_EXE_tdip"))
        .args(["--data", demo.to_str().unwrap(), "audit", "verify"])
        .output()
        .unwrap();
    assert!(
        verify.status.success(),
        "{}",
        String::from_utf8_lossy(&verify.stderr)
    );
}

/// `tdip ARGS… --help`, as a newcomer reads it.
fn help(args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_tdip"))
        .args(args)
        .arg("--help")
        .output()
        .unwrap();
    assert!(out.status.success(), "{args:?} --help");
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn each_command_s_help_lists_only_the_options_it_takes() {
    let gen_help = help(&["gen", "subscribers"]);
    for foreign in [
        "--server",
        "--token",
        "--share",
        "--identity",
        "--witness-dir",
    ] {
        assert!(!gen_help.contains(foreign), "{foreign} in:\n{gen_help}");
    }
    assert!(gen_help.contains("--provider"), "{gen_help}");
    let lookup_help = help(&["lookup"]);
    for own in [
        "--share",
        "--server",
        "--token",
        "--witness-dir",
        "--msisdn",
    ] {
        assert!(lookup_help.contains(own), "{own} not in:\n{lookup_help}");
    }
    // The options every command reads are in every command's help.
    for global in ["--data", "--store", "--zone"] {
        assert!(gen_help.contains(global) && lookup_help.contains(global));
    }
}

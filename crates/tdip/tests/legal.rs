//! Lookups on the command line as officers make them: a national number read in the
//! asking agency's country and the identifier searched stated; every demand refused,
//! whatever was wrong with it, logged with a consultation reference; `--json` refusals
//! in the API's error shape.

use std::path::{Path, PathBuf};
use std::process::Output;

mod common;

use common::{ok, stderr, tdip};

const HEADER: &str = "subscription_id,service,msisdn,surname,subscription_start";

/// A dev-key point where kpn (NL) delivers de Boer, +31470123456, and proximus (BE)
/// Peeters, 0470 12 34 56: the same digits in two countries. Officer T-1 is registered
/// for nl/politie and for be/federale-politie.
fn point(dir: &Path) -> PathBuf {
    let data = dir.join("data");
    ok(&data, &["init", "--dev-key"]);
    for (id, country, row) in [
        (
            "kpn",
            "NL",
            "K1,mobile,+31470123456,de Boer,2024-01-01T00:00:00Z",
        ),
        (
            "proximus",
            "BE",
            "P1,mobile,0470 12 34 56,Peeters,2024-01-01T00:00:00Z",
        ),
    ] {
        ok(
            &data,
            &["providers", "add", id, "--name", id, "--country", country],
        );
        let file = dir.join(format!("{id}.csv"));
        std::fs::write(&file, format!("{HEADER}\n{row}\n")).unwrap();
        ok(
            &data,
            &[
                "deliver",
                "--provider",
                id,
                "--snapshot-at",
                "2026-11-01T23:00:00Z",
                file.to_str().unwrap(),
            ],
        );
    }
    for agency in ["nl/politie", "be/federale-politie"] {
        ok(
            &data,
            &[
                "officers",
                "add",
                "--agency",
                agency,
                "--officer",
                "T-1",
                "--name",
                "T",
            ],
        );
    }
    data
}

/// `tdip --zone Europe/Brussels lookup` as a Belgian officer under Sv 46bis, and `args`.
fn belgian_lookup(data: &Path, args: &[&str]) -> Output {
    belgian_lookup_as(data, "T-1", args)
}

/// [`belgian_lookup`] by `officer`.
fn belgian_lookup_as(data: &Path, officer: &str, args: &[&str]) -> Output {
    let mut all = vec![
        "--zone",
        "Europe/Brussels",
        "lookup",
        "--agency",
        "be/federale-politie",
        "--officer",
        officer,
        "--basis",
        "be/sv-46bis",
        "--case",
        "BE-2026-1",
        "--authorised-by",
        "procureur des Konings",
    ];
    all.extend_from_slice(args);
    tdip(data, &all)
}

/// The audit log's entries, as JSON.
fn log(data: &Path) -> Vec<serde_json::Value> {
    ok(data, &["audit", "log", "--json", "--limit", "1000"])
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// The consultation reference a refusal printed on standard error.
fn reference(err: &str) -> String {
    let at = err
        .find("(consultation ")
        .expect("a consultation reference")
        + 14;
    err[at..]
        .chars()
        .take_while(char::is_ascii_hexdigit)
        .collect()
}

/// The refusal entry the log holds for `consultation`.
fn refusal(data: &Path, consultation: &str) -> serde_json::Value {
    log(data)
        .into_iter()
        .find(|e| e["kind"] == "refusal" && e["body"]["consultation"] == consultation)
        .unwrap_or_else(|| panic!("no refusal entry for {consultation}"))
}

#[test]
fn a_belgian_officers_national_number_no_longer_discloses_a_dutch_subscriber() {
    let dir = tempfile::tempdir().unwrap();
    let data = point(dir.path());
    let at = ["--at", "2026-11-02 12:00:00"];

    let out = belgian_lookup(&data, &[&["--msisdn", "0470 12 34 56"][..], &at].concat());
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("searched: msisdn +32470123456\n"), "{text}");
    assert!(
        text.contains("1 HIT") && text.contains("proximus"),
        "{text}"
    );
    assert!(!text.contains("kpn") && !text.contains("de Boer"), "{text}");

    let out = belgian_lookup(
        &data,
        &[&["--msisdn", "0470 12 34 56", "--json"][..], &at].concat(),
    );
    let answer: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        answer["searched"],
        serde_json::json!({"kind": "msisdn", "value": "+32470123456"})
    );
    let providers: Vec<&str> = answer["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["provider"].as_str().unwrap())
        .collect();
    assert_eq!(providers, ["proximus"], "{answer}");

    // The request may name the country, and then that country reads the number.
    let out = belgian_lookup(
        &data,
        &[&["--msisdn", "0470 12 34 56", "--country", "NL"][..], &at].concat(),
    );
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("searched: msisdn +31470123456\n") && text.contains("kpn"),
        "{text}"
    );
    // A Dutch officer's national number is Dutch (the test demand is nl/politie's).
    let text = ok(
        &data,
        &[&["lookup", "--msisdn", "0470 12 34 56"][..], &at].concat(),
    );
    assert!(
        text.contains("searched: msisdn +31470123456\n") && text.contains("kpn"),
        "{text}"
    );
}

#[test]
fn a_lookup_at_a_time_in_the_dst_gap_is_refused_with_a_reference_and_logged() {
    let dir = tempfile::tempdir().unwrap();
    let data = point(dir.path());
    let out = belgian_lookup(
        &data,
        &["--msisdn", "0470 12 34 56", "--at", "2026-03-29 02:30:00"],
    );
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("REFUSED: --at: lies in the daylight-saving gap of Europe/Brussels"),
        "{err}"
    );
    let consultation = reference(&err);
    assert_eq!(consultation.len(), 16, "{err}");
    let entry = refusal(&data, &consultation);
    assert_eq!(entry["body"]["code"], "bad-time", "{entry}");
    assert!(
        entry["body"]["reason"]
            .as_str()
            .unwrap()
            .contains("daylight-saving gap of Europe/Brussels"),
        "{entry}"
    );
    // The officer sees it in their own history too.
    let history = ok(
        &data,
        &[
            "audit",
            "history",
            "--agency",
            "be/federale-politie",
            "--officer",
            "T-1",
        ],
    );
    assert!(
        history.contains(&consultation) && history.contains("refused: --at: lies in"),
        "{history}"
    );

    // Every other way of asking wrongly is a logged refusal too.
    for (args, code) in [
        (
            &["--msisdn", "0470 12 34 56", "--imei", "352099001761481"][..],
            "bad-identifier",
        ),
        (&["--at", "2026-11-02 12:00:00"][..], "bad-identifier"),
        (
            &["--msisdn", "0470 12 34 56", "--from", "2026-11-01"][..],
            "bad-time",
        ),
        (
            &["--msisdn", "0470 12 34 56", "--country", "DE"][..],
            "bad-country",
        ),
        (
            &["--msisdn", "0470 12 34 56", "--term", "soon"][..],
            "bad-term",
        ),
        (
            &[
                "--msisdn",
                "0470 12 34 56",
                "--from",
                "2026-11-02",
                "--to",
                "2026-11-01",
            ][..],
            "bad-time",
        ),
    ] {
        let out = belgian_lookup(&data, args);
        assert_eq!(out.status.code(), Some(3), "{args:?}: {}", stderr(&out));
        let entry = refusal(&data, &reference(&stderr(&out)));
        assert_eq!(entry["body"]["code"], code, "{args:?}: {entry}");
    }
    let out = ok(&data, &["audit", "verify"]);
    assert!(out.contains("the audit log verifies"), "{out}");
}

#[test]
fn a_json_refusal_prints_the_apis_error_shape_on_stdout() {
    let dir = tempfile::tempdir().unwrap();
    let data = point(dir.path());
    for (officer, args, code) in [
        (
            "T-1",
            &["--msisdn", "0470 12 34 56", "--at", "2026-03-29 02:30:00"][..],
            "bad-time",
        ),
        (
            "NOBODY",
            &["--msisdn", "0470 12 34 56"][..],
            "unknown-officer",
        ),
    ] {
        let out = belgian_lookup_as(&data, officer, &[args, &["--json"]].concat());
        assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
        let refused: serde_json::Value = serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stdout)));
        let mut fields: Vec<&String> = refused.as_object().unwrap().keys().collect();
        fields.sort();
        assert_eq!(fields, ["code", "consultation", "message"], "{refused}");
        assert_eq!(refused["code"], code, "{refused}");
        let consultation = refused["consultation"].as_str().unwrap();
        assert_eq!(consultation, reference(&stderr(&out)));
        let entry = refusal(&data, consultation);
        assert_eq!(entry["body"]["reason"], refused["message"], "{entry}");
        assert!(!out.stdout.windows(9).any(|w| w == b"470123456"));
    }
}

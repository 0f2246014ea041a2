//! `tdip hi1 respond`: ETSI's own lawful-disclosure request judged, and a response that
//! ETSI's schema accepts.

use std::path::Path;
use std::process::Command;

mod common;

use common::{stderr, tdip};

const HI1: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../tdip-hi1");

fn xmllint(file: &Path) -> std::process::Output {
    Command::new("xmllint")
        .args(["--noout", "--schema", &format!("{HI1}/schema/all.xsd")])
        .arg(file)
        .output()
        .expect("xmllint runs (install Debian's libxml2-utils; .ci/run does)")
}

#[test]
fn etsis_ldtask_is_answered_with_a_valid_response_refusing_its_cell_identity_task() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let request = format!("{HI1}/tests/etsi/ldtask.xml");
    let response = dir.path().join("response.xml");
    // ETSI's authorisation is in force from 2015-09-01 to 2015-12-01: judged then.
    let out = tdip(
        &data,
        &[
            "hi1",
            "respond",
            &request,
            "--at",
            "2015-11-01T12:00:00Z",
            "--out",
            response.to_str().unwrap(),
        ],
    );
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("action 0: created 7dbbc880-8750-4d3c-abe7-ea4a17646045"),
        "{err}"
    );
    assert!(
        err.contains("action 1: REFUSED (3001)") && err.contains("by NRCellIdentity"),
        "{err}"
    );
    let check = xmllint(&response);
    assert!(
        check.status.success(),
        "{}",
        String::from_utf8_lossy(&check.stderr)
    );
    let xml = std::fs::read_to_string(&response).unwrap();
    assert!(xml.contains("<ErrorCode>3001</ErrorCode>"), "{xml}");

    // Not an HI-1 message: the file and the reason, no response.
    let bad = dir.path().join("bad.xml");
    std::fs::write(&bad, "<HI1Message><Header></HI1Message>").unwrap();
    let out = tdip(&data, &["hi1", "respond", bad.to_str().unwrap()]);
    assert!(!out.status.success());
    assert!(out.stdout.is_empty());
    let err = stderr(&out);
    assert!(
        err.contains("bad.xml") && err.contains("not well-formed"),
        "{err}"
    );
}

#[test]
fn tdips_example_is_granted_for_its_agency_and_refused_for_another() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let example = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../docs/examples/hi1-lookup.xml"
    );
    // The example's authorisation is in force from 2026-11-01 until 2026-12-31: judged
    // within it, in legal local time, whenever the test runs.
    let at = ["--at", "2026-11-24 13:00:00"];
    let out = tdip(
        &data,
        &[
            &["hi1", "respond", example, "--agency", "nl/politie"][..],
            &at,
        ]
        .concat(),
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("action 1: created"),
        "{}",
        stderr(&out)
    );
    let out = tdip(
        &data,
        &[
            &["hi1", "respond", example, "--agency", "nl/nobody"][..],
            &at,
        ]
        .concat(),
    );
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("action 1: REFUSED (4002)")
            && err.contains("agency nl/nobody is not authorised"),
        "{err}"
    );
}

#[test]
fn respond_at_a_moment_judges_the_authorisation_then_and_refuses_a_local_time_in_a_gap() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let example = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../docs/examples/hi1-lookup.xml"
    );
    // After the authorisation's end: its task is not in force.
    let out = tdip(
        &data,
        &[
            "hi1",
            "respond",
            example,
            "--agency",
            "nl/politie",
            "--at",
            "2027-01-15 10:00:00",
        ],
    );
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("action 1: REFUSED (3005)"),
        "{}",
        stderr(&out)
    );
    // 02:30 on 2026-03-29 does not exist in Amsterdam: refused, saying so, not guessed.
    let out = tdip(
        &data,
        &["hi1", "respond", example, "--at", "2026-03-29 02:30:00"],
    );
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(err.contains("--at") && err.contains("daylight"), "{err}");
}

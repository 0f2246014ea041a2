//! The yearly report to the minister: counted from the audit log over a signed head it
//! names, in a published variant without the intelligence services and a full one;
//! `tdip report verify` counts it again and agrees, and refuses a report whose figures
//! were edited or whose log was changed since; no export holds a subscriber's value.

use std::path::Path;

mod common;

use common::{add_kpn, add_officer, deliver_kpn, gen_kpn, msisdns, ok, stderr, tdip};

fn json(path: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

/// The year of today in UTC (the lookups are logged now).
fn this_year() -> String {
    jiff::Timestamp::now()
        .to_zoned(jiff::tz::TimeZone::get("Europe/Amsterdam").unwrap())
        .year()
        .to_string()
}

#[test]
fn the_yearly_report_counts_the_log_leaves_intelligence_out_when_published_and_verifies() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let file = dir.path().join("kpn.csv");
    ok(&data, &["init", "--dev-key"]);
    add_officer(&data);
    ok(
        &data,
        &[
            "officers",
            "add",
            "--agency",
            "nl/aivd",
            "--officer",
            "A-1",
            "--name",
            "Analyst",
        ],
    );
    add_kpn(&data);
    gen_kpn(&data, &file, 10);
    deliver_kpn(&data, &file, "2026-11-02T00:00:00Z");
    let number = msisdns(&file).swap_remove(0);

    // The police: a hit, a no-hit, and a refusal (a basis the police do not hold).
    ok(&data, &["lookup", "--msisdn", &number]);
    ok(&data, &["lookup", "--msisdn", "0600000000"]);
    let refused = tdip(
        &data,
        &["lookup", "--msisdn", &number, "--basis", "nl/wiv-56"],
    );
    assert_eq!(refused.status.code(), Some(3), "{}", stderr(&refused));
    // The AIVD: one hit under the Wiv.
    ok(
        &data,
        &[
            "lookup",
            "--msisdn",
            &number,
            "--agency",
            "nl/aivd",
            "--officer",
            "A-1",
            "--basis",
            "nl/wiv-56",
            "--authorised-by",
            "hoofd van de dienst",
            "--case",
            "AIVD-1",
        ],
    );
    ok(&data, &["audit", "checkpoint"]);

    let year = this_year();
    let full = dir.path().join("full.json");
    let published = dir.path().join("published.json");
    for (variant, out) in [("full", &full), ("published", &published)] {
        ok(
            &data,
            &[
                "report",
                "yearly",
                "--year",
                &year,
                "--variant",
                variant,
                "--format",
                "json",
                "--out",
                out.to_str().unwrap(),
            ],
        );
    }
    let f = json(&full);
    let figures = &f["figures"];
    assert_eq!(
        [
            &figures["consultations"],
            &figures["hits"],
            &figures["no_hits"],
            &figures["refused"]
        ],
        [4, 2, 1, 1],
        "{f}"
    );
    assert_eq!(figures["refusals"].as_array().unwrap().len(), 1, "{f}");
    let agencies: Vec<&str> = figures["by_month"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["agency"].as_str().unwrap())
        .collect();
    assert!(agencies.contains(&"nl/aivd"), "{agencies:?}");
    let kpn = &figures["providers"][0];
    assert_eq!(
        (&kpn["provider"], &kpn["accepted"]),
        (&"kpn".into(), &1.into()),
        "{f}"
    );

    let p = json(&published);
    assert_eq!(p["figures"]["consultations"], 3, "{p}");
    assert_eq!(p["figures"]["hits"], 1, "{p}");
    let withheld: Vec<&str> = p["withheld"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap())
        .collect();
    assert!(
        withheld.contains(&"nl/aivd") && withheld.contains(&"be/vsse"),
        "{withheld:?}"
    );
    assert!(
        p["figures"]["by_month"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["agency"] != "nl/aivd"),
        "{p}"
    );

    // Counted again from the log: the same.
    for report in [&full, &published] {
        let said = ok(&data, &["report", "verify", report.to_str().unwrap()]);
        assert!(said.starts_with("report verified"), "{said}");
    }

    // The art. 9 statistics of kpn (a Dutch provider: the Dutch agencies' requests): the
    // police's case and the AIVD's were given kpn's data; the no-hit and the refusal were
    // not met. The file verifies like the yearly report.
    let art9_dir = dir.path().join("art9");
    ok(
        &data,
        &[
            "report",
            "art9",
            "--year",
            &year,
            "--out-dir",
            art9_dir.to_str().unwrap(),
        ],
    );
    let a9_path = art9_dir.join(format!("art9-{year}-kpn.json"));
    let a9 = json(&a9_path);
    let stats = &a9["statistics"];
    assert_eq!(
        (&stats["cases_provided"], &stats["provisions"]),
        (&2.into(), &2.into()),
        "{a9}"
    );
    let not_met: u64 = stats["not_met"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["count"].as_u64().unwrap())
        .sum();
    assert_eq!(not_met, 2, "{a9}");
    assert!(art9_dir.join(format!("art9-{year}-kpn.csv")).exists());
    let said = ok(&data, &["report", "verify", a9_path.to_str().unwrap()]);
    assert!(said.starts_with("report verified"), "{said}");

    // An edited figure is caught, and named.
    let mut edited = f.clone();
    edited["figures"]["hits"] = 3.into();
    let edited_path = dir.path().join("edited.json");
    std::fs::write(&edited_path, serde_json::to_vec(&edited).unwrap()).unwrap();
    let out = tdip(&data, &["report", "verify", edited_path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        said.contains("NOT verified") && said.contains("hits"),
        "{said}"
    );

    // No export holds a subscriber's value: not the numbers, names or ids of the file.
    let csv = dir.path().join("full.csv");
    ok(
        &data,
        &[
            "report",
            "yearly",
            "--year",
            &year,
            "--variant",
            "full",
            "--format",
            "csv",
            "--out",
            csv.to_str().unwrap(),
        ],
    );
    let text = ok(
        &data,
        &["report", "yearly", "--year", &year, "--variant", "full"],
    );
    let html = ok(
        &data,
        &[
            "report",
            "yearly",
            "--year",
            &year,
            "--variant",
            "full",
            "--format",
            "html",
            "--lang",
            "en",
        ],
    );
    assert_eq!(html.matches("<svg ").count(), 4, "{html}");
    assert!(
        html.contains("<td>nl/aivd</td>") && !html.contains("<script"),
        "{html}"
    );
    assert!(
        text.contains("\ncategories\n  current_identification"),
        "{text}"
    );
    let csv_text = std::fs::read_to_string(&csv).unwrap();
    assert!(
        csv_text.contains("by_month,nl/politie,,nl/sv-126na,"),
        "{csv_text}"
    );
    // The full variant numbers officers: how many asked, not who.
    assert!(
        csv_text.contains("officers,nl/politie,officer 1,,,consultations,3"),
        "{csv_text}"
    );
    let exports = [
        std::fs::read_to_string(&full).unwrap(),
        std::fs::read_to_string(&published).unwrap(),
        csv_text,
        text,
        html,
        std::fs::read_to_string(&a9_path).unwrap(),
        std::fs::read_to_string(art9_dir.join(format!("art9-{year}-kpn.csv"))).unwrap(),
    ];
    let mut values = Vec::new();
    let mut rows = csv::Reader::from_path(&file).unwrap();
    let headers = rows.headers().unwrap().clone();
    for row in rows.records() {
        let row = row.unwrap();
        for (name, value) in headers.iter().zip(row.iter()) {
            // A city alone is no one's datum, and `Amsterdam` is in every report's zone.
            let personal = !matches!(name, "service" | "supplementary" | "payment_method")
                && !name.ends_with("_country")
                && !name.ends_with("_city");
            if personal && value.len() >= 4 {
                values.push((name.to_owned(), value.to_owned()));
            }
        }
    }
    values.push(("msisdn".into(), number.clone()));
    assert!(values.len() > 30, "the scan would be vacuous");
    for export in &exports {
        assert!(!export.contains("A-1"), "an export names an officer");
        for (column, v) in &values {
            assert!(
                !export.contains(v.as_str()),
                "an export holds a {column} value"
            );
        }
    }
}

#[test]
fn a_report_over_a_log_changed_since_is_not_verified() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let file = dir.path().join("kpn.csv");
    ok(&data, &["init", "--dev-key"]);
    add_officer(&data);
    add_kpn(&data);
    gen_kpn(&data, &file, 5);
    deliver_kpn(&data, &file, "2026-11-02T00:00:00Z");
    let number = msisdns(&file).swap_remove(0);
    ok(&data, &["lookup", "--msisdn", &number]);
    ok(&data, &["audit", "checkpoint"]);
    let report = dir.path().join("r.json");
    ok(
        &data,
        &[
            "report",
            "yearly",
            "--year",
            &this_year(),
            "--variant",
            "full",
            "--format",
            "json",
            "--out",
            report.to_str().unwrap(),
        ],
    );
    // A database administrator blanks the answer entry's body around tdip (to turn a hit
    // into nothing).
    let db = rusqlite::Connection::open(data.join("audit.db")).unwrap();
    let changed = db
        .execute(
            "UPDATE audit_entry SET body = zeroblob(length(body)) WHERE kind = 'answer'",
            [],
        )
        .unwrap();
    assert_eq!(changed, 1);
    drop(db);
    let out = tdip(&data, &["report", "verify", report.to_str().unwrap()]);
    assert!(!out.status.success());
    let said = format!("{}{}", String::from_utf8_lossy(&out.stdout), stderr(&out));
    assert!(said.contains("altered"), "{said}");
}

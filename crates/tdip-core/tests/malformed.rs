//! Malformed delivery files of every class looked at for issue 14 — NUL bytes, BOMs where
//! they do not belong, headers with a trailing comma or thousands of columns, JSON that is
//! not a row object, gzip that is cut short, followed by garbage or made of several
//! members, CRLF and blank lines — are each either read exactly as written or refused
//! with the line and field where they go wrong, and a refused one changes nothing. (The
//! classes that were read wrongly have their own tests in `regression.rs`.)

mod common;

use std::io::Write;

use common::*;
use flate2::Compression;
use flate2::write::GzEncoder;
use tdip_core::ingest::DeliveryReport;
use tdip_store::Store;

/// What a delivery of a malformed file must give.
#[derive(Debug)]
enum Expect {
    /// Accepted, opening this many subscriptions.
    Opened(u64),
    /// Rejected with exactly these (line, field) errors, the first reason containing this.
    Refused(&'static [(u64, &'static str)], &'static str),
}
use Expect::{Opened, Refused};

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut gz = GzEncoder::new(Vec::new(), Compression::default());
    gz.write_all(bytes).unwrap();
    gz.finish().unwrap()
}

/// Delivers `bytes` as `name` to a fresh point and checks the outcome.
async fn check(case: &str, name: &str, bytes: &[u8], expect: Expect) -> DeliveryReport {
    let p = Point::new().await;
    let path = p.write(name, bytes);
    let r = p.deliver_file("kpn", &path, D0).await;
    let located: Vec<(u64, &str)> = r
        .errors
        .iter()
        .map(|e| (e.line, e.field.as_str()))
        .collect();
    match expect {
        Opened(n) => assert!(
            r.accepted() && r.opened == n,
            "{case}: expected {n} opened, got {:?} {:?}",
            (r.accepted(), r.opened),
            r.errors
        ),
        Refused(errors, reason) => {
            assert!(!r.accepted(), "{case}: accepted");
            assert_eq!(located, errors, "{case}: {:?}", r.errors);
            assert!(
                r.errors[0].reason.contains(reason),
                "{case}: {}",
                r.errors[0].reason
            );
            let open = p.store.open_versions_page("kpn", 0, 10).await.unwrap();
            assert!(
                open.is_empty(),
                "{case}: a refused delivery opened versions"
            );
        }
    }
    r
}

#[tokio::test]
async fn malformed_csv_files_are_read_as_written_or_refused_where_they_break() {
    let file = |rows: &[&str]| csv(rows).into_bytes();
    let jansen_nul = JANSEN.replace("Jansen,Pieter", "Jan\0sen,Pieter");
    let id_nul = JANSEN.replace("S1,", "S\x001,");
    // "Marie" with its "r" as a byte that is not UTF-8 (as a Latin-1 file would have é).
    let mut latin1_marie = DE_VRIES.as_bytes().to_vec();
    let at = DE_VRIES.find("Marie").unwrap() + 2;
    latin1_marie[at] = 0xe9;
    let cases: Vec<(&str, Vec<u8>, Expect)> = vec![
        (
            "a NUL byte in a name",
            file(&[&jansen_nul]),
            Refused(&[(2, "surname")], "control character"),
        ),
        (
            "a NUL byte in the subscription id",
            file(&[&id_nul]),
            Refused(&[(2, "subscription_id")], ""),
        ),
        (
            "a BOM at the start of the file",
            [&b"\xef\xbb\xbf"[..], &file(&[JANSEN])].concat(),
            Opened(1),
        ),
        (
            "only a BOM",
            b"\xef\xbb\xbf".to_vec(),
            Refused(&[(1, "header")], "empty"),
        ),
        (
            "a header with a trailing comma",
            format!("{HEADER},\n{JANSEN},\n").into_bytes(),
            Refused(&[(1, "header")], "no name"),
        ),
        (
            "a header of 2000 columns",
            format!("{}\n{JANSEN}\n", ["surname"; 2000].join(",")).into_bytes(),
            Refused(&[(1, "header")], "more than 1024 columns"),
        ),
        (
            "CRLF line ends and no final line end",
            csv(&[JANSEN, DE_VRIES])
                .trim_end()
                .replace('\n', "\r\n")
                .into_bytes(),
            Opened(2),
        ),
        (
            "empty lines between rows, CRLF ones too",
            format!("\n{HEADER}\n\n{JANSEN}\r\n\r\n\n{DE_VRIES}\n\n").into_bytes(),
            Opened(2),
        ),
        (
            "a line of spaces",
            file(&[JANSEN, "   ", DE_VRIES]),
            Refused(&[(3, "row")], "has 1 fields"),
        ),
        (
            "invalid UTF-8 in a field",
            [file(&[JANSEN]), latin1_marie.clone(), b"\n".to_vec()].concat(),
            Refused(&[(3, "given_names")], "UTF-8"),
        ),
        (
            "a quoted field never closed",
            file(&[JANSEN, &DE_VRIES.replace("Marie", "\"Marie"), BAKKER]),
            Refused(&[(3, "given_names")], "never closed"),
        ),
    ];
    for (case, bytes, expect) in cases {
        check(case, "x.csv", &bytes, expect).await;
    }
}

#[tokio::test]
async fn malformed_json_lines_are_refused_where_they_break() {
    let row = r#"{"subscription_id":"S1","service":"mobile","user_id":"u1","surname":"Jansen","subscription_start":"2024-05-01T10:00:00Z"}"#;
    let cases: Vec<(&str, String, Expect)> = vec![
        ("a BOM at the start", format!("\u{feff}{row}\n"), Opened(1)),
        ("CRLF", format!("{row}\r\n"), Opened(1)),
        (
            "an array",
            format!("{row}\n[\"S2\",\"mobile\"]\n"),
            Refused(&[(2, "row")], "not an object"),
        ),
        (
            "a nested object",
            row.replace(r#""Jansen""#, r#"{"name":"Jansen"}"#),
            Refused(&[(1, "surname")], "must be a string"),
        ),
        (
            "a raw NUL byte",
            row.replace("Jansen", "Jan\0sen"),
            Refused(&[(1, "row")], "not valid JSON"),
        ),
        (
            "an escaped NUL",
            row.replace("Jansen", "Jan\\u0000sen"),
            Refused(&[(1, "surname")], "control character"),
        ),
        (
            "a BOM inside a value",
            row.replace("Jansen", "Jan\\ufeffsen"),
            Refused(&[(1, "surname")], "byte order mark"),
        ),
        (
            "two objects on one line",
            format!("{row}{row}\n"),
            Refused(&[(1, "row")], "not valid JSON"),
        ),
    ];
    for (case, text, expect) in cases {
        check(case, "x.jsonl", text.as_bytes(), expect).await;
    }
}

#[tokio::test]
async fn gzip_that_is_cut_short_or_followed_by_garbage_is_refused_and_members_are_joined() {
    let whole = gzip(csv(&[JANSEN, DE_VRIES]).as_bytes());
    let garbage = [&whole[..], b"not gzip at all\n"].concat();
    check(
        "gzip followed by garbage",
        "x.csv.gz",
        &garbage,
        Refused(&[(4, "file")], "corrupt"),
    )
    .await;
    check(
        "a truncated gzip",
        "x.csv.gz",
        &whole[..whole.len() - 10],
        Refused(&[(3, "file")], "truncated"),
    )
    .await;
    // `cat day-a.csv.gz day-b.csv.gz`: one file, as gzip(1) reads it.
    let text = csv(&[JANSEN, DE_VRIES]);
    let (a, b) = text.split_at(text.find("S2,").unwrap());
    let members = [gzip(a.as_bytes()), gzip(b.as_bytes())].concat();
    check("two gzip members", "x.csv.gz", &members, Opened(2)).await;
}

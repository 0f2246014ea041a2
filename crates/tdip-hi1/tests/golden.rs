//! Golden files: every request in `test_data/ok` and `test_data/err` is read, judged for a
//! fixed agency against the shipped catalogue, and answered at a fixed moment; the answer
//! must equal its sibling file, byte for byte: `NAME.response.xml` (valid against ETSI's
//! schema), or `NAME.txt` for a message that cannot be read. `UPDATE_EXPECT=1 cargo test
//! -p tdip-hi1 --test golden` rewrites them (rust-analyzer's `expect_file!`, without the
//! dependency); review the diff before committing it.

mod common;

use std::fs;
use std::path::{Path, PathBuf};

use tdip_access::Catalogue;
use tdip_hi1::{Body, Hi1Code, Object, Outcome, Response, Unreadable, judge_for, parse_request};

/// The agency every golden request is judged for (the sender's registration, not the
/// message, names it).
const AGENCY: &str = "nl/politie";
/// The moment every golden response is written at.
const AT: &str = "2026-11-24T12:00:00Z";

/// What tdip answers `request` without a store: the response (a top-level
/// `ErrorInformation` for a message that cannot be read but whose header can), or (for a
/// message without a readable header) the code and reason; and whether every action was
/// created.
fn answer(request: &str) -> (String, bool) {
    let at: jiff::Timestamp = AT.parse().expect("a fixed moment");
    let r = match parse_request(request) {
        Ok(r) => r,
        Err(Unreadable {
            header: Some(header),
            error,
        }) => {
            let xml = Response {
                to: header,
                at,
                body: Body::Error {
                    code: Hi1Code::Unreadable,
                    description: error.to_string(),
                },
            }
            .to_xml();
            return (format!("{xml}\n"), false);
        }
        Err(e) => return (format!("{}: {e}\n", Hi1Code::Unreadable), false),
    };
    let asked: Vec<String> = r
        .actions
        .iter()
        .filter_map(|a| match &a.object {
            Some(Object::LdTask(t)) => Some(t.values.iter().map(|v| v.value.clone())),
            _ => None,
        })
        .flatten()
        .collect();
    let catalogue = Catalogue::defaults().expect("the shipped catalogue reads");
    let actions = judge_for(&r, AGENCY, &catalogue, &|_| None, at.as_second());
    let all_created = actions
        .iter()
        .all(|(_, o)| matches!(o, Outcome::Created(_)));
    let xml = Response {
        to: r.header,
        at,
        body: Body::Actions(actions),
    }
    .to_xml();
    // No identifier asked about is quoted back (tdip-hi1's invariant); values too short to
    // tell from other text (ETSI's example asks for cell `01`) are left out.
    for value in asked.iter().filter(|v| v.len() >= 6) {
        assert!(
            !xml.contains(value.as_str()),
            "an identifier asked about is in\n{xml}"
        );
    }
    (format!("{xml}\n"), all_created)
}

/// The golden file of `request`: `NAME.response.xml`, or `NAME.txt` when `unreadable`.
fn golden_of(request: &Path, unreadable: bool) -> PathBuf {
    let stem = request.file_stem().and_then(|s| s.to_str()).unwrap_or("");
    let ext = if unreadable { "txt" } else { "response.xml" };
    request.with_file_name(format!("{stem}.{ext}"))
}

/// Compares the answer to `request` with its golden file, or rewrites that file when
/// `UPDATE_EXPECT` is set. Returns whether every action was created.
fn check(request: &Path) -> bool {
    let xml = fs::read_to_string(request)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", request.display()));
    let (actual, all_created) = answer(&xml);
    let unreadable = !actual.starts_with("<?xml");
    let golden = golden_of(request, unreadable);
    let stale = golden_of(request, !unreadable);
    if std::env::var_os("UPDATE_EXPECT").is_some() {
        fs::write(&golden, &actual)
            .unwrap_or_else(|e| panic!("cannot write {}: {e}", golden.display()));
        if stale.exists() {
            fs::remove_file(&stale)
                .unwrap_or_else(|e| panic!("cannot remove {}: {e}", stale.display()));
        }
    } else {
        assert!(
            !stale.exists(),
            "{} is stale: {} is what its request gives now; remove it, or run \
             `UPDATE_EXPECT=1 cargo test -p tdip-hi1 --test golden`",
            stale.display(),
            golden.display()
        );
        let expected = fs::read_to_string(&golden).unwrap_or_default();
        if expected != actual {
            let line = expected
                .lines()
                .zip(actual.lines())
                .position(|(e, a)| e != a)
                .unwrap_or_else(|| expected.lines().count().min(actual.lines().count()))
                + 1;
            panic!(
                "{} differs from what tdip answers (first at line {line}); if the change is \
                 meant, run `UPDATE_EXPECT=1 cargo test -p tdip-hi1 --test golden` and review \
                 the diff\n--- answer:\n{actual}",
                golden.display()
            );
        }
    }
    if !unreadable && let Err(e) = common::xmllint(Some("all.xsd"), &actual) {
        panic!("{} is not valid against TS 103 120:\n{e}", golden.display());
    }
    all_created
}

/// The requests in `test_data/{dir}`, by name; and every golden file there has one.
fn requests(dir: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("test_data")
        .join(dir);
    let mut files: Vec<PathBuf> = fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()))
        .map(|e| e.expect("a directory entry").path())
        .collect();
    files.sort();
    let name = |p: &Path| {
        p.file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("")
            .to_owned()
    };
    let (requests, goldens): (Vec<PathBuf>, Vec<PathBuf>) = files
        .into_iter()
        .partition(|p| name(p).ends_with(".xml") && !name(p).ends_with(".response.xml"));
    for g in &goldens {
        let stem = name(g);
        let stem = stem
            .strip_suffix(".response.xml")
            .or_else(|| stem.strip_suffix(".txt"))
            .unwrap_or_else(|| panic!("{} is neither a request nor a golden file", g.display()));
        assert!(
            dir.join(format!("{stem}.xml")).exists(),
            "{} has no request {stem}.xml; remove it",
            g.display()
        );
    }
    requests
}

#[test]
fn requests_tdip_carries_out_are_answered_as_their_golden_responses() {
    let requests = requests("ok");
    assert!(requests.len() >= 4, "{requests:?}");
    for r in requests {
        assert!(check(&r), "{}: every action is created", r.display());
    }
}

#[test]
fn requests_tdip_refuses_are_answered_as_their_golden_errors() {
    let requests = requests("err");
    assert!(requests.len() >= 4, "{requests:?}");
    for r in requests {
        assert!(!check(&r), "{}: an action is refused", r.display());
    }
}

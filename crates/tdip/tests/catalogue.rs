//! `tdip catalogue`: the shipped catalogue checks out, an exported copy can be edited, and
//! an edit with a mistake is refused with its file and line.

mod common;

use common::{ok, stderr, tdip};

#[test]
fn the_catalogue_is_checked_shown_and_exported_for_editing() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let checked = ok(&data, &["catalogue", "check"]);
    assert!(
        checked.contains("valid: 2 jurisdictions, 14 agencies, 14 legal bases"),
        "{checked}"
    );
    let shown = ok(&data, &["catalogue", "show"]);
    assert!(
        shown.contains("nl/aivd — Algemene Inlichtingen- en Veiligheidsdienst"),
        "{shown}"
    );
    assert!(
        shown.contains("authorised by the officier van justitie"),
        "{shown}"
    );
    assert!(
        shown.contains("be/sv-90ter") && shown.contains("serves no data here"),
        "{shown}"
    );

    let out = dir.path().join("catalogue");
    ok(&data, &["catalogue", "export", out.to_str().unwrap()]);
    let again = tdip(&data, &["catalogue", "export", out.to_str().unwrap()]);
    assert!(!again.status.success(), "export must not overwrite edits");

    let nl = out.join("nl.toml");
    let text = std::fs::read_to_string(&nl).unwrap();
    let edited = text.replacen(
        "bases = [\"wiv-56\"]",
        "bases = [\"wiv-56\", \"wiv-57\"]",
        1,
    );
    assert_ne!(edited, text);
    std::fs::write(&nl, &edited).unwrap();
    let line = edited.lines().position(|l| l.contains("wiv-57")).unwrap() + 1;
    let be = out.join("be.toml");
    let check = tdip(
        &data,
        &[
            "catalogue",
            "check",
            nl.to_str().unwrap(),
            be.to_str().unwrap(),
        ],
    );
    assert_eq!(check.status.code(), Some(1));
    let said = stderr(&check);
    assert!(
        said.contains(&format!(
            "nl.toml:{line}: agency nl/aivd names legal basis nl/wiv-57, which this catalogue does not define"
        )),
        "{said}"
    );
}

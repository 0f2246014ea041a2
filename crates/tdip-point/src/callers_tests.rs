//! `clients.toml` read on its own: an agency's `push_to` destinations gathered per agency,
//! and every misuse refused with the entry it is in.

use std::path::Path;

use super::load_clients;

const FP1: &str = "11aa11aa11aa11aa11aa11aa11aa11aa11aa11aa11aa11aa11aa11aa11aa11aa";
const FP2: &str = "22bb22bb22bb22bb22bb22bb22bb22bb22bb22bb22bb22bb22bb22bb22bb22bb";

fn read(text: &str) -> anyhow::Result<super::Clients> {
    load_clients(Path::new("/data"), Some(text.as_bytes()))
}

#[test]
fn push_destinations_are_gathered_per_agency_from_its_systems() {
    let c = read(&format!(
        "[[client]]\nname = \"A\"\nfingerprint = \"{FP1}\"\nagency = \"nl/politie\"\n\
         push_to = [\"https://r1.politie.example/hi1\"]\n\
         [[client]]\nname = \"B\"\nfingerprint = \"{FP2}\"\nagency = \"nl/politie\"\n\
         push_to = [\"https://r2.politie.example:8443/\"]\n"
    ))
    .unwrap();
    assert_eq!(
        c.push_to["nl/politie"],
        [
            "https://r1.politie.example/hi1",
            "https://r2.politie.example:8443/"
        ]
    );
    assert_eq!(c.by_fingerprint.len(), 2);
}

#[test]
fn a_push_destination_that_is_not_https_or_not_an_agencys_is_refused_naming_the_entry() {
    for (entry, says) in [
        (
            "agency = \"nl/politie\"\npush_to = [\"http://r.example/\"]",
            "must be https://",
        ),
        (
            "agency = \"nl/politie\"\npush_to = [\"https:///nohost\"]",
            "must be https://",
        ),
        (
            "provider = \"kpn\"\npush_to = [\"https://r.example/\"]",
            "agency's system only",
        ),
    ] {
        let e = read(&format!(
            "[[client]]\nname = \"X\"\nfingerprint = \"{FP1}\"\n{entry}\n"
        ))
        .err()
        .unwrap_or_else(|| panic!("{entry} accepted"))
        .to_string();
        assert!(e.contains("client 1 (\"X\")") && e.contains(says), "{e}");
    }
}

#[test]
fn an_oversight_bodys_system_is_listed_as_oversight_and_never_with_a_second_role() {
    let c = read(&format!(
        "[[client]]\nname = \"CTIVD\"\nfingerprint = \"{FP1}\"\noversight = \"nl/ctivd\"\n"
    ))
    .unwrap();
    assert_eq!(
        c.by_fingerprint[FP1].role,
        super::Role::Oversight("nl/ctivd".into())
    );
    assert_eq!(c.by_fingerprint[FP1].role.describe(), "oversight nl/ctivd");
    let e = read(&format!(
        "[[client]]\nname = \"Both\"\nfingerprint = \"{FP1}\"\noversight = \"nl/ctivd\"\n\
         agency = \"nl/aivd\"\n"
    ))
    .err()
    .expect("two roles accepted")
    .to_string();
    assert!(
        e.contains("exactly one of") && e.contains("oversight"),
        "{e}"
    );
}

//! Tests of the catalogue and of judging demands.

use super::*;
use tdip_model::{Country, IdentKind};

fn demand(agency: &str, basis: &str) -> Demand {
    Demand {
        agency: agency.into(),
        officer: "AB1234".into(),
        basis: basis.into(),
        case_reference: "PL0900-2026123456".into(),
        authorised_by: Some("mr. J. de Vries".into()),
        urgency: Urgency::Normal,
        category: Category::CurrentIdentification,
        query: IdentKind::Msisdn,
        term: None,
    }
}

#[test]
fn the_shipped_catalogues_load_with_every_agency_and_basis_of_the_spec() {
    let c = Catalogue::defaults().unwrap();
    assert_eq!(c.jurisdictions.len(), 2);
    for agency in [
        "nl/politie",
        "nl/rijksrecherche",
        "nl/nla",
        "nl/kmar",
        "nl/ilt",
        "nl/fiod",
        "nl/nvwa",
        "nl/igj",
        "nl/aivd",
        "nl/mivd",
        "be/federale-politie",
        "be/vsse",
        "be/adiv",
    ] {
        assert!(c.agencies.contains_key(agency), "{agency}");
    }
    for basis in [
        "nl/sv-126n",
        "nl/sv-126na",
        "nl/sv-126u",
        "nl/sv-126ua",
        "nl/sv-126zh",
        "nl/sv-126zi",
        "nl/sv-126ii",
        "nl/wiv-56",
        "be/sv-46bis",
        "be/sv-88bis",
        "be/sv-90ter",
        "be/wi-18-7",
        "be/wi-18-8",
        "be/wi-18-17",
    ] {
        assert!(c.bases.contains_key(basis), "{basis}");
    }
    assert!(c.agencies["nl/aivd"].bases.contains("nl/wiv-56"));
    assert!(!c.agencies["nl/aivd"].bases.contains("nl/sv-126n"));
}

#[test]
fn a_permitted_demand_is_granted() {
    let c = Catalogue::defaults().unwrap();
    let g = c.authorise(&demand("nl/politie", "nl/sv-126n")).unwrap();
    assert_eq!(g.agency_name, "Nationale Politie");
    // 126na needs no authorising official.
    let mut d = demand("nl/fiod", "nl/sv-126na");
    d.authorised_by = None;
    d.category = Category::HistoricalIdentification;
    let g = c.authorise(&d).unwrap();
    assert_eq!(g.agency_name, c.agencies["nl/fiod"].name);
    assert_eq!(g.basis_title, c.bases["nl/sv-126na"].title);
}

#[test]
fn each_unmet_condition_is_refused_with_its_reason() {
    let c = Catalogue::defaults().unwrap();
    let refused = |d: Demand| c.authorise(&d).unwrap_err().to_string();

    let mut d = demand("nl/politie", "nl/sv-126n");
    d.case_reference = "  ".into();
    assert_eq!(
        refused(d),
        "the demand has no case or order reference; fill it in and ask again"
    );
    let mut d = demand("nl/politie", "nl/sv-126n");
    d.officer = String::new();
    assert!(refused(d).contains("has no officer"));

    assert!(refused(demand("nl/belastingdienst", "nl/sv-126n")).contains("not authorised"));
    assert!(refused(demand("nl/politie", "nl/sv-999")).contains("not known"));
    let held = refused(demand("nl/aivd", "nl/sv-126n"));
    assert!(
        held.contains("nl/aivd may not consult under nl/sv-126n") && held.contains("nl/wiv-56"),
        "{held}"
    );
    assert!(refused(demand("nl/politie", "be/sv-46bis")).contains("may not consult"));

    let mut d = demand("nl/politie", "nl/sv-126na");
    d.category = Category::Traffic;
    let msg = refused(d);
    assert!(msg.contains("nl/sv-126na does not permit traffic data; it permits current_identification, historical_identification"), "{msg}");

    let mut d = demand("be/federale-politie", "be/sv-90ter");
    d.category = Category::CurrentIdentification;
    assert!(refused(d).contains("this point serves no data under it"));

    let mut d = demand("nl/politie", "nl/sv-126n");
    d.authorised_by = None;
    assert_eq!(
        refused(d),
        "nl/sv-126n needs the demand to be authorised by the officier van justitie: name who authorised it"
    );
    let mut d = demand("be/vsse", "be/wi-18-7");
    d.authorised_by = Some(" ".into());
    assert!(refused(d).contains("authorised by the diensthoofd"));
}

#[test]
fn a_basis_may_limit_the_queries() {
    let text = r#"
[jurisdiction]
id = "nl"
name = "Nederland"
zone = "Europe/Amsterdam"

[[basis]]
id = "only-phones"
title = "test"
categories = ["current_identification"]
queries = ["msisdn"]

[[agency]]
id = "politie"
name = "Politie"
bases = ["only-phones"]
"#;
    let c = Catalogue::from_files(&[("nl.toml", text)]).unwrap();
    let mut d = demand("nl/politie", "nl/only-phones");
    let g = c.authorise(&d).unwrap();
    assert_eq!(
        (g.agency_name.as_str(), g.basis_title.as_str()),
        ("Politie", "test")
    );
    d.query = IdentKind::Ip;
    assert_eq!(
        c.authorise(&d).unwrap_err().to_string(),
        "nl/only-phones does not permit a query by ip"
    );
}

#[test]
fn every_problem_of_a_catalogue_is_reported_with_file_and_line_and_none_of_it_used() {
    let text = r#"[jurisdiction]
id = "nl"
name = "Nederland"
zone = "Europe/Paris"

[[basis]]
id = "sv-126n"
title = "x"
categories = ["current_identification"]
queries = ["msisdn", "fax"]

[[basis]]
id = "sv-126n"
title = "twice"
categories = []
queries = []

[[agency]]
id = "Politie"
name = "Politie"
bases = ["sv-126n", "sv-126q"]
"#;
    let err = Catalogue::from_files(&[("nl.toml", text)]).unwrap_err();
    let said: Vec<String> = err.0.iter().map(ToString::to_string).collect();
    let expect = [
        ("nl.toml:4: zone", "zone"),
        ("nl.toml:10: query \"fax\"", "unknown query"),
        (
            "nl.toml:13: legal basis nl/sv-126n is defined twice",
            "duplicate",
        ),
        ("nl.toml:19: agency id \"Politie\"", "bad id"),
        (
            "nl.toml:21: agency nl/Politie names legal basis nl/sv-126q",
            "dangling",
        ),
    ];
    for (start, what) in expect {
        assert!(
            said.iter().any(|s| s.starts_with(start)),
            "{what}: {said:#?}"
        );
    }
    assert_eq!(said.len(), expect.len(), "{said:#?}");

    let syntax = Catalogue::from_files(&[("be.toml", "[jurisdiction]\nid = \"be\"\nname = 3\n")])
        .unwrap_err();
    assert_eq!(syntax.0[0].line, Some(3), "{syntax}");
    let unknown_category = Catalogue::from_files(&[(
        "x.toml",
        "[jurisdiction]\nid = \"nl\"\nname = \"n\"\nzone = \"Europe/Amsterdam\"\n[[basis]]\nid = \"a\"\ntitle = \"t\"\ncategories = [\"gossip\"]\nqueries = [\"msisdn\"]\n",
    )])
    .unwrap_err();
    assert!(
        unknown_category.to_string().contains("gossip"),
        "{unknown_category}"
    );
    let twice = Catalogue::from_files(&[DEFAULTS[0], DEFAULTS[0]]).unwrap_err();
    assert!(
        twice
            .to_string()
            .contains("jurisdiction nl is defined twice"),
        "{twice}"
    );
}

#[test]
fn oversight_bodies_read_the_log_but_never_query() {
    let c = Catalogue::defaults().unwrap();
    for id in [
        "nl/ctivd",
        "nl/ap",
        "nl/rdi",
        "be/comite-i",
        "be/gba",
        "be/bipt",
    ] {
        assert!(c.oversight.contains_key(id), "{id}");
        let refused = c.authorise(&demand(id, "nl/sv-126na")).unwrap_err();
        assert_eq!(refused, Refusal::Oversight(id.into()));
        assert_eq!(refused.code().as_str(), "oversight-only");
        assert!(
            refused
                .to_string()
                .contains("may not query subscriber data")
        );
    }
    let twice = "[jurisdiction]\nid = \"nl\"\nname = \"NL\"\nzone = \"Europe/Amsterdam\"\n\
                 [[agency]]\nid = \"x\"\nname = \"X\"\nbases = []\n\
                 [[oversight]]\nid = \"x\"\nname = \"X\"\n";
    let err = Catalogue::from_files(&[("t.toml", twice)]).unwrap_err();
    assert_eq!(err.0.len(), 1, "{err}");
    assert_eq!(err.0[0].line, Some(10), "{err}");
    assert!(err.0[0].message.contains("nl/x is defined twice"), "{err}");
}

#[test]
fn an_agencys_national_numbers_are_those_of_its_jurisdictions_country() {
    let c = Catalogue::defaults().unwrap();
    assert_eq!(c.country_of("be/federale-politie"), Some(Country::Be));
    assert_eq!(c.country_of("nl/politie"), Some(Country::Nl));
    assert_eq!(c.country_of("be/nobody"), None);
    assert_eq!(c.country_of("nl/ctivd"), None, "oversight does not query");

    // Without a `country`, a jurisdiction whose id is a country code tdip knows is that
    // country (catalogues exported before the field existed); any other needs one.
    let file = |id: &str, country: &str| {
        format!(
            "[jurisdiction]\nid = \"{id}\"\nname = \"n\"\nzone = \"Europe/Brussels\"\n{country}\
             [[basis]]\nid = \"b\"\ntitle = \"t\"\ncategories = []\nqueries = []\n\
             [[agency]]\nid = \"a\"\nname = \"A\"\nbases = [\"b\"]\n"
        )
    };
    let old = Catalogue::from_files(&[("be.toml", &file("be", ""))]).unwrap();
    assert_eq!(old.country_of("be/a"), Some(Country::Be));
    let named = Catalogue::from_files(&[("xx.toml", &file("xx", "country = \"be\"\n"))]).unwrap();
    assert_eq!(named.country_of("xx/a"), Some(Country::Be));
    let said = |text: &str| {
        Catalogue::from_files(&[("xx.toml", text)])
            .unwrap_err()
            .to_string()
    };
    let none = said(&file("xx", ""));
    assert!(
        none.contains("xx.toml:2: jurisdiction xx names no country"),
        "{none}"
    );
    let unknown = said(&file("xx", "country = \"DE\"\n"));
    assert!(
        unknown.contains("xx.toml:5: country: unknown country; expected NL or BE"),
        "{unknown}"
    );
}

#[test]
fn identification_through_traffic_data_is_granted_only_where_the_catalogue_says() {
    let c = Catalogue::defaults().unwrap();
    let ask = |agency: &str, basis: &str| {
        let mut d = demand(agency, basis);
        d.category = Category::TrafficIdentification;
        d.query = IdentKind::Ip;
        c.authorise(&d)
    };
    for (agency, basis) in [
        ("nl/politie", "nl/sv-126n"),
        ("nl/politie", "nl/sv-126u"),
        ("be/federale-politie", "be/sv-46bis"),
        ("be/federale-politie", "be/sv-88bis"),
        ("be/vsse", "be/wi-18-7"),
    ] {
        assert!(ask(agency, basis).is_ok(), "{basis}");
    }
    for basis in ["nl/sv-126na", "nl/sv-126ua", "nl/sv-126ii"] {
        let refused = ask("nl/politie", basis).unwrap_err();
        assert_eq!(refused.code(), RefusalCode::CategoryNotPermitted, "{basis}");
        assert!(
            refused
                .to_string()
                .contains("does not permit traffic_identification data"),
            "{refused}"
        );
    }
}

#[test]
fn a_cell_dump_is_granted_only_under_bases_that_set_its_bound() {
    let c = Catalogue::defaults().unwrap();
    let ask = |basis: &str| {
        let mut d = demand("nl/politie", basis);
        d.category = Category::CellDump;
        c.authorise(&d)
    };
    for basis in ["nl/sv-126n", "nl/sv-126u", "nl/sv-126zh"] {
        assert!(ask(basis).is_ok(), "{basis}");
        let bound = c.bases[basis].cell_dump.expect("a bound");
        assert!(bound.max_window_seconds >= 3600 && bound.max_radius_metres >= 500);
    }
    assert_eq!(
        c.bases["nl/sv-126n"].cell_dump,
        Some(crate::DumpBound {
            max_window_seconds: 4 * 3600,
            max_radius_metres: 2000
        })
    );
    let refused = ask("nl/sv-126na").unwrap_err();
    assert_eq!(refused.code(), RefusalCode::CategoryNotPermitted);
    assert!(
        refused
            .to_string()
            .contains("does not permit cell_dump data")
    );
}

#[test]
fn a_cell_dump_without_a_bound_or_a_bound_without_the_category_is_a_catalogue_problem() {
    let file = |categories: &str, bound: &str| {
        format!(
            "[jurisdiction]\nid = \"nl\"\nname = \"Nederland\"\nzone = \"Europe/Amsterdam\"\n\n\
             [[basis]]\nid = \"b\"\ntitle = \"t\"\ncategories = [{categories}]\n\
             queries = [\"msisdn\"]\n{bound}\n"
        )
    };
    let unbounded = Catalogue::from_files(&[("nl.toml", &file("\"cell_dump\"", ""))])
        .unwrap_err()
        .to_string();
    assert!(
        unbounded.contains("permits cell_dump without a bound"),
        "{unbounded}"
    );
    let stray = Catalogue::from_files(&[(
        "nl.toml",
        &file(
            "\"traffic\"",
            "[basis.cell_dump]\nmax_window_minutes = 60\nmax_radius_metres = 500",
        ),
    )])
    .unwrap_err()
    .to_string();
    assert!(stray.contains("does not permit cell_dump"), "{stray}");
    let huge = Catalogue::from_files(&[(
        "nl.toml",
        &file(
            "\"cell_dump\"",
            "[basis.cell_dump]\nmax_window_minutes = 0\nmax_radius_metres = 500000",
        ),
    )])
    .unwrap_err()
    .to_string();
    assert!(huge.contains("max_window_minutes from 1 to 1440"), "{huge}");
    let fine = Catalogue::from_files(&[(
        "nl.toml",
        &file(
            "\"cell_dump\"",
            "[basis.cell_dump]\nmax_window_minutes = 30\nmax_radius_metres = 300",
        ),
    )])
    .unwrap();
    assert_eq!(
        fine.bases["nl/b"].cell_dump.unwrap().max_window_seconds,
        1800
    );
}

//! tdip's HI-1 profile: the documented example request becomes the demand it describes,
//! and each part missing from its place is named.

use tdip_access::{Category, Urgency};
use tdip_model::IdentKind;

use crate::{Object, Request, demands, parse_request};

const EXAMPLE: &str = include_str!("../../../docs/examples/hi1-lookup.xml");

fn parts(r: &Request) -> (crate::Authorisation, crate::LdTask) {
    let (Some(Object::Authorisation(a)), Some(Object::LdTask(t))) =
        (&r.actions[0].object, &r.actions[1].object)
    else {
        panic!("an authorisation and a task");
    };
    (a.clone(), t.clone())
}

#[test]
fn the_documented_example_is_the_demand_it_describes() {
    let (auth, task) = parts(&parse_request(EXAMPLE).unwrap());
    let d = demands(&auth, &task, "nl/politie").unwrap();
    assert_eq!(d.len(), 1);
    let (demand, sought) = &d[0];
    assert_eq!(demand.agency, "nl/politie");
    assert_eq!(demand.officer, "T-1");
    assert_eq!(demand.basis, "nl/sv-126n");
    assert_eq!(demand.case_reference, "PL0900-2026123456");
    assert_eq!(
        demand.authorised_by.as_deref(),
        Some("mr. A. de Vries (OvJ)")
    );
    assert_eq!(demand.urgency, Urgency::Normal);
    assert_eq!(demand.category, Category::HistoricalIdentification);
    assert_eq!(
        (sought.kind, sought.value.as_str()),
        (IdentKind::Msisdn, "+31612345678")
    );
    // 2026-11-02T11:00:00Z.
    assert_eq!((sought.from, sought.to), (1_793_617_200, 1_793_617_200));
    assert!(!format!("{sought:?}").contains("612345678"));
    // The catalogue grants it.
    tdip_access::Catalogue::defaults()
        .unwrap()
        .authorise(demand)
        .unwrap();
}

#[test]
fn emergencies_are_urgent() {
    let xml = EXAMPLE.replace(
        "<common:ApprovalReference>T-1</common:ApprovalReference>",
        "<common:ApprovalReference>T-1</common:ApprovalReference>\
         <common:ApprovalIsEmergency>true</common:ApprovalIsEmergency>",
    );
    let (auth, task) = parts(&parse_request(&xml).unwrap());
    assert_eq!(
        demands(&auth, &task, "nl/politie").unwrap()[0].0.urgency,
        Urgency::Urgent
    );
}

#[test]
fn each_part_out_of_place_is_named() {
    let cases = [
        (
            EXAMPLE.replace(
                "<common:Name>LegalBasis</common:Name>",
                "<common:Name>Other</common:Name>",
            ),
            "names no legal basis",
        ),
        (
            EXAMPLE.replace(
                "<auth:AuthorisationReference>PL0900-2026123456</auth:AuthorisationReference>",
                "",
            ),
            "has no AuthorisationReference",
        ),
        (
            EXAMPLE.replace("<common:ApprovalType>Requester</common:ApprovalType>", ""),
            "names no requesting officer",
        ),
        (
            EXAMPLE.replace(
                "<common:Value>SubscriberData</common:Value>",
                "<common:Value>TrafficData</common:Value>",
            ),
            "not TrafficData",
        ),
    ];
    for (xml, says) in cases {
        let (auth, task) = parts(&parse_request(&xml).unwrap());
        let e = demands(&auth, &task, "nl/politie").unwrap_err().to_string();
        assert!(
            e.starts_with("task LD-2026-0001: ")
                && e.contains(says)
                && e.ends_with("(docs/hi1.md)"),
            "{says}: {e}"
        );
    }
}

//! What every registry of officers and agency suspensions must do.

use crate::{AccessStore, AgencySuspension, Officer, StoreError, Suspension};

fn officer(agency: &str, id: &str) -> Officer {
    Officer {
        agency: agency.into(),
        id: id.into(),
        name: format!("Officer {id}"),
        registered_at: 1_800_000_000,
        valid_until: None,
        suspended: None,
    }
}

fn suspension(at: i64, reason: &str) -> Suspension {
    Suspension {
        at,
        reason: reason.into(),
    }
}

/// Runs every access check against the empty registry `store`.
pub async fn run_all<S: AccessStore>(store: &S) {
    officers_are_registered_once_and_listed_in_order(store).await;
    officers_are_suspended_and_reinstated(store).await;
    authorisations_end_and_are_extended(store).await;
    unknown_officers_change_nothing(store).await;
    agencies_are_suspended_and_reinstated(store).await;
    standing_reads_officer_and_agency_together(store).await;
}

async fn standing_reads_officer_and_agency_together<S: AccessStore>(store: &S) {
    let o = officer("nl/fiod", "s-1");
    let none = store.standing("nl/fiod", "s-1").await.unwrap();
    assert_eq!((none.officer, none.agency_suspension), (None, None));
    store.add_officer(&o).await.unwrap();
    let s = store.standing("nl/fiod", "s-1").await.unwrap();
    assert_eq!((s.officer, s.agency_suspension), (Some(o.clone()), None));
    store
        .suspend_agency("nl/fiod", &suspension(50, "review"))
        .await
        .unwrap();
    // An agency's suspension is read for officers registered or not.
    for id in ["s-1", "s-2"] {
        let s = store.standing("nl/fiod", id).await.unwrap();
        assert_eq!(s.agency_suspension, Some(suspension(50, "review")));
        assert_eq!(s.officer.is_some(), id == "s-1");
    }
    assert_eq!(
        store
            .standing("nl/kmar", "s-1")
            .await
            .unwrap()
            .agency_suspension,
        None
    );
    store.reinstate_agency("nl/fiod").await.unwrap();
}

fn keys(officers: &[Officer]) -> Vec<(&str, &str)> {
    officers
        .iter()
        .map(|o| (o.agency.as_str(), o.id.as_str()))
        .collect()
}

async fn officers_are_registered_once_and_listed_in_order<S: AccessStore>(store: &S) {
    assert!(store.officers(None).await.unwrap().is_empty());
    // Registered out of order; ids compare by their bytes ("B7" before "a1").
    for (agency, id) in [
        ("nl/politie", "a1"),
        ("be/politie", "9"),
        ("nl/politie", "B7"),
        ("nl/fiod", "x"),
        ("nl/politie", "10"),
    ] {
        store.add_officer(&officer(agency, id)).await.unwrap();
    }
    let mut held = officer("nl/politie", "a1");
    held.name = "Somebody Else".into();
    let err = store.add_officer(&held).await.unwrap_err();
    assert!(matches!(err, StoreError::Conflict(_)), "{err}");
    assert!(err.to_string().contains("already registered"), "{err}");
    assert_eq!(
        store.officer("nl/politie", "a1").await.unwrap(),
        Some(officer("nl/politie", "a1")),
        "a refused duplicate changes nothing"
    );
    // The same officer id in another agency is another officer.
    store.add_officer(&officer("nl/fiod", "a1")).await.unwrap();

    assert_eq!(
        keys(&store.officers(None).await.unwrap()),
        [
            ("be/politie", "9"),
            ("nl/fiod", "a1"),
            ("nl/fiod", "x"),
            ("nl/politie", "10"),
            ("nl/politie", "B7"),
            ("nl/politie", "a1"),
        ]
    );
    assert_eq!(
        keys(&store.officers(Some("nl/fiod")).await.unwrap()),
        [("nl/fiod", "a1"), ("nl/fiod", "x")]
    );
    assert!(store.officers(Some("nl")).await.unwrap().is_empty());

    // Every field round trips, a suspension and an end given at registration included.
    let full = Officer {
        valid_until: Some(1_900_000_000),
        suspended: Some(suspension(1_800_000_500, "under investigation")),
        ..officer("be/fccu", "007")
    };
    store.add_officer(&full).await.unwrap();
    assert_eq!(store.officer("be/fccu", "007").await.unwrap(), Some(full));
}

async fn officers_are_suspended_and_reinstated<S: AccessStore>(store: &S) {
    store.add_officer(&officer("nl/kmar", "k1")).await.unwrap();
    store.add_officer(&officer("nl/kmar", "k2")).await.unwrap();
    let lost = suspension(1_800_001_000, "no longer with the unit");
    assert!(store.suspend_officer("nl/kmar", "k1", &lost).await.unwrap());
    let k1 = store.officer("nl/kmar", "k1").await.unwrap().unwrap();
    assert_eq!(k1.suspended, Some(lost));
    assert_eq!(
        Officer {
            suspended: None,
            ..k1
        },
        officer("nl/kmar", "k1"),
        "a suspension changes nothing else"
    );
    assert_eq!(
        store.officer("nl/kmar", "k2").await.unwrap(),
        Some(officer("nl/kmar", "k2")),
        "only the officer named is suspended"
    );

    let later = suspension(1_800_002_000, "authority withdrawn");
    assert!(
        store
            .suspend_officer("nl/kmar", "k1", &later)
            .await
            .unwrap()
    );
    assert_eq!(
        store
            .officer("nl/kmar", "k1")
            .await
            .unwrap()
            .unwrap()
            .suspended,
        Some(later.clone()),
        "a new suspension replaces the one in force"
    );
    let listed = store.officers(Some("nl/kmar")).await.unwrap();
    assert_eq!(listed[0].suspended, Some(later));

    assert!(store.reinstate_officer("nl/kmar", "k1").await.unwrap());
    assert_eq!(
        store.officer("nl/kmar", "k1").await.unwrap(),
        Some(officer("nl/kmar", "k1"))
    );
    assert!(
        store.reinstate_officer("nl/kmar", "k1").await.unwrap(),
        "reinstating an officer who is not suspended is no error"
    );
}

async fn authorisations_end_and_are_extended<S: AccessStore>(store: &S) {
    store.add_officer(&officer("nl/aivd", "v1")).await.unwrap();
    assert!(
        store
            .set_officer_valid_until("nl/aivd", "v1", Some(1_850_000_000))
            .await
            .unwrap()
    );
    let v1 = store.officer("nl/aivd", "v1").await.unwrap().unwrap();
    assert_eq!(v1.valid_until, Some(1_850_000_000));
    assert_eq!(
        Officer {
            valid_until: None,
            ..v1
        },
        officer("nl/aivd", "v1")
    );
    assert!(
        store
            .set_officer_valid_until("nl/aivd", "v1", Some(1_860_000_000))
            .await
            .unwrap()
    );
    assert_eq!(
        store.officers(Some("nl/aivd")).await.unwrap()[0].valid_until,
        Some(1_860_000_000)
    );
    assert!(
        store
            .set_officer_valid_until("nl/aivd", "v1", None)
            .await
            .unwrap()
    );
    assert_eq!(
        store.officer("nl/aivd", "v1").await.unwrap(),
        Some(officer("nl/aivd", "v1")),
        "the end is removed"
    );
}

async fn unknown_officers_change_nothing<S: AccessStore>(store: &S) {
    let before = store.officers(None).await.unwrap();
    let s = suspension(1_800_003_000, "x");
    // Unknown id, unknown agency, and an id known only in another agency.
    for (agency, id) in [
        ("nl/politie", "ghost"),
        ("xx/nobody", "a1"),
        ("be/politie", "a1"),
    ] {
        assert_eq!(store.officer(agency, id).await.unwrap(), None);
        assert!(!store.suspend_officer(agency, id, &s).await.unwrap());
        assert!(!store.reinstate_officer(agency, id).await.unwrap());
        assert!(
            !store
                .set_officer_valid_until(agency, id, Some(1))
                .await
                .unwrap()
        );
    }
    assert_eq!(store.officers(None).await.unwrap(), before);
    assert!(store.officers(Some("xx/nobody")).await.unwrap().is_empty());
}

async fn agencies_are_suspended_and_reinstated<S: AccessStore>(store: &S) {
    let officers = store.officers(None).await.unwrap();
    assert!(store.agency_suspensions().await.unwrap().is_empty());
    assert_eq!(store.agency_suspension("nl/politie").await.unwrap(), None);
    assert!(!store.reinstate_agency("nl/politie").await.unwrap());

    let first = suspension(1_800_004_000, "mandate under review");
    store.suspend_agency("nl/politie", &first).await.unwrap();
    // An agency with no officers registered may be suspended too.
    let other = suspension(1_800_004_100, "not yet accredited");
    store.suspend_agency("be/douane", &other).await.unwrap();
    assert_eq!(
        store.agency_suspension("nl/politie").await.unwrap(),
        Some(first)
    );
    assert_eq!(
        store.agency_suspension("nl/fiod").await.unwrap(),
        None,
        "only the agency named is suspended"
    );

    let renewed = suspension(1_800_005_000, "mandate withdrawn");
    store.suspend_agency("nl/politie", &renewed).await.unwrap();
    assert_eq!(
        store.agency_suspensions().await.unwrap(),
        [
            AgencySuspension {
                agency: "be/douane".into(),
                suspension: other.clone(),
            },
            AgencySuspension {
                agency: "nl/politie".into(),
                suspension: renewed.clone(),
            },
        ],
        "suspending again replaces the suspension, by agency id"
    );
    assert_eq!(
        store.officers(None).await.unwrap(),
        officers,
        "an agency's suspension is its own record: its officers are unchanged"
    );

    assert!(store.reinstate_agency("nl/politie").await.unwrap());
    assert!(!store.reinstate_agency("nl/politie").await.unwrap());
    assert_eq!(store.agency_suspension("nl/politie").await.unwrap(), None);
    assert_eq!(
        store.agency_suspensions().await.unwrap(),
        [AgencySuspension {
            agency: "be/douane".into(),
            suspension: other,
        }]
    );
}

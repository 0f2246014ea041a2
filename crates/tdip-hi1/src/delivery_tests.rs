//! A delivery's `Debug` output names objects and providers, never what the records hold.

use tdip_model::subscription::{Column, ParseContext, RawRow, parse_row};

use crate::{DeliveryView, Record};

#[test]
fn debug_of_a_delivery_shows_no_identifier_or_personal_data() {
    let cells = [
        ("subscription_id", "K-77"),
        ("service", "mobile"),
        ("msisdn", "+31612345678"),
        ("imsi", "204081234567890"),
        ("email", "jan@example.nl"),
        ("surname", "Jansen"),
        ("given_names", "Pieter"),
        ("billing_street", "Damrak"),
        ("billing_postcode", "1012LG"),
        ("subscription_start", "2026-01-01T00:00:00Z"),
        ("payment_means", "NL91ABNA0417164300"),
    ];
    let mut row = RawRow::new();
    for (name, value) in cells {
        row.set(Column::from_name(name).unwrap(), value);
    }
    let subscription = parse_row(&row, &ParseContext::default()).unwrap();
    let at = "2026-11-24T12:00:00Z".parse().unwrap();
    let view = DeliveryView {
        object: "71ff52ca-bcea-4fa3-b34e-1b89dcfb0d9e".into(),
        country: "NL".into(),
        owner: "TDIP-POINT".into(),
        generation: 1,
        associated: vec!["2b36a78b-b628-416d-bd22-404e68a0cd36".into()],
        last_changed: at,
        reference: "NL-POLITIE-2026-0001".into(),
        delivery_id: "d1079830-8e9a-4731-8fb7-36b9b961eb72".into(),
        records: vec![Record {
            format: "InternationalE164".into(),
            searched: "+31612345678".into(),
            provider: "kpn".into(),
            provider_name: "KPN B.V.".into(),
            valid_from: at,
            valid_to: None,
            basis: "observed".into(),
            subscription,
        }],
    };
    let dbg = format!("{view:?}");
    for leak in [
        "K-77",
        "31612345678",
        "204081234567890",
        "jan@example.nl",
        "Jansen",
        "Pieter",
        "Damrak",
        "1012LG",
        "NL91",
    ] {
        assert!(!dbg.contains(leak), "Debug shows {leak}: {dbg}");
    }
    for shown in [
        "71ff52ca-bcea-4fa3-b34e-1b89dcfb0d9e",
        "d1079830-8e9a-4731-8fb7-36b9b961eb72",
        "provider: \"kpn\"",
        "service: Mobile",
    ] {
        assert!(dbg.contains(shown), "Debug lacks {shown}: {dbg}");
    }
    // And the outcome carrying it.
    let outcome = format!("{:?}", crate::Outcome::Delivered(view));
    assert!(!outcome.contains("31612345678") && !outcome.contains("Jansen"));
}

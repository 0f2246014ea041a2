//! The answer on the wire: every field name the API has sent since the first release, each
//! basis by its `kind`, and the subscriber data exactly as the model holds it.

use serde_json::json;
use tdip_access::{Due, Grant, Rule};
use tdip_core::consult::Consulted;
use tdip_core::lookup::{Answer, Evidence, Hit, Searched, When};
use tdip_model::subscription::{Address, PaymentMethod, Service, Subscription};

fn ts(s: i64) -> jiff::Timestamp {
    jiff::Timestamp::from_second(s).unwrap()
}

/// A subscription with every field given, so that none can be left out unseen.
fn full() -> Subscription {
    let address = |city: &str| Address {
        street: Some("Dorpsstraat".into()),
        house_number: Some("1".into()),
        house_number_addition: Some("A".into()),
        postcode: Some("1234AB".into()),
        city: Some(city.into()),
        country: "NL".into(),
    };
    Subscription {
        subscription_id: "S-1".into(),
        service: Service::Mobile,
        supplementary: vec!["voicemail".into()],
        msisdn: vec!["+31612345678".into()],
        imsi: vec!["204081234567890".into()],
        imei: vec!["35209900176148".into()],
        ip: vec!["192.0.2.1".into()],
        email: vec!["a@example.nl".into()],
        user_id: vec!["u1".into()],
        mac: vec!["00:11:22:33:44:55".into()],
        surname: Some("Jansen".into()),
        organisation: Some("Org".into()),
        given_names: Some("Jan".into()),
        billing: Some(address("Utrecht")),
        install: Some(address("Delft")),
        subscription_start: ts(1_600_000_000),
        subscription_end: Some(ts(1_700_000_000)),
        registration_place: Some("shop".into()),
        activation_at: Some(ts(1_600_000_100)),
        activation_cell: Some("cell-9".into()),
        registration_ip: Some("198.51.100.7".into()),
        registration_port: Some(4433),
        registration_ntp: Some("ntp-1".into()),
        ported_from: Some("A".into()),
        ported_to: Some("B".into()),
        ported_at: Some(ts(1_650_000_000)),
        payment_method: Some(PaymentMethod::DirectDebit),
        payment_means: Some("NL00BANK0123456789".into()),
    }
}

#[test]
fn the_wire_subscription_is_the_models_field_for_field_and_value_for_value() {
    let model = full();
    let wire = super::subscription(&model);
    // The model keeps serde for sealing (postcard); its JSON is what the API sent before
    // the wire had types of its own.
    assert_eq!(
        serde_json::to_value(&wire).unwrap(),
        serde_json::to_value(&model).unwrap()
    );
    let mut bare = full();
    (bare.billing, bare.subscription_end, bare.payment_method) = (None, None, None);
    assert_eq!(
        serde_json::to_value(super::subscription(&bare)).unwrap(),
        serde_json::to_value(&bare).unwrap()
    );
}

#[test]
fn an_answer_carries_the_fields_the_api_has_always_sent() {
    let basis = [
        (
            Evidence::Observed {
                first_delivery: 1,
                last_delivery: 2,
            },
            json!({"kind": "observed", "first_delivery": 1, "last_delivery": 2}),
        ),
        (
            Evidence::AfterLatestDelivery {
                first_delivery: 1,
                latest_delivery: 2,
            },
            json!({"kind": "after_latest_delivery", "first_delivery": 1, "latest_delivery": 2}),
        ),
        (
            Evidence::ChangedBetween {
                last_delivery_with: 1,
                first_delivery_without: 2,
            },
            json!({"kind": "changed_between", "last_delivery_with": 1, "first_delivery_without": 2}),
        ),
        (
            Evidence::AppearedBetween {
                last_delivery_without: 1,
                first_delivery_with: 2,
            },
            json!({"kind": "appeared_between", "last_delivery_without": 1, "first_delivery_with": 2}),
        ),
        (
            Evidence::InferredFromStartDate {
                subscription_start: 1,
                first_delivery: 2,
            },
            json!({"kind": "inferred_from_start_date", "subscription_start": 1, "first_delivery": 2}),
        ),
    ];
    let hits = basis
        .iter()
        .enumerate()
        .map(|(i, (b, _))| Hit {
            provider: "kpn".into(),
            provider_name: "KPN B.V.".into(),
            version: i as i64,
            valid_from: 10,
            valid_to: (i == 0).then_some(20),
            basis: *b,
            subscription: full(),
            payments: Vec::new(),
        })
        .collect();
    let done = Consulted {
        consultation: "00ff00ff00ff00ff".into(),
        grant: Grant {
            agency_name: "Politie".into(),
            basis_title: "art. 126na Sv".into(),
        },
        answer: Answer {
            searched: Searched {
                kind: "msisdn".into(),
                value: "+31612345678".into(),
            },
            kind: "msisdn",
            when: When::Between { from: 5, to: 6 },
            hits,
        },
        due: Due {
            at: 99,
            rule: Rule::Retrospective,
        },
    };
    let v = serde_json::to_value(super::answered(&done)).unwrap();
    let hits = v["hits"].as_array().unwrap().clone();
    let mut head = v.clone();
    head.as_object_mut().unwrap().remove("hits");
    assert_eq!(
        head,
        json!({
            "consultation": "00ff00ff00ff00ff", "agency": "Politie",
            "legal_basis": "art. 126na Sv", "due": 99, "due_rule": "retrospective",
            "searched": {"kind": "msisdn", "value": "+31612345678"}, "kind": "msisdn",
            "when": {"kind": "between", "from": 5, "to": 6},
        })
    );
    assert_eq!(hits.len(), basis.len());
    for (i, (hit, (_, want))) in hits.iter().zip(&basis).enumerate() {
        assert_eq!(hit["basis"], *want);
        assert_eq!(hit["provider"], "kpn");
        assert_eq!(hit["provider_name"], "KPN B.V.");
        assert_eq!(hit["version"], i);
        assert_eq!(hit["valid_from"], 10);
        assert_eq!(
            hit["valid_to"],
            if i == 0 { json!(20) } else { json!(null) }
        );
        assert_eq!(hit["subscription"], serde_json::to_value(full()).unwrap());
        assert_eq!(hit["payments"], json!([]));
        assert_eq!(hit.as_object().unwrap().len(), 8, "{hit}");
    }
    let at = When::At { at: 7 };
    let done = Consulted {
        answer: Answer {
            when: at,
            hits: vec![],
            ..done.answer
        },
        ..done
    };
    let v = serde_json::to_value(super::answered(&done)).unwrap();
    assert_eq!(v["when"], json!({"kind": "at", "at": 7}));
    assert_eq!(v["hits"], json!([]));
    // What the CLI's `--server` mode reads back is what was sent.
    let back: tdip_api::Answered = serde_json::from_value(v.clone()).unwrap();
    assert_eq!(serde_json::to_value(back).unwrap(), v);
}

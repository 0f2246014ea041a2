//! Successive full snapshots become history; lookups say what they rest on.

mod common;

use common::*;
use tdip_core::lookup::Evidence;
use tdip_model::IdentKind;

#[tokio::test]
async fn successive_snapshots_open_change_and_close_versions() {
    let p = Point::new().await;
    let r = p
        .deliver("kpn", &csv(&[JANSEN, DE_VRIES, BAKKER]), D0)
        .await;
    assert!(r.accepted(), "{:?}", r.errors);
    assert_eq!(
        (r.rows, r.opened, r.changed, r.closed, r.unchanged),
        (3, 3, 0, 0, 0)
    );

    let r = p
        .deliver("kpn", &csv(&[DE_VRIES, JANSEN_MOVED, SMIT]), D0 + DAY)
        .await;
    assert!(r.accepted(), "{:?}", r.errors);
    assert_eq!(
        (r.rows, r.opened, r.changed, r.closed, r.unchanged),
        (3, 1, 1, 1, 1)
    );

    // Jansen moved: the old address answers at the first snapshot, the new one after the second.
    let a = p.at(IdentKind::Msisdn, "+31612345678", D0).await;
    assert_eq!(a.hits.len(), 1);
    assert_eq!(
        a.hits[0]
            .subscription
            .billing
            .as_ref()
            .unwrap()
            .city
            .as_deref(),
        Some("Amsterdam")
    );
    assert_eq!(
        a.hits[0].basis,
        Evidence::Observed {
            first_delivery: D0,
            last_delivery: D0
        }
    );
    let a = p.at(IdentKind::Msisdn, "0612345678", D0 + DAY + 3600).await;
    assert_eq!(a.hits.len(), 1);
    assert_eq!(
        a.hits[0]
            .subscription
            .billing
            .as_ref()
            .unwrap()
            .city
            .as_deref(),
        Some("Utrecht")
    );
    assert_eq!(
        a.hits[0].basis,
        Evidence::AfterLatestDelivery {
            first_delivery: D0 + DAY,
            latest_delivery: D0 + DAY
        }
    );

    // Between the two snapshots the change is not dated: both versions answer, and say so.
    let a = p.at(IdentKind::Imei, "49015420323751", D0 + DAY / 2).await;
    assert_eq!(a.hits.len(), 2);
    assert_eq!(
        a.hits[0].basis,
        Evidence::ChangedBetween {
            last_delivery_with: D0,
            first_delivery_without: D0 + DAY
        }
    );
    assert_eq!(
        a.hits[1].basis,
        Evidence::AppearedBetween {
            last_delivery_without: D0,
            first_delivery_with: D0 + DAY
        }
    );

    // Bakker vanished on day 1; before the first delivery only the start date speaks.
    let a = p.at(IdentKind::Imsi, "204081234567891", D0 + 2 * DAY).await;
    assert!(
        a.hits.is_empty(),
        "a closed subscription is not held after it vanished"
    );
    let a = p
        .at(IdentKind::Imsi, "204081234567891", D0 - 100 * DAY)
        .await;
    assert_eq!(a.hits.len(), 1);
    assert!(matches!(
        a.hits[0].basis,
        Evidence::InferredFromStartDate {
            first_delivery: D0,
            ..
        }
    ));
    let a = p
        .at(IdentKind::Imsi, "204081234567891", D0 - 2000 * DAY)
        .await;
    assert!(
        a.hits.is_empty(),
        "before the subscription started nobody held it"
    );

    // Smit appeared on day 1; between the snapshots that is uncertain, before it a no-hit.
    let a = p.at(IdentKind::Msisdn, "020-1234567", D0 + DAY / 2).await;
    assert_eq!(a.hits.len(), 1, "Smit's start date lies before this moment");
    assert_eq!(
        a.hits[0].basis,
        Evidence::AppearedBetween {
            last_delivery_without: D0,
            first_delivery_with: D0 + DAY
        }
    );
    let a = p.at(IdentKind::Msisdn, "020-1234567", D0 + 3600).await;
    assert!(
        a.hits.is_empty(),
        "Smit's subscription started after this moment"
    );

    // A period spanning the move returns both versions.
    let a = p
        .between(IdentKind::UserId, "u-jansen", D0, D0 + 2 * DAY)
        .await;
    assert_eq!(a.hits.len(), 2);
    assert!(a.hits[0].valid_from < a.hits[1].valid_from);
    assert_eq!(a.hits[0].valid_to, Some(D0 + DAY));
}

#[tokio::test]
async fn identifiers_of_every_kind_find_the_subscription() {
    let p = Point::new().await;
    assert!(
        p.deliver("kpn", &csv(&[JANSEN, DE_VRIES]), D0)
            .await
            .accepted()
    );
    let t = D0 + 60;
    for (kind, value) in [
        (IdentKind::Msisdn, "0031 6 1234 5678"),
        (IdentKind::Imsi, "204081234567890"),
        (IdentKind::Imei, "49-015420-323751-8"),
        (IdentKind::UserId, "u-devries"),
        (IdentKind::Email, "marie@bücher.nl"),
        (IdentKind::Email, "marie@xn--bcher-kva.nl"),
        (IdentKind::Ip, "198.51.100.5"),
        (IdentKind::Ip, "198.51.100.0/30"),
        (IdentKind::Ip, "2001:db8:12:ff::1"),
    ] {
        let a = p.at(kind, value, t).await;
        assert_eq!(a.hits.len(), 1, "{} {value}", kind.as_str());
    }
    for (kind, value) in [
        (IdentKind::Ip, "198.51.100.8"),
        (IdentKind::Email, "Marie@bücher.nl"),
        (IdentKind::Ip, "198.51.100.0/28"),
    ] {
        assert!(
            p.at(kind, value, t).await.hits.is_empty(),
            "{} {value} must not hit",
            kind.as_str()
        );
    }
}

#[tokio::test]
async fn redelivering_the_same_file_changes_nothing() {
    let p = Point::new().await;
    let file = csv(&[JANSEN, DE_VRIES, BAKKER]);
    assert!(p.deliver("kpn", &file, D0).await.accepted());
    let before = p
        .between(IdentKind::Msisdn, "0612345678", 0, D0 + 9 * DAY)
        .await
        .hits
        .len();
    for (n, at) in [D0, D0 + DAY, D0 + 2 * DAY].into_iter().enumerate() {
        let r = p.deliver("kpn", &file, at).await;
        assert!(r.accepted(), "re-delivery {n}: {:?}", r.errors);
        assert_eq!(
            (r.opened, r.changed, r.closed, r.unchanged),
            (0, 0, 0, 3),
            "re-delivery {n}"
        );
    }
    let after = p
        .between(IdentKind::Msisdn, "0612345678", 0, D0 + 9 * DAY)
        .await;
    assert_eq!(after.hits.len(), before);
    assert_eq!(
        after.hits[0].basis,
        Evidence::InferredFromStartDate {
            subscription_start: 1_714_557_600,
            first_delivery: D0
        }
    );
    let now = p
        .at(IdentKind::Msisdn, "0612345678", D0 + 2 * DAY - 1)
        .await;
    assert_eq!(
        now.hits[0].basis,
        Evidence::Observed {
            first_delivery: D0,
            last_delivery: D0 + 2 * DAY
        }
    );
}

#[tokio::test]
async fn the_same_rows_reformatted_or_as_json_lines_are_unchanged() {
    let p = Point::new().await;
    assert!(
        p.deliver("kpn", &csv(&[JANSEN, DE_VRIES]), D0)
            .await
            .accepted()
    );
    // Other column order, other phone format, quoted fields: same content.
    let reordered = "user_id,subscription_id,service,msisdn,imsi,imei,surname,given_names,billing_street,billing_house_number,billing_postcode,billing_city,subscription_start,ip,email\n\
        u-jansen,S1,mobile,+31 6 12345678,204081234567890,490154203237518,\"Jansen\",Pieter,Kerkstraat,12,1234AB,Amsterdam,2024-05-01T12:00:00+02:00,,\n";
    let jsonl = r#"{"subscription_id":"S2","service":"internet","ip":["198.51.100.0/29","2001:db8:12::/48"],"email":"marie@Bücher.NL","user_id":"u-devries","surname":"de Vries","given_names":"Marie","billing_street":"Stationsweg","billing_house_number":7,"billing_postcode":"2513 AB","billing_city":"Den Haag","subscription_start":"2025-01-15T08:30:00Z"}"#;
    let r = p.deliver("kpn", reordered, D0 + DAY).await;
    assert_eq!(
        (r.opened, r.changed, r.closed, r.unchanged),
        (0, 0, 1, 1),
        "{:?}",
        r.errors
    );
    let path = p.write("kpn.jsonl", format!("{jsonl}\n").as_bytes());
    let r = p.deliver_file("kpn", &path, D0 + 2 * DAY).await;
    assert!(r.accepted(), "{:?}", r.errors);
    assert_eq!(
        (r.opened, r.changed, r.closed),
        (1, 0, 1),
        "S2 came back after a day away, S1 left"
    );
}

#[tokio::test]
async fn gzip_deliveries_are_read_by_their_magic_bytes() {
    use std::io::Write;
    let p = Point::new().await;
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(csv(&[JANSEN, BAKKER]).as_bytes()).unwrap();
    let path = p.write("kpn.csv", &gz.finish().unwrap());
    let r = p.deliver_file("kpn", &path, D0).await;
    assert_eq!((r.rows, r.opened), (2, 2), "{:?}", r.errors);
    assert_eq!(r.checksum.len(), 64);
}

#[tokio::test]
async fn providers_are_kept_apart() {
    let p = Point::new().await;
    assert!(p.deliver("kpn", &csv(&[JANSEN]), D0).await.accepted());
    let r = p.deliver("proximus", &csv(&[PEETERS]), D0 + 10).await;
    assert!(r.accepted(), "{:?}", r.errors);
    // kpn's next delivery without S1 closes only kpn's S1.
    let r = p.deliver("kpn", &csv(&[DE_VRIES]), D0 + DAY).await;
    assert_eq!((r.opened, r.closed), (1, 1));
    let a = p.at(IdentKind::Msisdn, "+32470123456", D0 + DAY + 5).await;
    assert_eq!(a.hits[0].provider, "proximus");
    assert!(
        p.at(IdentKind::Imsi, "204081234567890", D0 + DAY + 5)
            .await
            .hits
            .is_empty()
    );
}

/// 200 subscriptions; each day 40 of them move. The first days' changes are appended
/// to the snapshot index as deltas, later ones fold them into a new base: every day
/// must still diff exactly and answer with the right address.
#[tokio::test]
async fn many_days_of_small_changes_keep_diffing_exactly() {
    let p = Point::new().await;
    let row = |i: usize, city: usize| {
        format!(
            "D{i},voip,,,,,,u-{i},Visser,Eva,Laan,{},1011 AA,City{city},2020-01-01T00:00:00Z",
            i + 1
        )
    };
    let mut cities = vec![0usize; 200];
    for day in 0..5usize {
        if day > 0 {
            for c in cities.iter_mut().skip((day - 1) * 40).take(40) {
                *c = day;
            }
        }
        let rows: Vec<String> = (0..200).map(|i| row(i, cities[i])).collect();
        let refs: Vec<&str> = rows.iter().map(String::as_str).collect();
        let r = p.deliver("kpn", &csv(&refs), D0 + day as i64 * DAY).await;
        let expect = if day == 0 {
            (200, 0, 0, 0)
        } else {
            (0, 40, 0, 160)
        };
        assert_eq!(
            (r.opened, r.changed, r.closed, r.unchanged),
            expect,
            "day {day}: {:?}",
            r.errors
        );
    }
    for i in [0, 39, 40, 120, 199] {
        for day in 0..5i64 {
            let a = p
                .at(IdentKind::UserId, &format!("u-{i}"), D0 + day * DAY)
                .await;
            assert_eq!(a.hits.len(), 1, "u-{i} day {day}");
            let city = a.hits[0]
                .subscription
                .billing
                .as_ref()
                .unwrap()
                .city
                .clone()
                .unwrap();
            let moved_on = i / 40 + 1;
            let expect = if (day as usize) >= moved_on {
                moved_on
            } else {
                0
            };
            assert_eq!(city, format!("City{expect}"), "u-{i} day {day}");
        }
    }
    // An identical re-delivery after all that still finds every row unchanged.
    let rows: Vec<String> = (0..200).map(|i| row(i, cities[i])).collect();
    let refs: Vec<&str> = rows.iter().map(String::as_str).collect();
    let r = p.deliver("kpn", &csv(&refs), D0 + 9 * DAY).await;
    assert_eq!((r.opened, r.changed, r.closed, r.unchanged), (0, 0, 0, 200));
}

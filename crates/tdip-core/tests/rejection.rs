//! A delivery with one bad row is rejected whole, with line, field and reason for every
//! bad row, and the previous state untouched.

mod common;

use common::*;
use tdip_core::ingest::RowError;
use tdip_model::IdentKind;
use tdip_store::{DeliveryOutcome, Store};

fn err(line: u64, field: &str) -> (u64, String) {
    (line, field.to_owned())
}

fn located(errors: &[RowError]) -> Vec<(u64, String)> {
    errors.iter().map(|e| (e.line, e.field.clone())).collect()
}

/// The state a lookup sees, as comparable text.
async fn state(p: &Point) -> Vec<String> {
    let mut out = Vec::new();
    for (kind, value) in [
        (IdentKind::UserId, "u-jansen"),
        (IdentKind::UserId, "u-devries"),
        (IdentKind::UserId, "u-bakker"),
    ] {
        for h in p.between(kind, value, 0, D0 + 30 * DAY).await.hits {
            out.push(format!(
                "{} {} {:?} {:?}",
                h.version, h.valid_from, h.valid_to, h.basis
            ));
        }
    }
    out
}

#[tokio::test]
async fn every_bad_row_is_reported_and_nothing_changes() {
    let p = Point::new().await;
    assert!(
        p.deliver("kpn", &csv(&[JANSEN, DE_VRIES]), D0)
            .await
            .accepted()
    );
    let before = state(&p).await;

    let bad_imei = "S3,mobile,+31687654321,204081234567891,352099001761482,,,u-bakker,Bakker,Sanne,Markt,1,5611 AA,Eindhoven,2023-02-01T00:00:00Z";
    let bad_many = "S5,fax,06-1234,,,,,u-x,,,,,12345,,2026-03-29 02:30:00";
    let file = csv(&[JANSEN_MOVED, bad_imei, BAKKER, bad_many]);
    let r = p.deliver("kpn", &file, D0 + DAY).await;
    assert!(!r.accepted());
    assert_eq!(r.rows, 4);
    assert_eq!(
        located(&r.errors),
        [
            err(3, "imei"),
            err(5, "service"),
            err(5, "msisdn"),
            err(5, "surname"),
            err(5, "billing_postcode"),
            err(5, "subscription_start")
        ]
    );
    assert!(
        r.errors[0].reason.contains("Luhn"),
        "{}",
        r.errors[0].reason
    );
    assert!(
        r.errors[5].reason.contains("daylight-saving gap"),
        "{}",
        r.errors[5].reason
    );
    let text = format!("{r:?}");
    for secret in ["352099001761482", "Bakker", "Eindhoven", "06-1234", "12345"] {
        assert!(!text.contains(secret), "the report leaks {secret}: {text}");
    }
    assert_eq!(
        state(&p).await,
        before,
        "a rejected delivery must leave the state untouched"
    );

    let log = p.store.deliveries(Some("kpn"), 10).await.unwrap();
    assert_eq!(log[0].delivery.outcome, DeliveryOutcome::Rejected);
    assert_eq!(log[0].delivery.errors, 6);
    // The same day delivered correctly is then accepted and diffs against the old state.
    let r = p
        .deliver("kpn", &csv(&[JANSEN_MOVED, BAKKER]), D0 + DAY)
        .await;
    assert_eq!((r.opened, r.changed, r.closed), (1, 1, 1), "{:?}", r.errors);
}

#[tokio::test]
async fn duplicate_subscription_ids_are_refused() {
    let p = Point::new().await;
    let r = p
        .deliver("kpn", &csv(&[JANSEN, DE_VRIES, JANSEN_MOVED]), D0)
        .await;
    assert_eq!(located(&r.errors), [err(4, "subscription_id")]);
    assert!(
        r.errors[0].reason.contains("first on line 2"),
        "{}",
        r.errors[0].reason
    );
    assert!(
        p.deliver("kpn", &csv(&[JANSEN, DE_VRIES]), D0)
            .await
            .accepted()
    );
    // The fast path (identical rows) and the full path (changed rows) both catch duplicates.
    let r = p
        .deliver("kpn", &csv(&[JANSEN, JANSEN, DE_VRIES]), D0 + DAY)
        .await;
    assert_eq!(located(&r.errors), [err(3, "subscription_id")]);
    let r = p
        .deliver("kpn", &csv(&[JANSEN_MOVED, DE_VRIES, JANSEN]), D0 + DAY)
        .await;
    assert_eq!(located(&r.errors), [err(4, "subscription_id")]);
}

#[tokio::test]
async fn snapshots_do_not_go_back_in_time() {
    let p = Point::new().await;
    assert!(p.deliver("kpn", &csv(&[JANSEN]), D0).await.accepted());
    let r = p.deliver("kpn", &csv(&[JANSEN]), D0 - 1).await;
    assert_eq!(located(&r.errors), [err(0, "snapshot_at")]);
    let r = p.deliver("kpn", &csv(&[JANSEN_MOVED]), D0).await;
    assert_eq!(
        located(&r.errors),
        [err(0, "snapshot_at")],
        "same moment, other content"
    );
    assert!(r.errors[0].reason.contains("new snapshot moment"));
    assert!(
        p.deliver("kpn", &csv(&[JANSEN]), D0).await.accepted(),
        "same moment, same content"
    );
}

#[tokio::test]
async fn broken_files_are_refused_with_a_location() {
    let p = Point::new().await;
    let r = p
        .deliver(
            "kpn",
            "subscription_id,service,msisdnn,subscription_start\nS1,mobile,0612345678,2024-01-01\n",
            D0,
        )
        .await;
    assert_eq!(located(&r.errors), [err(1, "header")]);
    assert!(
        r.errors[0].reason.contains("did you mean msisdn"),
        "{}",
        r.errors[0].reason
    );

    let r = p
        .deliver(
            "kpn",
            &format!("{}\nS9,mobile,0612345678\n", csv(&[JANSEN]).trim_end()),
            D0,
        )
        .await;
    assert_eq!(located(&r.errors), [err(3, "row")]);

    let path = p.write("bad.jsonl", b"{\"subscription_id\":\"S1\"\n\n[1,2]\n");
    let r = p.deliver_file("kpn", &path, D0).await;
    assert_eq!(located(&r.errors), [err(1, "row"), err(3, "row")]);

    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    std::io::Write::write_all(&mut gz, csv(&[JANSEN, DE_VRIES, BAKKER]).as_bytes()).unwrap();
    let full = gz.finish().unwrap();
    let path = p.write("cut.csv.gz", &full[..full.len() - 12]);
    let r = p.deliver_file("kpn", &path, D0).await;
    assert!(!r.accepted());
    assert!(r.errors.iter().any(|e| e.field == "file"), "{:?}", r.errors);
    assert!(
        p.store
            .versions_by_index(&[p.keys.ident(IdentKind::UserId, "u-jansen")])
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn line_numbers_count_line_breaks_inside_quoted_fields() {
    let p = Point::new().await;
    let quoted = "S7,mobile,0612345679,,,,,u-q,\"Jansen\nde Jong\",Piet,Kerkstraat,1,1234 AB,Amsterdam,2024-05-01T10:00:00Z";
    let bad = "S8,mobile,0612,,,,,u-r,Bakker,Sanne,Markt,1,5611 AA,Eindhoven,2023-02-01T00:00:00Z";
    let r = p.deliver("kpn", &csv(&[JANSEN, quoted, bad]), D0).await;
    // Header line 1, JANSEN line 2, the quoted row lines 3-4, the bad row line 5.
    assert_eq!(
        located(&r.errors),
        [err(3, "surname"), err(5, "msisdn")],
        "{:?}",
        r.errors
    );
}

/// `n` rows of distinct subscriptions, each with its own user id.
fn population(n: usize) -> String {
    let rows: Vec<String> = (0..n)
        .map(|i| format!("P{i},internet,,,,,,u-p{i},Visser,Jan,Laan,{},1234 AB,Amsterdam,2024-01-01T00:00:00Z", i + 1))
        .collect();
    let refs: Vec<&str> = rows.iter().map(String::as_str).collect();
    csv(&refs)
}

#[tokio::test]
async fn a_snapshot_moment_after_receipt_is_refused_and_does_not_block_the_provider() {
    let p = Point::new().await;
    assert!(p.deliver("kpn", &csv(&[JANSEN]), D0).await.accepted());
    // Declared forty years ahead of its receipt (a clock or a typo).
    let path = p.write("future.csv", csv(&[JANSEN, BAKKER]).as_bytes());
    let mut req = p.request("kpn", &path, D0 + 40 * 365 * DAY);
    req.received_at = D0 + DAY;
    let r = tdip_core::ingest::deliver(&p.store, &p.keys, req)
        .await
        .unwrap();
    assert!(!r.accepted());
    assert_eq!(located(&r.errors), [err(0, "snapshot_at")]);
    // Within the clock skew it is accepted; the honest next day still is.
    let mut req = p.request("kpn", &path, D0 + DAY + 299);
    req.received_at = D0 + DAY;
    assert!(
        tdip_core::ingest::deliver(&p.store, &p.keys, req)
            .await
            .unwrap()
            .accepted()
    );
    assert!(
        p.deliver("kpn", &csv(&[JANSEN, BAKKER]), D0 + 2 * DAY)
            .await
            .accepted()
    );
}

#[tokio::test]
async fn a_delivery_closing_most_subscriptions_is_refused_unless_it_says_it_means_to() {
    let p = Point::new().await;
    assert!(p.deliver("kpn", &population(100), D0).await.accepted());
    let before = p
        .between(IdentKind::UserId, "u-p50", 0, D0 + 30 * DAY)
        .await
        .hits;

    // 11 of 100 gone (more than 10%, at least 10): refused, nothing changed.
    let path = p.write("day1.csv", population(89).as_bytes());
    let r = p.deliver_file("kpn", &path, D0 + DAY).await;
    assert!(!r.accepted());
    assert_eq!(located(&r.errors), [err(0, "file")]);
    assert!(
        r.errors[0]
            .reason
            .contains("would close 11 of the provider's 100")
    );
    let log = p.store.deliveries(Some("kpn"), 10).await.unwrap();
    assert_eq!(log[0].delivery.outcome, DeliveryOutcome::Rejected);
    let after = p
        .between(IdentKind::UserId, "u-p95", 0, D0 + 30 * DAY)
        .await
        .hits;
    assert_eq!(after[0].valid_to, None, "still open");
    assert_eq!(
        p.between(IdentKind::UserId, "u-p50", 0, D0 + 30 * DAY)
            .await
            .hits
            .len(),
        before.len()
    );

    // Ten of a hundred is an ordinary day.
    let path = p.write("day1b.csv", population(90).as_bytes());
    let r = p.deliver_file("kpn", &path, D0 + DAY).await;
    assert!(r.accepted() && !r.mass_close, "{:?}", r.errors);
    assert_eq!(r.closed, 10);

    // Everything else gone, said to be meant: accepted and marked.
    let path = p.write("day2.csv", csv(&[]).as_bytes());
    let mut req = p.request("kpn", &path, D0 + 2 * DAY);
    req.allow_mass_close = true;
    let r = tdip_core::ingest::deliver(&p.store, &p.keys, req)
        .await
        .unwrap();
    assert!(r.accepted() && r.mass_close, "{:?}", r.errors);
    assert_eq!(r.closed, 90);
}

//! Regression tests for delivery files that were once read wrongly, each named after what
//! broke (ripgrep's `tests/regression.rs` style). Every one goes through
//! `tdip_core::ingest::deliver` and checks both the report and the store.

mod common;

use common::*;
use tdip_core::ingest::{DeliveryReport, RowError};
use tdip_gen::{COLUMNS, Country, GenConfig, write_csv};
use tdip_store::{DeliveryOutcome, Store, VersionRow};

fn located(errors: &[RowError]) -> Vec<(u64, &str)> {
    errors.iter().map(|e| (e.line, e.field.as_str())).collect()
}

/// Every open version of `provider`: what a rejected delivery must leave exactly as it was.
async fn open_versions(p: &Point, provider: &str) -> Vec<(i64, i64, Vec<u8>)> {
    let rows: Vec<VersionRow> = p
        .store
        .open_versions_page(provider, 0, u32::MAX)
        .await
        .unwrap();
    rows.into_iter()
        .map(|v| (v.id, v.valid_from, v.sealed))
        .collect()
}

/// Day `day` of a kpn population of `rows` subscribers, as CSV lines (header first).
fn population(rows: u64, day: u32) -> Vec<String> {
    let mut out = Vec::new();
    write_csv(
        &GenConfig::new("kpn", Country::Nl, rows, 7).on_day(day),
        &mut out,
    )
    .unwrap();
    let text = String::from_utf8(out).unwrap();
    text.lines().map(str::to_owned).collect()
}

/// Asserts that a delivery was rejected, and that the log and the open versions say so.
async fn assert_rejected_and_unchanged(
    p: &Point,
    r: &DeliveryReport,
    before: &[(i64, i64, Vec<u8>)],
) {
    assert!(
        !r.accepted(),
        "{:?}",
        (r.rows, r.opened, r.changed, r.closed)
    );
    assert_eq!(
        (r.opened, r.changed, r.closed),
        (0, 0, 0),
        "a rejected delivery changes nothing"
    );
    assert_eq!(
        open_versions(p, "kpn").await,
        before,
        "a rejected delivery must leave every open version as it was"
    );
    let log = p.store.deliveries(Some("kpn"), 1).await.unwrap();
    assert_eq!(log[0].delivery.outcome, DeliveryOutcome::Rejected);
}

#[tokio::test]
async fn a_stray_quote_in_an_unquoted_field_no_longer_truncates_the_delivery_into_a_mass_closure() {
    let p = Point::new().await;
    let day0 = population(20_000, 0);
    let path = p.write("day0.csv", (day0.join("\n") + "\n").as_bytes());
    let r = p.deliver_file("kpn", &path, D0).await;
    assert!(r.accepted(), "{:?}", r.errors);
    assert_eq!(r.opened, 20_000);
    let before = open_versions(&p, "kpn").await;

    // Day 1, with one surname typed with a double quote in it (`Bak"ker`), on the first
    // row from line 102 on that has a surname and no quoted field.
    let mut day1 = population(20_000, 1);
    let surname = COLUMNS.iter().position(|c| *c == "surname").unwrap();
    let line = (102..day1.len())
        .find(|&l| {
            let row = &day1[l - 1];
            !row.contains('"') && row.split(',').nth(surname).is_some_and(|s| s.len() >= 2)
        })
        .unwrap();
    assert!(line < 200, "plain rows are common");
    let row = &mut day1[line - 1];
    let mut fields: Vec<String> = row.split(',').map(str::to_owned).collect();
    assert_eq!(fields.len(), COLUMNS.len());
    let middle = fields[surname].len() / 2;
    fields[surname].insert(middle, '"');
    *row = fields.join(",");
    let path = p.write("day1.csv", (day1.join("\n") + "\n").as_bytes());
    let r = p.deliver_file("kpn", &path, D0 + DAY).await;

    assert_eq!(
        r.rows,
        day1.len() as u64 - 1,
        "every row is read, not the 101 before the quote"
    );
    assert_eq!(
        located(&r.errors),
        [(line as u64, "surname")],
        "{:?}",
        r.errors
    );
    assert!(
        r.errors[0].reason.contains("double quote"),
        "{}",
        r.errors[0].reason
    );
    assert_rejected_and_unchanged(&p, &r, &before).await;
}

/// A JSON Lines row of a subscriber with the given `subscription_id` JSON value.
fn json_row(id: &str) -> String {
    format!(
        r#"{{"subscription_id":{id},"service":"mobile","msisdn":"06-12345678","surname":"Jansen","subscription_start":"2024-05-01T10:00:00Z"}}"#
    )
}

#[tokio::test]
async fn a_json_line_that_gives_a_column_twice_is_refused_not_read_as_its_last_value() {
    let p = Point::new().await;
    let path = p.write(
        "day0.jsonl",
        format!("{}\n", json_row(r#""S1""#)).as_bytes(),
    );
    assert!(p.deliver_file("kpn", &path, D0).await.accepted());
    let before = open_versions(&p, "kpn").await;

    let twice = json_row(r#""S1","subscription_id":"S2""#);
    let path = p.write("day1.jsonl", format!("\n{twice}\n").as_bytes());
    let r = p.deliver_file("kpn", &path, D0 + DAY).await;
    assert_eq!(
        located(&r.errors),
        [(2, "subscription_id")],
        "{:?}",
        r.errors
    );
    assert!(
        r.errors[0].reason.contains("appears twice"),
        "{}",
        r.errors[0].reason
    );
    assert!(
        !format!("{r:?}").contains("S2"),
        "the report names no value"
    );
    assert_rejected_and_unchanged(&p, &r, &before).await;
}

#[tokio::test]
async fn a_json_number_beyond_64_bits_is_refused_not_rounded_into_another_subscription_id() {
    let p = Point::new().await;
    let path = p.write("day0.jsonl", format!("{}\n", json_row("7")).as_bytes());
    assert!(p.deliver_file("kpn", &path, D0).await.accepted());
    let before = open_versions(&p, "kpn").await;

    // serde_json reads these as floats: written back they would be other ids
    // (`1.2345678901234568e22`, `7.5`), and two distinct ids could become one.
    let rows = [json_row("12345678901234567890123"), json_row("7.50")];
    let path = p.write("day1.jsonl", (rows.join("\n") + "\n").as_bytes());
    let r = p.deliver_file("kpn", &path, D0 + DAY).await;
    assert_eq!(
        located(&r.errors),
        [(1, "subscription_id"), (2, "subscription_id")],
        "{:?}",
        r.errors
    );
    assert!(
        r.errors[0].reason.contains("give it as a string"),
        "{}",
        r.errors[0].reason
    );
    assert_rejected_and_unchanged(&p, &r, &before).await;
}

#[tokio::test]
async fn a_lone_carriage_return_no_longer_drops_the_subscriptions_after_it_on_its_line() {
    // csv-core ends a record at a lone CR, and the decoder read only that first record of
    // the line: the subscription after the CR vanished and the file was accepted.
    let p = Point::new().await;
    let r = p
        .deliver("kpn", &format!("{HEADER}\n{JANSEN}\r{DE_VRIES}\n"), D0)
        .await;
    assert_eq!(
        located(&r.errors),
        [(2, "subscription_start")],
        "{:?}",
        r.errors
    );
    assert!(
        r.errors[0].reason.contains("carriage return"),
        "{}",
        r.errors[0].reason
    );
    assert_rejected_and_unchanged(&p, &r, &[]).await;
}

#[tokio::test]
async fn text_after_a_closing_quote_is_refused_not_read_into_the_field() {
    // `"Jansen"s` was read as `Jansens`.
    let p = Point::new().await;
    let row = JANSEN.replace("Jansen,", "\"Jansen\"s,");
    let r = p.deliver("kpn", &csv(&[&row]), D0).await;
    assert_eq!(located(&r.errors), [(2, "surname")], "{:?}", r.errors);
    assert!(
        r.errors[0]
            .reason
            .contains("after the closing double quote"),
        "{}",
        r.errors[0].reason
    );
    assert_rejected_and_unchanged(&p, &r, &[]).await;
}

#[tokio::test]
async fn a_byte_order_mark_inside_the_file_is_refused_not_dropped_or_kept_invisibly() {
    // At the start of a row (a second file joined to the first) the decoder dropped it,
    // because csv-core skips a BOM at the start of what it reads; inside a field it was
    // kept as an invisible character, making `\u{feff}S2` a subscription other than `S2`.
    let p = Point::new().await;
    let joined = format!("\u{feff}{DE_VRIES}");
    let inside = BAKKER.replace("Sanne", "San\u{feff}ne");
    let r = p
        .deliver("kpn", &csv(&[JANSEN, &joined, &inside]), D0)
        .await;
    assert_eq!(
        located(&r.errors),
        [(3, "subscription_id"), (4, "given_names")],
        "{:?}",
        r.errors
    );
    assert!(
        r.errors[0].reason.contains("byte order mark"),
        "{}",
        r.errors[0].reason
    );
    assert_rejected_and_unchanged(&p, &r, &[]).await;
}

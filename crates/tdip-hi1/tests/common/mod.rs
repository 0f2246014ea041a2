//! What the HI-1 integration tests share: `xmllint` against tdip-hi1's vendored schemas,
//! subscriptions read as a provider's row, and a delivery of two records (one with every
//! field, one with the least a subscription holds) in either payload format.

#![allow(dead_code)]

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

use tdip_hi1::{DeliveryView, Endpoint, PayloadFormat, Record};
use tdip_model::subscription::{Column, ParseContext, RawRow, Subscription, parse_row};

/// `xmllint`'s verdict on `xml`: against `schema/{schema}`, or only well-formedness.
pub fn xmllint(schema: Option<&str>, xml: impl AsRef<[u8]>) -> Result<(), String> {
    let mut cmd = Command::new("xmllint");
    cmd.arg("--noout");
    if let Some(schema) = schema {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("schema")
            .join(schema);
        cmd.arg("--schema").arg(path);
    }
    let mut child = cmd
        .arg("-")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("xmllint runs (install Debian's libxml2-utils; .ci/run does)");
    child.stdin.take().unwrap().write_all(xml.as_ref()).unwrap();
    let out = child.wait_with_output().unwrap();
    if out.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).into_owned())
    }
}

pub fn subscription(cells: &[(&str, &str)]) -> Subscription {
    let mut row = RawRow::new();
    for (name, value) in cells {
        row.set(Column::from_name(name).unwrap(), value);
    }
    parse_row(&row, &ParseContext::default()).unwrap()
}

pub fn at(s: &str) -> jiff::Timestamp {
    s.parse().unwrap()
}

/// A delivery of two records: a mobile one with every field filled, and a fixed-line one
/// with the least a subscription holds.
pub fn delivery(format: PayloadFormat) -> DeliveryView {
    let full = subscription(&[
        ("subscription_id", "K-77"),
        ("service", "mobile"),
        ("supplementary", "sms; roaming"),
        ("msisdn", "06-12345678; 0470 12 34 56"),
        ("imsi", "204081234567890"),
        ("imei", "49-015420-323751-8"),
        ("ip", "198.51.100.0/29;2001:db8::7"),
        ("email", "Jan@Bücher.DE"),
        ("user_id", "jan77"),
        ("mac", "AABB.CCDD.EEFF"),
        ("surname", "Jansen"),
        ("given_names", "Jan Piet"),
        ("organisation", "Jansen & Zonen <B.V.>"),
        ("billing_street", "Damrak"),
        ("billing_house_number", "007"),
        ("billing_house_number_addition", "bis"),
        ("billing_postcode", "1012 lg"),
        ("billing_city", "Amsterdam"),
        ("install_postcode", "1000"),
        ("install_country", "be"),
        ("subscription_start", "2026-03-29T01:30:00Z"),
        ("subscription_end", "2026-11-22T23:00:00Z"),
        ("registration_place", "Shop 12"),
        ("activation_at", "2026-03-29T01:45:00Z"),
        ("activation_cell", "204-08-1234-5678"),
        ("registration_ip", "2001:DB8::1"),
        ("registration_port", "443"),
        ("registration_ntp", "NTP-9"),
        ("ported_from", "Operator A"),
        ("ported_to", "Operator B"),
        ("ported_at", "2026-04-01T10:00:00Z"),
        ("payment_method", "direct_debit"),
        ("payment_means", "nl91 abna 0417 1643 00"),
    ]);
    let minimal = subscription(&[
        ("subscription_id", "A-1"),
        ("service", "fixed"),
        ("msisdn", "020-7654321"),
        ("surname", "de Vries"),
        ("subscription_start", "2020-01-01T00:00:00Z"),
    ]);
    DeliveryView {
        object: "71ff52ca-bcea-4fa3-b34e-1b89dcfb0d9e".into(),
        country: "NL".into(),
        owner: "TDIP-POINT".into(),
        generation: 1,
        associated: vec!["2b36a78b-b628-416d-bd22-404e68a0cd36".into()],
        last_changed: at("2026-11-24T12:00:00Z"),
        reference: "NL-POLITIE-2026-0001".into(),
        delivery_id: "d1079830-8e9a-4731-8fb7-36b9b961eb72".into(),
        records: vec![
            Record {
                format: "InternationalE164".into(),
                searched: "+31612345678".into(),
                provider: "kpn".into(),
                provider_name: "KPN B.V.".into(),
                valid_from: at("2026-03-29T01:30:00Z"),
                valid_to: Some(at("2026-11-22T23:00:00Z")),
                basis: "observed".into(),
                subscription: full,
            },
            Record {
                format: "InternationalE164".into(),
                searched: "+31207654321".into(),
                provider: "odido".into(),
                provider_name: String::new(),
                valid_from: at("2020-01-01T00:00:00Z"),
                valid_to: None,
                basis: String::new(),
                subscription: minimal,
            },
        ],
        comms: Vec::new(),
        format,
        requester: Endpoint {
            country: "NL".into(),
            id: "POLITIE-LI".into(),
        },
    }
}

//! The payment history cell (`payment_at`, delivery format version 2) on arbitrary text,
//! with and without a payment method: it never panics; what it accepts is sorted, has no
//! repeat, at most 1,000 moments, and reads back as itself; what it refuses is refused on
//! `payment_at` or `payment_method` only, and no reason repeats the value.

#![no_main]

use libfuzzer_sys::fuzz_target;
use tdip_model::subscription::{Column, MAX_PAYMENTS, ParseContext, RawRow, parse_payments};

fuzz_target!(|data: &[u8]| {
    let Some((&flags, rest)) = data.split_first() else {
        return;
    };
    let Ok(cell) = std::str::from_utf8(rest) else {
        return;
    };
    let mut raw = RawRow::new();
    raw.set(Column::PaymentAt, cell);
    if flags & 1 == 1 {
        raw.set(Column::PaymentMethod, "card");
    }
    let ctx = ParseContext::default();
    match parse_payments(&raw, &ctx) {
        Ok(moments) => {
            assert!(moments.len() <= MAX_PAYMENTS);
            assert!(
                moments.windows(2).all(|w| w[0] < w[1]),
                "not sorted or repeated"
            );
            if !moments.is_empty() {
                assert_eq!(flags & 1, 1, "payments accepted without a method");
            }
            let written: Vec<String> = moments
                .iter()
                .map(|t| jiff::Timestamp::from_second(*t).unwrap().to_string())
                .collect();
            let again = written.join(";");
            let mut back = RawRow::new();
            back.set(Column::PaymentAt, &again);
            back.set(Column::PaymentMethod, "card");
            assert_eq!(parse_payments(&back, &ctx).unwrap(), moments);
        }
        Err(errors) => {
            assert!(!errors.is_empty());
            for e in &errors {
                assert!(
                    e.field == "payment_at" || e.field == "payment_method",
                    "{}",
                    e.field
                );
            }
        }
    }
    // A value no reason's own text holds, in a cell with the fuzzed one: no reason may
    // show it (reasons are made of tdip's text and counts, never of the value).
    let marked = format!("Qz7xVal{cell}");
    let mut raw = RawRow::new();
    raw.set(Column::PaymentAt, &marked);
    if let Err(errors) = parse_payments(&raw, &ctx) {
        for e in &errors {
            assert!(
                !e.reason.to_string().contains("Qz7x"),
                "a reason repeats the value"
            );
        }
    }
});

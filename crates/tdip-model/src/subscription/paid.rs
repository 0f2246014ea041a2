//! The payment history of a row (delivery format version 2): the column `payment_at`,
//! a list of the moments the subscription was paid, each made with the row's
//! `payment_method` and `payment_means`.

use super::fields::list;
use super::{Column, FieldError, ParseContext, RawRow};
use crate::Reason;
use crate::time::parse_time;

/// The most payments one row may list: a year of daily top-ups, with room to spare.
pub const MAX_PAYMENTS: usize = 1000;

/// The distinct moments (UTC seconds) listed in `payment_at`, sorted; an absent cell is
/// none. Every bad item is reported (the first ten, then a count), and a row that lists
/// payments without saying how they were paid (`payment_method`) is refused.
pub fn parse_payments(raw: &RawRow<'_>, ctx: &ParseContext) -> Result<Vec<i64>, Vec<FieldError>> {
    let Some(cell) = raw.get(Column::PaymentAt) else {
        return Ok(Vec::new());
    };
    let zone = ctx.zone;
    let (items, reasons) = list(cell, |item| {
        parse_time(item, zone).map(|t| t.as_second().to_string())
    });
    let mut errors: Vec<FieldError> = reasons
        .into_iter()
        .map(|r| FieldError::new(Column::PaymentAt.name(), r))
        .collect();
    if items.len() > MAX_PAYMENTS {
        errors.push(FieldError::new(
            Column::PaymentAt.name(),
            Reason::counted(
                "lists {} payments, more than the {} a row may list; list only the payments \
                 of the last 12 months",
                &[items.len() as u64, MAX_PAYMENTS as u64],
            ),
        ));
    }
    let lists_any = cell.split(';').any(|item| !item.trim().is_empty());
    if lists_any && raw.get(Column::PaymentMethod).is_none() {
        errors.push(FieldError::new(
            Column::PaymentMethod.name(),
            "is missing, and payment_at lists payments: say how they were paid",
        ));
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let mut moments: Vec<i64> = items
        .iter()
        .map(|s| s.parse().expect("written as a number above"))
        .collect();
    moments.sort_unstable();
    Ok(moments)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row<'a>(cells: &[(Column, &'a str)]) -> RawRow<'a> {
        let mut raw = RawRow::new();
        for (c, v) in cells {
            raw.set(*c, v);
        }
        raw
    }

    #[test]
    fn moments_are_read_in_both_forms_deduplicated_and_sorted() {
        let raw = row(&[
            (
                Column::PaymentAt,
                "2026-11-03 10:00:00; 2026-10-03T09:00:00Z ;2026-11-03T09:00:00Z",
            ),
            (Column::PaymentMethod, "direct_debit"),
        ]);
        let got = parse_payments(&raw, &ParseContext::default()).unwrap();
        let utc = |s: &str| s.parse::<jiff::Timestamp>().unwrap().as_second();
        // 10:00 in Amsterdam in November is 09:00 UTC: the same payment twice.
        assert_eq!(
            got,
            vec![utc("2026-10-03T09:00:00Z"), utc("2026-11-03T09:00:00Z")]
        );
        assert_eq!(
            parse_payments(&row(&[]), &ParseContext::default()),
            Ok(vec![])
        );
    }

    #[test]
    fn bad_moments_a_gap_and_a_missing_method_are_each_reported_without_the_value() {
        let raw = row(&[(
            Column::PaymentAt,
            "2026-03-29 02:30:00;yesterday;2026-11-03T09:00:00Z",
        )]);
        let errors = parse_payments(&raw, &ParseContext::default()).unwrap_err();
        let text: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
        assert_eq!(errors.len(), 3, "{text:?}");
        assert!(text[0].starts_with("payment_at: item 1: ") && text[0].contains("gap"));
        assert!(text[1].starts_with("payment_at: item 2: "));
        assert!(!text[1].contains("yesterday"));
        assert!(text[2].starts_with("payment_method: is missing"));
    }

    #[test]
    fn a_row_may_not_list_more_than_a_thousand_payments() {
        let many: Vec<String> = (0..=MAX_PAYMENTS as i64)
            .map(|i| {
                jiff::Timestamp::from_second(1_700_000_000 + i * 60)
                    .unwrap()
                    .to_string()
            })
            .collect();
        let cell = many.join(";");
        let raw = row(&[(Column::PaymentAt, &cell), (Column::PaymentMethod, "card")]);
        let errors = parse_payments(&raw, &ParseContext::default()).unwrap_err();
        assert_eq!(errors.len(), 1);
        assert!(errors[0].to_string().contains("1001 payments"));
        let ok = many[..MAX_PAYMENTS].join(";");
        let raw = row(&[(Column::PaymentAt, &ok), (Column::PaymentMethod, "card")]);
        assert_eq!(
            parse_payments(&raw, &ParseContext::default())
                .unwrap()
                .len(),
            1000
        );
    }
}

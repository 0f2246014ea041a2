//! Checks of single cells shared by the row parser: free text, lists, numbers.

use crate::Reason;

/// Trims `raw` and checks it is 1..=`max` characters without control characters.
pub(crate) fn text(raw: &str, max: usize) -> Result<String, Reason> {
    let s = raw.trim();
    if s.is_empty() {
        return Err("is empty".into());
    }
    let n = s.chars().count();
    if n > max {
        return Err(Reason::counted(
            "has {} characters, at most {} are allowed",
            &[n as u64, max as u64],
        ));
    }
    if s.chars().any(char::is_control) {
        return Err("contains a control character".into());
    }
    Ok(s.to_string())
}

/// The non-empty, trimmed items of a `;`-separated list.
pub(crate) fn list_items(raw: &str) -> impl Iterator<Item = &str> {
    raw.split(';').map(str::trim).filter(|s| !s.is_empty())
}

/// Item errors reported per list; the rest are counted in one more error, so that a
/// row of two million bad items (it fits in the 4 MiB a row may hold) costs no more
/// memory than a row of ten.
const MAX_ITEM_ERRORS: usize = 10;

/// Lists up to this long are deduplicated by comparing with each item kept; longer ones
/// through a set, so a row of many items costs time in proportion to them.
const SHORT_LIST: usize = 16;

/// Checks every item of a list with `check`; returns the distinct normalised items in
/// order of first appearance and the error reasons, prefixed with `item N: ` when the
/// list has more than one item.
pub(crate) fn list<E: Into<Reason>>(
    raw: &str,
    mut check: impl FnMut(&str) -> Result<String, E>,
) -> (Vec<String>, Vec<Reason>) {
    let many = list_items(raw).nth(1).is_some();
    let mut out: Vec<String> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    let mut errors = Vec::new();
    let mut more = 0u64;
    for (i, item) in list_items(raw).enumerate() {
        match check(item) {
            Ok(v) => {
                let new = if out.len() < SHORT_LIST {
                    !out.contains(&v)
                } else {
                    if seen.is_empty() {
                        seen.extend(out.iter().cloned());
                    }
                    seen.insert(v.clone())
                };
                if new {
                    out.push(v);
                }
            }
            Err(_) if errors.len() == MAX_ITEM_ERRORS => more += 1,
            Err(e) if many => {
                errors.push(Reason::counted("item {}: ", &[i as u64 + 1]).then(e.into()));
            }
            Err(e) => errors.push(e.into()),
        }
    }
    if more > 0 {
        errors.push(Reason::counted("and {} more items are wrong", &[more]));
    }
    (out, errors)
}

/// A house number: 1 to 5 digits, leading zeros dropped, not zero.
pub(crate) fn house_number(raw: &str) -> Result<String, Reason> {
    let s = raw.trim();
    if s.is_empty() || s.len() > 5 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return Err(
            "a house number is 1 to 5 digits; put letters and suffixes in the house number addition"
                .into(),
        );
    }
    let s = s.trim_start_matches('0');
    if s.is_empty() {
        return Err("a house number starts at 1".into());
    }
    Ok(s.to_string())
}

/// A port number 1..=65535.
pub(crate) fn port(raw: &str) -> Result<u16, Reason> {
    let s = raw.trim();
    let bad = || Reason::new("a port is a number from 1 to 65535");
    if s.is_empty() || s.len() > 5 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    match s.parse::<u16>() {
        Ok(p) if p > 0 => Ok(p),
        _ => Err(bad()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_dedupe_and_report_items() {
        let up = |s: &str| -> Result<String, Reason> {
            if s == "bad" {
                Err("is bad".into())
            } else {
                Ok(s.to_uppercase())
            }
        };
        assert_eq!(
            list(" a ; ;b;A;;", up),
            (vec!["A".to_string(), "B".to_string()], vec![])
        );
        assert_eq!(list("bad", up), (vec![], vec![Reason::new("is bad")]));
        assert_eq!(
            list("a;bad", up),
            (
                vec!["A".to_string()],
                vec![Reason::counted("item {}: is bad", &[2])]
            )
        );
    }

    #[test]
    fn long_lists_report_ten_bad_items_and_count_the_rest() {
        let up = |s: &str| -> Result<String, Reason> {
            if s == "bad" {
                Err("is bad".into())
            } else {
                Ok(s.to_uppercase())
            }
        };
        let raw = format!("{}x;{}", "bad;".repeat(1000), "a;b;".repeat(50));
        let items: Vec<String> = (0..40).map(|i| format!("i{}", i % 30)).collect();
        let (values, errors) = list(&format!("{raw};{}", items.join(";")), up);
        assert_eq!(errors.len(), 11);
        assert_eq!(errors[9], "item 10: is bad");
        assert_eq!(errors[10], "and 990 more items are wrong");
        let mut expected = vec!["X", "A", "B"];
        let distinct: Vec<String> = (0..30).map(|i| format!("I{i}")).collect();
        expected.extend(distinct.iter().map(String::as_str));
        assert_eq!(
            values, expected,
            "distinct items in order of first appearance"
        );
    }

    #[test]
    fn numbers() {
        assert_eq!(house_number("0012"), Ok("12".into()));
        assert_eq!(house_number("12345"), Ok("12345".into()));
        assert!(house_number("123456").is_err());
        assert!(house_number("12a").is_err());
        assert_eq!(
            house_number("000"),
            Err("a house number starts at 1".into())
        );
        assert_eq!(port("443"), Ok(443));
        assert_eq!(port("65535"), Ok(65535));
        assert!(port("0").is_err());
        assert!(port("65536").is_err());
        assert!(port("-1").is_err());
        assert_eq!(text(" ab ", 2), Ok("ab".into()));
        assert_eq!(
            text("abc", 2),
            Err("has 3 characters, at most 2 are allowed".into())
        );
        assert_eq!(text("a\tb", 5), Err("contains a control character".into()));
    }
}

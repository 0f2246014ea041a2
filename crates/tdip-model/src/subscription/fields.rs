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
pub(crate) fn list_items(raw: &str) -> Vec<&str> {
    raw.split(';')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect()
}

/// Checks every item of a list with `check`; returns the distinct normalised items in
/// order of first appearance and the error reasons, prefixed with `item N: ` when the
/// list has more than one item.
pub(crate) fn list<E: Into<Reason>>(
    raw: &str,
    mut check: impl FnMut(&str) -> Result<String, E>,
) -> (Vec<String>, Vec<Reason>) {
    let items = list_items(raw);
    let many = items.len() > 1;
    let mut out: Vec<String> = Vec::with_capacity(items.len());
    let mut errors = Vec::new();
    for (i, item) in items.into_iter().enumerate() {
        match check(item) {
            Ok(v) => {
                if !out.contains(&v) {
                    out.push(v);
                }
            }
            Err(e) if many => {
                errors.push(Reason::counted("item {}: ", &[i as u64 + 1]).then(e.into()));
            }
            Err(e) => errors.push(e.into()),
        }
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

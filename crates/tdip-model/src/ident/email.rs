//! E-mail addresses: local part kept as given, domain lower-cased and IDN-encoded.

use super::IdentError;
use crate::Reason;

/// Normalises an e-mail address.
///
/// Surrounding whitespace is dropped. There must be exactly one `@`; the local part
/// (1–64 characters, no whitespace or control characters) is kept as given, case
/// included. The domain is lower-cased and converted to punycode (IDNA), must contain a
/// dot and consist of valid host-name labels. The whole address has at most 254
/// characters.
pub fn normalize_email(raw: &str) -> Result<String, IdentError> {
    let s = raw.trim();
    if s.is_empty() {
        return Err(IdentError::new("is empty"));
    }
    let (local, domain) = match s.split_once('@') {
        None => {
            return Err(IdentError::new(
                "has no @; an e-mail address is local@domain",
            ));
        }
        Some((_, d)) if d.contains('@') => {
            return Err(IdentError::new(
                "has more than one @; an e-mail address is local@domain",
            ));
        }
        Some(parts) => parts,
    };
    let local_len = local.chars().count();
    if local_len == 0 {
        return Err(IdentError::new("the part before the @ is empty"));
    }
    if local_len > 64 {
        return Err(IdentError::new(Reason::counted(
            "the part before the @ has {} characters, at most 64 are allowed",
            &[local_len as u64],
        )));
    }
    if local.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(IdentError::new(
            "the part before the @ contains a space or control character",
        ));
    }
    let domain = normalize_domain(domain)?;
    let total = local_len + 1 + domain.len();
    if total > 254 {
        return Err(IdentError::new(Reason::counted(
            "has {} characters, an e-mail address has at most 254",
            &[total as u64],
        )));
    }
    Ok(format!("{local}@{domain}"))
}

fn normalize_domain(domain: &str) -> Result<String, IdentError> {
    if domain.is_empty() {
        return Err(IdentError::new("the domain after the @ is empty"));
    }
    if domain.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(IdentError::new(
            "the domain contains a space or control character",
        ));
    }
    let ascii = idna::domain_to_ascii(&domain.to_lowercase()).map_err(|_| {
        IdentError::new("the domain is not a valid (internationalised) domain name")
    })?;
    if !ascii.contains('.') {
        return Err(IdentError::new(
            "the domain has no dot; expected a full domain such as example.nl",
        ));
    }
    for label in ascii.split('.') {
        if label.is_empty() {
            return Err(IdentError::new(
                "the domain has an empty label (two dots in a row, or a dot at the start or end)",
            ));
        }
        if label.len() > 63 {
            return Err(IdentError::new(
                "a label of the domain is longer than 63 characters",
            ));
        }
        if !label
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        {
            return Err(IdentError::new(
                "the domain contains a character not allowed in a host name",
            ));
        }
        if label.starts_with('-') || label.ends_with('-') {
            return Err(IdentError::new(
                "a label of the domain starts or ends with a hyphen",
            ));
        }
    }
    Ok(ascii)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn good_emails() {
        let cases = [
            ("jan@example.nl", "jan@example.nl"),
            ("  Jan.Jansen@Example.NL ", "Jan.Jansen@example.nl"),
            ("a+tag@sub.example.com", "a+tag@sub.example.com"),
            ("piet@bücher.de", "piet@xn--bcher-kva.de"),
            ("piet@BÜCHER.de", "piet@xn--bcher-kva.de"),
            ("piet@xn--bcher-kva.de", "piet@xn--bcher-kva.de"),
            ("ÿ@例え.テスト", "ÿ@xn--r8jz45g.xn--zckzah"),
        ];
        for (raw, want) in cases {
            assert_eq!(normalize_email(raw).as_deref(), Ok(want), "{raw:?}");
        }
    }

    #[test]
    fn bad_emails() {
        let long_local = format!("{}@example.nl", "a".repeat(65));
        let long_total = format!("a@{}.nl", vec!["b".repeat(60); 5].join("."));
        let cases = [
            ("", "is empty".to_string()),
            (
                "jan.example.nl",
                "has no @; an e-mail address is local@domain".into(),
            ),
            (
                "jan@x@example.nl",
                "has more than one @; an e-mail address is local@domain".into(),
            ),
            ("@example.nl", "the part before the @ is empty".into()),
            (
                &long_local,
                "the part before the @ has 65 characters, at most 64 are allowed".into(),
            ),
            (
                "j an@example.nl",
                "the part before the @ contains a space or control character".into(),
            ),
            ("jan@", "the domain after the @ is empty".into()),
            (
                "jan@localhost",
                "the domain has no dot; expected a full domain such as example.nl".into(),
            ),
            (
                "jan@example..nl",
                "the domain has an empty label (two dots in a row, or a dot at the start or end)"
                    .into(),
            ),
            (
                "jan@example.nl.",
                "the domain has an empty label (two dots in a row, or a dot at the start or end)"
                    .into(),
            ),
            (
                "jan@exa_mple.nl",
                "the domain contains a character not allowed in a host name".into(),
            ),
            (
                "jan@-example.nl",
                "a label of the domain starts or ends with a hyphen".into(),
            ),
            (
                "jan@exa mple.nl",
                "the domain contains a space or control character".into(),
            ),
            (
                &long_total,
                "has 309 characters, an e-mail address has at most 254".into(),
            ),
        ];
        for (raw, want) in cases {
            let got = normalize_email(raw).map_err(|e| e.reason().to_string());
            assert_eq!(got, Err(want), "{raw:?}");
        }
    }
}

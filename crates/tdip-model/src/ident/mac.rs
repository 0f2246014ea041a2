//! MAC addresses and provider-local user ids.

use super::IdentError;
use crate::Reason;

const MAC_FORMS: &str =
    "expected aa:bb:cc:dd:ee:ff, aa-bb-cc-dd-ee-ff, aabb.ccdd.eeff or aabbccddeeff";
const BAD_CHARACTER: &str = "contains a character that is not a hex digit or separator; ";
const BAD_LAYOUT: &str = "is not laid out as a MAC address; ";

/// Normalises a MAC address written as `aa:bb:cc:dd:ee:ff`, `AA-BB-CC-DD-EE-FF`,
/// `aabb.ccdd.eeff` or `aabbccddeeff` to lower-case, colon-separated form.
pub fn normalize_mac(raw: &str) -> Result<String, IdentError> {
    let s = raw.trim();
    if s.is_empty() {
        return Err(IdentError::new("is empty"));
    }
    if !s
        .chars()
        .all(|c| c.is_ascii_hexdigit() || matches!(c, ':' | '-' | '.'))
    {
        return Err(IdentError::new(Reason::new(BAD_CHARACTER).then(MAC_FORMS)));
    }
    let groups: Vec<&str> = s.split([':', '-', '.']).collect();
    let seps: Vec<char> = s.chars().filter(|c| !c.is_ascii_hexdigit()).collect();
    let same_sep = seps.windows(2).all(|w| w[0] == w[1]);
    let shape_ok = match (groups.len(), seps.first()) {
        (1, None) => s.len() == 12,
        (6, Some(':' | '-')) => same_sep && groups.iter().all(|g| g.len() == 2),
        (3, Some('.')) => same_sep && groups.iter().all(|g| g.len() == 4),
        _ => false,
    };
    if !shape_ok {
        return Err(IdentError::new(Reason::new(BAD_LAYOUT).then(MAC_FORMS)));
    }
    let hex: String = groups.concat().to_ascii_lowercase();
    let mut out = String::with_capacity(17);
    for (i, pair) in hex.as_bytes().chunks(2).enumerate() {
        if i > 0 {
            out.push(':');
        }
        out.push(char::from(pair[0]));
        out.push(char::from(pair[1]));
    }
    Ok(out)
}

/// Normalises a provider-local user or login id: surrounding whitespace dropped, then
/// 1–128 characters without control characters. Case is kept.
pub fn normalize_user_id(raw: &str) -> Result<String, IdentError> {
    let s = raw.trim();
    if s.is_empty() {
        return Err(IdentError::new("is empty"));
    }
    let n = s.chars().count();
    if n > 128 {
        return Err(IdentError::new(Reason::counted(
            "has {} characters, a user id has at most 128",
            &[n as u64],
        )));
    }
    if s.chars().any(char::is_control) {
        return Err(IdentError::new("contains a control character"));
    }
    Ok(s.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn good_macs() {
        let cases = [
            ("aa:bb:cc:dd:ee:ff", "aa:bb:cc:dd:ee:ff"),
            ("AA-BB-CC-DD-EE-FF", "aa:bb:cc:dd:ee:ff"),
            ("aabb.ccdd.eeff", "aa:bb:cc:dd:ee:ff"),
            ("AABBCCDDEEFF", "aa:bb:cc:dd:ee:ff"),
            (" 00:1a:2B:3c:4D:5e ", "00:1a:2b:3c:4d:5e"),
        ];
        for (raw, want) in cases {
            assert_eq!(normalize_mac(raw).as_deref(), Ok(want), "{raw:?}");
        }
    }

    #[test]
    fn bad_macs() {
        let layout = format!("is not laid out as a MAC address; {MAC_FORMS}");
        let chars =
            format!("contains a character that is not a hex digit or separator; {MAC_FORMS}");
        let cases = [
            ("", "is empty".to_string()),
            ("aa:bb:cc:dd:ee", layout.clone()),
            ("aa:bb:cc:dd:ee:ff:00", layout.clone()),
            ("aa:bb-cc:dd:ee:ff", layout.clone()),
            ("a:bb:cc:dd:ee:fff", layout.clone()),
            ("aabbccddeef", layout.clone()),
            ("aabb.ccdd.eef", layout.clone()),
            ("aabb:ccdd:eeff", layout.clone()),
            ("aa:bb:cc:dd:ee:fg", chars.clone()),
            ("aa bb cc dd ee ff", chars),
        ];
        for (raw, want) in cases {
            let got = normalize_mac(raw).map_err(|e| e.reason().to_string());
            assert_eq!(got, Err(want), "{raw:?}");
        }
    }

    #[test]
    fn user_ids() {
        assert_eq!(normalize_user_id("  Jan.J ").as_deref(), Ok("Jan.J"));
        assert_eq!(
            normalize_user_id(&"x".repeat(128)).map(|s| s.len()),
            Ok(128)
        );
        let cases = [
            ("", "is empty".to_string()),
            ("  ", "is empty".into()),
            ("a\u{7}b", "contains a control character".into()),
            (
                &"x".repeat(129),
                "has 129 characters, a user id has at most 128".into(),
            ),
        ];
        for (raw, want) in cases {
            let got = normalize_user_id(raw).map_err(|e| e.reason().to_string());
            assert_eq!(got, Err(want), "{raw:?}");
        }
    }
}

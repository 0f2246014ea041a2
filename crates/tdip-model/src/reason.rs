//! The reason a value was refused, as a type that cannot carry the value.
//!
//! Error reports reach providers, officers, logs and the audit log; none of them may
//! quote a subscriber's data. A [`Reason`] is built only from text written in the source
//! (`&'static str`) and from fixed templates whose arguments are numbers that count,
//! locate or measure (a length, a position, a line). There is no way to build one from a
//! `String`, so no code path can put the value it refuses into the reason by accident.
//!
//! The numbers are the one thing the type cannot judge: pass counts, positions and
//! lengths, never a number read from the value (a check digit, a house number).

use std::borrow::Cow;
use std::fmt;
use std::ops::Deref;

/// Why a value was refused, in words that never contain the value.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Reason(Cow<'static, str>);

impl Reason {
    /// A reason written in the source.
    pub const fn new(text: &'static str) -> Reason {
        Reason(Cow::Borrowed(text))
    }

    /// `template` with each `{}` replaced by the next of `numbers` in decimal, and each
    /// `{:02}` by the next one with at least two digits (hours, minutes).
    ///
    /// The numbers must count, locate or measure (`has {} digits`, `at position {}`,
    /// `first on line {}`), never be digits of the refused value. A placeholder without a
    /// number left is kept as written; numbers beyond the placeholders are ignored.
    pub fn counted(template: &'static str, numbers: &[u64]) -> Reason {
        let mut out = String::with_capacity(template.len() + 8 * numbers.len());
        let mut numbers = numbers.iter();
        let mut rest = template;
        while let Some(open) = rest.find('{') {
            out.push_str(&rest[..open]);
            let tail = &rest[open..];
            let (width, len) = if tail.starts_with("{}") {
                (0, 2)
            } else if tail.starts_with("{:02}") {
                (2, 5)
            } else {
                out.push('{');
                rest = &tail[1..];
                continue;
            };
            match numbers.next() {
                Some(n) => out.push_str(&format!("{n:0width$}")),
                None => out.push_str(&tail[..len]),
            }
            rest = &tail[len..];
        }
        out.push_str(rest);
        Reason(Cow::Owned(out))
    }

    /// This reason followed by `more` (no separator is added).
    #[must_use]
    pub fn then(self, more: impl Into<Reason>) -> Reason {
        let more = more.into();
        if more.0.is_empty() {
            return self;
        }
        let mut text = self.0.into_owned();
        text.push_str(&more.0);
        Reason(Cow::Owned(text))
    }

    /// The text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl From<&'static str> for Reason {
    fn from(text: &'static str) -> Reason {
        Reason::new(text)
    }
}

impl Deref for Reason {
    type Target = str;

    fn deref(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for Reason {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl PartialEq<str> for Reason {
    fn eq(&self, other: &str) -> bool {
        *self.0 == *other
    }
}

impl PartialEq<&str> for Reason {
    fn eq(&self, other: &&str) -> bool {
        *self.0 == **other
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.0, f)
    }
}

impl serde::Serialize for Reason {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl From<Reason> for String {
    fn from(r: Reason) -> String {
        r.0.into_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_take_numbers_only() {
        assert_eq!(Reason::new("is empty"), "is empty");
        assert_eq!(
            Reason::counted("has {} fields, the header has {}", &[3, 2]),
            "has 3 fields, the header has 2"
        );
        assert_eq!(Reason::counted("{:02}:{:02}", &[2, 30]), "02:30");
        assert_eq!(Reason::counted("{:02}", &[123]), "123");
        assert_eq!(Reason::counted("a {b} {}", &[]), "a {b} {}");
        assert_eq!(Reason::counted("{} and {}", &[1]), "1 and {}");
        assert_eq!(
            Reason::counted("item {}: ", &[2]).then("is bad"),
            "item 2: is bad"
        );
        assert_eq!(Reason::new("x").then(""), "x");
        assert_eq!(format!("{:?}", Reason::new("a \"b\"")), r#""a \"b\"""#);
    }
}

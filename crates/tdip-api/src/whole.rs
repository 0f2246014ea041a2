//! Whole numbers as JSON Schema means them: `976` and `976.0` are the same integer
//! (JSON Schema 2020-12 §6.1.1, "integer" is any number with a zero fractional part), so a
//! request field the API documents as an integer accepts both; `976.5`, a negative number
//! or one beyond the field's range is refused with the range, never the value.

use std::fmt;
use std::marker::PhantomData;

use serde::Deserializer;
use serde::de::{Error, Visitor};

/// Reads an optional whole number into `T` (`u16`, `u32`): `null` or absent is `None`.
pub fn option<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: TryFrom<u64> + Bounded,
{
    deserializer.deserialize_option(Whole(PhantomData))
}

struct Whole<T>(PhantomData<T>);

impl<T: TryFrom<u64> + Bounded> Whole<T> {
    fn refused<E: Error>() -> E {
        E::custom(format!(
            "expected a whole number from 0 to {}",
            T::MAX_AS_U64
        ))
    }
}

impl<'de, T: TryFrom<u64> + Bounded> Visitor<'de> for Whole<T> {
    type Value = Option<T>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "a whole number from 0 to {}", T::MAX_AS_U64)
    }

    fn visit_none<E: Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_unit<E: Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }

    fn visit_u64<E: Error>(self, n: u64) -> Result<Self::Value, E> {
        T::try_from(n).map(Some).map_err(|_| Self::refused())
    }

    fn visit_i64<E: Error>(self, n: i64) -> Result<Self::Value, E> {
        let n = u64::try_from(n).map_err(|_| Self::refused())?;
        self.visit_u64(n)
    }

    fn visit_f64<E: Error>(self, f: f64) -> Result<Self::Value, E> {
        // Whole and within 0..=T::MAX (at most u32::MAX here, exact in an f64), so the
        // conversion is exact.
        if f.fract() != 0.0 || !(0.0..=T::MAX_AS_U64 as f64).contains(&f) {
            return Err(Self::refused());
        }
        self.visit_u64(f as u64)
    }
}

/// The largest value of a whole-number field's type, for the refusal's message.
pub trait Bounded {
    /// `Self::MAX` as a `u64`.
    const MAX_AS_U64: u64;
}

impl Bounded for u16 {
    const MAX_AS_U64: u64 = u16::MAX as u64;
}

impl Bounded for u32 {
    const MAX_AS_U64: u64 = u32::MAX as u64;
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    #[derive(Deserialize)]
    struct Asked {
        #[serde(default, deserialize_with = "super::option")]
        port: Option<u16>,
    }

    fn read(json: &str) -> Result<Option<u16>, String> {
        serde_json::from_str::<Asked>(json)
            .map(|a| a.port)
            .map_err(|e| e.to_string())
    }

    #[test]
    fn a_whole_number_is_read_whether_written_with_a_fraction_or_not() {
        assert_eq!(read(r#"{"port": 976}"#), Ok(Some(976)));
        assert_eq!(read(r#"{"port": 976.0}"#), Ok(Some(976)));
        assert_eq!(read(r#"{"port": 9.76e2}"#), Ok(Some(976)));
        assert_eq!(read(r#"{"port": 65535}"#), Ok(Some(65535)));
        assert_eq!(read(r#"{"port": null}"#), Ok(None));
        assert_eq!(read(r#"{}"#), Ok(None));
    }

    #[test]
    fn a_fraction_a_negative_or_an_out_of_range_number_is_refused_without_its_value() {
        for json in [
            r#"{"port": 976.5}"#,
            r#"{"port": -1}"#,
            r#"{"port": -1.0}"#,
            r#"{"port": 65536}"#,
            r#"{"port": 65536.0}"#,
            r#"{"port": 1e300}"#,
        ] {
            let error = read(json).expect_err(json);
            assert!(error.contains("from 0 to 65535"), "{json}: {error}");
            for value in ["976", "65536", "1e300"] {
                assert!(!error.contains(value), "{json}: {error} shows the value");
            }
        }
    }
}

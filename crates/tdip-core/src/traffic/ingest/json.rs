//! One JSON Lines record of a traffic batch: an object whose keys are the kind's column
//! names. Ports and volumes may be JSON numbers or strings of digits, everything else is
//! a string; `null` or a missing key is absent. A key given twice is refused (serde_json's
//! own map would keep the last one silently).

use std::fmt;

use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, Visitor};
use tdip_model::FieldError;
use tdip_model::traffic::BatchKind;

const NUMERIC: [&str; 4] = ["first_port", "last_port", "uploaded", "downloaded"];

/// The values of one JSON Lines record, indexed as `kind.columns()`.
pub fn json_values(kind: BatchKind, line: &[u8]) -> Result<Vec<Option<String>>, Vec<FieldError>> {
    let mut row = Row {
        kind,
        values: vec![None; kind.columns().len()],
        seen: vec![false; kind.columns().len()],
        errors: Vec::new(),
    };
    let mut de = serde_json::Deserializer::from_slice(line);
    let parsed = de::Deserializer::deserialize_any(&mut de, &mut row).and_then(|()| de.end());
    if parsed.is_err() && row.errors.is_empty() {
        row.errors.push(FieldError::new(
            "row",
            "is not one JSON object on its line (a JSON Lines batch has one object per line, \
             keys as the column names)",
        ));
    }
    if row.errors.is_empty() {
        Ok(row.values)
    } else {
        Err(row.errors)
    }
}

struct Row {
    kind: BatchKind,
    values: Vec<Option<String>>,
    seen: Vec<bool>,
    errors: Vec<FieldError>,
}

impl<'de> Visitor<'de> for &mut Row {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let columns = self.kind.columns();
        while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            let Some(c) = self.kind.column(&key) else {
                map.next_value::<IgnoredAny>()?;
                self.errors.push(FieldError::new(
                    "row",
                    "has a key that is not a column of this kind of batch (see \
                     docs/traffic-format.md)",
                ));
                continue;
            };
            let name = columns[c];
            if std::mem::replace(&mut self.seen[c], true) {
                map.next_value::<IgnoredAny>()?;
                self.errors
                    .push(FieldError::new(name, "is given twice in the object"));
                continue;
            }
            match map.next_value_seed(Value)? {
                Json::Null => {}
                Json::Text(s) => self.values[c] = Some(s),
                Json::Whole(n) if NUMERIC.contains(&name) => self.values[c] = Some(n.to_string()),
                Json::Whole(_) | Json::Other => self.errors.push(FieldError::new(
                    name,
                    if NUMERIC.contains(&name) {
                        "must be a whole number (a JSON number or a string of digits)"
                    } else {
                        "must be a JSON string (or null)"
                    },
                )),
            }
        }
        Ok(())
    }
}

enum Json {
    Null,
    Text(String),
    Whole(u64),
    Other,
}

struct Value;

impl<'de> DeserializeSeed<'de> for Value {
    type Value = Json;

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Json, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Value {
    type Value = Json;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a string, a whole number or null")
    }

    fn visit_unit<E>(self) -> Result<Json, E> {
        Ok(Json::Null)
    }

    fn visit_none<E>(self) -> Result<Json, E> {
        Ok(Json::Null)
    }

    fn visit_str<E>(self, v: &str) -> Result<Json, E> {
        Ok(Json::Text(v.to_string()))
    }

    fn visit_string<E>(self, v: String) -> Result<Json, E> {
        Ok(Json::Text(v))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Json, E> {
        Ok(Json::Whole(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Json, E> {
        Ok(u64::try_from(v).map_or(Json::Other, Json::Whole))
    }

    fn visit_f64<E>(self, _: f64) -> Result<Json, E> {
        Ok(Json::Other)
    }

    fn visit_bool<E>(self, _: bool) -> Result<Json, E> {
        Ok(Json::Other)
    }

    fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Json, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Json::Other)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Json, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(Json::Other)
    }
}

//! Decoding the fields of one record: CSV with csv-core, JSON Lines with serde_json.
//!
//! Only records whose fingerprint is new reach this module.

use std::fmt;

use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use tdip_model::subscription::{Column, FieldError};

/// Why [`CsvFields::split`] refused a record.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SplitError {
    /// More fields than allowed.
    TooMany,
    /// Not one complete record (the reader's scan keeps such records from here).
    Incomplete,
}

/// Splits single CSV records into fields, reusing its buffers. The buffers are at most
/// the record's size and one offset per allowed field.
pub struct CsvFields {
    reader: csv_core::Reader,
    input: Vec<u8>,
    out: Vec<u8>,
    ends: Vec<usize>,
}

impl Default for CsvFields {
    fn default() -> Self {
        // `csv_core::Reader::default()` does not build its state machine; `new` does.
        CsvFields {
            reader: csv_core::Reader::new(),
            input: Vec::new(),
            out: Vec::new(),
            ends: Vec::new(),
        }
    }
}

impl CsvFields {
    /// Splits `record` (without its line terminator); at most `max` fields are allowed.
    /// Returns the number of fields; [`CsvFields::field`] reads them until the next call.
    pub fn split(&mut self, record: &[u8], max: usize) -> Result<usize, SplitError> {
        if record.is_empty() {
            // csv-core skips blank lines; a blank record is one empty field.
            self.ends.clear();
            self.ends.push(0);
            return Ok(1);
        }
        self.input.clear();
        self.input.extend_from_slice(record);
        self.input.push(b'\n');
        self.out.resize(record.len() + 1, 0);
        // A record of n bytes has at most n + 1 fields; one slot more than allowed tells
        // a record with too many.
        self.ends.resize(max.min(record.len() + 1) + 1, 0);
        self.reader.reset();
        // csv-core strips a UTF-8 BOM from the first bytes it reads after a reset (the
        // start of a file); here they are the start of a record, whose BOM is data. An
        // empty line first, which csv-core skips, makes the record not the first read.
        self.reader.read_record(b"\n", &mut [], &mut []);
        let (res, _, _, nend) = self
            .reader
            .read_record(&self.input, &mut self.out, &mut self.ends);
        match res {
            csv_core::ReadRecordResult::Record if nend <= max => {
                self.ends.truncate(nend);
                Ok(nend)
            }
            csv_core::ReadRecordResult::Record | csv_core::ReadRecordResult::OutputEndsFull => {
                self.ends.clear();
                Err(SplitError::TooMany)
            }
            _ => {
                self.ends.clear();
                Err(SplitError::Incomplete)
            }
        }
    }

    /// Field `i` of the last record split.
    pub fn field(&self, i: usize) -> &[u8] {
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        &self.out[start..self.ends[i]]
    }

    /// Every field of the last record split.
    pub fn fields(&self) -> impl Iterator<Item = &[u8]> {
        (0..self.ends.len()).map(|i| self.field(i))
    }
}

/// Reads one JSON Lines record into `fields` (one string per [`Column`], empty = absent).
///
/// The object is read key by key (serde_json's own map keeps the last of two equal keys),
/// so a column given twice is refused, and values are never built as a JSON tree: memory
/// is the size of the record. Each kind of problem is reported once per column.
pub fn json_fields(text: &[u8], fields: &mut [String], problems: &mut Vec<FieldError>) {
    for f in fields.iter_mut() {
        f.clear();
    }
    let before = problems.len();
    let mut de = serde_json::Deserializer::from_slice(text);
    let row = RowVisitor {
        fields,
        problems,
        seen: [Seen::No; Column::COUNT],
        unknown: false,
    };
    let read = serde::Deserializer::deserialize_map(&mut de, row).and_then(|()| de.end());
    if let Err(e) = read {
        // serde_json's own message may quote the data; only its category is used.
        let reason = match e.classify() {
            serde_json::error::Category::Syntax => "is not valid JSON",
            serde_json::error::Category::Eof => "is not valid JSON: it ends too early",
            serde_json::error::Category::Data => "is JSON but not an object",
            serde_json::error::Category::Io => "cannot be read",
        };
        problems.truncate(before);
        problems.push(FieldError::new("row", reason));
        for f in fields.iter_mut() {
            f.clear();
        }
    }
}

/// Reads `text` as one JSON Lines record: the value of each column given, or every problem.
#[doc(hidden)]
pub fn decode_json(text: &[u8]) -> Result<Vec<(&'static str, String)>, Vec<FieldError>> {
    let mut fields = vec![String::new(); Column::COUNT];
    let mut problems = Vec::new();
    json_fields(text, &mut fields, &mut problems);
    if !problems.is_empty() {
        return Err(problems);
    }
    Ok(Column::ALL
        .iter()
        .zip(fields)
        .filter(|(_, v)| !v.is_empty())
        .map(|(c, v)| (c.name(), v))
        .collect())
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Seen {
    No,
    Once,
    /// Given again, and reported.
    Again,
}

struct RowVisitor<'a> {
    fields: &'a mut [String],
    problems: &'a mut Vec<FieldError>,
    seen: [Seen; Column::COUNT],
    unknown: bool,
}

impl<'de> Visitor<'de> for RowVisitor<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(mut self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key_seed(ColumnKey)? {
            let Some(col) = key else {
                map.next_value::<IgnoredAny>()?;
                if !self.unknown {
                    self.unknown = true;
                    let reason = "has a field that is not a column of the delivery format";
                    self.problems.push(FieldError::new("row", reason));
                }
                continue;
            };
            let seen = &mut self.seen[col.index()];
            match *seen {
                Seen::No => {
                    *seen = Seen::Once;
                    let field = &mut self.fields[col.index()];
                    if let Err(reason) = map.next_value_seed(ColumnValue(field))? {
                        self.problems.push(FieldError::new(col.name(), reason));
                    }
                }
                Seen::Once => {
                    *seen = Seen::Again;
                    map.next_value::<IgnoredAny>()?;
                    let reason = "appears twice in the row; give each column once (which of \
                                  the two values is meant cannot be told)";
                    self.problems.push(FieldError::new(col.name(), reason));
                }
                Seen::Again => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(())
    }
}

/// A key of the row object: the column it names, if any.
struct ColumnKey;

impl<'de> DeserializeSeed<'de> for ColumnKey {
    type Value = Option<Column>;

    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_str(self)
    }
}

impl Visitor<'_> for ColumnKey {
    type Value = Option<Column>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a column name")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Column::from_name(v))
    }
}

/// A column's value, written into its field: a string, a whole number, `null`, or a list
/// of strings (joined with `;`). Anything else is skipped and its problem returned.
struct ColumnValue<'a>(&'a mut String);

/// The problem of a value of the wrong kind.
type ValueProblem = Result<(), &'static str>;

const NOT_A_VALUE: &str = "must be a string, a number or a list of strings";

impl<'de> DeserializeSeed<'de> for ColumnValue<'_> {
    type Value = ValueProblem;

    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for ColumnValue<'_> {
    type Value = ValueProblem;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(NOT_A_VALUE)
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        self.0.push_str(v);
        Ok(Ok(()))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        self.0.push_str(&v.to_string());
        Ok(Ok(()))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        self.0.push_str(&v.to_string());
        Ok(Ok(()))
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
        // serde_json reads a fraction, an exponent or an integer beyond 64 bits as a
        // float, which would not come back as it was written.
        Ok(Err(
            "is a number with a fraction or an exponent, or too large; give it as a string",
        ))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(Ok(()))
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
        Ok(Err(NOT_A_VALUE))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut all_strings = true;
        while let Some(item) = seq.next_element_seed(ListItem(&mut *self.0))? {
            all_strings &= item;
        }
        Ok(if all_strings {
            Ok(())
        } else {
            Err("list items must be strings")
        })
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(Err(NOT_A_VALUE))
    }
}

/// One item of a list: a string is appended (after a `;`); `false` for anything else,
/// which is skipped.
struct ListItem<'a>(&'a mut String);

impl<'de> DeserializeSeed<'de> for ListItem<'_> {
    type Value = bool;

    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<bool, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for ListItem<'_> {
    type Value = bool;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a string")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<bool, E> {
        if !self.0.is_empty() {
            self.0.push(';');
        }
        self.0.push_str(v);
        Ok(true)
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> Result<bool, E> {
        Ok(false)
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> Result<bool, E> {
        Ok(false)
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<bool, E> {
        Ok(false)
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<bool, E> {
        Ok(false)
    }

    fn visit_unit<E: de::Error>(self) -> Result<bool, E> {
        Ok(false)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<bool, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(false)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<bool, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_records_split_with_quotes_and_embedded_line_breaks() {
        let mut f = CsvFields::default();
        assert_eq!(f.split(b"a,\"b,c\",\"d\"\"e\",\"x\ny\",", 10).unwrap(), 5);
        assert_eq!(
            f.fields().collect::<Vec<_>>(),
            [&b"a"[..], b"b,c", b"d\"e", b"x\ny", b""]
        );
        assert_eq!(f.split(b"a,b,c", 2), Err(SplitError::TooMany));
        assert_eq!(f.split(b"a,b,c", 3), Ok(3));
        assert!(f.split(b"a,\"open", 5).is_err());
        assert_eq!(f.split(b"\xef\xbb\xbfa,b", 5), Ok(2));
        assert_eq!(
            f.field(0),
            b"\xef\xbb\xbfa",
            "a BOM inside the file is data"
        );
        assert_eq!(f.split(b"", 5).unwrap(), 1);
        assert_eq!(f.fields().collect::<Vec<_>>(), [&b""[..]]);
    }

    #[test]
    fn json_records_fill_their_columns_and_report_without_values() {
        let mut fields = vec![String::new(); Column::COUNT];
        let mut problems = Vec::new();
        json_fields(
            br#"{"msisdn":["0612345678","0687654321"],"billing_house_number":12,"nope":"Jansen"}"#,
            &mut fields,
            &mut problems,
        );
        assert_eq!(
            fields[Column::from_name("msisdn").unwrap().index()],
            "0612345678;0687654321"
        );
        assert_eq!(
            fields[Column::from_name("billing_house_number").unwrap().index()],
            "12"
        );
        assert_eq!(problems.len(), 1);
        assert!(!problems[0].reason.contains("Jansen") && !problems[0].reason.contains("nope"));
        problems.clear();
        json_fields(br#"{"surname": "Jansen""#, &mut fields, &mut problems);
        assert!(!format!("{problems:?}").contains("Jansen"));
    }
    /// The column names of the problems `text` gets, or its fields when it has none.
    fn json(text: &str) -> Result<Vec<(&'static str, String)>, Vec<&'static str>> {
        decode_json(text.as_bytes()).map_err(|errs| errs.iter().map(|e| e.field).collect())
    }

    #[test]
    fn json_records_of_every_wrong_shape_are_refused_by_column() {
        assert_eq!(json(r#"["a"]"#), Err(vec!["row"]));
        assert_eq!(json(r#""a""#), Err(vec!["row"]));
        assert_eq!(json(r#"{"surname":"a"} x"#), Err(vec!["row"]));
        assert_eq!(json(r#"{"surname":{"a":[1]}}"#), Err(vec!["surname"]));
        assert_eq!(json(r#"{"surname":true}"#), Err(vec!["surname"]));
        assert_eq!(json(r#"{"msisdn":["1",2,["3"]]}"#), Err(vec!["msisdn"]));
        assert_eq!(
            json(r#"{"registration_port":1e3}"#),
            Err(vec!["registration_port"])
        );
        assert_eq!(
            json(r#"{"a":1,"b":2,"surname":"x","surname":"y","surname":"z"}"#),
            Err(vec!["row", "surname"]),
            "each kind of problem once per column"
        );
        // A key written with escapes is the same key.
        assert_eq!(
            json(r#"{"surname":"x","sur\u006eame":"y"}"#),
            Err(vec!["surname"])
        );
        let deep = format!("{{\"msisdn\":{}{}}}", "[".repeat(200), "]".repeat(200));
        assert_eq!(
            json(&deep),
            Err(vec!["msisdn"]),
            "a nested list is skipped without recursion, and refused"
        );
    }

    #[test]
    fn json_values_are_read_as_written() {
        assert_eq!(
            json(
                r#"{"surname":"a\"b","msisdn":["1","2"],"billing_house_number":-12,"imsi":null,"ip":[]}"#
            ),
            Ok(vec![
                ("msisdn", "1;2".to_owned()),
                ("surname", "a\"b".to_owned()),
                ("billing_house_number", "-12".to_owned()),
            ])
        );
    }
}

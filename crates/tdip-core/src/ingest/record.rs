//! Decoding the fields of one record: CSV with csv-core, JSON Lines with serde_json.
//!
//! Only records whose fingerprint is new reach this module.

use tdip_model::Reason;
use tdip_model::subscription::{Column, FieldError};

/// Splits single CSV records into fields, reusing its buffers.
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
    pub fn split(&mut self, record: &[u8], max: usize) -> Result<usize, Reason> {
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
        self.ends.resize(record.len() + 2, 0);
        self.reader.reset();
        let (res, _, _, nend) = self
            .reader
            .read_record(&self.input, &mut self.out, &mut self.ends);
        if !matches!(res, csv_core::ReadRecordResult::Record) {
            return Err("is not a complete CSV record (is a double quote left open?)".into());
        }
        if nend > max {
            return Err(Reason::counted(
                "has {} fields, the header has fewer",
                &[nend as u64],
            ));
        }
        self.ends.truncate(nend);
        Ok(nend)
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
pub fn json_fields(text: &[u8], fields: &mut [String], problems: &mut Vec<FieldError>) {
    for f in fields.iter_mut() {
        f.clear();
    }
    let obj: serde_json::Map<String, serde_json::Value> = match serde_json::from_slice(text) {
        Ok(obj) => obj,
        Err(e) => {
            // serde_json's own message may quote the data; only its category is used.
            let reason = match e.classify() {
                serde_json::error::Category::Syntax => "is not valid JSON",
                serde_json::error::Category::Eof => "is not valid JSON: it ends too early",
                serde_json::error::Category::Data => "is JSON but not an object",
                serde_json::error::Category::Io => "cannot be read",
            };
            problems.push(FieldError::new("row", reason));
            return;
        }
    };
    for (key, value) in obj {
        let Some(col) = Column::from_name(&key) else {
            let reason = "has a field that is not a column of the delivery format";
            problems.push(FieldError::new("row", reason));
            continue;
        };
        let field = &mut fields[col.index()];
        match value {
            serde_json::Value::Null => {}
            serde_json::Value::String(s) => *field = s,
            serde_json::Value::Number(n) => *field = n.to_string(),
            serde_json::Value::Array(items) => {
                let mut parts = Vec::with_capacity(items.len());
                for item in items {
                    match item {
                        serde_json::Value::String(s) => parts.push(s),
                        _ => {
                            problems.push(FieldError::new(col.name(), "list items must be strings"))
                        }
                    }
                }
                *field = parts.join(";");
            }
            _ => problems.push(FieldError::new(
                col.name(),
                "must be a string, a number or a list of strings",
            )),
        }
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
        assert!(f.split(b"a,b,c", 2).unwrap_err().contains("3 fields"));
        assert!(f.split(b"a,\"open", 5).is_err());
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
}

//! The JSON Lines record decoder on arbitrary bytes: it never panics; a record it accepts
//! is one serde_json reads as an object of columns, with every value as written; a record
//! serde_json cannot read is refused; and every error names a column or `row`.

#![no_main]

use libfuzzer_sys::fuzz_target;
use serde_json::Value;
use tdip_model::subscription::Column;

/// A value as the decoder must have read it, if it is one the decoder accepts.
fn as_written(value: &Value) -> Option<String> {
    match value {
        Value::Null => Some(String::new()),
        Value::String(s) => Some(s.clone()),
        Value::Number(n) if n.is_u64() || n.is_i64() => Some(n.to_string()),
        Value::Array(items) => items
            .iter()
            .map(|i| i.as_str().map(str::to_owned))
            .collect::<Option<Vec<_>>>()
            .map(|parts| parts.join(";")),
        _ => None,
    }
}

fuzz_target!(|text: &[u8]| {
    let decoded = tdip_core::ingest::decode_json(text);
    let reference = serde_json::from_slice::<serde_json::Map<String, Value>>(text);
    match (decoded, reference) {
        (Ok(mut fields), Ok(object)) => {
            let mut expected = Vec::new();
            for (key, value) in &object {
                let column = Column::from_name(key)
                    .unwrap_or_else(|| panic!("accepted a key that is not a column"));
                let value = as_written(value)
                    .unwrap_or_else(|| panic!("accepted a {key} value of the wrong kind"));
                if !value.is_empty() {
                    expected.push((column.name(), value));
                }
            }
            expected.sort();
            fields.sort();
            assert_eq!(fields, expected, "values are read as written");
        }
        (Ok(_), Err(e)) => panic!("accepted a record serde_json refuses: {e}"),
        (Err(errors), _) => {
            assert!(!errors.is_empty());
            for e in &errors {
                assert!(
                    e.field == "row" || Column::from_name(e.field).is_some(),
                    "an error names a column or the row: {e:?}"
                );
            }
        }
    }
});

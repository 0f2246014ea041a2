//! The examples of docs/traffic-format.md for `fixed`, `mobile`, `internet` and `cell`
//! (each section's CSV rows and JSON Lines record) decode, and write back to fields that
//! read back equal: the format document cannot drift from the reader.

use super::*;
use crate::LegalZone;

const DOC: &str = include_str!("../../../../docs/traffic-format.md");

/// The body of the first fenced block of `lang` after the heading `heading`.
fn block(heading: &str, lang: &str) -> &'static str {
    let at = DOC.find(heading).expect("the section exists");
    let open = format!("```{lang}\n");
    let start = at + DOC[at..].find(&open).expect("the section has the block") + open.len();
    let len = DOC[start..].find("```").expect("the block is closed");
    &DOC[start..start + len]
}

fn check(kind: BatchKind, values: Vec<Option<String>>) -> DecodedRecord {
    let v: Vec<Option<&str>> = values.iter().map(Option::as_deref).collect();
    let d = match decode_record(kind, &v, LegalZone::Brussels) {
        Ok(d) => d,
        Err(e) => panic!("a {} example is refused: {e:?}", kind.as_str()),
    };
    let again = encode_record(kind, &d).expect("an example writes back");
    let v: Vec<Option<&str>> = again.iter().map(Option::as_deref).collect();
    assert_eq!(decode_record(kind, &v, LegalZone::Amsterdam), Ok(d.clone()));
    d
}

const SECTIONS: [(BatchKind, &str, usize); 4] = [
    (BatchKind::Fixed, "### `fixed`", 2),
    (BatchKind::Mobile, "### `mobile`", 2),
    (BatchKind::Internet, "### `internet`", 3),
    (BatchKind::Cell, "## `cell`", 3),
];

#[test]
fn the_documented_csv_rows_decode_and_read_back_equal() {
    for (kind, heading, rows) in SECTIONS {
        let mut lines = block(heading, "csv").lines();
        let header: Vec<&str> = lines.next().unwrap().split(',').collect();
        assert!(check_traffic_header(kind, &header).is_ok(), "{heading}");
        assert_eq!(
            header,
            kind.columns(),
            "{heading} lists every column in order"
        );
        let mut n = 0;
        for line in lines {
            let values = line
                .split(',')
                .map(|v| (!v.is_empty()).then(|| v.to_string()))
                .collect::<Vec<_>>();
            assert_eq!(values.len(), header.len(), "{heading}: {line}");
            check(kind, values);
            n += 1;
        }
        assert_eq!(n, rows, "{heading}");
    }
}

#[test]
fn the_documented_json_records_decode_and_read_back_equal() {
    for (kind, heading, _) in SECTIONS {
        let object: serde_json::Map<String, serde_json::Value> =
            serde_json::from_str(block(heading, "json").trim()).unwrap();
        let mut values = vec![None; kind.columns().len()];
        for (k, v) in object {
            let c = kind.column(&k).expect("a column of its kind");
            values[c] = Some(v.as_str().expect("every value a string").to_string());
        }
        check(kind, values);
    }
}

#[test]
fn the_documented_midnight_call_and_national_numbers_read_as_described() {
    let mut lines = block("### `fixed`", "csv").lines().skip(2);
    let values = lines
        .next()
        .unwrap()
        .split(',')
        .map(|v| (!v.is_empty()).then(|| v.to_string()))
        .collect();
    let TrafficRecord::Communication(c) = check(BatchKind::Fixed, values).record else {
        panic!("kind")
    };
    // 23:58 Brussels (22:58Z) to 01:04:30+01:00 (00:04:30Z): it crosses UTC midnight.
    assert_eq!(c.start.div_euclid(86_400) + 1, c.end.div_euclid(86_400));
    assert_eq!(c.forwarded_to.as_deref(), Some("+32470123456"));
    assert_eq!(c.lines.len(), 2);
}

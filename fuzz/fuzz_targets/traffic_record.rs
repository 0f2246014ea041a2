//! The traffic batch reader and record decoder on arbitrary bytes: a CSV row under a
//! header of every column, or a JSON Lines record, of any of the six kinds (`cgnat`,
//! `session`, `fixed`, `mobile`, `internet`, `cell`). It never panics; every
//! error names a column, `row`, `header` or `file`; and a record it accepts, written back
//! in the same encoding, reads back equal.

#![no_main]

use libfuzzer_sys::fuzz_target;
use tdip_core::traffic::ingest::read_all;
use tdip_model::LegalZone;
use tdip_model::traffic::{BatchKind, DecodedRecord, encode_record};

/// Every kind; the first byte of the input picks one.
const KINDS: [BatchKind; 6] = [
    BatchKind::Cgnat,
    BatchKind::Session,
    BatchKind::Fixed,
    BatchKind::Mobile,
    BatchKind::Internet,
    BatchKind::Cell,
];

/// 2100-01-01: no record of a plausible time lies in the future.
const RECEIVED: i64 = 4_102_444_800;

fn check_errors(kind: BatchKind, errors: &[tdip_model::FieldError]) {
    assert!(!errors.is_empty(), "a refusal without an error");
    for e in errors {
        assert!(
            kind.column(e.field).is_some() || ["row", "header", "file"].contains(&e.field),
            "an error names no column"
        );
    }
}

fn write_csv(kind: BatchKind, d: &DecodedRecord) -> Vec<u8> {
    let fields = encode_record(kind, d).expect("an accepted record writes back");
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(kind.columns()).unwrap();
    w.write_record(fields.iter().map(|f| f.as_deref().unwrap_or("")))
        .unwrap();
    w.into_inner().unwrap()
}

fn write_json(kind: BatchKind, d: &DecodedRecord) -> Vec<u8> {
    let fields = encode_record(kind, d).expect("an accepted record writes back");
    let mut object = serde_json::Map::new();
    for (name, v) in kind.columns().iter().zip(fields) {
        if let Some(v) = v {
            object.insert((*name).to_string(), serde_json::Value::String(v));
        }
    }
    let mut out = serde_json::to_vec(&object).unwrap();
    out.push(b'\n');
    out
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, body)) = data.split_first() else {
        return;
    };
    let kind = KINDS[usize::from(mode & 7) % KINDS.len()];
    let json = mode & 8 != 0;
    let input = if json {
        body.to_vec()
    } else {
        let mut v = kind.columns().join(",").into_bytes();
        v.push(b'\n');
        v.extend_from_slice(body);
        v
    };
    let read = read_all(kind, LegalZone::Brussels, RECEIVED, &input);
    if let Some((_, e)) = &read.fatal {
        check_errors(kind, std::slice::from_ref(e));
    }
    for (_, verdict) in read.records {
        match verdict {
            Err(errors) => check_errors(kind, &errors),
            Ok(d) => {
                let again = if json {
                    write_json(kind, &d)
                } else {
                    write_csv(kind, &d)
                };
                let back = read_all(kind, LegalZone::Brussels, RECEIVED, &again);
                assert!(back.fatal.is_none(), "a written record does not read back");
                assert_eq!(
                    back.records.len(),
                    1,
                    "a written record reads back as another count"
                );
                match &back.records[0].1 {
                    Ok(b) => assert_eq!(*b, d, "a written record reads back different"),
                    Err(_) => panic!("a written record is refused"),
                }
            }
        }
    }
});

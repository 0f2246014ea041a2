//! The property every CSV delivery keeps, shared by the property test
//! (`tests/csv_agreement.rs`) and the fuzz target (`fuzz/fuzz_targets/csv_split.rs`): the
//! delivery reader either refuses a record, or reads every record exactly as the `csv`
//! crate reads it; and the records before a refusal are read as `csv` reads them too.

use tdip_core::ingest::source::{Limits, split_csv};

/// Each record as (1-based line of its first byte, fields).
pub type Records = Vec<(u64, Vec<Vec<u8>>)>;

/// What the `csv` crate reads from `bytes` (no header row, records of any length). Like
/// tdip, csv ignores a UTF-8 BOM at the very start (csv-core strips it).
pub fn csv_records(bytes: &[u8]) -> Records {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(bytes);
    let mut record = csv::ByteRecord::new();
    let mut out = Vec::new();
    while reader
        .read_byte_record(&mut record)
        .expect("csv reads any bytes from a slice")
    {
        // csv's position is where its read began, before the line ends it skips; the
        // record's own line is that of its first byte.
        let pos = record.position().expect("csv records have a position");
        let (mut at, mut line) = (pos.byte() as usize, pos.line());
        if at == 0 && bytes.starts_with(b"\xef\xbb\xbf") {
            at = 3;
        }
        while at < bytes.len() && matches!(bytes[at], b'\r' | b'\n') {
            line += u64::from(bytes[at] == b'\n');
            at += 1;
        }
        out.push((line, record.iter().map(<[u8]>::to_vec).collect()));
    }
    out
}

/// Checks the property for `bytes`, read `read` bytes at a time and cut by `limits`.
/// `Ok(true)` when tdip refused a record, `Ok(false)` when it read them all.
pub fn check(bytes: &[u8], read: usize, limits: Limits) -> Result<bool, String> {
    let split = split_csv(bytes, read, limits);
    let expected = csv_records(bytes);
    let Some((line, error)) = &split.error else {
        return if split.records == expected {
            Ok(false)
        } else {
            Err(format!(
                "tdip read {:?}\n  csv read {expected:?}",
                split.records
            ))
        };
    };
    let n = split.records.len();
    if n > expected.len() || split.records[..] != expected[..n] {
        return Err(format!(
            "before refusing line {line} ({error:?}) tdip read {:?}\n  csv read {expected:?}",
            split.records
        ));
    }
    if split.records.last().is_some_and(|(last, _)| line < last) {
        return Err(format!(
            "the refusal on line {line} comes before the last record read, on line {}",
            split.records[n - 1].0
        ));
    }
    Ok(true)
}

/// [`check`] on a fuzzer's input: its first four bytes choose how the rest is read and
/// cut into chunks (mostly with the delivery's own row limit, sometimes a tiny one to
/// reach its refusal), so that every place where the reader stops and resumes is crossed.
pub fn check_fuzz_input(input: &[u8]) -> Result<bool, String> {
    let (knobs, bytes) = input.split_at(input.len().min(4));
    let knob = |i: usize| usize::from(knobs.get(i).copied().unwrap_or(255));
    let read = 1 + knob(0) % 16;
    let limits = Limits {
        chunk: 1 + knob(1) % 64,
        row: if knob(2) < 32 {
            1 + knob(2)
        } else {
            Limits::DELIVERY.row
        },
        records: if knob(3) < 128 {
            1 + knob(3) % 4
        } else {
            Limits::DELIVERY.records
        },
    };
    check(bytes, read, limits).map_err(|why| format!("{why}\n  read {read} at a time, {limits:?}"))
}

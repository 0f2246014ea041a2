//! The delivery reader agrees with the `csv` crate on every byte string: a property test
//! whose inputs are mostly malformed in the ways providers' files are (a quote inside an
//! unquoted field, a quoted field never closed, text after a closing quote, a lone CR,
//! invalid UTF-8, blank lines, CRLF, a BOM), read in small pieces and cut into small
//! chunks so that every place where a scan stops and resumes is crossed.

mod agreement;

use std::cell::Cell;

use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use tdip_core::ingest::source::Limits;

/// One field as written in a file: well-formed, or with one fault.
fn field(faults: bool) -> BoxedStrategy<Vec<u8>> {
    let text = |alphabet: &'static [u8]| {
        proptest::collection::vec(proptest::sample::select(alphabet), 0..6)
    };
    let plain = text(b"ab \xc3\xa9;\xff");
    let quoted = text(b"a,\n\r\"\xff").prop_map(|inner| {
        let mut out = vec![b'"'];
        for b in inner {
            out.push(b);
            if b == b'"' {
                out.push(b'"');
            }
        }
        out.push(b'"');
        out
    });
    // A BOM inside the file is data; csv-core skips one only at the start of the file.
    let bom = text(b"ab").prop_map(|a| [&b"\xef\xbb\xbf"[..], &a[..]].concat());
    if !faults {
        return prop_oneof![6 => plain, 4 => quoted, 1 => bom].boxed();
    }
    let stray = (text(b"ab"), text(b"ab")).prop_map(|(a, b)| [&a[..], b"a\"", &b[..]].concat());
    let unclosed = text(b"ab,\n").prop_map(|a| [&b"\""[..], &a[..]].concat());
    let after = (text(b"ab"), text(b"ab\""))
        .prop_map(|(a, b)| [&b"\""[..], &a[..], b"\"x", &b[..]].concat());
    let lone_cr = text(b"ab").prop_map(|a| [&a[..], b"\r", b"b"].concat());
    prop_oneof![
        30 => plain,
        20 => quoted,
        3 => bom,
        1 => stray,
        1 => unclosed,
        1 => after,
        1 => lone_cr,
    ]
    .boxed()
}

/// A file of records joined by LF or CRLF, with blank lines and an optional BOM.
fn structured() -> impl Strategy<Value = Vec<u8>> {
    any::<bool>().prop_flat_map(|faults| {
        let record = proptest::collection::vec(field(faults), 1..5);
        let end = prop_oneof![
            Just(&b"\n"[..]),
            Just(&b"\r\n"[..]),
            Just(&b"\n\n"[..]),
            Just(&b"\r\n\r\n"[..])
        ];
        (
            any::<bool>(),
            proptest::collection::vec((record, end), 0..12),
            any::<bool>(),
        )
            .prop_map(|(bom, records, last_end)| {
                let mut out = Vec::new();
                if bom {
                    out.extend_from_slice(b"\xef\xbb\xbf");
                }
                let n = records.len();
                for (i, (fields, end)) in records.into_iter().enumerate() {
                    out.extend_from_slice(&fields.join(&b","[..]));
                    if i + 1 < n || last_end {
                        out.extend_from_slice(end);
                    }
                }
                out
            })
    })
}

/// Short strings of the bytes that matter.
fn raw() -> impl Strategy<Value = Vec<u8>> {
    proptest::collection::vec(
        proptest::sample::select(&b"a,\"\r\n\xef\xbb\xbf\xff"[..]),
        0..40,
    )
}

fn limits() -> impl Strategy<Value = (usize, Limits)> {
    let small = |max: usize| prop_oneof![1..max, Just(usize::MAX >> 1)];
    (small(9), small(48), small(160), small(4)).prop_map(|(read, chunk, row, records)| {
        (
            read,
            Limits {
                chunk: chunk.min(4096),
                row,
                records,
            },
        )
    })
}

#[test]
fn the_reader_refuses_a_record_or_reads_every_record_as_the_csv_crate_does() {
    let mut runner = TestRunner::new(Config {
        cases: 3000,
        failure_persistence: None,
        ..Config::default()
    });
    let (refused, read) = (Cell::new(0u32), Cell::new(0u32));
    let input = (prop_oneof![3 => structured(), 1 => raw()], limits());
    runner
        .run(&input, |(bytes, (size, limits))| {
            match agreement::check(&bytes, size, limits) {
                Ok(true) => refused.set(refused.get() + 1),
                Ok(false) => read.set(read.get() + 1),
                Err(why) => {
                    return Err(TestCaseError::fail(format!(
                        "{why}\n  input {:?} read {size} at a time, {limits:?}",
                        String::from_utf8_lossy(&bytes)
                    )));
                }
            }
            Ok(())
        })
        .unwrap();
    let (refused, read) = (refused.get(), read.get());
    assert!(
        refused >= 600 && read >= 600,
        "the inputs must often be refused and often read whole: {refused} refused, {read} read"
    );
}

#[test]
fn the_reference_skips_what_csv_skips_and_numbers_lines_by_first_byte() {
    assert_eq!(
        agreement::csv_records(b"\xef\xbb\xbfa\n\n\r\nb,\"x\ny\"\nc"),
        [
            (1, vec![b"a".to_vec()]),
            (4, vec![b"b".to_vec(), b"x\ny".to_vec()]),
            (6, vec![b"c".to_vec()]),
        ]
    );
}

/// Inputs the `csv_split` fuzz target found, replayed as it read them.
#[test]
fn inputs_the_fuzz_target_found_are_read_as_the_csv_crate_does() {
    let found: &[&[u8]] = &[
        // A BOM at the start of the second line is data, not a BOM to skip.
        b"\x87\x0a\x87\x232\n\xef\xbb\xbf\xbb\xbf",
    ];
    for input in found {
        if let Err(why) = agreement::check_fuzz_input(input) {
            panic!("{why}");
        }
    }
}

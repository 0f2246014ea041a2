//! Reading a delivery file: gzip detection and splitting into records, on its own thread.
//!
//! The reader does not parse fields. It only finds where each record starts and ends
//! (for CSV: a line break outside double quotes, by the strict rules of [`super::scan`];
//! for JSON Lines: a line break) and hands chunks of whole records to the workers. A
//! worker fingerprints a record's bytes and parses its fields only when the fingerprint
//! is not in the previous snapshot, so on an ordinary day almost no field is ever parsed.
//!
//! Memory stays bounded whatever the file: a record is at most [`ROW_LIMIT`] bytes
//! wherever it starts, a chunk holds at most [`MAX_RECORDS`] records, and the channel to
//! the workers holds a few chunks.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use crossbeam_channel::Sender;
use flate2::read::MultiGzDecoder;
use tdip_crypto::{FileChecksum, SpoolIdentity};
use tdip_model::Reason;
use tdip_model::subscription::{Column, FieldError, check_header};

use super::record::{CsvFields, SplitError};
use super::scan::{Found, Scanner};

/// The strict CSV record scan and field splitter, shared with the traffic batch reader.
pub(crate) mod csv_parts {
    pub(crate) use super::super::record::CsvFields;
    pub(crate) use super::super::scan::{Found, Scanner};
}

/// Bytes read per chunk (a chunk holds whole records, so it may be a little larger).
const CHUNK: usize = 1 << 20;

/// The longest record, line terminator excluded: 4 MiB.
pub const ROW_LIMIT: usize = 4 << 20;

/// The most records one chunk holds, so that a file of very short rows cannot make the
/// workers' results for one chunk large.
pub const MAX_RECORDS: usize = 8192;

/// The most columns a CSV header may have before it is refused whole.
const MAX_HEADER_FIELDS: usize = 1024;

const BOM: &[u8] = b"\xef\xbb\xbf";

/// How the file is encoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// CSV with a header row.
    Csv,
    /// One JSON object per line.
    JsonLines,
}

impl Format {
    /// Guesses the format from a file name (`.csv`, `.jsonl`, `.ndjson`, optionally `.gz`).
    pub fn from_path(path: &Path) -> Option<Format> {
        let name = path.file_name()?.to_str()?.to_ascii_lowercase();
        let name = name.strip_suffix(".gz").unwrap_or(&name);
        if name.ends_with(".csv") {
            Some(Format::Csv)
        } else if name.ends_with(".jsonl") || name.ends_with(".ndjson") {
            Some(Format::JsonLines)
        } else {
            None
        }
    }
}

/// Where each column sits in a CSV record: `map[column.index()]` is the field position.
pub type ColumnMap = Vec<Option<usize>>;

/// What the workers need to know about the file as a whole.
#[derive(Debug)]
pub struct Header {
    /// The encoding.
    pub format: Format,
    /// CSV: column positions. JSON Lines: unused.
    pub map: ColumnMap,
    /// CSV: number of fields per record.
    pub fields: usize,
    /// CSV: the column name at each field position.
    pub names: Vec<&'static str>,
    /// Bytes every record fingerprint is bound to: the CSV header line, so that a file
    /// with other columns never matches the previous one's fingerprints.
    pub fingerprint_prefix: Vec<u8>,
}

/// One record's place in its chunk.
#[derive(Clone, Copy, Debug)]
pub struct Span {
    /// Start offset in the chunk.
    pub start: usize,
    /// End offset (exclusive), without the line terminator.
    pub end: usize,
    /// 1-based physical line where the record starts.
    pub line: u64,
}

/// A record the reader refused for its quoting or line ends: the worker reports it
/// without decoding the record.
#[derive(Clone, Copy, Debug)]
pub struct RecordProblem {
    /// Index of the record in [`Chunk::records`].
    pub record: usize,
    /// Line to report.
    pub line: u64,
    /// The column, or `row`.
    pub field: &'static str,
    /// What is wrong and what to do.
    pub reason: &'static str,
}

/// Whole records read from the file.
pub struct Chunk {
    /// The bytes.
    pub data: Vec<u8>,
    /// The records in it, in file order.
    pub records: Vec<Span>,
    /// The records among them that are malformed, in file order.
    pub problems: Vec<RecordProblem>,
}

/// What the reader sends downstream.
pub enum Msg {
    /// A chunk with its sequence number.
    Batch(u64, Arc<Header>, Chunk),
    /// End of file.
    Done {
        /// Data records read.
        rows: u64,
        /// SHA-256 of the bytes as received.
        checksum: [u8; 32],
    },
    /// The file cannot be read as a whole (header, compression, I/O).
    Fatal(Vec<(u64, FieldError)>),
}

/// Counts and hashes the bytes as received, before decompression.
struct Tap<R> {
    inner: R,
    checksum: FileChecksum,
    progress: Arc<AtomicU64>,
}

impl<R: Read> Read for Tap<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.checksum.update(&buf[..n]);
        self.progress.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

fn fatal(line: u64, error: FieldError) -> Msg {
    Msg::Fatal(vec![(line, error)])
}

/// A read that failed part-way: the reason says what the kind of failure means for the
/// file, never the I/O error's own text.
fn io_fatal(line: u64, e: &io::Error) -> Msg {
    let reason = match e.kind() {
        io::ErrorKind::UnexpectedEof => {
            "the file ends in the middle of its compressed or encrypted data from here on \
             (truncated?); deliver the whole file again"
        }
        io::ErrorKind::InvalidData | io::ErrorKind::InvalidInput => {
            "the file is corrupt from here on (damaged compressed or encrypted data, or \
             bytes after the end of the gzip data that are not gzip); deliver it again"
        }
        _ => "the file cannot be read from here on (I/O error); deliver it again",
    };
    fatal(line, FieldError::new("file", reason))
}

fn open_fatal(e: &io::Error) -> Msg {
    let reason = match e.kind() {
        io::ErrorKind::NotFound => "the delivery file does not exist",
        io::ErrorKind::PermissionDenied => "the delivery file cannot be opened: permission denied",
        _ => "the delivery file cannot be opened (I/O error)",
    };
    fatal(0, FieldError::new("file", reason))
}

/// Reads `path` to the end, sending chunks to `out`. Never panics on bad input.
pub fn read_file(
    path: &Path,
    format: Format,
    spooled: Option<&SpoolIdentity>,
    progress: Arc<AtomicU64>,
    out: Sender<Msg>,
) {
    let msg = match (File::open(path), spooled) {
        (Ok(file), None) => read_stream(file, format, progress, &out),
        (Ok(file), Some(identity)) => match identity.reader(BufReader::new(file)) {
            Ok(plain) => read_stream(plain, format, progress, &out),
            Err(_) => fatal(
                0,
                FieldError::new(
                    "file",
                    "cannot open the spooled delivery: it is not encrypted to this point's \
                     spool key, or damaged",
                ),
            ),
        },
        (Err(e), _) => open_fatal(&e),
    };
    let _ = out.send(msg);
}

fn read_stream<R: Read>(
    file: R,
    format: Format,
    progress: Arc<AtomicU64>,
    out: &Sender<Msg>,
) -> Msg {
    let tap = Tap {
        inner: file,
        checksum: FileChecksum::default(),
        progress,
    };
    let mut buffered = BufReader::with_capacity(1 << 20, tap);
    let gzip = match buffered.fill_buf() {
        Ok(head) => head.starts_with(&[0x1f, 0x8b]),
        Err(e) => return io_fatal(0, &e),
    };
    let mut split = Splitter::new(format, out, Limits::DELIVERY, false);
    if gzip {
        let mut dec = MultiGzDecoder::new(buffered);
        let r = split.run(&mut dec);
        finish(r, dec.into_inner(), split.rows)
    } else {
        let r = split.run(&mut buffered);
        finish(r, buffered, split.rows)
    }
}

fn finish<R: Read>(r: Result<(), Msg>, mut rest: BufReader<Tap<R>>, rows: u64) -> Msg {
    if let Err(msg) = r {
        return msg;
    }
    // Drain to the end so the checksum covers every byte received.
    if let Err(e) = io::copy(&mut rest, &mut io::sink()) {
        return io_fatal(0, &e);
    }
    Msg::Done {
        rows,
        checksum: rest.into_inner().checksum.finish(),
    }
}

/// How the reader cuts the file: the row limit and the size of the chunks it hands over.
#[doc(hidden)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Bytes read at a time into a chunk.
    pub chunk: usize,
    /// The longest record, in bytes.
    pub row: usize,
    /// The most records in one chunk.
    pub records: usize,
}

impl Limits {
    /// The limits every delivery is read with.
    pub const DELIVERY: Limits = Limits {
        chunk: CHUNK,
        row: ROW_LIMIT,
        records: MAX_RECORDS,
    };
}

/// Records found but not yet handed over.
#[derive(Default)]
struct Pending {
    records: Vec<Span>,
    problems: Vec<RecordProblem>,
}

/// Finds record boundaries and batches whole records into chunks.
struct Splitter<'a> {
    format: Format,
    out: &'a Sender<Msg>,
    header: Option<Arc<Header>>,
    limits: Limits,
    seq: u64,
    rows: u64,
    /// CSV: the record boundary scan, which also counts lines.
    scan: Scanner,
    /// JSON Lines: physical line number of the next byte to scan.
    line: u64,
}

impl<'a> Splitter<'a> {
    /// A splitter; `raw` takes every CSV record as data (no header row), for the tests that
    /// compare the splitter with the `csv` crate.
    fn new(format: Format, out: &'a Sender<Msg>, limits: Limits, raw: bool) -> Self {
        // JSON Lines has no header line: every record names its fields.
        let header = (format == Format::JsonLines || raw).then(|| {
            Arc::new(Header {
                format,
                map: Vec::new(),
                fields: usize::MAX,
                names: Vec::new(),
                fingerprint_prefix: b"jsonl".to_vec(),
            })
        });
        Splitter {
            format,
            out,
            header,
            limits,
            seq: 0,
            rows: 0,
            scan: Scanner::default(),
            line: 1,
        }
    }

    /// Physical line number of the next byte to scan.
    fn line(&self) -> u64 {
        match self.format {
            Format::Csv => self.scan.line(),
            Format::JsonLines => self.line,
        }
    }

    fn run(&mut self, input: &mut impl Read) -> Result<(), Msg> {
        let chunk = self.limits.chunk.max(1);
        let mut data: Vec<u8> = Vec::with_capacity(chunk + 4096);
        let mut base = 0; // bytes of `data` before this were handed over already
        let mut scanned = 0; // bytes of `data` already scanned for boundaries
        let mut start = 0; // start of the record being scanned
        let mut start_line = 1;
        let mut pending = Pending::default();
        let mut bom_checked = false;
        loop {
            let len = data.len();
            data.resize(len + chunk, 0);
            let n = loop {
                match input.read(&mut data[len..]) {
                    Ok(n) => break n,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                    Err(e) => return Err(io_fatal(self.line(), &e)),
                }
            };
            data.truncate(len + n);
            let eof = n == 0;
            if !bom_checked {
                if data.len() < BOM.len() && !eof {
                    continue;
                }
                bom_checked = true;
                if data.starts_with(BOM) {
                    (base, scanned, start) = (BOM.len(), BOM.len(), BOM.len());
                }
            }
            while let Some((end, next, found)) = self.boundary(&data, start, &mut scanned, eof) {
                self.record(&data, start, end, start_line, found, &mut pending)?;
                start = next;
                start_line = self.line();
                if pending.records.len() >= self.limits.records {
                    // Very short records: hand these over now (a copy of their bytes)
                    // rather than let one chunk hold more of them.
                    self.send_part(&data[base..start], base, &mut pending);
                    base = start;
                }
            }
            if eof {
                if start < data.len() {
                    let found = match self.format {
                        Format::Csv => self.scan.finish(&data, start),
                        Format::JsonLines => None,
                    };
                    self.record(&data, start, data.len(), start_line, found, &mut pending)?;
                }
                if self.header.is_none() {
                    let reason = "the file is empty: a CSV delivery starts with a header row";
                    return Err(fatal(1, FieldError::new("header", reason)));
                }
                self.send(Chunk {
                    data,
                    records: pending.records,
                    problems: pending.problems,
                });
                return Ok(());
            }
            if data.len() - start > self.limits.row {
                return Err(self.too_long(&data, start, start_line));
            }
            if start >= chunk / 2 {
                // Hand over whole records; carry the partial one into the next chunk.
                let rest = data[start..].to_vec();
                let mut whole = std::mem::replace(&mut data, rest);
                whole.truncate(start);
                let records = std::mem::take(&mut pending.records);
                let problems = std::mem::take(&mut pending.problems);
                self.send(Chunk {
                    data: whole,
                    records,
                    problems,
                });
                scanned -= start;
                (base, start) = (0, 0);
                data.reserve(chunk + 4096);
            }
        }
    }

    /// The next record end at or after `*scanned`: where the record ends, where the next
    /// one starts, and what is wrong with the record's quoting or line ends.
    fn boundary(
        &mut self,
        data: &[u8],
        start: usize,
        scanned: &mut usize,
        eof: bool,
    ) -> Option<(usize, usize, Option<Found>)> {
        match self.format {
            Format::Csv => {
                let b = self.scan.next(data, start, scanned, eof)?;
                Some((b.end, b.next, self.scan.take()))
            }
            Format::JsonLines => {
                let at = *scanned + memchr::memchr(b'\n', &data[*scanned..])?;
                *scanned = at + 1;
                self.line += 1;
                Some((at, at + 1, None))
            }
        }
    }

    /// The refusal of a record longer than the limit that starts at `start`.
    fn too_long(&self, data: &[u8], start: usize, line: u64) -> Msg {
        // The limit in MiB when it is a whole number of them (as it is but in tests).
        let mib = self.limits.row.is_multiple_of(1 << 20);
        let limit = if mib {
            (self.limits.row >> 20) as u64
        } else {
            self.limits.row as u64
        };
        let unit =
            |in_mib: &'static str, in_bytes: &'static str| if mib { in_mib } else { in_bytes };
        let open = (self.format == Format::Csv)
            .then(|| self.scan.open_quote(data, start))
            .flatten();
        match (open, &self.header) {
            (Some((quote_line, _)), None) => fatal(
                quote_line,
                FieldError::new(
                    "header",
                    Reason::counted(
                        unit(
                            "opens a quoted field that is not closed within {} MiB (the most a \
                             row may hold); close the quote, or write a quote inside it as two",
                            "opens a quoted field that is not closed within {} bytes (the most \
                             a row may hold); close the quote, or write a quote inside it as two",
                        ),
                        &[limit],
                    ),
                ),
            ),
            (Some((quote_line, field)), Some(header)) => fatal(
                quote_line,
                FieldError::new(
                    header.names.get(field).copied().unwrap_or("row"),
                    Reason::counted(
                        unit(
                            "opens a quoted field that is not closed within {} MiB (the most a \
                             row may hold), so the rest of the file would be one field; close \
                             the quote, or write a quote inside the field as two (\"\")",
                            "opens a quoted field that is not closed within {} bytes (the most \
                             a row may hold), so the rest of the file would be one field; close \
                             the quote, or write a quote inside the field as two (\"\")",
                        ),
                        &[limit],
                    ),
                ),
            ),
            (None, header) => fatal(
                line,
                FieldError::new(
                    if header.is_some() { "row" } else { "header" },
                    Reason::counted(
                        unit(
                            "the row is longer than {} MiB, the most a row may hold; is a line \
                             break missing?",
                            "the row is longer than {} bytes, the most a row may hold; is a \
                             line break missing?",
                        ),
                        &[limit],
                    ),
                ),
            ),
        }
    }

    /// Takes the record `data[start..end]` (line terminator excluded).
    fn record(
        &mut self,
        data: &[u8],
        start: usize,
        mut end: usize,
        line: u64,
        found: Option<Found>,
        pending: &mut Pending,
    ) -> Result<(), Msg> {
        if end - start > self.limits.row {
            return Err(self.too_long(&data[..end], start, line));
        }
        let blank = match self.format {
            // csv-core skips empty lines, and only those.
            Format::Csv => start == end,
            Format::JsonLines => {
                if end > start && data[end - 1] == b'\r' {
                    end -= 1;
                }
                data[start..end].iter().all(u8::is_ascii_whitespace)
            }
        };
        if blank && found.is_none() {
            return Ok(());
        }
        let Some(header) = &self.header else {
            if let Some(found) = found {
                let error = FieldError::new("header", found.problem.reason());
                return Err(fatal(found.line, error));
            }
            self.header = Some(Arc::new(csv_header(&data[start..end], line)?));
            return Ok(());
        };
        self.rows += 1;
        if let Some(found) = found {
            pending.problems.push(RecordProblem {
                record: pending.records.len(),
                line: found.line,
                field: header.names.get(found.field).copied().unwrap_or("row"),
                reason: found.problem.reason(),
            });
        }
        pending.records.push(Span { start, end, line });
        Ok(())
    }

    /// Hands over the pending records, whose bytes are `bytes` (found at `base`), copied.
    fn send_part(&mut self, bytes: &[u8], base: usize, pending: &mut Pending) {
        let mut records = std::mem::take(&mut pending.records);
        for r in &mut records {
            r.start -= base;
            r.end -= base;
        }
        let problems = std::mem::take(&mut pending.problems);
        self.send(Chunk {
            data: bytes.to_vec(),
            records,
            problems,
        });
    }

    fn send(&mut self, chunk: Chunk) {
        if chunk.records.is_empty() {
            return;
        }
        let header = self
            .header
            .clone()
            .expect("the header precedes every record");
        // A closed channel means the delivery was abandoned; the reader just stops feeding.
        let _ = self.out.send(Msg::Batch(self.seq, header, chunk));
        self.seq += 1;
    }
}

fn csv_header(bytes: &[u8], line: u64) -> Result<Header, Msg> {
    let mut fields = CsvFields::default();
    let header_error = |reason| fatal(line, FieldError::new("header", reason));
    match fields.split(bytes, MAX_HEADER_FIELDS) {
        Ok(_) => {}
        Err(SplitError::TooMany) => {
            return Err(fatal(
                line,
                FieldError::new(
                    "header",
                    Reason::counted(
                        "has more than {} columns; the delivery format has {}",
                        &[MAX_HEADER_FIELDS as u64, Column::COUNT as u64],
                    ),
                ),
            ));
        }
        Err(SplitError::Incomplete) => {
            return Err(header_error("is not a complete CSV record"));
        }
    }
    let mut text = Vec::new();
    for raw in fields.fields() {
        match std::str::from_utf8(raw) {
            Ok(s) => text.push(s.trim()),
            Err(_) => return Err(header_error("the header row is not valid UTF-8")),
        }
    }
    let columns = check_header(&text)
        .map_err(|errs| Msg::Fatal(errs.into_iter().map(|e| (line, e)).collect()))?;
    let mut map = vec![None; Column::COUNT];
    for (pos, col) in columns.iter().enumerate() {
        map[col.index()] = Some(pos);
    }
    Ok(Header {
        format: Format::Csv,
        map,
        fields: columns.len(),
        names: columns.iter().map(|c| c.name()).collect(),
        fingerprint_prefix: bytes.to_vec(),
    })
}

/// Records as the delivery reader splits and decodes them, for the tests and fuzz targets
/// that compare it with the `csv` crate.
#[doc(hidden)]
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Split {
    /// Each record's line and fields, up to the first record refused.
    pub records: Vec<(u64, Vec<Vec<u8>>)>,
    /// The first refusal: its line and error.
    pub error: Option<(u64, FieldError)>,
}

/// Splits `bytes` as the reader splits a CSV delivery and decodes each record as the
/// workers do, taking the first record as data too (no header check). The input arrives
/// `read` bytes at a time, and chunks are cut by `limits`, so that small inputs exercise
/// every place where a scan stops and resumes.
#[doc(hidden)]
pub fn split_csv(bytes: &[u8], read: usize, limits: Limits) -> Split {
    struct Trickle<'b>(&'b [u8], usize);
    impl Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let n = self.0.len().min(self.1).min(buf.len());
            buf[..n].copy_from_slice(&self.0[..n]);
            self.0 = &self.0[n..];
            Ok(n)
        }
    }
    let limits = Limits {
        records: limits.records.max(1),
        ..limits
    };
    let (tx, rx) = crossbeam_channel::unbounded();
    let mut split = Splitter::new(Format::Csv, &tx, limits, true);
    let ended = split.run(&mut Trickle(bytes, read.max(1)));
    drop(tx);
    let mut out = Split::default();
    let mut fields = CsvFields::default();
    'chunks: for msg in rx {
        let Msg::Batch(_, _, chunk) = msg else {
            continue;
        };
        let mut problems = chunk.problems.iter().peekable();
        for (i, span) in chunk.records.iter().enumerate() {
            if let Some(p) = problems.next_if(|p| p.record == i) {
                out.error = Some((p.line, FieldError::new(p.field, p.reason)));
                break 'chunks;
            }
            let record = &chunk.data[span.start..span.end];
            if fields.split(record, usize::MAX).is_err() {
                let reason = "is not a complete CSV record";
                out.error = Some((span.line, FieldError::new("row", reason)));
                break 'chunks;
            }
            out.records
                .push((span.line, fields.fields().map(<[u8]>::to_vec).collect()));
        }
    }
    if out.error.is_none()
        && let Err(Msg::Fatal(mut errors)) = ended
        && !errors.is_empty()
    {
        out.error = Some(errors.swap_remove(0));
    }
    out
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::ingest::record::CsvFields;

    /// Splits `bytes` as a CSV delivery (header checked) and decodes every record's fields.
    fn split_all(bytes: &[u8]) -> Vec<(u64, Vec<Vec<u8>>)> {
        let (tx, rx) = crossbeam_channel::unbounded();
        let mut split = Splitter::new(Format::Csv, &tx, Limits::DELIVERY, false);
        split.run(&mut &bytes[..]).map_err(|_| "fatal").unwrap();
        drop(tx);
        let mut fields = CsvFields::default();
        let mut out = Vec::new();
        for msg in rx {
            if let Msg::Batch(_, header, chunk) = msg {
                for span in &chunk.records {
                    let rec = &chunk.data[span.start..span.end];
                    fields.split(rec, header.fields).unwrap();
                    out.push((span.line, fields.fields().map(<[u8]>::to_vec).collect()));
                }
            }
        }
        out
    }

    fn field() -> impl Strategy<Value = String> {
        proptest::string::string_regex("[a-c ,\"\n\r;é]{0,12}").unwrap()
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 200, failure_persistence: None, ..ProptestConfig::default() })]

        /// Whatever the fields hold (quotes, commas, line breaks), the splitter finds the
        /// same records as the csv crate writes them, with the physical line each starts on.
        #[test]
        fn records_split_as_the_csv_crate_wrote_them(
            rows in proptest::collection::vec(proptest::collection::vec(field(), 3), 0..40),
            crlf in any::<bool>(),
        ) {
            let mut w = csv::WriterBuilder::new()
                .terminator(if crlf { csv::Terminator::CRLF } else { csv::Terminator::Any(b'\n') })
                .from_writer(Vec::new());
            w.write_record(["subscription_id", "service", "subscription_start"]).unwrap();
            let mut expected = Vec::new();
            let mut line = 2u64;
            for r in &rows {
                w.write_record(r).unwrap();
                expected.push((line, r.iter().map(|f| f.as_bytes().to_vec()).collect::<Vec<_>>()));
                line += 1 + r.iter().map(|f| f.matches('\n').count() as u64).sum::<u64>();
            }
            let bytes = w.into_inner().unwrap();
            // Three fields need two commas, so no written record is a blank line.
            prop_assert_eq!(split_all(&bytes), expected);
        }
    }
}

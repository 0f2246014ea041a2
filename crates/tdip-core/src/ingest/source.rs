//! Reading a delivery file: gzip detection and splitting into records, on its own thread.
//!
//! The reader does not parse fields. It only finds where each record starts and ends
//! (for CSV: a line break outside double quotes; for JSON Lines: a line break) and hands
//! chunks of whole records to the workers. A worker fingerprints a record's bytes and
//! parses its fields only when the fingerprint is not in the previous snapshot, so on an
//! ordinary day almost no field is ever parsed.

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

use super::record::CsvFields;

/// Bytes read per chunk (a chunk holds whole records, so it may be a little larger).
const CHUNK: usize = 1 << 20;

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

/// Whole records read from the file.
pub struct Chunk {
    /// The bytes.
    pub data: Vec<u8>,
    /// The records in it, in file order.
    pub records: Vec<Span>,
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

fn fatal(line: u64, field: &'static str, reason: impl Into<Reason>) -> Msg {
    Msg::Fatal(vec![(line, FieldError::new(field, reason))])
}

fn io_fatal(line: u64, e: &io::Error) -> Msg {
    fatal(
        line,
        "file",
        Reason::new("the file is unreadable from here on (truncated or corrupt?): ")
            .then(io_reason(e)),
    )
}

/// What an I/O error says, in words of its kind: an error's own message is text of
/// unknown origin, and a report holds only text written here.
fn io_reason(e: &io::Error) -> &'static str {
    match e.kind() {
        io::ErrorKind::NotFound => "no such file",
        io::ErrorKind::PermissionDenied => "permission denied",
        io::ErrorKind::UnexpectedEof => "the data ends early",
        io::ErrorKind::InvalidData | io::ErrorKind::InvalidInput => {
            "the data is not valid (a corrupt compressed stream?)"
        }
        io::ErrorKind::IsADirectory => "it is a directory",
        _ => "an I/O error",
    }
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
                "file",
                "cannot open the spooled delivery: it does not decrypt with this point's spool key",
            ),
        },
        (Err(e), _) => fatal(
            0,
            "file",
            Reason::new("cannot open the delivery file: ").then(io_reason(&e)),
        ),
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
        Err(e) => {
            return fatal(
                0,
                "file",
                Reason::new("cannot read the delivery file: ").then(io_reason(&e)),
            );
        }
    };
    let mut split = Splitter::new(format, out);
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
        return fatal(
            0,
            "file",
            Reason::new("cannot read the delivery file: ").then(io_reason(&e)),
        );
    }
    Msg::Done {
        rows,
        checksum: rest.into_inner().checksum.finish(),
    }
}

/// Finds record boundaries and batches whole records into chunks.
struct Splitter<'a> {
    format: Format,
    out: &'a Sender<Msg>,
    header: Option<Arc<Header>>,
    seq: u64,
    rows: u64,
    /// Physical line number of the next byte to scan.
    line: u64,
    /// CSV: whether the scan position is inside a quoted field.
    quoted: bool,
}

impl<'a> Splitter<'a> {
    fn new(format: Format, out: &'a Sender<Msg>) -> Self {
        // JSON Lines has no header line: every record names its fields.
        let header = (format == Format::JsonLines).then(|| {
            Arc::new(Header {
                format,
                map: Vec::new(),
                fields: 0,
                fingerprint_prefix: b"jsonl".to_vec(),
            })
        });
        Splitter {
            format,
            out,
            header,
            seq: 0,
            rows: 0,
            line: 1,
            quoted: false,
        }
    }

    fn run(&mut self, input: &mut impl Read) -> Result<(), Msg> {
        let mut data: Vec<u8> = Vec::with_capacity(CHUNK + 4096);
        let mut scanned = 0; // bytes of `data` already scanned for boundaries
        let mut record_start = 0; // start of the record being scanned
        let mut start_line = self.line;
        let mut chunk = Chunk {
            data: Vec::new(),
            records: Vec::with_capacity(8192),
        };
        loop {
            let len = data.len();
            data.resize(len + CHUNK, 0);
            let n = loop {
                match input.read(&mut data[len..]) {
                    Ok(n) => break n,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                    Err(e) => return Err(io_fatal(self.line, &e)),
                }
            };
            data.truncate(len + n);
            let eof = n == 0;
            while let Some(end) = self.next_boundary(&data, &mut scanned) {
                self.record(&data, record_start, end, start_line, &mut chunk.records)?;
                record_start = end + 1;
                start_line = self.line;
            }
            if eof {
                if record_start < data.len() {
                    self.record(
                        &data,
                        record_start,
                        data.len(),
                        start_line,
                        &mut chunk.records,
                    )?;
                }
                if self.header.is_none() {
                    return Err(fatal(
                        1,
                        "header",
                        "the file is empty: a CSV delivery starts with a header row",
                    ));
                }
                chunk.data = data;
                self.send(chunk);
                return Ok(());
            }
            if record_start == 0 && data.len() >= 4 * CHUNK {
                let reason = "the row is longer than 4 MiB; is a double quote left open?";
                return Err(fatal(start_line, "row", reason));
            }
            if record_start >= CHUNK / 2 {
                // Hand over whole records; carry the partial one into the next chunk.
                let rest = data[record_start..].to_vec();
                let mut records = std::mem::replace(&mut chunk.records, Vec::with_capacity(8192));
                records.retain(|r| r.end <= record_start);
                chunk.data = std::mem::replace(&mut data, rest);
                chunk.records = records;
                self.send(std::mem::replace(
                    &mut chunk,
                    Chunk {
                        data: Vec::new(),
                        records: Vec::with_capacity(8192),
                    },
                ));
                scanned -= record_start;
                record_start = 0;
                data.reserve(CHUNK + 4096);
            }
        }
    }

    /// The position of the next record-ending line feed at or after `*scanned`.
    fn next_boundary(&mut self, data: &[u8], scanned: &mut usize) -> Option<usize> {
        loop {
            let rel = match self.format {
                Format::Csv => memchr::memchr2(b'\n', b'"', &data[*scanned..])?,
                Format::JsonLines => memchr::memchr(b'\n', &data[*scanned..])?,
            };
            let at = *scanned + rel;
            *scanned = at + 1;
            if data[at] == b'"' {
                self.quoted = !self.quoted;
                continue;
            }
            self.line += 1;
            if !self.quoted {
                return Some(at);
            }
        }
    }

    /// Takes the record `data[start..end]` (line terminator excluded).
    fn record(
        &mut self,
        data: &[u8],
        start: usize,
        mut end: usize,
        line: u64,
        records: &mut Vec<Span>,
    ) -> Result<(), Msg> {
        if end > start && data[end - 1] == b'\r' {
            end -= 1;
        }
        let mut bytes = &data[start..end];
        if line == 1 {
            bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
        }
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(());
        }
        if self.header.is_none() {
            self.header = Some(Arc::new(csv_header(bytes)?));
            return Ok(());
        }
        self.rows += 1;
        records.push(Span {
            start: end - bytes.len(),
            end,
            line,
        });
        Ok(())
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

fn csv_header(bytes: &[u8]) -> Result<Header, Msg> {
    let mut fields = CsvFields::default();
    fields
        .split(bytes, usize::MAX)
        .map_err(|e| fatal(1, "header", e))?;
    let mut text = Vec::new();
    for raw in fields.fields() {
        match std::str::from_utf8(raw) {
            Ok(s) => text.push(s.trim()),
            Err(_) => return Err(fatal(1, "header", "the header row is not valid UTF-8")),
        }
    }
    let columns = check_header(&text)
        .map_err(|errs| Msg::Fatal(errs.into_iter().map(|e| (1, e)).collect()))?;
    let mut map = vec![None; Column::COUNT];
    for (pos, col) in columns.iter().enumerate() {
        map[col.index()] = Some(pos);
    }
    Ok(Header {
        format: Format::Csv,
        map,
        fields: columns.len(),
        fingerprint_prefix: bytes.to_vec(),
    })
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::ingest::record::CsvFields;

    /// Splits `bytes` as a CSV delivery and decodes every record's fields.
    fn split_all(bytes: &[u8]) -> Vec<(u64, Vec<Vec<u8>>)> {
        let (tx, rx) = crossbeam_channel::unbounded();
        let mut split = Splitter::new(Format::Csv, &tx);
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

//! Reading a delivery file: gzip detection, CSV or JSON Lines, into batches of raw rows.
//!
//! Runs on its own thread. Every row becomes a [`RawRecord`] whose fields are laid out in
//! [`Column`] order, whatever the file's column order, so the rest of the pipeline never
//! looks at the encoding again.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use crossbeam_channel::Sender;
use flate2::read::MultiGzDecoder;
use tdip_crypto::FileChecksum;
use tdip_model::subscription::{Column, FieldError, check_header};

/// Rows per batch handed to the workers.
pub const BATCH: usize = 4096;

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

/// Where each column sits in a record: `map[column.index()]` is the field position.
pub type ColumnMap = Vec<Option<usize>>;

/// One data row as read, and the line it starts on.
#[derive(Clone)]
pub struct RawRecord {
    /// 1-based physical line where the row starts.
    pub line: u64,
    /// The fields, positioned as the batch's [`ColumnMap`] says.
    pub fields: csv::ByteRecord,
    /// Problems found while decoding the row itself (bad JSON, wrong field count).
    pub problems: Vec<FieldError>,
}

impl RawRecord {
    /// The bytes of `col`, if the column is present and not empty.
    pub fn get<'a>(&'a self, map: &ColumnMap, col: Column) -> Option<&'a [u8]> {
        map[col.index()]
            .and_then(|i| self.fields.get(i))
            .filter(|v| !v.is_empty())
    }
}

/// What the reader sends downstream.
pub enum Msg {
    /// A batch of rows with its sequence number.
    Batch(u64, Arc<ColumnMap>, Vec<RawRecord>),
    /// End of file.
    Done {
        /// Data rows read.
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

fn fatal(line: u64, field: &'static str, reason: impl Into<String>) -> Msg {
    Msg::Fatal(vec![(
        line,
        FieldError {
            field,
            reason: reason.into(),
        },
    )])
}

/// Reads `path` to the end, sending batches to `out`. Never panics on bad input.
pub fn read_file(path: &Path, format: Format, progress: Arc<AtomicU64>, out: Sender<Msg>) {
    let msg = match File::open(path) {
        Ok(file) => read_stream(file, format, progress, &out),
        Err(e) => fatal(0, "file", format!("cannot open the delivery file: {e}")),
    };
    let _ = out.send(msg);
}

fn read_stream(file: File, format: Format, progress: Arc<AtomicU64>, out: &Sender<Msg>) -> Msg {
    let tap = Tap {
        inner: file,
        checksum: FileChecksum::default(),
        progress,
    };
    let mut buffered = BufReader::with_capacity(1 << 20, tap);
    let gzip = match buffered.fill_buf() {
        Ok(head) => head.starts_with(&[0x1f, 0x8b]),
        Err(e) => return fatal(0, "file", format!("cannot read the delivery file: {e}")),
    };
    let mut rows = 0u64;
    if gzip {
        let mut dec = MultiGzDecoder::new(buffered);
        let r = decode(&mut dec, format, out, &mut rows);
        // Drain to the end so the checksum covers every byte received.
        finish(r, dec.into_inner(), rows)
    } else {
        let r = decode(&mut buffered, format, out, &mut rows);
        finish(r, buffered, rows)
    }
}

fn finish<R: Read>(r: Result<(), Msg>, mut rest: BufReader<Tap<R>>, rows: u64) -> Msg {
    if let Err(msg) = r {
        return msg;
    }
    if let Err(e) = io::copy(&mut rest, &mut io::sink()) {
        return fatal(0, "file", format!("cannot read the delivery file: {e}"));
    }
    Msg::Done {
        rows,
        checksum: rest.into_inner().checksum.finish(),
    }
}

fn decode<R: Read>(input: R, format: Format, out: &Sender<Msg>, rows: &mut u64) -> Result<(), Msg> {
    let mut batcher = Batcher {
        out,
        seq: 0,
        map: Arc::new(Vec::new()),
        batch: Vec::with_capacity(BATCH),
    };
    match format {
        Format::Csv => read_csv(input, &mut batcher, rows)?,
        Format::JsonLines => read_jsonl(input, &mut batcher, rows)?,
    }
    batcher.flush();
    Ok(())
}

struct Batcher<'a> {
    out: &'a Sender<Msg>,
    seq: u64,
    map: Arc<ColumnMap>,
    batch: Vec<RawRecord>,
}

impl Batcher<'_> {
    fn push(&mut self, rec: RawRecord) {
        self.batch.push(rec);
        if self.batch.len() == BATCH {
            self.flush();
        }
    }

    fn flush(&mut self) {
        if self.batch.is_empty() {
            return;
        }
        let batch = std::mem::replace(&mut self.batch, Vec::with_capacity(BATCH));
        // A closed channel means the delivery was abandoned; the reader just stops feeding.
        let _ = self.out.send(Msg::Batch(self.seq, self.map.clone(), batch));
        self.seq += 1;
    }
}

fn io_fatal(line: u64, e: impl std::fmt::Display) -> Msg {
    fatal(
        line,
        "file",
        format!("the file is unreadable from here on (truncated or corrupt?): {e}"),
    )
}

fn read_csv<R: Read>(input: R, batcher: &mut Batcher<'_>, rows: &mut u64) -> Result<(), Msg> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(false)
        .from_reader(input);
    let header = reader.byte_headers().map_err(|e| io_fatal(1, e))?.clone();
    let mut names = Vec::with_capacity(header.len());
    for (i, raw) in header.iter().enumerate() {
        let raw = if i == 0 {
            raw.strip_prefix(b"\xef\xbb\xbf").unwrap_or(raw)
        } else {
            raw
        };
        match std::str::from_utf8(raw) {
            Ok(s) => names.push(s.trim()),
            Err(_) => return Err(fatal(1, "header", "the header row is not valid UTF-8")),
        }
    }
    let columns = check_header(&names)
        .map_err(|errs| Msg::Fatal(errs.into_iter().map(|e| (1, e)).collect()))?;
    let mut map = vec![None; Column::COUNT];
    for (pos, col) in columns.iter().enumerate() {
        map[col.index()] = Some(pos);
    }
    batcher.map = Arc::new(map);
    let mut rec = csv::ByteRecord::new();
    loop {
        let line;
        let mut problems = Vec::new();
        match reader.read_byte_record(&mut rec) {
            Ok(false) => return Ok(()),
            Ok(true) => line = rec.position().map_or(0, |p| p.line()),
            Err(e) => match e.kind() {
                csv::ErrorKind::UnequalLengths {
                    pos,
                    expected_len,
                    len,
                } => {
                    line = pos.as_ref().map_or(0, |p| p.line());
                    problems.push(FieldError {
                        field: "row",
                        reason: format!("has {len} fields, the header has {expected_len}"),
                    });
                }
                _ => return Err(io_fatal(reader.position().line(), e)),
            },
        }
        *rows += 1;
        let fields = if problems.is_empty() {
            rec.clone()
        } else {
            csv::ByteRecord::new()
        };
        batcher.push(RawRecord {
            line,
            fields,
            problems,
        });
    }
}

fn read_jsonl<R: Read>(input: R, batcher: &mut Batcher<'_>, rows: &mut u64) -> Result<(), Msg> {
    batcher.map = Arc::new((0..Column::COUNT).map(Some).collect());
    let mut reader = BufReader::with_capacity(1 << 16, input);
    let mut buf = Vec::with_capacity(1024);
    let mut line = 0u64;
    loop {
        buf.clear();
        let n = reader
            .read_until(b'\n', &mut buf)
            .map_err(|e| io_fatal(line + 1, e))?;
        if n == 0 {
            return Ok(());
        }
        line += 1;
        let text = if line == 1 {
            buf.strip_prefix(b"\xef\xbb\xbf").unwrap_or(&buf)
        } else {
            &buf[..]
        };
        if text.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        *rows += 1;
        batcher.push(json_row(line, text));
    }
}

fn json_row(line: u64, text: &[u8]) -> RawRecord {
    let mut fields = vec![Vec::new(); Column::COUNT];
    let mut problems = Vec::new();
    json_fields(text, &mut fields, &mut problems);
    let mut record = csv::ByteRecord::with_capacity(text.len(), Column::COUNT);
    for f in &fields {
        record.push_field(f);
    }
    RawRecord {
        line,
        fields: record,
        problems,
    }
}

fn json_fields(text: &[u8], fields: &mut [Vec<u8>], problems: &mut Vec<FieldError>) {
    let obj: serde_json::Map<String, serde_json::Value> = match serde_json::from_slice(text) {
        Ok(obj) => obj,
        Err(e) => {
            // serde_json's message names the position and the kind of error, not the data.
            let reason = format!("not a JSON object: {}", e.classify_reason());
            problems.push(FieldError {
                field: "row",
                reason,
            });
            return;
        }
    };
    for (key, value) in obj {
        let Some(col) = Column::from_name(&key) else {
            problems.push(FieldError {
                field: "row",
                reason: format!("unknown field `{key}`"),
            });
            continue;
        };
        let field = &mut fields[col.index()];
        match value {
            serde_json::Value::Null => {}
            serde_json::Value::String(s) => *field = s.into_bytes(),
            serde_json::Value::Number(n) => *field = n.to_string().into_bytes(),
            serde_json::Value::Array(items) => {
                let mut parts = Vec::with_capacity(items.len());
                for item in items {
                    match item {
                        serde_json::Value::String(s) => parts.push(s),
                        _ => {
                            problems.push(FieldError {
                                field: col.name(),
                                reason: "list items must be strings".into(),
                            });
                        }
                    }
                }
                *field = parts.join(";").into_bytes();
            }
            _ => problems.push(FieldError {
                field: col.name(),
                reason: "must be a string, a number or a list of strings".into(),
            }),
        }
    }
}

trait ClassifyReason {
    fn classify_reason(&self) -> &'static str;
}

impl ClassifyReason for serde_json::Error {
    fn classify_reason(&self) -> &'static str {
        match self.classify() {
            serde_json::error::Category::Syntax => "syntax error",
            serde_json::error::Category::Eof => "the line ends too early",
            serde_json::error::Category::Data => "the line is JSON but not an object",
            serde_json::error::Category::Io => "read error",
        }
    }
}

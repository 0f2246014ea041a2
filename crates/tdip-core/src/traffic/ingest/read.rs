//! Reading a traffic batch on its own thread: hashing the bytes as received, gzip
//! detection, CSV or JSON Lines detection, splitting into records by the strict CSV
//! rules of the subscriber reader, and decoding every record with the model's rules.
//!
//! Memory stays bounded whatever the input: a record is at most [`ROW_LIMIT`] bytes,
//! chunks hold at most [`CHUNK_RECORDS`] records, and the channel downstream a few chunks.

use std::io::{self, BufRead, BufReader, Read};

use crossbeam_channel::Sender;
use flate2::read::MultiGzDecoder;
use tdip_crypto::FileChecksum;
use tdip_model::traffic::{
    BatchKind, ColumnMap, DecodedRecord, check_traffic_header, decode_record,
};
use tdip_model::{FieldError, LegalZone, Reason};
use tdip_store::day_of;

use super::json::json_values;
use crate::ingest::source::csv_parts::{CsvFields, Scanner};

/// The longest record, line terminator excluded: 64 KiB.
pub const ROW_LIMIT: usize = 64 << 10;
/// Records per chunk handed downstream.
pub const CHUNK_RECORDS: usize = 4096;
/// Bytes read at a time.
const READ: usize = 256 << 10;
/// The longest a record may last, in UTC days it covers beyond its first.
pub const MAX_DAYS: i32 = 400;
/// How far after the point received a batch a record may start (the clock skew).
pub const CLOCK_SKEW: i64 = 300;

const BOM: &[u8] = b"\xef\xbb\xbf";

/// One record as read.
// Items move by value in chunks between the pipeline's threads; a box per record
// would cost an allocation each.
#[allow(clippy::large_enum_variant)]
pub enum Item {
    /// A valid record.
    Record {
        /// Line it starts on.
        line: u64,
        /// The record.
        decoded: DecodedRecord,
    },
    /// A record with errors.
    Invalid {
        /// Line it starts on.
        line: u64,
        /// Every error of it.
        errors: Vec<FieldError>,
    },
}

/// What the reader sends downstream.
pub enum Msg {
    /// Records, in file order.
    Chunk(Vec<Item>),
    /// The batch cannot be read on from this point (line, error); the rest was hashed.
    Fatal(u64, FieldError),
    /// End of input: the SHA-256 of the bytes as received.
    Done([u8; 32]),
}

/// What a batch is read with.
#[derive(Clone, Copy, Debug)]
pub struct ReadContext {
    /// Kind of records.
    pub kind: BatchKind,
    /// The provider's zone, for local times.
    pub zone: LegalZone,
    /// When the point received the batch.
    pub received_at: i64,
}

/// Counts and hashes the bytes as received, before decompression.
struct Tap<R> {
    inner: R,
    checksum: FileChecksum,
}

impl<R: Read> Read for Tap<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.checksum.update(&buf[..n]);
        Ok(n)
    }
}

/// The SHA-256 of everything `source` holds, read without decoding.
pub fn checksum_of(source: impl Read) -> io::Result<[u8; 32]> {
    let mut tap = Tap {
        inner: source,
        checksum: FileChecksum::default(),
    };
    io::copy(&mut tap, &mut io::sink())?;
    Ok(tap.checksum.finish())
}

/// The error of a read that failed part-way, without the I/O error's own text.
pub fn io_error(e: &io::Error) -> FieldError {
    FieldError::new(
        "file",
        match e.kind() {
            io::ErrorKind::UnexpectedEof => {
                "the batch ends in the middle of its compressed data (truncated?); deliver \
                 the whole batch again"
            }
            io::ErrorKind::InvalidData | io::ErrorKind::InvalidInput => {
                "the batch is corrupt (damaged compressed data, or bytes after the end of \
                 the gzip data that are not gzip); deliver it again"
            }
            _ => "the batch cannot be read (I/O error); deliver it again",
        },
    )
}

/// Reads `source` to its end, sending chunks of decoded records to `out`, then
/// [`Msg::Done`] (or [`Msg::Fatal`], then [`Msg::Done`]). Never panics on bad input.
pub fn read_batch(source: impl Read, ctx: ReadContext, out: &Sender<Msg>) {
    let tap = Tap {
        inner: source,
        checksum: FileChecksum::default(),
    };
    let mut buffered = BufReader::with_capacity(READ, tap);
    let gzip = match buffered.fill_buf() {
        Ok(head) => head.starts_with(&[0x1f, 0x8b]),
        Err(e) => {
            let _ = out.send(Msg::Fatal(0, io_error(&e)));
            return;
        }
    };
    let mut split = Splitter::new(ctx, out);
    let rest = if gzip {
        let mut dec = MultiGzDecoder::new(buffered);
        let r = split.run(&mut dec);
        (r, dec.into_inner())
    } else {
        let r = split.run(&mut buffered);
        (r, buffered)
    };
    let (result, mut rest) = rest;
    split.flush();
    if let Err((line, e)) = result {
        let _ = out.send(Msg::Fatal(line, e));
    }
    // Drain to the end so the checksum covers every byte received.
    if let Err(e) = io::copy(&mut rest, &mut io::sink()) {
        let _ = out.send(Msg::Fatal(0, io_error(&e)));
    }
    let _ = out.send(Msg::Done(rest.into_inner().checksum.finish()));
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Format {
    Csv,
    JsonLines,
}

/// Splits the decoded stream into records and decodes them.
struct Splitter<'a> {
    ctx: ReadContext,
    out: &'a Sender<Msg>,
    items: Vec<Item>,
    header: Option<(ColumnMap, usize)>,
    scan: Scanner,
    fields: CsvFields,
    /// JSON Lines: line of the next byte to scan.
    line: u64,
}

type Fatal = (u64, FieldError);

impl<'a> Splitter<'a> {
    fn new(ctx: ReadContext, out: &'a Sender<Msg>) -> Self {
        Splitter {
            ctx,
            out,
            items: Vec::with_capacity(CHUNK_RECORDS),
            header: None,
            scan: Scanner::default(),
            fields: CsvFields::default(),
            line: 1,
        }
    }

    fn flush(&mut self) {
        if !self.items.is_empty() {
            let items = std::mem::replace(&mut self.items, Vec::with_capacity(CHUNK_RECORDS));
            // A closed channel: the batch was abandoned; stop feeding.
            let _ = self.out.send(Msg::Chunk(items));
        }
    }

    fn run(&mut self, input: &mut impl Read) -> Result<(), Fatal> {
        let mut data: Vec<u8> = Vec::with_capacity(READ + ROW_LIMIT);
        let (mut start, mut scanned) = (0usize, 0usize);
        let mut format = None;
        loop {
            if start > 0 && start >= data.len() / 2 {
                data.drain(..start);
                scanned -= start;
                start = 0;
            }
            let len = data.len();
            data.resize(len + READ, 0);
            let n = loop {
                match input.read(&mut data[len..]) {
                    Ok(n) => break n,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                    Err(e) => return Err((0, io_error(&e))),
                }
            };
            data.truncate(len + n);
            let eof = n == 0;
            let format = match format {
                Some(f) => f,
                None => {
                    if data.starts_with(BOM) {
                        (start, scanned) = (BOM.len(), BOM.len());
                    } else if data.len() < BOM.len() && !eof {
                        continue;
                    }
                    match data[start..].iter().find(|b| !b.is_ascii_whitespace()) {
                        Some(b'{') => *format.insert(Format::JsonLines),
                        Some(_) => *format.insert(Format::Csv),
                        None if eof => {
                            let reason = "the batch is empty: a CSV batch starts with a header \
                                          row, a JSON Lines batch has one object per line";
                            return Err((1, FieldError::new("header", reason)));
                        }
                        None if data.len() > ROW_LIMIT => {
                            return Err((1, too_long()));
                        }
                        None => continue,
                    }
                }
            };
            loop {
                let line = self.line_of(format);
                let Some((end, next, found)) =
                    self.boundary(format, &data, start, &mut scanned, eof)
                else {
                    break;
                };
                self.record(
                    format,
                    &data[start..end],
                    line,
                    found.map(|f| (f.line, f.field, f.problem.reason())),
                )?;
                start = next;
            }
            if eof {
                if start < data.len() {
                    let line = self.line_of(format);
                    let found = match format {
                        Format::Csv => self.scan.finish(&data, start),
                        Format::JsonLines => None,
                    };
                    let found = found.map(|f| (f.line, f.field, f.problem.reason()));
                    self.record(format, &data[start..], line, found)?;
                }
                if self.header.is_none() && format == Format::Csv {
                    let reason = "the batch has no header row: a CSV batch starts with one";
                    return Err((1, FieldError::new("header", reason)));
                }
                return Ok(());
            }
            if data.len() - start > ROW_LIMIT {
                return Err((self.line_of(format), too_long()));
            }
        }
    }

    fn line_of(&self, format: Format) -> u64 {
        match format {
            Format::Csv => self.scan.line(),
            Format::JsonLines => self.line,
        }
    }

    fn boundary(
        &mut self,
        format: Format,
        data: &[u8],
        start: usize,
        scanned: &mut usize,
        eof: bool,
    ) -> Option<(
        usize,
        usize,
        Option<crate::ingest::source::csv_parts::Found>,
    )> {
        match format {
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

    /// One record (line terminator excluded) starting on `line`, with the quoting
    /// problem the scan found in it (its line, field position and reason).
    fn record(
        &mut self,
        format: Format,
        mut bytes: &[u8],
        line: u64,
        found: Option<(u64, usize, &'static str)>,
    ) -> Result<(), Fatal> {
        if bytes.len() > ROW_LIMIT {
            return Err((line, too_long()));
        }
        if format == Format::JsonLines {
            if let [rest @ .., b'\r'] = bytes {
                bytes = rest;
            }
            if bytes.iter().all(u8::is_ascii_whitespace) {
                return Ok(());
            }
        } else if bytes.is_empty() && found.is_none() {
            return Ok(());
        }
        let kind = self.ctx.kind;
        if format == Format::JsonLines {
            let result = json_values(kind, bytes).and_then(|values| {
                let v: Vec<Option<&str>> = values.iter().map(|v| v.as_deref()).collect();
                decode_record(kind, &v, self.ctx.zone)
            });
            let item = match result.and_then(|d| self.check(d)) {
                Ok(decoded) => Item::Record { line, decoded },
                Err(errors) => Item::Invalid { line, errors },
            };
            self.push(item);
            return Ok(());
        }
        let Some((map, width)) = &self.header else {
            if let Some((at, _, reason)) = found {
                return Err((at, FieldError::new("header", reason)));
            }
            self.header = Some(csv_header(kind, &mut self.fields, bytes, line)?);
            return Ok(());
        };
        let columns = kind.columns();
        let item = if let Some((at, pos, reason)) = found {
            let field = map
                .iter()
                .position(|p| *p == Some(pos))
                .map_or("row", |c| columns[c]);
            Item::Invalid {
                line: at,
                errors: vec![FieldError::new(field, reason)],
            }
        } else {
            let result = csv_values(kind, map, *width, &mut self.fields, bytes)
                .and_then(|values| decode_record(kind, &values, self.ctx.zone));
            match result.and_then(|d| self.check(d)) {
                Ok(decoded) => Item::Record { line, decoded },
                Err(errors) => Item::Invalid { line, errors },
            }
        };
        self.push(item);
        Ok(())
    }

    fn push(&mut self, item: Item) {
        self.items.push(item);
        if self.items.len() >= CHUNK_RECORDS {
            self.flush();
        }
    }

    /// The rules that need the envelope: no start in the future, at most [`MAX_DAYS`].
    fn check(&self, d: DecodedRecord) -> Result<DecodedRecord, Vec<FieldError>> {
        let (start_name, end_name) = match self.ctx.kind {
            BatchKind::Cgnat => ("start", "end"),
            BatchKind::Session => ("login", "logoff"),
            BatchKind::Fixed | BatchKind::Mobile | BatchKind::Internet => ("start", "end"),
            BatchKind::Cell => ("valid_from", "valid_from"),
        };
        let mut errors = Vec::new();
        if d.record.start() > self.ctx.received_at + CLOCK_SKEW {
            errors.push(FieldError::new(
                start_name,
                "lies in the future: more than 5 minutes after the point received the batch; \
                 check the clock of the system that wrote it",
            ));
        }
        if let Some(end) = d.record.end()
            && day_of(end) - day_of(d.record.start()) > MAX_DAYS
        {
            errors.push(FieldError::new(
                end_name,
                Reason::counted(
                    "lies more than {} days after the start; a record that long is not one \
                     assignment or session (check the times)",
                    &[MAX_DAYS as u64],
                ),
            ));
        }
        if errors.is_empty() {
            Ok(d)
        } else {
            Err(errors)
        }
    }
}

fn too_long() -> FieldError {
    FieldError::new(
        "row",
        Reason::counted(
            "the record is longer than {} KiB, the most a record may hold (is a line break or \
             a closing quote missing?); the rest of the batch was not read",
            &[(ROW_LIMIT >> 10) as u64],
        ),
    )
}

fn csv_header(
    kind: BatchKind,
    fields: &mut CsvFields,
    bytes: &[u8],
    line: u64,
) -> Result<(ColumnMap, usize), Fatal> {
    let header_error = |reason: &'static str| (line, FieldError::new("header", reason));
    let n = fields.split(bytes, 64).map_err(|_| {
        header_error(
            "is not a header row of this kind of batch (too many columns, or not one CSV record)",
        )
    })?;
    let mut names = Vec::with_capacity(n);
    for raw in fields.fields() {
        match std::str::from_utf8(raw) {
            Ok(s) => names.push(s.trim()),
            Err(_) => return Err(header_error("the header row is not valid UTF-8")),
        }
    }
    match check_traffic_header(kind, &names) {
        Ok(map) => Ok((map, n)),
        // Fatal errors are one per batch; the first names the column.
        Err(mut errors) => Err((line, errors.swap_remove(0))),
    }
}

/// A CSV record's values, indexed as `kind.columns()`.
fn csv_values<'f>(
    kind: BatchKind,
    map: &ColumnMap,
    width: usize,
    fields: &'f mut CsvFields,
    bytes: &[u8],
) -> Result<Vec<Option<&'f str>>, Vec<FieldError>> {
    let n = match fields.split(bytes, width) {
        Ok(n) => n,
        Err(_) => {
            return Err(vec![FieldError::new(
                "row",
                Reason::counted(
                    "has more fields than the header has columns ({})",
                    &[width as u64],
                ),
            )]);
        }
    };
    let fields: &'f CsvFields = fields;
    let mut errors = Vec::new();
    let mut values = Vec::with_capacity(map.len());
    for (c, pos) in map.iter().enumerate() {
        let value = match pos {
            Some(p) if *p < n => match std::str::from_utf8(fields.field(*p)) {
                Ok(s) => Some(s),
                Err(_) => {
                    errors.push(FieldError::new(kind.columns()[c], "is not valid UTF-8"));
                    None
                }
            },
            _ => None,
        };
        values.push(value);
    }
    if errors.is_empty() {
        Ok(values)
    } else {
        Err(errors)
    }
}

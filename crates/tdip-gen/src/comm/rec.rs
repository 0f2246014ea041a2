//! Writing rows: fields assembled in one reused byte record and written by the csv
//! writer (which quotes the few fields that need it, such as addresses with commas).

use std::io::Write;

use crate::GenError;
use crate::numbers::{push_time, push_u64};

/// A CSV output and the row being assembled.
pub(crate) struct Rows<W: Write> {
    w: csv::Writer<W>,
    rec: csv::ByteRecord,
    buf: Vec<u8>,
    /// Unix time of 00:00Z of the traffic day.
    day_start: i64,
    /// Data rows written.
    pub rows: u64,
}

impl<W: Write> Rows<W> {
    /// A writer whose header row is `columns`; times are seconds from `day_start`.
    pub(crate) fn new(out: W, columns: &[&str], day_start: i64) -> Result<Self, GenError> {
        let mut w = csv::WriterBuilder::new()
            .buffer_capacity(1 << 16)
            .from_writer(out);
        w.write_record(columns)?;
        Ok(Rows {
            w,
            rec: csv::ByteRecord::with_capacity(256, columns.len()),
            buf: Vec::with_capacity(128),
            day_start,
            rows: 0,
        })
    }

    /// A whole field.
    pub(crate) fn f(&mut self, s: &str) -> &mut Self {
        self.rec.push_field(s.as_bytes());
        self
    }

    /// An empty field.
    pub(crate) fn e(&mut self) -> &mut Self {
        self.rec.push_field(b"");
        self
    }

    /// An optional field.
    pub(crate) fn o(&mut self, s: Option<&str>) -> &mut Self {
        self.f(s.unwrap_or(""))
    }

    /// Second `t` of the day (may be before or past it) as RFC 3339 UTC.
    pub(crate) fn t(&mut self, t: impl Into<i64>) -> &mut Self {
        self.buf.clear();
        push_time(&mut self.buf, self.day_start + t.into());
        self.rec.push_field(&self.buf);
        self
    }

    /// A number.
    pub(crate) fn n(&mut self, n: u64) -> &mut Self {
        self.buf.clear();
        push_u64(&mut self.buf, n);
        self.rec.push_field(&self.buf);
        self
    }

    /// Writes the assembled row.
    pub(crate) fn end(&mut self) -> Result<(), GenError> {
        self.w.write_byte_record(&self.rec)?;
        self.rec.clear();
        self.rows += 1;
        Ok(())
    }

    /// Flushes the output; returns the data rows written.
    pub(crate) fn finish(mut self) -> Result<u64, GenError> {
        self.w.flush()?;
        Ok(self.rows)
    }
}

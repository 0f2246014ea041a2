//! Finding where CSV records end, strictly by RFC 4180, without decoding a field.
//!
//! A double quote means something only at the start of a field; a quoted field ends with
//! a quote followed by a comma, a line break or the end of the file; a carriage return
//! outside quotes must be followed by a line feed. Any other use of `"` or CR is a
//! [`Problem`] of the record it is in. After a problem the scan goes on exactly as the
//! `csv` crate reads such bytes (a stray quote is an ordinary byte, text after a closing
//! quote continues the field, a lone CR ends the record), so the records that follow are
//! still found where `csv` finds them and each bad row is reported on its own line.
//!
//! The scan jumps between the few bytes that matter with `memchr`, so a record costs
//! about one search for its line feed.

/// What is wrong with a record's quoting or line ends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Problem {
    /// A `"` inside a field that does not start with one.
    StrayQuote,
    /// Something other than a comma or a line end after the closing `"` of a quoted field.
    AfterQuote,
    /// A carriage return not followed by a line feed, outside quotes.
    LoneCr,
    /// A quoted field still open at the end of the file.
    Unclosed,
}

impl Problem {
    /// What is wrong and what to do, without the value.
    pub fn reason(self) -> &'static str {
        match self {
            Problem::StrayQuote => {
                "has a double quote inside a field that does not start with one; quote the \
                 whole field and write a quote inside it as two (\"\")"
            }
            Problem::AfterQuote => {
                "has text after the closing double quote of a quoted field; a quoted field \
                 ends with its quote followed by a comma or the end of the line (write a \
                 quote inside it as two: \"\")"
            }
            Problem::LoneCr => {
                "has a carriage return (CR) that is not followed by a line feed; end lines \
                 with LF or CRLF, and quote a field that holds a line break"
            }
            Problem::Unclosed => {
                "opens a quoted field here that is never closed, so the rest of the file \
                 would be one field; close the quote, or write a quote inside the field as \
                 two (\"\")"
            }
        }
    }
}

/// A problem found in the record being scanned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Found {
    /// What is wrong.
    pub problem: Problem,
    /// 0-based position of the field it is in.
    pub field: usize,
    /// 1-based line to report: where the record starts, or for [`Problem::Unclosed`]
    /// where the quoted field opened.
    pub line: u64,
}

/// Where a record ends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Boundary {
    /// End of the record (exclusive), its line terminator excluded.
    pub end: usize,
    /// Where the next record starts.
    pub next: usize,
}

/// The state of a scan over a buffer that grows at its end; it can stop at any byte and
/// resume when more input arrives.
#[derive(Debug)]
pub struct Scanner {
    quoted: bool,
    /// 1-based line of the next byte to scan.
    line: u64,
    /// Line the current record starts on.
    record_line: u64,
    /// Where the open quoted field began: its line, and its offset from the record start.
    quote_at: (u64, usize),
    found: Option<Found>,
}

impl Default for Scanner {
    fn default() -> Self {
        Scanner {
            quoted: false,
            line: 1,
            record_line: 1,
            quote_at: (0, 0),
            found: None,
        }
    }
}

impl Scanner {
    /// 1-based line of the next byte to scan.
    pub fn line(&self) -> u64 {
        self.line
    }

    /// While inside a quoted field of the record that starts at `data[start]`: the line
    /// where the field opened and its 0-based position.
    pub fn open_quote(&self, data: &[u8], start: usize) -> Option<(u64, usize)> {
        let (line, offset) = self.quote_at;
        self.quoted
            .then(|| (line, field_index(&data[start..start + offset])))
    }

    /// Finds the end of the record that starts at `start`, scanning from `*scanned`
    /// (which it advances). `None`: the bytes so far hold no record end (at `eof`, the
    /// rest is the last record; see [`Scanner::finish`]).
    pub fn next(
        &mut self,
        data: &[u8],
        start: usize,
        scanned: &mut usize,
        eof: bool,
    ) -> Option<Boundary> {
        loop {
            let from = *scanned;
            if self.quoted {
                let at = from + memchr::memchr2(b'"', b'\n', &data[from..])?;
                if data[at] == b'\n' {
                    self.line += 1;
                    *scanned = at + 1;
                    continue;
                }
                match data.get(at + 1) {
                    // The byte after the quote decides; wait for it.
                    None if !eof => {
                        *scanned = at;
                        return None;
                    }
                    Some(b'"') => *scanned = at + 2,
                    None | Some(b',' | b'\n' | b'\r') => {
                        self.quoted = false;
                        *scanned = at + 1;
                    }
                    Some(_) => {
                        self.flag(Problem::AfterQuote, &data[start..at + 1]);
                        self.quoted = false;
                        *scanned = at + 1;
                    }
                }
                continue;
            }
            let at = from + memchr::memchr3(b'\n', b'\r', b'"', &data[from..])?;
            match data[at] {
                b'\n' => {
                    self.line += 1;
                    *scanned = at + 1;
                    return Some(self.end(at, at + 1));
                }
                b'\r' => match data.get(at + 1) {
                    None if !eof => {
                        *scanned = at;
                        return None;
                    }
                    Some(b'\n') => {
                        self.line += 1;
                        *scanned = at + 2;
                        return Some(self.end(at, at + 2));
                    }
                    _ => {
                        self.flag(Problem::LoneCr, &data[start..at]);
                        *scanned = at + 1;
                        return Some(self.end(at, at + 1));
                    }
                },
                _ => {
                    if at == start || data[at - 1] == b',' {
                        self.quoted = true;
                        self.quote_at = (self.line, at - start);
                    } else {
                        self.flag(Problem::StrayQuote, &data[start..at]);
                    }
                    *scanned = at + 1;
                }
            }
        }
    }

    /// The end of the input: the problem of the last record (`data[start..]`), if any.
    /// A quoted field left open outweighs any earlier problem of the record: it is what
    /// made the record run to the end of the file.
    pub fn finish(&mut self, data: &[u8], start: usize) -> Option<Found> {
        if self.quoted {
            self.quoted = false;
            let (line, offset) = self.quote_at;
            self.found = Some(Found {
                problem: Problem::Unclosed,
                field: field_index(&data[start..start + offset]),
                line,
            });
        }
        self.found.take()
    }

    /// The problem of the record that just ended, if any; the next record starts clean.
    pub fn take(&mut self) -> Option<Found> {
        self.found.take()
    }

    /// A record ends; the next one starts on the current line.
    fn end(&mut self, end: usize, next: usize) -> Boundary {
        self.record_line = self.line;
        Boundary { end, next }
    }

    /// Notes the first problem of the record whose bytes before it are `before`.
    fn flag(&mut self, problem: Problem, before: &[u8]) {
        if self.found.is_none() {
            self.found = Some(Found {
                problem,
                field: field_index(before),
                line: self.record_line,
            });
        }
    }
}

/// The 0-based field that the byte after `before` (a record's first bytes) belongs to,
/// read the way the scan reads them.
fn field_index(before: &[u8]) -> usize {
    let (mut field, mut quoted, mut at_start) = (0, false, true);
    let mut i = 0;
    while i < before.len() {
        match before[i] {
            b'"' if quoted => {
                if before.get(i + 1) == Some(&b'"') {
                    i += 1;
                } else {
                    quoted = false;
                }
            }
            b'"' if at_start => quoted = true,
            b',' if !quoted => {
                field += 1;
                at_start = true;
                i += 1;
                continue;
            }
            _ => {}
        }
        at_start = false;
        i += 1;
    }
    field
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A record's bytes and its problem as (problem, field, line).
    type Scanned<'a> = (&'a [u8], Option<(Problem, usize, u64)>);

    /// Every record of `input`.
    fn scan(input: &[u8]) -> Vec<Scanned<'_>> {
        let mut s = Scanner::default();
        let (mut start, mut scanned, mut out) = (0, 0, Vec::new());
        while let Some(b) = s.next(input, start, &mut scanned, true) {
            let f = s.take().map(|f| (f.problem, f.field, f.line));
            out.push((&input[start..b.end], f));
            start = b.next;
        }
        if start < input.len() {
            let f = s.finish(input, start).map(|f| (f.problem, f.field, f.line));
            out.push((&input[start..], f));
        }
        out
    }

    #[test]
    fn well_formed_records_end_at_line_ends_outside_quotes() {
        assert_eq!(
            scan(b"a,\"b\nc\",\"d\"\"\"\r\ne,f"),
            [(&b"a,\"b\nc\",\"d\"\"\""[..], None), (&b"e,f"[..], None)]
        );
        assert_eq!(scan(b"\"\"\n\n"), [(&b"\"\""[..], None), (&b""[..], None)]);
    }

    #[test]
    fn each_misuse_of_quotes_or_cr_is_a_problem_of_its_field_and_line() {
        use Problem::*;
        assert_eq!(
            scan(b"x,Bak\"ker,y\nok\n"),
            [
                (&b"x,Bak\"ker,y"[..], Some((StrayQuote, 1, 1))),
                (&b"ok"[..], None)
            ]
        );
        assert_eq!(
            scan(b"\"a\nb\",\"c\"d,e\nz"),
            [
                (&b"\"a\nb\",\"c\"d,e"[..], Some((AfterQuote, 1, 1))),
                (&b"z"[..], None)
            ]
        );
        assert_eq!(
            scan(b"a\nb,c\rd\n"),
            [
                (&b"a"[..], None),
                (&b"b,c"[..], Some((LoneCr, 1, 2))),
                (&b"d"[..], None)
            ]
        );
        assert_eq!(
            scan(b"a\nb,\"c\nd\ne"),
            [
                (&b"a"[..], None),
                (&b"b,\"c\nd\ne"[..], Some((Unclosed, 1, 2)))
            ]
        );
        assert_eq!(scan(b"a\r"), [(&b"a"[..], Some((LoneCr, 0, 1)))]);
    }

    #[test]
    fn a_scan_resumes_at_any_byte() {
        let input = b"h,\"q\"\"\r\n\",x\r\n\"a\",b\n";
        let whole = scan(input);
        for cut in 0..input.len() {
            let mut s = Scanner::default();
            let (mut start, mut scanned, mut got) = (0, 0, Vec::new());
            for (len, eof) in [(cut, false), (input.len(), true)] {
                while let Some(b) = s.next(&input[..len], start, &mut scanned, eof) {
                    got.push((
                        &input[start..b.end],
                        s.take().map(|f| (f.problem, f.field, f.line)),
                    ));
                    start = b.next;
                }
            }
            assert_eq!(got, whole, "cut at {cut}");
        }
    }
}

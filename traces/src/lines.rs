//! Exact line numbers for CSV records.
//!
//! The `csv` crate reports where it *began* parsing a record, which is before any blank lines
//! it skipped and, after a CRLF row, on the previous line. Line numbers in errors must be
//! exact, so readers feed the parser through [`LfReader`] (CRLF → LF, and a final newline
//! added when missing) and compute a record's line from the parser's position *after* the
//! record with [`record_line`]: every record then ends with exactly one consumed `\n`.
//!
//! [`LfReader`] also bounds a row's length ([`MAX_LINE_BYTES`], quoted fields spanning lines
//! included): a file without line breaks (`/dev/zero`, a binary) is refused at the limit
//! instead of being read into one ever-growing row.

use std::fmt;
use std::io::{self, Read};

/// The longest row a trace or nodes file may have, in bytes (1 MiB; real rows are under 1 KiB).
pub const MAX_LINE_BYTES: usize = 1 << 20;

/// The error [`LfReader`] returns (wrapped in an [`io::Error`]) for a row past the limit.
#[derive(Debug)]
pub(crate) struct LineTooLong {
    /// 1-based line the row starts on.
    pub line: u64,
    /// The limit, in bytes.
    pub limit: usize,
}

impl fmt::Display for LineTooLong {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: a row longer than {} bytes", self.line, self.limit)
    }
}

impl std::error::Error for LineTooLong {}

/// The [`LineTooLong`] inside `error`, if that is what it is.
pub(crate) fn too_long(error: &io::Error) -> Option<&LineTooLong> {
    error.get_ref().and_then(|inner| inner.downcast_ref::<LineTooLong>())
}

/// Where the current row began and how long it is so far. Quoting follows the `csv` crate: a
/// `"` opens a quoted field only at the start of a field, `""` inside one is a quote, and a
/// newline ends a row only outside quotes.
#[derive(Debug)]
struct RowBound {
    limit: usize,
    /// Bytes accounted for so far.
    offset: u64,
    /// The last byte accounted for.
    previous: Option<u8>,
    /// Offset of the last quote that closed a quoted field (a quote right after it reopens).
    last_close: Option<u64>,
    in_quotes: bool,
    newlines: u64,
    row_start_line: u64,
    row_bytes: usize,
}

impl RowBound {
    fn new(limit: usize) -> Self {
        RowBound {
            limit,
            offset: 0,
            previous: None,
            last_close: None,
            in_quotes: false,
            newlines: 0,
            row_start_line: 1,
            row_bytes: 0,
        }
    }

    /// Accounts for `bytes` given out; an error once a row passes the limit.
    fn advance(&mut self, bytes: &[u8]) -> io::Result<()> {
        let mut from = 0;
        for at in memchr::memchr2_iter(b'\n', b'"', bytes) {
            let here = self.offset + at as u64;
            if bytes[at] == b'"' {
                let before = if at > 0 { Some(bytes[at - 1]) } else { self.previous };
                if self.in_quotes {
                    self.in_quotes = false;
                    self.last_close = Some(here);
                } else if matches!(before, None | Some(b',' | b'\n')) || self.last_close == here.checked_sub(1) {
                    self.in_quotes = true;
                }
                continue;
            }
            self.newlines += 1;
            if !self.in_quotes {
                self.check(self.row_bytes + (at - from))?;
                self.row_bytes = 0;
                self.row_start_line = self.newlines + 1;
                from = at + 1;
            }
        }
        self.row_bytes += bytes.len() - from;
        self.offset += bytes.len() as u64;
        self.previous = bytes.last().copied().or(self.previous);
        self.check(self.row_bytes)
    }

    fn check(&self, row_bytes: usize) -> io::Result<()> {
        if row_bytes <= self.limit {
            return Ok(());
        }
        Err(io::Error::new(
            io::ErrorKind::InvalidData,
            LineTooLong {
                line: self.row_start_line,
                limit: self.limit,
            },
        ))
    }
}

/// Turns CRLF (and a lone final CR) into LF and makes sure the stream ends with a newline.
pub(crate) struct LfReader<R> {
    inner: R,
    buf: Box<[u8]>,
    pos: usize,
    len: usize,
    pending_cr: bool,
    last: Option<u8>,
    finished: bool,
    bound: RowBound,
}

impl<R: Read> LfReader<R> {
    pub(crate) fn new(inner: R) -> Self {
        Self::with_limit(inner, MAX_LINE_BYTES)
    }

    /// A reader refusing rows longer than `limit` bytes.
    fn with_limit(inner: R, limit: usize) -> Self {
        LfReader {
            inner,
            buf: vec![0; 64 * 1024].into_boxed_slice(),
            pos: 0,
            len: 0,
            pending_cr: false,
            last: None,
            finished: false,
            bound: RowBound::new(limit),
        }
    }

    /// Called at the end of the inner stream: what is left to emit (a held CR becomes the
    /// final newline; otherwise a newline is added after an unterminated last line).
    fn finish(&mut self, out: &mut [u8]) -> usize {
        let needs_newline = self.pending_cr || self.last.is_some_and(|b| b != b'\n');
        self.pending_cr = false;
        if needs_newline {
            out[0] = b'\n';
            self.last = Some(b'\n');
            1
        } else {
            0
        }
    }
}

impl<R: Read> Read for LfReader<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        if out.is_empty() {
            return Ok(0);
        }
        let mut written = 0;
        while written == 0 {
            if self.pos == self.len {
                if self.finished {
                    return Ok(self.finish(out));
                }
                self.len = self.inner.read(&mut self.buf)?;
                self.pos = 0;
                if self.len == 0 {
                    self.finished = true;
                    continue;
                }
            }
            while self.pos < self.len && written < out.len() {
                if self.pending_cr {
                    // A CR followed by LF is dropped; any other CR is kept as data.
                    self.pending_cr = false;
                    if self.buf[self.pos] != b'\n' {
                        out[written] = b'\r';
                        written += 1;
                        self.last = Some(b'\r');
                    }
                    continue;
                }
                let room = out.len() - written;
                let available = &self.buf[self.pos..self.len.min(self.pos + room)];
                let cr = available.iter().position(|&b| b == b'\r');
                let copy = cr.unwrap_or(available.len());
                out[written..written + copy].copy_from_slice(&available[..copy]);
                if copy > 0 {
                    self.last = Some(available[copy - 1]);
                }
                written += copy;
                self.pos += copy;
                if cr.is_some() {
                    self.pos += 1;
                    self.pending_cr = true;
                }
            }
        }
        self.bound.advance(&out[..written])?;
        Ok(written)
    }
}

/// Reads one line (up to and with its `\n`) into `buf`, refusing one longer than
/// [`MAX_LINE_BYTES`]; `line` (1-based) names it in that error. Returns the bytes read (0 at the
/// end of the input).
pub(crate) fn read_bounded_line(reader: &mut impl io::BufRead, buf: &mut Vec<u8>, line: u64) -> io::Result<usize> {
    buf.clear();
    let limit = MAX_LINE_BYTES as u64 + 1;
    let n = io::BufRead::read_until(&mut Read::take(&mut *reader, limit), b'\n', buf)?;
    if n as u64 == limit && buf.last() != Some(&b'\n') {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            LineTooLong {
                line,
                limit: MAX_LINE_BYTES,
            },
        ));
    }
    Ok(n)
}

/// The 1-based line a record started on, from the parser's line *after* reading it (input
/// from an [`LfReader`], so the record's terminating newline has been consumed).
pub(crate) fn record_line(line_after: u64, record: &csv::StringRecord) -> u64 {
    let inner_newlines = record.as_slice().bytes().filter(|&b| b == b'\n').count() as u64;
    line_after.saturating_sub(1 + inner_newlines).max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn normalize(input: &[u8], chunk: usize) -> Vec<u8> {
        let mut reader = LfReader::new(input);
        let mut out = Vec::new();
        let mut buf = vec![0; chunk];
        loop {
            let n = reader.read(&mut buf).unwrap();
            if n == 0 {
                return out;
            }
            out.extend_from_slice(&buf[..n]);
        }
    }

    #[test]
    fn crlf_becomes_lf_and_a_final_newline_is_added() {
        for chunk in [1, 2, 3, 1024] {
            assert_eq!(normalize(b"a\r\nb\r\nc", chunk), b"a\nb\nc\n");
            assert_eq!(normalize(b"a\rb\n", chunk), b"a\rb\n", "a CR inside a line is kept");
            assert_eq!(normalize(b"a\r", chunk), b"a\n");
            assert_eq!(normalize(b"", chunk), b"");
            assert_eq!(normalize(b"x\n", chunk), b"x\n");
        }
    }

    #[test]
    fn rows_past_the_limit_are_refused_with_their_line() {
        let read = |input: &[u8]| {
            let mut reader = LfReader::with_limit(input, 8);
            let mut out = Vec::new();
            reader.read_to_end(&mut out).map(|_| out)
        };
        assert!(
            read(b"12345678\n12345678\n").is_ok(),
            "8 bytes is the limit, newline apart"
        );
        let err = read(b"ok\n123456789\n").unwrap_err();
        assert_eq!(too_long(&err).map(|e| e.line), Some(2));
        // A quoted field spanning lines is one row: short lines do not escape the limit.
        let err = read(b"a\n\"1\n2\n3\n4\n5\"\n").unwrap_err();
        assert_eq!(too_long(&err).map(|e| e.line), Some(2));
        assert!(
            read(b"\"a\"\"b\"\n1234567\n").is_ok(),
            "an escaped quote keeps the count right"
        );
        assert!(
            read(b"x\"y\n1234567\n1234567\n").is_ok(),
            "a quote inside a field is text"
        );
        let err = read(b"ok\n12345678901234567890").unwrap_err();
        assert_eq!(too_long(&err).map(|e| e.line), Some(2), "a long row before its newline");
        let zeros = std::io::repeat(0).take(1 << 30);
        let err = LfReader::new(zeros).read_to_end(&mut Vec::new()).unwrap_err();
        assert_eq!(too_long(&err).map(|e| (e.line, e.limit)), Some((1, MAX_LINE_BYTES)));
    }

    #[test]
    fn record_lines_are_exact_across_blank_lines_crlf_and_quotes() {
        // Line 1 header, 2 data, 3 blank, 4 data, 5–6 a quoted field spanning two lines, 7 data
        // without a final newline.
        let text = "h1,h2\r\n1,2\r\n\r\n3,4\r\n\"a\r\nb\",5\r\n6,7";
        let mut csv = csv::ReaderBuilder::new()
            .has_headers(false)
            .from_reader(LfReader::new(text.as_bytes()));
        let mut record = csv::StringRecord::new();
        let mut lines = Vec::new();
        while csv.read_record(&mut record).unwrap() {
            lines.push(record_line(csv.position().line(), &record));
        }
        assert_eq!(lines, vec![1, 2, 4, 5, 7]);
    }
}

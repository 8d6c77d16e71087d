//! Exact line numbers for CSV records.
//!
//! The `csv` crate reports where it *began* parsing a record, which is before any blank lines
//! it skipped and, after a CRLF row, on the previous line. Line numbers in errors must be
//! exact, so readers feed the parser through [`LfReader`] (CRLF → LF, and a final newline
//! added when missing) and compute a record's line from the parser's position *after* the
//! record with [`record_line`]: every record then ends with exactly one consumed `\n`.

use std::io::{self, Read};

/// Turns CRLF (and a lone final CR) into LF and makes sure the stream ends with a newline.
pub(crate) struct LfReader<R> {
    inner: R,
    buf: Box<[u8]>,
    pos: usize,
    len: usize,
    pending_cr: bool,
    last: Option<u8>,
    finished: bool,
}

impl<R: Read> LfReader<R> {
    pub(crate) fn new(inner: R) -> Self {
        LfReader {
            inner,
            buf: vec![0; 64 * 1024].into_boxed_slice(),
            pos: 0,
            len: 0,
            pending_cr: false,
            last: None,
            finished: false,
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
        Ok(written)
    }
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

//! One CSV line built in place: the rows of `jobs.csv`, `timeseries.csv` and `racks.csv`, which
//! are mostly numbers. Numbers are written straight into the line (they never need quoting);
//! text is quoted as the `csv` crate quotes it by default (RFC 4180: only a field holding a
//! comma, a quote or a line break is quoted, its quotes doubled), so the files are byte for
//! byte what that crate would write, without its per-field pass over every digit.

use std::io::{self, Write};

use sim_core::time::SimTime;

use crate::number::{push_float, push_seconds};

/// A CSV line under construction, kept from row to row so that a long file allocates nothing
/// per row.
#[derive(Default)]
pub(crate) struct Row {
    line: String,
    fields: usize,
}

impl Row {
    /// Starts a new row.
    pub(crate) fn start(&mut self) -> &mut Row {
        self.line.clear();
        self.fields = 0;
        self
    }

    /// Writes the header line of `columns`.
    pub(crate) fn header(&mut self, w: &mut impl Write, columns: &[&str]) -> io::Result<()> {
        self.start();
        for column in columns {
            self.text(column);
        }
        self.write(w)
    }

    /// The separator before the next field.
    fn next(&mut self) -> &mut String {
        if self.fields > 0 {
            self.line.push(',');
        }
        self.fields += 1;
        &mut self.line
    }

    /// A text field, quoted when it must be.
    pub(crate) fn text(&mut self, text: &str) -> &mut Row {
        let line = self.next();
        if needs_quotes(text.as_bytes()) {
            line.push('"');
            for (i, part) in text.split('"').enumerate() {
                if i > 0 {
                    line.push_str("\"\"");
                }
                line.push_str(part);
            }
            line.push('"');
        } else {
            line.push_str(text);
        }
        self
    }

    /// A count.
    pub(crate) fn count(&mut self, n: impl itoa::Integer) -> &mut Row {
        self.next().push_str(itoa::Buffer::new().format(n));
        self
    }

    /// A number, always with a decimal point.
    pub(crate) fn float(&mut self, x: f64) -> &mut Row {
        push_float(self.next(), x);
        self
    }

    /// A number, empty when absent.
    pub(crate) fn optional(&mut self, x: Option<f64>) -> &mut Row {
        let line = self.next();
        if let Some(x) = x {
            push_float(line, x);
        }
        self
    }

    /// A time in seconds, empty when absent.
    pub(crate) fn time(&mut self, t: Option<SimTime>) -> &mut Row {
        let line = self.next();
        if let Some(t) = t {
            push_seconds(line, t);
        }
        self
    }

    /// The row's text after its first field (from the comma that ends it): what a later row
    /// repeating every other field copies with [`Row::rest`].
    pub(crate) fn after_first(&self) -> &str {
        self.line.find(',').map_or("", |at| &self.line[at..])
    }

    /// Completes a row whose first field is written with `rest`, the text [`Row::after_first`]
    /// gave for another row of the same columns; only [`Row::write`] may follow.
    pub(crate) fn rest(&mut self, rest: &str) -> &mut Row {
        debug_assert_eq!(self.fields, 1, "the rest follows the first field");
        self.line.push_str(rest);
        self
    }

    /// Writes the row and its line end.
    pub(crate) fn write(&mut self, w: &mut impl Write) -> io::Result<()> {
        self.line.push('\n');
        w.write_all(self.line.as_bytes())
    }
}

/// True when a field holding `bytes` must be quoted: it holds a comma, a quote or a line break.
/// Long fields (a job's node list runs to hundreds of bytes) are searched by two vectorised
/// passes, short ones byte by byte, which is quicker below a few words.
fn needs_quotes(bytes: &[u8]) -> bool {
    const LONG: usize = 48;
    if bytes.len() >= LONG {
        memchr::memchr3(b',', b'"', b'\n', bytes).is_some() || memchr::memchr(b'\r', bytes).is_some()
    } else {
        bytes.iter().any(|b| matches!(b, b',' | b'"' | b'\r' | b'\n'))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_quoted_exactly_as_the_csv_crate_quotes_it() {
        // The csv crate's default writer is the independent reference: the same fields written
        // by both give the same bytes (rows of different lengths allowed for the test).
        let fields = [
            "plain",
            "",
            "a,b",
            "say \"hi\"",
            "\"",
            "line\nbreak",
            "cr\rhere",
            " spaced ",
            "r0-n1+r0-n2",
            "ünïcode,",
            // Long enough for the vectorised search: plain, and with each special byte last.
            "r0-n0+r0-n1+r0-n2+r0-n3+r0-n4+r0-n5+r0-n6+r0-n7+r0-n8",
            "r0-n0+r0-n1+r0-n2+r0-n3+r0-n4+r0-n5+r0-n6+r0-n7+r0-n8,",
            "r0-n0+r0-n1+r0-n2+r0-n3+r0-n4+r0-n5+r0-n6+r0-n7+r0-n8\"",
            "r0-n0+r0-n1+r0-n2+r0-n3+r0-n4+r0-n5+r0-n6+r0-n7+r0-n8\r",
            "r0-n0+r0-n1+r0-n2+r0-n3+r0-n4+r0-n5+r0-n6+r0-n7+r0-n8\n",
        ];
        let mut expected = Vec::new();
        {
            let mut csv = csv::WriterBuilder::new().flexible(true).from_writer(&mut expected);
            csv.write_record(fields).unwrap();
            csv.write_record(["1", "", "2.5"]).unwrap();
            csv.flush().unwrap();
        }
        let mut ours = Vec::new();
        let mut row = Row::default();
        row.header(&mut ours, &fields).unwrap();
        row.start()
            .count(1u32)
            .optional(None)
            .float(2.5)
            .write(&mut ours)
            .unwrap();
        assert_eq!(String::from_utf8(ours).unwrap(), String::from_utf8(expected).unwrap());
    }
}

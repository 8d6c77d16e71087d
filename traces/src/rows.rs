//! The one reader loop of every format: a row source gives rows with their exact line
//! ([`CsvRows`] for the CSV formats, [`LineRows`] for SWF), a format's [`RowParser`] turns each
//! row into a job or a node (or skips it by rule), and [`RowReader`] streams the results,
//! stopping at the first error and refusing a file with no job at all. Node files, read whole,
//! go through [`collect_nodes`].
//!
//! Streaming: a source holds one row (at most [`crate::MAX_LINE_BYTES`]) and reuses its buffer,
//! so reading costs no allocation per row beyond what the parser keeps.

use std::io::{BufRead, Read};

use sim_core::cluster::NodeSpec;

use crate::SkipReport;
use crate::columns::{ColumnSpec, map_header};
use crate::error::{Location, TraceError, from_csv, from_io};
use crate::lines::{LfReader, read_bounded_line, record_line};

/// Rows of a file, one at a time, each with the line it starts on.
pub(crate) trait RowSource {
    /// What one row is: a CSV record, or the bytes of a line.
    type Row: ?Sized;

    /// The file, as errors name it.
    fn file(&self) -> &str;

    /// Reads the next row; `false` at the end of the file.
    fn advance(&mut self) -> Result<bool, TraceError>;

    /// The row last read by [`RowSource::advance`], and where it is.
    fn current(&self) -> (&Self::Row, Location<'_>);

    /// Rows read so far (0: the file had none).
    fn rows_read(&self) -> u64;
}

/// A format's reading of one row.
pub(crate) trait RowParser {
    /// The row it reads.
    type Row: ?Sized;
    /// What a row becomes.
    type Item;

    /// The row's item, `Ok(None)` for a row the format skips (a comment, or a row skipped by
    /// rule and counted in `skipped`).
    fn parse(
        &mut self,
        row: &Self::Row,
        at: &Location<'_>,
        skipped: &mut SkipReport,
    ) -> Result<Option<Self::Item>, TraceError>;

    /// Why a file that gave no item at all is refused (`rows_read` rows were read).
    fn nothing_read(&self, rows_read: u64, skipped: &SkipReport) -> String;

    /// Whether the rows give each job's communication share ([`crate::JobSource::gives_comm_fraction`]).
    fn gives_comm_fraction(&self) -> bool {
        false
    }
}

/// Items of a [`RowSource`] read by a [`RowParser`], streamed; the first error ends the stream.
pub(crate) struct RowReader<S, P> {
    source: S,
    parser: P,
    skipped: SkipReport,
    items: u64,
    done: bool,
}

impl<S, P> RowReader<S, P> {
    /// Reads `source` with `parser`.
    pub(crate) fn new(source: S, parser: P) -> Self {
        RowReader {
            source,
            parser,
            skipped: SkipReport::default(),
            items: 0,
            done: false,
        }
    }

    /// The format's state (options, what it has read so far).
    pub(crate) fn parser(&self) -> &P {
        &self.parser
    }

    /// The format's state, to change its options before reading.
    pub(crate) fn parser_mut(&mut self) -> &mut P {
        &mut self.parser
    }

    /// Rows skipped so far, by reason.
    pub(crate) fn skipped(&self) -> &SkipReport {
        &self.skipped
    }

    /// The source, for the file's name.
    pub(crate) fn source(&self) -> &S {
        &self.source
    }
}

impl<S: RowSource, P: RowParser<Row = S::Row>> Iterator for RowReader<S, P> {
    type Item = Result<P::Item, TraceError>;

    fn next(&mut self) -> Option<Self::Item> {
        while !self.done {
            let result = match self.source.advance() {
                Err(e) => Err(e),
                Ok(false) if self.items == 0 => Err(TraceError::File {
                    file: self.source.file().to_string(),
                    reason: self.parser.nothing_read(self.source.rows_read(), &self.skipped),
                }),
                Ok(false) => {
                    self.done = true;
                    return None;
                }
                Ok(true) => {
                    let (row, at) = self.source.current();
                    match self.parser.parse(row, &at, &mut self.skipped) {
                        Ok(None) => continue,
                        Ok(Some(item)) => Ok(item),
                        Err(e) => Err(e),
                    }
                }
            };
            self.items += 1;
            self.done = result.is_err();
            return Some(result);
        }
        None
    }
}

/// Implements [`Iterator`] (of jobs) and [`crate::JobSource`] for a public reader type whose
/// `rows` field is a [`RowReader`] of jobs, and its `with_max_time` (the format's parser keeps
/// a `max_time`); `$bound` is what its reader type parameter `R` must be.
macro_rules! job_source {
    ($reader:ident, $bound:ident) => {
        impl<R: $bound> $reader<R> {
            /// Refuses times past `max_time` (default [`crate::DEFAULT_MAX_TIME`]).
            pub fn with_max_time(mut self, max_time: sim_core::time::SimTime) -> Self {
                self.rows.parser_mut().max_time = max_time;
                self
            }
        }

        impl<R: $bound> Iterator for $reader<R> {
            type Item = Result<sim_core::job::JobSpec, crate::TraceError>;

            fn next(&mut self) -> Option<Self::Item> {
                self.rows.next()
            }
        }

        impl<R: $bound + Send> crate::JobSource for $reader<R> {
            fn skipped(&self) -> &crate::SkipReport {
                self.rows.skipped()
            }

            fn gives_comm_fraction(&self) -> bool {
                self.rows.parser().gives_comm_fraction()
            }
        }
    };
}

pub(crate) use job_source;

/// The records of a CSV file, with exact line numbers (see [`crate::lines`]).
pub(crate) struct CsvRows<R: Read> {
    file: String,
    csv: csv::Reader<LfReader<R>>,
    record: csv::StringRecord,
    line: u64,
    rows: u64,
    /// Fields every row must have: the header's, when the file has one.
    width: Option<usize>,
    /// The header's column names, when the file has one (to name a field in errors).
    header: Option<csv::StringRecord>,
}

impl<R: Read> CsvRows<R> {
    /// The records of a file without a header row (every row is data); rows may have any number
    /// of fields, which the format checks.
    pub(crate) fn headerless(file: &str, reader: R) -> Self {
        let csv = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(LfReader::new(reader));
        CsvRows::from_csv(file, csv, None)
    }

    /// The records of a file with a header row naming the columns of `spec` (any order, `x_`
    /// columns ignored): the source, and the position of each column of `spec` (`None`: an
    /// optional column that is absent). Every row must have as many fields as the header.
    pub(crate) fn with_header(
        file: &str,
        reader: R,
        spec: &ColumnSpec,
    ) -> Result<(Self, Vec<Option<usize>>), TraceError> {
        let mut csv = csv::ReaderBuilder::new()
            .flexible(true)
            .from_reader(LfReader::new(reader));
        let header = csv.headers().map_err(|e| from_csv(file, e))?;
        if header.is_empty() {
            return Err(TraceError::File {
                file: file.into(),
                reason: "empty file: expected a header row".into(),
            });
        }
        let columns = map_header(file, header, spec)?;
        let header = header.clone();
        Ok((CsvRows::from_csv(file, csv, Some(header)), columns))
    }

    fn from_csv(file: &str, csv: csv::Reader<LfReader<R>>, header: Option<csv::StringRecord>) -> Self {
        CsvRows {
            file: file.to_string(),
            csv,
            record: csv::StringRecord::new(),
            line: 0,
            rows: 0,
            width: header.as_ref().map(csv::StringRecord::len),
            header,
        }
    }

    /// The error for a row with a field holding a line break: no field of any format may, so
    /// such a field is a quote left open, which would otherwise swallow the rows after it.
    fn line_break(&mut self, field: usize) -> TraceError {
        let breaks = self.record.as_slice().bytes().filter(|&b| b == b'\n').count() as u64;
        // A quote still open at the end of the file took the file's last newline too, and no
        // newline ended the record after it.
        let at_end = self
            .record
            .get(self.record.len() - 1)
            .is_some_and(|f| f.ends_with('\n'));
        let after = self.csv.position().line();
        self.line = if at_end {
            after.saturating_sub(breaks)
        } else {
            after.saturating_sub(1 + breaks)
        }
        .max(1);
        let name = match self.header.as_ref().and_then(|h| h.get(field)) {
            Some(name) => format!("`{}`", name.trim()),
            None => format!("{}", field + 1),
        };
        let until = if at_end {
            "the end of the file".to_string()
        } else {
            format!("line {}", self.line + breaks)
        };
        self.at().row(format!(
            "field {name} holds a line break, running to {until}: a quote opened in it is not \
             closed on its line (no field may span lines)"
        ))
    }

    fn at(&self) -> Location<'_> {
        Location {
            file: &self.file,
            line: self.line,
        }
    }
}

impl<R: Read> RowSource for CsvRows<R> {
    type Row = csv::StringRecord;

    fn file(&self) -> &str {
        &self.file
    }

    fn advance(&mut self) -> Result<bool, TraceError> {
        loop {
            if !self
                .csv
                .read_record(&mut self.record)
                .map_err(|e| from_csv(&self.file, e))?
            {
                return Ok(false);
            }
            // A line of spaces or tabs alone is blank, as an empty line is (the CSV reader skips
            // those itself); a row of empty fields (`,,,`) is not.
            let blank = self.record.len() == 1 && self.record[0].trim().is_empty();
            if !blank {
                break;
            }
        }
        if let Some(field) = self.record.iter().position(|f| f.contains('\n')) {
            return Err(self.line_break(field));
        }
        self.line = record_line(self.csv.position().line(), &self.record);
        self.rows += 1;
        match self.width {
            Some(width) if self.record.len() != width => Err(self.at().row(format!(
                "expected {width} fields like the header, found {}",
                self.record.len()
            ))),
            _ => Ok(true),
        }
    }

    fn current(&self) -> (&csv::StringRecord, Location<'_>) {
        (&self.record, self.at())
    }

    fn rows_read(&self) -> u64 {
        self.rows
    }
}

/// The lines of a text file, each at most [`crate::MAX_LINE_BYTES`] long, with their numbers.
pub(crate) struct LineRows<R: BufRead> {
    file: String,
    reader: R,
    buf: Vec<u8>,
    line: u64,
}

impl<R: BufRead> LineRows<R> {
    /// The lines of `reader`; `file` names it in errors.
    pub(crate) fn new(file: &str, reader: R) -> Self {
        LineRows {
            file: file.to_string(),
            reader,
            buf: Vec::with_capacity(256),
            line: 0,
        }
    }
}

impl<R: BufRead> RowSource for LineRows<R> {
    type Row = [u8];

    fn file(&self) -> &str {
        &self.file
    }

    fn advance(&mut self) -> Result<bool, TraceError> {
        let n =
            read_bounded_line(&mut self.reader, &mut self.buf, self.line + 1).map_err(|e| from_io(&self.file, e))?;
        if n == 0 {
            return Ok(false);
        }
        self.line += 1;
        Ok(true)
    }

    fn current(&self) -> (&[u8], Location<'_>) {
        let at = Location {
            file: &self.file,
            line: self.line,
        };
        (&self.buf, at)
    }

    fn rows_read(&self) -> u64 {
        self.line
    }
}

/// Reads every node of a node file's rows: `node` reads one row (`Ok(None)` for a row that is
/// not a node, such as a repeated header); a node past `max_nodes` is refused at its line,
/// before it is held, and a node whose name (column `name_column`) came before is refused
/// naming both lines.
pub(crate) fn collect_nodes<S: RowSource>(
    mut rows: S,
    max_nodes: usize,
    name_column: &str,
    mut node: impl FnMut(&S::Row, &Location<'_>) -> Result<Option<NodeSpec>, TraceError>,
) -> Result<Vec<NodeSpec>, TraceError> {
    let mut nodes = Vec::new();
    let mut names = crate::ids::SeenIds::default();
    while rows.advance()? {
        let (row, at) = rows.current();
        if let Some(spec) = node(row, &at)? {
            if nodes.len() == max_nodes {
                return Err(at.too_many_nodes(max_nodes));
            }
            names.record_as(&spec.name, name_column, "node names", &at)?;
            nodes.push(spec);
        }
    }
    Ok(nodes)
}

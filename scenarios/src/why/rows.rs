//! A CSV file of a run folder read one row at a time, its columns found by name, its errors
//! naming the file, the line and the column.

use std::fs::File;
use std::path::{Path, PathBuf};

use reports::bounded::LineBounded;

use crate::error::ScenarioError;

/// `path: what`, as bad input.
pub(super) fn bad(path: &Path, what: impl std::fmt::Display) -> ScenarioError {
    ScenarioError::Input(format!("{}: {what}", path.display()))
}

/// An open CSV file and its current row.
pub(super) struct Rows {
    path: PathBuf,
    reader: csv::Reader<LineBounded<File>>,
    header: csv::StringRecord,
    record: csv::StringRecord,
}

impl Rows {
    /// Opens `path` and reads its header.
    pub(super) fn open(path: &Path) -> Result<Rows, ScenarioError> {
        let file = reports::bounded::open(path).map_err(|e| bad(path, e))?;
        let mut reader = csv::Reader::from_reader(file);
        let header = reader.headers().map_err(|e| bad(path, e))?.clone();
        Ok(Rows {
            path: path.to_path_buf(),
            reader,
            header,
            record: csv::StringRecord::new(),
        })
    }

    /// The index of the column `name`; an error naming the file when it has none.
    pub(super) fn column(&self, name: &str) -> Result<usize, ScenarioError> {
        self.header
            .iter()
            .position(|c| c == name)
            .ok_or_else(|| bad(&self.path, format!("no column `{name}`")))
    }

    /// Reads the next row; `false` at the end of the file.
    pub(super) fn next(&mut self) -> Result<bool, ScenarioError> {
        self.reader
            .read_record(&mut self.record)
            .map_err(|e| bad(&self.path, e))
    }

    /// The current row's text in `column`.
    pub(super) fn text(&self, column: usize) -> &str {
        self.record.get(column).unwrap_or("")
    }

    /// The current row's number in `column` (`None` when empty); an error naming the file,
    /// the line and the column when it is not a number.
    pub(super) fn number(&self, column: usize) -> Result<Option<f64>, ScenarioError> {
        let text = self.text(column);
        if text.is_empty() {
            return Ok(None);
        }
        match text.parse::<f64>() {
            Ok(x) if x.is_finite() => Ok(Some(x)),
            _ => Err(self.bad_field(column, "a number")),
        }
    }

    /// The current row's count in `column`, which must be a whole number of at least 1.
    pub(super) fn count(&self, column: usize) -> Result<u64, ScenarioError> {
        match self.text(column).parse::<u64>() {
            Ok(n) if n > 0 => Ok(n),
            _ => Err(self.bad_field(column, "a whole number of at least 1")),
        }
    }

    /// The current row's time in `column`: a number of seconds from 0 to 100 years (`None` when
    /// empty), as a run writes them.
    pub(super) fn time(&self, column: usize) -> Result<Option<f64>, ScenarioError> {
        const LATEST_S: f64 = 100.0 * 365.0 * 86_400.0;
        match self.number(column)? {
            Some(t) if !(0.0..=LATEST_S).contains(&t) => {
                Err(self.bad_field(column, "a time from 0 to 100 years in seconds"))
            }
            t => Ok(t),
        }
    }

    /// The current row's text in `column`, which must be one of `known`.
    pub(super) fn one_of(&self, column: usize, known: &[&str]) -> Result<&str, ScenarioError> {
        let text = self.text(column);
        match known.contains(&text) {
            true => Ok(text),
            false => Err(self.bad_field(column, &format!("one of {}", known.join(", ")))),
        }
    }

    /// An error about the current row: "`file` line L: WHAT".
    pub(super) fn bad_row(&self, what: &str) -> ScenarioError {
        let line = self.record.position().map_or(0, csv::Position::line);
        bad(&self.path, format!("line {line}: {what}"))
    }

    /// "`file` line L: column `c` is `x`, not WHAT".
    fn bad_field(&self, column: usize, what: &str) -> ScenarioError {
        let line = self.record.position().map_or(0, csv::Position::line);
        bad(
            &self.path,
            format!(
                "line {line}: column `{}` is `{}`, not {what}",
                self.header.get(column).unwrap_or("?"),
                self.text(column)
            ),
        )
    }
}

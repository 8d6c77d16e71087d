//! Errors of trace and node-file readers: each names the file, the line and the field.

use std::fmt;

/// What went wrong reading a trace or a nodes file.
#[derive(Debug, thiserror::Error)]
pub enum TraceError {
    /// The file could not be read.
    #[error("{file}: {source}")]
    Io {
        /// The file.
        file: String,
        /// The underlying error.
        source: std::io::Error,
    },
    /// A problem with one field of one row.
    #[error("{file}:{line}: column `{field}`: {reason}")]
    Field {
        /// The file.
        file: String,
        /// 1-based line number.
        line: u64,
        /// The column name.
        field: String,
        /// What is wrong, with the value found.
        reason: String,
    },
    /// A problem with a whole row or the header.
    #[error("{file}:{line}: {reason}")]
    Row {
        /// The file.
        file: String,
        /// 1-based line number.
        line: u64,
        /// What is wrong.
        reason: String,
    },
    /// A problem with the file as a whole (empty, no jobs, unknown format).
    #[error("{file}: {reason}")]
    File {
        /// The file.
        file: String,
        /// What is wrong.
        reason: String,
    },
}

/// Where a reader is, to build errors that name it.
#[derive(Clone, Debug)]
pub(crate) struct Location<'a> {
    pub file: &'a str,
    pub line: u64,
}

impl Location<'_> {
    /// An error about `field` on this line.
    pub fn field(&self, field: &str, reason: impl fmt::Display) -> TraceError {
        TraceError::Field {
            file: self.file.to_string(),
            line: self.line,
            field: field.to_string(),
            reason: reason.to_string(),
        }
    }

    /// An error about this whole line.
    pub fn row(&self, reason: impl fmt::Display) -> TraceError {
        TraceError::Row {
            file: self.file.to_string(),
            line: self.line,
            reason: reason.to_string(),
        }
    }
}

/// Turns a `csv` crate error into one naming the file and line.
pub(crate) fn from_csv(file: &str, error: csv::Error) -> TraceError {
    let line = error.position().map_or(0, csv::Position::line);
    match error.kind() {
        csv::ErrorKind::Io(_) => match error.into_kind() {
            csv::ErrorKind::Io(source) => TraceError::Io {
                file: file.to_string(),
                source,
            },
            _ => unreachable!("kind checked above"),
        },
        csv::ErrorKind::Utf8 { .. } => TraceError::Row {
            file: file.to_string(),
            line,
            reason: "the row is not valid UTF-8".into(),
        },
        _ => TraceError::Row {
            file: file.to_string(),
            line,
            reason: error.to_string(),
        },
    }
}

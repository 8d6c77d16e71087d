//! Errors of reading results back (sweep tables, aggregates, fill curves, run files, rules)
//! and of writing reports: each names the file and, where there is one, the line and column.

use std::fmt;
use std::io;

/// What went wrong reading results or writing a report.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// A file or folder could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file or folder.
        path: String,
        /// The underlying error.
        source: io::Error,
    },
    /// A chart of a report could not be drawn.
    #[error("{path}: {source}")]
    Draw {
        /// The folder the chart was drawn for.
        path: String,
        /// What the drawing backend said.
        source: crate::charts::DrawError,
    },
    /// A CSV file could not be read as CSV (the `csv` crate's message says where).
    #[error("{path}: {source}")]
    Csv {
        /// The file.
        path: String,
        /// The underlying error.
        source: csv::Error,
    },
    /// A JSON file is not valid JSON, or not of the expected shape.
    #[error("{path}:{}: {source}", source.line())]
    Json {
        /// The file.
        path: String,
        /// The underlying error (it knows the line).
        source: serde_json::Error,
    },
    /// A line of a file read back is not what its format says.
    #[error("{path}:{line}: {reason}")]
    Line {
        /// The file.
        path: String,
        /// 1-based line.
        line: u64,
        /// What is wrong.
        reason: String,
    },
    /// A cell of a file read back does not hold what its column does.
    #[error("{path}:{line}: column `{column}`: expected {expected}, got `{found}`")]
    Value {
        /// The file.
        path: String,
        /// 1-based line.
        line: u64,
        /// The column's name.
        column: String,
        /// What the column holds (`a number`).
        expected: &'static str,
        /// The text found.
        found: String,
    },
    /// A file or folder, as a whole, is not what was asked for.
    #[error("{path}: {reason}")]
    File {
        /// The file or folder.
        path: String,
        /// What is wrong.
        reason: String,
    },
    /// A file larger than any that is read for this purpose.
    #[error("{path}: {bytes} bytes, larger than {limit}, the largest {what} file read (is it {what}?)")]
    TooLarge {
        /// The file.
        path: String,
        /// Its size.
        bytes: u64,
        /// The largest size read.
        limit: u64,
        /// What the file should be (`results`).
        what: &'static str,
    },
    /// A line of a rules file that is not a rule.
    #[error("{origin}:{line}: {reason}")]
    Rule {
        /// The rules file.
        origin: String,
        /// 1-based line.
        line: u64,
        /// What is wrong.
        reason: crate::check::rules::RuleError,
    },
    /// A rules file without a rule.
    #[error("{origin}: no rules")]
    NoRules {
        /// The rules file.
        origin: String,
    },
    /// A sweep table read as a comparison that sweeps more or other keys than the policy.
    #[error(
        "a comparison sweeps {} only, this table sweeps {params:?}",
        crate::compare::POLICY_KEY
    )]
    NotAComparison {
        /// The keys the table sweeps.
        params: Vec<String>,
    },
    /// Results and a baseline that share no grid point: not the same experiment.
    #[error(
        "{results} and {baseline} have no grid point in common (the results' points read like \
         {results_point}, the baseline's like {baseline_point}: they sweep other keys or values)"
    )]
    NoCommonPoint {
        /// Where the results came from.
        results: String,
        /// Where the baseline came from.
        baseline: String,
        /// The results' first point, as its label reads.
        results_point: String,
        /// The baseline's first point, as its label reads.
        baseline_point: String,
    },
}

impl ReportError {
    /// The I/O error of `path`.
    pub fn io(path: &std::path::Path, source: io::Error) -> ReportError {
        ReportError::Io {
            path: path.display().to_string(),
            source,
        }
    }

    /// The `csv` crate's error reading `path`: [`ReportError::Io`] when reading failed, else
    /// [`ReportError::Csv`] (the message is the same: the crate shows an I/O error as is).
    pub fn csv(path: &str, source: csv::Error) -> ReportError {
        if source.is_io_error() {
            match source.into_kind() {
                csv::ErrorKind::Io(source) => ReportError::Io {
                    path: path.to_string(),
                    source,
                },
                _ => unreachable!("checked to be an I/O error"),
            }
        } else {
            ReportError::Csv {
                path: path.to_string(),
                source,
            }
        }
    }
}

/// Where a reader of a file is, to build errors that name it.
#[derive(Clone, Copy, Debug)]
pub(crate) struct At<'a> {
    /// The file.
    pub path: &'a str,
    /// 1-based line.
    pub line: u64,
}

impl At<'_> {
    /// An error about this line.
    pub fn line(&self, reason: impl fmt::Display) -> ReportError {
        ReportError::Line {
            path: self.path.to_string(),
            line: self.line,
            reason: reason.to_string(),
        }
    }

    /// An error about a cell of `column` on this line holding `found`, not `expected`.
    pub fn value(&self, column: &str, expected: &'static str, found: &str) -> ReportError {
        ReportError::Value {
            path: self.path.to_string(),
            line: self.line,
            column: column.to_string(),
            expected,
            found: found.to_string(),
        }
    }
}

//! Errors of trace and node-file readers: each names the file, the line and the field.

use std::fmt;

use sim_core::time::SimTime;

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
    /// A line (a row, quoted fields included) longer than [`crate::MAX_LINE_BYTES`].
    #[error(
        "{file}:{line}: the row starting here is longer than {limit} bytes, the longest a trace row may be \
         (is this a trace? a file without line breaks cannot be read row by row)"
    )]
    LineTooLong {
        /// The file.
        file: String,
        /// 1-based line the row starts on.
        line: u64,
        /// The limit, in bytes.
        limit: usize,
    },
    /// A job id seen before in the same trace, or a node name in the same nodes file.
    #[error(
        "{file}:{line}: column `{field}`: `{id}` appears twice (first on line {first_line}); {what} must be unique"
    )]
    DuplicateId {
        /// The file.
        file: String,
        /// 1-based line of the second occurrence.
        line: u64,
        /// The id column's name in this format.
        field: String,
        /// The id, with control characters escaped.
        id: String,
        /// 1-based line of the first occurrence.
        first_line: u64,
        /// What must be unique: `job ids`, `node names`.
        what: &'static str,
    },
    /// A time past the latest one a trace may name ([`crate::ReadOptions::max_time`]).
    #[error(
        "{file}:{line}: column `{field}`: {what} at {value} s, past {limit} s, the latest time this run may reach \
         (limits.max_time, or without a horizon limits.samples ÷ 12 × output.sample_interval; --max-time for \
         `trace` commands): raise it if the trace is right"
    )]
    TimeLimit {
        /// The file.
        file: String,
        /// 1-based line.
        line: u64,
        /// The column (or field) that gives the time.
        field: String,
        /// What the time is: `submitted`, `ends`, `created`, …
        what: &'static str,
        /// The time, in seconds.
        value: String,
        /// The limit, in seconds.
        limit: String,
    },
    /// More jobs than the run may hold.
    #[error(
        "{file}: more than {limit} jobs, the most a run may hold here; raise limits.jobs in the scenario \
         if the machine can hold them (about 1 KiB a job)"
    )]
    TooManyJobs {
        /// The trace (or `[workload.synthetic]`).
        file: String,
        /// The limit.
        limit: u64,
    },
    /// More nodes than a cluster may have.
    #[error(
        "{file}:{line}: more than {limit} nodes, the most a cluster may have here; raise limits.nodes in the \
         scenario if the machine can hold them"
    )]
    TooManyNodes {
        /// The nodes file.
        file: String,
        /// 1-based line of the first node past the limit.
        line: u64,
        /// The limit.
        limit: usize,
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

/// A name that is not one of those a setting takes (a trace format, a nodes format, an SWF
/// processor unit, a workload family, a duration fit).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown {what} `{name}`; {}", known_names(.known, .plural))]
pub struct UnknownName {
    /// What was named (`trace format`).
    pub what: &'static str,
    /// The name given, control characters escaped.
    pub name: String,
    /// The names accepted, in the order they are listed.
    pub known: Vec<&'static str>,
    /// What the accepted names are, in the plural (`formats`), to list more than two.
    pub plural: &'static str,
}

impl UnknownName {
    /// `name` is not one of `known` ((value, name) pairs) for `what`.
    pub fn new<T>(what: &'static str, name: &str, known: &[(T, &'static str)], plural: &'static str) -> Self {
        UnknownName {
            what,
            name: crate::escape::escaped(name),
            known: known.iter().map(|(_, n)| *n).collect(),
            plural,
        }
    }
}

/// `use a or b` for two names, `known formats: a, b, c` for more.
fn known_names(known: &[&str], plural: &str) -> String {
    match known {
        [a, b] => format!("use {a} or {b}"),
        _ => format!("known {plural}: {}", known.join(", ")),
    }
}

/// The value of `known` ((value, name) pairs) called `name`, or an [`UnknownName`] error.
pub(crate) fn by_name<T: Copy>(
    what: &'static str,
    name: &str,
    known: &[(T, &'static str)],
    plural: &'static str,
) -> Result<T, UnknownName> {
    known
        .iter()
        .find(|(_, n)| *n == name)
        .map(|(value, _)| *value)
        .ok_or_else(|| UnknownName::new(what, name, known, plural))
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

    /// An error for a job id seen before, on `first_line`.
    pub fn duplicate_id(&self, field: &str, id: &str, first_line: u64, what: &'static str) -> TraceError {
        TraceError::DuplicateId {
            file: self.file.to_string(),
            line: self.line,
            field: field.to_string(),
            id: crate::escape::escaped(id),
            first_line,
            what,
        }
    }

    /// Checks that `time` (what it is: `submitted`, `ends`, …) is at most `limit`.
    pub fn within(&self, field: &str, what: &'static str, time: SimTime, limit: SimTime) -> Result<(), TraceError> {
        if time <= limit {
            return Ok(());
        }
        Err(TraceError::TimeLimit {
            file: self.file.to_string(),
            line: self.line,
            field: field.to_string(),
            what,
            value: time.to_string(),
            limit: limit.to_string(),
        })
    }

    /// Checks that a job submitted at `submit` and running `duration` (from `field`) ends by
    /// `limit`; the sum is checked, so it never wraps.
    pub fn ends_within(
        &self,
        field: &str,
        submit: SimTime,
        duration: SimTime,
        limit: SimTime,
    ) -> Result<(), TraceError> {
        let end = submit
            .as_micros()
            .checked_add(duration.as_micros())
            .map_or(SimTime::MAX, SimTime);
        self.within(field, "the job ends", end, limit)
    }

    /// Checks that a row submitted at `submit` (from `field`) comes no earlier than the
    /// previous row's `previous`; `sorted` ends the error: "rows must be sorted{sorted}".
    pub fn sorted_after(
        &self,
        field: &str,
        submit: SimTime,
        previous: SimTime,
        sorted: &str,
    ) -> Result<(), TraceError> {
        if submit < previous {
            return Err(self.field(
                field,
                format!("{submit} is earlier than the previous row's {previous}: rows must be sorted{sorted}"),
            ));
        }
        Ok(())
    }

    /// The error for a node on this line past `limit` nodes.
    pub fn too_many_nodes(&self, limit: usize) -> TraceError {
        TraceError::TooManyNodes {
            file: self.file.to_string(),
            line: self.line,
            limit,
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

/// Turns an I/O error of reading `file` into a [`TraceError`] (a row past the length limit
/// becomes [`TraceError::LineTooLong`]).
pub(crate) fn from_io(file: &str, source: std::io::Error) -> TraceError {
    match crate::lines::too_long(&source) {
        Some(too_long) => TraceError::LineTooLong {
            file: file.to_string(),
            line: too_long.line,
            limit: too_long.limit,
        },
        None => TraceError::Io {
            file: file.to_string(),
            source,
        },
    }
}

/// Turns a `csv` crate error into one naming the file and line.
pub(crate) fn from_csv(file: &str, error: csv::Error) -> TraceError {
    let line = error.position().map_or(0, csv::Position::line);
    match error.kind() {
        csv::ErrorKind::Io(_) => match error.into_kind() {
            csv::ErrorKind::Io(source) => from_io(file, source),
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

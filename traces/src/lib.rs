//! # traces: job traces in, [`JobSpec`]s out
//!
//! Every reader streams: it yields one job at a time, sorted by submit time, so a trace of any
//! length replays in constant memory. Readers stop at the first bad row with an error naming
//! file, line and column; rows a format defines as unrunnable are skipped and counted in a
//! [`SkipReport`], never dropped silently.
//!
//! Formats: [`Format::Native`] (the DESIGN.md CSV) and [`Format::Philly`]. [`open`] picks the
//! format from the file's extension and first line unless told.

mod error;
mod fields;
mod lines;
pub mod native;
pub mod nodes;
pub mod philly;
pub mod samples;

use std::collections::BTreeMap;
use std::fmt;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::str::FromStr;

use sim_core::job::JobSpec;

pub use error::TraceError;
pub use native::NativeReader;
pub use nodes::read_nodes;
pub use philly::PhillyReader;

/// A stream of jobs in submit order that also reports the rows it skipped by rule.
pub trait JobSource: Iterator<Item = Result<JobSpec, TraceError>> + Send {
    /// Rows skipped so far, by reason.
    fn skipped(&self) -> &SkipReport;
}

/// Counts of rows skipped by rule, by reason (ordered by reason, for stable output).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SkipReport {
    counts: BTreeMap<String, u64>,
}

impl SkipReport {
    /// Counts one skipped row.
    pub fn count(&mut self, reason: &str) {
        *self.counts.entry(reason.to_string()).or_default() += 1;
    }

    /// All skipped rows.
    pub fn total(&self) -> u64 {
        self.counts.values().sum()
    }

    /// (reason, count) pairs, ordered by reason.
    pub fn reasons(&self) -> impl Iterator<Item = (&str, u64)> {
        self.counts.iter().map(|(r, &n)| (r.as_str(), n))
    }
}

impl fmt::Display for SkipReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts: Vec<String> = self.reasons().map(|(reason, n)| format!("{n} × {reason}")).collect();
        write!(f, "{}", parts.join(", "))
    }
}

/// A trace file format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// The native CSV of DESIGN.md.
    Native,
    /// Microsoft Philly per-job CSV (RFold preparation).
    Philly,
}

impl Format {
    /// Every format, with the name scenarios and `--format` use.
    pub const ALL: [(Format, &'static str); 2] = [(Format::Native, "native"), (Format::Philly, "philly")];

    /// The format's name.
    pub fn name(self) -> &'static str {
        Format::ALL
            .iter()
            .find(|(f, _)| *f == self)
            .map(|(_, n)| *n)
            .expect("every format is listed")
    }

    /// Guesses the format from the first line of the file.
    fn sniff(first_line: &str) -> Option<Format> {
        let first_line = first_line.trim_start_matches('\u{feff}');
        if first_line.starts_with('#') && first_line.contains("arrival time") {
            Some(Format::Philly)
        } else if first_line.split(',').any(|c| c.trim() == "job_id") {
            Some(Format::Native)
        } else {
            None
        }
    }
}

impl FromStr for Format {
    type Err = String;
    fn from_str(s: &str) -> Result<Format, String> {
        Format::ALL
            .iter()
            .find(|(_, n)| *n == s)
            .map(|(f, _)| *f)
            .ok_or_else(|| {
                let names: Vec<&str> = Format::ALL.iter().map(|(_, n)| *n).collect();
                format!("unknown trace format `{s}`; known formats: {}", names.join(", "))
            })
    }
}

/// Opens a trace file; `format` overrides detection.
pub fn open(path: &Path, format: Option<Format>) -> Result<Box<dyn JobSource>, TraceError> {
    let name = path.display().to_string();
    let file = std::fs::File::open(path).map_err(|source| TraceError::Io {
        file: name.clone(),
        source,
    })?;
    open_reader(&name, file, format)
}

/// Opens a trace from any reader; `name` identifies it in errors; `format` overrides detection.
pub fn open_reader(
    name: &str,
    reader: impl Read + Send + 'static,
    format: Option<Format>,
) -> Result<Box<dyn JobSource>, TraceError> {
    let mut reader = BufReader::new(reader);
    let format = match format {
        Some(f) => f,
        None => detect(name, &mut reader)?,
    };
    Ok(match format {
        Format::Native => Box::new(NativeReader::new(name, reader)?),
        Format::Philly => Box::new(PhillyReader::new(name, reader)),
    })
}

fn detect(name: &str, reader: &mut BufReader<impl Read>) -> Result<Format, TraceError> {
    let head = reader.fill_buf().map_err(|source| TraceError::Io {
        file: name.to_string(),
        source,
    })?;
    if head.is_empty() {
        return Err(TraceError::File {
            file: name.into(),
            reason: "empty file".into(),
        });
    }
    let first_line = String::from_utf8_lossy(head.split(|&b| b == b'\n').next().unwrap_or_default());
    Format::sniff(&first_line).ok_or_else(|| TraceError::File {
        file: name.into(),
        reason: format!(
            "cannot tell the trace format from the first line `{}`; name it (format = \"…\" in the scenario, or --format): {}",
            first_line.trim_end(),
            Format::ALL.iter().map(|(_, n)| *n).collect::<Vec<_>>().join(", ")
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_formats_from_the_first_line() {
        assert_eq!(
            Format::sniff("#job id,arrival time (sec),topology,shape,size,duration (sec)"),
            Some(Format::Philly)
        );
        assert_eq!(Format::sniff("submit_s,job_id,duration_s"), Some(Format::Native));
        assert_eq!(Format::sniff("a,b,c"), None);
        assert_eq!("philly".parse::<Format>(), Ok(Format::Philly));
        assert!(
            "swf2"
                .parse::<Format>()
                .unwrap_err()
                .contains("known formats: native, philly")
        );
    }

    #[test]
    fn undetectable_and_empty_files_are_named() {
        let err = open_reader("x.csv", "a,b\n1,2\n".as_bytes(), None).err().unwrap();
        assert!(
            err.to_string()
                .starts_with("x.csv: cannot tell the trace format from the first line `a,b`")
        );
        let err = open_reader("e.csv", "".as_bytes(), None).err().unwrap();
        assert_eq!(err.to_string(), "e.csv: empty file");
    }
}

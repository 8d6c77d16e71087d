//! # traces: job traces in, [`JobSpec`]s out
//!
//! Every reader streams: it yields one job at a time, sorted by submit time, holding one row
//! (at most [`MAX_LINE_BYTES`]) and the set of job ids seen so far, which grows with the
//! number of jobs (16 bytes a job while ids are increasing plain numbers, as in Philly, SWF
//! and Helios, else about 38 bytes plus the id; see `ids.rs`): ids are refused when repeated,
//! by every reader alike. Memory is therefore not constant but linear in the jobs read, bounded
//! by a scenario's `limits.jobs`. Every format is the same loop (`rows.rs`): a row source (CSV
//! records or text lines, with exact line numbers) read by the format's parser. Helios logs add a window of 4096 jobs to put slight
//! disorder right; openb pod lists, cluster snapshots of about 10,000 pods that are not always
//! in time order, are read whole and sorted by [`open`]. Readers stop at the first bad row with
//! an error naming file, line and column; rows a format defines as unrunnable are skipped and
//! counted in a [`SkipReport`], never dropped silently. No reader accepts a time past
//! [`ReadOptions::max_time`] (the sum of a submit time and a duration included), NaN or an
//! infinity.
//!
//! Job formats ([`Format`]): the native CSV (docs/traces.md), Philly, SWF, the openb pod lists and
//! the Helios job logs.
//! [`open`] picks the format from the file's extension and first line unless told. Node
//! formats ([`NodesFormat`]): native, openb node lists and the PAI machine spec, read by
//! [`read_nodes`]. Beside the readers: the synthetic workload generator ([`synthetic`]), fill
//! workloads for capacity experiments ([`fill`]), trace statistics ([`stats`]) and the native
//! writer used by `trace convert` ([`write_native`]).

mod buffered;
mod columns;
mod error;
pub mod escape;
mod fields;
pub mod fill;
pub mod helios;
mod ids;
mod lines;
pub mod native;
mod native_writer;
pub mod nodes;
pub mod openb;
mod pai;
pub mod philly;
mod reorder;
mod rows;
pub mod samples;
pub mod stats;
pub mod swf;
pub mod synthetic;

use std::collections::BTreeMap;
use std::fmt;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::str::FromStr;

use sim_core::job::JobSpec;
use sim_core::time::SimTime;

pub use buffered::{BufferedSource, read_all};
pub use error::{TraceError, UnknownName};
pub use lines::MAX_LINE_BYTES;
pub use native::NativeReader;
pub use native_writer::write_native;
pub use nodes::{NodesFormat, read_nodes, read_nodes_at_most};
pub use openb::OpenbPodReader;
pub use philly::PhillyReader;
pub use swf::{SwfProcessor, SwfReader, SwfSize};

/// A stream of jobs in submit order that also reports the rows it skipped by rule.
pub trait JobSource: Iterator<Item = Result<JobSpec, TraceError>> + Send {
    /// Rows skipped so far, by reason.
    fn skipped(&self) -> &SkipReport;

    /// Whether the trace gives each job's communication share (a native trace with a
    /// `comm_fraction` column): in the other formats a share of 0 means none was given, which
    /// `trace convert` writes as an empty cell, so that the converted trace replays the same
    /// under `workload.comm_fraction`.
    fn gives_comm_fraction(&self) -> bool {
        false
    }
}

/// Counts of rows skipped by rule, by reason (ordered by reason, for stable output).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SkipReport {
    counts: BTreeMap<String, u64>,
    /// The sum of `counts`, kept as rows are counted: a reader of kept jobs asks for it after
    /// every job.
    total: u64,
}

impl SkipReport {
    /// Counts one skipped row.
    pub fn count(&mut self, reason: &str) {
        *self.counts.entry(reason.to_string()).or_default() += 1;
        self.total += 1;
    }

    /// All skipped rows.
    pub fn total(&self) -> u64 {
        self.total
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
    /// The native CSV (docs/traces.md).
    Native,
    /// Microsoft Philly per-job CSV (RFold preparation).
    Philly,
    /// The Standard Workload Format of the Parallel Workloads Archive.
    Swf,
    /// An Alibaba openb pod list (cluster-trace-gpu-v2023).
    Openb,
    /// A SenseTime Helios job log (`cluster_log.csv`).
    Helios,
}

impl Format {
    /// Every format, with the name scenarios and `--format` use.
    pub const ALL: [(Format, &'static str); 5] = [
        (Format::Native, "native"),
        (Format::Philly, "philly"),
        (Format::Swf, "swf"),
        (Format::Openb, "openb"),
        (Format::Helios, "helios"),
    ];

    /// The format's name.
    pub fn name(self) -> &'static str {
        Format::ALL
            .iter()
            .find(|(f, _)| *f == self)
            .map(|(_, n)| *n)
            .expect("every format is listed")
    }

    /// Guesses the format from the file name (`.swf`), else from the first line.
    fn sniff(name: &str, first_line: &str) -> Option<Format> {
        if Path::new(name)
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("swf"))
        {
            return Some(Format::Swf);
        }
        let first_line = first_line.trim_start_matches('\u{feff}');
        // Header cells as CSV reads them: a quoted header (`"job_id","submit_s"`) names the same
        // columns.
        let record = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(first_line.trim_end().as_bytes())
            .into_records()
            .next()
            .and_then(Result::ok)
            .unwrap_or_default();
        let cells: Vec<&str> = record.iter().map(str::trim).collect();
        let fields: Vec<&str> = first_line.split_ascii_whitespace().collect();
        if first_line.starts_with('#') && first_line.contains("arrival time") {
            Some(Format::Philly)
        } else if helios::is_header(&cells) {
            Some(Format::Helios)
        } else if cells.contains(&"job_id") {
            Some(Format::Native)
        } else if cells.contains(&"name") && cells.contains(&"num_gpu") {
            Some(Format::Openb)
        } else if first_line.trim_start().starts_with(';')
            || (fields.len() == 18 && fields.iter().all(|f| f.parse::<f64>().is_ok()))
        {
            Some(Format::Swf)
        } else {
            None
        }
    }

    fn names() -> String {
        Format::ALL.iter().map(|(_, n)| *n).collect::<Vec<_>>().join(", ")
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// How readers turn format-specific quantities into jobs.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ReadOptions {
    /// What one SWF processor becomes (a GPU by default).
    pub swf_processor: SwfProcessor,
    /// Which SWF processor count is a job's size (allocated by default).
    pub swf_size: SwfSize,
    /// Lifetime of the pods of openb lists without times.
    pub untimed_pod_duration: SimTime,
    /// Keep openb pods whose lifetime is 0 (giving them `untimed_pod_duration`) instead of
    /// skipping them: fill runs ignore times, and the FGD artifact keeps every pod.
    pub keep_zero_lifetime_pods: bool,
    /// The latest time a trace may name: a submit time, or a submit time plus a duration
    /// ([`DEFAULT_MAX_TIME`] unless told). Later ones are refused, naming the row.
    pub max_time: SimTime,
    /// The options of one format that the user set: a trace of another format refuses them
    /// (a setting that would be silently ignored is a mistake).
    pub given: GivenOptions,
    /// The communication share of multi-task jobs whose trace gives none (`workload.comm_fraction`):
    /// in a native trace, a row whose `comm_fraction` cell is empty or that has no such column (a
    /// share written as 0 is kept); in the formats without the column, every multi-task job.
    pub comm_fraction: Option<f64>,
}

/// Which format-specific [`ReadOptions`] the user set (the others keep their defaults).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct GivenOptions {
    /// `swf_processor` (SWF only).
    pub swf_processor: bool,
    /// `swf_size` (SWF only).
    pub swf_size: bool,
    /// `untimed_pod_duration` (openb pod lists only).
    pub pod_duration: bool,
}

impl GivenOptions {
    /// The first option set that `format` does not read, by its scenario key.
    fn unread_by(self, format: Format) -> Option<(&'static str, Format)> {
        let options = [
            (self.swf_processor, "swf_processor", Format::Swf),
            (self.swf_size, "swf_size", Format::Swf),
            (self.pod_duration, "pod_duration", Format::Openb),
        ];
        options
            .into_iter()
            .find(|&(given, _, of)| given && of != format)
            .map(|(_, name, of)| (name, of))
    }
}

/// The latest time a trace may name unless told otherwise: 100 years (3,153,600,000 s), far
/// past any real trace (the longest archive logs span a few years) and far from where
/// microsecond time wraps (584,942 years), so sums of input times never overflow.
pub const DEFAULT_MAX_TIME: SimTime = SimTime::from_secs(100 * 365 * 86_400);

impl Default for ReadOptions {
    fn default() -> Self {
        ReadOptions {
            swf_processor: SwfProcessor::default(),
            swf_size: SwfSize::default(),
            untimed_pod_duration: openb::DEFAULT_UNTIMED_POD_DURATION,
            keep_zero_lifetime_pods: false,
            max_time: DEFAULT_MAX_TIME,
            given: GivenOptions::default(),
            comm_fraction: None,
        }
    }
}

impl FromStr for Format {
    type Err = UnknownName;
    fn from_str(s: &str) -> Result<Format, UnknownName> {
        error::by_name("trace format", s, &Format::ALL, "formats")
    }
}

/// Opens a trace file; `format` overrides detection.
pub fn open(path: &Path, format: Option<Format>, options: &ReadOptions) -> Result<Box<dyn JobSource>, TraceError> {
    let name = path.display().to_string();
    let file = std::fs::File::open(path).map_err(|source| TraceError::Io {
        file: name.clone(),
        source,
    })?;
    open_reader(&name, file, format, options)
}

/// Bytes read from a trace at a time: a few reads for a whole archive log, where the default
/// 8 KiB would make hundreds of system calls.
const READ_BUFFER: usize = 256 * 1024;

/// Opens a trace from any reader; `name` identifies it in errors (and its extension helps
/// detection); `format` overrides detection.
///
/// Openb pod lists are snapshots of a cluster rather than logs, and some (`gpushare100`) are
/// not in time order: they are read whole and sorted by creation time (stable), which their
/// size (about 10,000 pods) allows. Every other format streams.
pub fn open_reader(
    name: &str,
    reader: impl Read + Send + 'static,
    format: Option<Format>,
    options: &ReadOptions,
) -> Result<Box<dyn JobSource>, TraceError> {
    let mut reader = BufReader::with_capacity(READ_BUFFER, reader);
    let format = match format {
        Some(f) => f,
        None => detect_format(name, &mut reader)?,
    };
    if let Some((option, of)) = options.given.unread_by(format) {
        return Err(TraceError::File {
            file: name.to_string(),
            reason: format!("{option} applies to {of} traces only, and this trace is read as {format}"),
        });
    }
    let max_time = options.max_time;
    let source: Box<dyn JobSource> = match format {
        Format::Native => {
            let native = NativeReader::new(name, reader)?.with_max_time(max_time);
            return Ok(Box::new(match options.comm_fraction {
                Some(share) => native.with_default_comm_fraction(share),
                None => native,
            }));
        }
        Format::Philly => Box::new(PhillyReader::new(name, reader).with_max_time(max_time)),
        Format::Swf => Box::new(
            SwfReader::new(name, reader, options.swf_processor)
                .with_size(options.swf_size)
                .with_max_time(max_time),
        ),
        Format::Helios => Box::new(helios::helios_reader_until(name, reader, max_time)?),
        Format::Openb => {
            let pods = OpenbPodReader::new(name, reader, options.untimed_pod_duration)?.with_max_time(max_time);
            let pods = if options.keep_zero_lifetime_pods {
                pods.keeping_zero_lifetimes()
            } else {
                pods
            };
            Box::new(BufferedSource::sorted(pods)?)
        }
    };
    Ok(match options.comm_fraction {
        Some(share) => Box::new(DefaultCommFraction { inner: source, share }),
        None => source,
    })
}

/// Gives the multi-task jobs of a format without a communication share column a share.
struct DefaultCommFraction {
    inner: Box<dyn JobSource>,
    share: f64,
}

impl Iterator for DefaultCommFraction {
    type Item = Result<JobSpec, TraceError>;

    fn next(&mut self) -> Option<Self::Item> {
        self.inner.next().map(|job| {
            job.map(|mut spec| {
                if spec.tasks > 1 {
                    spec.comm_fraction = self.share;
                }
                spec
            })
        })
    }
}

impl JobSource for DefaultCommFraction {
    fn skipped(&self) -> &SkipReport {
        self.inner.skipped()
    }
}

/// The format of a trace, from its name (`.swf`) and first line.
pub fn detect_format(name: &str, reader: &mut BufReader<impl Read>) -> Result<Format, TraceError> {
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
    Format::sniff(name, &first_line).ok_or_else(|| TraceError::File {
        file: name.into(),
        reason: format!(
            "cannot tell the trace format from the first line `{}`; name it (format = \"…\" in the scenario, or --format): {}",
            shown_start(first_line.trim_start_matches('\u{feff}').trim_end()),
            Format::names()
        ),
    })
}

/// The start of a line as a message shows it: at most 80 characters (then `…`), control
/// characters escaped.
pub(crate) fn shown_start(line: &str) -> String {
    const SHOWN: usize = 80;
    let mut start: String = line.chars().take(SHOWN).collect();
    if line.chars().nth(SHOWN).is_some() {
        start.push('…');
    }
    escape::escaped(&start)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn skipped_rows_are_counted_by_reason_and_in_total() {
        let mut skipped = SkipReport::default();
        for reason in ["b", "a", "b"] {
            skipped.count(reason);
        }
        assert_eq!(skipped.total(), 3);
        assert_eq!(skipped.reasons().collect::<Vec<_>>(), [("a", 1), ("b", 2)]);
    }

    #[test]
    fn detects_formats_from_the_first_line() {
        let sniff = |first_line| Format::sniff("t.csv", first_line);
        assert_eq!(
            sniff("#job id,arrival time (sec),topology,shape,size,duration (sec)"),
            Some(Format::Philly)
        );
        assert_eq!(sniff("submit_s,job_id,duration_s"), Some(Format::Native));
        // Quoted headers (pandas' QUOTE_ALL), after a byte-order mark too.
        assert_eq!(sniff("\"job_id\",\"submit_s\",\"duration_s\""), Some(Format::Native));
        assert_eq!(
            sniff("\u{feff}\"name\",\"cpu_milli\",\"memory_mib\",\"num_gpu\",\"gpu_milli\""),
            Some(Format::Openb)
        );
        assert_eq!(
            sniff("name,cpu_milli,memory_mib,num_gpu,gpu_milli"),
            Some(Format::Openb)
        );
        assert_eq!(sniff("; Version: 2.2"), Some(Format::Swf));
        assert_eq!(
            sniff(" 1 0 -1 5 1 -1 -1 1 -1 -1 1 -1 -1 -1 -1 -1 -1 -1"),
            Some(Format::Swf)
        );
        assert_eq!(Format::sniff("log.SWF", "a,b,c"), Some(Format::Swf), "by extension");
        assert_eq!(sniff("a,b,c"), None);
        assert_eq!("philly".parse::<Format>(), Ok(Format::Philly));
        assert!(
            "swf2"
                .parse::<Format>()
                .unwrap_err()
                .to_string()
                .contains("known formats: native, philly, swf, openb, helios")
        );
    }

    #[test]
    fn options_of_another_format_are_refused_not_ignored() {
        let native = "job_id,submit_s,duration_s,tasks,gpus_per_task\na,0,10,1,1\n";
        let open = |given: GivenOptions| {
            let options = ReadOptions {
                given,
                ..ReadOptions::default()
            };
            open_reader("t.csv", native.as_bytes(), None, &options)
                .err()
                .map(|e| e.to_string())
        };
        assert_eq!(open(GivenOptions::default()), None);
        let pods = GivenOptions {
            pod_duration: true,
            ..GivenOptions::default()
        };
        assert_eq!(
            open(pods).as_deref(),
            Some("t.csv: pod_duration applies to openb traces only, and this trace is read as native")
        );
        let size = GivenOptions {
            swf_size: true,
            ..GivenOptions::default()
        };
        assert!(open(size).is_some_and(|e| e.contains("swf_size applies to swf traces only")));
    }

    #[test]
    fn undetectable_and_empty_files_are_named() {
        let err = open_reader("x.csv", "a,b\n1,2\n".as_bytes(), None, &ReadOptions::default())
            .err()
            .unwrap();
        assert!(
            err.to_string()
                .starts_with("x.csv: cannot tell the trace format from the first line `a,b`")
        );
        let err = open_reader("e.csv", "".as_bytes(), None, &ReadOptions::default())
            .err()
            .unwrap();
        assert_eq!(err.to_string(), "e.csv: empty file");
    }
}

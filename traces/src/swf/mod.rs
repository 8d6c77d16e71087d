//! The Standard Workload Format of the Parallel Workloads Archive (SWF v2.2, Feitelson et al.):
//! header comments starting with `;` (`; MaxProcs: 100`), then one job per line as 18
//! whitespace-separated numeric fields, `-1` meaning unknown.
//!
//! Mapping, field numbers 1-based as in the specification:
//!
//! | job field | from |
//! |---|---|
//! | `job_id` | 1, job number |
//! | `submit_s` | 2, submit time, as written (not shifted to start at 0) |
//! | `duration_s` | 4, run time |
//! | `tasks` | 5, allocated processors; 8, requested processors, when 5 is -1 (other rules: [`SwfSize`]) |
//! | per task | one GPU ([`SwfProcessor::Gpu`], the default) or one CPU core ([`SwfProcessor::Cpu`]) |
//! | `requested_s` | 9, requested time; the run time when 9 is -1 or 0 |
//! | `user`, `queue` | 12, user id; 15, queue number (`default` when -1) |
//!
//! Jobs that cannot run are skipped and counted by reason: run time 0 or less or unknown,
//! processors unknown (5 and 8 both -1) or 0 or less, submit time unknown. Lines of status 2,
//! 3 or 4 record partial executions of a checkpointed or swapped job beside its summary line
//! (same job number): they are skipped and counted, and the summary line is replayed. Wait time, status
//! and the other fields are checked to be numbers and otherwise unused: failed and cancelled
//! jobs (status 0, 5) held their processors for their run time, so they are replayed.
//! Lines that start with `;` anywhere are comments; blank lines are ignored.

use std::io::BufRead;
use std::str::FromStr;

use sim_core::job::JobSpec;
use sim_core::resources::{MILLI_PER_GPU, TaskRequest};
use sim_core::time::SimTime;

use crate::SkipReport;
use crate::error::{Location, TraceError, UnknownName};
use crate::fields;
use crate::ids::SeenIds;
use crate::rows::{LineRows, RowParser, RowReader, job_source};

mod header;

use header::HeaderReader;
pub use header::{SwfHeader, read_header};

/// Fields per job line.
const FIELDS: usize = 18;

/// Field names of the specification, for error messages.
const FIELD_NAMES: [&str; FIELDS] = [
    "job number (field 1)",
    "submit time (field 2)",
    "wait time (field 3)",
    "run time (field 4)",
    "allocated processors (field 5)",
    "average CPU time (field 6)",
    "used memory (field 7)",
    "requested processors (field 8)",
    "requested time (field 9)",
    "requested memory (field 10)",
    "status (field 11)",
    "user id (field 12)",
    "group id (field 13)",
    "executable number (field 14)",
    "queue number (field 15)",
    "partition number (field 16)",
    "preceding job (field 17)",
    "think time (field 18)",
];

/// Index of the status field (11).
const STATUS: usize = 10;

/// Statuses of the lines that record one partial execution of a checkpointed or swapped job
/// (2: to be continued, 3: the last, completed, 4: the last, failed), which the log gives beside
/// the job's summary line (status 0, 1 or 5) under the same job number.
const PARTIAL_STATUSES: [f64; 3] = [2.0, 3.0, 4.0];

/// The value SWF uses for "unknown".
const UNKNOWN: &str = "-1";

/// What one SWF processor becomes in the simulated cluster.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum SwfProcessor {
    /// One whole GPU per processor (the default: an SWF machine replayed as a GPU cluster).
    #[default]
    Gpu,
    /// One CPU core (1000 milli-CPU) per processor, no GPU.
    Cpu,
}

impl SwfProcessor {
    /// Every unit, with the name scenarios and `--swf-processor` use.
    pub const ALL: [(SwfProcessor, &'static str); 2] = [(SwfProcessor::Gpu, "gpu"), (SwfProcessor::Cpu, "cpu")];
}

impl FromStr for SwfProcessor {
    type Err = UnknownName;
    fn from_str(s: &str) -> Result<Self, UnknownName> {
        crate::error::by_name("SWF processor unit", s, &SwfProcessor::ALL, "units")
    }
}

impl SwfProcessor {
    /// The request of one task (one processor).
    fn task(self) -> TaskRequest {
        match self {
            SwfProcessor::Gpu => TaskRequest {
                gpus: 1,
                milli_per_gpu: MILLI_PER_GPU,
                cpu_milli: 0,
                mem_mib: 0,
                mig: sim_core::sharing::mig::MigName::NONE,
            },
            SwfProcessor::Cpu => TaskRequest {
                gpus: 0,
                milli_per_gpu: 0,
                cpu_milli: 1000,
                mem_mib: 0,
                mig: sim_core::sharing::mig::MigName::NONE,
            },
        }
    }
}

/// Which of the two processor counts of an SWF job line is the job's size. Logs differ in how
/// they fill them (allocated may be -1, or below or above the request), and studies differ in
/// which they replay.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum SwfSize {
    /// Allocated processors (field 5), requested (field 8) when 5 is -1: what the job held.
    #[default]
    Allocated,
    /// Requested processors (field 8), allocated (field 5) when 8 is -1: what the user asked for.
    Requested,
    /// The larger of the two that are known: the rule of the RLScheduler benchmarks, which
    /// treat both fields as the job's size.
    Larger,
}

impl SwfSize {
    /// Every rule, with the name scenarios and `--swf-size` use.
    pub const ALL: [(SwfSize, &'static str); 3] = [
        (SwfSize::Allocated, "allocated"),
        (SwfSize::Requested, "requested"),
        (SwfSize::Larger, "larger"),
    ];
}

impl FromStr for SwfSize {
    type Err = UnknownName;
    fn from_str(s: &str) -> Result<Self, UnknownName> {
        crate::error::by_name("SWF size rule", s, &SwfSize::ALL, "rules")
    }
}

/// Streaming reader of an SWF trace.
pub struct SwfReader<R: BufRead> {
    rows: RowReader<LineRows<R>, Swf>,
}

/// What the SWF format keeps between lines.
struct Swf {
    header: HeaderReader,
    task: TaskRequest,
    size: SwfSize,
    seen_ids: SeenIds,
    max_time: SimTime,
    last_submit: SimTime,
}

impl<R: BufRead> SwfReader<R> {
    /// Opens an SWF trace from `reader`; `file` names it in errors; each processor becomes
    /// one task of `processor`.
    pub fn new(file: &str, reader: R, processor: SwfProcessor) -> Self {
        let swf = Swf {
            header: HeaderReader::default(),
            task: processor.task(),
            size: SwfSize::default(),
            seen_ids: SeenIds::default(),
            max_time: crate::DEFAULT_MAX_TIME,
            last_submit: SimTime::ZERO,
        };
        SwfReader {
            rows: RowReader::new(LineRows::new(file, reader), swf),
        }
    }

    /// Sizes jobs by `size` instead of the default [`SwfSize::Allocated`].
    pub fn with_size(mut self, size: SwfSize) -> Self {
        self.rows.parser_mut().size = size;
        self
    }

    /// The header keys read so far (all of them once the first job has been read).
    pub fn header(&self) -> &SwfHeader {
        self.rows.parser().header.header()
    }
}

impl RowParser for Swf {
    type Row = [u8];
    type Item = JobSpec;

    /// The line's job: `Ok(None)` for a comment, a blank line or a job skipped by rule.
    fn parse(
        &mut self,
        line: &[u8],
        at: &Location<'_>,
        skipped: &mut SkipReport,
    ) -> Result<Option<JobSpec>, TraceError> {
        let text = std::str::from_utf8(line).map_err(|_| at.row("the line is not valid UTF-8"))?;
        // A byte-order mark (some editors start a file with one) is not part of the first line.
        let text = text.trim_start_matches('\u{feff}').trim_start();
        if let Some(comment) = text.strip_prefix(';') {
            self.header.read_comment(comment, at)?;
            return Ok(None);
        }
        let mut fields = [""; FIELDS];
        let mut values = [0.0; FIELDS];
        if !whole_number_fields(text, &mut fields, &mut values) {
            let count = split_fields(text, &mut fields);
            if count == 0 {
                return Ok(None);
            }
            if count != FIELDS {
                return Err(at.row(format!(
                    "expected {FIELDS} whitespace-separated fields (SWF), found {count}"
                )));
            }
            for (i, (field, value)) in fields.iter().zip(&mut values).enumerate() {
                *value = fields::number(field).map_err(|reason| at.field(FIELD_NAMES[i], reason))?;
            }
        }
        if PARTIAL_STATUSES.contains(&values[STATUS]) {
            // A partial execution of a checkpointed or swapped job: its summary line, under the
            // same job number, is the job replayed.
            skipped.count("partial execution record (status 2, 3 or 4; the job's summary line is replayed)");
            return Ok(None);
        }
        self.seen_ids.record(fields[0], FIELD_NAMES[0], at)?;
        let job = parse_job(&fields, &values, at, self.task, self.size)?;
        let (submit, job) = match job {
            Parsed::Job(spec) => {
                at.within(FIELD_NAMES[1], "submitted", spec.submit, self.max_time)?;
                at.ends_within(FIELD_NAMES[3], spec.submit, spec.duration, self.max_time)?;
                at.ends_within(FIELD_NAMES[8], spec.submit, spec.requested, self.max_time)?;
                (spec.submit, Some(spec))
            }
            Parsed::Skip { submit, reason } => {
                skipped.count(reason);
                let submit = submit.unwrap_or(self.last_submit);
                at.within(FIELD_NAMES[1], "submitted", submit, self.max_time)?;
                (submit, None)
            }
        };
        if submit < self.last_submit {
            return Err(at.field(
                FIELD_NAMES[1],
                format!(
                    "{submit} is earlier than the previous job's {}: jobs must be sorted by submit time",
                    self.last_submit
                ),
            ));
        }
        self.last_submit = submit;
        Ok(job)
    }

    fn nothing_read(&self, lines: u64, skipped: &SkipReport) -> String {
        if lines == 0 {
            "empty file".to_string()
        } else {
            format!("no jobs to run ({} job lines skipped)", skipped.total())
        }
    }
}

/// One parsed job line.
enum Parsed {
    Job(JobSpec),
    /// Skipped by rule; the submit time when known (order is still checked).
    Skip {
        submit: Option<SimTime>,
        reason: &'static str,
    },
}

/// Reads a job line of exactly [`FIELDS`] whole numbers (each one
/// [`fields::leading_small_integer`] reads, as archive logs write every field) in one pass over
/// its bytes, splitting and converting together; false, with `fields` and `values` partly
/// written, for any other line, which the general path ([`split_fields`], then
/// [`fields::number`] per field) reads again and explains. Both give the same fields and values
/// for every line this one accepts.
fn whole_number_fields<'a>(line: &'a str, fields: &mut [&'a str; FIELDS], values: &mut [f64; FIELDS]) -> bool {
    let bytes = line.as_bytes();
    let mut at = 0;
    for (field, value) in fields.iter_mut().zip(values.iter_mut()) {
        at = skip_spaces(bytes, at);
        let Some((number, end)) = fields::leading_small_integer(bytes, at) else {
            return false;
        };
        if bytes.get(end).is_some_and(|&byte| !is_space(byte)) {
            return false;
        }
        *field = &line[at..end];
        *value = number as f64;
        at = end;
    }
    bytes[at..].iter().all(|&byte| is_space(byte))
}

/// Splits a job line at runs of ASCII whitespace (what [`u8::is_ascii_whitespace`] accepts)
/// into `fields`; returns how many fields there are (those past the array are counted, not
/// kept). One pass over the bytes: this runs for every line of archive logs of millions.
fn split_fields<'a>(line: &'a str, fields: &mut [&'a str; FIELDS]) -> usize {
    let mut count = 0;
    let mut start = None;
    for (i, &byte) in line.as_bytes().iter().enumerate() {
        match (is_space(byte), start) {
            (true, Some(from)) => {
                if let Some(slot) = fields.get_mut(count) {
                    *slot = &line[from..i];
                }
                count += 1;
                start = None;
            }
            (false, None) => start = Some(i),
            _ => {}
        }
    }
    if let Some(from) = start {
        if let Some(slot) = fields.get_mut(count) {
            *slot = &line[from..];
        }
        count += 1;
    }
    count
}

/// The position of the first byte at or after `at` that is not whitespace (or the line's
/// length). Archive logs pad their columns with runs of spaces, so spaces are skipped eight at
/// a time; other whitespace, and the line's last few bytes, one at a time.
#[inline]
fn skip_spaces(bytes: &[u8], mut at: usize) -> usize {
    const SPACES: u64 = u64::from_ne_bytes([b' '; 8]);
    while let Some(chunk) = bytes.get(at..at + 8) {
        let word = u64::from_le_bytes(chunk.try_into().expect("eight bytes"));
        let other = word ^ SPACES;
        if other != 0 {
            // The lowest byte that differs from a space is the first one in the line.
            at += (other.trailing_zeros() / 8) as usize;
            break;
        }
        at += 8;
    }
    while bytes.get(at).is_some_and(|&byte| is_space(byte)) {
        at += 1;
    }
    at
}

/// [`u8::is_ascii_whitespace`] (space, tab, line feed, form feed, carriage return) as one test
/// of a bit mask.
#[inline]
fn is_space(byte: u8) -> bool {
    const SPACES: u64 = 1 << b' ' | 1 << b'\t' | 1 << b'\n' | 1 << 0x0c | 1 << b'\r';
    byte <= b' ' && SPACES >> byte & 1 == 1
}

/// The job of a line, from its fields as written and as numbers.
fn parse_job(
    fields: &[&str; FIELDS],
    values: &[f64; FIELDS],
    at: &Location<'_>,
    task: TaskRequest,
    rule: SwfSize,
) -> Result<Parsed, TraceError> {
    let value = |i: usize| values[i];
    let seconds = |i: usize| {
        SimTime::from_secs_f64(value(i))
            .ok_or_else(|| at.field(FIELD_NAMES[i], format!("too large, got `{}`", fields[i])))
    };
    if fields[1] == UNKNOWN {
        return Ok(Parsed::Skip {
            submit: None,
            reason: "submit time unknown (-1)",
        });
    }
    if value(1) < 0.0 {
        return Err(at.field(
            FIELD_NAMES[1],
            format!("must be ≥ 0 or -1 (unknown), got `{}`", fields[1]),
        ));
    }
    let submit = seconds(1)?;
    let skip = |reason: &'static str| -> Result<Parsed, TraceError> {
        Ok(Parsed::Skip {
            submit: Some(submit),
            reason,
        })
    };
    if fields[3] == UNKNOWN {
        return skip("run time unknown (-1)");
    }
    let duration = if value(3) <= 0.0 { SimTime::ZERO } else { seconds(3)? };
    if duration == SimTime::ZERO {
        return skip("run time 0 or less (cannot run)");
    }
    // A processor count and its field, or `None` when the field is -1.
    let count = |i: usize| -> Result<Option<(i64, usize)>, TraceError> {
        if fields[i] == UNKNOWN {
            return Ok(None);
        }
        let count = fields[i]
            .parse()
            .map_err(|_| at.field(FIELD_NAMES[i], format!("expected a whole number, got `{}`", fields[i])))?;
        Ok(Some((count, i)))
    };
    let (first, second) = match rule {
        SwfSize::Allocated | SwfSize::Larger => (4, 7),
        SwfSize::Requested => (7, 4),
    };
    let size = match (count(first)?, rule) {
        (Some(first), SwfSize::Larger) => Some(count(second)?.map_or(first, |second| first.max(second))),
        (Some(first), _) => Some(first),
        (None, _) => count(second)?,
    };
    let Some((size, field)) = size else {
        return skip("processors unknown (-1 in fields 5 and 8)");
    };
    if size <= 0 {
        return skip("processors 0 or less (cannot run)");
    }
    let tasks = u32::try_from(size).map_err(|_| at.field(FIELD_NAMES[field], format!("too large, got `{size}`")))?;
    let known = |i: usize| Some(fields[i]).filter(|&field| field != UNKNOWN);
    let mut spec = JobSpec::with_owner(fields[0], submit, duration, tasks, task, known(11), known(14));
    if value(8) > 0.0 {
        spec.requested = seconds(8)?;
    }
    Ok(Parsed::Job(spec))
}

job_source!(SwfReader, BufRead);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::JobSource;

    fn read(text: &str) -> (Vec<Result<JobSpec, TraceError>>, SkipReport) {
        let mut reader = SwfReader::new("t.swf", text.as_bytes(), SwfProcessor::Gpu);
        let jobs: Vec<_> = reader.by_ref().collect();
        (jobs, reader.skipped().clone())
    }

    #[test]
    fn header_keys_size_the_machine() {
        let text =
            "; Version: 2.2\n; MaxNodes: 128\n;MaxProcs:  512 \n;\n1 0 0 10 1 -1 -1 1 -1 -1 1 -1 -1 -1 -1 -1 -1 -1\n";
        assert_eq!(
            read_header("t.swf", text.as_bytes()).unwrap(),
            SwfHeader {
                max_procs: Some(512),
                max_nodes: Some(128)
            }
        );
        let mut reader = SwfReader::new("t.swf", text.as_bytes(), SwfProcessor::Gpu);
        assert!(reader.next().unwrap().is_ok());
        assert_eq!(
            reader.header().max_procs,
            Some(512),
            "the reader keeps the header it read"
        );
        let only_nodes = read_header("t.swf", "; MaxNodes: 256\n".as_bytes()).unwrap();
        assert_eq!(only_nodes.processors(), Some(256));
        let behind_a_mark = read_header("t.swf", "\u{feff}; MaxProcs: 16\n".as_bytes()).unwrap();
        assert_eq!(behind_a_mark.processors(), Some(16));
        let err = read_header("t.swf", "; MaxProcs: many\n".as_bytes()).unwrap_err();
        assert_eq!(
            err.to_string(),
            "t.swf:1: column `MaxProcs`: expected a whole number, got `many`"
        );
    }

    #[test]
    fn each_size_rule_picks_its_processor_count() {
        // Fields 5 (allocated) and 8 (requested) of each line, and the size each rule gives,
        // worked by hand: allocated takes 5 unless it is -1; requested takes 8 unless it is -1;
        // larger takes the larger of the known ones. Line 6 knows neither and is skipped.
        let text = "1 0 0 10 4 -1 -1 8 -1 -1 1 -1 -1 -1 -1 -1 -1 -1\n\
                    2 1 0 10 -1 -1 -1 3 -1 -1 1 -1 -1 -1 -1 -1 -1 -1\n\
                    3 2 0 10 6 -1 -1 -1 -1 -1 1 -1 -1 -1 -1 -1 -1 -1\n\
                    4 3 0 10 5 -1 -1 2 -1 -1 1 -1 -1 -1 -1 -1 -1 -1\n\
                    5 4 0 10 7 -1 -1 7 -1 -1 1 -1 -1 -1 -1 -1 -1 -1\n\
                    6 5 0 10 -1 -1 -1 -1 -1 -1 1 -1 -1 -1 -1 -1 -1 -1\n";
        let sizes = |rule: SwfSize| {
            let mut reader = SwfReader::new("t.swf", text.as_bytes(), SwfProcessor::Gpu).with_size(rule);
            let tasks: Vec<u32> = reader.by_ref().map(|job| job.unwrap().tasks).collect();
            (tasks, reader.skipped().total())
        };
        assert_eq!(sizes(SwfSize::Allocated), (vec![4, 3, 6, 5, 7], 1));
        assert_eq!(sizes(SwfSize::Requested), (vec![8, 3, 6, 2, 7], 1));
        assert_eq!(sizes(SwfSize::Larger), (vec![8, 3, 6, 5, 7], 1));
        assert_eq!("larger".parse::<SwfSize>(), Ok(SwfSize::Larger));
        assert!("max".parse::<SwfSize>().is_err());
    }

    #[test]
    fn a_size_rule_reads_the_second_count_only_when_it_needs_it() {
        // Field 8 is not a whole number. Allocated never reads it while field 5 is known (as
        // before the rules existed); larger must, and names it.
        let line = "1 0 0 10 4 -1 -1 2.5 -1 -1 1 -1 -1 -1 -1 -1 -1 -1\n";
        let read = |rule: SwfSize| {
            SwfReader::new("t.swf", line.as_bytes(), SwfProcessor::Gpu)
                .with_size(rule)
                .next()
                .unwrap()
                .map(|job| job.tasks)
                .map_err(|e| e.to_string())
        };
        assert_eq!(read(SwfSize::Allocated), Ok(4));
        assert_eq!(
            read(SwfSize::Larger),
            Err("t.swf:1: column `requested processors (field 8)`: expected a whole number, got `2.5`".into())
        );
        assert_eq!(read(SwfSize::Requested), read(SwfSize::Larger));
    }

    #[test]
    fn the_processor_unit_switches_gpus_for_cores() {
        let line = "7 5 -1 60 4 -1 -1 -1 -1 -1 1 -1 -1 -1 -1 -1 -1 -1\n";
        let mut reader = SwfReader::new("t.swf", line.as_bytes(), SwfProcessor::Cpu);
        let job = reader.next().unwrap().unwrap();
        assert_eq!((job.tasks, job.task.gpus, job.task.cpu_milli), (4, 0, 1000));
        assert_eq!(reader.header(), &SwfHeader::default(), "no header comments");
        assert_eq!("cpu".parse::<SwfProcessor>(), Ok(SwfProcessor::Cpu));
        assert!("tpu".parse::<SwfProcessor>().is_err());
    }

    #[test]
    fn spaces_are_skipped_to_the_first_other_byte() {
        // Against a byte-at-a-time walk: runs of 0 to 19 spaces (shorter and longer than a
        // word), with a tab, a carriage return or a digit placed at every position of them,
        // from every starting point, so that the word loop's stops and the line's tail are all
        // taken.
        let reference = |bytes: &[u8], from: usize| {
            (from..bytes.len())
                .find(|&i| !bytes[i].is_ascii_whitespace())
                .unwrap_or(bytes.len())
        };
        for run in 0..20 {
            for (place, other) in (0..=run).flat_map(|p| [(p, b'\t'), (p, b'\r'), (p, b'7')]) {
                let mut line = vec![b' '; run];
                line.insert(place, other);
                line.extend_from_slice(b"12 ");
                for from in 0..=line.len() {
                    assert_eq!(skip_spaces(&line, from), reference(&line, from), "{line:?} from {from}");
                }
            }
        }
    }

    #[test]
    fn fields_split_at_any_whitespace() {
        let mut fields = [""; FIELDS];
        assert_eq!(split_fields("  1 2\t3\r\n", &mut fields), 3);
        assert_eq!(&fields[..3], &["1", "2", "3"]);
        // The same fields as the standard library's ASCII split, for every whitespace byte, a
        // vertical tab and a no-break space (neither is ASCII whitespace), and more fields
        // than are kept.
        let lines = [
            "",
            " \t\n\x0c\r",
            "a",
            "a\x0cb\x0bc d\u{a0}e\r",
            "\t10  -1\t\t20.5 x",
            "1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20",
        ];
        for line in lines {
            let expected: Vec<&str> = line.split_ascii_whitespace().collect();
            let mut fields = [""; FIELDS];
            assert_eq!(split_fields(line, &mut fields), expected.len(), "{line:?}");
            let kept = expected.len().min(FIELDS);
            assert_eq!(&fields[..kept], &expected[..kept], "{line:?}");
        }
        assert!((0..=255u8).all(|b| is_space(b) == b.is_ascii_whitespace()));
    }

    #[test]
    fn whole_number_lines_read_in_one_pass_as_the_general_path_reads_them() {
        // The general path (split, then `fields::number` per field) is the reference: every line
        // the one-pass reader accepts must give the same field texts and the same values, bit for
        // bit. Which lines it accepts is worked out by hand: 18 fields, each an optional minus
        // sign and 1 to 15 digits.
        let kth = "   15   599850 192180   3477    4     -1    -1    4  53940    -1  1  12  12  -1 -1 -1 -1 -1";
        let seventeen = "1 0 -1 10 1 -1 -1 1 20 -1 1 1 1 -1 -1 -1 -1";
        let cases = [
            (kth.to_string(), true),
            (format!("\t{}\r\n", kth.replace("  ", "\t")), true),
            (format!("{seventeen} -0"), true),
            (format!("{seventeen} 007"), true),
            (format!("{seventeen} 999999999999999"), true),
            (format!("{seventeen} -999999999999999 "), true),
            (seventeen.to_string(), false),
            (format!("{seventeen} 1 2"), false),
            (format!("{seventeen} 1234567890123456"), false),
            // More digits than a 64-bit integer holds (found by the fuzz test).
            (format!("{seventeen} 99999999999999999999"), false),
            (format!("{seventeen} -9223372036854775808"), false),
            (format!("{seventeen} 3600.5"), false),
            (format!("{seventeen} +5"), false),
            (format!("{seventeen} 1e3"), false),
            (format!("{seventeen} -"), false),
            (format!("{seventeen} --1"), false),
            (format!("{seventeen} 1-"), false),
            (format!("{seventeen}\u{a0}1"), false),
            ("; MaxProcs: 100".to_string(), false),
            (String::new(), false),
        ];
        for (line, accepted) in &cases {
            let (mut fields, mut values) = ([""; FIELDS], [0.0; FIELDS]);
            assert_eq!(
                whole_number_fields(line, &mut fields, &mut values),
                *accepted,
                "{line:?}"
            );
            if !accepted {
                continue;
            }
            let mut expected = [""; FIELDS];
            assert_eq!(split_fields(line, &mut expected), FIELDS, "{line:?}");
            assert_eq!(fields, expected, "{line:?}");
            for (field, value) in expected.iter().zip(values) {
                assert_eq!(fields::number(field).unwrap().to_bits(), value.to_bits(), "{field:?}");
            }
        }
    }

    #[test]
    fn unrunnable_jobs_are_counted_by_reason() {
        let text = "1 0 0 0 1 -1 -1 1 -1 -1 1 -1 -1 -1 -1 -1 -1 -1\n\
                    2 1 0 -1 1 -1 -1 1 -1 -1 1 -1 -1 -1 -1 -1 -1 -1\n\
                    3 2 0 10 -1 -1 -1 -1 -1 -1 1 -1 -1 -1 -1 -1 -1 -1\n\
                    4 3 0 10 0 -1 -1 0 -1 -1 1 -1 -1 -1 -1 -1 -1 -1\n\
                    5 -1 0 10 1 -1 -1 1 -1 -1 1 -1 -1 -1 -1 -1 -1 -1\n\
                    6 4 0 10 -1 -1 -1 3 30 -1 1 7 -1 -1 2 -1 -1 -1\n";
        let (jobs, skipped) = read(text);
        assert_eq!(jobs.len(), 1);
        let job = jobs[0].as_ref().unwrap();
        assert_eq!((job.id.as_str(), job.tasks), ("6", 3), "field 8 stands in for field 5");
        assert_eq!(job.requested, SimTime::from_secs(30));
        assert_eq!((job.user.as_str(), job.queue.as_str()), ("7", "2"));
        let reasons: Vec<(&str, u64)> = skipped.reasons().collect();
        assert_eq!(
            reasons,
            vec![
                ("processors 0 or less (cannot run)", 1),
                ("processors unknown (-1 in fields 5 and 8)", 1),
                ("run time 0 or less (cannot run)", 1),
                ("run time unknown (-1)", 1),
                ("submit time unknown (-1)", 1),
            ]
        );
    }

    #[test]
    fn partial_executions_are_skipped_and_the_summary_line_replayed() {
        // Job 1 ran in two parts (checkpointed and swapped out): its summary line (status 1,
        // run time 30 in all) and a line per part (status 2, then 3), same job number. Job 2
        // is plain. Two jobs are replayed; the two part lines are counted, not a repeated id.
        let text = "1 0 0 30 4 -1 -1 4 40 -1 1 1 -1 -1 1 -1 -1 -1\n\
                    1 0 0 10 4 -1 -1 4 40 -1 2 1 -1 -1 1 -1 -1 -1\n\
                    1 0 50 20 4 -1 -1 4 40 -1 3 1 -1 -1 1 -1 -1 -1\n\
                    2 5 0 10 1 -1 -1 1 10 -1 1 1 -1 -1 1 -1 -1 -1\n";
        let (jobs, skipped) = read(text);
        let jobs: Vec<JobSpec> = jobs.into_iter().map(Result::unwrap).collect();
        assert_eq!(jobs.iter().map(|j| j.id.as_str()).collect::<Vec<_>>(), ["1", "2"]);
        assert_eq!((jobs[0].duration, jobs[0].tasks), (SimTime::from_secs(30), 4));
        let reasons: Vec<(&str, u64)> = skipped.reasons().collect();
        assert_eq!(
            reasons,
            vec![(
                "partial execution record (status 2, 3 or 4; the job's summary line is replayed)",
                2
            )]
        );
    }
}

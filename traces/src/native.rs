//! The native trace CSV (docs/traces.md): a header row, columns in any order, one job per row.
//!
//! Every problem is an error naming the file, line and column; no row is skipped. Rows must
//! be sorted by `submit_s` (the engine streams them); job ids must be unique.

use std::io::Read;

use sim_core::job::JobSpec;
use sim_core::resources::TaskRequest;
use sim_core::time::SimTime;

use crate::columns::map_header;
use crate::error::{Location, TraceError, from_csv};
use crate::fields;
use crate::ids::SeenIds;
use crate::lines::{LfReader, record_line};
use crate::{JobSource, SkipReport};

/// The columns of the contract: name and whether it is required.
const COLUMNS: [(&str, bool); 15] = [
    ("job_id", true),
    ("submit_s", true),
    ("duration_s", true),
    ("tasks", true),
    ("gpus_per_task", true),
    ("cpus_per_task", false),
    ("mem_gib_per_task", false),
    ("gpu_type", false),
    ("user", false),
    ("queue", false),
    ("priority", false),
    ("preemptible", false),
    ("checkpoint_s", false),
    ("requested_s", false),
    ("comm_fraction", false),
];

/// Column names of the native format, in the order `trace convert` writes them.
pub const NATIVE_COLUMNS: [&str; 15] = {
    let mut names = [""; 15];
    let mut i = 0;
    while i < COLUMNS.len() {
        names[i] = COLUMNS[i].0;
        i += 1;
    }
    names
};

/// Index of each contract column in the file's rows (`None`: the optional column is absent).
type ColumnMap = Vec<Option<usize>>;

/// Streaming reader of a native CSV trace.
pub struct NativeReader<R: Read> {
    file: String,
    csv: csv::Reader<LfReader<R>>,
    record: csv::StringRecord,
    columns: ColumnMap,
    width: usize,
    seen_ids: SeenIds,
    max_time: SimTime,
    last_submit: SimTime,
    jobs: u64,
    done: bool,
    skipped: SkipReport,
}

impl<R: Read> NativeReader<R> {
    /// Opens a trace from `reader`; `file` names it in errors. Reads and checks the header.
    pub fn new(file: &str, reader: R) -> Result<Self, TraceError> {
        let mut csv = csv::ReaderBuilder::new()
            .flexible(true)
            .from_reader(LfReader::new(reader));
        let header = csv.headers().map_err(|e| from_csv(file, e))?.clone();
        if header.is_empty() {
            return Err(TraceError::File {
                file: file.into(),
                reason: "empty file: expected a header row".into(),
            });
        }
        let columns = map_header(file, &header, &COLUMNS)?;
        Ok(NativeReader {
            file: file.to_string(),
            csv,
            record: csv::StringRecord::new(),
            columns,
            width: header.len(),
            seen_ids: SeenIds::default(),
            max_time: crate::DEFAULT_MAX_TIME,
            last_submit: SimTime::ZERO,
            jobs: 0,
            done: false,
            skipped: SkipReport::default(),
        })
    }

    /// Refuses times past `max_time` (default [`crate::DEFAULT_MAX_TIME`]).
    pub fn with_max_time(mut self, max_time: SimTime) -> Self {
        self.max_time = max_time;
        self
    }

    fn parse_row(&mut self) -> Result<JobSpec, TraceError> {
        let line = record_line(self.csv.position().line(), &self.record);
        let row = Row {
            record: &self.record,
            columns: &self.columns,
            at: Location { file: &self.file, line },
        };
        let at = &row.at;
        if self.record.len() != self.width {
            return Err(at.row(format!(
                "expected {} fields like the header, found {}",
                self.width,
                self.record.len()
            )));
        }

        let id = row.required(0)?.to_string();
        let submit = fields::seconds(row.required(1)?).map_err(|r| at.field("submit_s", r))?;
        let duration = fields::positive_seconds(row.required(2)?).map_err(|r| at.field("duration_s", r))?;
        let tasks = fields::integer_at_least(row.required(3)?, 1).map_err(|r| at.field("tasks", r))?;
        let tasks = u32::try_from(tasks).map_err(|_| at.field("tasks", format!("too large, got `{tasks}`")))?;
        let gpus = fields::number(row.required(4)?).map_err(|r| at.field("gpus_per_task", r))?;
        let cpu_milli = row.optional(5, |v| fields::scaled(v, 1000.0))?.unwrap_or(0);
        let mem_mib = row.optional(6, |v| fields::scaled(v, 1024.0))?.unwrap_or(0);
        let task = TaskRequest::with_gpu_amount(gpus, cpu_milli, mem_mib).map_err(|e| at.field("gpus_per_task", e))?;

        let mut spec = JobSpec::new(id, submit, duration, tasks, task);
        if let Some(types) = row.get(7) {
            spec.gpu_types = types
                .split('|')
                .map(|t| t.trim().to_string())
                .filter(|t| !t.is_empty())
                .collect();
        }
        if let Some(user) = row.get(8).filter(|u| *u != spec.user) {
            spec.user = user.to_string();
        }
        if let Some(queue) = row.get(9).filter(|q| *q != spec.queue) {
            spec.queue = queue.to_string();
        }
        spec.priority = row.optional(10, fields::signed_integer)?.unwrap_or(0);
        spec.preemptible = row.optional(11, fields::boolean)?.unwrap_or(true);
        spec.checkpoint = row.optional(12, fields::seconds)?.unwrap_or(SimTime::ZERO);
        spec.requested = row.optional(13, fields::positive_seconds)?.unwrap_or(duration);
        spec.comm_fraction = row.optional(14, fields::fraction)?.unwrap_or(0.0);

        if submit < self.last_submit {
            return Err(at.field(
                "submit_s",
                format!(
                    "{submit} is earlier than the previous row's {}: rows must be sorted by submit_s",
                    self.last_submit
                ),
            ));
        }
        at.ends_within("duration_s", submit, duration, self.max_time)?;
        at.ends_within("requested_s", submit, spec.requested, self.max_time)?;
        self.seen_ids.record(&spec.id, "job_id", at)?;
        self.last_submit = submit;
        Ok(spec)
    }
}

/// One row being parsed, with the column map and its location for errors.
struct Row<'a> {
    record: &'a csv::StringRecord,
    columns: &'a ColumnMap,
    at: Location<'a>,
}

impl Row<'_> {
    /// The value of contract column `i`, if present and not empty.
    fn get(&self, i: usize) -> Option<&str> {
        self.columns[i].map(|c| self.record[c].trim()).filter(|v| !v.is_empty())
    }

    /// The value of required column `i`.
    fn required(&self, i: usize) -> Result<&str, TraceError> {
        self.get(i)
            .ok_or_else(|| self.at.field(COLUMNS[i].0, "is empty; the column is required"))
    }

    /// Optional column `i` parsed by `parse`.
    fn optional<T>(&self, i: usize, parse: fn(&str) -> Result<T, String>) -> Result<Option<T>, TraceError> {
        self.get(i)
            .map(|v| parse(v).map_err(|reason| self.at.field(COLUMNS[i].0, reason)))
            .transpose()
    }
}

impl<R: Read> Iterator for NativeReader<R> {
    type Item = Result<JobSpec, TraceError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let result = match self.csv.read_record(&mut self.record) {
            Err(e) => Err(from_csv(&self.file, e)),
            Ok(false) if self.jobs == 0 => Err(TraceError::File {
                file: self.file.clone(),
                reason: "no jobs: the file has a header but no rows".into(),
            }),
            Ok(false) => {
                self.done = true;
                return None;
            }
            Ok(true) => self.parse_row(),
        };
        self.jobs += 1;
        self.done = result.is_err();
        Some(result)
    }
}

impl<R: Read + Send> JobSource for NativeReader<R> {
    fn skipped(&self) -> &SkipReport {
        &self.skipped
    }
}

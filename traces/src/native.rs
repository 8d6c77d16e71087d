//! The native trace CSV (docs/traces.md): a header row, columns in any order, one job per row.
//!
//! Every problem is an error naming the file, line and column; no row is skipped. Rows must
//! be sorted by `submit_s` (the engine streams them); job ids must be unique.

use std::io::Read;

use sim_core::job::JobSpec;
use sim_core::resources::TaskRequest;
use sim_core::time::SimTime;

use crate::SkipReport;
use crate::error::{Location, TraceError};
use crate::fields::{self, FieldError};
use crate::ids::SeenIds;
use crate::rows::{CsvRows, RowParser, RowReader, job_source};

/// The columns of the contract, in the order of [`COLUMNS`] (and of `trace convert`'s output):
/// a column's place in the file is `columns[Column as usize]`, found from the header.
#[derive(Clone, Copy, Debug)]
enum Column {
    JobId,
    SubmitS,
    DurationS,
    Tasks,
    GpusPerTask,
    CpusPerTask,
    MemGibPerTask,
    GpuType,
    User,
    Queue,
    Priority,
    Preemptible,
    CheckpointS,
    RequestedS,
    CommFraction,
    Mig,
}

/// The columns of the contract: name and whether it is required, in [`Column`] order.
const COLUMNS: [(&str, bool); 16] = [
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
    ("mig", false),
];

impl Column {
    /// The column's name in the header.
    fn name(self) -> &'static str {
        COLUMNS[self as usize].0
    }
}

/// Column names of the native format, in the order `trace convert` writes them.
pub const NATIVE_COLUMNS: [&str; 16] = {
    let mut names = [""; 16];
    let mut i = 0;
    while i < COLUMNS.len() {
        names[i] = COLUMNS[i].0;
        i += 1;
    }
    names
};

/// Streaming reader of a native CSV trace.
pub struct NativeReader<R: Read> {
    rows: RowReader<CsvRows<R>, Native>,
}

/// What the native format keeps between rows: where each column is, and what the rows said.
struct Native {
    /// Place of each contract column in the file's rows (`None`: an optional column absent).
    columns: Vec<Option<usize>>,
    seen_ids: SeenIds,
    max_time: SimTime,
    last_submit: SimTime,
    /// The communication share of multi-task jobs whose row gives none.
    default_comm_fraction: f64,
}

impl<R: Read> NativeReader<R> {
    /// Opens a trace from `reader`; `file` names it in errors. Reads and checks the header.
    pub fn new(file: &str, reader: R) -> Result<Self, TraceError> {
        let (source, columns) = CsvRows::with_header(file, reader, &COLUMNS)?;
        let native = Native {
            columns,
            seen_ids: SeenIds::default(),
            max_time: crate::DEFAULT_MAX_TIME,
            last_submit: SimTime::ZERO,
            default_comm_fraction: 0.0,
        };
        Ok(NativeReader {
            rows: RowReader::new(source, native),
        })
    }

    /// Gives multi-task jobs whose row has no `comm_fraction` (an empty cell, or no column)
    /// `share` instead of 0 (`workload.comm_fraction`); a share the row gives, 0 included, stays.
    pub fn with_default_comm_fraction(mut self, share: f64) -> Self {
        self.rows.parser_mut().default_comm_fraction = share;
        self
    }
}

impl RowParser for Native {
    type Row = csv::StringRecord;
    type Item = JobSpec;

    fn gives_comm_fraction(&self) -> bool {
        self.columns[Column::CommFraction as usize].is_some()
    }

    fn parse(
        &mut self,
        record: &csv::StringRecord,
        at: &Location<'_>,
        _: &mut SkipReport,
    ) -> Result<Option<JobSpec>, TraceError> {
        let row = Row {
            record,
            columns: &self.columns,
            at,
        };
        let id = row.required(Column::JobId)?.to_string();
        let submit = row.parse(Column::SubmitS, fields::seconds)?;
        let duration = row.parse(Column::DurationS, fields::positive_seconds)?;
        let tasks = row.parse(Column::Tasks, |v| fields::integer_at_least(v, 1))?;
        let tasks =
            u32::try_from(tasks).map_err(|_| at.field(Column::Tasks.name(), format!("too large, got `{tasks}`")))?;
        let gpus = row.parse(Column::GpusPerTask, fields::number)?;
        let cpu_milli = row
            .optional(Column::CpusPerTask, |v| fields::scaled(v, 1000.0))?
            .unwrap_or(0);
        let mem_mib = row
            .optional(Column::MemGibPerTask, |v| fields::scaled(v, 1024.0))?
            .unwrap_or(0);
        let task = TaskRequest::with_gpu_amount(gpus, cpu_milli, mem_mib)
            .map_err(|e| at.field(Column::GpusPerTask.name(), e))?;
        let gpu_types: Vec<String> = row.get(Column::GpuType).map_or_else(Vec::new, |types| {
            types
                .split('|')
                .map(|t| t.trim().to_string())
                .filter(|t| !t.is_empty())
                .collect()
        });
        let task = match row.optional(Column::Mig, fields::mig_profile)? {
            Some(_) if task.gpus != 1 || task.is_shared_gpu() => {
                let reason = format!("a task in a MIG instance takes one GPU: gpus_per_task must be 1, got `{gpus}`");
                return Err(at.field(Column::GpusPerTask.name(), reason));
            }
            Some(mig) => {
                fields::mig_on_models(mig, &gpu_types).map_err(|e| at.field(Column::Mig.name(), e))?;
                TaskRequest::with_mig(mig, cpu_milli, mem_mib)
            }
            None => task,
        };

        let (user, queue) = (row.get(Column::User), row.get(Column::Queue));
        let mut spec = JobSpec::with_owner(id, submit, duration, tasks, task, user, queue);
        spec.gpu_types = gpu_types;
        spec.priority = row.optional(Column::Priority, fields::signed_integer)?.unwrap_or(0);
        spec.preemptible = row.optional(Column::Preemptible, fields::boolean)?.unwrap_or(true);
        spec.checkpoint = row
            .optional(Column::CheckpointS, fields::seconds)?
            .unwrap_or(SimTime::ZERO);
        spec.requested = row
            .optional(Column::RequestedS, fields::positive_seconds)?
            .unwrap_or(duration);
        let default_comm = if tasks > 1 { self.default_comm_fraction } else { 0.0 };
        spec.comm_fraction = row
            .optional(Column::CommFraction, fields::fraction)?
            .unwrap_or(default_comm);

        at.sorted_after(Column::SubmitS.name(), submit, self.last_submit, " by submit_s")?;
        at.ends_within(Column::DurationS.name(), submit, duration, self.max_time)?;
        at.ends_within(Column::RequestedS.name(), submit, spec.requested, self.max_time)?;
        self.seen_ids.record(&spec.id, Column::JobId.name(), at)?;
        self.last_submit = submit;
        Ok(Some(spec))
    }

    fn nothing_read(&self, _: u64, _: &SkipReport) -> String {
        "no jobs: the file has a header but no rows".into()
    }
}

/// One row being parsed, with the column map and its location for errors.
struct Row<'a> {
    record: &'a csv::StringRecord,
    columns: &'a [Option<usize>],
    at: &'a Location<'a>,
}

impl Row<'_> {
    /// The value of `column`, if present and not empty.
    fn get(&self, column: Column) -> Option<&str> {
        self.columns[column as usize]
            .map(|c| self.record[c].trim())
            .filter(|v| !v.is_empty())
    }

    /// The value of required `column`.
    fn required(&self, column: Column) -> Result<&str, TraceError> {
        self.get(column)
            .ok_or_else(|| self.at.field(column.name(), "is empty; the column is required"))
    }

    /// Required `column` parsed by `parse`.
    fn parse<T>(&self, column: Column, parse: impl Fn(&str) -> Result<T, FieldError>) -> Result<T, TraceError> {
        parse(self.required(column)?).map_err(|reason| self.at.field(column.name(), reason))
    }

    /// Optional `column` parsed by `parse`.
    fn optional<T>(
        &self,
        column: Column,
        parse: impl Fn(&str) -> Result<T, FieldError>,
    ) -> Result<Option<T>, TraceError> {
        self.get(column)
            .map(|v| parse(v).map_err(|reason| self.at.field(column.name(), reason)))
            .transpose()
    }
}

job_source!(NativeReader, Read);

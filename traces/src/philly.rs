//! The Microsoft Philly per-job CSV as prepared by the RFold project (see
//! `traces/data/philly-rfold/SOURCE.md`): a `#` header line, CRLF line endings, columns
//! `job id, arrival time (sec), topology, shape, size, duration (sec)`.
//!
//! Mapping: `shape` lists the GPUs per server (`8+8`): the job becomes `tasks` tasks of
//! `gpus_per_task` GPUs each, where `gpus_per_task` is the greatest common divisor of the parts
//! (so `8+8` is 2 × 8, `4+2` would be 3 × 2): the GPU total is kept and no task is larger than
//! the smallest server share of the original placement. Jobs with duration 0 cannot run and
//! are skipped and counted (the file has ten). The file has no user or queue columns.

use std::io::Read;

use sim_core::job::JobSpec;
use sim_core::resources::TaskRequest;
use sim_core::time::SimTime;

use crate::SkipReport;
use crate::error::{Location, TraceError};
use crate::fields;
use crate::ids::SeenIds;
use crate::rows::{CsvRows, RowParser, RowReader, job_source};

/// The header line of the format, without its leading `#`.
pub const PHILLY_HEADER: &str = "job id,arrival time (sec),topology,shape,size,duration (sec)";

/// Streaming reader of a Philly CSV.
pub struct PhillyReader<R: Read> {
    rows: RowReader<CsvRows<R>, Philly>,
}

/// What the Philly format keeps between rows.
struct Philly {
    seen_ids: SeenIds,
    max_time: SimTime,
    last_submit: SimTime,
}

impl<R: Read> PhillyReader<R> {
    /// Opens a Philly trace from `reader`; `file` names it in errors.
    pub fn new(file: &str, reader: R) -> Self {
        let philly = Philly {
            seen_ids: SeenIds::default(),
            max_time: crate::DEFAULT_MAX_TIME,
            last_submit: SimTime::ZERO,
        };
        PhillyReader {
            rows: RowReader::new(CsvRows::headerless(file, reader), philly),
        }
    }
}

impl RowParser for Philly {
    type Row = csv::StringRecord;
    type Item = JobSpec;

    /// The row's job; `Ok(None)` for a comment (the `#` header) or a row skipped by rule.
    fn parse(
        &mut self,
        record: &csv::StringRecord,
        at: &Location<'_>,
        skipped: &mut SkipReport,
    ) -> Result<Option<JobSpec>, TraceError> {
        if record.get(0).is_some_and(|f| f.trim_start().starts_with('#')) {
            return Ok(None);
        }
        if record.len() != 6 {
            return Err(at.row(format!("expected 6 fields ({PHILLY_HEADER}), found {}", record.len())));
        }
        let field = |i: usize| record[i].trim();
        let id = field(0).to_string();
        if id.is_empty() {
            return Err(at.field("job id", "is empty"));
        }
        let submit = fields::seconds(field(1)).map_err(|e| at.field("arrival time (sec)", e))?;
        let size = fields::integer_at_least(field(4), 1).map_err(|e| at.field("size", e))?;
        let duration = fields::seconds(field(5)).map_err(|e| at.field("duration (sec)", e))?;
        let parts: Vec<u64> = field(3)
            .split('+')
            .map(|p| fields::integer_at_least(p.trim(), 1))
            .collect::<Result<_, _>>()
            .map_err(|e| at.field("shape", e))?;
        if parts.iter().sum::<u64>() != size {
            return Err(at.field(
                "shape",
                format!(
                    "parts of `{}` add up to {}, not size {size}",
                    field(3),
                    parts.iter().sum::<u64>()
                ),
            ));
        }
        at.sorted_after("arrival time (sec)", submit, self.last_submit, "")?;
        at.ends_within("duration (sec)", submit, duration, self.max_time)?;
        self.seen_ids.record(&id, "job id", at)?;
        self.last_submit = submit;
        if duration == SimTime::ZERO {
            skipped.count("duration 0 (cannot run)");
            return Ok(None);
        }
        let per_task = parts.iter().copied().fold(0, gcd);
        let tasks = u32::try_from(size / per_task).map_err(|_| at.field("size", "too large"))?;
        let task = TaskRequest::with_gpu_amount(per_task as f64, 0, 0).map_err(|e| at.field("shape", e))?;
        Ok(Some(JobSpec::new(id, submit, duration, tasks, task)))
    }

    fn nothing_read(&self, _: u64, skipped: &SkipReport) -> String {
        format!("no jobs to run ({} rows skipped)", skipped.total())
    }
}

fn gcd(a: u64, b: u64) -> u64 {
    if b == 0 { a } else { gcd(b, a % b) }
}

job_source!(PhillyReader, Read);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::JobSource;

    fn read(text: &str) -> (Vec<Result<JobSpec, TraceError>>, u64) {
        let mut reader = PhillyReader::new("t.csv", text.as_bytes());
        let jobs: Vec<_> = reader.by_ref().collect();
        (jobs, reader.skipped().total())
    }

    #[test]
    fn shapes_become_gangs() {
        let text = "#job id,arrival time (sec),topology,shape,size,duration (sec)\r\n\
                    0,0.0,CLOS,8+8,16,100.0\r\n1,5.0,CLOS,4+2,6,50.0\r\n2,6.0,CLOS,1,1,0.0\r\n3,7.0,CLOS,2,2,9.5";
        let (jobs, skipped) = read(text);
        let jobs: Vec<JobSpec> = jobs.into_iter().map(Result::unwrap).collect();
        assert_eq!(skipped, 1, "the duration-0 job is skipped and counted");
        assert_eq!((jobs[0].tasks, jobs[0].task.gpus), (2, 8));
        assert_eq!(
            (jobs[1].tasks, jobs[1].task.gpus),
            (3, 2),
            "gcd(4, 2) = 2, 6 / 2 = 3 tasks"
        );
        assert_eq!(jobs[2].id, "3");
        assert_eq!(jobs[2].duration, SimTime::from_micros(9_500_000));
    }

    #[test]
    fn errors_name_line_and_field() {
        let (jobs, _) = read("#h\r\n0,0,CLOS,8+8,12,10\r\n");
        assert_eq!(
            jobs[0].as_ref().unwrap_err().to_string(),
            "t.csv:2: column `shape`: parts of `8+8` add up to 16, not size 12"
        );
        let (jobs, _) = read("#h\n0,0,CLOS,1,1\n");
        assert_eq!(
            jobs[0].as_ref().unwrap_err().to_string(),
            format!("t.csv:2: expected 6 fields ({PHILLY_HEADER}), found 5")
        );
        let (jobs, _) = read("#h\n0,x,CLOS,1,1,5\n");
        assert_eq!(
            jobs[0].as_ref().unwrap_err().to_string(),
            "t.csv:2: column `arrival time (sec)`: expected a number, got `x`"
        );
        let (jobs, _) = read("#h\n");
        assert!(jobs[0].as_ref().unwrap_err().to_string().contains("no jobs"));
    }
}

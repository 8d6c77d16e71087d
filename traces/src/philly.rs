//! The Microsoft Philly per-job CSV as prepared by the RFold project (see
//! `traces/data/philly-rfold/SOURCE.md`): a `#` header line, CRLF line endings, columns
//! `job id, arrival time (sec), topology, shape, size, duration (sec)`.
//!
//! Mapping: `shape` lists the GPUs per server (`8+8`): the job becomes `tasks` tasks of
//! `gpus_per_task` GPUs each, where `gpus_per_task` is the greatest common divisor of the parts
//! (so `8+8` is 2 × 8, `4+2` would be 3 × 2): the GPU total is kept and no task is larger than
//! the smallest server share of the original placement. The other traces RFold writes in this
//! format are read too: a share of one GPU below 1 (`0.46`, its conversion of Alibaba's openb
//! pods, which also writes whole numbers as `1.0`) is one task of that share, and a torus
//! slice (`T2D` `2x4`) one part of its GPU count. Jobs with duration 0 cannot run and are
//! skipped and counted (the file has ten). The file has no user or queue columns.

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
        let size = fields::number(field(4))
            .ok()
            .filter(|&size| size > 0.0)
            .ok_or_else(|| at.field("size", format!("expected a number of GPUs > 0, got `{}`", field(4))))?;
        let duration = fields::seconds(field(5)).map_err(|e| at.field("duration (sec)", e))?;
        let shape = Shape::read(field(3)).map_err(|reason| at.field("shape", reason))?;
        if shape.gpus() != size {
            return Err(at.field(
                "shape",
                format!("`{}` makes {} GPUs, not size {}", field(3), shape.gpus(), field(4)),
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
        let (tasks, per_task) = shape.tasks();
        let tasks = u32::try_from(tasks).map_err(|_| at.field("size", "too large"))?;
        let task = TaskRequest::with_gpu_amount(per_task, 0, 0).map_err(|e| at.field("shape", e))?;
        Ok(Some(JobSpec::new(id, submit, duration, tasks, task)))
    }

    fn nothing_read(&self, _: u64, skipped: &SkipReport) -> String {
        format!("no jobs to run ({} rows skipped)", skipped.total())
    }
}

/// 2⁵³: below it every whole number an `f64` holds is exact, so a part converts to `u64` as
/// written.
const EXACT_BELOW: f64 = 9_007_199_254_740_992.0;

/// A job's `shape`: how its GPUs were laid out.
enum Shape {
    /// GPUs per server on a leaf-spine (`CLOS`) cluster, `8+8`, each part a whole number
    /// (written `8` or `8.0`).
    Servers(Vec<u64>),
    /// A share of one GPU below 1 (`0.46`), as RFold's conversion of Alibaba's openb pods
    /// writes one.
    Share(f64),
    /// A slice of a torus (`T2D`, `T3D`), its sides `2x4` or `2x2x2`: read as its GPU count,
    /// the torus not being modelled.
    Torus(u64),
}

impl Shape {
    /// Reads a shape; the reason it is refused otherwise.
    fn read(text: &str) -> Result<Shape, String> {
        let whole = |part: &str| -> Result<u64, String> {
            fields::number(part.trim())
                .ok()
                .filter(|&n| n >= 1.0 && n.fract() == 0.0 && n < EXACT_BELOW)
                .map(|n| n as u64)
                .ok_or_else(|| format!("expected whole numbers of GPUs ≥ 1 in `{text}`, got `{}`", part.trim()))
        };
        if text.contains(['x', 'X']) {
            let sides = text.split(['x', 'X']).map(whole).collect::<Result<Vec<_>, _>>()?;
            return sides
                .iter()
                .try_fold(1u64, |n, &side| n.checked_mul(side))
                .map(Shape::Torus)
                .ok_or_else(|| format!("`{text}` is too large"));
        }
        if let Ok(share) = fields::number(text.trim())
            && share > 0.0
            && share < 1.0
        {
            return Ok(Shape::Share(share));
        }
        text.split('+').map(whole).collect::<Result<_, _>>().map(Shape::Servers)
    }

    /// The GPUs the shape holds.
    fn gpus(&self) -> f64 {
        match self {
            Shape::Servers(parts) => parts.iter().sum::<u64>() as f64,
            Shape::Share(share) => *share,
            Shape::Torus(gpus) => *gpus as f64,
        }
    }

    /// Tasks and GPUs per task: the greatest common divisor of the server parts (the GPU total
    /// kept, no task larger than the smallest server share), one task of a share, or one part
    /// of a torus slice's GPUs (split at arrival to fit the nodes).
    fn tasks(&self) -> (u64, f64) {
        match self {
            Shape::Servers(parts) => {
                let per_task = parts.iter().copied().fold(0, gcd);
                (parts.iter().sum::<u64>() / per_task, per_task as f64)
            }
            Shape::Share(share) => (1, *share),
            Shape::Torus(gpus) => (1, *gpus as f64),
        }
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

    /// RFold writes other traces in this format too: its conversion of Alibaba's openb pods
    /// (sizes and shapes as decimals, a pod's share of one GPU below 1) and torus slices
    /// (`T2D`, sides `2x4`), read as their GPU count.
    #[test]
    fn decimal_sizes_shares_and_torus_slices_are_read() {
        let text = "#job id,arrival time (sec),topology,shape,size,duration (sec)\n\
                    0,0,CLOS,1.0,1.0,100.0\n1,5,CLOS,0.46,0.46,50.0\n2,6,T2D,2x4,8,3.0\n3,7,T3D,2x2x2,8,1.0\n";
        let (jobs, skipped) = read(text);
        let jobs: Vec<JobSpec> = jobs.into_iter().map(Result::unwrap).collect();
        assert_eq!(skipped, 0);
        let shapes: Vec<(u32, u32, u32)> = jobs
            .iter()
            .map(|j| (j.tasks, j.task.gpus, j.task.milli_per_gpu))
            .collect();
        // 1 whole GPU; 460 milli of one; 8 GPUs in one part (split at arrival), twice.
        assert_eq!(shapes, [(1, 1, 1000), (1, 1, 460), (1, 8, 1000), (1, 8, 1000)]);
        let (jobs, _) = read("#h\n0,0,T2D,2x4,6,10\n");
        assert_eq!(
            jobs[0].as_ref().unwrap_err().to_string(),
            "t.csv:2: column `shape`: `2x4` makes 8 GPUs, not size 6"
        );
    }

    #[test]
    fn errors_name_line_and_field() {
        let (jobs, _) = read("#h\r\n0,0,CLOS,8+8,12,10\r\n");
        assert_eq!(
            jobs[0].as_ref().unwrap_err().to_string(),
            "t.csv:2: column `shape`: `8+8` makes 16 GPUs, not size 12"
        );
        let (jobs, _) = read("#h\n0,0,CLOS,4+0.5,4.5,10\n");
        assert_eq!(
            jobs[0].as_ref().unwrap_err().to_string(),
            "t.csv:2: column `shape`: expected whole numbers of GPUs ≥ 1 in `4+0.5`, got `0.5`"
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

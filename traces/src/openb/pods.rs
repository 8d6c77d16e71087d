//! The openb pod lists (`openb_pod_list_*.csv`): one pod is one job of one task.
//!
//! | job field | from |
//! |---|---|
//! | `job_id` | `name` |
//! | per task | `num_gpu` devices of `gpu_milli` milli-GPU each (`gpu_milli` < 1000 only with `num_gpu` = 1: a shared GPU), `cpu_milli`, `memory_mib` (0 when the column is absent, as in the artifact's `nomem` lists) |
//! | `gpu_type` | `gpu_spec`, a `|`-joined set of models (repeats dropped); empty: any model |
//! | `queue` | `qos` (`LS`, `BE`, `Burstable`, `Guaranteed`), so results can be split by class |
//! | `submit_s` | `creation_time` |
//! | `duration_s` | `deletion_time − scheduled_time`: the pod's lifetime on its node; `deletion_time − creation_time` for pods never scheduled (`Pending`, empty `scheduled_time`) |
//!
//! Pods whose lifetime is 0 or less cannot run: they are skipped and counted (or kept, for
//! fill runs that ignore times: [`OpenbPodReader::keeping_zero_lifetimes`]). Lists without
//! time columns (`multigpu50`) are replayed with every pod arriving at 0 in file order and
//! living for a fixed duration ([`DEFAULT_UNTIMED_POD_DURATION`] unless told otherwise); fill
//! experiments ignore times altogether. `pod_phase` is not used.

use std::io::Read;

use sim_core::job::JobSpec;
use sim_core::resources::{MAX_GPUS_PER_NODE, MILLI_PER_GPU, TaskRequest};
use sim_core::time::SimTime;

use crate::SkipReport;
use crate::columns::ColumnSpec;
use crate::error::{Location, TraceError};
use crate::fields;
use crate::ids::SeenIds;
use crate::rows::{CsvRows, RowParser, RowReader, job_source};

/// Lifetime given to pods of lists without times: 616 s, the median lifetime
/// (`deletion_time − scheduled_time`) of `openb_pod_list_default.csv` (its SOURCE.md).
pub const DEFAULT_UNTIMED_POD_DURATION: SimTime = SimTime::from_secs(616);

const NAME: usize = 0;
const CPU_MILLI: usize = 1;
const MEMORY_MIB: usize = 2;
const NUM_GPU: usize = 3;
const GPU_MILLI: usize = 4;
const GPU_SPEC: usize = 5;
const QOS: usize = 6;
const CREATION: usize = 8;
const DELETION: usize = 9;
const SCHEDULED: usize = 10;

/// The columns of a pod list.
const POD_COLUMNS: &ColumnSpec = &[
    ("name", true),
    ("cpu_milli", false),
    ("memory_mib", false),
    ("num_gpu", true),
    ("gpu_milli", true),
    ("gpu_spec", false),
    ("qos", false),
    ("pod_phase", false),
    ("creation_time", false),
    ("deletion_time", false),
    ("scheduled_time", false),
];

/// Streaming reader of an openb pod list, in file order.
pub struct OpenbPodReader<R: Read> {
    rows: RowReader<CsvRows<R>, Pods>,
}

/// What the pod list format keeps between rows.
struct Pods {
    /// Place of each column of [`POD_COLUMNS`] in the file's rows.
    columns: Vec<Option<usize>>,
    untimed_duration: SimTime,
    keep_zero_lifetimes: bool,
    seen_ids: SeenIds,
    max_time: SimTime,
}

impl<R: Read> OpenbPodReader<R> {
    /// Opens a pod list; `file` names it in errors; pods of lists without times live for
    /// `untimed_duration`. Reads and checks the header.
    pub fn new(file: &str, reader: R, untimed_duration: SimTime) -> Result<Self, TraceError> {
        let (source, columns) = CsvRows::with_header(file, reader, POD_COLUMNS)?;
        if columns[CREATION].is_some() != columns[DELETION].is_some() {
            return Err(Location { file, line: 1 }.row(
                "give both creation_time and deletion_time, or neither (pods then arrive at 0 and live a fixed time)",
            ));
        }
        let pods = Pods {
            columns,
            untimed_duration,
            keep_zero_lifetimes: false,
            seen_ids: SeenIds::default(),
            max_time: crate::DEFAULT_MAX_TIME,
        };
        Ok(OpenbPodReader {
            rows: RowReader::new(source, pods),
        })
    }

    /// Keeps pods whose lifetime is 0, giving them the untimed duration, instead of skipping
    /// them (fill runs, which ignore times).
    pub fn keeping_zero_lifetimes(mut self) -> Self {
        self.rows.parser_mut().keep_zero_lifetimes = true;
        self
    }
}

impl RowParser for Pods {
    type Row = csv::StringRecord;
    type Item = JobSpec;

    /// The row's pod as a job; `Ok(None)` for a pod skipped by rule.
    fn parse(
        &mut self,
        record: &csv::StringRecord,
        at: &Location<'_>,
        skipped: &mut SkipReport,
    ) -> Result<Option<JobSpec>, TraceError> {
        let get = |i: usize| self.columns[i].map_or("", |c| record[c].trim());
        let name = POD_COLUMNS[NAME].0;
        let id = get(NAME);
        if id.is_empty() {
            return Err(at.field(name, "is empty"));
        }
        self.seen_ids.record(id, name, at)?;
        let whole = |i: usize| fields::integer_at_least(get(i), 0).map_err(|e| at.field(POD_COLUMNS[i].0, e));
        let optional = |i: usize| if self.columns[i].is_some() { whole(i) } else { Ok(0) };
        let task = pod_task(
            whole(NUM_GPU)?,
            whole(GPU_MILLI)?,
            optional(CPU_MILLI)?,
            optional(MEMORY_MIB)?,
        )
        .map_err(|(column, reason)| at.field(column, reason))?;
        let (submit, duration) = if self.columns[CREATION].is_some() {
            let time = |i: usize, what: &'static str| {
                let column = POD_COLUMNS[i].0;
                let t = fields::seconds(get(i)).map_err(|e| at.field(column, e))?;
                at.within(column, what, t, self.max_time).map(|()| t)
            };
            let created = time(CREATION, "created")?;
            let deleted = time(DELETION, "deleted")?;
            let started = if get(SCHEDULED).is_empty() {
                created
            } else {
                time(SCHEDULED, "scheduled")?
            };
            pod_times_in_order(created, deleted, started).map_err(|(column, reason)| at.field(column, reason))?;
            (created, deleted - started)
        } else {
            (SimTime::ZERO, self.untimed_duration)
        };
        let duration = if duration == SimTime::ZERO && self.keep_zero_lifetimes {
            self.untimed_duration
        } else {
            duration
        };
        if duration == SimTime::ZERO {
            skipped.count("lifetime 0 or less (deletion_time ≤ scheduled_time)");
            return Ok(None);
        }
        let queue = Some(get(QOS)).filter(|qos| !qos.is_empty());
        let mut spec = JobSpec::with_owner(id, submit, duration, 1, task, None, queue);
        for model in get(GPU_SPEC).split('|').map(str::trim).filter(|m| !m.is_empty()) {
            if !spec.gpu_types.iter().any(|known| known == model) {
                spec.gpu_types.push(model.to_string());
            }
        }
        Ok(Some(spec))
    }

    fn nothing_read(&self, _: u64, skipped: &SkipReport) -> String {
        format!(
            "no pods to run: the file has a header but no runnable rows ({} skipped)",
            skipped.total()
        )
    }
}

/// Checks that a pod was created before it was deleted and before it was scheduled, or names
/// the column at fault and why. (A pod deleted before it was scheduled is not an error: its
/// lifetime is 0 or less and it is skipped by rule.)
fn pod_times_in_order(created: SimTime, deleted: SimTime, scheduled: SimTime) -> Result<(), (&'static str, String)> {
    if deleted < created {
        return Err((
            "deletion_time",
            format!("{deleted} is before creation_time {created}: a pod is deleted after it is created"),
        ));
    }
    if scheduled < created {
        return Err((
            "scheduled_time",
            format!("{scheduled} is before creation_time {created}: a pod is scheduled after it is created"),
        ));
    }
    Ok(())
}

/// The task of a pod, or the column at fault and why.
fn pod_task(num_gpu: u64, gpu_milli: u64, cpu_milli: u64, mem_mib: u64) -> Result<TaskRequest, (&'static str, String)> {
    let milli = u64::from(MILLI_PER_GPU);
    let gpus = u32::try_from(num_gpu)
        .ok()
        .filter(|&g| g <= MAX_GPUS_PER_NODE)
        .ok_or_else(|| {
            (
                "num_gpu",
                format!("at most {MAX_GPUS_PER_NODE} GPUs on one node, got `{num_gpu}`"),
            )
        })?;
    let per_gpu = match (num_gpu, gpu_milli) {
        (0, 0) => 0,
        (0, _) => return Err(("gpu_milli", format!("must be 0 when num_gpu is 0, got `{gpu_milli}`"))),
        (_, 0) => {
            return Err((
                "gpu_milli",
                "must be at least 1 when num_gpu is above 0, got `0`".to_string(),
            ));
        }
        (_, m) if m > milli => return Err(("gpu_milli", format!("a GPU has {milli} milli, got `{m}`"))),
        (n, m) if n > 1 && m < milli => {
            return Err((
                "gpu_milli",
                format!("a pod sharing a GPU (gpu_milli < {milli}) asks for one GPU, not {n}; got `{m}`"),
            ));
        }
        (_, m) => m as u32,
    };
    Ok(TaskRequest {
        gpus,
        milli_per_gpu: per_gpu,
        cpu_milli,
        mem_mib,
        mig: sim_core::sharing::mig::MigName::NONE,
    })
}

job_source!(OpenbPodReader, Read);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::JobSource;

    const HEADER: &str = "name,cpu_milli,memory_mib,num_gpu,gpu_milli,gpu_spec,qos,pod_phase,creation_time,deletion_time,scheduled_time\n";

    fn read(text: &str) -> Result<Vec<JobSpec>, TraceError> {
        OpenbPodReader::new("p.csv", text.as_bytes(), DEFAULT_UNTIMED_POD_DURATION)?.collect()
    }

    #[test]
    fn pods_become_single_task_jobs() {
        let text = format!(
            "{HEADER}a,6000,12288,1,460,,LS,Running,10,110,12\n\
             b,8000,0,2,1000,V100M16|V100M32|V100M32,BE,Pending,20,50,\n"
        );
        let jobs = read(&text).unwrap();
        let a = &jobs[0];
        assert_eq!((a.tasks, a.task.gpus, a.task.milli_per_gpu), (1, 1, 460));
        assert_eq!((a.task.cpu_milli, a.task.mem_mib), (6000, 12288));
        assert_eq!((a.submit, a.duration), (SimTime::from_secs(10), SimTime::from_secs(98)));
        assert_eq!(a.queue, "LS");
        let b = &jobs[1];
        assert_eq!((b.task.gpus, b.task.milli_per_gpu), (2, 1000));
        assert_eq!(b.gpu_types, vec!["V100M16", "V100M32"], "a spec is a set");
        assert_eq!(
            b.duration,
            SimTime::from_secs(30),
            "never scheduled: deletion − creation"
        );
    }

    #[test]
    fn lists_without_memory_ask_for_none() {
        let jobs = read(
            "name,cpu_milli,num_gpu,gpu_milli,gpu_spec,qos,pod_phase,creation_time,deletion_time,scheduled_time\n\
             a,6000,1,460,,LS,Running,10,110,12\n",
        )
        .unwrap();
        assert_eq!(
            (jobs[0].task.cpu_milli, jobs[0].task.mem_mib, jobs[0].task.milli_per_gpu),
            (6000, 0, 460)
        );
    }

    #[test]
    fn lists_without_times_arrive_at_zero() {
        let jobs = read("name,cpu_milli,memory_mib,num_gpu,gpu_milli\nx,1000,10,0,0\n").unwrap();
        assert_eq!(
            (jobs[0].submit, jobs[0].duration),
            (SimTime::ZERO, SimTime::from_secs(616))
        );
        assert_eq!(jobs[0].task.gpus, 0);
    }

    #[test]
    fn bad_requests_name_the_column() {
        let cases = [
            (
                "a,1,1,2,500,,LS,Running,0,5,0\n",
                "p.csv:2: column `gpu_milli`: a pod sharing a GPU (gpu_milli < 1000) asks for one GPU, not 2; got `500`",
            ),
            (
                "a,1,1,0,5,,LS,Running,0,5,0\n",
                "p.csv:2: column `gpu_milli`: must be 0 when num_gpu is 0, got `5`",
            ),
            (
                "a,1,1,1,1500,,LS,Running,0,5,0\n",
                "p.csv:2: column `gpu_milli`: a GPU has 1000 milli, got `1500`",
            ),
            (
                "a,1,1,x,1000,,LS,Running,0,5,0\n",
                "p.csv:2: column `num_gpu`: expected a whole number ≥ 0, got `x`",
            ),
            (
                "a,1,1,1,1000,,LS,Running,-3,5,0\n",
                "p.csv:2: column `creation_time`: must be ≥ 0, got `-3`",
            ),
        ];
        for (row, expected) in cases {
            assert_eq!(read(&format!("{HEADER}{row}")).unwrap_err().to_string(), expected);
        }
    }

    #[test]
    fn zero_lifetimes_are_counted() {
        let text = format!("{HEADER}a,1,1,1,1000,,LS,Failed,5,9,9\nb,1,1,1,1000,,LS,Running,6,9,7\n");
        let mut reader = OpenbPodReader::new("p.csv", text.as_bytes(), DEFAULT_UNTIMED_POD_DURATION).unwrap();
        let jobs: Vec<JobSpec> = reader.by_ref().collect::<Result<_, _>>().unwrap();
        assert_eq!(jobs.len(), 1);
        assert_eq!(reader.skipped().total(), 1);
        // Fill runs keep it, with the untimed duration (their protocol ignores times).
        let kept = OpenbPodReader::new("p.csv", text.as_bytes(), DEFAULT_UNTIMED_POD_DURATION)
            .unwrap()
            .keeping_zero_lifetimes();
        let durations: Vec<SimTime> = kept.map(|j| j.unwrap().duration).collect();
        assert_eq!(durations, vec![DEFAULT_UNTIMED_POD_DURATION, SimTime::from_secs(2)]);
    }
}

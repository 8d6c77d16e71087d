//! The run summary (`summary.json` metrics) and per-job rows (`jobs.csv`).

use serde::Serialize;

use super::distribution::Distribution;
use super::exact_sum::ExactSum;
use super::power::PowerTotals;
use super::registry::METRICS;
use super::stats::jain_index;
use super::usage::UsageTotals;
use crate::engine::RunOutcome;
use crate::faults::lemons::Lemons;
use crate::faults::spares::HotSpares;
use crate::job::{Job, JobState};
use crate::ledger::TimeSplit;
use crate::observe::Observer;
use crate::physics::Physics;
use crate::sharing::SharingModel;
use crate::time::SimTime;
use crate::view::ClusterView;

/// Run time below which bounded slowdown stops growing, in seconds (the usual 10 s bound).
const SLOWDOWN_BOUND_S: f64 = 10.0;

/// The metrics of one run, in the order of the metric registry ([`super::METRICS`]). `None` (JSON `null`) means "not defined for this run": no job
/// completed (so no JCT), or the model behind the metric is off in this scenario (power metrics
/// without `[power]`, temperatures without `[thermal]`, node failures without a model that
/// can fail nodes).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Summary {
    /// Jobs that arrived.
    pub jobs_submitted: u64,
    /// Jobs that finished their work.
    pub jobs_completed: u64,
    /// Jobs that ended without finishing: failures past their retry limit, or fill arrivals not
    /// placed at once (jobs that can never fit are counted apart, in `jobs_never_fit`).
    pub jobs_failed: u64,
    /// Jobs still waiting when the run ended.
    pub jobs_pending_at_end: u64,
    /// Jobs still running when the run ended (an extension of the contract).
    pub jobs_running_at_end: u64,
    /// Mean job completion time (end − submit) of completed jobs, in seconds.
    pub avg_jct_s: Option<f64>,
    /// Median JCT (nearest rank), in seconds.
    pub p50_jct_s: Option<f64>,
    /// 95th-percentile JCT (nearest rank), in seconds.
    pub p95_jct_s: Option<f64>,
    /// 99th-percentile JCT (nearest rank), in seconds.
    pub p99_jct_s: Option<f64>,
    /// Mean wait (first start − submit) of jobs that started, in seconds.
    pub avg_wait_s: Option<f64>,
    /// 95th-percentile wait (nearest rank), in seconds.
    pub p95_wait_s: Option<f64>,
    /// Mean of max(1, JCT ÷ max(run time, 10 s)) over completed jobs; run time is the trace's
    /// `duration_s` (full-speed run time), so slowdowns and lost work count against it.
    pub avg_bounded_slowdown: Option<f64>,
    /// From the first submission to the end of the run, in seconds.
    pub makespan_s: f64,
    /// Time-weighted allocated ÷ installed GPU capacity (nodes down count as capacity unused).
    pub gpu_alloc_ratio: f64,
    /// Useful work ÷ installed GPU capacity (slowdowns and lost work excluded).
    pub gpu_util: f64,
    /// Time-weighted mean fragmentation.
    pub frag_mean: f64,
    /// Preemptions applied.
    pub preemptions: u64,
    /// Nodes that went down, whatever the cause (`null` when nothing can take a node down: no
    /// `[thermal]` and no `[faults]`).
    pub node_failures: Option<u64>,
    /// GPU-hours of work lost to preemptions and failures.
    pub lost_gpu_hours: f64,
    /// IT energy, kWh (`null` without `[power]`).
    pub energy_kwh: Option<f64>,
    /// Highest cluster IT power, kW (`null` without `[power]`).
    pub peak_power_kw: Option<f64>,
    /// GPU-hours of allocated GPUs running below full clock (power caps, thermal caps,
    /// slowdowns; `null` without `[power]`).
    pub throttled_gpu_hours: Option<f64>,
    /// Jain's index over users of their mean bounded slowdown (1 = every user slowed alike).
    pub jain_fairness: Option<f64>,
    /// Facility energy, IT energy × PUE, kWh (an extension; `null` without `[power]`).
    pub facility_energy_kwh: Option<f64>,
    /// Hottest GPU temperature of the run, °C (an extension; `null` without `[thermal]`).
    pub max_temp_c: Option<f64>,
    /// Time-weighted mean of the FGD paper's fragmentation amount, in GPUs (an extension;
    /// `null` without typical tasks).
    pub frag_gpus_mean: Option<f64>,
    /// Time-weighted mean of the FGD paper's fragmentation ratio (an extension; `null` without
    /// typical tasks).
    pub frag_ratio_mean: Option<f64>,
    /// Running jobs stopped by failures (an extension; each stop counts).
    pub interruptions: u64,
    /// Jobs that ended `Failed` after a failure past their retry limit (they had started;
    /// `jobs_failed` also counts jobs that never could).
    pub jobs_failed_after_retries: u64,
    /// Incidents: failures, overloads, thermal shutdowns (`null` when nothing can fail).
    pub incidents: Option<u64>,
    /// The most nodes down at once (`null` when nothing can fail).
    pub max_nodes_down: Option<u64>,
    /// Times the circuit breaker opened (`null` without `[faults]`).
    pub breaker_trips: Option<u64>,
    /// Jobs refused at arrival because the cluster could not hold them even empty (state
    /// `never-fits` in `jobs.csv`).
    pub jobs_never_fit: u64,
    /// Jobs killed at their requested time (`policy.kill_at_limit`; state `timeout`).
    pub jobs_timed_out: u64,
    /// GPU-hours time-sliced GPUs spent switching contexts (an extension; `null` unless
    /// `[sharing]` time-slices or MPS-shares some GPUs).
    pub switch_lost_gpu_hours: Option<f64>,
    /// MIG instances created by reconfiguring a GPU (an extension; `null` unless `[sharing]`
    /// puts some node in MIG mode).
    pub mig_reconfigurations: Option<u64>,
    /// GPU-hours reconfigured MIG slices served nothing: the reconfiguration time × the
    /// reconfigured compute slices ÷ the GPU's (`null` without MIG-mode nodes).
    pub mig_reconfig_gpu_hours: Option<f64>,
    /// Time-weighted mean MIG fragmentation, in GPUs: the FGD measure on MIG compute slices
    /// against the typical tasks' profiles (`null` without MIG-mode nodes).
    pub mig_frag_gpus_mean: Option<f64>,
    /// Effective training time ratio over started jobs, as GPU-time sums: useful work ÷ wall time
    /// since each job's first start (`null` if no job started; docs/training.md).
    pub ettr: Option<f64>,
    /// Useful work ÷ time holding GPUs, as GPU-time sums (`null` if no job ran).
    pub goodput: Option<f64>,
    /// GPU-hours stalled writing checkpoints.
    pub checkpoint_gpu_hours: f64,
    /// GPU-hours of jobs held after failures (detection, back-off).
    pub detection_gpu_hours: f64,
    /// GPU-hours of started jobs waiting in the queue for nodes again.
    pub rescheduling_gpu_hours: f64,
    /// GPU-hours reloading and warming up after restarts.
    pub warmup_gpu_hours: f64,
    /// Hot spares swapped in for nodes that failed under jobs (`null` without
    /// `[training] hot_spares`).
    pub spares_used: Option<u64>,
    /// GPU-hours of ready hot spares held idle (`null` without hot spares).
    pub spare_idle_gpu_hours: Option<f64>,
    /// Nodes drained as lemons (`null` without `[faults.lemons]`).
    pub lemons_drained: Option<u64>,
    /// Of those, drains of nodes whose failure-rate multiplier is above the fleet's mean of 1
    /// (`null` without `[faults.lemons]`; docs/failures.md).
    pub lemons_right: Option<u64>,
    /// Time-weighted allocated ÷ the GPU capacity of the nodes that are up (the allocation of
    /// what is left when nodes are down).
    pub gpu_alloc_of_up: f64,
    /// Time average of the share of the installed GPU capacity that is up (1 when no node or
    /// device was ever down).
    pub gpu_capacity_up: f64,
}

/// What the summary needs of every job, gathered as the engine retires them
/// ([`Observer::on_retired`]): counts by state and sums, and the distributions of completion
/// and wait times (exact up to [`crate::metrics::EXACT_UP_TO`] jobs, bounded past it).
#[derive(Clone, Debug, Default)]
pub struct JobTotals {
    submitted: u64,
    by_state: [u64; 7],
    first_submit: Option<SimTime>,
    jct_s: Distribution,
    wait_s: Distribution,
    slowdowns: (ExactSum, u64),
    /// Per user (by id): sum of bounded slowdowns of completed jobs, and their count.
    by_user: Vec<(ExactSum, u32)>,
    preemptions: u64,
    interruptions: u64,
    lost_gpu_s: ExactSum,
    failed_after_retries: u64,
    failed_unstarted: u64,
    /// Time splits of the jobs, each second × the job's GPUs.
    split_gpu_s: SplitSums,
}

/// The time splits of many jobs added up, each field an [`ExactSum`] (see it for why).
#[derive(Clone, Debug, Default)]
struct SplitSums {
    wall_s: ExactSum,
    running_s: ExactSum,
    useful_s: ExactSum,
    checkpoint_s: ExactSum,
    lost_s: ExactSum,
    warmup_s: ExactSum,
    detection_s: ExactSum,
    waiting_s: ExactSum,
}

impl SplitSums {
    /// Adds every field of `split` × `weight` (a job's GPUs: totals in GPU-seconds).
    fn add_scaled(&mut self, split: &TimeSplit, weight: f64) {
        self.wall_s.add(split.wall_s * weight);
        self.running_s.add(split.running_s * weight);
        self.useful_s.add(split.useful_s * weight);
        self.checkpoint_s.add(split.checkpoint_s * weight);
        self.lost_s.add(split.lost_s * weight);
        self.warmup_s.add(split.warmup_s * weight);
        self.detection_s.add(split.detection_s * weight);
        self.waiting_s.add(split.waiting_s * weight);
    }

    /// The totals.
    fn total(&self) -> TimeSplit {
        TimeSplit {
            wall_s: self.wall_s.value(),
            running_s: self.running_s.value(),
            useful_s: self.useful_s.value(),
            checkpoint_s: self.checkpoint_s.value(),
            lost_s: self.lost_s.value(),
            warmup_s: self.warmup_s.value(),
            detection_s: self.detection_s.value(),
            waiting_s: self.waiting_s.value(),
        }
    }
}

/// The position of a state in [`JobTotals`]'s counts.
fn slot(state: JobState) -> usize {
    match state {
        JobState::Pending => 0,
        JobState::Running => 1,
        JobState::Held => 2,
        JobState::Completed => 3,
        JobState::Failed => 4,
        JobState::NeverFits => 5,
        JobState::Timeout => 6,
    }
}

impl JobTotals {
    /// Nothing counted yet.
    pub fn new() -> JobTotals {
        JobTotals::default()
    }

    fn count(&self, state: JobState) -> u64 {
        self.by_state[slot(state)]
    }

    /// Jobs that ended `Failed` without ever starting (fill arrivals not placed at once).
    pub fn failed_unstarted(&self) -> u64 {
        self.failed_unstarted
    }
}

impl Observer for JobTotals {
    fn on_retired(&mut self, job: &Job, view: &ClusterView<'_>) {
        self.split_gpu_s.add_scaled(&job.time_split(view.now), job.spec.gpus());
        self.submitted += 1;
        self.by_state[slot(job.state)] += 1;
        // Jobs retire as they end when rows are streamed: the first to retire need not be the
        // first submitted.
        self.first_submit = Some(self.first_submit.map_or(job.spec.submit, |t| t.min(job.spec.submit)));
        if job.state == JobState::Completed {
            let jct_s = (job.end.expect("completed jobs have an end") - job.spec.submit).as_secs_f64();
            let slowdown = (jct_s / job.spec.duration.as_secs_f64().max(SLOWDOWN_BOUND_S)).max(1.0);
            self.jct_s.push(jct_s);
            self.slowdowns.0.add(slowdown);
            self.slowdowns.1 += 1;
            let user = job.user.index();
            if self.by_user.len() <= user {
                self.by_user.resize(user + 1, (ExactSum::default(), 0));
            }
            self.by_user[user].0.add(slowdown);
            self.by_user[user].1 += 1;
        }
        if let Some(start) = job.first_start {
            self.wait_s.push((start - job.spec.submit).as_secs_f64());
        }
        self.preemptions += u64::from(job.preemptions);
        self.interruptions += u64::from(job.interruptions);
        self.lost_gpu_s.add(job.lost_gpu_s);
        self.failed_after_retries += u64::from(job.state == JobState::Failed && job.first_start.is_some());
        self.failed_unstarted += u64::from(job.state == JobState::Failed && job.first_start.is_none());
    }
}

impl Summary {
    /// Computes the summary from the run's end, its jobs' totals, the usage integrals and the
    /// power totals.
    pub fn compute(outcome: &RunOutcome, jobs: &JobTotals, usage: &UsageTotals, power: &PowerTotals) -> Summary {
        let physics = outcome.model::<Physics>();
        let power_on = physics.is_some_and(|p| p.power().is_some());
        let thermal_on = physics.is_some_and(|p| p.thermal().is_some());
        let can_fail = thermal_on || outcome.faults_active;
        let spares = outcome.model::<HotSpares>();
        let lemons = outcome.model::<Lemons>();
        let (avg_jct_s, [p50_jct_s, p95_jct_s, p99_jct_s]) = jobs.jct_s.summarise([50.0, 95.0, 99.0]);
        let (avg_wait_s, [p95_wait_s]) = jobs.wait_s.summarise([95.0]);
        let per_user: Vec<f64> = jobs
            .by_user
            .iter()
            .filter(|u| u.1 > 0)
            .map(|u| u.0.value() / f64::from(u.1))
            .collect();
        let first_submit = jobs.first_submit.unwrap_or(SimTime::ZERO);
        let split_gpu_s = jobs.split_gpu_s.total();
        let count = |state| jobs.count(state);
        Summary {
            jobs_submitted: jobs.submitted,
            jobs_completed: count(JobState::Completed),
            jobs_failed: count(JobState::Failed),
            jobs_pending_at_end: count(JobState::Pending) + count(JobState::Held),
            jobs_running_at_end: count(JobState::Running),
            avg_jct_s,
            p50_jct_s,
            p95_jct_s,
            p99_jct_s,
            avg_wait_s,
            p95_wait_s,
            avg_bounded_slowdown: (jobs.slowdowns.1 > 0).then(|| jobs.slowdowns.0.value() / jobs.slowdowns.1 as f64),
            makespan_s: (outcome.end - first_submit).as_secs_f64(),
            gpu_alloc_ratio: usage.gpu_alloc_ratio(),
            gpu_util: usage.gpu_util(),
            frag_mean: usage.frag_mean(),
            preemptions: jobs.preemptions,
            node_failures: can_fail.then_some(power.node_failures),
            lost_gpu_hours: jobs.lost_gpu_s.value() / 3600.0,
            energy_kwh: power_on.then_some(power.energy_kwh),
            peak_power_kw: power_on.then_some(power.peak_power_kw),
            throttled_gpu_hours: power_on.then_some(power.throttled_gpu_hours),
            jain_fairness: jain_index(&per_user),
            facility_energy_kwh: power_on.then_some(power.facility_energy_kwh),
            max_temp_c: power.max_temp_c.filter(|_| thermal_on),
            frag_gpus_mean: usage.frag_gpus_mean(),
            frag_ratio_mean: usage.frag_ratio_mean(),
            interruptions: jobs.interruptions,
            jobs_failed_after_retries: jobs.failed_after_retries,
            incidents: can_fail.then_some(outcome.incidents.len() as u64),
            max_nodes_down: can_fail.then_some(u64::from(outcome.peak_down_nodes)),
            breaker_trips: outcome.faults_active.then_some(outcome.breaker_trips),
            jobs_never_fit: count(JobState::NeverFits),
            jobs_timed_out: count(JobState::Timeout),
            switch_lost_gpu_hours: crate::model::find::<SharingModel>(&outcome.models)
                .map(|m| m.switch_lost_gpu_s(outcome.end) / 3600.0),
            mig_reconfigurations: usage.mig.map(|m| m.reconfigurations),
            mig_reconfig_gpu_hours: usage.mig.map(|m| m.reconfig_gpu_s / 3600.0),
            mig_frag_gpus_mean: usage.mig_frag_gpus_mean(),
            ettr: split_gpu_s.ettr(),
            goodput: split_gpu_s.goodput(),
            checkpoint_gpu_hours: split_gpu_s.checkpoint_s / 3600.0,
            detection_gpu_hours: split_gpu_s.detection_s / 3600.0,
            rescheduling_gpu_hours: split_gpu_s.waiting_s / 3600.0,
            warmup_gpu_hours: split_gpu_s.warmup_s / 3600.0,
            spares_used: spares.map(HotSpares::swaps),
            spare_idle_gpu_hours: spares.map(|s| s.idle_gpu_s(outcome.end) / 3600.0),
            lemons_drained: lemons.map(Lemons::drained),
            lemons_right: lemons.map(Lemons::right),
            gpu_alloc_of_up: usage.gpu_alloc_of_up(),
            gpu_capacity_up: usage.gpu_capacity_up(),
        }
    }

    /// Every metric as (name, value) in [`super::METRICS`] order; counts become floats.
    pub fn metrics(&self) -> [(&'static str, Option<f64>); METRICS.len()] {
        METRICS.map(|m| (m.name, m.value(self)))
    }

    /// One metric by its contract name.
    pub fn metric(&self, name: &str) -> Option<Option<f64>> {
        self.metrics().into_iter().find(|(n, _)| *n == name).map(|(_, v)| v)
    }
}

/// One row of `jobs.csv`.
#[derive(Clone, Debug, PartialEq)]
pub struct JobRow {
    /// The trace's job id.
    pub job_id: String,
    /// Submission time.
    pub submit: SimTime,
    /// First start, if it started.
    pub start: Option<SimTime>,
    /// End, if it reached a terminal state.
    pub end: Option<SimTime>,
    /// Final state.
    pub state: JobState,
    /// First start − submit.
    pub wait: Option<SimTime>,
    /// End − submit, for completed jobs.
    pub jct: Option<SimTime>,
    /// Restarts after preemption or failure.
    pub restarts: u32,
    /// Preemptions.
    pub preemptions: u32,
    /// GPU-seconds of work lost.
    pub lost_gpu_s: f64,
    /// Names of the nodes of its current or last placement, one per task, joined with `+`.
    pub nodes: String,
    /// Where its time went since its first start (ETTR, goodput, docs/training.md).
    pub split: TimeSplit,
}

impl JobRow {
    /// The row for one job of a finished run, retired at `now`.
    pub fn from_job(job: &Job, node_names: &[String], now: SimTime) -> JobRow {
        let nodes = joined_names(job, node_names, String::new());
        JobRow::with_texts(job, now, job.spec.id.clone(), nodes)
    }

    /// Makes this row the row of `job` ([`JobRow::from_job`]) in the buffers of its texts, so
    /// that rows lent to a sink one after the other allocate nothing per job.
    fn refill(&mut self, job: &Job, node_names: &[String], now: SimTime) {
        let mut job_id = std::mem::take(&mut self.job_id);
        job_id.clone_from(&job.spec.id);
        let nodes = joined_names(job, node_names, std::mem::take(&mut self.nodes));
        *self = JobRow::with_texts(job, now, job_id, nodes);
    }

    /// The row of `job` retired at `now`, with its id and node names already written.
    fn with_texts(job: &Job, now: SimTime, job_id: String, nodes: String) -> JobRow {
        let completed = job.state == JobState::Completed;
        JobRow {
            job_id,
            submit: job.spec.submit,
            start: job.first_start,
            end: job.end,
            state: job.state,
            wait: job.first_start.map(|s| s - job.spec.submit),
            jct: job.end.filter(|_| completed).map(|e| e - job.spec.submit),
            restarts: job.restarts,
            preemptions: job.preemptions,
            lost_gpu_s: job.lost_gpu_s,
            nodes,
            split: job.time_split(now),
        }
    }
}

/// The names of the nodes of `job`'s tasks, in task order, joined by `+`, written over the
/// text of `joined` (whose buffer is kept).
fn joined_names(job: &Job, node_names: &[String], mut joined: String) -> String {
    joined.clear();
    for (i, task) in job.alloc.iter().enumerate() {
        if i > 0 {
            joined.push('+');
        }
        joined.push_str(&node_names[task.node.index()]);
    }
    joined
}

/// Where the rows of retired jobs go: kept in memory, or written as they come.
pub trait JobRowSink {
    /// Takes the row of a retired job (rows come in the order observers see jobs retire: as
    /// they end when the run streams its jobs, else in arrival order). The row is lent: a sink
    /// that writes rows out copies nothing, one that keeps them clones what it keeps.
    fn push(&mut self, row: &JobRow);
}

impl JobRowSink for Vec<JobRow> {
    fn push(&mut self, row: &JobRow) {
        Vec::push(self, row.clone());
    }
}

/// Rows nobody reads: a sweep keeps only the summary of each run.
pub struct DiscardRows;

impl JobRowSink for DiscardRows {
    fn push(&mut self, _row: &JobRow) {}
}

/// The observer turning every retired job into its row for a sink.
pub struct JobRows<'s> {
    node_names: Vec<String>,
    /// The last row lent, whose buffers the next row reuses.
    row: Option<JobRow>,
    sink: &'s mut dyn JobRowSink,
}

impl<'s> JobRows<'s> {
    /// Rows with the node names of the cluster (indexed by `NodeId`), handed to `sink`.
    pub fn new(node_names: Vec<String>, sink: &'s mut dyn JobRowSink) -> JobRows<'s> {
        JobRows {
            node_names,
            row: None,
            sink,
        }
    }
}

impl Observer for JobRows<'_> {
    fn on_retired(&mut self, job: &Job, view: &ClusterView<'_>) {
        let row = match &mut self.row {
            Some(row) => {
                row.refill(job, &self.node_names, view.now);
                row
            }
            None => self.row.insert(JobRow::from_job(job, &self.node_names, view.now)),
        };
        self.sink.push(row);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::GpuTypeSet;
    use crate::ids::{JobId, NodeId, QueueId, UserId};
    use crate::job::JobSpec;
    use crate::resources::{TaskAlloc, TaskRequest};

    /// Job `id` with one task on each of `nodes`.
    fn job_on(id: &str, nodes: &[usize]) -> Job {
        let spec = JobSpec::new(id, SimTime::ZERO, SimTime::from_secs(60), 1, TaskRequest::default());
        let mut job = Job::new(JobId(0), spec, UserId(0), QueueId(0), GpuTypeSet::ANY);
        job.alloc = nodes
            .iter()
            .map(|&n| TaskAlloc {
                node: NodeId::from_index(n),
                gpu_mask: 1,
                milli_per_gpu: 1000,
                cpu_milli: 0,
                mem_mib: 0,
                mig: None,
            })
            .collect();
        job
    }

    #[test]
    fn a_refilled_row_is_the_row_of_its_new_job() {
        let names: Vec<String> = ["a", "bb", "ccc"].map(String::from).into();
        let mut row = JobRow::from_job(&job_on("long-id", &[2, 0, 1]), &names, SimTime::ZERO);
        assert_eq!((row.job_id.as_str(), row.nodes.as_str()), ("long-id", "ccc+a+bb"));
        // A shorter id and fewer nodes leave nothing of the previous row behind.
        row.refill(&job_on("j", &[1]), &names, SimTime::ZERO);
        assert_eq!((row.job_id.as_str(), row.nodes.as_str()), ("j", "bb"));
        row.refill(&job_on("k", &[]), &names, SimTime::ZERO);
        assert_eq!(row, JobRow::from_job(&job_on("k", &[]), &names, SimTime::ZERO));
        assert_eq!(row.nodes, "", "a job that never ran has no nodes");
    }
}

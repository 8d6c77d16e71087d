//! Cluster usage over time: the time-weighted integrals behind `gpu_alloc_ratio`, `gpu_util`,
//! `gpu_alloc_of_up`, `gpu_capacity_up` and `frag_mean`, and the sampled rows of
//! `timeseries.csv`.
//!
//! The headline ratios divide by the installed GPU capacity (every device, up or not), so that
//! nodes going down lower them; `gpu_alloc_of_up` divides by the capacity that is up, and
//! `gpu_capacity_up` is that capacity's share of the installed one.
//!
//! Values are piecewise constant between instants, so integrals are exact sums of
//! value × duration, not estimates from samples.

use super::power::{cluster_power_w, hottest_gpu_c};
use crate::ids::JobId;
use crate::observe::{Observer, Record};
use crate::resources::MILLI_PER_GPU;
use crate::time::SimTime;
use crate::view::ClusterView;

/// One row of `timeseries.csv`: the state at one sampling time.
#[derive(Clone, Debug, PartialEq)]
pub struct Sample {
    /// Sampling time.
    pub t: SimTime,
    /// Allocated ÷ installed GPU capacity.
    pub gpu_alloc: f64,
    /// Useful work rate ÷ installed GPU capacity (allocated capacity weighted by job speed).
    pub gpu_util: f64,
    /// Healthy GPU capacity (nodes up, devices not failed) ÷ installed GPU capacity.
    pub gpu_capacity_up: f64,
    /// Fragmentation (docs/scenarios.md): 1 − largest free block on one node ÷ total free.
    pub frag: f64,
    /// Jobs waiting.
    pub queue_len: usize,
    /// Jobs running.
    pub running: usize,
    /// Cluster electrical power, kW (`None` without the power model).
    pub power_kw: Option<f64>,
    /// Hottest GPU, °C (`None` without the thermal model).
    pub max_temp_c: Option<f64>,
    /// Nodes down.
    pub down_nodes: usize,
    /// Workload-aware fragmentation of the FGD paper ([`crate::frag`]): fragmented GPU
    /// capacity, in GPUs (`None` without typical tasks).
    pub frag_gpus: Option<f64>,
    /// Its share of the idle GPU capacity (`None` without typical tasks).
    pub frag_ratio: Option<f64>,
}

/// Time-weighted integrals over the run's window (first arrival to end).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct UsageTotals {
    /// Start of the window: the first arrival.
    pub start: SimTime,
    /// End of the window.
    pub end: SimTime,
    /// ∫ allocated GPU capacity dt, in GPU-seconds.
    pub allocated_gpu_s: f64,
    /// ∫ healthy GPU capacity (nodes up, devices not failed) dt, in GPU-seconds.
    pub capacity_gpu_s: f64,
    /// ∫ installed GPU capacity dt, in GPU-seconds.
    pub installed_gpu_s: f64,
    /// ∫ Σ(running jobs' GPUs × speed) dt, in GPU-seconds of reference work.
    pub effective_gpu_s: f64,
    /// GPU-seconds of work lost to preemption, suspension overheads and failures.
    pub lost_gpu_s: f64,
    /// ∫ fragmentation dt, in seconds.
    pub frag_s: f64,
    /// ∫ workload-aware fragmentation amount dt, in GPU-seconds (`None` without typical tasks).
    pub frag_gpu_s: Option<f64>,
    /// ∫ workload-aware fragmentation ratio dt, in seconds (`None` without typical tasks).
    pub frag_ratio_s: Option<f64>,
    /// ∫ MIG fragmentation amount dt, in GPU-seconds (`None` without MIG-mode nodes).
    pub mig_frag_gpu_s: Option<f64>,
    /// The reconfigurations of MIG-mode GPUs at the end (`None` without MIG-mode nodes).
    pub mig: Option<crate::cluster::MigCounters>,
}

impl UsageTotals {
    /// Time-weighted allocated ÷ installed capacity.
    pub fn gpu_alloc_ratio(&self) -> f64 {
        ratio(self.allocated_gpu_s, self.installed_gpu_s)
    }

    /// Useful work done ÷ installed capacity: slowdowns and lost work excluded.
    pub fn gpu_util(&self) -> f64 {
        ratio((self.effective_gpu_s - self.lost_gpu_s).max(0.0), self.installed_gpu_s)
    }

    /// Time-weighted allocated ÷ healthy capacity (the capacity of the nodes that are up).
    pub fn gpu_alloc_of_up(&self) -> f64 {
        ratio(self.allocated_gpu_s, self.capacity_gpu_s)
    }

    /// Time average of the share of the installed capacity that is up (1 when nothing failed).
    pub fn gpu_capacity_up(&self) -> f64 {
        ratio(self.capacity_gpu_s, self.installed_gpu_s)
    }

    /// Time average of fragmentation over the window.
    pub fn frag_mean(&self) -> f64 {
        ratio(self.frag_s, self.window_s())
    }

    /// Time average of the workload-aware fragmentation amount, in GPUs.
    pub fn frag_gpus_mean(&self) -> Option<f64> {
        self.frag_gpu_s.map(|v| ratio(v, self.window_s()))
    }

    /// Time average of the MIG fragmentation amount, in GPUs (`None` without MIG-mode nodes).
    pub fn mig_frag_gpus_mean(&self) -> Option<f64> {
        self.mig_frag_gpu_s.map(|v| ratio(v, self.window_s()))
    }

    /// Time average of the workload-aware fragmentation ratio.
    pub fn frag_ratio_mean(&self) -> Option<f64> {
        self.frag_ratio_s.map(|v| ratio(v, self.window_s()))
    }

    fn window_s(&self) -> f64 {
        (self.end - self.start).as_secs_f64()
    }
}

fn ratio(num: f64, den: f64) -> f64 {
    if den > 0.0 { num / den } else { 0.0 }
}

/// Where the samples of a run go as they are taken: `timeseries.csv` written as the run goes,
/// so that a long run's memory does not grow with its simulated time.
pub trait SampleSink {
    /// Takes the next sample (samples come in time order).
    fn push(&mut self, sample: Sample);
}

impl SampleSink for Vec<Sample> {
    fn push(&mut self, sample: Sample) {
        Vec::push(self, sample);
    }
}

/// Observer computing [`UsageTotals`] and, when sampling is on, the time series (kept, or
/// handed to a [`SampleSink`] as each sample is taken).
#[derive(Default)]
pub struct UsageCollector<'s> {
    totals: UsageTotals,
    started: bool,
    last: SimTime,
    /// Values holding since `last` (the end of the previous instant).
    allocated_milli: f64,
    capacity_milli: f64,
    installed_milli: f64,
    effective_milli: f64,
    frag: f64,
    /// Workload-aware fragmentation (GPUs, ratio), when typical tasks are set.
    gpu_frag: Option<(f64, f64)>,
    /// MIG fragmentation in GPUs, when some node is in MIG mode.
    mig_frag: Option<f64>,
    /// Σ running jobs' milli-GPU × speed, kept current by the records of this instant.
    effective_now: f64,
    samples: Vec<Sample>,
    /// Where samples go instead of `samples`, when given.
    sink: Option<&'s mut dyn SampleSink>,
}

impl<'s> UsageCollector<'s> {
    /// A collector with nothing seen yet, keeping its samples.
    pub fn new() -> Self {
        UsageCollector::default()
    }

    /// A collector handing each sample to `sink` as it is taken instead of keeping it.
    pub fn streaming(sink: &'s mut dyn SampleSink) -> Self {
        UsageCollector {
            sink: Some(sink),
            ..UsageCollector::default()
        }
    }

    /// The integrals (complete once the run has ended).
    pub fn totals(&self) -> UsageTotals {
        self.totals
    }

    /// Samples taken and kept, in time order (none when they were streamed).
    pub fn into_samples(self) -> Vec<Sample> {
        self.samples
    }

    fn advance_to(&mut self, now: SimTime) {
        if !self.started {
            return;
        }
        let dt = (now - self.last).as_secs_f64();
        let gpus = |milli: f64| milli / f64::from(MILLI_PER_GPU);
        self.totals.allocated_gpu_s += gpus(self.allocated_milli) * dt;
        self.totals.capacity_gpu_s += gpus(self.capacity_milli) * dt;
        self.totals.installed_gpu_s += gpus(self.installed_milli) * dt;
        self.totals.effective_gpu_s += gpus(self.effective_milli) * dt;
        self.totals.frag_s += self.frag * dt;
        if let Some((gpus, frag_ratio)) = self.gpu_frag {
            *self.totals.frag_gpu_s.get_or_insert(0.0) += gpus * dt;
            *self.totals.frag_ratio_s.get_or_insert(0.0) += frag_ratio * dt;
        }
        if let Some(gpus) = self.mig_frag {
            *self.totals.mig_frag_gpu_s.get_or_insert(0.0) += gpus * dt;
        }
        self.last = now;
    }

    fn job_effective_milli(view: &ClusterView<'_>, job: JobId) -> f64 {
        let j = view.job(job);
        j.spec.gpu_milli() as f64 * j.progress.rate
    }
}

impl Observer for UsageCollector<'_> {
    fn on_record(&mut self, record: &Record, view: &ClusterView<'_>) {
        if !self.started {
            self.started = true;
            self.last = view.now;
            self.totals.start = view.now;
        }
        match *record {
            Record::Started { job, .. } => self.effective_now += Self::job_effective_milli(view, job),
            Record::Completed { job } => self.effective_now -= Self::job_effective_milli(view, job),
            Record::Preempted { job, lost_gpu_s } | Record::Suspended { job, lost_gpu_s } => {
                self.effective_now -= Self::job_effective_milli(view, job);
                self.totals.lost_gpu_s += lost_gpu_s;
            }
            Record::RateChanged {
                job,
                old_rate,
                new_rate,
            } => {
                self.effective_now += view.job(job).spec.gpu_milli() as f64 * (new_rate - old_rate);
            }
            Record::Interrupted { job, lost_gpu_s } | Record::TimedOut { job, lost_gpu_s } => {
                self.effective_now -= Self::job_effective_milli(view, job);
                self.totals.lost_gpu_s += lost_gpu_s;
            }
            Record::Arrived { .. }
            | Record::Rejected { .. }
            | Record::Requeued { .. }
            | Record::GaveUp { .. }
            | Record::NodeDown { .. }
            | Record::NodeUp { .. } => {}
        }
    }

    fn on_instant_end(&mut self, view: &ClusterView<'_>) {
        self.advance_to(view.now);
        self.allocated_milli = view.cluster.allocated_gpu_milli() as f64;
        self.capacity_milli = view.cluster.total_gpu_milli() as f64;
        self.installed_milli = view.cluster.installed_gpu_milli() as f64;
        self.effective_milli = self.effective_now.max(0.0);
        self.frag = view.fragmentation();
        self.gpu_frag = view.gpu_frag().map(|f| (f.gpus(), f.ratio()));
        self.mig_frag = view.cluster.mig().map(|m| m.frag_gpus());
    }

    fn on_sample(&mut self, at: SimTime, view: &ClusterView<'_>) {
        let installed = view.cluster.installed_gpu_milli() as f64;
        let gpu_frag = view.gpu_frag();
        let sample = Sample {
            t: at,
            gpu_alloc: ratio(view.cluster.allocated_gpu_milli() as f64, installed),
            gpu_util: ratio(self.effective_milli, installed),
            gpu_capacity_up: ratio(view.cluster.total_gpu_milli() as f64, installed),
            frag: view.fragmentation(),
            queue_len: view.pending.len(),
            running: view.running.len(),
            power_kw: cluster_power_w(view).map(|w| w / 1e3),
            max_temp_c: hottest_gpu_c(view, at, None),
            down_nodes: view.cluster.down_nodes(),
            frag_gpus: gpu_frag.map(|f| f.gpus()),
            frag_ratio: gpu_frag.map(|f| f.ratio()),
        };
        match &mut self.sink {
            Some(sink) => sink.push(sample),
            None => self.samples.push(sample),
        }
    }

    fn on_end(&mut self, end: SimTime, view: &ClusterView<'_>) {
        self.advance_to(end);
        self.totals.end = end.max(self.totals.start);
        self.totals.mig = view.cluster.mig().map(|m| m.counters());
    }
}

//! Workloads shared by the benchmarks.

use std::collections::BTreeSet;

use policies::placement::{BestFit, Placement};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, LogNormal};
use sim_core::cluster::{Cluster, GpuTypeSet, NodeSpec, Trial};
use sim_core::ids::{JobId, QueueId, UserId};
use sim_core::job::{Job, JobSpec, JobState};
use sim_core::jobs::JobStore;
use sim_core::math;
use sim_core::observe::Record;
use sim_core::physics::{Physics, PhysicsConfig};
use sim_core::policy::Policy;
use sim_core::resources::TaskRequest;
use sim_core::time::SimTime;
use sim_core::view::ClusterView;

/// `racks` × `nodes_per_rack` nodes of 8 GPUs.
pub fn cluster(racks: usize, nodes_per_rack: usize) -> Cluster {
    let specs: Vec<NodeSpec> = (0..racks * nodes_per_rack)
        .map(|i| NodeSpec {
            name: format!("n{i}"),
            rack: format!("r{}", i / nodes_per_rack),
            gpus: 8,
            gpu_type: "A100-80GB".into(),
            cpu_milli: 96_000,
            mem_mib: 1 << 20,
        })
        .collect();
    Cluster::build(&specs).expect("benchmark cluster is valid")
}

/// `count` jobs whose GPU counts follow the LLM mix of docs/models.md §6 (1: 0.70, 2: 0.10,
/// 4: 0.11, 8: 0.04, 16–64 GPUs: 0.05), laid out as `ceil(g/8)` tasks of `min(g, 8)` GPUs;
/// multi-node jobs communicate `comm_fraction` of their time. Durations and arrivals as
/// [`synthetic_jobs`].
pub fn multi_node_jobs(count: usize, gpus: u32, load: f64, comm_fraction: f64, seed: u64) -> Vec<JobSpec> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x5eed);
    synthetic_jobs(count, gpus, load / 2.0, seed)
        .into_iter()
        .map(|mut job| {
            let u: f64 = rng.random();
            let size: u32 = match u {
                u if u < 0.70 => 1,
                u if u < 0.80 => 2,
                u if u < 0.91 => 4,
                u if u < 0.95 => 8,
                _ => 16 << rng.random_range(0..3),
            };
            job.tasks = size.div_ceil(8);
            job.task = TaskRequest::with_gpu_amount(f64::from(size.min(8)), 0, 0).expect("valid size");
            job.comm_fraction = if job.tasks > 1 { comm_fraction } else { 0.0 };
            job
        })
        .collect()
}

/// `count` jobs with the DL size mix of docs/models.md (1, 2, 4, 8 GPUs with probability 0.70,
/// 0.10, 0.15, 0.05), lognormal durations (median 1 h, σ 1.5, capped at 7 days) and Poisson
/// arrivals at the rate that offers `load` × the capacity of `gpus` GPUs.
pub fn synthetic_jobs(count: usize, gpus: u32, load: f64, seed: u64) -> Vec<JobSpec> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    // rand_distr's lognormal, not sim_core::math's: this workload is an input the benchmarks
    // time, not a simulation output, and keeping its draws keeps the figures comparable with
    // earlier measurements.
    let duration = LogNormal::new(math::ln(3600.0), 1.5).expect("valid lognormal");
    let mean_gpus = 0.70 + 0.10 * 2.0 + 0.15 * 4.0 + 0.05 * 8.0;
    let mean_duration = math::exp(math::ln(3600.0) + 1.5 * 1.5 / 2.0);
    let arrival_rate = load * f64::from(gpus) / (mean_gpus * mean_duration);
    let mut now = 0.0;
    (0..count)
        .map(|i| {
            now += -math::ln(1.0 - rng.random::<f64>()) / arrival_rate;
            let u: f64 = rng.random();
            let size = if u < 0.70 {
                1.0
            } else if u < 0.80 {
                2.0
            } else if u < 0.95 {
                4.0
            } else {
                8.0
            };
            let seconds = duration.sample(&mut rng).clamp(1.0, 7.0 * 86_400.0);
            let task = TaskRequest::with_gpu_amount(size, 0, 0).expect("valid size");
            let submit = SimTime::from_secs_f64(now).expect("finite time");
            let run = SimTime::from_secs_f64(seconds).expect("finite duration");
            JobSpec::new(format!("j{i}"), submit, run, 1, task)
        })
        .collect()
}

/// A frozen scheduling instant: a cluster nearly full of running jobs and a long queue.
pub struct SchedulingState {
    /// The cluster with the running jobs' allocations applied.
    pub cluster: Cluster,
    /// Every job, indexed by id: running ones first, then the waiting ones.
    pub jobs: JobStore,
    /// Waiting jobs, in arrival order.
    pub pending: Vec<JobId>,
    /// Running jobs.
    pub running: BTreeSet<JobId>,
    /// The instant.
    pub now: SimTime,
    /// No physical models (the view needs one).
    pub physics: Physics,
}

impl SchedulingState {
    /// `waiting` jobs queued behind a `racks` × `nodes_per_rack` × 8-GPU cluster filled by
    /// best fit with the same job mix until a job no longer fits; 16 users, 4 queues,
    /// priorities 0–3, all jobs from [`synthetic_jobs`].
    pub fn new(racks: usize, nodes_per_rack: usize, waiting: usize, seed: u64) -> SchedulingState {
        let mut cluster = cluster(racks, nodes_per_rack);
        let gpus = cluster.total_gpu_milli() / 1000;
        let specs = synthetic_jobs(waiting + gpus as usize, gpus as u32, 1.0, seed);
        let now = specs[specs.len() - 1].submit;
        let mut jobs = JobStore::new();
        let mut running = BTreeSet::new();
        let mut pending = Vec::with_capacity(waiting);
        let mut filling = true;
        for (i, mut spec) in specs.into_iter().enumerate() {
            let id = JobId::from_index(i);
            spec.user = format!("u{}", i % 16);
            spec.queue = format!("q{}", i % 4);
            spec.priority = (i % 4) as i32;
            let mut job = Job::new(
                id,
                spec,
                UserId((i % 16) as u32),
                QueueId((i % 4) as u32),
                GpuTypeSet::ANY,
            );
            if filling {
                let mut trial = Trial::new(&cluster);
                match BestFit.place(&mut trial, &job) {
                    Some(tasks) => {
                        cluster.allocate(&tasks).expect("a placed job fits");
                        job.state = JobState::Running;
                        job.first_start = Some(job.spec.submit);
                        job.last_start = Some(job.spec.submit);
                        job.alloc = tasks;
                        job.progress.rate = 1.0;
                        running.insert(id);
                    }
                    None => filling = false,
                }
            }
            if job.state == JobState::Pending {
                if pending.len() == waiting {
                    break;
                }
                pending.push(id);
            }
            jobs.push(job);
        }
        let physics = Physics::new(&cluster, PhysicsConfig::default()).expect("no physical models to build");
        SchedulingState {
            cluster,
            jobs,
            pending,
            running,
            now,
            physics,
        }
    }

    /// The view a policy is given.
    pub fn view(&self) -> ClusterView<'_> {
        ClusterView {
            now: self.now,
            cluster: &self.cluster,
            jobs: &self.jobs,
            pending: &self.pending,
            pending_epoch: 0,
            running: &self.running,
            physics: &self.physics,
            models: &[],
        }
    }

    /// Tells `policy` of every arrival and start, as the engine would have.
    pub fn replay_records(&self, policy: &mut dyn Policy) {
        let view = self.view();
        for job in self.jobs.iter() {
            policy.observe(&Record::Arrived { job: job.id }, &view);
            if job.state == JobState::Running {
                policy.observe(
                    &Record::Started {
                        job: job.id,
                        kind: sim_core::policy::StartKind::Started,
                    },
                    &view,
                );
            }
        }
    }
}

//! The synthetic workload generator (`[workload.synthetic]`, `clustersim trace generate`):
//! jobs drawn from named distributions with the defaults and sources of docs/models.md §6.
//!
//! Every quantity draws from its own seeded stream (`arrivals`, `diurnal`, `sizes`,
//! `durations`, `users`, `queues`, `priorities`, `preemptible`, from
//! [`sim_core::rng::stream`]), one value per job, so changing one distribution leaves the
//! others' draws unchanged, and a seed always gives the same trace. The generator is itself a
//! [`JobSource`]; it streams.
//!
//! Durations are rounded to whole seconds, at least 1 s and at most [`MAX_DURATION`]; submit
//! times keep microseconds. A job spanning nodes (more GPUs than one node holds) gets the
//! family's `comm_fraction`; single-node jobs get 0.

mod arrivals;
mod durations;
mod sizes;
mod weighted;

use std::str::FromStr;

use sim_core::job::JobSpec;
use sim_core::resources::{MAX_GPUS_PER_NODE, TaskRequest};
use sim_core::rng::{self, Stream};
use sim_core::time::SimTime;

use crate::{JobSource, SkipReport, TraceError, UnknownName};

pub use arrivals::{Arrivals, BadDiurnal, Diurnal};
pub use durations::{BadDurations, DurationFit, DurationModel};
pub use sizes::{JobSize, SizeBucket, SizeError, SizeMix, layout};
pub use weighted::{WeightError, Weighted};

/// Longest generated duration: 10 years (a guard on the lognormal's far tail; at the Helios
/// fit, the heaviest, about 3 jobs in 100 million would reach it).
pub const MAX_DURATION: SimTime = SimTime::from_secs(10 * 365 * 86_400);

/// A workload family: the defaults for sizes, durations and communication.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Family {
    /// Deep-learning training (GAVEL size mix, Philly durations).
    Dl,
    /// LLM-era clusters (ACME/KOK size mix with rare huge jobs, Acme Kalos durations).
    Llm,
}

impl Family {
    /// The family's size mix.
    pub fn sizes(self) -> SizeMix {
        match self {
            Family::Dl => SizeMix::dl(),
            Family::Llm => SizeMix::llm(),
        }
    }

    /// The family's duration fit (docs/models.md §6: Philly for DL, Kalos for LLM).
    pub fn duration_fit(self) -> DurationFit {
        match self {
            Family::Dl => DurationFit::Philly,
            Family::Llm => DurationFit::Kalos,
        }
    }

    /// `comm_fraction` of multi-node jobs: the middle of docs/models.md §4's ranges, 0.4 for
    /// data-parallel CNNs (0.3–0.5) and 0.2 for tuned LLM 3D parallelism (0.1–0.3) (L).
    pub fn comm_fraction(self) -> f64 {
        match self {
            Family::Dl => 0.4,
            Family::Llm => 0.2,
        }
    }
}

impl Family {
    /// Every family, with the name `family` takes.
    pub const ALL: [(Family, &'static str); 2] = [(Family::Dl, "dl"), (Family::Llm, "llm")];
}

impl FromStr for Family {
    type Err = UnknownName;
    fn from_str(s: &str) -> Result<Self, UnknownName> {
        crate::error::by_name("workload family", s, &Family::ALL, "families")
    }
}

/// A configuration problem: the key (as `[workload.synthetic]` names it) and what is wrong.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error("{key}: {reason}")]
pub struct ConfigError {
    /// The key at fault.
    pub key: &'static str,
    /// What is wrong.
    pub reason: String,
}

impl ConfigError {
    /// An error about `key`: `reason` says what is wrong.
    pub fn new(key: &'static str, reason: impl std::fmt::Display) -> ConfigError {
        ConfigError {
            key,
            reason: reason.to_string(),
        }
    }
}

/// Everything the generator draws from.
#[derive(Clone, Debug, PartialEq)]
pub struct SyntheticConfig {
    /// Number of jobs.
    pub jobs: u64,
    /// GPUs per job.
    pub sizes: SizeMix,
    /// GPUs per node of the gang layout (8 by default).
    pub gpus_per_node: u32,
    /// Run times.
    pub durations: DurationModel,
    /// Arrival process.
    pub arrivals: Arrivals,
    /// Tenants and their weights.
    pub users: Weighted<String>,
    /// Queues and their weights.
    pub queues: Weighted<String>,
    /// Priorities and their weights.
    pub priorities: Weighted<i32>,
    /// Share of jobs that may be preempted, in [0, 1].
    pub preemptible_share: f64,
    /// `comm_fraction` of jobs that span nodes, in [0, 1].
    pub comm_fraction: f64,
}

impl SyntheticConfig {
    /// The family's defaults for `jobs` jobs arriving at `rate_per_s` (homogeneous Poisson),
    /// one user, one queue, priority 0, all preemptible.
    pub fn family(family: Family, jobs: u64, rate_per_s: f64) -> SyntheticConfig {
        SyntheticConfig {
            jobs,
            sizes: family.sizes(),
            gpus_per_node: 8,
            durations: DurationModel::fit(family.duration_fit()),
            arrivals: Arrivals {
                rate_per_s,
                diurnal: None,
            },
            users: Weighted::only("default".into()),
            queues: Weighted::only("default".into()),
            priorities: Weighted::only(0),
            preemptible_share: 1.0,
            comm_fraction: family.comm_fraction(),
        }
    }

    /// Checks every parameter; the error names the key at fault.
    pub fn check(&self) -> Result<(), ConfigError> {
        if self.jobs == 0 {
            return Err(ConfigError::new("jobs", "must be at least 1"));
        }
        if !(1..=MAX_GPUS_PER_NODE).contains(&self.gpus_per_node) {
            return Err(ConfigError::new(
                "gpus_per_node",
                format!("must be between 1 and {MAX_GPUS_PER_NODE}"),
            ));
        }
        if let Some(size) = self
            .sizes
            .sizes()
            .into_iter()
            .find(|&s| layout(s, self.gpus_per_node).is_none())
        {
            return Err(ConfigError::new(
                "sizes",
                format!(
                    "a job of {} GPUs is not a whole number of {}-GPU nodes",
                    crate::stats::gpus_label(size),
                    self.gpus_per_node
                ),
            ));
        }
        self.durations.check().map_err(|r| ConfigError::new("duration", r))?;
        if !(self.arrivals.rate_per_s.is_finite() && self.arrivals.rate_per_s > 0.0) {
            return Err(ConfigError::new(
                "load",
                format!(
                    "the arrival rate must be > 0, got {} per second",
                    self.arrivals.rate_per_s
                ),
            ));
        }
        if let Some(d) = &self.arrivals.diurnal {
            d.check().map_err(|r| ConfigError::new("diurnal", r))?;
        }
        for (key, share) in [
            ("preemptible_share", self.preemptible_share),
            ("comm_fraction", self.comm_fraction),
        ] {
            if !(0.0..=1.0).contains(&share) {
                return Err(ConfigError::new(key, format!("must be between 0 and 1, got {share}")));
            }
        }
        Ok(())
    }
}

/// The arrival rate, in jobs per second, that offers `load` × the capacity of `cluster_gpus`
/// GPUs: `λ = ρ · GPUs / (E[GPUs per job] · E[duration])` (docs/models.md §6, after GAVEL).
pub fn rate_for_load(load: f64, cluster_gpus: f64, sizes: &SizeMix, durations: &DurationModel) -> f64 {
    load * cluster_gpus / (sizes.mean_gpus() * durations.mean_s())
}

/// One stream per quantity.
struct Streams {
    arrivals: Stream,
    diurnal: Stream,
    sizes: Stream,
    durations: Stream,
    users: Stream,
    queues: Stream,
    priorities: Stream,
    preemptible: Stream,
}

/// The generator: a [`JobSource`] of `config.jobs` jobs.
pub struct SyntheticSource {
    config: SyntheticConfig,
    streams: Streams,
    generated: u64,
    now_s: f64,
    skipped: SkipReport,
}

impl SyntheticSource {
    /// A generator of `config`, seeded with `seed`; refuses an invalid configuration.
    pub fn new(config: SyntheticConfig, seed: u64) -> Result<SyntheticSource, ConfigError> {
        config.check()?;
        let s = |name| rng::stream(seed, name);
        Ok(SyntheticSource {
            config,
            streams: Streams {
                arrivals: s("arrivals"),
                diurnal: s("diurnal"),
                sizes: s("sizes"),
                durations: s("durations"),
                users: s("users"),
                queues: s("queues"),
                priorities: s("priorities"),
                preemptible: s("preemptible"),
            },
            generated: 0,
            now_s: 0.0,
            skipped: SkipReport::default(),
        })
    }

    fn draw_job(&mut self) -> Result<JobSpec, TraceError> {
        let c = &self.config;
        let st = &mut self.streams;
        self.now_s = c.arrivals.next(self.now_s, &mut st.arrivals, &mut st.diurnal);
        let (tasks, task) = match c.sizes.draw(&mut st.sizes) {
            JobSize::Milli(size) => layout(size, c.gpus_per_node).expect("sizes are checked against the layout"),
            JobSize::Mig(mig) => (1, TaskRequest::with_mig(mig, 0, 0)),
        };
        let seconds = c.durations.draw(&mut st.durations).round().max(1.0);
        let duration = SimTime::from_secs_f64(seconds).map_or(MAX_DURATION, |d| d.min(MAX_DURATION));
        let submit = SimTime::from_secs_f64(self.now_s).ok_or_else(|| TraceError::File {
            file: "synthetic workload".into(),
            reason: "arrival times ran past the simulation clock: raise the arrival rate or lower jobs".into(),
        })?;
        let mut spec = JobSpec::new(format!("j{}", self.generated), submit, duration, tasks, task);
        spec.user = c.users.draw(&mut st.users).clone();
        spec.queue = c.queues.draw(&mut st.queues).clone();
        spec.priority = *c.priorities.draw(&mut st.priorities);
        spec.preemptible = rand::RngExt::random::<f64>(&mut st.preemptible) < c.preemptible_share;
        if tasks > 1 {
            spec.comm_fraction = c.comm_fraction;
        }
        Ok(spec)
    }
}

impl Iterator for SyntheticSource {
    type Item = Result<JobSpec, TraceError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.generated == self.config.jobs {
            return None;
        }
        let job = self.draw_job();
        self.generated = if job.is_ok() {
            self.generated + 1
        } else {
            self.config.jobs
        };
        Some(job)
    }
}

impl JobSource for SyntheticSource {
    fn skipped(&self) -> &SkipReport {
        &self.skipped
    }

    /// Every job's share is the workload's (0 for single-node jobs).
    fn gives_comm_fraction(&self) -> bool {
        true
    }
}

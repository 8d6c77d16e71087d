//! Metrics a crate adds without editing this one: a [`Metric`] watches the run as an
//! [`Observer`] and gives its value when the run has ended; a [`MetricPart`] names it, states its
//! unit and direction, and builds a fresh one for every run (sweeps run many at once).
//!
//! The runner ([`crate::run::simulate_measured`]) builds every registered metric, lets it watch
//! the run beside the built-in collectors, and records the values after the built-in ones
//! ([`crate::run::RunRecord::extra_metrics`]), in registration order.
//!
//! ```
//! use sim_core::engine::RunOutcome;
//! use sim_core::job::{Job, JobState};
//! use sim_core::metrics::{Better, Metric, MetricPart, Summary};
//! use sim_core::observe::Observer;
//! use sim_core::view::ClusterView;
//!
//! /// Completed jobs that asked for more than one GPU.
//! #[derive(Default)]
//! struct MultiGpu(u64);
//!
//! impl Observer for MultiGpu {
//!     fn on_retired(&mut self, job: &Job, _view: &ClusterView<'_>) {
//!         self.0 += u64::from(job.state == JobState::Completed && job.spec.gpu_milli() > 1000);
//!     }
//! }
//!
//! impl Metric for MultiGpu {
//!     fn value(&self, _summary: &Summary, _outcome: &RunOutcome) -> Option<f64> {
//!         Some(self.0 as f64)
//!     }
//! }
//!
//! const MULTI_GPU: MetricPart = MetricPart {
//!     name: "multi_gpu_jobs_completed",
//!     unit: "jobs",
//!     better: Better::Higher,
//!     doc: "completed jobs that asked for more than one GPU",
//!     build: || Box::<MultiGpu>::default(),
//! };
//! assert!(MULTI_GPU.check().is_ok());
//! ```

use std::fmt;

use super::registry::{Better, metric_info};
use super::summary::Summary;
use crate::engine::RunOutcome;
use crate::observe::Observer;

/// A metric of a crate's own: it watches the run (every [`Observer`] callback, with the view of
/// the cluster) and, once the run has ended, gives its value from what it saw and from the
/// finished run (the built-in metrics, the final cluster, the incidents).
pub trait Metric: Observer {
    /// The value for the run that just ended (`None`: not defined for this run, written as
    /// `null` in `summary.json` and an empty cell in `sweep.csv`).
    fn value(&self, summary: &Summary, outcome: &RunOutcome) -> Option<f64>;
}

/// A registered metric: its name, unit, direction and one line of description (like a built-in
/// [`super::MetricInfo`]), and the factory that builds a fresh [`Metric`] for each run.
#[derive(Clone, Copy)]
pub struct MetricPart {
    /// The name in `summary.json`, `sweep.csv`, `aggregate.csv` and check rules.
    pub name: &'static str,
    /// Its unit (`s`, `jobs`, `ratio`, …).
    pub unit: &'static str,
    /// Which way is better, for marking the best policy in reports.
    pub better: Better,
    /// One line: what it measures.
    pub doc: &'static str,
    /// Builds the metric for one run.
    pub build: fn() -> Box<dyn Metric>,
}

impl fmt::Debug for MetricPart {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("MetricPart").field(&self.name).finish()
    }
}

/// The keys of `summary.json` beside the metrics (the run's identity and the scenario echo):
/// no metric may be called like one of them.
pub const SUMMARY_KEYS: [&str; 7] = [
    "event_digest",
    "policy",
    "seed",
    "scenario",
    "end_s",
    "jobs_rejected",
    "trace_rows_skipped",
];

/// Whether `name` is made like a metric's name: lowercase letters, digits and `_`, starting with
/// a letter (a column of `sweep.csv` and a key of `summary.json` as they are).
pub fn is_metric_name(name: &str) -> bool {
    name.starts_with(|c: char| c.is_ascii_lowercase())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

impl MetricPart {
    /// Checks that the name can be a column and a JSON key beside the built-in ones: made of
    /// lowercase letters, digits and `_`, starting with a letter, and neither a built-in metric
    /// nor another key of `summary.json` ([`SUMMARY_KEYS`]).
    pub fn check(&self) -> Result<(), String> {
        let name = self.name;
        let well_formed = name.starts_with(|c: char| c.is_ascii_lowercase())
            && name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        if !well_formed {
            return Err(format!(
                "metric `{name}`: a name is lowercase letters, digits and `_`, starting with a letter"
            ));
        }
        if metric_info(name).is_some() {
            return Err(format!("metric `{name}` is a built-in metric"));
        }
        if SUMMARY_KEYS.contains(&name) {
            return Err(format!("metric `{name}`: `{name}` is another key of summary.json"));
        }
        Ok(())
    }
}

/// The metrics of one run, built from their parts: the observers to add to the engine, then the
/// values once it has ended.
pub struct ExtraMetrics {
    metrics: Vec<(&'static str, Box<dyn Metric>)>,
}

impl ExtraMetrics {
    /// A fresh metric of each part, in the order given.
    pub fn build(parts: &[MetricPart]) -> ExtraMetrics {
        ExtraMetrics {
            metrics: parts.iter().map(|p| (p.name, (p.build)())).collect(),
        }
    }

    /// Each metric as an observer, for the engine.
    pub fn observers(&mut self) -> impl Iterator<Item = &mut dyn Observer> {
        self.metrics
            .iter_mut()
            .map(|(_, m)| -> &mut dyn Observer { m.as_mut() })
    }

    /// Each metric's (name, value) for the run that ended with `summary` and `outcome`.
    pub fn values(&self, summary: &Summary, outcome: &RunOutcome) -> Vec<(&'static str, Option<f64>)> {
        self.metrics
            .iter()
            .map(|(name, m)| (*name, m.value(summary, outcome)))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Constant;

    impl Observer for Constant {}

    impl Metric for Constant {
        fn value(&self, _summary: &Summary, _outcome: &RunOutcome) -> Option<f64> {
            Some(1.0)
        }
    }

    fn part(name: &'static str) -> MetricPart {
        MetricPart {
            name,
            unit: "count",
            better: Better::Neither,
            doc: "one",
            build: || Box::new(Constant),
        }
    }

    /// Counts the jobs started (restarts included).
    #[derive(Default)]
    struct Starts(u64);

    impl Observer for Starts {
        fn on_record(&mut self, record: &crate::observe::Record, _view: &crate::view::ClusterView<'_>) {
            self.0 += u64::from(matches!(record, crate::observe::Record::Started { .. }));
        }
    }

    impl Metric for Starts {
        fn value(&self, summary: &Summary, _outcome: &RunOutcome) -> Option<f64> {
            (summary.jobs_completed > 0).then(|| self.0 as f64 / summary.jobs_completed as f64)
        }
    }

    /// Starts the first waiting job on node 0 when it fits.
    struct FirstOnNodeZero;

    impl crate::policy::Policy for FirstOnNodeZero {
        fn name(&self) -> &str {
            "first-on-node-zero"
        }

        fn schedule(&mut self, view: &crate::view::ClusterView<'_>, decisions: &mut Vec<crate::policy::Decision>) {
            let trial = crate::cluster::Trial::new(view.cluster);
            let node = crate::ids::NodeId::from_index(0);
            for job in view.pending_jobs().take(1) {
                if let Some(task) = trial.fit(node, &job.spec.task, job.allowed_gpu_types) {
                    decisions.push(crate::policy::Decision::Start {
                        job: job.id,
                        placement: vec![task],
                        kind: crate::policy::StartKind::Started,
                    });
                }
            }
        }
    }

    #[test]
    fn a_registered_metric_watches_the_run_and_is_recorded_after_the_built_in_ones() {
        use crate::cluster::{Cluster, NodeSpec};
        use crate::engine::EngineConfig;
        use crate::job::JobSpec;
        use crate::resources::TaskRequest;
        use crate::time::SimTime;
        let node = NodeSpec {
            name: "n0".into(),
            rack: "r0".into(),
            gpus: 1,
            gpu_type: "A100".into(),
            cpu_milli: 8_000,
            mem_mib: 1 << 16,
        };
        let cluster = Cluster::build(&[node]).unwrap();
        let gpu = TaskRequest::with_gpu_amount(1.0, 0, 0).unwrap();
        let job = |id: &str| Ok::<_, std::io::Error>(JobSpec::new(id, SimTime::ZERO, SimTime::from_secs(60), 1, gpu));
        let config = EngineConfig {
            horizon: None,
            sample_interval: None,
            ..Default::default()
        };
        let mut policy = FirstOnNodeZero;
        let parts = [MetricPart {
            build: || Box::<Starts>::default(),
            ..part("starts_per_completion")
        }];
        let record = crate::run::simulate_measured(
            cluster,
            [job("a"), job("b")].into_iter(),
            &mut policy,
            config,
            Vec::new(),
            &mut Vec::new(),
            None,
            &parts,
        )
        .unwrap();
        // One GPU: a runs 0–60 s, then b 60–120 s; two starts for two completions.
        assert_eq!(record.summary.jobs_completed, 2);
        assert_eq!(record.extra_metrics, [("starts_per_completion", Some(1.0))]);
    }

    #[test]
    fn names_must_be_columns_beside_the_built_in_ones() {
        assert_eq!(part("max_queue_length").check(), Ok(()));
        assert_eq!(part("q2").check(), Ok(()));
        assert_eq!(
            part("avg_jct_s").check(),
            Err("metric `avg_jct_s` is a built-in metric".into())
        );
        assert_eq!(
            part("seed").check(),
            Err("metric `seed`: `seed` is another key of summary.json".into())
        );
        for bad in ["", "Queue", "queue length", "2q", "a,b"] {
            assert!(part(bad).check().unwrap_err().contains("lowercase letters"), "{bad}");
        }
    }
}

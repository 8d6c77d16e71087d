//! `[training]`: the checkpoint and restart costs of training jobs (docs/training.md), given to
//! every job of the workload.

use serde::{Deserialize, Serialize};
use sim_core::job::JobSpec;
use traces::JobSource;

use crate::duration::Duration;
use crate::error::ScenarioError;
use crate::load::Site;
use crate::schema::Scenario;

/// `[training]`.
#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct TrainingSection {
    /// Every job's checkpoint interval, in work (replaces the trace's `checkpoint_s`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checkpoint_interval: Option<Duration>,
    /// Stall to write one checkpoint (default `"0s"`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checkpoint_cost: Option<Duration>,
    /// Reload and warm-up after a restart from a checkpoint, on the job's nodes (default `"0s"`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub warmup: Option<Duration>,
    /// Nodes held idle as hot spares, swapped in for nodes that fail under jobs (default 0;
    /// fewer than the cluster's nodes).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hot_spares: Option<u32>,
    /// A job a failure stops keeps its healthy nodes through its detection, out of other jobs'
    /// reach (default false; always so with hot spares).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub keep_nodes: Option<bool>,
}

/// Checks `[training]`.
pub(crate) fn check(scenario: &Scenario, site: &Site<'_>) -> Result<(), ScenarioError> {
    let Some(training) = &scenario.training else {
        return Ok(());
    };
    if training.checkpoint_interval.is_some_and(|d| d.0.as_micros() == 0) {
        let place = site.place("training", "checkpoint_interval");
        return Err(ScenarioError::Input(format!(
            "{place}: training.checkpoint_interval: must be longer than zero (omit it to keep the trace's)"
        )));
    }
    Ok(())
}

/// The job stream with the costs of `[training]` given to every job.
pub(crate) struct TrainingCosts {
    /// The jobs.
    pub inner: Box<dyn JobSource>,
    /// The costs.
    pub section: TrainingSection,
}

impl Iterator for TrainingCosts {
    type Item = Result<JobSpec, traces::TraceError>;

    fn next(&mut self) -> Option<Self::Item> {
        self.inner.next().map(|job| {
            job.map(|mut spec| {
                if let Some(interval) = self.section.checkpoint_interval {
                    spec.checkpoint = interval.0;
                }
                if let Some(cost) = self.section.checkpoint_cost {
                    spec.checkpoint_cost = cost.0;
                }
                if let Some(warmup) = self.section.warmup {
                    spec.warmup = warmup.0;
                }
                spec
            })
        })
    }
}

impl JobSource for TrainingCosts {
    fn skipped(&self) -> &traces::SkipReport {
        self.inner.skipped()
    }
}

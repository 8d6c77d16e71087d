//! `[training]`: the checkpoint and restart costs of training jobs (docs/training.md), given to
//! every job of the workload.

use serde::{Deserialize, Serialize};
use sim_core::SimTime;
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
    /// Stall to write one checkpoint (default `"0s"`); with `checkpoint_mode = "async"`, how
    /// long the write takes while the job goes on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checkpoint_cost: Option<Duration>,
    /// `stall` (default): the job stops while writing. `async`: it goes on at
    /// `1 − checkpoint_slowdown` of its speed while writing, and the checkpoint counts once
    /// the write has ended.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checkpoint_mode: Option<CheckpointMode>,
    /// With `checkpoint_mode = "async"`: the share of the job's speed lost while writing, in
    /// [0, 1] (required there, refused elsewhere).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checkpoint_slowdown: Option<f64>,
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

/// How a checkpoint is written.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum CheckpointMode {
    /// The job stops for `checkpoint_cost`.
    #[default]
    Stall,
    /// The job goes on, slowed, for `checkpoint_cost`.
    Async,
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
    let asynchronous = training.checkpoint_mode == Some(CheckpointMode::Async);
    match training.checkpoint_slowdown {
        None if asynchronous => {
            let place = site.place("training", "checkpoint_mode");
            return Err(ScenarioError::Input(format!(
                "{place}: training.checkpoint_mode = \"async\" needs training.checkpoint_slowdown (the share of \
                 the job's speed lost while writing, 0 to 1)"
            )));
        }
        Some(_) if !asynchronous => {
            let place = site.place("training", "checkpoint_slowdown");
            return Err(ScenarioError::Input(format!(
                "{place}: training.checkpoint_slowdown: only with checkpoint_mode = \"async\" (a stalled write \
                 loses all of the job's speed)"
            )));
        }
        Some(slowdown) if !(0.0..=1.0).contains(&slowdown) => {
            let place = site.place("training", "checkpoint_slowdown");
            return Err(ScenarioError::Input(format!(
                "{place}: training.checkpoint_slowdown: {slowdown} is not a share of the speed (0 to 1)"
            )));
        }
        _ => {}
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
                if let Some(slowdown) = self.section.checkpoint_slowdown {
                    // An asynchronous write of W stalls the job slowdown × W (the work it does
                    // not do meanwhile) and counts (1 − slowdown) × W of job time later.
                    let write = spec.checkpoint_cost.as_micros();
                    let stall = (write as f64 * slowdown).round() as u64;
                    spec.checkpoint_cost = SimTime::from_micros(stall);
                    spec.checkpoint_lag = SimTime::from_micros(write - stall);
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

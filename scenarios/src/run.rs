//! Running a loaded scenario once.

use sim_core::engine::World;
use sim_core::run::{RunRecord, simulate};
use traces::SkipReport;

use crate::build::{build_cluster, engine_config, open_workload};
use crate::error::ScenarioError;
use crate::load::LoadedScenario;
use crate::physics_build::physics_config;

/// The result of one run of a scenario.
pub struct ScenarioRun {
    /// Metrics, per-job rows, time series and digest.
    pub record: RunRecord,
    /// Trace rows skipped by the format's rules, by reason.
    pub skipped: SkipReport,
    /// The policy's name as run: the preset, then any replaced parts (`drf[backfill=easy]`).
    pub policy: String,
}

/// Runs the scenario once with its own seed and policy (whose random streams derive from the seed).
pub fn run(loaded: &LoadedScenario) -> Result<ScenarioRun, ScenarioError> {
    let cluster = build_cluster(loaded)?;
    let physics = physics_config(&loaded.scenario, &cluster, &loaded.origin)?;
    let mut source = open_workload(loaded)?;
    let spec = loaded
        .scenario
        .policy
        .spec()
        .map_err(|e| ScenarioError::Input(format!("{}: policy.{e}", loaded.origin)))?;
    let mut policy = policies::resolve(&spec, loaded.scenario.seed);
    let world = World { cluster, physics };
    let record = simulate(world, &mut *source, policy.as_mut(), engine_config(loaded))?;
    Ok(ScenarioRun {
        record,
        skipped: source.skipped().clone(),
        policy: spec.label,
    })
}

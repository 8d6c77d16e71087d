//! # policies: scheduling policies for clustersim
//!
//! A policy is a combination of parts: a queue order ([`queue`]), a placement ([`placement`]),
//! a backfill rule, a preemption victim rule ([`preemption`]), and parameters (quotas, grace
//! period, time slicing). Every part is registered by name in a [`Registry`], with the
//! parameters it reads ([`params`]); a crate of its own adds parts to it. A scenario names a
//! preset and may replace any of its parts ([`spec::PolicyConfig`] → [`spec::PolicySpec`],
//! checked by [`Registry::spec`]); [`resolve`] builds the [`Scheduler`] that runs it.
//!
//! ```
//! use policies::{PolicySpec, resolve};
//! let spec = PolicySpec::preset("easy-backfill").unwrap();
//! let policy = resolve(&spec, 42);
//! assert_eq!(policy.name(), "easy-backfill");
//! assert!(PolicySpec::preset("bestfit").unwrap_err().to_string().contains("did you mean `best-fit`?"));
//! ```

mod backfill;
pub mod explain;
mod offers;
pub mod params;
pub mod placement;
pub mod preemption;
pub mod presets;
pub mod queue;
mod queue_tree;
mod quota;
pub mod registry;
mod round;
mod scheduler;
mod slicing;
pub mod spec;
mod victims;
mod waiting_index;

use sim_core::frag::TypicalTasks;
use sim_core::policy::Policy;

pub use params::{Kind, Param, Params, Table, Value};
pub use presets::Preset;
pub use registry::{
    BackfillFn, BackfillPart, BuildBackfill, BuildPlacement, BuildQueueOrder, BuildVictimOrder, Context, Factory,
    PART_KEYS, PartInfo, PlacementFn, PlacementPart, PreemptionPart, QueueOrderFn, QueueOrderPart, Registry,
    VictimOrderFn,
};
pub use scheduler::Scheduler;
pub use spec::{ConfigError, DEFAULT_PRESET, POLICY_PARAMS, PolicyConfig, PolicySpec, QueueSpec};

/// Builds the policy `spec` describes for a run seeded with `seed`: each part from its factory,
/// given the checked parameters and the seed (random parts derive their streams from it: the
/// lottery its `lottery` stream, the random placements their `placement` stream), for a
/// workload without typical tasks (FGD then scores every node alike: see [`resolve_with`]).
pub fn resolve(spec: &PolicySpec, seed: u64) -> Box<dyn Policy + Send> {
    resolve_with(spec, seed, &TypicalTasks::new(Vec::new()))
}

/// [`resolve`], for a workload whose `typical` tasks FGD measures fragmentation against.
pub fn resolve_with(spec: &PolicySpec, seed: u64, typical: &TypicalTasks) -> Box<dyn Policy + Send> {
    Box::new(Scheduler::new(spec, seed, typical))
}

/// [`resolve`], explaining every round's decisions into `sink` (the why-log, see [`explain`]),
/// each start by a scored placement with its best `top_k` candidates; the run's decisions and
/// events are the same as without it.
pub fn resolve_explained(
    spec: &PolicySpec,
    seed: u64,
    typical: &TypicalTasks,
    sink: Box<dyn explain::ExplainSink>,
    top_k: usize,
) -> Box<dyn Policy + Send> {
    Box::new(Scheduler::explained(spec, seed, typical, sink, top_k))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_preset_resolves_under_its_name() {
        for preset in Registry::builtin().presets() {
            let spec = PolicySpec::preset(preset.name).unwrap();
            assert_eq!(resolve(&spec, 0).name(), preset.name);
        }
    }

    #[test]
    fn unknown_presets_suggest_the_nearest() {
        let err = PolicySpec::preset("best-fti").unwrap_err();
        assert_eq!(err.key, "name");
        assert!(
            err.message
                .starts_with("unknown policy `best-fti` (did you mean `best-fit`?); known: first-fit, best-fit,"),
            "{err}"
        );
        // The textbook name of arrival order points at the presets that are it.
        let err = PolicySpec::preset("FCFS").unwrap_err();
        assert!(
            err.message.starts_with(
                "unknown policy `FCFS` (first come, first served without backfilling is the `fifo` queue of the \
                 placement presets: `first-fit`, `best-fit` and the others); known: first-fit,"
            ),
            "{err}"
        );
        assert!(
            !PolicySpec::preset("zzzzzzzzzz")
                .unwrap_err()
                .message
                .contains("did you mean")
        );
    }
}

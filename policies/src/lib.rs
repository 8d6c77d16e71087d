//! # policies: scheduling policies for clustersim
//!
//! A policy is a combination of parts ([`parts`]): a queue order ([`queue`]), a placement
//! ([`placement`]), backfilling, a preemption rule, and parameters (quotas, grace period,
//! time slicing). A scenario names a preset ([`presets::PRESETS`]) and may replace any of
//! its parts ([`spec::PolicyConfig`] → [`spec::PolicySpec`]); [`resolve`] builds the
//! [`Scheduler`] that runs it.
//!
//! ```
//! use policies::{PolicySpec, resolve};
//! let spec = PolicySpec::preset("easy-backfill").unwrap();
//! let policy = resolve(&spec, 42);
//! assert_eq!(policy.name(), "easy-backfill");
//! assert!(PolicySpec::preset("bestfit").unwrap_err().to_string().contains("did you mean `best-fit`?"));
//! ```

mod backfill;
pub mod parts;
pub mod placement;
mod preemption;
pub mod presets;
pub mod queue;
mod queue_tree;
mod quota;
mod round;
mod scheduler;
mod slicing;
pub mod spec;
mod victims;

use sim_core::frag::TypicalTasks;
use sim_core::policy::Policy;

pub use parts::{BackfillKind, Part, PartInfo, PlacementKind, PreemptionKind, QueueKind, ShareBy};
pub use presets::{PRESETS, Preset};
pub use scheduler::Scheduler;
pub use spec::{ConfigError, PolicyConfig, PolicySpec, QueueConfig};

/// Builds the policy `spec` describes for a run seeded with `seed` (the lottery and the random
/// placement draw from the run's `lottery` and `placement` streams), for a workload without
/// typical tasks (FGD then scores every node alike: see [`resolve_with`]).
pub fn resolve(spec: &PolicySpec, seed: u64) -> Box<dyn Policy + Send> {
    resolve_with(spec, seed, &TypicalTasks::new(Vec::new()))
}

/// [`resolve`], for a workload whose `typical` tasks FGD measures fragmentation against.
pub fn resolve_with(spec: &PolicySpec, seed: u64, typical: &TypicalTasks) -> Box<dyn Policy + Send> {
    Box::new(Scheduler::new(spec, seed, typical))
}

/// One line of the listing of parts: the `[policy]` key, the choice's name and what it does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PartLine {
    /// The `[policy]` key (`queue`, `placement`, …).
    pub key: &'static str,
    /// The choice's name.
    pub name: &'static str,
    /// One line of description.
    pub summary: &'static str,
}

/// Every choice of every part, in listing order (what `clustersim policies` prints).
pub fn part_lines() -> Vec<PartLine> {
    fn lines<T: Part>() -> impl Iterator<Item = PartLine> {
        T::ALL.iter().map(|p| PartLine {
            key: T::KEY,
            name: p.name,
            summary: p.summary,
        })
    }
    lines::<QueueKind>()
        .chain(lines::<PlacementKind>())
        .chain(lines::<BackfillKind>())
        .chain(lines::<PreemptionKind>())
        .chain(lines::<ShareBy>())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_preset_resolves_under_its_name() {
        for preset in PRESETS {
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
        assert!(
            !PolicySpec::preset("zzzzzzzzzz")
                .unwrap_err()
                .message
                .contains("did you mean")
        );
    }
}

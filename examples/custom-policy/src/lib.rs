//! # custom-policy: adding parts to clustersim from a crate of its own
//!
//! Two parts, a metric and a world model, one file each: a placement ([`headroom`]), a queue
//! order ([`largest_first`]), a metric ([`max_queue`]) and a maintenance window
//! ([`maintenance`]). [`registry`] adds them to the built-in ones, one line each; a scenario
//! loaded with that registry may name the parts (`placement = "headroom"`) and the world model
//! (`models = ["maintenance"]`), and every run of it reports the metric after the built-in
//! ones (`summary.json`, `sweep.csv`, `aggregate.csv`, check rules). It runs with the ordinary
//! runner:
//!
//! ```
//! let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenario.toml");
//! let loaded = scenarios::load_file_with(&path, &[], &custom_policy::registry())?;
//! let run = scenarios::run::run(&loaded)?;
//! assert_eq!(run.policy, "first-fit[queue=largest-first,placement=headroom]");
//! assert_eq!(run.record.extra_metrics, [("max_queue_length", Some(2.0))]);
//! # Ok::<(), scenarios::ScenarioError>(())
//! ```

pub mod headroom;
pub mod largest_first;
pub mod maintenance;
pub mod max_queue;

use policies::Registry;

/// The built-in parts and metrics, and this crate's.
pub fn registry() -> Registry {
    let mut registry = Registry::builtin();
    registry.add_placement(headroom::PART);
    registry.add_queue_order(largest_first::PART);
    registry.add_metric(max_queue::METRIC);
    registry.add_world_model(maintenance::PART);
    registry
}

//! # custom-policy: adding parts to clustersim from a crate of its own
//!
//! Two parts, one file each: a placement ([`headroom`]) and a queue order
//! ([`largest_first`]). [`registry`] adds them to the built-in parts, one line each; a scenario
//! loaded with that registry may name them (`placement = "headroom"`), and runs with the
//! ordinary runner:
//!
//! ```
//! let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenario.toml");
//! let loaded = scenarios::load_file_with(&path, &[], &custom_policy::registry())?;
//! let run = scenarios::run::run(&loaded)?;
//! assert_eq!(run.policy, "first-fit[queue=largest-first,placement=headroom]");
//! # Ok::<(), scenarios::ScenarioError>(())
//! ```

pub mod headroom;
pub mod largest_first;

use policies::Registry;

/// The built-in parts, and this crate's.
pub fn registry() -> Registry {
    let mut registry = Registry::builtin();
    registry.add_placement(headroom::PART);
    registry.add_queue_order(largest_first::PART);
    registry
}

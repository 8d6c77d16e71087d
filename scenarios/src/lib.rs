//! # scenarios: scenario files, their validation and the runner
//!
//! A scenario (TOML) names the cluster, the workload, the policy and the outputs; see
//! [`schema::Scenario`] for every key. [`load::load_file`] reads and checks one (with `--set`
//! overrides), [`run::run`] runs it, [`sweep`] runs its grid × seeds in parallel. The
//! `clustersim` command lives in `src/bin`.

pub mod budget;
pub mod build;
pub mod decisions;
pub mod duration;
pub mod error;
pub mod faults_build;
pub mod faults_schema;
mod finite;
pub mod kept_workload;
pub mod library;
pub mod limits;
pub mod load;
pub mod output;
pub mod overrides;
pub mod physics_build;
pub mod physics_schema;
pub mod run;
pub mod schema;
pub mod sharing_build;
pub mod sharing_schema;
pub mod sweep;
pub mod synthetic;
pub mod training;
mod validate;
pub mod why;

pub use error::ScenarioError;
pub use load::{LoadedScenario, ValidScenario, load_file, load_file_with, load_str, load_str_with};
pub use overrides::Override;

/// The demo scenario, embedded so that `clustersim demo` runs from any folder.
pub const DEMO_SCENARIO: &str = include_str!("../examples/demo.toml");

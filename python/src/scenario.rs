//! Where a scenario comes from (a file, `library:NAME` or TOML text) and loading it with
//! overrides, as the command does.

use std::path::PathBuf;

use pyo3::prelude::*;
use scenarios::sweep::expand::Source as PlanSource;
use scenarios::{Override, ScenarioError, ValidScenario};

use crate::error::to_py;

/// A scenario as the Python side names it.
pub enum Source {
    /// A file, or `library:NAME` (read the way `clustersim run PATH` reads it).
    Path(PathBuf),
    /// TOML text; relative paths in it are tried against `base_dir`.
    Text {
        /// The scenario.
        text: String,
        /// The name used in messages.
        origin: String,
        /// The folder relative paths are tried against first.
        base_dir: Option<PathBuf>,
    },
}

impl Source {
    /// The source `kind` (`"path"` or `"text"`) names; `origin` and `base_dir` apply to text.
    pub fn new(kind: &str, value: String, origin: Option<String>, base_dir: Option<PathBuf>) -> PyResult<Source> {
        match kind {
            "path" => Ok(Source::Path(PathBuf::from(value))),
            "text" => Ok(Source::Text {
                text: value,
                origin: origin.unwrap_or_else(|| "<scenario text>".to_string()),
                base_dir,
            }),
            other => Err(pyo3::exceptions::PyValueError::new_err(format!(
                "unknown scenario kind `{other}`: expected `path` or `text`"
            ))),
        }
    }

    /// The text, its name for messages and its folder.
    pub fn read(&self) -> Result<(String, String, Option<PathBuf>), ScenarioError> {
        match self {
            Source::Path(path) => scenarios::load::read_scenario(path),
            Source::Text { text, origin, base_dir } => Ok((text.clone(), origin.clone(), base_dir.clone())),
        }
    }

    /// Loads and checks the scenario with `overrides` (each `KEY=VALUE`, as `--set` takes it)
    /// and, when given, `seed` (as `--seed` sets it); the policy may name registered Python
    /// parts.
    pub fn load(&self, overrides: &[Override], seed: Option<u64>) -> Result<ValidScenario, ScenarioError> {
        let overrides = with_seed(overrides, seed);
        let (text, origin, base_dir) = self.read()?;
        scenarios::load_str_with(&text, &origin, base_dir, &overrides, &crate::pypolicy::registry())
    }

    /// Expands the scenario's sweep (with `sweep` in place of its `[sweep]`, when given); the
    /// policies may name registered Python parts.
    pub fn plan(
        &self,
        overrides: &[Override],
        sweep: Option<scenarios::schema::SweepSection>,
    ) -> Result<scenarios::sweep::expand::SweepPlan, ScenarioError> {
        let (text, origin, base_dir) = self.read()?;
        let source = PlanSource {
            text: &text,
            origin: &origin,
            base_dir,
        };
        scenarios::sweep::expand::plan_with(&source, overrides, sweep, &crate::pypolicy::registry())
    }
}

/// `overrides`, then `seed=SEED` when a seed is given.
pub fn with_seed(overrides: &[Override], seed: Option<u64>) -> Vec<Override> {
    let mut all = overrides.to_vec();
    if let Some(seed) = seed {
        all.push(format!("seed={seed}").parse().expect("seed=N is a valid override"));
    }
    all
}

/// Parses `KEY=VALUE` overrides, refusing a malformed one as the command does.
pub fn parse_overrides(texts: &[String]) -> PyResult<Vec<Override>> {
    texts
        .iter()
        .map(|text| {
            text.parse::<Override>()
                .map_err(|e| to_py(ScenarioError::Input(format!("override {text}: {e}"))))
        })
        .collect()
}

//! Errors of loading, checking and running a scenario, sorted by who must act on them.

/// Why a scenario could not be loaded or run.
#[derive(Debug, thiserror::Error)]
pub enum ScenarioError {
    /// Bad input: a file, key, value or flag the user must fix (exit code 2).
    #[error("{0}")]
    Input(String),
    /// The run itself failed (a policy made an invalid decision): a bug to report (exit code 3).
    #[error("{0}")]
    Run(String),
}

impl ScenarioError {
    /// The process exit code for this error.
    pub fn exit_code(&self) -> i32 {
        match self {
            ScenarioError::Input(_) => 2,
            ScenarioError::Run(_) => 3,
        }
    }
}

impl From<traces::TraceError> for ScenarioError {
    fn from(e: traces::TraceError) -> Self {
        ScenarioError::Input(e.to_string())
    }
}

impl From<sim_core::engine::RunError> for ScenarioError {
    fn from(e: sim_core::engine::RunError) -> Self {
        match e {
            sim_core::engine::RunError::InvalidDecision { .. } => ScenarioError::Run(e.to_string()),
            other => ScenarioError::Input(other.to_string()),
        }
    }
}

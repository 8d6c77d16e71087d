//! Errors of loading, checking and running a scenario, sorted by who must act on them
//! ([`Failure`]); the `clustersim` command turns each kind into its exit code.

use reports::ReportError;
use traces::{TraceError, UnknownName};

/// Why a scenario could not be loaded or run.
#[derive(Debug, thiserror::Error)]
pub enum ScenarioError {
    /// Bad input: a file, key, value or flag the user must fix.
    #[error("{0}")]
    Input(String),
    /// An input asks for more than the budget allows.
    #[error(transparent)]
    OverLimit(Box<OverLimit>),
    /// A value outside what the key accepts.
    #[error(transparent)]
    OutOfRange(Box<OutOfRange>),
    /// A name a key or flag takes (a format, a unit) that is not one of those it accepts.
    #[error(transparent)]
    UnknownName(#[from] UnknownName),
    /// A trace or nodes file that is bad (named by file, line and column) or could not be read.
    #[error(transparent)]
    Trace(Box<TraceError>),
    /// Results read back (a sweep, a baseline, rules) that are bad or could not be read, or a
    /// report that could not be written.
    #[error(transparent)]
    Report(Box<ReportError>),
    /// [`ScenarioError::Report`] while drawing the report of the folder `dir`.
    #[error("report of {dir}: {source}")]
    ReportOf {
        /// The results folder.
        dir: String,
        /// What went wrong.
        source: Box<ReportError>,
    },
    /// Reading or writing a file failed for a reason that is not the input's fault: disk full,
    /// no permission, a read-only folder. Nothing partial is left behind.
    #[error("{path}: {source}")]
    Io {
        /// The file or folder.
        path: String,
        /// The underlying error.
        source: std::io::Error,
    },
    /// The run itself failed (a policy made an invalid decision): a bug to report.
    #[error("{0}")]
    Run(String),
}

/// Who must act on an error: what the `clustersim` command's exit code says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Failure {
    /// The user: a file, key, value or flag to fix, or an input over the budget.
    Input,
    /// The machine: disk full, no permission, a read-only folder.
    Machine,
    /// The program: a run failed for another reason (a policy's invalid decision).
    Run,
}

/// An input that asks for more than `limits.KEY` allows.
#[derive(Debug, thiserror::Error)]
#[error(
    "{place}: {input}: {value}, more than limits.{key} = {limit}; raise limits.{key} ([limits] {key} = N in the \
     scenario, or --set limits.{key}=N) if the machine can hold it"
)]
pub struct OverLimit {
    /// The file (and line) of the input, or the flag.
    pub place: String,
    /// What was counted, from which keys (`the nodes of cluster.racks × cluster.nodes_per_rack`).
    pub input: String,
    /// The count.
    pub value: u128,
    /// The `[limits]` key.
    pub key: &'static str,
    /// The limit in force.
    pub limit: u64,
}

/// A value outside what its key accepts.
#[derive(Debug, thiserror::Error)]
#[error("{place}: {key}: {value} is not accepted; {accepted}")]
pub struct OutOfRange {
    /// The file (and line) of the key.
    pub place: String,
    /// The key, dotted (`thermal.inlet_c`).
    pub key: String,
    /// The value as found.
    pub value: String,
    /// What would be accepted, and why.
    pub accepted: String,
}

impl From<OverLimit> for ScenarioError {
    fn from(e: OverLimit) -> Self {
        ScenarioError::OverLimit(Box::new(e))
    }
}

impl From<OutOfRange> for ScenarioError {
    fn from(e: OutOfRange) -> Self {
        ScenarioError::OutOfRange(Box::new(e))
    }
}

impl ScenarioError {
    /// Who must act on this error.
    pub fn failure(&self) -> Failure {
        let io = |source: &std::io::Error| {
            if is_machine_fault(source) {
                Failure::Machine
            } else {
                Failure::Input
            }
        };
        match self {
            ScenarioError::Input(_)
            | ScenarioError::OverLimit(_)
            | ScenarioError::OutOfRange(_)
            | ScenarioError::UnknownName(_) => Failure::Input,
            ScenarioError::Trace(e) => match &**e {
                TraceError::Io { source, .. } => io(source),
                _ => Failure::Input,
            },
            ScenarioError::Report(e) | ScenarioError::ReportOf { source: e, .. } => match &**e {
                ReportError::Io { source, .. } => io(source),
                _ => Failure::Input,
            },
            ScenarioError::Io { .. } => Failure::Machine,
            ScenarioError::Run(_) => Failure::Run,
        }
    }

    /// [`ScenarioError::ReportOf`] the folder `dir`.
    pub fn report_of(dir: &std::path::Path, source: ReportError) -> ScenarioError {
        ScenarioError::ReportOf {
            dir: dir.display().to_string(),
            source: Box::new(source),
        }
    }

    /// An error writing or reading `path`: [`ScenarioError::Io`] when the machine is at fault
    /// (disk full, permission, read-only, …), bad input otherwise (a path that is not a folder).
    pub fn io(path: &std::path::Path, source: std::io::Error) -> ScenarioError {
        if is_machine_fault(&source) {
            ScenarioError::Io {
                path: path.display().to_string(),
                source,
            }
        } else if path.is_file()
            && matches!(
                source.kind(),
                std::io::ErrorKind::AlreadyExists | std::io::ErrorKind::NotADirectory
            )
        {
            // An output folder named like an existing file.
            ScenarioError::Input(format!("{}: is a file, not a folder", path.display()))
        } else {
            ScenarioError::Input(format!("{}: {source}", path.display()))
        }
    }
}

/// Whether an I/O error is the machine's fault rather than the input's: no space, no
/// permission, a read-only file system, a quota, an interrupted device.
pub fn is_machine_fault(error: &std::io::Error) -> bool {
    use std::io::ErrorKind;
    matches!(
        error.kind(),
        ErrorKind::StorageFull
            | ErrorKind::PermissionDenied
            | ErrorKind::ReadOnlyFilesystem
            | ErrorKind::QuotaExceeded
            | ErrorKind::FileTooLarge
            | ErrorKind::ResourceBusy
            | ErrorKind::WriteZero
            | ErrorKind::Interrupted
    ) || error.raw_os_error() == Some(5)
}

impl From<TraceError> for ScenarioError {
    fn from(e: TraceError) -> Self {
        ScenarioError::Trace(Box::new(e))
    }
}

impl From<ReportError> for ScenarioError {
    fn from(e: ReportError) -> Self {
        ScenarioError::Report(Box::new(e))
    }
}

impl From<sim_core::engine::RunError> for ScenarioError {
    fn from(e: sim_core::engine::RunError) -> Self {
        match e {
            sim_core::engine::RunError::InvalidDecision { .. } | sim_core::engine::RunError::Interrupted(_) => {
                ScenarioError::Run(e.to_string())
            }
            other => ScenarioError::Input(other.to_string()),
        }
    }
}

/// The error of a run of the scenario `origin`: a run stopped by the progress guard is bad
/// input (exit code 2), named after the scenario, with the keys that would let it end;
/// anything else as [`From`] sorts it.
pub fn run_error(origin: &str, e: sim_core::engine::RunError) -> ScenarioError {
    use sim_core::engine::guard::Bound;
    let sim_core::engine::RunError::NoProgress(stall) = e else {
        return e.into();
    };
    let fix = match stall.bound {
        Bound::Events { .. } => {
            "change what the cause names, or, if the run is right, raise limits.max_events ([limits] max_events = N, or --set limits.max_events=N)"
        }
        Bound::SameInstant { .. } => "change what the cause names: the run cannot advance as it is",
        Bound::Time { .. } => {
            "change what the cause names, or set a horizon; a run without one may reach limits.max_time, or less when its time series would fill limits.samples sooner"
        }
    };
    ScenarioError::Input(format!("{origin}: {stall}; {fix}"))
}

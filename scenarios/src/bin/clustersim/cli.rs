//! Command-line syntax (clap).

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};
use scenarios::Override;

/// Command-line arguments.
#[derive(Parser)]
#[command(
    name = "clustersim",
    version,
    about = "A deterministic discrete-event simulator of GPU clusters: replay job traces over a \
             modelled cluster under pluggable scheduling policies."
)]
#[command(after_help = "Exit codes: 0 success, 1 a failed check, 2 bad input, 3 a failed run (policy error).")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub enum Command {
    /// Run one scenario and write summary.json, jobs.csv and timeseries.csv.
    Run(RunArgs),
    /// Check a scenario file (keys, values, files it names) without running it.
    Validate(ValidateArgs),
    /// Compare first-fit, best-fit and worst-fit on the embedded Philly trace and print a table.
    Demo(DemoArgs),
    /// List the scheduling policies, one line each.
    Policies,
}

#[derive(Args)]
pub struct RunArgs {
    /// The scenario file (TOML).
    pub scenario: PathBuf,
    /// Use this seed instead of the scenario's.
    #[arg(long)]
    pub seed: Option<u64>,
    /// Override a scenario key, e.g. --set policy.name=best-fit (repeatable).
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub overrides: Vec<Override>,
    /// Output folder [default: clustersim-out/<scenario name>].
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Print nothing but errors.
    #[arg(long, short)]
    pub quiet: bool,
}

#[derive(Args)]
pub struct ValidateArgs {
    /// The scenario file (TOML).
    pub scenario: PathBuf,
    /// Override a scenario key before checking (repeatable).
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub overrides: Vec<Override>,
}

#[derive(Args)]
pub struct DemoArgs {
    /// Output folder.
    #[arg(long, default_value = "clustersim-out/demo")]
    pub out: PathBuf,
}

//! Command-line syntax (clap).

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};
use scenarios::Override;
use sim_core::time::{SimTime, parse_duration};
use traces::{Format, SwfProcessor};

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
    /// Trace tools: statistics, conversion to the native CSV, synthetic traces.
    Trace(TraceArgs),
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

#[derive(Args)]
pub struct TraceArgs {
    #[command(subcommand)]
    pub command: TraceCommand,
}

#[derive(Subcommand)]
pub enum TraceCommand {
    /// Job count, skipped rows, submit span, size histogram, durations and GPU-hours of a trace.
    Stats(StatsArgs),
    /// Write a trace in the native CSV.
    Convert(ConvertArgs),
    /// Write a synthetic trace (native CSV) from the keys of [workload.synthetic].
    Generate(GenerateArgs),
}

/// How to read a trace file.
#[derive(Args)]
pub struct ReadArgs {
    /// The trace format: native, philly, swf or openb [default: detected from the name and first line].
    #[arg(long)]
    pub format: Option<Format>,
    /// SWF: what one processor becomes, gpu or cpu (one core).
    #[arg(long, default_value = "gpu")]
    pub swf_processor: SwfProcessor,
    /// Openb pod lists without times: how long each pod runs, e.g. 616s.
    #[arg(long, value_parser = parse_duration)]
    pub pod_duration: Option<SimTime>,
}

#[derive(Args)]
pub struct StatsArgs {
    /// The trace file.
    pub file: PathBuf,
    #[command(flatten)]
    pub read: ReadArgs,
    /// Print JSON (keys: jobs, skipped, skipped_reasons, first_submit_s, last_submit_s,
    /// size_histogram, duration_mean_s, duration_p50_s, duration_p90_s, duration_p99_s, total_gpu_hours).
    #[arg(long)]
    pub json: bool,
}

#[derive(Args)]
pub struct ConvertArgs {
    /// The trace file.
    pub file: PathBuf,
    /// The output format (only native).
    #[arg(long, value_parser = ["native"])]
    pub to: String,
    #[command(flatten)]
    pub read: ReadArgs,
    /// Output file [default: standard output].
    #[arg(long)]
    pub out: Option<PathBuf>,
}

#[derive(Args)]
pub struct GenerateArgs {
    /// Take [workload.synthetic], the seed and the cluster's GPU count from this scenario.
    #[arg(long)]
    pub scenario: Option<PathBuf>,
    /// GPUs of the cluster the offered load refers to (instead of a scenario's cluster).
    #[arg(long)]
    pub gpus: Option<u32>,
    /// Seed [default: the scenario's, else 0].
    #[arg(long)]
    pub seed: Option<u64>,
    /// Set a key of [workload.synthetic], e.g. --set jobs=5000 --set family=llm (repeatable).
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub overrides: Vec<Override>,
    /// Output file [default: standard output].
    #[arg(long)]
    pub out: Option<PathBuf>,
}

//! Command-line syntax (clap).

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};
use scenarios::Override;
use scenarios::sweep::shard::Shard;
use sim_core::time::{SimTime, parse_duration};
use traces::{Format, SwfProcessor, SwfSize};

/// Command-line arguments.
#[derive(Parser)]
#[command(
    name = "clustersim",
    version,
    about = "A deterministic discrete-event simulator of GPU clusters: replay job traces over a \
             modelled cluster under pluggable scheduling policies."
)]
#[command(
    after_help = "Exit codes: 0 success, 1 a failed check, 2 bad input (including an input over the budget \
                         of [limits], docs/limits.md), 3 a failed run (policy error, or some runs of a sweep failed), \
                         4 an I/O failure (disk full, permission; nothing partial left), 130 interrupted (Ctrl-C)."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub enum Command {
    /// Run one scenario; write summary.json, jobs.csv, timeseries.csv, charts and report.html.
    Run(RunArgs),
    /// Check a scenario file (keys, values, files it names) without running it.
    Validate(ValidateArgs),
    /// Compare first-fit, best-fit and worst-fit on the embedded Philly trace and print a table.
    Demo(DemoArgs),
    /// List the scheduling policies, one line each.
    Policies,
    /// A job's communication share from its gradient all-reduce (ring algorithm), for
    /// `comm_fraction` in traces and `workload.comm_fraction`.
    CommFraction(CommFractionArgs),
    /// List the incident library (run one with `clustersim run library:NAME`), or tell one's story.
    Scenarios(ScenariosArgs),
    /// Run the scenario's sweep (sweep.grid × sweep.seeds) in parallel; writes sweep.csv, aggregate.csv,
    /// charts and report.html.
    Sweep(SweepArgs),
    /// Join the folders of a sharded sweep into one (every shard once, every run once).
    Merge(MergeArgs),
    /// Run the scenario under several policies on the same seeds; print means, 95 % intervals
    /// and paired differences; write the charts and report.html.
    Compare(CompareArgs),
    /// Re-draw the charts and report.html of a sweep, comparison or run folder from its files.
    Report(ReportArgs),
    /// Gate CI: exit 1 with a table of regressions when a metric breaks a rule against the
    /// baseline, 0 otherwise, 2 for bad input (a damaged file, a rule error, nothing in common).
    Check(CheckArgs),
    /// Tell a job's story from a run folder written with --explain (decisions.csv, jobs.csv,
    /// incidents.csv): when it was submitted, why it waited and for how long, where it ran, how
    /// it ended; or, with --summary, the share of waiting job-seconds by reason.
    Why(WhyArgs),
    /// Trace tools: statistics, conversion to the native CSV, synthetic traces.
    Trace(TraceArgs),
}

#[derive(Args)]
pub struct RunArgs {
    /// The scenario file (TOML).
    pub scenario: PathBuf,
    /// Use this seed instead of the scenario's (0 to 9223372036854775807, the largest a TOML file
    /// can hold).
    #[arg(long, value_parser = clap::value_parser!(u64).range(..=i64::MAX as u64))]
    pub seed: Option<u64>,
    /// Override a scenario key, e.g. --set policy.name=best-fit (repeatable).
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub overrides: Vec<Override>,
    /// Output folder [default: clustersim-out/NAME, NAME being the scenario's name].
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Print nothing but errors: no progress bar, no table, no timing.
    #[arg(long, short)]
    pub quiet: bool,
    /// Write only the data files, no charts and no report.html.
    #[arg(long)]
    pub no_report: bool,
    /// Also write decisions.csv, the why-log: every job each scheduling round considered, what
    /// it did (started, backfilled, preempted-others, waits) and why a job waits (read it with
    /// `clustersim why`). Same as `[output] explain = true`.
    #[arg(long)]
    pub explain: bool,
    /// Also write jobs.swf: the simulated schedule in the Standard Workload Format (one line
    /// per job in submit order: wait, run time, processors, status 1 completed, 0 failed or
    /// killed at its time limit, 5 never fits), for the tools that read Parallel Workloads
    /// Archive logs. Same as `[output] swf = true`.
    #[arg(long)]
    pub swf: bool,
    /// Also write timeline.json: every task on its GPU's track, rack counters, failures and
    /// incidents, in the Chrome trace-event format (open it in ui.perfetto.dev).
    #[arg(long)]
    pub timeline: bool,
    /// Keep only this span of the timeline, FROM..TO from the start (e.g. 2d..3d); implies --timeline.
    #[arg(long, value_name = "FROM..TO")]
    pub timeline_window: Option<reports::timeline::Window>,
    /// Keep only matching nodes or racks in the timeline (`*` any characters, commas between
    /// patterns, e.g. r01-*,r02-n0); implies --timeline.
    #[arg(long, value_name = "PATTERNS")]
    pub timeline_nodes: Option<reports::timeline::NodeFilter>,
}

#[derive(Args)]
pub struct WhyArgs {
    /// A run folder written with --explain.
    pub dir: PathBuf,
    /// The job's id, as in the trace and jobs.csv.
    #[arg(required_unless_present = "summary")]
    pub job: Option<String>,
    /// Print the share of waiting job-seconds by reason for the whole run instead.
    #[arg(long, conflicts_with = "job")]
    pub summary: bool,
}

/// A finite number of 0 or more (`--bytes`).
fn at_least_zero(text: &str) -> Result<f64, String> {
    finite(text).and_then(|v| {
        if v >= 0.0 {
            Ok(v)
        } else {
            Err(format!("{v} is below 0"))
        }
    })
}

/// A finite number above 0 (`--gbps`).
fn above_zero(text: &str) -> Result<f64, String> {
    finite(text).and_then(|v| {
        if v > 0.0 {
            Ok(v)
        } else {
            Err(format!("{v} is not above 0"))
        }
    })
}

/// A finite number: NaN and the infinities are not bandwidths or sizes.
fn finite(text: &str) -> Result<f64, String> {
    match text.trim().parse::<f64>() {
        Ok(v) if v.is_finite() => Ok(v),
        Ok(_) => Err("expected a finite number".to_string()),
        Err(_) => Err(format!("`{text}` is not a number")),
    }
}

#[derive(Args)]
pub struct CommFractionArgs {
    /// Bytes all-reduced every step (e.g. 14e9 for 7B parameters in 16-bit gradients; 0 or more).
    #[arg(long, value_parser = at_least_zero, allow_negative_numbers = true)]
    pub bytes: f64,
    /// GPUs taking part (ring size, at least 1).
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..))]
    pub gpus: u32,
    /// Network bandwidth per GPU, Gbit/s (above 0).
    #[arg(long, value_parser = above_zero, allow_negative_numbers = true)]
    pub gbps: f64,
    /// Computation time per step not overlapped with communication, e.g. 800ms.
    #[arg(long, value_parser = parse_duration)]
    pub compute: SimTime,
    /// Latency per ring step, e.g. 5us (docs/models.md: 2–5 µs in a rack, 10–30 µs across pods).
    #[arg(long, value_parser = parse_duration, default_value = "5us")]
    pub latency: SimTime,
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
pub struct ScenariosArgs {
    /// Print this library scenario's story and file instead of the list.
    pub name: Option<String>,
}

#[derive(Args)]
pub struct DemoArgs {
    /// Output folder.
    #[arg(long, default_value = "clustersim-out/demo")]
    pub out: PathBuf,
    /// Print nothing but errors.
    #[arg(long, short)]
    pub quiet: bool,
}

#[derive(Args)]
pub struct SweepArgs {
    /// The scenario file (TOML) with a sweep section.
    pub scenario: PathBuf,
    /// Worker threads [default: RAYON_NUM_THREADS if set, else the number of cores].
    #[arg(long)]
    pub threads: Option<usize>,
    /// Run only shard K of N (runs whose index mod N is K − 1), e.g. --shard 2/8.
    #[arg(long, value_name = "K/N")]
    pub shard: Option<Shard>,
    /// Continue the sweep recorded in --out: skip recorded runs, run the rest.
    #[arg(long)]
    pub resume: bool,
    /// Start at most N runs now, then stop (continue later with --resume).
    #[arg(long, value_name = "N")]
    pub max_runs: Option<u64>,
    /// Override a scenario key, e.g. --set horizon=2d (repeatable).
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub overrides: Vec<Override>,
    /// Output folder [default: clustersim-out/NAME-sweep].
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Print nothing but errors: no progress bar, no summary, no timing.
    #[arg(long, short)]
    pub quiet: bool,
}

#[derive(Args)]
pub struct MergeArgs {
    /// The shard folders (each with sweep.json and sweep.csv).
    #[arg(required = true)]
    pub dirs: Vec<PathBuf>,
    /// Output folder of the merged sweep.
    #[arg(long)]
    pub out: PathBuf,
    /// Print nothing but errors.
    #[arg(long, short)]
    pub quiet: bool,
}

#[derive(Args)]
pub struct CompareArgs {
    /// The scenario file (TOML); its sweep.grid is ignored, its sweep.seeds is the default.
    pub scenario: PathBuf,
    /// Policies to compare, comma-separated (presets, or presets with parts replaced as runs label
    /// them: `drf[backfill=easy]`); differences are taken against the first.
    #[arg(long, value_name = "A,B,…")]
    pub policies: String,
    /// Seeds per policy [default: the scenario's sweep.seeds, else 10].
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..=i64::MAX as u64))]
    pub seeds: Option<u64>,
    /// Worker threads [default: RAYON_NUM_THREADS if set, else the number of cores].
    #[arg(long)]
    pub threads: Option<usize>,
    /// Override a scenario key (repeatable).
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub overrides: Vec<Override>,
    /// Output folder [default: clustersim-out/NAME-compare, NAME being the scenario's name]; its previous
    /// comparison files are replaced (a folder holding a sweep of other keys is refused).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Continue the interrupted comparison in --out: the runs it recorded are kept, the others
    /// run (give the same scenario, policies, seeds and --set).
    #[arg(long)]
    pub resume: bool,
    /// Start at most N runs now, then stop (continue later with --resume).
    #[arg(long, value_name = "N")]
    pub max_runs: Option<u64>,
    /// Print nothing but errors: no progress bar, no tables, no timing.
    #[arg(long, short)]
    pub quiet: bool,
}

#[derive(Args)]
pub struct ReportArgs {
    /// A sweep or comparison folder (with sweep.csv), or a run folder (with summary.json).
    pub dir: PathBuf,
    /// Print nothing but errors.
    #[arg(long, short)]
    pub quiet: bool,
}

#[derive(Args)]
pub struct CheckArgs {
    /// Results: a sweep or comparison folder (its aggregate.csv), a run folder (its
    /// summary.json), or one of those files.
    pub results: PathBuf,
    /// The baseline, in any of the same forms.
    #[arg(long)]
    pub baseline: PathBuf,
    /// Rules, one a line (`p95_jct_s <= 1.05 * baseline`, `gpu_alloc_ratio >= 0.9`)
    /// [default: every headline metric at most 5 % worse than the baseline].
    #[arg(long)]
    pub rules: Option<PathBuf>,
    /// Print every check, not only the failures.
    #[arg(long, short)]
    pub verbose: bool,
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
    /// The trace format: native, philly, swf, openb or helios [default: detected from the name and first line].
    #[arg(long)]
    pub format: Option<Format>,
    /// SWF: what one processor becomes, gpu or cpu (one core) [default: gpu].
    #[arg(long)]
    pub swf_processor: Option<SwfProcessor>,
    /// SWF: which processor count is a job's size: allocated (field 5, else 8), requested (field 8, else 5) or larger (the larger of the two) [default: allocated].
    #[arg(long)]
    pub swf_size: Option<SwfSize>,
    /// Openb pod lists without times: how long each pod runs, e.g. 616s.
    #[arg(long, value_parser = parse_duration)]
    pub pod_duration: Option<SimTime>,
    /// The latest time a row may name (submit, or submit + duration) [default: 36500d, 100 years].
    #[arg(long, value_parser = parse_duration)]
    pub max_time: Option<SimTime>,
}

#[derive(Args)]
pub struct StatsArgs {
    /// The trace file.
    pub file: PathBuf,
    #[command(flatten)]
    pub read: ReadArgs,
    /// Print JSON (keys: jobs, skipped, skipped_reasons, first_submit_s, last_submit_s,
    /// size_histogram, duration_mean_s, duration_p50_s, duration_p90_s, duration_p99_s, total_gpu_hours,
    /// cpu_job_histogram, cpu_job_core_hours).
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
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..))]
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

//! `clustersim sweep` and `clustersim merge`.

use std::path::Path;
use std::sync::atomic::Ordering;
use std::time::Instant;

use scenarios::ScenarioError;
use scenarios::sweep::expand::{Source, SweepPlan, plan};
use scenarios::sweep::merge::merge;
use scenarios::sweep::{SweepOptions, SweepOutcome, run_sweep};

use crate::cli::{MergeArgs, SweepArgs};
use crate::progress::{Bar, INTERRUPTED, stop_flag};
use crate::run::default_out;

/// Exit code when some runs of a sweep failed.
pub const RUNS_FAILED: i32 = 3;

/// Reads a scenario file and expands its sweep.
pub fn load_plan(
    path: &Path,
    overrides: &[scenarios::Override],
    sweep: Option<scenarios::schema::SweepSection>,
) -> Result<SweepPlan, ScenarioError> {
    let (text, origin, base_dir) = scenarios::load::read_scenario(path)?;
    let source = Source {
        text: &text,
        origin: &origin,
        base_dir,
    };
    plan(&source, overrides, sweep)
}

/// Worker threads: the flag (at most `limits.threads`), else every core.
pub fn threads(flag: Option<usize>, limits: &scenarios::limits::Limits) -> Result<usize, ScenarioError> {
    match flag {
        Some(0) => Err(ScenarioError::Input("--threads must be at least 1".into())),
        Some(n) => scenarios::budget::check_threads(n, limits).map(|()| n),
        None => Ok(std::thread::available_parallelism().map_or(1, usize::from)),
    }
}

pub fn sweep(args: &SweepArgs) -> Result<i32, ScenarioError> {
    let threads = threads(
        args.threads,
        scenarios::load_file(&args.scenario, &args.overrides)?.limits(),
    )?;
    let plan = load_plan(&args.scenario, &args.overrides, None)?;
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| default_out(&format!("{}-sweep", plan.base.scenario.name)));
    let stop = stop_flag();
    let options = SweepOptions {
        out: out.clone(),
        threads,
        shard: args.shard,
        resume: args.resume,
        replace: false,
        stop,
        max_runs: args.max_runs,
    };
    let started = Instant::now();
    let bar = Bar::new(args.quiet);
    let outcome = run_sweep(&plan, &options, &|_, _| Ok(()), &bar);
    bar.clear();
    let outcome = outcome?;
    let elapsed = started.elapsed().as_secs_f64();
    eprintln!(
        "perf: {} runs in {elapsed:.2} s ({:.1} runs/s, {} threads)",
        outcome.ran,
        outcome.ran as f64 / elapsed.max(1e-9),
        options.threads
    );
    if outcome.complete() {
        crate::report::render_dir(&out)?;
    }
    Ok(finish_message(&outcome, &out, stop.load(Ordering::SeqCst), args.quiet))
}

/// Prints what happened and returns the exit code.
pub fn finish_message(outcome: &SweepOutcome, out: &Path, interrupted: bool, quiet: bool) -> i32 {
    let place = out.display();
    if !outcome.complete() {
        eprintln!(
            "{} {} of {} runs recorded in {place}; continue with --resume",
            if interrupted { "interrupted:" } else { "stopped:" },
            outcome.recorded,
            outcome.runs
        );
        return if interrupted { INTERRUPTED } else { 0 };
    }
    if !quiet {
        outln!(
            "{} runs ({} run now) → {place}/sweep.csv, {place}/aggregate.csv, {place}/report.html",
            outcome.runs,
            outcome.ran
        );
    }
    if outcome.failed > 0 {
        eprintln!(
            "{} of {} runs failed: see the `error` column of {place}/sweep.csv",
            outcome.failed, outcome.runs
        );
        return RUNS_FAILED;
    }
    0
}

pub fn merge_command(args: &MergeArgs) -> Result<i32, ScenarioError> {
    let outcome = merge(&args.dirs, &args.out)?;
    crate::report::render_dir(&args.out)?;
    outln!(
        "merged {} shards, {} runs → {}/sweep.csv",
        outcome.shards,
        outcome.runs,
        args.out.display()
    );
    Ok(0)
}

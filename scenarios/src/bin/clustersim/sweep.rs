//! `clustersim sweep` and `clustersim merge`.

use std::path::Path;
use std::sync::atomic::Ordering;
use std::time::Instant;

use scenarios::ScenarioError;
use scenarios::sweep::expand::{Source, SweepPlan, plan};
use scenarios::sweep::merge::merge;
use scenarios::sweep::{SweepOptions, SweepOutcome, run_sweep};

use crate::cli::{MergeArgs, SweepArgs};
use crate::exit::{INTERRUPTED, RUN_FAILED};
use crate::progress::{Bar, stop_flag};
use crate::run::default_out;
use reports::report::count;

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

/// Worker threads: the flag (at most `limits.threads`), else `RAYON_NUM_THREADS` when it is a
/// positive number (as rayon's own pools read it), else every core.
pub fn threads(flag: Option<usize>, limits: &scenarios::limits::Limits) -> Result<usize, ScenarioError> {
    let from_env = || {
        std::env::var("RAYON_NUM_THREADS")
            .ok()
            .and_then(|v| v.trim().parse::<usize>().ok())
            .filter(|&n| n > 0)
    };
    match flag {
        Some(0) => Err(ScenarioError::Input("--threads must be at least 1".into())),
        Some(n) => scenarios::budget::check_threads(n, "--threads", limits).map(|()| n),
        None => match from_env() {
            Some(n) => scenarios::budget::check_threads(n, "RAYON_NUM_THREADS", limits).map(|()| n),
            None => Ok(std::thread::available_parallelism().map_or(1, usize::from)),
        },
    }
}

pub fn sweep(args: &SweepArgs) -> Result<i32, ScenarioError> {
    let loaded = scenarios::load_file(&args.scenario, &args.overrides)?;
    let threads = threads(args.threads, loaded.limits())?;
    let plan = load_plan(&args.scenario, &args.overrides, None)?;
    if loaded.scenario.sweep.is_none() && !args.quiet {
        eprintln!(
            "note: {} has no [sweep] section: one run, seed {} (give sweep.seeds or sweep.grid, in the \
             file or with --set)",
            loaded.origin, loaded.scenario.seed
        );
    }
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
        first_seed_rows: false,
    };
    let started = Instant::now();
    let bar = Bar::new(args.quiet);
    let outcome = run_sweep(&plan, &options, &|_, _| Ok(()), &bar);
    bar.clear();
    let outcome = outcome?;
    let elapsed = started.elapsed().as_secs_f64();
    if !args.quiet {
        eprintln!(
            "perf: {} in {elapsed:.2} s ({:.1} runs/s, {})",
            count(outcome.ran, "run"),
            outcome.ran as f64 / elapsed.max(1e-9),
            count(options.threads as u64, "thread")
        );
    }
    if outcome.complete() {
        let rendered = crate::report::render_dir(&out)?;
        if let Some(note) = rendered.seed_blind.filter(|_| !args.quiet) {
            eprintln!("note: {note}");
        }
    }
    Ok(finish_message(&outcome, &out, stop.load(Ordering::SeqCst), args.quiet))
}

/// Prints what happened and returns the exit code.
pub fn finish_message(outcome: &SweepOutcome, out: &Path, interrupted: bool, quiet: bool) -> i32 {
    let place = out.display();
    if !outcome.complete() {
        if quiet && !interrupted {
            return 0;
        }
        eprintln!(
            "{} {} of {} recorded in {place}; continue with --resume",
            if interrupted { "interrupted:" } else { "stopped:" },
            outcome.recorded,
            count(outcome.runs, "run")
        );
        return if interrupted { INTERRUPTED } else { 0 };
    }
    if !quiet {
        outln!(
            "{} → {place}/sweep.csv, {place}/aggregate.csv, {place}/report.html",
            runs_line(outcome.runs, outcome.ran)
        );
    }
    failed_runs(outcome.failed, outcome.runs, out)
}

/// Says on standard error (even with `--quiet`) how many of a sweep's `runs` failed, when some
/// did, and returns the exit code: [`RUN_FAILED`] then, else 0.
fn failed_runs(failed: u64, runs: u64, out: &Path) -> i32 {
    if failed == 0 {
        return 0;
    }
    eprintln!(
        "{failed} of {} failed: see the `error` column of {}/sweep.csv",
        count(runs, "run"),
        out.display()
    );
    RUN_FAILED
}

/// "24 runs", or "24 runs (10 now, 14 recorded before)" after a resume.
pub fn runs_line(runs: u64, ran_now: u64) -> String {
    if ran_now == runs {
        count(runs, "run")
    } else {
        format!(
            "{} ({ran_now} now, {} recorded before)",
            count(runs, "run"),
            runs - ran_now
        )
    }
}

pub fn merge_command(args: &MergeArgs) -> Result<i32, ScenarioError> {
    let outcome = merge(&args.dirs, &args.out)?;
    crate::report::render_dir(&args.out)?;
    if !args.quiet {
        outln!(
            "merged {}, {} → {}/sweep.csv",
            count(outcome.shards, "shard"),
            count(outcome.runs, "run"),
            args.out.display()
        );
    }
    Ok(failed_runs(outcome.failed, outcome.runs, &args.out))
}

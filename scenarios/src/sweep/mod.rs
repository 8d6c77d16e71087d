//! Sweeps: a scenario's grid × seeds, run in parallel, recorded safely, sharded and merged.
//!
//! - [`expand`]: the runs and their stable indices.
//! - [`runner`]: the rayon pool; failed and panicking runs recorded, the rest go on.
//! - [`resume`]: the append-only journal and `--resume`.
//! - [`shard`]: `--shard K/N`; [`merge`]: joining shard folders.
//!
//! A sweep folder holds `sweep.json` (what sweep it is), `sweep.journal.csv` while runs are
//! going, and, once every run is recorded, `sweep.csv` (rows by run index) and
//! `aggregate.csv`. Both are computed from the rows as written, so a sweep run straight
//! through, resumed, or merged from shards ends with byte-identical files. Sweeps of fill runs
//! also leave the runs' curves in `fill.csv` and `fill_summary.csv` ([`curves`]).

pub mod curves;
pub mod expand;
pub mod merge;
pub mod resume;
pub mod runner;
pub mod shard;

use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

use reports::aggregate::{aggregate, write_aggregate_csv};
use reports::sweep_manifest::SweepManifest;
use reports::sweep_table::{RunStatus, SweepRow, SweepTable, read_table, write_sweep_csv};

use crate::error::ScenarioError;
use crate::run::ScenarioRun;
use expand::{RunSpec, SweepPlan};
use resume::{JOURNAL, Journal, SWEEP_CSV};
use runner::{RunFailure, RunnerOptions, run_parallel};
use shard::Shard;

/// The manifest's file name.
pub const MANIFEST: &str = "sweep.json";
/// The aggregate's file name.
pub const AGGREGATE_CSV: &str = "aggregate.csv";

/// How to run a sweep.
pub struct SweepOptions<'a> {
    /// The output folder.
    pub out: PathBuf,
    /// Worker threads.
    pub threads: usize,
    /// Run only this shard's runs.
    pub shard: Option<Shard>,
    /// Continue the sweep recorded in `out` instead of refusing to touch it.
    pub resume: bool,
    /// Start afresh even if `out` holds a sweep (its files are replaced).
    pub replace: bool,
    /// Set to stop starting runs (Ctrl-C).
    pub stop: &'a AtomicBool,
    /// Start at most this many runs now (resume the rest later).
    pub max_runs: Option<u64>,
    /// Keep every job's row of the first seed's runs for `on_run` (a comparison writes their
    /// files); other runs keep only their summary and drop ended jobs as they go.
    pub first_seed_rows: bool,
}

/// Told how a sweep progresses (the command draws a progress bar from it).
pub trait Progress: Sync {
    /// Runs are about to start: `todo` to run now, `recorded` already done earlier.
    fn start(&self, todo: u64, recorded: u64);
    /// One run finished (`ok` false: it failed).
    fn finished(&self, ok: bool);
}

/// A sweep that reports nothing.
pub struct Silent;

impl Progress for Silent {
    fn start(&self, _todo: u64, _recorded: u64) {}
    fn finished(&self, _ok: bool) {}
}

/// What a sweep did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SweepOutcome {
    /// Runs of this sweep (or shard).
    pub runs: u64,
    /// Runs recorded now and before.
    pub recorded: u64,
    /// Recorded runs that failed.
    pub failed: u64,
    /// Runs this invocation ran.
    pub ran: u64,
}

impl SweepOutcome {
    /// Whether every run is recorded (`sweep.csv` and `aggregate.csv` were written).
    pub fn complete(&self) -> bool {
        self.recorded == self.runs
    }
}

/// Why one run of a sweep failed; its message goes to the `error` column of `sweep.csv`.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// The run could not be set up or did not finish.
    #[error(transparent)]
    Run(#[from] ScenarioError),
    /// The run finished, but the files written beside the sweep (a comparison's first seed)
    /// could not be.
    #[error("cannot write the run's files: {0}")]
    Files(io::Error),
    /// The run finished, but its fill curve could not be saved.
    #[error("cannot save the run's fill curve: {0}")]
    FillCurve(io::Error),
}

/// Runs the plan's runs (or its shard's) that `options.out` does not record yet; `on_run` sees
/// each successful run before its row is recorded (compare writes the first seed's files).
pub fn run_sweep(
    plan: &SweepPlan,
    options: &SweepOptions<'_>,
    on_run: &(dyn Fn(&RunSpec<'_>, &ScenarioRun) -> io::Result<()> + Sync),
    progress: &dyn Progress,
) -> Result<SweepOutcome, ScenarioError> {
    let out = &options.out;
    let io_error = |e: io::Error| ScenarioError::io(out, e);
    std::fs::create_dir_all(out).map_err(io_error)?;
    let manifest = plan.manifest(options.shard);
    prepare_folder(out, &manifest, options)?;
    let mine: Vec<u64> = match options.shard {
        Some(shard) => shard.runs(plan.runs()).collect(),
        None => (0..plan.runs()).collect(),
    };
    let extra_metrics = plan.extra_metrics();
    let mut rows = resume::recorded(out, &plan.keys, &extra_metrics)?;
    // In an unfinished sweep, a fill run recorded without its curve (the file lost since) runs
    // again, rather than leaving fill.csv and its summary short of it. (A finished one keeps
    // its curves in fill.csv.)
    if !out.join(SWEEP_CSV).exists() {
        rows.retain(|row| {
            !(matches!(row.status, RunStatus::Ok(_)) && fills(plan, row.run) && !curves::saved(out, row.run))
        });
    }
    if let Some(stranger) = rows.iter().find(|r| mine.binary_search(&r.run).is_err()) {
        return Err(ScenarioError::Input(format!(
            "{}: records run {}, which is not part of this sweep",
            out.display(),
            stranger.run
        )));
    }
    let mut failed = rows.iter().filter(|r| matches!(r.status, RunStatus::Failed(_))).count() as u64;
    let todo: Vec<u64> = mine
        .iter()
        .copied()
        .filter(|i| rows.binary_search_by_key(i, |r| r.run).is_err())
        .collect();
    let recorded_before = rows.len() as u64;
    let mut journal = Journal::start(
        out,
        &SweepTable {
            params: plan.keys.clone(),
            extra_metrics: extra_metrics.clone(),
            rows,
        },
    )
    .map_err(io_error)?;
    progress.start(todo.len() as u64, recorded_before);
    let mut ran = 0;
    let runner = RunnerOptions {
        threads: options.threads,
        stop: options.stop,
        max_runs: options.max_runs,
    };
    let work = |index: u64| {
        let spec = plan.spec(index);
        let run = if options.first_seed_rows && spec.seed_offset == 0 {
            crate::run::run(&spec.scenario())
        } else {
            crate::run::run_with(&spec.scenario(), Vec::new(), &mut sim_core::metrics::DiscardRows, true)
        }?;
        on_run(&spec, &run).map_err(RunError::Files)?;
        if let Some(rows) = &run.fill {
            curves::save(out, index, rows).map_err(RunError::FillCurve)?;
        }
        let built_in = run.record.summary.metrics().map(|(_, v)| v);
        let extra = run.record.extra_metrics.iter().map(|(_, v)| *v);
        Ok(built_in.into_iter().chain(extra).collect())
    };
    let sink = |index: u64, result: Result<Vec<Option<f64>>, RunFailure<RunError>>| {
        let spec = plan.spec(index);
        let ok = result.is_ok();
        let row = SweepRow {
            run: index,
            seed: spec.seed,
            params: spec.point.labels.clone(),
            status: result.map_or_else(|e| RunStatus::Failed(e.to_string()), RunStatus::Ok),
        };
        journal.append(&row)?;
        ran += 1;
        failed += u64::from(!ok);
        progress.finished(ok);
        Ok::<(), io::Error>(())
    };
    run_parallel(&todo, &runner, work, sink)?.map_err(io_error)?;
    let outcome = SweepOutcome {
        runs: mine.len() as u64,
        recorded: recorded_before + ran,
        failed,
        ran,
    };
    if outcome.complete() {
        let journal_path = out.join(JOURNAL);
        let table = SweepTable {
            params: plan.keys.clone(),
            rows: resume::recorded(out, &plan.keys, &extra_metrics)?,
            extra_metrics,
        };
        curves::finish(out, &table).map_err(io_error)?;
        finish(out, table).map_err(io_error)?;
        std::fs::remove_file(journal_path).map_err(io_error)?;
    }
    Ok(outcome)
}

/// Whether run `run` of `plan` is a fill run (whose curve is saved beside the sweep): as the
/// scenario says, or as its grid point does when the grid sweeps the workload's mode.
fn fills(plan: &SweepPlan, run: u64) -> bool {
    let fill = |loaded: &crate::LoadedScenario| loaded.scenario.workload.mode == crate::schema::WorkloadMode::Fill;
    if plan.keys.iter().any(|k| k.starts_with("workload")) {
        fill(&plan.spec(run).scenario())
    } else {
        fill(&plan.base)
    }
}

/// Checks what `out` already holds against `options`, and writes the manifest.
fn prepare_folder(out: &Path, manifest: &SweepManifest, options: &SweepOptions<'_>) -> Result<(), ScenarioError> {
    let manifest_path = out.join(MANIFEST);
    let holds_sweep = [MANIFEST, JOURNAL, SWEEP_CSV].iter().any(|f| out.join(f).exists());
    if !holds_sweep && out.join("summary.json").is_file() {
        return Err(ScenarioError::Input(format!(
            "--out {}: holds a run (summary.json); the sweep's files would mix with its files and \
             replace its report: choose another folder",
            out.display()
        )));
    }
    if holds_sweep && options.replace {
        for file in [MANIFEST, JOURNAL, SWEEP_CSV, AGGREGATE_CSV]
            .into_iter()
            .chain(curves::FILES)
        {
            let path = out.join(file);
            let removed = if path.is_dir() {
                std::fs::remove_dir_all(&path)
            } else if path.exists() {
                std::fs::remove_file(&path)
            } else {
                Ok(())
            };
            removed.map_err(|e| ScenarioError::io(&path, e))?;
        }
    } else if holds_sweep && !options.resume {
        return Err(ScenarioError::Input(format!(
            "{} already holds a sweep: pass --resume to continue it, or choose another --out",
            out.display()
        )));
    } else if holds_sweep {
        // Temporary files of writers killed with the sweep are never results: remove them.
        for dir in [out.to_path_buf(), out.join(curves::CURVES_DIR)] {
            if dir.is_dir() {
                reports::remove_leftovers(&dir).map_err(|e| ScenarioError::io(&dir, e))?;
            }
        }
        let existing = SweepManifest::read(&manifest_path)?;
        if existing != *manifest {
            return Err(ScenarioError::Input(format!(
                "{}: holds another sweep (its scenario, grid, seeds or shard differ); \
                 resume with the same scenario and flags, or choose another --out",
                manifest_path.display()
            )));
        }
    }
    manifest
        .write(&manifest_path)
        .map_err(|e| ScenarioError::io(&manifest_path, e))
}

/// Writes `sweep.csv` (rows by run index) and `aggregate.csv` into `dir`. The aggregate is
/// computed from `sweep.csv` as written, so it depends only on that file's bytes.
pub fn finish(dir: &Path, mut table: SweepTable) -> io::Result<()> {
    let sweep_path = dir.join(SWEEP_CSV);
    table.rows.sort_by_key(|r| r.run);
    write_sweep_csv(&sweep_path, &table)?;
    drop(table);
    let written = read_table(&sweep_path).map_err(io::Error::other)?;
    write_aggregate_csv(&dir.join(AGGREGATE_CSV), &written.params, &aggregate(&written))
}

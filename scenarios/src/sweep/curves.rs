//! The fill curves of a sweep (runs in `mode = "fill"`): each run's `fill.csv` rows are saved
//! as `curves/<run>.csv` when it finishes, before its row is journaled, so every recorded run
//! has its curve (a run that is re-run after a crash overwrites it). When every run is recorded
//! the curves are joined by run index into the sweep's `fill.csv`, summarised in
//! `fill_summary.csv` ([`reports::fill_curves`]), and `curves/` is removed. Merging joins the
//! shards' `fill.csv` files the same way.

use std::io;
use std::path::{Path, PathBuf};

use reports::fill_curves::{
    FILL_CURVES, FILL_SUMMARY, RunCurve, points, read_curves, read_run_curve, write_curves, write_run_curve,
    write_summary,
};
use reports::sweep_table::{RunStatus, SweepTable};
use sim_core::metrics::FillRow;

use crate::error::ScenarioError;

/// The folder of the curves of runs in progress.
pub const CURVES_DIR: &str = "curves";

/// Every file this module writes in a sweep folder.
pub const FILES: [&str; 3] = [CURVES_DIR, FILL_CURVES, FILL_SUMMARY];

fn run_file(out: &Path, run: u64) -> PathBuf {
    out.join(CURVES_DIR).join(format!("{run}.csv"))
}

/// Saves the curve of run `run`.
pub fn save(out: &Path, run: u64, rows: &[FillRow]) -> io::Result<()> {
    std::fs::create_dir_all(out.join(CURVES_DIR))?;
    write_run_curve(&run_file(out, run), rows)
}

/// Whether run `run` saved its curve.
pub fn saved(out: &Path, run: u64) -> bool {
    run_file(out, run).exists()
}

/// Joins the saved curves of the runs of `table` (a finished sweep) into `fill.csv` and
/// `fill_summary.csv`, then removes `curves/`. Does nothing when no run saved a curve.
pub fn finish(out: &Path, table: &SweepTable) -> io::Result<()> {
    let dir = out.join(CURVES_DIR);
    if !dir.exists() {
        return Ok(());
    }
    let mut rows: Vec<_> = table
        .rows
        .iter()
        .filter(|r| matches!(r.status, RunStatus::Ok(_)))
        .collect();
    rows.sort_by_key(|r| r.run);
    let mut curves = Vec::new();
    for row in rows {
        let path = run_file(out, row.run);
        if path.exists() {
            curves.push(RunCurve {
                run: row.run,
                seed: row.seed,
                params: row.params.clone(),
                rows: read_run_curve(&path).map_err(io::Error::other)?,
            });
        }
    }
    write(out, &table.params, &curves)?;
    std::fs::remove_dir_all(dir)
}

/// Joins the `fill.csv` of the shard folders `dirs` into `out`, if any shard has one.
pub fn merge(dirs: &[PathBuf], out: &Path, keys: &[String]) -> Result<(), ScenarioError> {
    let mut curves = Vec::new();
    for dir in dirs {
        let path = dir.join(FILL_CURVES);
        if path.exists() {
            let (shard_keys, shard_curves) = read_curves(&path)?;
            if shard_keys != keys {
                return Err(ScenarioError::Input(format!(
                    "{}: its columns do not match its sweep.json",
                    path.display()
                )));
            }
            curves.extend(shard_curves);
        }
    }
    if curves.is_empty() {
        return Ok(());
    }
    curves.sort_by_key(|c| c.run);
    write(out, keys, &curves).map_err(|e| ScenarioError::Input(format!("{}: {e}", out.display())))
}

fn write(out: &Path, keys: &[String], curves: &[RunCurve]) -> io::Result<()> {
    write_curves(&out.join(FILL_CURVES), keys, curves)?;
    write_summary(&out.join(FILL_SUMMARY), keys, &points(curves))
}

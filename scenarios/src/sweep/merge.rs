//! `clustersim merge`: joins the folders of a sharded sweep into one, checking that every
//! shard is there once and every run is recorded once.

use std::path::{Path, PathBuf};

use reports::sweep_manifest::SweepManifest;
use reports::sweep_table::{RunStatus, SweepRow, SweepTable, read_table};

use crate::error::ScenarioError;
use crate::sweep::resume::{JOURNAL, SWEEP_CSV, recorded};
use crate::sweep::shard::Shard;
use crate::sweep::{MANIFEST, curves, finish};

/// What a merge produced.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MergeOutcome {
    /// Runs in the merged sweep.
    pub runs: u64,
    /// Shards joined.
    pub shards: u64,
    /// Runs recorded as failed (the merged files are written all the same, as a sweep with
    /// failed runs writes them).
    pub failed: u64,
}

/// Merges the finished shard folders `dirs` into `out` (`sweep.json`, `sweep.csv`,
/// `aggregate.csv`, and the fill curves of fill runs), exactly as if the sweep had run in one
/// piece, failed runs included (counted in [`MergeOutcome::failed`]). An incomplete sweep is refused with one message naming every missing and every
/// unfinished shard, so a merge that runs after cancelled or failed tasks says what to redo.
pub fn merge(dirs: &[PathBuf], out: &Path) -> Result<MergeOutcome, ScenarioError> {
    let input = |message: String| ScenarioError::Input(message);
    let mut shards: Vec<(Shard, &Path, SweepManifest)> = Vec::new();
    for dir in dirs {
        let manifest = SweepManifest::read(&dir.join(MANIFEST))?;
        let shard = match &manifest.shard {
            Some(text) => text
                .parse::<Shard>()
                .map_err(|e| input(format!("{}: shard {e}", dir.join(MANIFEST).display())))?,
            None => Shard { index: 1, count: 1 },
        };
        if let Some((first_shard, first_dir, first)) = shards.first() {
            let same_sweep = SweepManifest {
                shard: first.shard.clone(),
                ..manifest.clone()
            } == *first;
            let same_split = first_shard.count == shard.count;
            if !same_sweep || !same_split {
                return Err(input(format!(
                    "{} and {} hold different sweeps (scenario, grid, seeds or shard count differ)",
                    first_dir.display(),
                    dir.display()
                )));
            }
        }
        if let Some((_, other, _)) = shards.iter().find(|(s, _, _)| *s == shard) {
            return Err(input(format!(
                "shard {shard} is given twice: {} and {}",
                other.display(),
                dir.display()
            )));
        }
        shards.push((shard, dir, manifest));
    }
    let Some((first_shard, _, first)) = shards.first() else {
        return Err(input("merge: give at least one sweep folder".into()));
    };
    let keys: Vec<String> = first.grid.keys().cloned().collect();
    let extra_metrics: Vec<String> = first.metrics.iter().map(|m| m.name.clone()).collect();
    let count = first_shard.count;
    let runs = first.runs;
    let mut problems = Vec::new();
    for index in 1..=count {
        let shard = Shard { index, count };
        match shards.iter().find(|(s, _, _)| *s == shard) {
            None => problems.push(format!("shard {shard} missing")),
            Some((_, dir, _)) if !dir.join(SWEEP_CSV).exists() => {
                problems.push(unfinished(shard, dir, &keys, &extra_metrics, runs))
            }
            Some(_) => {}
        }
    }
    if !problems.is_empty() {
        return Err(input(format!(
            "the sweep is incomplete: {}; run each such shard (`clustersim sweep … --shard K/N --resume`), then merge again",
            problems.join("; ")
        )));
    }
    let mut rows: Vec<SweepRow> = Vec::new();
    for (shard, dir, _) in &shards {
        let path = dir.join(SWEEP_CSV);
        let table = read_table(&path).map_err(|e| input(e.to_string()))?;
        if table.params != keys || table.extra_metrics != extra_metrics {
            return Err(input(format!(
                "{}: its columns do not match its sweep.json",
                path.display()
            )));
        }
        let expected = shard.runs(runs).count();
        if let Some(row) = table.rows.iter().find(|r| !shard.contains(r.run) || r.run >= runs) {
            return Err(input(format!(
                "{}: run {} does not belong to shard {shard}",
                path.display(),
                row.run
            )));
        }
        if table.rows.len() != expected {
            return Err(input(format!(
                "{}: shard {shard} should record {expected} runs, it records {}",
                path.display(),
                table.rows.len()
            )));
        }
        rows.extend(table.rows);
    }
    rows.sort_by_key(|r| r.run);
    if let Some(pair) = rows.windows(2).find(|w| w[0].run == w[1].run) {
        return Err(input(format!("run {} is recorded twice", pair[0].run)));
    }
    let merged = SweepManifest {
        shard: None,
        ..first.clone()
    };
    check_out(out, &shards, &merged)?;
    std::fs::create_dir_all(out).map_err(|e| ScenarioError::io(out, e))?;
    let write_error = |e: std::io::Error| input(format!("{}: {e}", out.display()));
    merged.write(&out.join(MANIFEST)).map_err(write_error)?;
    curves::merge(dirs, out, &keys)?;
    let failed = rows.iter().filter(|r| matches!(r.status, RunStatus::Failed(_))).count() as u64;
    let table = SweepTable {
        params: keys,
        extra_metrics,
        rows,
    };
    finish(out, table).map_err(write_error)?;
    Ok(MergeOutcome {
        runs,
        shards: count,
        failed,
    })
}

/// Refuses an output folder that is one of the shards (the merge would overwrite it) or that
/// holds another sweep; a folder holding this very merge may be written again.
fn check_out(
    out: &Path,
    shards: &[(Shard, &Path, SweepManifest)],
    merged: &SweepManifest,
) -> Result<(), ScenarioError> {
    let same = |a: &Path, b: &Path| match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    };
    if let Some((shard, dir, _)) = shards.iter().find(|(_, dir, _)| same(out, dir)) {
        return Err(ScenarioError::Input(format!(
            "--out {}: that is the folder of shard {shard} ({}); merging into it would overwrite the shard: \
             choose another folder",
            out.display(),
            dir.display()
        )));
    }
    let manifest = out.join(MANIFEST);
    let holds_sweep = [MANIFEST, JOURNAL, SWEEP_CSV].iter().any(|f| out.join(f).exists());
    let this_merge = manifest.exists() && SweepManifest::read(&manifest).is_ok_and(|m| m == *merged);
    if holds_sweep && !this_merge {
        return Err(ScenarioError::Input(format!(
            "--out {}: holds another sweep; merging into it would overwrite it: choose another folder",
            out.display()
        )));
    }
    Ok(())
}

/// How far an unfinished shard got, for the merge's refusal.
fn unfinished(shard: Shard, dir: &Path, keys: &[String], extra_metrics: &[String], runs: u64) -> String {
    let of = shard.runs(runs).count();
    match recorded(dir, keys, extra_metrics) {
        Ok(rows) if rows.len() == of => format!(
            "shard {shard} not finished (all {} recorded in {}, its {SWEEP_CSV} not written yet)",
            reports::report::count(of as u64, "run"),
            dir.display()
        ),
        Ok(rows) => format!(
            "shard {shard} not finished ({} of {} recorded in {})",
            rows.len(),
            reports::report::count(of as u64, "run"),
            dir.display()
        ),
        Err(_) => format!("shard {shard} not finished (no {SWEEP_CSV} in {})", dir.display()),
    }
}

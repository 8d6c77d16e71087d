//! `clustersim compare`: one scenario under several policies on the same seeds.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::atomic::Ordering;

use reports::compare::{POLICY_KEY, policy_folder};
use reports::html::Table;
use reports::report::comparison_charts;
use reports::sweep_manifest::SweepManifest;
use scenarios::ScenarioError;
use scenarios::output::{OUTPUT_FILES, write_outputs};
use scenarios::schema::SweepSection;
use scenarios::sweep::MANIFEST;
use scenarios::sweep::{SweepOptions, run_sweep};
use sim_core::metrics::METRIC_NAMES;

use crate::cli::CompareArgs;
use crate::progress::{Bar, stop_flag};
use crate::run::default_out;
use crate::sweep::{finish_message, load_plan, threads};
use reports::report::count;

/// Seeds per policy when neither --seeds nor the scenario's sweep.seeds says.
const DEFAULT_SEEDS: u64 = 10;

pub fn compare(args: &CompareArgs) -> Result<i32, ScenarioError> {
    let policies: Vec<String> = policy_names(&args.policies);
    if policies.is_empty() {
        return Err(ScenarioError::Input("--policies: give at least one policy name".into()));
    }
    if let Some(twice) = policies.iter().enumerate().find(|(i, p)| policies[..*i].contains(p)) {
        return Err(ScenarioError::Input(format!(
            "--policies: `{}` is listed twice",
            twice.1
        )));
    }
    // A name that is no policy is the flag's fault, not the grid's the comparison builds.
    for policy in &policies {
        policies::PolicySpec::preset(policy).map_err(|e| ScenarioError::Input(format!("--policies: {}", e.message)))?;
    }
    let base = scenarios::load_file(&args.scenario, &args.overrides)?;
    let threads = threads(args.threads, base.limits())?;
    let file_seeds = base.scenario.sweep.as_ref().map(|s| s.seeds);
    let seeds = args.seeds.or(file_seeds).unwrap_or(DEFAULT_SEEDS);
    if seeds == 0 {
        return Err(ScenarioError::Input("--seeds must be at least 1".into()));
    }
    let sweep = SweepSection {
        seeds,
        grid: BTreeMap::from([(
            POLICY_KEY.to_string(),
            policies.iter().map(|p| toml::Value::String(p.clone())).collect(),
        )]),
    };
    let plan = load_plan(&args.scenario, &args.overrides, Some(sweep))?;
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| default_out(&format!("{}-compare", plan.base.scenario.name)));
    refuse_other_sweep(&out)?;
    if !args.resume {
        remove_earlier_comparison(&out)?;
    }
    let stop = stop_flag();
    let options = SweepOptions {
        out: out.clone(),
        threads,
        shard: None,
        resume: args.resume,
        replace: !args.resume,
        stop,
        max_runs: args.max_runs,
        first_seed_rows: true,
    };
    let write_first_seed = |spec: &scenarios::sweep::expand::RunSpec<'_>, run: &scenarios::run::ScenarioRun| {
        if spec.seed_offset > 0 {
            return Ok(());
        }
        let loaded = spec.scenario();
        // The policy as --policies gives it (the grid's one label): a name written as a label
        // (`drf[backfill=easy]`) is checked into its preset and parts, and would share the
        // preset's folder.
        let folder = out.join(policy_folder(&spec.point.labels[0]));
        write_outputs(&folder, &loaded, run, None)
            .map(|_| ())
            .map_err(|e| std::io::Error::other(e.to_string()))
    };
    let bar = Bar::new(args.quiet);
    let outcome = run_sweep(&plan, &options, &write_first_seed, &bar);
    bar.clear();
    let outcome = outcome?;
    if !outcome.complete() {
        return Ok(finish_message(&outcome, &out, stop.load(Ordering::SeqCst), args.quiet));
    }
    let rendered = crate::report::render_dir(&out)?;
    if !args.quiet {
        let which = match seeds {
            1 => format!("seed {}", plan.first_seed),
            _ => format!("seeds {}…{}", plan.first_seed, plan.first_seed.wrapping_add(seeds - 1)),
        };
        outln!(
            "{}: {} × {} ({which}), common random numbers",
            plan.base.scenario.name,
            count(policies.len() as u64, "policy"),
            count(seeds, "seed"),
        );
        for table in &rendered.tables {
            outln!("\n{}\n{}", table.caption, text_table(table));
        }
        if let Some(note) = &rendered.seed_blind {
            outln!("\nnote: {note}");
        }
        outln!("\ncharts and report: {}/report.html", out.display());
    }
    Ok(finish_message(&outcome, &out, false, true))
}

/// The names of a `--policies` list: split at its commas, but not at those inside brackets
/// (`best-fit,drf[backfill=easy,placement=first-fit]` is two names).
fn policy_names(list: &str) -> Vec<String> {
    let mut names = vec![String::new()];
    let mut depth = 0usize;
    for c in list.chars() {
        match c {
            ',' if depth == 0 => names.push(String::new()),
            _ => {
                depth = match c {
                    '[' => depth + 1,
                    ']' => depth.saturating_sub(1),
                    _ => depth,
                };
                names.last_mut().expect("never empty").push(c);
            }
        }
    }
    names
        .into_iter()
        .map(|n| n.trim().to_string())
        .filter(|n| !n.is_empty())
        .collect()
}

/// Refuses an `out` holding a sweep of other keys than the policy's (a comparison would replace
/// its files and leave its charts behind).
fn refuse_other_sweep(out: &Path) -> Result<(), ScenarioError> {
    match SweepManifest::read(&out.join(MANIFEST)) {
        Ok(earlier) if earlier.grid.keys().ne([POLICY_KEY]) => Err(ScenarioError::Input(format!(
            "--out {}: holds a sweep, not a comparison; a comparison would overwrite it: choose another folder",
            out.display()
        ))),
        _ => Ok(()),
    }
}

/// Removes from `out` what the comparison it holds wrote, so that none of it outlives the one
/// about to replace it: each of its policies' run files (and the policy's folder, once empty),
/// its charts, `comparison.csv` and `report.html` (the sweep's own files go when the sweep
/// starts). Only files of those names go: anything else in `out` stays, and so does a folder
/// that holds no comparison (no `sweep.json` sweeping the policy alone).
fn remove_earlier_comparison(out: &Path) -> Result<(), ScenarioError> {
    let Ok(earlier) = SweepManifest::read(&out.join(MANIFEST)) else {
        return Ok(());
    };
    let Some(policies) = earlier.grid.get(POLICY_KEY).filter(|_| earlier.grid.len() == 1) else {
        return Ok(());
    };
    let remove = |path: &Path| match std::fs::remove_file(path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(ScenarioError::io(path, e)),
        _ => Ok(()),
    };
    for policy in policies {
        let folder = out.join(policy_folder(policy));
        if !folder.is_dir() {
            continue;
        }
        for file in OUTPUT_FILES {
            remove(&folder.join(file))?;
        }
        reports::remove_leftovers(&folder).map_err(|e| ScenarioError::io(&folder, e))?;
        match std::fs::remove_dir(&folder) {
            Err(e) if e.kind() != std::io::ErrorKind::DirectoryNotEmpty => {
                return Err(ScenarioError::io(&folder, e));
            }
            _ => {}
        }
    }
    let metrics = METRIC_NAMES
        .iter()
        .copied()
        .chain(earlier.metrics.iter().map(|m| m.name.as_str()));
    for chart in comparison_charts(metrics) {
        for ext in ["png", "svg"] {
            remove(&out.join(format!("{chart}.{ext}")))?;
        }
    }
    for file in ["comparison.csv", "report.html"] {
        remove(&out.join(file))?;
    }
    Ok(())
}

/// A report table as plain text, the best cells marked with `★`, as in `report.html`.
fn text_table(table: &Table) -> String {
    let header: Vec<&str> = table.header.iter().map(String::as_str).collect();
    let rows: Vec<Vec<String>> = table
        .rows
        .iter()
        .map(|row| {
            row.iter()
                .map(|c| {
                    if c.best {
                        format!("{} ★", c.text)
                    } else {
                        c.text.clone()
                    }
                })
                .collect()
        })
        .collect();
    crate::table::render(&header, &rows)
}

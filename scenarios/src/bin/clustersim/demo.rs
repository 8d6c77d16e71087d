//! `clustersim demo`: the embedded default. Three placements on the Philly trace, run in
//! parallel, compared in one table, with charts and a report page.

use std::path::PathBuf;
use std::time::Instant;

use rayon::prelude::*;
use reports::html::{Cell, Content, Table};
use scenarios::output::write_outputs;
use scenarios::{DEMO_SCENARIO, ScenarioError, load_str};

use crate::cli::DemoArgs;
use crate::table::{cell, render};

/// Policies compared by the demo, in table order.
const DEMO_POLICIES: [&str; 3] = ["first-fit", "best-fit", "worst-fit"];

/// Columns of the demo table: metric name and header.
const COLUMNS: [(&str, &str); 8] = [
    ("jobs_completed", "completed"),
    ("avg_jct_s", "avg JCT s"),
    ("p95_jct_s", "p95 JCT s"),
    ("avg_wait_s", "avg wait s"),
    ("p95_wait_s", "p95 wait s"),
    ("avg_bounded_slowdown", "slowdown"),
    ("gpu_alloc_ratio", "GPU alloc"),
    ("frag_mean", "frag"),
];

pub fn demo(args: &DemoArgs) -> Result<(), ScenarioError> {
    let started = Instant::now();
    let loads = DEMO_POLICIES
        .iter()
        .map(|policy| {
            let set = format!("policy.name={policy}").parse().expect("a valid override");
            load_str(DEMO_SCENARIO, "embedded:scenarios/examples/demo.toml", None, &[set])
        })
        .collect::<Result<Vec<_>, _>>()?;
    let runs: Vec<_> = loads.par_iter().map(scenarios::run::run).collect::<Result<_, _>>()?;
    let elapsed = started.elapsed().as_secs_f64();
    let mut rows = Vec::new();
    for ((policy, loaded), run) in DEMO_POLICIES.iter().zip(&loads).zip(&runs) {
        write_outputs(&args.out.join(policy), loaded, run, None)?;
        let mut row = vec![policy.to_string()];
        row.extend(
            COLUMNS
                .iter()
                .map(|(metric, _)| cell(run.record.summary.metric(metric).flatten())),
        );
        rows.push(row);
    }
    let scenario = &loads[0].scenario;
    let header: Vec<&str> = std::iter::once("policy")
        .chain(COLUMNS.iter().map(|(_, h)| *h))
        .collect();
    if !args.quiet {
        outln!(
            "{}: {} on {}",
            scenario.name,
            scenario.workload.source_name(),
            cluster_line(&loads[0])?
        );
        outln!("{}", render(&header, &rows));
        if let Some(run) = runs.first().filter(|r| r.skipped.total() > 0) {
            outln!("trace rows skipped: {}", run.skipped);
        }
    }
    let title = format!(
        "{}: {} on {}",
        scenario.name,
        scenario.workload.source_name(),
        cluster_line(&loads[0])?
    );
    let table = Table {
        caption: "One run per policy (the embedded Philly trace, seed 1)".into(),
        header: header.iter().map(|h| h.to_string()).collect(),
        rows: rows.iter().map(|row| row.iter().map(Cell::plain).collect()).collect(),
    };
    let folders: Vec<(String, PathBuf)> = DEMO_POLICIES
        .iter()
        .map(|p| (p.to_string(), args.out.join(p)))
        .collect();
    let best_jct = DEMO_POLICIES
        .iter()
        .zip(&runs)
        .filter_map(|(p, r)| Some((*p, r.record.summary.avg_jct_s?)))
        .min_by(|a, b| a.1.total_cmp(&b.1));
    let mut highlights = vec![
        ("jobs".to_string(), runs[0].record.summary.jobs_submitted.to_string()),
        ("policies".to_string(), DEMO_POLICIES.len().to_string()),
    ];
    if let Some((policy, jct)) = best_jct {
        highlights.push((format!("lowest avg JCT, s ({policy})"), cell(Some(jct))));
    }
    let content = Content {
        intro: vec![
            "One run per policy on the same trace and cluster, seed 1; each policy's files are in its \
             folder beside this page."
                .to_string(),
        ],
        highlights,
        tables: vec![table],
    };
    reports::run_report::render_runs(&args.out, &title, content, &folders)
        .map_err(|e| ScenarioError::Input(format!("cannot write the report: {e}")))?;
    if !args.quiet {
        outln!(
            "outputs: {0}/<policy>/{{summary.json,jobs.csv,timeseries.csv}}; charts and {0}/report.html",
            args.out.display()
        );
        eprintln!("perf: {} runs in {elapsed:.2} s", runs.len());
    }
    Ok(())
}

fn cluster_line(loaded: &scenarios::ValidScenario) -> Result<String, ScenarioError> {
    Ok(crate::run::cluster_line(&scenarios::build::build_cluster(loaded)?))
}

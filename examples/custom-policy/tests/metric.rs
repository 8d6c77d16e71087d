//! The metric of this crate, `max_queue_length`, on the scenario of this crate
//! (`scenario.toml`), against values worked out by hand.
//!
//! Two nodes of 4 GPUs; at t = 0 four 100 s jobs: a (1 GPU), b (3), c (2), d (4).
//!
//! `largest-first` with `headroom` (tests/scenario.rs works the placements out): at the end of
//! t = 0, d and b run, c and a wait: 2 waiting. At t = 100 c and a start: 0 waiting. The most:
//! 2.
//!
//! `fifo` with `headroom`: a goes to r0-n0 (3 left ≥ 2 kept), b (3) keeps 2 nowhere and goes
//! first fit to r0-n0 (full), c keeps 2 on r0-n1, d (4) fits nowhere: 1 waiting at the end of
//! t = 0; d starts at t = 100. The most: 1.

use std::path::{Path, PathBuf};

use scenarios::{Override, load_file_with};

fn scenario() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("scenario.toml")
}

/// The metrics of a crate's own of one run of the scenario.
fn extra_metrics(overrides: &[Override]) -> Vec<(&'static str, Option<f64>)> {
    let loaded = load_file_with(&scenario(), overrides, &custom_policy::registry()).unwrap();
    scenarios::run::run(&loaded).unwrap().record.extra_metrics
}

#[test]
fn the_longest_queue_is_as_worked_out_by_hand() {
    assert_eq!(extra_metrics(&[]), [("max_queue_length", Some(2.0))]);
    let fifo: Override = "policy.queue=fifo".parse().unwrap();
    assert_eq!(extra_metrics(&[fifo]), [("max_queue_length", Some(1.0))]);
}

#[test]
fn summary_json_writes_it_after_the_built_in_metrics() {
    let loaded = load_file_with(&scenario(), &[], &custom_policy::registry()).unwrap();
    let run = scenarios::run::run(&loaded).unwrap();
    let out = tempfile::tempdir().unwrap();
    scenarios::output::write_outputs(out.path(), &loaded, &run, None).unwrap();
    let text = std::fs::read_to_string(out.path().join("summary.json")).unwrap();
    let last_built_in = sim_core::metrics::METRIC_NAMES.last().unwrap();
    let at = |key: &str| text.find(&format!("\"{key}\":")).unwrap_or_else(|| panic!("no {key}"));
    assert!(at(last_built_in) < at("max_queue_length"));
    assert!(at("max_queue_length") < at("event_digest"));
    let json: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(json["max_queue_length"], 2.0);
    // Every key is a built-in metric, this one, or one of the keys no metric may take.
    let mut expected: Vec<&str> = sim_core::metrics::METRIC_NAMES.to_vec();
    expected.push("max_queue_length");
    expected.extend(sim_core::metrics::SUMMARY_KEYS);
    expected.sort_unstable();
    let keys: Vec<&str> = json.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(keys, expected);
}

/// A sweep of the scenario over `policy.queue` (largest-first, fifo), one seed each, into `out`.
fn sweep_queues(out: &Path) {
    use scenarios::schema::SweepSection;
    use scenarios::sweep::expand::{Source, plan_with};
    use scenarios::sweep::{Silent, SweepOptions, run_sweep};
    let text = std::fs::read_to_string(scenario()).unwrap();
    let source = Source {
        text: &text,
        origin: "scenario.toml",
        base_dir: scenario().parent().map(Path::to_path_buf),
    };
    let queues = ["largest-first", "fifo"].map(|q| toml::Value::String(q.into()));
    let sweep = SweepSection {
        seeds: 1,
        grid: [("policy.queue".to_string(), queues.to_vec())].into(),
    };
    let plan = plan_with(&source, &[], Some(sweep), &custom_policy::registry()).unwrap();
    let stop = std::sync::atomic::AtomicBool::new(false);
    let options = SweepOptions {
        out: out.to_path_buf(),
        threads: 1,
        shard: None,
        resume: false,
        replace: false,
        stop: &stop,
        max_runs: None,
        first_seed_rows: false,
    };
    let outcome = run_sweep(&plan, &options, &|_, _| Ok(()), &Silent).unwrap();
    assert!(outcome.complete());
}

#[test]
fn sweeps_tabulate_it_after_the_built_in_metrics_and_check_rules_read_it() {
    use reports::check::{check, results, rules::parse_rules_for};
    let out = tempfile::tempdir().unwrap();
    sweep_queues(out.path());
    // sweep.csv: the column after the built-in ones; largest-first 2, fifo 1 (worked out above).
    let table = reports::sweep_table::read_table(&out.path().join("sweep.csv")).unwrap();
    assert_eq!(table.extra_metrics, ["max_queue_length"]);
    let column = table.metric_names().count() - 1;
    let values: Vec<Option<f64>> = table.rows.iter().map(|r| r.value(column)).collect();
    assert_eq!(values, [Some(2.0), Some(1.0)]);
    // sweep.json states its unit and direction for the reports.
    let manifest = reports::sweep_manifest::SweepManifest::read(&out.path().join("sweep.json")).unwrap();
    assert_eq!(manifest.metrics.len(), 1);
    assert_eq!(manifest.metrics[0].better, sim_core::metrics::Better::Lower);
    // aggregate.csv, read by check: fifo's 1 passes `<= 1`, largest-first's 2 does not.
    let found = results::load(out.path()).unwrap();
    assert_eq!(found.extra_metrics, ["max_queue_length"]);
    let rules = parse_rules_for("max_queue_length <= 1\n", "rules.txt", &found.extra_metrics).unwrap();
    let report = check(&found, &found, &rules).unwrap();
    let passed: Vec<(&str, bool)> = report.checks.iter().map(|c| (c.point.as_str(), c.passed)).collect();
    assert_eq!(
        passed,
        [("policy.queue=largest-first", false), ("policy.queue=fifo", true)]
    );
}

#[test]
fn the_sweep_report_shows_it_beside_the_headline_metrics() {
    let out = tempfile::tempdir().unwrap();
    sweep_queues(out.path());
    let rendered = reports::report::render(out.path()).unwrap();
    // One row per grid point; max_queue_length differs (2 and 1), so it has a column.
    let table = &rendered.tables[0];
    let column = table.header.iter().position(|h| h == "max_queue_length").unwrap();
    let cells: Vec<&str> = table.rows.iter().map(|r| r[column].text.as_str()).collect();
    assert_eq!(cells, ["2", "1"]);
}

//! The scenario of this crate (`scenario.toml`), run with its registry, against an outcome
//! worked out by hand.
//!
//! Two nodes of 4 GPUs (r0-n0, r0-n1); at t = 0 four 100 s jobs: a (1 GPU), b (3), c (2),
//! d (4); `largest-first` order, `headroom` placement keeping 2 GPUs free where it can.
//!
//! t = 0: the order is d, b, c, a. d (4) cannot leave 2 free anywhere: first fit, r0-n0.
//! b (3) cannot either: first fit, r0-n1 (r0-n0 is full), leaving 1. c (2) fits nowhere: the
//! round ends (no backfilling), a waits behind it.
//! t = 100: d and b end; the order is c, a. c keeps 2 free on r0-n0 (4 − 2). a would leave
//! r0-n0 with 1 < 2, so it goes to r0-n1 (4 − 1 = 3 free). Both end at 200.
//!
//! With `headroom_gpus = 1`, a keeps 1 free on r0-n0 and goes there.

use std::path::{Path, PathBuf};

use scenarios::{Override, load_file, load_file_with, load_str_with};

fn scenario() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("scenario.toml")
}

/// Each job's (start s, end s, nodes), in job order.
fn outcome(overrides: &[Override]) -> Vec<(String, f64, f64, String)> {
    let loaded = load_file_with(&scenario(), overrides, &custom_policy::registry()).unwrap();
    rows(&scenarios::run::run(&loaded).unwrap())
}

/// Each job's (first start s, end s, nodes) in `run`, in job order.
fn rows(run: &scenarios::run::ScenarioRun) -> Vec<(String, f64, f64, String)> {
    let mut rows: Vec<_> = run
        .record
        .jobs
        .iter()
        .map(|r| {
            let secs = |t: Option<sim_core::SimTime>| t.unwrap().as_secs_f64();
            (r.job_id.clone(), secs(r.start), secs(r.end), r.nodes.clone())
        })
        .collect();
    rows.sort_by(|x, y| x.0.cmp(&y.0));
    rows
}

fn row(id: &str, start: f64, end: f64, nodes: &str) -> (String, f64, f64, String) {
    (id.to_string(), start, end, nodes.to_string())
}

#[test]
fn the_scenario_runs_the_custom_parts_as_worked_out_by_hand() {
    let loaded = load_file_with(&scenario(), &[], &custom_policy::registry()).unwrap();
    assert_eq!(
        loaded.policy().label,
        "first-fit[queue=largest-first,placement=headroom]"
    );
    assert_eq!(
        outcome(&[]),
        [
            row("a", 100.0, 200.0, "r0-n1"),
            row("b", 0.0, 100.0, "r0-n1"),
            row("c", 100.0, 200.0, "r0-n0"),
            row("d", 0.0, 100.0, "r0-n0"),
        ]
    );
    let one: Override = "policy.headroom_gpus=1".parse().unwrap();
    assert_eq!(outcome(&[one])[0], row("a", 100.0, 200.0, "r0-n0"));
}

#[test]
fn names_and_parameters_are_checked_like_the_built_in_ones() {
    let registry = custom_policy::registry();
    let text = std::fs::read_to_string(scenario()).unwrap();
    let load = |text: &str| load_str_with(text, "s.toml", None, &[], &registry).map(|_| ());
    let typo = load(&text.replace("\"headroom\"", "\"headrom\""))
        .unwrap_err()
        .to_string();
    assert!(
        typo.starts_with("s.toml:15: policy.placement: unknown placement `headrom` (did you mean `headroom`?)"),
        "{typo}"
    );
    let bad = load(&text.replace("headroom_gpus = 2", "headroom_gpus = \"two\"")).unwrap_err();
    assert_eq!(
        bad.to_string(),
        "s.toml:16: policy.headroom_gpus: expected a number, found the text \"two\""
    );
    // The built-in parts alone do not know them.
    let builtin = load_file(&scenario(), &[]).unwrap_err().to_string();
    assert!(
        builtin.contains("policy.queue: unknown queue `largest-first`"),
        "{builtin}"
    );
}

#[test]
fn a_sweep_may_compare_a_custom_part_with_a_built_in_one() {
    use scenarios::schema::SweepSection;
    use scenarios::sweep::expand::{Source, plan_with};
    let text = std::fs::read_to_string(scenario()).unwrap();
    let source = Source {
        text: &text,
        origin: "scenario.toml",
        base_dir: scenario().parent().map(Path::to_path_buf),
    };
    let placements = ["headroom", "first-fit"].map(|p| toml::Value::String(p.into()));
    let sweep = SweepSection {
        seeds: 1,
        grid: [("policy.placement".to_string(), placements.to_vec())].into(),
    };
    let plan = plan_with(&source, &[], Some(sweep), &custom_policy::registry()).unwrap();
    let labels: Vec<&str> = plan.points.iter().map(|p| p.loaded.policy().label.as_str()).collect();
    assert_eq!(
        labels,
        [
            "first-fit[queue=largest-first,placement=headroom]",
            "first-fit[queue=largest-first]"
        ]
    );
}

#[test]
fn the_scenario_with_the_maintenance_model_runs_as_worked_out_by_hand() {
    // The same scenario naming the world model: r0-n0 is down from 50 s to 150 s.
    // t = 0 as above: d on r0-n0, b on r0-n1, c blocks. t = 50: r0-n0 goes down, d (no
    // checkpoint) is interrupted and requeued; the order is d, c, a and d (4) fits nowhere.
    // t = 100: b ends; d takes r0-n1; c blocks again. t = 150: r0-n0 is back; c keeps 2 free
    // there; a cannot keep 2 anywhere (r0-n1 is full), so first fit puts it on r0-n0 too.
    // d ends at 200, c and a at 250. (A row's start is the job's first: d's is 0.)
    let text = std::fs::read_to_string(scenario()).unwrap();
    let with_model = format!("models = [\"maintenance\"]\n{text}");
    let registry = custom_policy::registry();
    let loaded = load_str_with(
        &with_model,
        "s.toml",
        Some(PathBuf::from(env!("CARGO_MANIFEST_DIR"))),
        &[],
        &registry,
    )
    .unwrap();
    let run = scenarios::run::run(&loaded).unwrap();
    assert_eq!(
        rows(&run),
        [
            row("a", 150.0, 250.0, "r0-n0"),
            row("b", 0.0, 100.0, "r0-n1"),
            row("c", 150.0, 250.0, "r0-n0"),
            row("d", 0.0, 200.0, "r0-n1"),
        ]
    );
    let d = run.record.jobs.iter().find(|r| r.job_id == "d").unwrap();
    assert_eq!(d.restarts, 1);
    assert_eq!(run.record.incidents.len(), 1);

    // A name no registry knows is refused with the registered ones listed.
    let typo = load_str_with(
        &with_model.replace("\"maintenance\"", "\"maintenace\""),
        "s.toml",
        None,
        &[],
        &registry,
    )
    .unwrap_err()
    .to_string();
    assert_eq!(
        typo,
        "s.toml:1: models: unknown world model `maintenace` (did you mean `maintenance`?); the registered ones: maintenance"
    );
}

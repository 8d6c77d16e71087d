//! The `clustersim` command end to end: outputs, determinism, and bad input.

mod common;

use common::{TRACE, clustersim, stderr};

use std::path::{Path, PathBuf};

const SCENARIO: &str = "name = \"small\"\nseed = 7\n\n[cluster]\nracks = 1\nnodes_per_rack = 2\n\
                        node = { gpus = 4, gpu_type = \"A100\" }\n\n[workload]\ntrace = \"trace.csv\"\n\n\
                        [policy]\nname = \"best-fit\"\n\n[output]\nsample_interval = \"10s\"\n";

/// A folder with the scenario and trace, with `edit` applied to each.
fn workspace(scenario: &str, trace: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("s.toml"), scenario).unwrap();
    std::fs::write(dir.path().join("trace.csv"), trace).unwrap();
    dir
}

fn files(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut entries: Vec<_> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).collect();
    entries.sort();
    entries
        .into_iter()
        .map(|p| (p.file_name().unwrap().into(), std::fs::read(&p).unwrap()))
        .collect()
}

/// The seven charts of a run without physical models, each as PNG and SVG.
const RUN_CHARTS: [&str; 7] = [
    "alloc_over_time",
    "frag_over_time",
    "gpu_frag_over_time",
    "jct_cdf",
    "queue_over_time",
    "util_over_time",
    "wait_cdf",
];

#[test]
fn a_run_writes_the_three_outputs_and_its_report() {
    let dir = workspace(SCENARIO, TRACE);
    let output = clustersim(&["run", "s.toml", "--out", "out"], dir.path());
    assert!(output.status.success(), "{}", stderr(&output));
    let names: Vec<PathBuf> = files(&dir.path().join("out")).into_iter().map(|(n, _)| n).collect();
    let mut expected: Vec<PathBuf> = ["jobs.csv", "summary.json", "timeseries.csv", "report.html"]
        .map(PathBuf::from)
        .to_vec();
    for chart in RUN_CHARTS {
        expected.push(format!("{chart}.png").into());
        expected.push(format!("{chart}.svg").into());
    }
    expected.sort();
    assert_eq!(names, expected);
    let page = std::fs::read_to_string(dir.path().join("out/report.html")).unwrap();
    assert!(RUN_CHARTS.iter().all(|c| page.contains(&format!("href=\"{c}.png\""))));
    let bare = clustersim(
        &["run", "s.toml", "--out", "bare", "--no-report", "--quiet"],
        dir.path(),
    );
    assert!(bare.status.success(), "{}", stderr(&bare));
    assert_eq!(
        files(&dir.path().join("bare")).len(),
        3,
        "--no-report writes the data files only"
    );
    let jobs = std::fs::read_to_string(dir.path().join("out/jobs.csv")).unwrap();
    let mut lines = jobs.lines();
    assert_eq!(
        lines.next(),
        Some("job_id,submit_s,start_s,end_s,state,wait_s,jct_s,restarts,preemptions,lost_gpu_s,nodes")
    );
    // a (4 GPUs) → r0-n0 at 0; b → r0-n1; c (t=20, best fit) → r0-n1; d (4 GPUs) waits for a
    // to end at 100 and ends at 200; e (2 × 4 GPUs) needs both nodes whole: b and c end at
    // 1000 and 1020, d at 200, so e starts at 1020 and ends at 1070; FIFO holds f (t=41)
    // behind e, and e then holds all 8 GPUs, so f starts at 1070 and ends at 1070.5.
    assert_eq!(lines.next(), Some("a,0.0,0.0,100.0,completed,0.0,100.0,0,0,0.0,r0-n0"));
    assert_eq!(
        lines.nth(2),
        Some("d,30.0,100.0,200.0,completed,70.0,170.0,0,0,0.0,r0-n0")
    );
    assert_eq!(
        lines.next(),
        Some("e,40.0,1020.0,1070.0,completed,980.0,1030.0,0,0,0.0,r0-n0+r0-n1")
    );
    assert_eq!(
        lines.next(),
        Some("f,41.0,1070.0,1070.5,completed,1029.0,1029.5,0,0,0.0,r0-n0")
    );
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("out/summary.json")).unwrap()).unwrap();
    assert_eq!(summary["jobs_completed"], 6);
    assert_eq!(summary["energy_kwh"], serde_json::Value::Null);
    assert_eq!(summary["scenario"]["policy"]["name"], "best-fit");
    assert_eq!(summary["event_digest"].as_str().unwrap().len(), 16);
}

#[test]
fn two_runs_give_byte_identical_files() {
    let dir = workspace(SCENARIO, TRACE);
    for out in ["one", "two"] {
        let output = clustersim(&["run", "s.toml", "--out", out, "--quiet"], dir.path());
        assert!(output.status.success(), "{}", stderr(&output));
    }
    let one = files(&dir.path().join("one"));
    assert_eq!(one.len(), 3 + 1 + 2 * RUN_CHARTS.len(), "data files, report and charts");
    assert_eq!(one, files(&dir.path().join("two")));
}

#[test]
fn set_and_seed_override_the_file() {
    let dir = workspace(SCENARIO, TRACE);
    let output = clustersim(
        &[
            "run",
            "s.toml",
            "--out",
            "o",
            "--seed",
            "9",
            "--set",
            "policy.name=first-fit",
        ],
        dir.path(),
    );
    assert!(output.status.success(), "{}", stderr(&output));
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("o/summary.json")).unwrap()).unwrap();
    assert_eq!(
        (summary["seed"].as_u64(), summary["policy"].as_str()),
        (Some(9), Some("first-fit"))
    );
}

/// Runs a bad case: exit code 2, the expected message, and no output folder at all.
fn assert_bad_input(scenario: &str, trace: &str, expected: &str) {
    let dir = workspace(scenario, trace);
    let output = clustersim(&["run", "s.toml", "--out", "out"], dir.path());
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(
        stderr(&output).contains(expected),
        "expected {expected:?} in {:?}",
        stderr(&output)
    );
    assert!(!dir.path().join("out").exists(), "no partial output");
}

#[test]
fn a_malformed_csv_row_is_bad_input() {
    let trace = format!("{TRACE}g,50,10,1\n");
    assert_bad_input(
        SCENARIO,
        &trace,
        "trace.csv:8: expected 5 fields like the header, found 4",
    );
}

#[test]
fn a_negative_duration_is_bad_input() {
    let trace = TRACE.replace("c,20,1000,1,1", "c,20,-1000,1,1");
    assert_bad_input(
        SCENARIO,
        &trace,
        "trace.csv:4: column `duration_s`: must be > 0, got `-1000`",
    );
}

#[test]
fn an_unknown_toml_key_is_bad_input() {
    let scenario = SCENARIO.replace("nodes_per_rack = 2", "nodes_per_rak = 2");
    assert_bad_input(
        &scenario,
        TRACE,
        "s.toml:6:1: unknown key `nodes_per_rak` in [cluster] (did you mean `nodes_per_rack`?)",
    );
}

#[test]
fn unknown_policies_and_missing_traces_are_bad_input() {
    assert_bad_input(
        &SCENARIO.replace("best-fit", "bestfit"),
        TRACE,
        "s.toml:13: policy.name: unknown policy `bestfit` (did you mean `best-fit`?)",
    );
    assert_bad_input(
        &SCENARIO.replace("trace.csv", "nope.csv"),
        TRACE,
        "file `nope.csv` not found",
    );
}

#[test]
fn validate_reads_the_whole_trace() {
    let dir = workspace(SCENARIO, TRACE);
    let output = clustersim(&["validate", "s.toml"], dir.path());
    assert!(output.status.success(), "{}", stderr(&output));
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(
        text.contains("cluster: 1 racks, 2 nodes, 8 GPUs") && text.contains("workload: 6 jobs"),
        "{text}"
    );
    let dir = workspace(SCENARIO, &format!("{TRACE}g,50,x,1,1\n"));
    let output = clustersim(&["validate", "s.toml"], dir.path());
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("trace.csv:8: column `duration_s`: expected a number, got `x`"));
}

#[test]
fn policies_lists_presets_and_parts_one_line_each() {
    let dir = tempfile::tempdir().unwrap();
    let output = clustersim(&["policies"], dir.path());
    assert!(output.status.success(), "{}", stderr(&output));
    let text = String::from_utf8_lossy(&output.stdout);
    for name in [
        "first-fit",
        "gang",
        "drf",
        "lottery",
        "easy-backfill",
        "priority-preempt",
        "fair-share",
        "packed",
        "least-progress",
        "min-lost-work",
    ] {
        assert!(
            text.lines().any(|l| l.trim_start().starts_with(name)),
            "{name} missing from:\n{text}"
        );
    }
    assert!(text.contains("queue ([policy] queue = \"…\""), "{text}");
}

#[test]
fn random_parts_replay_byte_for_byte_and_follow_the_seed() {
    let scenario = SCENARIO.replace(
        "name = \"best-fit\"",
        "name = \"lottery\"\nplacement = \"random\"\nbackfill = \"easy\"",
    );
    let trace = "job_id,submit_s,duration_s,tasks,gpus_per_task,user\n\
                 a,0,100,1,1,x\nb,0,100,1,1,y\nc,0,100,1,1,x\nd,0,100,1,1,y\ne,0,50,1,2,x\nf,1,10,1,1,y\n";
    let dir = workspace(&scenario, trace);
    for (out, seed) in [("one", "7"), ("two", "7"), ("three", "8")] {
        let output = clustersim(&["run", "s.toml", "--out", out, "--seed", seed, "--quiet"], dir.path());
        assert!(output.status.success(), "{}", stderr(&output));
    }
    assert_eq!(files(&dir.path().join("one")), files(&dir.path().join("two")));
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("one/summary.json")).unwrap()).unwrap();
    assert_eq!(summary["policy"], "lottery[placement=random,backfill=easy]");
    let digest = |out: &str| {
        let text = std::fs::read_to_string(dir.path().join(out).join("summary.json")).unwrap();
        serde_json::from_str::<serde_json::Value>(&text).unwrap()["event_digest"].clone()
    };
    assert_ne!(digest("one"), digest("three"));
}

#[test]
fn unknown_parts_are_bad_input() {
    assert_bad_input(
        &SCENARIO.replace("name = \"best-fit\"", "name = \"best-fit\"\nplacement = \"spred\""),
        TRACE,
        "s.toml:14: policy.placement: unknown placement `spred` (did you mean `spread`?)",
    );
}

/// `workload.comm_fraction` gives multi-node jobs of a trace without one a communication share.
///
/// Two racks of one 4-GPU node; NIC 4 × 200 = 800 Gbit/s; uplinks 1 · 800 / 4 = 200 Gbit/s.
/// g (2 × 4 GPUs, 50 s) spans both racks and asks 800 of each uplink: served 1/4. With
/// c = 0.5 it runs at 1 / (0.5 + 0.5 / 0.25) = 0.4 of full speed: it ends at 50 / 0.4 = 125 s.
#[test]
fn a_scenario_comm_fraction_slows_multi_rack_jobs() {
    let scenario = "name = \"c\"\n[cluster]\nracks = 2\nnodes_per_rack = 1\nnode = { gpus = 4, gpu_type = \"A100\" }\n\
                    [workload]\ntrace = \"trace.csv\"\ncomm_fraction = 0.5\n[fabric]\noversubscription = 4\n";
    let dir = workspace(scenario, "job_id,submit_s,duration_s,tasks,gpus_per_task\ng,0,50,2,4\n");
    let output = clustersim(&["run", "s.toml", "--out", "out", "--no-report", "--quiet"], dir.path());
    assert!(output.status.success(), "{}", stderr(&output));
    let jobs = std::fs::read_to_string(dir.path().join("out/jobs.csv")).unwrap();
    assert_eq!(
        jobs.lines().nth(1),
        Some("g,0.0,0.0,125.0,completed,0.0,125.0,0,0,0.0,r0-n0+r1-n0")
    );
}

/// 1 GB all-reduced among 8 GPUs at 100 Gbit/s (12.5 GB/s) with 5 µs per step:
/// 2·7/8 · 1e9 / 12.5e9 + 2·7·5e-6 = 0.14007 s; after 0.5 s of compute the share is
/// 0.14007 / 0.64007 = 0.2188.
#[test]
fn comm_fraction_from_the_ring_all_reduce() {
    let dir = tempfile::tempdir().unwrap();
    let output = clustersim(
        &[
            "comm-fraction",
            "--bytes",
            "1e9",
            "--gpus",
            "8",
            "--gbps",
            "100",
            "--compute",
            "500ms",
        ],
        dir.path(),
    );
    assert!(output.status.success(), "{}", stderr(&output));
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(
        text.contains("0.140070 s per step") && text.contains("comm_fraction = 0.2188"),
        "{text}"
    );
}

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
        Some(
            "job_id,submit_s,start_s,end_s,state,wait_s,jct_s,restarts,preemptions,lost_gpu_s,ettr,goodput,checkpoint_s,lost_work_s,detection_s,rescheduling_s,warmup_s,nodes"
        )
    );
    // a (4 GPUs) → r0-n0 at 0; b → r0-n1; c (t=20, best fit) → r0-n1; d (4 GPUs) waits for a
    // to end at 100 and ends at 200; e (2 × 4 GPUs) needs both nodes whole: b and c end at
    // 1000 and 1020, d at 200, so e starts at 1020 and ends at 1070; FIFO holds f (t=41)
    // behind e, and e then holds all 8 GPUs, so f starts at 1070 and ends at 1070.5.
    // Rows come in the order jobs end: a (100), d (200), b (1000), c (1020), e, f.
    assert_eq!(
        lines.next(),
        Some("a,0.0,0.0,100.0,completed,0.0,100.0,0,0,0.0,1.0,1.0,0.0,0.0,0.0,0.0,0.0,r0-n0")
    );
    assert_eq!(
        lines.next(),
        Some("d,30.0,100.0,200.0,completed,70.0,170.0,0,0,0.0,1.0,1.0,0.0,0.0,0.0,0.0,0.0,r0-n0")
    );
    assert_eq!(
        lines.nth(2),
        Some("e,40.0,1020.0,1070.0,completed,980.0,1030.0,0,0,0.0,1.0,1.0,0.0,0.0,0.0,0.0,0.0,r0-n0+r0-n1")
    );
    assert_eq!(
        lines.next(),
        Some("f,41.0,1070.0,1070.5,completed,1029.0,1029.5,0,0,0.0,1.0,1.0,0.0,0.0,0.0,0.0,0.0,r0-n0")
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

#[test]
fn a_run_into_an_earlier_runs_folder_leaves_nothing_of_that_run() {
    // pdu-trip writes every optional file (racks.csv, incidents.csv, decisions.csv, jobs.swf,
    // timeline.json, heatmaps); the small scenario after it, into the same folder without a
    // report, must leave that folder just as it leaves a fresh one, file for file and byte for
    // byte. Then pdu-trip again must leave its own files, as into a fresh folder.
    let dir = workspace(SCENARIO, TRACE);
    let every = ["--explain", "--swf", "--timeline", "--quiet"];
    let run = |args: &[&str], out: &str| {
        let output = clustersim(&[args, &["--out", out]].concat(), dir.path());
        assert!(output.status.success(), "{}", stderr(&output));
        common::files(&dir.path().join(out))
    };
    let pdu = ["run", "library:pdu-trip"];
    let small = ["run", "s.toml", "--no-report", "--quiet"];
    let first = run(&[&pdu[..], &every].concat(), "again");
    assert!(first.iter().any(|(p, _)| p == Path::new("decisions.csv")));
    assert!(first.iter().any(|(p, _)| p == Path::new("power_heatmap.png")));
    let sorted = |mut files: Vec<(PathBuf, Vec<u8>)>| {
        files.sort();
        files
    };
    assert!(sorted(run(&small, "again")) == sorted(run(&small, "fresh")));
    let names = |files: Vec<(PathBuf, Vec<u8>)>| sorted(files).into_iter().map(|(p, _)| p).collect::<Vec<_>>();
    let rich = [&pdu[..], &every].concat();
    assert_eq!(names(run(&rich, "again")), names(run(&rich, "fresh-pdu")));
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
        // The key and its line, each place looked in once.
        "s.toml:10: workload.trace: file `nope.csv` not found (looked for nope.csv)\n",
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
    // Each part's parameters below it, with type and default; then the policy's own.
    for line in [
        "tickets = { NAME = whole number 1–4294967295, … }: lottery tickets",
        "backfill_depth = whole number ≥ 1, default 1: blocked jobs protected",
        "grace = duration, default 0s:",
        "share_by = user | queue, default user:",
    ] {
        assert!(
            text.lines().any(|l| l.trim_start().starts_with(line)),
            "{line} missing from:\n{text}"
        );
    }
    let own = text.split("parameters of every policy:").nth(1).unwrap_or_default();
    assert!(
        own.contains("time_slice = duration:") && own.contains("queues = [policy.queues.NAME]"),
        "{text}"
    );
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
        Some("g,0.0,0.0,125.0,completed,0.0,125.0,0,0,0.0,0.4,0.4,0.0,0.0,0.0,0.0,0.0,r0-n0+r1-n0")
    );
    // A trace with the column: a share written as 0 is the trace's (no uplink load, 50 s); an
    // empty cell gives none, so the scenario's 0.5 applies (125 s, as above).
    std::fs::write(
        dir.path().join("trace.csv"),
        "job_id,submit_s,duration_s,tasks,gpus_per_task,comm_fraction\nzero,0,50,2,4,0\nempty,200,50,2,4,\n",
    )
    .unwrap();
    let output = clustersim(
        &["run", "s.toml", "--out", "out2", "--no-report", "--quiet"],
        dir.path(),
    );
    assert!(output.status.success(), "{}", stderr(&output));
    let jobs = std::fs::read_to_string(dir.path().join("out2/jobs.csv")).unwrap();
    let ends: Vec<&str> = jobs.lines().skip(1).map(|l| l.split(',').nth(3).unwrap()).collect();
    assert_eq!(ends, ["50.0", "325.0"], "{jobs}");
}

/// A synthetic workload's share is its own key: `workload.comm_fraction` would be ignored, so
/// it is refused.
#[test]
fn a_scenario_comm_fraction_is_refused_beside_a_synthetic_workload() {
    let scenario = "name = \"c\"\n[cluster]\nracks = 1\nnodes_per_rack = 1\nnode = { gpus = 4, gpu_type = \"A100\" }\n\
                    [workload]\ncomm_fraction = 0.5\n[workload.synthetic]\njobs = 5\n";
    let dir = workspace(scenario, "");
    let output = clustersim(&["validate", "s.toml"], dir.path());
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(
        stderr(&output),
        "error: s.toml:7: workload.comm_fraction: applies to traces; a synthetic workload's share is \
         workload.synthetic.comm_fraction\n"
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

/// Sizes and bandwidths that are no such thing are bad input (exit 2), not a NaN share.
#[test]
fn comm_fraction_refuses_what_is_no_size_or_bandwidth() {
    let dir = tempfile::tempdir().unwrap();
    for (flag, value, reason) in [
        ("--bytes", "-5e9", "is below 0"),
        ("--gbps", "0", "is not above 0"),
        ("--gbps", "nan", "expected a finite number"),
        ("--gpus", "0", "0 is not in 1.."),
    ] {
        // `--bytes -5e9` as two words too: a negative value is read as a value, not a flag.
        for joined in [true, false] {
            let mut args = vec!["comm-fraction".to_string()];
            for (f, v) in [
                ("--bytes", "1e9"),
                ("--gpus", "8"),
                ("--gbps", "100"),
                ("--compute", "500ms"),
            ] {
                let v = if f == flag { value } else { v };
                match joined {
                    true => args.push(format!("{f}={v}")),
                    false => args.extend([f.to_string(), v.to_string()]),
                }
            }
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            let output = clustersim(&args, dir.path());
            assert_eq!(output.status.code(), Some(2), "{flag} {value}");
            assert!(stderr(&output).contains(reason), "{flag} {value}: {}", stderr(&output));
        }
    }
    // A bandwidth of 1e-300 Gbit/s: 2 · 7/8 · 8e9 bit ÷ 1e-291 bit/s = 1.4e301 s, written as a
    // power of ten, not as 302 digits.
    let output = clustersim(
        &[
            "comm-fraction",
            "--bytes",
            "1e9",
            "--gpus",
            "8",
            "--gbps",
            "1e-300",
            "--compute",
            "1s",
        ],
        dir.path(),
    );
    assert!(
        common::stdout(&output).starts_with("ring all-reduce: 1.400000e301 s"),
        "{}",
        common::stdout(&output)
    );
}

#[test]
fn report_renders_a_run_folder_as_run_does() {
    let dir = workspace(SCENARIO, TRACE);
    assert!(
        clustersim(&["run", "s.toml", "--out", "full", "--quiet"], dir.path())
            .status
            .success()
    );
    assert!(
        clustersim(
            &["run", "s.toml", "--out", "bare", "--quiet", "--no-report"],
            dir.path()
        )
        .status
        .success()
    );
    let output = clustersim(&["report", "bare", "--quiet"], dir.path());
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(output.stdout.is_empty());
    // The same files as `run` wrote beside its data: the page and every chart.
    assert_eq!(files(&dir.path().join("bare")), files(&dir.path().join("full")));
    let neither = clustersim(&["report", "."], dir.path());
    assert_eq!(neither.status.code(), Some(2));
    assert!(
        stderr(&neither).contains("neither a sweep or comparison folder"),
        "{}",
        stderr(&neither)
    );
}

#[test]
fn a_bad_value_given_with_set_blames_the_flag() {
    // The file names its policy on line 14; the misspelt name comes from the flag.
    let dir = workspace(SCENARIO, TRACE);
    let output = clustersim(&["run", "s.toml", "--set", "policy.name=best-fti"], dir.path());
    assert_eq!(output.status.code(), Some(2));
    let message = stderr(&output);
    assert!(
        message.starts_with("error: s.toml with --set policy.name=best-fti: policy.name: unknown"),
        "{message}"
    );
    assert!(message.contains("did you mean `best-fit`?"), "{message}");
    let output = clustersim(&["run", "s.toml", "--set", "cluster.racks=-1"], dir.path());
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("expected a whole number from 0 to 4294967295, found -1"),
        "{}",
        stderr(&output)
    );
}

/// Runs `command` under `script`, which gives it a terminal; returns what the terminal showed.
#[cfg(unix)]
fn on_a_terminal(command: &str, dir: &Path) -> Option<String> {
    let output = std::process::Command::new("script")
        .args(["-qec", command, "/dev/null"])
        .current_dir(dir)
        .output()
        .ok()?;
    output
        .status
        .success()
        .then(|| String::from_utf8_lossy(&output.stdout).into_owned())
}

#[cfg(unix)]
#[test]
fn a_long_run_shows_progress_on_a_terminal_unless_quiet() {
    // The run must outlast the spinner's 0.5 s. A debug build replays the demo's Philly trace
    // in about 2 s; a release build does it in under 0.4 s, so it runs 500,000 synthetic jobs
    // instead (about 1.7 s).
    let bin = env!("CARGO_BIN_EXE_clustersim");
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    let long_run = if cfg!(debug_assertions) {
        examples.join("demo.toml").display().to_string()
    } else {
        let synthetic = examples.join("synthetic.toml");
        format!("{} --set workload.synthetic.jobs=500000", synthetic.display())
    };
    let dir = tempfile::tempdir().unwrap();
    let run = |extra: &str| {
        on_a_terminal(
            &format!("{bin} run {long_run} --out out --no-report {extra}"),
            dir.path(),
        )
    };
    let Some(shown) = run("") else {
        eprintln!("skipped: `script` is not available to give the run a terminal");
        return;
    };
    assert!(
        shown.contains("simulated ") && shown.contains(" jobs arrived"),
        "{shown}"
    );
    let quiet = run("--quiet").unwrap();
    assert!(quiet.trim().is_empty(), "{quiet}");
}

#[test]
fn samples_fall_on_multiples_of_the_interval() {
    // Every job arrives 3 s later than in TRACE (first arrival at 3 s); samples every 10 s fall
    // at 10, 20, 30, …: the first multiple of 10 s at or after the first arrival, so runs and
    // seeds with other first arrivals share one time grid (they used to start at 3, 13, 23).
    let shifted: String = TRACE
        .lines()
        .enumerate()
        .map(|(i, line)| {
            if i == 0 {
                return format!("{line}\n");
            }
            let mut fields: Vec<String> = line.split(',').map(String::from).collect();
            fields[1] = (fields[1].parse::<f64>().unwrap() + 3.0).to_string();
            format!("{}\n", fields.join(","))
        })
        .collect();
    let dir = workspace(SCENARIO, &shifted);
    let output = clustersim(&["run", "s.toml", "--out", "out", "--quiet", "--no-report"], dir.path());
    assert!(output.status.success(), "{}", stderr(&output));
    let series = std::fs::read_to_string(dir.path().join("out/timeseries.csv")).unwrap();
    let times: Vec<&str> = series
        .lines()
        .skip(1)
        .take(3)
        .map(|l| l.split(',').next().unwrap())
        .collect();
    assert_eq!(times, ["10.0", "20.0", "30.0"]);
}

/// a takes all 8 GPUs from 0 to 100; b (4 GPUs) arrives at 10, is considered once (too few
/// free: 0 of 4) and starts when a ends: one round of waiting, 90 s.
#[test]
fn why_says_one_round_in_the_singular() {
    let trace = "job_id,submit_s,duration_s,tasks,gpus_per_task\na,0,100,2,4\nb,10,50,1,4\n";
    let dir = workspace(SCENARIO, trace);
    let run = clustersim(
        &["run", "s.toml", "--explain", "--no-report", "-q", "--out", "o"],
        dir.path(),
    );
    assert!(run.status.success(), "{}", stderr(&run));
    let story = common::stdout(&clustersim(&["why", "o", "b"], dir.path()));
    assert!(story.contains("\n  waited 1 round, 90 s in all\n"), "{story}");
    assert!(
        story.contains("\n  waited from 00:00:10 to 00:01:40 (1 round): "),
        "{story}"
    );
}

/// `run --explain` writes decisions.csv and `why` tells a job's story from it.
///
/// Two nodes × 4 GPUs, best fit, FIFO (the trace of `common::TRACE`): a (4 GPUs) and b (1)
/// start at 0 on n0 and n1, c (1) at 20 on n1, leaving 2 free. d (4 GPUs) at 30 waits: too few
/// free (2 of 4); e (a gang of 2 × 4) at 40 waits behind d, the head, until a ends at 100 and d
/// starts; from 100 e waits for too few free GPUs until b and c have ended (b at 1000, c at
/// 1020), then starts on both nodes at 1020 and ends at 1070: 2, then 6, then 7 of its 8 GPUs
/// free, told as a range.
#[test]
fn why_tells_a_jobs_story_and_the_shares_of_waiting() {
    let dir = workspace(SCENARIO, TRACE);
    let run = clustersim(
        &["run", "s.toml", "--explain", "--no-report", "-q", "--out", "o"],
        dir.path(),
    );
    assert!(run.status.success(), "{}", stderr(&run));
    let csv = std::fs::read_to_string(dir.path().join("o/decisions.csv")).unwrap();
    // Best fit's candidates, the GPUs each node would have left: a (4 GPUs) leaves 0 on either
    // node (ties to the lower index); then b (1 GPU) fits only on r0-n1, leaving 3. A start
    // stands for its own round: 1 round, last seen at its time, no `until_s`.
    assert!(
        csv.starts_with(
            "t_s,job_id,outcome,reason,params,nodes,candidates,victims,rounds,last_s,until_s\n\
             0.0,a,started,,,r0-n0,r0-n0=0;r0-n1=0,,1,0.0,\n\
             0.0,b,started,,,r0-n1,r0-n1=3,,1,0.0,\n"
        ),
        "{csv}"
    );
    // The why-log is compact: e is considered behind d at 40 (its arrival) and 41 (f's
    // arrival), one row of 2 rounds that holds until 100, when d starts and e's reason changes.
    assert!(
        csv.contains("\n40.0,e,waits,behind-head,head=d,,,,2,41.0,100.0\n"),
        "{csv}"
    );
    // d waits too few free (2 of 4) at 30, 40 and 41: one row, its 3 rounds written when it
    // starts at 100, just before its start.
    assert!(
        csv.contains("\n30.0,d,waits,too-few-free,free=2;needed=4,,,,3,41.0,100.0\n100.0,d,started,"),
        "{csv}"
    );
    // e's wait for too few free GPUs changes its parameters as b and c end (2, 6, 7 free of 8):
    // a row each.
    assert_eq!(csv.matches(",e,waits,too-few-free,").count(), 3, "{csv}");
    let story = clustersim(&["why", "o", "e"], dir.path());
    let story = common::stdout(&story);
    assert_eq!(
        story,
        "job e: submitted at 00:00:40\n  waited 5 rounds, 16.3 min in all\n  \
         dominant reasons: too-few-free 15.3 min, behind-head 60 s\n  \
         waited from 00:00:40 to 00:01:40 (2 rounds): blocked behind the head job d\n  \
         waited from 00:01:40 to 00:17:00 (3 rounds): the cluster had too few free GPUs in total (2 to 7 free of the 8 needed)\n  \
         started at 00:17:00 on r0-n0, r0-n1\n  ended completed at 00:17:50\n"
    );
    // f (a quarter GPU, at 41) waits behind d, then behind e once d starts at 100 (rounds at 41,
    // 100, 200, 1000): one wait behind the heads in turn, until e starts at 1020 and takes every
    // GPU; then too few free until e ends at 1070.
    let story = common::stdout(&clustersim(&["why", "o", "f"], dir.path()));
    assert_eq!(
        story,
        "job f: submitted at 00:00:41\n  waited 5 rounds, 17.1 min in all\n  \
         dominant reasons: behind-head 16.3 min, too-few-free 50 s\n  \
         waited from 00:00:41 to 00:17:00 (4 rounds): blocked behind the head jobs d, e in turn\n  \
         waited from 00:17:00 to 00:17:50 (1 round): the cluster had too few free GPUs in total (0 free of the 0.25 needed)\n  \
         started at 00:17:50 on r0-n0\n  ended completed at 00:17:51\n"
    );
    // In decisions.csv those waits behind d, then e, are one row naming the first head, how
    // many heads and the last: 4 rounds from 41 to 1000, until 1020.
    assert!(
        csv.contains("\n41.0,f,waits,behind-head,head=d;heads=2;last_head=e,,,,4,1000.0,1020.0\n"),
        "{csv}"
    );
    let summary = common::stdout(&clustersim(&["why", "o", "--summary"], dir.path()));
    let shares: f64 = summary
        .lines()
        .skip(1)
        .map(|l| {
            l.trim_end_matches(" %")
                .rsplit(' ')
                .next()
                .unwrap()
                .parse::<f64>()
                .unwrap()
        })
        .sum();
    assert!((shares - 100.0).abs() < 0.11, "{summary}");
    // The report of the folder says where the waiting went with the same shares, largest first.
    let report = clustersim(&["report", "o", "-q"], dir.path());
    assert!(report.status.success(), "{}", stderr(&report));
    let page = std::fs::read_to_string(dir.path().join("o/report.html")).unwrap();
    let paragraph = page
        .split("<p>What happened: ")
        .nth(1)
        .unwrap()
        .split("</p>")
        .next()
        .unwrap();
    let waits = paragraph.split("(decisions.csv): ").nth(1).unwrap();
    let named: Vec<&str> = waits
        .trim_end_matches('.')
        .split(", ")
        .map(|s| s.rsplit(' ').next().unwrap())
        .collect();
    let top: Vec<&str> = summary
        .lines()
        .skip(1)
        .take(3)
        .map(|l| l.split_whitespace().next().unwrap())
        .collect();
    assert_eq!(named, top, "{paragraph}");
    let unknown = clustersim(&["why", "o", "zz"], dir.path());
    assert_eq!(unknown.status.code(), Some(2));
    assert!(stderr(&unknown).contains("no job `zz` in jobs.csv"));
    let missing = clustersim(&["why", ".", "e"], dir.path());
    assert_eq!(missing.status.code(), Some(2));
    assert!(
        stderr(&missing).contains("decisions.csv: not found"),
        "{}",
        stderr(&missing)
    );
    // A damaged decisions.csv is refused naming the line, not told as a story: an outcome no
    // run writes, a wait that ends before it starts, a time past 100 years.
    let decisions = std::fs::read_to_string(dir.path().join("o/decisions.csv")).unwrap();
    let (header, first) = {
        let mut lines = decisions.lines();
        (lines.next().unwrap().to_string(), lines.next().unwrap().to_string())
    };
    let columns: Vec<&str> = header.split(',').collect();
    let at = |name: &str| columns.iter().position(|c| *c == name).unwrap();
    for (column, value, says) in [
        (
            "outcome",
            "sleeps",
            "column `outcome` is `sleeps`, not one of waits, started",
        ),
        ("t_s", "1e300", "column `t_s` is `1e300`, not a time"),
    ] {
        let mut fields: Vec<String> = first.split(',').map(str::to_string).collect();
        fields[at(column)] = value.to_string();
        let damaged = decisions.replacen(&first, &fields.join(","), 1);
        std::fs::write(dir.path().join("o/decisions.csv"), damaged).unwrap();
        let refused = clustersim(&["why", "o", "--summary"], dir.path());
        assert_eq!(refused.status.code(), Some(2), "{column}");
        assert!(
            stderr(&refused).contains(&format!("decisions.csv: line 2: {says}")),
            "{}",
            stderr(&refused)
        );
    }
}

/// A scenario named `..` (or `.`) without `--out` writes under `clustersim-out/`, never into
/// the working folder or `clustersim-out/` itself, and removes nothing of the user's there.
#[test]
fn a_scenario_named_dots_stays_inside_its_own_folder() {
    for name in ["..", "."] {
        let dir = workspace(
            &SCENARIO.replace("name = \"small\"", &format!("name = \"{name}\"")),
            TRACE,
        );
        std::fs::write(dir.path().join("report.html"), "the user's own page").unwrap();
        let output = clustersim(&["run", "s.toml", "--no-report", "-q"], dir.path());
        assert!(output.status.success(), "{}", stderr(&output));
        let underscores = "_".repeat(name.len());
        assert!(
            dir.path()
                .join("clustersim-out")
                .join(&underscores)
                .join("jobs.csv")
                .exists()
        );
        assert!(!dir.path().join("jobs.csv").exists() && !dir.path().join("clustersim-out/jobs.csv").exists());
        assert_eq!(
            std::fs::read_to_string(dir.path().join("report.html")).unwrap(),
            "the user's own page"
        );
    }
}

/// FGD's typical tasks are the tasks the run places: a task wider than a node counts as the
/// parts it is split into, and a job the cluster can never hold (`never-fits`) not at all.
///
/// Two nodes × 4 GPUs (best fit; the averages are exact time averages from the first arrival).
/// `w` (8 GPUs in one task, 0–100 s) runs as 2 tasks of 4 on both nodes, `s` (4 GPUs) at 200 s
/// on one: every typical task takes 4 GPUs and every node is either whole or full, so nothing
/// is fragmented (counting `w` as one 8-GPU task, which no node holds, made an empty cluster
/// half fragmented: 2.0 GPUs, ratio 0.333). Second trace: `big` (16 GPUs, never fits), `x`
/// (4 GPUs, 15–3615 s), `y` (2, 25–125), `z` (4, waits for y, 125–175). Typical tasks 4 GPUs
/// (weight 2/3) and 2 (1/3). From 25 to 125 the node beside x has 2 GPUs free, which the
/// 4-GPU class cannot use: 2/3 × 2 = 4/3 GPUs fragmented, of 2 idle (ratio 2/3), for 100 s of
/// the 3600: 0.037037 GPUs and ratio 0.018519 (with `big` counted, 1.0).
#[test]
fn fragmentation_is_measured_against_the_tasks_the_run_places() {
    let header = "job_id,submit_s,duration_s,tasks,gpus_per_task\n";
    for (trace, gpus, ratio) in [
        ("w,0,100,1,8\ns,200,100,1,4\n", 0.0, 0.0),
        (
            "big,15,100,1,16\nx,15,3600,1,4\ny,25,100,1,2\nz,40,50,1,4\n",
            100.0 * (2.0 / 3.0 * 2.0) / 3600.0,
            100.0 * (2.0 / 3.0) / 3600.0,
        ),
    ] {
        let dir = workspace(SCENARIO, &format!("{header}{trace}"));
        let output = clustersim(&["run", "s.toml", "--no-report", "-q", "--out", "out"], dir.path());
        assert!(output.status.success(), "{}", stderr(&output));
        let summary: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(dir.path().join("out/summary.json")).unwrap()).unwrap();
        let (got_gpus, got_ratio) = (
            summary["frag_gpus_mean"].as_f64().unwrap(),
            summary["frag_ratio_mean"].as_f64().unwrap(),
        );
        assert!(
            (got_gpus - gpus).abs() < 1e-9,
            "{trace}: frag_gpus_mean {got_gpus}, expected {gpus}"
        );
        assert!(
            (got_ratio - ratio).abs() < 1e-9,
            "{trace}: frag_ratio_mean {got_ratio}, expected {ratio}"
        );
    }
}

/// A fair order on a workload of one user (or queue) has nothing to share out: `run` says so.
/// The small trace has no `user` column (every job `default`); with two users, no note.
#[test]
fn a_fair_policy_with_one_user_is_told_to_keep_arrival_order() {
    let note = "note: every job has the same user (the trace gives no users, or one): drf has nothing to share out and keeps arrival order";
    let two_users = "job_id,submit_s,duration_s,tasks,gpus_per_task,user\na,0,100,1,4,ann\nb,0,100,1,4,bob\n";
    for (trace, noted) in [(TRACE, true), (two_users, false)] {
        let dir = workspace(SCENARIO, trace);
        let output = clustersim(
            &[
                "run",
                "s.toml",
                "--no-report",
                "--out",
                "out",
                "--set",
                "policy.name=drf",
            ],
            dir.path(),
        );
        assert!(output.status.success(), "{}", stderr(&output));
        assert_eq!(
            common::stdout(&output).contains(note),
            noted,
            "{}",
            common::stdout(&output)
        );
    }
}

/// A run killed outright leaves its temporary files (`.NAME.XXXXXX.tmp`); the next run into
/// the folder removes them, and leaves the user's own files.
#[test]
fn a_run_removes_the_temporary_files_a_killed_run_left() {
    let dir = workspace(SCENARIO, TRACE);
    let out = dir.path().join("out");
    std::fs::create_dir(&out).unwrap();
    for name in [".jobs.csv.a1B2c3.tmp", ".summary.json.x9Y8z7.tmp", "notes.txt"] {
        std::fs::write(out.join(name), "left").unwrap();
    }
    let output = clustersim(&["run", "s.toml", "--no-report", "-q", "--out", "out"], dir.path());
    assert!(output.status.success(), "{}", stderr(&output));
    let mut names: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    assert_eq!(names, ["jobs.csv", "notes.txt", "summary.json", "timeseries.csv"]);
}

/// `validate` reads every file the scenario names, the typical tasks of FGD's fragmentation
/// measure among them: a missing one is refused there, naming the key, not left to `run`.
#[test]
fn validate_reads_the_typical_tasks_file_too() {
    let dir = workspace(SCENARIO, TRACE);
    let output = clustersim(
        &["validate", "s.toml", "--set", "workload.typical_tasks=nope.csv"],
        dir.path(),
    );
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(
        stderr(&output).contains(
            "s.toml with --set workload.typical_tasks=nope.csv: workload.typical_tasks: file `nope.csv` not found"
        ),
        "{}",
        stderr(&output)
    );
}

/// A run folder's file replaced by something endless (a link to /dev/zero) is refused as bad
/// input once a line runs past 64 MiB, not read until memory runs out.
#[test]
fn a_run_file_without_line_breaks_is_refused_not_read_whole() {
    let dir = workspace(SCENARIO, TRACE);
    let output = clustersim(&["run", "s.toml", "--no-report", "-q", "--out", "out"], dir.path());
    assert!(output.status.success(), "{}", stderr(&output));
    let jobs = dir.path().join("out/jobs.csv");
    std::fs::remove_file(&jobs).unwrap();
    std::os::unix::fs::symlink("/dev/zero", &jobs).unwrap();
    let output = clustersim(&["report", "out"], dir.path());
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("a line longer than 64 MiB"),
        "{}",
        stderr(&output)
    );
}

/// A run that cannot write one of its files leaves no summary of itself: here `jobs.csv` is a
/// folder in the way. (The summary used to be written first, and stayed.)
#[test]
fn a_run_that_cannot_write_its_files_leaves_no_summary() {
    let dir = workspace(SCENARIO, TRACE);
    std::fs::create_dir_all(dir.path().join("out/jobs.csv")).unwrap();
    let output = clustersim(&["run", "s.toml", "--no-report", "-q", "--out", "out"], dir.path());
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    let left: Vec<_> = files_in(&dir.path().join("out"));
    assert_eq!(left, ["jobs.csv"]);
}

/// A run into an earlier run's folder that fails while writing its files leaves no mix of the
/// two: the new timeline.json is written before jobs.csv fails, and the earlier summary,
/// time series and report would otherwise sit beside it.
#[test]
fn a_run_that_fails_writing_over_an_earlier_run_leaves_neither() {
    let dir = workspace(SCENARIO, TRACE);
    let output = clustersim(&["run", "s.toml", "-q", "--out", "out"], dir.path());
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(files_in(&dir.path().join("out")).contains(&"report.html".to_string()));
    std::fs::remove_file(dir.path().join("out/jobs.csv")).unwrap();
    std::fs::create_dir(dir.path().join("out/jobs.csv")).unwrap();
    let output = clustersim(&["run", "s.toml", "-q", "--timeline", "--out", "out"], dir.path());
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert_eq!(files_in(&dir.path().join("out")), ["jobs.csv"]);
}

/// Ctrl-C during a run leaves no trace: exit 130, no temporary file, and the folder it made is
/// gone (one it did not make keeps what it held).
#[test]
fn an_interrupted_run_leaves_no_trace() {
    use std::process::{Command, Stdio};
    // 1M synthetic jobs: seconds of work, far more than the second before the signal.
    let scenario = "name = \"long\"\n[cluster]\nracks = 16\nnodes_per_rack = 8\n\
                    node = { gpus = 8, gpu_type = \"A100-80GB\" }\n[workload.synthetic]\njobs = 1000000\n";
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("long.toml"), scenario).unwrap();
    std::fs::create_dir(dir.path().join("kept")).unwrap();
    std::fs::write(dir.path().join("kept/notes.txt"), "mine").unwrap();
    for (out, left) in [("made", None), ("kept", Some(vec!["notes.txt".to_string()]))] {
        let child = Command::new(env!("CARGO_BIN_EXE_clustersim"))
            .args(["run", "long.toml", "--no-report", "-q", "--out", out])
            .current_dir(dir.path())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        std::thread::sleep(std::time::Duration::from_millis(1000));
        let sent = Command::new("kill")
            .args(["-INT", &child.id().to_string()])
            .status()
            .unwrap();
        assert!(sent.success());
        let output = child.wait_with_output().unwrap();
        assert_eq!(output.status.code(), Some(130), "{}", stderr(&output));
        assert!(stderr(&output).contains("interrupted: the run wrote nothing"));
        let folder = dir.path().join(out);
        assert_eq!(folder.exists().then(|| files_in(&folder)), left);
    }
}

fn files_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// A generated CPU-only node needs no GPU model: two nodes of 9 cores; a (2 tasks × 5 cores)
/// takes 5 on each, so b (5 cores) waits for it to end at 10 s and runs 10–20. A node with GPUs
/// still needs its model.
#[test]
fn a_cpu_only_node_goes_without_a_gpu_model() {
    let scenario = "name = \"c\"\n[cluster]\nracks = 1\nnodes_per_rack = 2\nnode = { gpus = 0, cpus = 9 }\n\
                    [workload]\ntrace = \"trace.csv\"\n";
    let dir = workspace(
        scenario,
        "job_id,submit_s,duration_s,tasks,gpus_per_task,cpus_per_task\na,0,10,2,0,5\nb,0,10,1,0,5\n",
    );
    let output = clustersim(&["run", "s.toml", "--out", "out", "--no-report", "--quiet"], dir.path());
    assert!(output.status.success(), "{}", stderr(&output));
    let jobs = std::fs::read_to_string(dir.path().join("out/jobs.csv")).unwrap();
    let b = jobs.lines().find(|l| l.starts_with("b,")).unwrap();
    assert!(b.starts_with("b,0.0,10.0,20.0,completed,"), "{jobs}");
    std::fs::write(dir.path().join("s.toml"), scenario.replace("gpus = 0", "gpus = 2")).unwrap();
    let output = clustersim(&["validate", "s.toml"], dir.path());
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(
        stderr(&output),
        "error: s.toml:5: cluster.node: gpu_type is needed on a node with 2 GPUs (only a CPU-only node, gpus = 0, \
         goes without)\n"
    );
}

/// An output folder named like an existing file is refused as such.
#[test]
fn an_output_folder_that_is_a_file_is_refused_as_such() {
    let scenario = "name = \"f\"\n[cluster]\nracks = 1\nnodes_per_rack = 1\nnode = { gpus = 4, gpu_type = \"A100\" }\n\
                    [workload]\ntrace = \"trace.csv\"\n";
    let dir = workspace(scenario, "job_id,submit_s,duration_s,tasks,gpus_per_task\na,0,10,1,1\n");
    std::fs::write(dir.path().join("taken"), "mine").unwrap();
    for command in [&["run", "s.toml"][..], &["sweep", "s.toml"]] {
        let output = clustersim(&[command, &["--out", "taken", "-q"]].concat(), dir.path());
        assert_eq!(output.status.code(), Some(2));
        assert_eq!(stderr(&output), "error: taken: is a file, not a folder\n");
    }
    assert_eq!(std::fs::read_to_string(dir.path().join("taken")).unwrap(), "mine");
}

//! `clustersim sweep` and `merge` end to end: determinism across threads, resume and shard
//! equivalence, failed runs, bad input.

mod common;

use common::{TRACE, clustersim, files, stderr};

use std::path::Path;
use std::process::{Command, Output};

/// 3 policies × 2 node counts × 4 seeds = 24 runs.
const SCENARIO: &str = "name = \"small\"\nseed = 7\n\n[cluster]\nracks = 1\nnodes_per_rack = 2\n\
                        node = { gpus = 4, gpu_type = \"A100\" }\n\n[workload]\ntrace = \"trace.csv\"\n\n\
                        [output]\nsample_interval = \"10s\"\n\n[sweep]\nseeds = 4\n\
                        grid = { \"policy.name\" = [\"first-fit\", \"best-fit\", \"worst-fit\"], \"cluster.nodes_per_rack\" = [2, 3] }\n";

fn workspace(scenario: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("s.toml"), scenario).unwrap();
    std::fs::write(dir.path().join("trace.csv"), TRACE).unwrap();
    dir
}

fn sweep(dir: &Path, extra: &[&str]) -> Output {
    let mut args = vec!["sweep", "s.toml", "--quiet"];
    args.extend_from_slice(extra);
    clustersim(&args, dir)
}

fn assert_ok(output: &Output) {
    assert!(output.status.success(), "{}", stderr(output));
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap()
}

/// A scenario without `[sweep]` sweeps one run: said, since a user who wanted more gets one.
#[test]
fn a_sweep_of_a_scenario_without_a_sweep_section_says_it_is_one_run() {
    let plain = &SCENARIO[..SCENARIO.find("[sweep]").unwrap()];
    let dir = workspace(plain);
    let output = clustersim(&["sweep", "s.toml", "--out", "one"], dir.path());
    assert_ok(&output);
    assert!(
        stderr(&output).contains("note: s.toml has no [sweep] section: one run, seed 7"),
        "{}",
        stderr(&output)
    );
    assert_eq!(read(&dir.path().join("one/sweep.csv")).lines().count(), 2);
    // With a section given by a flag, no note.
    let seeded = clustersim(
        &["sweep", "s.toml", "--set", "sweep.seeds=2", "--out", "two"],
        dir.path(),
    );
    assert_ok(&seeded);
    assert!(!stderr(&seeded).contains("no [sweep] section"), "{}", stderr(&seeded));
}

#[test]
fn sweep_files_are_byte_identical_for_1_2_and_4_threads() {
    let dir = workspace(SCENARIO);
    for threads in ["1", "2", "4"] {
        assert_ok(&sweep(
            dir.path(),
            &["--threads", threads, "--out", &format!("t{threads}")],
        ));
    }
    let one = files(&dir.path().join("t1"));
    assert!(one.iter().any(|(p, _)| p == Path::new("sweep.csv")));
    assert_eq!(one, files(&dir.path().join("t2")));
    assert_eq!(one, files(&dir.path().join("t4")));
    let table = read(&dir.path().join("t1/sweep.csv"));
    let lines: Vec<&str> = table.lines().collect();
    assert_eq!(lines.len(), 1 + 24);
    assert!(lines[0].starts_with("run,seed,cluster.nodes_per_rack,policy.name,status,jobs_submitted,"));
    // Runs by index; keys alphabetical (nodes_per_rack slowest); seeds 7..=10 innermost.
    // Run 5 is point 1 (2 nodes, best-fit) with seed 7 + 1. The CLI test `a_run_writes_the_three_outputs`
    // works this scenario by hand under best-fit on 2 nodes: 6 jobs completed.
    assert!(lines[6].starts_with("5,8,2,best-fit,ok,6,6,0,0,0,"), "{}", lines[6]);
    assert!(lines[24].starts_with("23,10,3,worst-fit,ok,6,6,"), "{}", lines[24]);
}

#[test]
fn an_interrupted_sweep_resumed_ends_with_the_same_files() {
    let dir = workspace(SCENARIO);
    assert_ok(&sweep(dir.path(), &["--out", "straight"]));
    // Without --quiet, a sweep stopped by --max-runs says how to go on.
    let stopped = clustersim(
        &[
            "sweep",
            "s.toml",
            "--out",
            "resumed",
            "--max-runs",
            "5",
            "--threads",
            "2",
        ],
        dir.path(),
    );
    assert_ok(&stopped);
    let resumed = dir.path().join("resumed");
    assert!(
        !resumed.join("sweep.csv").exists(),
        "no sweep.csv before every run is recorded"
    );
    let journal = read(&resumed.join("sweep.journal.csv"));
    assert_eq!(journal.lines().count(), 1 + 5, "{journal}");
    assert!(
        stderr(&stopped).contains("5 of 24 runs recorded"),
        "{}",
        stderr(&stopped)
    );
    // With --quiet it says nothing: stopping where asked is no error.
    let quiet = sweep(dir.path(), &["--out", "quiet", "--max-runs", "5"]);
    assert_ok(&quiet);
    assert!(quiet.stderr.is_empty() && quiet.stdout.is_empty(), "{}", stderr(&quiet));
    // Without --resume the folder is refused.
    let refused = sweep(dir.path(), &["--out", "resumed"]);
    assert_eq!(refused.status.code(), Some(2));
    assert!(stderr(&refused).contains("already holds a sweep: pass --resume"));
    // A kill in the middle of a write leaves a torn line: it is dropped and that run redone.
    let mut torn = journal.clone();
    torn.push_str("23,10,3,worst-f");
    std::fs::write(resumed.join("sweep.journal.csv"), torn).unwrap();
    assert_ok(&sweep(dir.path(), &["--out", "resumed", "--resume", "--max-runs", "7"]));
    assert_ok(&sweep(dir.path(), &["--out", "resumed", "--resume"]));
    assert_eq!(files(&dir.path().join("straight")), files(&resumed));
    // Resuming a finished sweep changes nothing.
    assert_ok(&sweep(dir.path(), &["--out", "resumed", "--resume"]));
    assert_eq!(files(&dir.path().join("straight")), files(&resumed));
    // Resuming with another scenario is refused.
    let other = sweep(dir.path(), &["--out", "resumed", "--resume", "--set", "seed=8"]);
    assert_eq!(other.status.code(), Some(2));
    assert!(stderr(&other).contains("holds another sweep"), "{}", stderr(&other));
    // A run into the sweep's folder is refused (its files would mix with the sweep's, its
    // report replace the sweep's), and so is a sweep into a run's folder; neither folder
    // changes.
    let before = files(&resumed);
    let run = clustersim(&["run", "s.toml", "--out", "resumed", "-q"], dir.path());
    assert_eq!(run.status.code(), Some(2));
    assert!(
        stderr(&run).contains("holds a sweep or comparison (sweep.json)"),
        "{}",
        stderr(&run)
    );
    assert_eq!(files(&resumed), before);
    assert_ok(&clustersim(
        &["run", "s.toml", "--out", "one", "-q", "--no-report"],
        dir.path(),
    ));
    let one = files(&dir.path().join("one"));
    let into_run = sweep(dir.path(), &["--out", "one"]);
    assert_eq!(into_run.status.code(), Some(2));
    assert!(
        stderr(&into_run).contains("holds a run (summary.json)"),
        "{}",
        stderr(&into_run)
    );
    assert_eq!(files(&dir.path().join("one")), one);
}

#[test]
fn shards_merged_equal_the_full_sweep_and_merge_checks_its_inputs() {
    let dir = workspace(SCENARIO);
    assert_ok(&sweep(dir.path(), &["--out", "full"]));
    for k in 1..=3 {
        assert_ok(&sweep(
            dir.path(),
            &["--shard", &format!("{k}/3"), "--out", &format!("shard{k}")],
        ));
    }
    // Shard 2 of 3 holds runs 1, 4, 7, …, 22: 8 rows.
    let shard2 = read(&dir.path().join("shard2/sweep.csv"));
    let runs: Vec<&str> = shard2.lines().skip(1).map(|l| l.split(',').next().unwrap()).collect();
    assert_eq!(runs, ["1", "4", "7", "10", "13", "16", "19", "22"]);
    let merged = clustersim(&["merge", "shard3", "shard1", "shard2", "--out", "merged"], dir.path());
    assert_ok(&merged);
    assert_eq!(files(&dir.path().join("full")), files(&dir.path().join("merged")));

    let missing = clustersim(&["merge", "shard1", "shard3", "--out", "m2"], dir.path());
    assert_eq!(missing.status.code(), Some(2));
    assert!(stderr(&missing).contains("shard 2/3 missing"), "{}", stderr(&missing));
    // Every missing and unfinished shard is named at once, with how far it got.
    assert_ok(&sweep(
        dir.path(),
        &[
            "--shard",
            "3/3",
            "--max-runs",
            "5",
            "--threads",
            "1",
            "--out",
            "partial3",
        ],
    ));
    let incomplete = clustersim(&["merge", "partial3", "shard1", "--out", "m2"], dir.path());
    assert_eq!(incomplete.status.code(), Some(2));
    assert!(
        stderr(&incomplete).contains(
            "the sweep is incomplete: shard 2/3 missing; shard 3/3 not finished (5 of 8 runs recorded in partial3); "
        ),
        "{}",
        stderr(&incomplete)
    );
    assert!(!dir.path().join("m2").exists());
    let copy = dir.path().join("shard1-copy");
    std::fs::create_dir(&copy).unwrap();
    for (name, bytes) in files(&dir.path().join("shard1")) {
        std::fs::write(copy.join(name), bytes).unwrap();
    }
    let twice = clustersim(
        &["merge", "shard1", "shard1-copy", "shard2", "shard3", "--out", "m3"],
        dir.path(),
    );
    assert_eq!(twice.status.code(), Some(2));
    assert!(
        stderr(&twice).contains("shard 1/3 is given twice"),
        "{}",
        stderr(&twice)
    );
    // A shard whose table lost a row is refused.
    let rows = read(&copy.join("sweep.csv"));
    let cut: Vec<&str> = rows.lines().take(3).collect();
    std::fs::write(copy.join("sweep.csv"), cut.join("\n") + "\n").unwrap();
    let short = clustersim(&["merge", "shard1-copy", "shard2", "shard3", "--out", "m4"], dir.path());
    assert_eq!(short.status.code(), Some(2));
    assert!(
        stderr(&short).contains("shard 1/3 should record 8 runs, it records 2"),
        "{}",
        stderr(&short)
    );
}

#[test]
fn failed_runs_are_recorded_and_the_others_complete() {
    // An event budget of 5 stops every run that has it at the sixth event (the trace's six
    // arrivals alone are more): those runs fail when they reach it, the others complete.
    let scenario = SCENARIO.replace("grid = {", "grid = { \"limits.max_events\" = [100000, 5], ");
    let dir = workspace(&scenario);
    let output = sweep(dir.path(), &["--out", "out"]);
    assert_eq!(output.status.code(), Some(3), "{}", stderr(&output));
    assert!(stderr(&output).contains("24 of 48 runs failed"), "{}", stderr(&output));
    let table = read(&dir.path().join("out/sweep.csv"));
    let rows: Vec<&str> = table.lines().skip(1).collect();
    assert_eq!(rows.len(), 48);
    // Keys in alphabetical order, the first varying slowest: points 3-5 and 9-11 have the
    // budget of 5, so the first failed run is point 3's first seed, run 12.
    let failed: Vec<&&str> = rows.iter().filter(|r| r.contains(",failed,")).collect();
    assert_eq!(failed.len(), 24);
    assert!(
        failed[0].starts_with("12,7,2,5,first-fit,failed,") && failed[0].contains("makes no progress"),
        "{}",
        failed[0]
    );
    assert!(rows[0].starts_with("0,7,2,100000,first-fit,ok,6,6,"), "{}", rows[0]);
    let aggregate = read(&dir.path().join("out/aggregate.csv"));
    // Point 3 has 4 failed runs and no values.
    assert!(
        aggregate.contains("\n3,2,5,first-fit,avg_jct_s,0,4,,,,\n"),
        "{aggregate}"
    );
}

#[test]
fn a_merge_of_shards_with_failed_runs_writes_the_sweep_and_exits_3() {
    // The budget of 5 events fails every run of the 6 points that have it (as above); with 2
    // seeds that is 6 × 2 = 12 of the 24 runs. Each shard, the one-piece sweep and the merge
    // exit 3, and the merge writes the same files as the one-piece sweep.
    let scenario = SCENARIO
        .replace("grid = {", "grid = { \"limits.max_events\" = [100000, 5], ")
        .replace("seeds = 4", "seeds = 2");
    let dir = workspace(&scenario);
    assert_eq!(sweep(dir.path(), &["--out", "full"]).status.code(), Some(3));
    for k in 1..=2 {
        let shard = sweep(
            dir.path(),
            &["--shard", &format!("{k}/2"), "--out", &format!("shard{k}")],
        );
        assert_eq!(shard.status.code(), Some(3), "{}", stderr(&shard));
    }
    let merged = clustersim(&["merge", "shard1", "shard2", "--out", "merged"], dir.path());
    assert_eq!(merged.status.code(), Some(3), "{}", stderr(&merged));
    assert!(
        stderr(&merged).contains("12 of 24 runs failed: see the `error` column of merged/sweep.csv"),
        "{}",
        stderr(&merged)
    );
    assert_eq!(files(&dir.path().join("full")), files(&dir.path().join("merged")));
    // --quiet keeps the failure on standard error, as a sweep's.
    let quiet = clustersim(&["merge", "shard1", "shard2", "--out", "merged", "--quiet"], dir.path());
    assert_eq!(quiet.status.code(), Some(3));
    assert!(quiet.stdout.is_empty() && stderr(&quiet).contains("12 of 24 runs failed"));
}

#[test]
fn check_fails_points_with_failed_runs_or_fewer_runs_than_the_baseline() {
    // 3 policies × 2 node counts × 2 seeds = 12 runs. Shard 1/2 holds the even runs; run 0
    // (2 nodes, first-fit, seed 7) is marked failed in it, as a run that panicked would be.
    // Every seed of this trace gives the same metrics, so every rule holds and the only
    // failures are point 0's: 1 of its 2 runs failed, and its means come from 1 run where the
    // baseline's (the one-piece sweep, nothing failed) come from 2.
    let dir = workspace(&SCENARIO.replace("seeds = 4", "seeds = 2"));
    assert_ok(&sweep(dir.path(), &["--out", "full"]));
    for k in 1..=2 {
        assert_ok(&sweep(
            dir.path(),
            &["--shard", &format!("{k}/2"), "--out", &format!("shard{k}")],
        ));
    }
    let table = read(&dir.path().join("shard1/sweep.csv"));
    let mut lines: Vec<String> = table.lines().map(String::from).collect();
    assert!(lines[1].starts_with("0,7,2,first-fit,ok,"), "{}", lines[1]);
    let fields = lines[1].split(',').count();
    // run, seed, the 2 keys, status, the metrics (empty), error.
    lines[1] = format!("0,7,2,first-fit,failed{}the run panicked", ",".repeat(fields - 5));
    std::fs::write(dir.path().join("shard1/sweep.csv"), lines.join("\n") + "\n").unwrap();
    let merged = clustersim(&["merge", "shard1", "shard2", "--out", "merged"], dir.path());
    assert_eq!(merged.status.code(), Some(3), "{}", stderr(&merged));
    assert!(stderr(&merged).contains("1 of 12 runs failed"), "{}", stderr(&merged));
    // Point 0: n = 1 (the run left), failed = 1, the trace's 6 jobs submitted.
    let aggregate = read(&dir.path().join("merged/aggregate.csv"));
    assert!(
        aggregate.contains("\n0,2,first-fit,jobs_submitted,1,1,6.0,,,\n"),
        "{aggregate}"
    );
    let check = clustersim(&["check", "merged", "--baseline", "full"], dir.path());
    assert_eq!(check.status.code(), Some(1), "{}", stderr(&check));
    let out = common::stdout(&check);
    // 9 default rules × 6 points, and the 2 checks of point 0's runs.
    assert!(
        out.starts_with("check failed: 2 of 56 checks against full/aggregate.csv\n"),
        "{out}"
    );
    let row = |rule: &str| out.lines().find(|l| l.contains(rule)).unwrap_or_default().to_string();
    let failed = row("failed == 0");
    assert!(
        failed.starts_with("cluster.nodes_per_rack=2, policy.name=first-fit")
            && failed.ends_with("FAILED: 1 of 2 runs failed (their errors are in sweep.csv)"),
        "{out}"
    );
    let short = row("n >= baseline");
    assert!(
        short.starts_with("cluster.nodes_per_rack=2, policy.name=first-fit")
            && short.ends_with("FAILED: values from 1 run, the baseline's from 2"),
        "{out}"
    );
    // Against itself the point still fails for its failed run, not for its run count.
    let itself = clustersim(&["check", "merged", "--baseline", "merged"], dir.path());
    assert_eq!(itself.status.code(), Some(1));
    assert!(
        common::stdout(&itself).starts_with("check failed: 1 of 55 checks"),
        "{}",
        common::stdout(&itself)
    );
}

#[test]
fn a_bad_trace_row_in_any_grid_point_refuses_the_sweep_before_it_runs() {
    // The second trace has a bad row at line 4: like `run`, the sweep, the comparison and
    // `validate` refuse it as bad input (exit 2) naming file, line and column, and no run
    // starts (no output folder).
    let scenario = SCENARIO.replace(
        "grid = {",
        "grid = { \"workload.trace\" = [\"trace.csv\", \"bad.csv\"], ",
    );
    let dir = workspace(&scenario);
    std::fs::write(dir.path().join("bad.csv"), TRACE.replace("c,20,1000,1,1", "c,20,x,1,1")).unwrap();
    for args in [
        &["sweep", "s.toml", "--out", "out"][..],
        &["validate", "s.toml"],
        &[
            "compare",
            "s.toml",
            "--set",
            "workload.trace=bad.csv",
            "--policies",
            "first-fit,best-fit",
            "--out",
            "out",
        ],
    ] {
        let output = clustersim(args, dir.path());
        assert_eq!(output.status.code(), Some(2), "{args:?}: {}", stderr(&output));
        assert!(
            stderr(&output).contains("bad.csv:4: column `duration_s`"),
            "{args:?}: {}",
            stderr(&output)
        );
        assert!(!dir.path().join("out").exists(), "{args:?}");
    }
}

#[test]
fn hot_spares_that_leave_a_grid_point_no_nodes_refuse_the_sweep_before_it_runs() {
    // `training.hot_spares = 2` holds both nodes of the points with `nodes_per_rack = 2` (the
    // grid's other key): bad input at once, as the same setting in the file is, not a sweep
    // whose runs of those points fail.
    let dir = workspace(&SCENARIO.replace("grid = {", "grid = { \"training.hot_spares\" = [0, 2], "));
    for args in [&["sweep", "s.toml", "--out", "out"][..], &["validate", "s.toml"]] {
        let output = clustersim(args, dir.path());
        assert_eq!(output.status.code(), Some(2), "{args:?}: {}", stderr(&output));
        assert!(
            stderr(&output).contains("training.hot_spares=2")
                && stderr(&output).contains("2 spares leave none of the cluster's 2 nodes"),
            "{args:?}: {}",
            stderr(&output)
        );
        assert!(!dir.path().join("out").exists(), "{args:?}");
    }
}

#[test]
fn bad_sweeps_are_bad_input_and_write_nothing() {
    let dir = workspace(&SCENARIO.replace("\"policy.name\"", "\"policy.nme\""));
    let output = sweep(dir.path(), &["--out", "out"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("s.toml:17: sweep.grid.\"policy.nme\" value `first-fit`:")
            && stderr(&output).contains("unknown key `nme` in [policy] (did you mean `name`?)"),
        "{}",
        stderr(&output)
    );
    assert!(!dir.path().join("out").exists());
    // A grid value is not a --set flag: the message names its grid point, not a flag.
    let dir = workspace(&SCENARIO.replace(
        "\"policy.name\" = [",
        "\"workload.trace\" = [\"nope.csv\"], \"policy.name\" = [",
    ));
    let output = sweep(dir.path(), &["--out", "out"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("sweep grid point cluster.nodes_per_rack=2, policy.name=first-fit, workload.trace=nope.csv: s.toml: workload.trace: file `nope.csv` not found"),
        "{}",
        stderr(&output)
    );
    // A grid given by --set is blamed on the flag, not on the file's grid line.
    let dir = workspace(SCENARIO);
    let output = sweep(
        dir.path(),
        &["--out", "out", "--set", "sweep.grid={\"policy.name\"=[\"worstfit\"]}"],
    );
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains(
            "s.toml with --set sweep.grid={\"policy.name\"=[\"worstfit\"]}: sweep.grid.\"policy.name\" value `worstfit`"
        ),
        "{}",
        stderr(&output)
    );
    let output = sweep(dir.path(), &["--out", "out", "--shard", "4/3"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("`4/3` is not a shard K/N"),
        "{}",
        stderr(&output)
    );
}

/// Ctrl-C (SIGINT) stops starting runs, keeps every finished one, exits 130; `--resume`
/// completes the sweep with the same files as a straight run.
#[cfg(unix)]
#[test]
fn ctrl_c_stops_cleanly_and_resume_completes_the_sweep() {
    use std::process::Stdio;
    use std::time::{Duration, Instant};

    let dir = workspace(&SCENARIO.replace("seeds = 4", "seeds = 300"));
    let child = Command::new(env!("CARGO_BIN_EXE_clustersim"))
        .args(["sweep", "s.toml", "--quiet", "--threads", "2", "--out", "stopped"])
        .current_dir(dir.path())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let journal = dir.path().join("stopped/sweep.journal.csv");
    let deadline = Instant::now() + Duration::from_secs(60);
    while std::fs::read_to_string(&journal).map_or(0, |t| t.lines().count()) < 3 {
        assert!(Instant::now() < deadline, "the sweep recorded no run");
        std::thread::sleep(Duration::from_millis(2));
    }
    let kill = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    let output = child.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(130), "{}", stderr(&output));
    assert!(stderr(&output).contains("interrupted:"), "{}", stderr(&output));
    let recorded = read(&journal).lines().count() - 1;
    assert!((2..1800).contains(&recorded), "{recorded} runs recorded");
    assert!(!dir.path().join("stopped/sweep.csv").exists());
    assert_ok(&sweep(dir.path(), &["--out", "stopped", "--resume"]));
    assert_ok(&sweep(dir.path(), &["--out", "straight"]));
    assert_eq!(files(&dir.path().join("straight")), files(&dir.path().join("stopped")));
}

#[test]
fn rayon_num_threads_sets_the_pool_without_the_flag() {
    // The perf line names the pool's size: the variable's 1, not the machine's cores; the flag
    // still wins over it.
    let dir = workspace(SCENARIO);
    for (extra, expected) in [(&[][..], "1 thread)"), (&["--threads", "3"][..], "3 threads)")] {
        let output = Command::new(env!("CARGO_BIN_EXE_clustersim"))
            .args(["sweep", "s.toml", "--set", "sweep.seeds=1", "--out"])
            .arg(format!("out{}", extra.len()))
            .args(extra)
            .env("RAYON_NUM_THREADS", "1")
            .current_dir(dir.path())
            .output()
            .unwrap();
        assert_ok(&output);
        assert!(stderr(&output).contains(expected), "{extra:?}: {}", stderr(&output));
    }
}

#[test]
fn validate_checks_and_counts_the_sweep() {
    let dir = workspace(SCENARIO);
    let output = clustersim(&["validate", "s.toml"], dir.path());
    assert_ok(&output);
    // 2 node counts × 3 policies = 6 points, 4 seeds each from seed 7.
    assert!(
        String::from_utf8_lossy(&output.stdout).contains("sweep: 24 runs (6 grid points × 4 seeds from seed 7)"),
        "{}",
        String::from_utf8_lossy(&output.stdout)
    );
    let output = clustersim(&["validate", "s.toml", "--set", "sweep.seeds=1"], dir.path());
    assert!(
        String::from_utf8_lossy(&output.stdout).contains("sweep: 6 runs (6 grid points × 1 seed from seed 7)"),
        "{}",
        String::from_utf8_lossy(&output.stdout)
    );
    // A bad grid value fails the whole check: no "ok" is printed before the error.
    let dir = workspace(&SCENARIO.replace("\"worst-fit\"", "\"worstfit\""));
    let output = clustersim(&["validate", "s.toml"], dir.path());
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("value `worstfit`"), "{}", stderr(&output));
    assert!(output.stdout.is_empty(), "{}", String::from_utf8_lossy(&output.stdout));
}

/// Seeds past 2⁶³ − 1 are refused for the sweep that would run them (4 seeds from 2⁶³ − 2
/// end at 2⁶³ + 1), never for one run of the same file at the largest seed.
#[test]
fn only_a_sweep_refuses_seeds_past_the_largest() {
    let dir = workspace(SCENARIO);
    let output = clustersim(&["validate", "s.toml", "--set", "seed=9223372036854775806"], dir.path());
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains(
            "s.toml with --set seed=9223372036854775806: sweep.seeds: 4 seeds from seed 9223372036854775806 run past 9223372036854775807"
        ),
        "{}",
        stderr(&output)
    );
    let run = clustersim(
        &[
            "run",
            "s.toml",
            "--seed",
            "9223372036854775807",
            "--no-report",
            "-q",
            "--out",
            "one",
        ],
        dir.path(),
    );
    assert_ok(&run);
}

#[test]
fn quiet_sweeps_print_nothing_and_resumes_say_what_ran() {
    let dir = workspace(SCENARIO);
    let quiet = sweep(dir.path(), &["--out", "q"]);
    assert_ok(&quiet);
    assert!(quiet.stdout.is_empty() && quiet.stderr.is_empty(), "{}", stderr(&quiet));
    let loud = |extra: &[&str]| {
        let mut args = vec!["sweep", "s.toml"];
        args.extend_from_slice(extra);
        clustersim(&args, dir.path())
    };
    let first = loud(&["--out", "r", "--max-runs", "10"]);
    assert_ok(&first);
    let rest = loud(&["--out", "r", "--resume"]);
    assert_ok(&rest);
    let stdout = String::from_utf8_lossy(&rest.stdout);
    assert!(
        stdout.starts_with("24 runs (14 now, 10 recorded before) → r/sweep.csv"),
        "{stdout}"
    );
    assert!(stderr(&rest).starts_with("perf: 14 runs in "), "{}", stderr(&rest));
    let straight = loud(&["--out", "s"]);
    assert!(String::from_utf8_lossy(&straight.stdout).starts_with("24 runs → s/sweep.csv"));
}

#[test]
fn the_help_example_of_set_works_as_printed() {
    let help = clustersim(&["sweep", "--help"], Path::new("."));
    let text = String::from_utf8_lossy(&help.stdout);
    assert!(text.contains("e.g. --set horizon=2d"), "{text}");
    // As printed, and with the TOML quotes a user may add: both read the duration.
    let dir = workspace(SCENARIO);
    for flag in ["horizon=2d", "horizon=\"2d\""] {
        let output = clustersim(&["validate", "s.toml", "--set", flag], dir.path());
        assert_ok(&output);
    }
}

#[test]
fn a_grid_key_reaches_an_entry_of_an_array_of_tables() {
    // llama3-54d lists 19 causes; a grid over the first one's rate gives two points whose first
    // cause has those rates and whose other causes are the file's.
    let (text, origin, base_dir) = scenarios::load::read_scenario(Path::new("library:llama3-54d")).unwrap();
    let grid = "sweep.grid={\"faults.causes[0].rate_per_day\"=[1e-4,2e-4]}"
        .parse()
        .unwrap();
    let source = scenarios::sweep::expand::Source {
        text: &text,
        origin: &origin,
        base_dir,
    };
    let plan = scenarios::sweep::expand::plan(&source, &[grid], None).unwrap();
    let rates: Vec<Vec<f64>> = plan
        .points
        .iter()
        .map(|p| {
            let causes = &p.loaded.scenario.faults.as_ref().unwrap().causes;
            causes.iter().map(|c| c.rate_per_day).collect()
        })
        .collect();
    assert_eq!((rates[0][0], rates[1][0]), (1e-4, 2e-4));
    assert_eq!(rates[0][1..], rates[1][1..]);
    assert_eq!(rates[0].len(), 19);
}

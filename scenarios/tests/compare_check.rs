//! `clustersim compare`, `report` and `check` end to end.

mod common;

use common::{TRACE, clustersim};

use std::path::Path;
use std::process::Output;

const SCENARIO: &str = "name = \"small\"\nseed = 7\n\n[cluster]\nracks = 1\nnodes_per_rack = 2\n\
                        node = { gpus = 4, gpu_type = \"A100\" }\n\n[workload]\ntrace = \"trace.csv\"\n\n\
                        [output]\nsample_interval = \"10s\"\n";

fn workspace() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("s.toml"), SCENARIO).unwrap();
    std::fs::write(dir.path().join("trace.csv"), TRACE).unwrap();
    dir
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn compare(dir: &Path) -> Output {
    clustersim(
        &[
            "compare",
            "s.toml",
            "--policies",
            "first-fit,best-fit,worst-fit",
            "--seeds",
            "3",
            "--threads",
            "2",
            "--out",
            "cmp",
        ],
        dir,
    )
}

#[test]
fn compare_runs_every_policy_on_the_same_seeds_and_writes_the_report() {
    let dir = workspace();
    let output = compare(dir.path());
    assert!(output.status.success(), "{}", text(&output.stderr));
    let stdout = text(&output.stdout);
    // The hand-worked run of the CLI test `a_run_writes_the_three_outputs` (best-fit, two
    // nodes): JCTs 100, 1000, 1000, 170, 1030 and 1029.5 s, mean 4329.5 / 6 = 721.583 s.
    // Nothing random in this scenario, so the three seeds agree and the interval is 0; the
    // three placements tie on this tiny cluster, so no policy is marked best.
    assert!(
        stdout.contains("avg_jct_s             721.583 ± 0  721.583 ± 0  721.583 ± 0\n"),
        "{stdout}"
    );
    assert!(!stdout.contains('*'), "a tie has no best: {stdout}");
    // Intervals of 0 from seeds that change nothing are said to be so, here and on the page.
    let seed_blind = "Every seed gave the same results at every grid point: nothing in this scenario draws on the seed";
    assert!(stdout.contains(&format!("\nnote: {seed_blind}")), "{stdout}");
    assert!(stdout.contains("Paired difference against first-fit"), "{stdout}");
    assert!(stdout.contains("best-fit − first-fit"), "{stdout}");
    let sweep = std::fs::read_to_string(dir.path().join("cmp/sweep.csv")).unwrap();
    let seeds: Vec<(String, String)> = sweep
        .lines()
        .skip(1)
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            (f[2].to_string(), f[1].to_string())
        })
        .collect();
    // Common random numbers: every policy runs seeds 7, 8, 9, in the order given.
    let expected: Vec<(String, String)> = ["first-fit", "best-fit", "worst-fit"]
        .iter()
        .flat_map(|p| ["7", "8", "9"].map(|s| (p.to_string(), s.to_string())))
        .collect();
    assert_eq!(seeds, expected);
    for policy in ["first-fit", "best-fit", "worst-fit"] {
        let summary = std::fs::read_to_string(dir.path().join(format!("cmp/{policy}/summary.json"))).unwrap();
        assert!(summary.contains("\"seed\": 7") && summary.contains(&format!("\"policy\": \"{policy}\"")));
    }
    let page = std::fs::read_to_string(dir.path().join("cmp/report.html")).unwrap();
    for chart in [
        "alloc_over_time",
        "util_over_time",
        "frag_over_time",
        "queue_over_time",
        "jct_cdf",
        "wait_cdf",
    ] {
        assert!(page.contains(&format!("<figure id=\"{chart}\">")), "{chart}");
        assert!(dir.path().join(format!("cmp/{chart}.png")).exists(), "{chart}");
    }
    // Every policy has the same mean JCT: a note instead of a chart of three equal points.
    assert!(page.contains(
        "<li>avg_jct_s by policy (mean, 95 % CI): 721.583333 throughout (first-fit, best-fit, worst-fit); \
         no chart drawn.</li>"
    ));
    assert!(!dir.path().join("cmp/avg_jct_s_by_policy.png").exists());
    let comparison = std::fs::read_to_string(dir.path().join("cmp/comparison.csv")).unwrap();
    assert!(
        comparison.contains("\nbest-fit,avg_jct_s,3,721.583333,721.583333,721.583333,false,3,0.0,0.0,0.0\n"),
        "{comparison}"
    );
    assert!(page.contains(seed_blind), "{page}");
    // A synthetic workload draws its jobs on the seed: no such note.
    let synthetic = SCENARIO.replace("trace = \"trace.csv\"", "synthetic = { jobs = 30, load = 0.8 }");
    std::fs::write(dir.path().join("syn.toml"), synthetic).unwrap();
    let varied = clustersim(
        &[
            "compare",
            "syn.toml",
            "--policies",
            "first-fit,best-fit",
            "--seeds",
            "2",
            "--out",
            "syn",
        ],
        dir.path(),
    );
    assert!(varied.status.success(), "{}", text(&varied.stderr));
    assert!(
        !text(&varied.stdout).contains("note: Every seed"),
        "{}",
        text(&varied.stdout)
    );
    // `report` re-draws the same page from the files.
    let before = std::fs::read(dir.path().join("cmp/report.html")).unwrap();
    std::fs::remove_file(dir.path().join("cmp/report.html")).unwrap();
    let again = clustersim(&["report", "cmp"], dir.path());
    assert!(again.status.success(), "{}", text(&again.stderr));
    assert_eq!(before, std::fs::read(dir.path().join("cmp/report.html")).unwrap());
}

#[test]
fn a_comparison_replaces_the_earlier_one_and_leaves_other_files_alone() {
    let dir = workspace();
    let run = |policies: &str| {
        let args = [
            "compare",
            "s.toml",
            "--policies",
            policies,
            "--seeds",
            "1",
            "--out",
            "cmp",
            "-q",
        ];
        let output = clustersim(&args, dir.path());
        assert!(output.status.success(), "{}", text(&output.stderr));
    };
    run("packed,easy-backfill");
    let cmp = dir.path().join("cmp");
    assert!(cmp.join("packed/summary.json").exists() && cmp.join("easy-backfill/jobs.csv").exists());
    // What the first comparison wrote and the second does not write again: its policy folders,
    // and a chart by policy (this tiny scenario ties every metric, so none is drawn: one is put
    // there as a comparison with different means would have drawn it). What is not the
    // comparison's: a note beside it, one in a policy folder, a folder of the user's.
    std::fs::write(cmp.join("avg_jct_s_by_policy.png"), "old chart").unwrap();
    std::fs::write(cmp.join("avg_jct_s_by_policy.svg"), "old chart").unwrap();
    std::fs::write(cmp.join("notes.txt"), "mine").unwrap();
    std::fs::write(cmp.join("easy-backfill/notes.txt"), "mine").unwrap();
    std::fs::create_dir(cmp.join("plots")).unwrap();
    run("first-fit,best-fit");
    for gone in [
        "packed",
        "easy-backfill/summary.json",
        "easy-backfill/jobs.csv",
        "easy-backfill/timeseries.csv",
        "avg_jct_s_by_policy.png",
        "avg_jct_s_by_policy.svg",
    ] {
        assert!(!cmp.join(gone).exists(), "{gone} left behind");
    }
    for kept in [
        "notes.txt",
        "easy-backfill/notes.txt",
        "plots",
        "first-fit/summary.json",
        "best-fit/jobs.csv",
    ] {
        assert!(cmp.join(kept).exists(), "{kept} missing");
    }
    let page = std::fs::read_to_string(cmp.join("report.html")).unwrap();
    assert!(!page.contains("packed") && page.contains("best-fit"));
}

#[test]
fn check_passes_against_itself_and_fails_with_a_table_of_regressions() {
    let dir = workspace();
    assert!(compare(dir.path()).status.success());
    let pass = clustersim(&["check", "cmp", "--baseline", "cmp/aggregate.csv"], dir.path());
    assert_eq!(pass.status.code(), Some(0), "{}", text(&pass.stderr));
    // Default rules: 9 headline metrics × 3 policies.
    assert!(
        text(&pass.stdout).starts_with("check passed: 27 checks (9 rules × 3 points) against cmp/aggregate.csv"),
        "{}",
        text(&pass.stdout)
    );
    // 721.583 > 0.9 × 721.583 = 649.425 for every policy; GPU allocation 0.373672 < 0.9
    // (the time-weighted allocation of the hand-worked run: see the sweep CSV).
    std::fs::write(
        dir.path().join("rules.txt"),
        "# stricter than possible\navg_jct_s <= 0.9 * baseline\ngpu_alloc_ratio >= 0.9\njobs_completed == baseline\n",
    )
    .unwrap();
    let fail = clustersim(
        &["check", "cmp", "--baseline", "cmp", "--rules", "rules.txt"],
        dir.path(),
    );
    assert_eq!(fail.status.code(), Some(1), "{}", text(&fail.stderr));
    let stdout = text(&fail.stdout);
    assert!(
        stdout.starts_with("check failed: 6 of 9 checks against cmp/aggregate.csv"),
        "{stdout}"
    );
    assert!(
        stdout.contains("policy.name=best-fit   avg_jct_s <= 0.9 * baseline  721.583333  649.425  REGRESSED"),
        "{stdout}"
    );
    assert!(
        stdout.contains("gpu_alloc_ratio >= 0.9") && !stdout.contains("jobs_completed"),
        "{stdout}"
    );
    // -v lists the 3 passing checks too (jobs_completed == baseline at each point).
    let verbose = clustersim(
        &["check", "cmp", "--baseline", "cmp", "--rules", "rules.txt", "-v"],
        dir.path(),
    );
    assert_eq!(verbose.status.code(), Some(1));
    let listed = text(&verbose.stdout);
    assert_eq!(listed.matches("jobs_completed == baseline").count(), 3, "{listed}");
    assert_eq!(listed.matches("REGRESSED").count(), 6, "{listed}");
    std::fs::write(dir.path().join("bad.txt"), "avg_jct_s <= 2 x baseline\n").unwrap();
    let bad = clustersim(&["check", "cmp", "--baseline", "cmp", "--rules", "bad.txt"], dir.path());
    assert_eq!(bad.status.code(), Some(2));
    assert!(
        text(&bad.stderr).contains("bad.txt:1: `2 x baseline` is not a limit"),
        "{}",
        text(&bad.stderr)
    );
}

#[test]
fn check_reads_single_runs_too() {
    let dir = workspace();
    for out in ["base", "new"] {
        assert!(
            clustersim(&["run", "s.toml", "-q", "--out", out], dir.path())
                .status
                .success()
        );
    }
    let pass = clustersim(&["check", "new", "--baseline", "base/summary.json"], dir.path());
    assert_eq!(pass.status.code(), Some(0), "{}", text(&pass.stdout));
    assert!(
        text(&pass.stdout).contains("(9 rules × 1 point)"),
        "{}",
        text(&pass.stdout)
    );
    let missing = clustersim(&["check", "nothing", "--baseline", "base"], dir.path());
    assert_eq!(missing.status.code(), Some(2));
    assert!(text(&missing.stderr).contains("nothing: no such file or folder"));
}

#[test]
fn one_seed_reads_as_one_seed() {
    let dir = workspace();
    let output = clustersim(
        &[
            "compare",
            "s.toml",
            "--policies",
            "first-fit,best-fit",
            "--seeds",
            "1",
            "--out",
            "one",
        ],
        dir.path(),
    );
    assert!(output.status.success(), "{}", text(&output.stderr));
    let stdout = text(&output.stdout);
    assert!(
        stdout.starts_with("small: 2 policies × 1 seed (seed 7), common random numbers"),
        "{stdout}"
    );
    let page = std::fs::read_to_string(dir.path().join("one/report.html")).unwrap();
    assert!(page.contains("2 runs: 2 grid points × 1 seed from seed 7"), "{page}");
}

#[test]
fn a_comparison_stopped_part_way_resumes_to_the_same_files() {
    let dir = workspace();
    let compare = |out: &str, more: &[&str]| {
        let mut args = vec![
            "compare",
            "s.toml",
            "--policies",
            "first-fit,best-fit",
            "--seeds",
            "2",
            "--threads",
            "1",
            "--out",
            out,
            "-q",
        ];
        args.extend(more);
        clustersim(&args, dir.path())
    };
    let straight = compare("straight", &[]);
    assert!(straight.status.success(), "{}", text(&straight.stderr));
    // Two of the four runs, then the rest: what `interrupted: … continue with --resume` says.
    let first = compare("parts", &["--max-runs", "2"]);
    assert!(first.status.success(), "{}", text(&first.stderr));
    assert!(!dir.path().join("parts/sweep.csv").exists());
    let early = clustersim(&["report", "parts"], dir.path());
    assert_eq!(early.status.code(), Some(2));
    assert!(
        text(&early.stderr).contains("an unfinished sweep or comparison"),
        "{}",
        text(&early.stderr)
    );
    let rest = compare("parts", &["--resume"]);
    assert!(rest.status.success(), "{}", text(&rest.stderr));
    for file in [
        "sweep.csv",
        "aggregate.csv",
        "comparison.csv",
        "first-fit/jobs.csv",
        "best-fit/summary.json",
    ] {
        assert_eq!(
            std::fs::read(dir.path().join("straight").join(file)).unwrap(),
            std::fs::read(dir.path().join("parts").join(file)).unwrap(),
            "{file}"
        );
    }
}

/// A policy written as runs label it (a preset with parts replaced) is compared like a preset:
/// its runs are the preset with those parts, under the label, in a folder of their own.
#[test]
fn a_comparison_takes_policies_written_as_labels() {
    let dir = workspace();
    let output = clustersim(
        &[
            "compare",
            "s.toml",
            "--policies",
            "first-fit,first-fit[queue=sjf,placement=worst-fit]",
            "--seeds",
            "1",
            "--out",
            "c",
            "-q",
        ],
        dir.path(),
    );
    assert!(output.status.success(), "{}", text(&output.stderr));
    let labelled = std::fs::read_to_string(
        dir.path()
            .join("c/first-fit_queue_sjf_placement_worst-fit_/summary.json"),
    )
    .unwrap();
    assert!(
        labelled.contains("\"policy\": \"first-fit[queue=sjf,placement=worst-fit]\""),
        "{labelled}"
    );
    let plain = std::fs::read_to_string(dir.path().join("c/first-fit/summary.json")).unwrap();
    assert!(plain.contains("\"policy\": \"first-fit\""), "{plain}");
    let comparison = std::fs::read_to_string(dir.path().join("c/comparison.csv")).unwrap();
    assert!(
        comparison.contains("\n\"first-fit[queue=sjf,placement=worst-fit]\",avg_jct_s,"),
        "{comparison}"
    );
}

#[test]
fn a_comparison_refuses_an_unknown_policy_by_its_flag_and_a_folder_holding_a_sweep() {
    let dir = workspace();
    let unknown = clustersim(
        &["compare", "s.toml", "--policies", "first-fit,fcfs", "--out", "c"],
        dir.path(),
    );
    assert_eq!(unknown.status.code(), Some(2));
    assert!(
        text(&unknown.stderr).starts_with("error: --policies: unknown policy `fcfs` (first come, first served"),
        "{}",
        text(&unknown.stderr)
    );
    assert!(!dir.path().join("c").exists());
    let sweep = clustersim(
        &[
            "sweep",
            "s.toml",
            "--set",
            "sweep.grid={\"cluster.racks\" = [1, 2]}",
            "--set",
            "sweep.seeds=1",
            "--out",
            "sw",
            "-q",
        ],
        dir.path(),
    );
    assert!(sweep.status.success(), "{}", text(&sweep.stderr));
    let before = std::fs::read(dir.path().join("sw/sweep.csv")).unwrap();
    let over = clustersim(
        &["compare", "s.toml", "--policies", "first-fit,best-fit", "--out", "sw"],
        dir.path(),
    );
    assert_eq!(over.status.code(), Some(2));
    assert!(
        text(&over.stderr).starts_with("error: --out sw: holds a sweep, not a comparison"),
        "{}",
        text(&over.stderr)
    );
    assert_eq!(before, std::fs::read(dir.path().join("sw/sweep.csv")).unwrap());
}

#[test]
fn report_counts_the_seeds_sweep_csv_holds_and_refuses_a_damaged_sweep_json() {
    let dir = workspace();
    let output = clustersim(
        &[
            "compare",
            "s.toml",
            "--policies",
            "first-fit,best-fit",
            "--seeds",
            "3",
            "--out",
            "cmp",
            "-q",
        ],
        dir.path(),
    );
    assert!(output.status.success(), "{}", text(&output.stderr));
    let cmp = dir.path().join("cmp");
    std::fs::write(cmp.join("sweep.json"), "{bad").unwrap();
    let damaged = clustersim(&["report", "cmp"], dir.path());
    assert_eq!(damaged.status.code(), Some(2));
    assert!(
        text(&damaged.stderr).contains("sweep.json"),
        "{}",
        text(&damaged.stderr)
    );
    // Without sweep.json the page counts what sweep.csv holds: 2 policies × seeds 7, 8, 9;
    // with one row cut away, best-fit holds 2 of them.
    std::fs::remove_file(cmp.join("sweep.json")).unwrap();
    let alone = clustersim(&["report", "cmp"], dir.path());
    assert!(alone.status.success(), "{}", text(&alone.stderr));
    let page = std::fs::read_to_string(cmp.join("report.html")).unwrap();
    assert!(page.contains("6 runs: 2 grid points × 3 seeds from seed 7"), "{page}");
    let table = std::fs::read_to_string(cmp.join("sweep.csv")).unwrap();
    let cut: Vec<&str> = table.lines().take(6).collect();
    std::fs::write(cmp.join("sweep.csv"), cut.join("\n") + "\n").unwrap();
    let short = clustersim(&["report", "cmp"], dir.path());
    assert!(short.status.success(), "{}", text(&short.stderr));
    let page = std::fs::read_to_string(cmp.join("report.html")).unwrap();
    assert!(page.contains("5 runs: 2 grid points × 2–3 seeds from seed 7"), "{page}");
}

//! The example files of docs/ work: the Slurm array scripts run (with the variables Slurm
//! sets) and merge into the full sweep; the CI rules parse and pass on their own baseline.

mod common;

use common::TRACE;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const SCENARIO: &str = "name = \"small\"\nseed = 7\n[cluster]\nracks = 1\nnodes_per_rack = 2\n\
                        node = { gpus = 4, gpu_type = \"A100\" }\n[workload]\ntrace = \"trace.csv\"\n\
                        [sweep]\nseeds = 2\ngrid = { \"policy.name\" = [\"first-fit\", \"best-fit\"], \"cluster.racks\" = [1, 2] }\n";

fn docs() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/examples")
}

fn assert_ok(output: &Output) {
    assert!(
        output.status.success(),
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

#[cfg(unix)]
#[test]
fn the_slurm_array_scripts_shard_and_merge_a_sweep() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("s.toml"), SCENARIO).unwrap();
    std::fs::write(dir.path().join("trace.csv"), TRACE).unwrap();
    let bin = env!("CARGO_BIN_EXE_clustersim");
    // As `sbatch --array=1-3 sweep.sbatch s.toml results` would run it, task by task.
    for task in ["1", "2", "3"] {
        let output = Command::new("bash")
            .arg(docs().join("slurm/sweep.sbatch"))
            .args(["s.toml", "results"])
            .env("CLUSTERSIM", bin)
            .env("SLURM_ARRAY_TASK_ID", task)
            .env("SLURM_ARRAY_TASK_MIN", "1")
            .env("SLURM_ARRAY_TASK_COUNT", "3")
            .env("SLURM_CPUS_PER_TASK", "2")
            .current_dir(dir.path())
            .output()
            .unwrap();
        assert_ok(&output);
    }
    let merged = Command::new("bash")
        .arg(docs().join("slurm/merge.sbatch"))
        .arg("results")
        .env("CLUSTERSIM", bin)
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert_ok(&merged);
    let full = Command::new(bin)
        .args(["sweep", "s.toml", "--quiet", "--out", "full"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert_ok(&full);
    for file in ["sweep.csv", "aggregate.csv", "sweep.json", "report.html"] {
        assert_eq!(
            std::fs::read(dir.path().join("full").join(file)).unwrap(),
            std::fs::read(dir.path().join("results/merged").join(file)).unwrap(),
            "{file}"
        );
    }
}

#[test]
fn the_ci_rules_pass_on_their_baseline() {
    let baseline = docs().join("github-actions/baseline/aggregate.csv");
    let output = Command::new(env!("CARGO_BIN_EXE_clustersim"))
        .arg("check")
        .arg(&baseline)
        .arg("--baseline")
        .arg(&baseline)
        .arg("--rules")
        .arg(docs().join("github-actions/rules.txt"))
        .output()
        .unwrap();
    assert_ok(&output);
    // 7 rules × 8 grid points (4 policies × 2 fabric settings).
    assert!(String::from_utf8_lossy(&output.stdout).starts_with("check passed: 56 checks (7 rules × 8 points)"));
}

#[test]
fn the_policy_comparison_example_expands_to_its_runs() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/policy-comparison.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    let source = scenarios::sweep::expand::Source {
        text: &text,
        origin: "policy-comparison.toml",
        base_dir: path.parent().map(Path::to_path_buf),
    };
    let plan = scenarios::sweep::expand::plan(&source, &[], None).unwrap();
    // 4 policies × 2 fabric settings × 20 seeds; keys in alphabetical order, the first
    // varying slowest; the last run is the last point's 20th seed (1 + 19).
    assert_eq!(plan.runs(), 160);
    assert_eq!(plan.keys, ["fabric.oversubscription", "policy.name"]);
    let last = plan.spec(159);
    assert_eq!(
        (last.point.labels.clone(), last.seed),
        (vec!["4".to_string(), "easy-backfill".to_string()], 20)
    );
}

#[test]
fn the_showcase_varies_with_the_seed_and_separates_the_policies() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/policy-comparison.toml");
    let output = Command::new(env!("CARGO_BIN_EXE_clustersim"))
        .arg("sweep")
        .arg(&scenario)
        .args([
            "--set",
            "sweep.seeds=3",
            "--set",
            "sweep.grid={ \"policy.name\" = [\"first-fit\", \"easy-backfill\"] }",
            "--quiet",
            "--out",
            "out",
        ])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert_ok(&output);
    assert!(
        output.stdout.is_empty() && output.stderr.is_empty(),
        "--quiet prints nothing"
    );
    let (_, points) = reports::aggregate::read_aggregate_csv(&dir.path().join("out/aggregate.csv")).unwrap();
    let jct = |p: usize| points[p].metric("avg_jct_s").unwrap();
    let (first_fit, backfill) = (jct(0), jct(1));
    // The seed draws the synthetic workload: three seeds give three different mean JCTs, so
    // the interval has width (the old showcase replayed one trace: every seed alike).
    assert!(first_fit.std_dev.unwrap() > 0.0 && backfill.std_dev.unwrap() > 0.0);
    // Gangs block FIFO's head on this loaded cluster; backfilling starts the small jobs behind
    // them: its mean JCT is far below first-fit's, beyond both intervals.
    assert!(
        backfill.ci95.unwrap().1 < first_fit.ci95.unwrap().0,
        "{backfill:?} vs {first_fit:?}"
    );
    let alloc = points[0].metric("gpu_alloc_ratio").unwrap().mean.unwrap();
    assert!(alloc > 0.75, "a loaded cluster: {alloc}");
}

//! The example files of docs/ work: the Slurm array scripts run (with the variables Slurm
//! sets), resume and merge into the full sweep, and submit.sh asks `sbatch` for the right jobs
//! (a stand-in records them; `.ci/slurm-test` runs them on a real Slurm); the CI rules parse and
//! pass on their own baseline.

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

/// Runs `bash docs/examples/slurm/SCRIPT ARGS` in `dir` as Slurm runs it for array task
/// `task` (as `sbatch --array=TASK`, the array's first, last and count being that one task,
/// which the scripts must not rely on) on 2 CPUs.
fn slurm(dir: &Path, script: &str, args: &[&str], task: Option<&str>) -> Output {
    let mut command = Command::new("bash");
    command
        .arg(docs().join("slurm").join(script))
        .args(args)
        .env("CLUSTERSIM", env!("CARGO_BIN_EXE_clustersim"))
        .env("SLURM_CPUS_PER_TASK", "2")
        .current_dir(dir);
    if let Some(task) = task {
        command
            .env("SLURM_ARRAY_TASK_ID", task)
            .env("SLURM_ARRAY_TASK_MIN", task)
            .env("SLURM_ARRAY_TASK_MAX", task)
            .env("SLURM_ARRAY_TASK_COUNT", "1");
    }
    command.output().unwrap()
}

#[cfg(unix)]
#[test]
fn the_slurm_array_scripts_shard_resume_and_merge_a_sweep() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("s.toml"), SCENARIO).unwrap();
    std::fs::write(dir.path().join("trace.csv"), TRACE).unwrap();
    // `sbatch --array=1-3 sweep.sbatch 3 s.toml results --set sweep.seeds=3`: 2 policies × 2
    // rack counts × 3 seeds = 12 runs; shard 2 of 3 holds runs 1, 4, 7 and 10.
    let sweep = ["3", "s.toml", "results", "--set", "sweep.seeds=3"];
    for task in ["1", "3"] {
        let output = slurm(dir.path(), "sweep.sbatch", &sweep, Some(task));
        assert_ok(&output);
        let log = String::from_utf8_lossy(&output.stderr);
        assert!(log.contains(", 2 threads)"), "{log}");
    }
    // Task 2 stops after one run, as if cancelled.
    let first = [&sweep[..], &["--max-runs", "1"]].concat();
    assert_ok(&slurm(dir.path(), "sweep.sbatch", &first, Some("2")));
    let early = slurm(dir.path(), "merge.sbatch", &["results"], None);
    assert_eq!(early.status.code(), Some(2));
    let message = String::from_utf8_lossy(&early.stderr);
    assert!(
        message.contains("shard 2/3 not finished (1 of 4 runs recorded in results/shard-2)")
            && message.contains("run submit.sh again"),
        "{message}"
    );
    assert!(!dir.path().join("results/merged/sweep.csv").exists());
    // Re-submitted alone (`sbatch --array=2 …`), task 2 is still shard 2 of 3 and runs the
    // other 3 runs.
    let again = slurm(dir.path(), "sweep.sbatch", &sweep, Some("2"));
    assert_ok(&again);
    assert!(String::from_utf8_lossy(&again.stderr).contains("perf: 3 runs"));
    assert_ok(&slurm(dir.path(), "merge.sbatch", &["results"], None));
    let full = Command::new(env!("CARGO_BIN_EXE_clustersim"))
        .args(["sweep", "s.toml", "--set", "sweep.seeds=3", "--quiet", "--out", "full"])
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

#[cfg(unix)]
#[test]
fn the_slurm_scripts_refuse_what_is_not_a_shard() {
    let dir = tempfile::tempdir().unwrap();
    for (args, task, says) in [
        (
            &["3", "s.toml", "out"][..],
            Some("4"),
            "array task `4` is not a shard of 3",
        ),
        (&["3", "s.toml", "out"], None, "array task `` is not a shard of 3"),
        (
            &["three", "s.toml", "out"],
            Some("1"),
            "the shard count `three` is not a positive whole number",
        ),
        (
            &["3", "s.toml"],
            Some("1"),
            "usage: sbatch --array=1-N sweep.sbatch N SCENARIO OUT",
        ),
    ] {
        let output = slurm(dir.path(), "sweep.sbatch", args, task);
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        assert!(String::from_utf8_lossy(&output.stderr).contains(says), "{args:?}");
    }
    assert!(!dir.path().join("out").exists());
    let merge = slurm(dir.path(), "merge.sbatch", &["out"], None);
    assert_eq!(merge.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&merge.stderr).contains("no shard folder in out"));
}

/// Runs `bash docs/examples/slurm/submit.sh ARGS` in `dir` with stand-ins for `sbatch` (logs
/// its arguments to `dir/sbatch.log`, prints job ids from 101 on) and `squeue` (prints
/// `dir/squeue.out`).
#[cfg(unix)]
fn submit(dir: &Path, args: &[&str]) -> Output {
    let bin = dir.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    std::fs::write(
        bin.join("sbatch"),
        "#!/usr/bin/env bash\nlog=\"$FAKE_SLURM/sbatch.log\"\ntouch \"$log\"\n\
         echo $((101 + $(wc -l < \"$log\")))\nprintf '%s\\n' \"$*\" >> \"$log\"\n",
    )
    .unwrap();
    std::fs::write(
        bin.join("squeue"),
        "#!/usr/bin/env bash\n[[ $* == '--me --noheader --format=%i|%k' ]]\n\
         cat \"$FAKE_SLURM/squeue.out\" 2>/dev/null || true\n",
    )
    .unwrap();
    for tool in ["sbatch", "squeue"] {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(bin.join(tool), std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap_or_default());
    Command::new("bash")
        .arg(docs().join("slurm/submit.sh"))
        .args(args)
        .env("PATH", path)
        .env("FAKE_SLURM", dir)
        .current_dir(dir)
        .output()
        .unwrap()
}

#[cfg(unix)]
#[test]
fn submit_sh_submits_the_unfinished_shards_then_the_merge() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().canonicalize().unwrap();
    let here = docs().join("slurm").canonicalize().unwrap();
    let (sweep, merge) = (here.join("sweep.sbatch"), here.join("merge.sbatch"));
    let tag = format!("clustersim-sweep:{}", root.join("results").display());
    let args = ["--cpus-per-task=2", "3", "s.toml", "results", "--set", "sweep.seeds=3"];
    let log = || std::fs::read_to_string(root.join("sbatch.log")).unwrap();

    let output = submit(&root, &args);
    assert_ok(&output);
    assert_eq!(
        String::from_utf8_lossy(&output.stdout),
        "shards 1-3 of 3: job 101\nmerge into results/merged: job 102\n"
    );
    assert_eq!(
        log(),
        format!(
            "--parsable --array=1-3 --comment={tag} --cpus-per-task=2 {} 3 s.toml results --set sweep.seeds=3\n\
             --parsable --comment={tag} --dependency=afterany:101 {} results\n",
            sweep.display(),
            merge.display()
        )
    );

    // While a job of this sweep is queued or running, nothing is submitted.
    std::fs::write(root.join("squeue.out"), format!("101_2|{tag}\n102|{tag}\n7|other\n")).unwrap();
    let busy = submit(&root, &args);
    assert_eq!(busy.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&busy.stderr).contains("still queued or running: 101_2 102;"));
    assert_eq!(log().lines().count(), 2);

    // Shards 1 and 3 finished, shard 2 was cancelled: only it is resubmitted, then the merge.
    std::fs::write(root.join("squeue.out"), "7|other\n").unwrap();
    for k in [1, 3] {
        std::fs::create_dir_all(root.join(format!("results/shard-{k}"))).unwrap();
        std::fs::write(root.join(format!("results/shard-{k}/sweep.csv")), "").unwrap();
    }
    let output = submit(&root, &args);
    assert_ok(&output);
    assert_eq!(
        String::from_utf8_lossy(&output.stdout),
        "shards 2 of 3: job 103\nmerge into results/merged: job 104\n"
    );
    assert_eq!(
        log().lines().skip(2).collect::<Vec<_>>(),
        [
            format!(
                "--parsable --array=2 --comment={tag} --cpus-per-task=2 {} 3 s.toml results --set sweep.seeds=3",
                sweep.display()
            ),
            format!(
                "--parsable --comment={tag} --dependency=afterany:103 {} results",
                merge.display()
            )
        ]
    );

    // Every shard finished: the merge alone, without a dependency.
    std::fs::create_dir_all(root.join("results/shard-2")).unwrap();
    std::fs::write(root.join("results/shard-2/sweep.csv"), "").unwrap();
    let output = submit(&root, &args);
    assert_ok(&output);
    assert_eq!(
        String::from_utf8_lossy(&output.stdout),
        "all 3 shards are finished\nmerge into results/merged: job 105\n"
    );
    assert_eq!(
        log().lines().last().unwrap(),
        format!("--parsable --comment={tag} {} results", merge.display())
    );
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
    // 4 policies × 2 fabric settings × 50 seeds; keys in alphabetical order, the first
    // varying slowest; the last run is the last point's 50th seed (1 + 49).
    assert_eq!(plan.runs(), 400);
    assert_eq!(plan.keys, ["fabric.oversubscription", "policy.name"]);
    let last = plan.spec(399);
    assert_eq!(
        (last.point.labels.clone(), last.seed),
        (vec!["4".to_string(), "easy-backfill".to_string()], 50)
    );
}

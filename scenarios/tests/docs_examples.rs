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
fn the_slurm_merge_of_shards_with_failed_runs_merges_and_fails_with_exit_3() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("s.toml"), SCENARIO).unwrap();
    std::fs::write(dir.path().join("trace.csv"), TRACE).unwrap();
    // A budget of 5 events stops every run before its trace's six arrivals: all 8 runs fail,
    // so both tasks exit 3 as their sweeps do, and so does the merge, having merged.
    let sweep = ["2", "s.toml", "results", "--set", "limits.max_events=5"];
    for task in ["1", "2"] {
        let output = slurm(dir.path(), "sweep.sbatch", &sweep, Some(task));
        assert_eq!(
            output.status.code(),
            Some(3),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let merge = slurm(dir.path(), "merge.sbatch", &["results"], None);
    assert_eq!(merge.status.code(), Some(3));
    let message = String::from_utf8_lossy(&merge.stderr);
    assert!(
        message.contains("8 of 8 runs failed")
            && message.contains("results/merged holds the whole sweep, but some of its runs failed"),
        "{message}"
    );
    assert!(dir.path().join("results/merged/sweep.csv").exists());
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

/// The baseline is what sweeps.md says it is, the example sweep with 5 seeds, byte for byte: a
/// change of results shows here, and the baseline is refreshed by the documented command.
#[test]
fn the_ci_baseline_is_the_documented_sweep() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/policy-comparison.toml");
    let output = Command::new(env!("CARGO_BIN_EXE_clustersim"))
        .arg("sweep")
        .arg(&scenario)
        .args(["--set", "sweep.seeds=5", "--quiet", "--out"])
        .arg(dir.path().join("out"))
        .output()
        .unwrap();
    assert_ok(&output);
    assert_eq!(
        std::fs::read(dir.path().join("out/aggregate.csv")).unwrap(),
        std::fs::read(docs().join("github-actions/baseline/aggregate.csv")).unwrap(),
        "refresh the baseline: clustersim sweep scenarios/examples/policy-comparison.toml --set sweep.seeds=5"
    );
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
    // them. Both policies see the same workload per seed (common random numbers), so compare
    // seed by seed: backfilling's mean JCT is below first-fit's on every seed, by more than a
    // tenth of it.
    let sweep = std::fs::read_to_string(dir.path().join("out/sweep.csv")).unwrap();
    let mut lines = sweep.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let column = |name: &str| header.iter().position(|h| *h == name).unwrap();
    let (seed, policy, jct_at) = (column("seed"), column("policy.name"), column("avg_jct_s"));
    let mut by_seed: std::collections::BTreeMap<String, [f64; 2]> = std::collections::BTreeMap::new();
    for line in lines {
        let fields: Vec<&str> = line.split(',').collect();
        let slot = usize::from(fields[policy] == "easy-backfill");
        by_seed.entry(fields[seed].to_string()).or_default()[slot] = fields[jct_at].parse().unwrap();
    }
    assert_eq!(by_seed.len(), 3);
    for (seed, [fifo, easy]) in &by_seed {
        assert!(easy < &(0.9 * fifo), "seed {seed}: EASY {easy} vs first-fit {fifo}");
    }
    assert!(backfill.mean.unwrap() < first_fit.mean.unwrap());
    let alloc = points[0].metric("gpu_alloc_ratio").unwrap().mean.unwrap();
    assert!(alloc > 0.75, "a loaded cluster: {alloc}");
}

/// The repository's root.
fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// README.md, then every page of docs/, with their text.
fn pages() -> Vec<(String, String)> {
    let mut names: Vec<String> = std::fs::read_dir(root().join("docs"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .map(|p| format!("docs/{}", p.file_name().unwrap().to_string_lossy()))
        .collect();
    names.sort();
    names.insert(0, "README.md".into());
    names
        .into_iter()
        .map(|name| {
            let text = std::fs::read_to_string(root().join(&name)).unwrap();
            (name, text)
        })
        .collect()
}

/// Commands shown in `page`: every line of its ```sh blocks (continued lines joined), and every
/// inline `clustersim …` or `cargo run --release -- …` span that names concrete arguments (no
/// placeholders such as FILE, [--flag], …).
fn commands(page: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut in_sh = false;
    let mut fence = false;
    let mut pending = String::new();
    for line in page.lines() {
        if line.starts_with("```") {
            in_sh = !fence && line.trim() == "```sh";
            fence = !fence;
            continue;
        }
        if in_sh {
            let text = line.trim();
            if let Some(start) = text.strip_suffix('\\') {
                pending.push_str(start);
                continue;
            }
            let command = format!("{pending}{text}");
            pending.clear();
            if !command.is_empty() && !command.starts_with('#') {
                found.push(command);
            }
        } else if !fence {
            for span in line.split('`').skip(1).step_by(2) {
                let words: Vec<&str> = span.split_whitespace().collect();
                let program = if span.starts_with("clustersim ") {
                    1
                } else if span.starts_with("cargo run --release -- ") {
                    4
                } else {
                    continue;
                };
                // A placeholder is a word, or a part of one between `:`, `=`, `/`, `.`, in capitals
                // only (FILE, K/N, library:NAME), or a syntax mark.
                let placeholder = |w: &&str| {
                    w.contains(['[', '…', 'α'])
                        || w.split([':', '=', '/', '.'])
                            .any(|part| !part.is_empty() && part.chars().all(|c| c.is_ascii_uppercase() || c == '_'))
                };
                if words.len() > program + 1 && !words.iter().any(placeholder) {
                    // In a table cell a pipe is written `\|`.
                    found.push(span.replace("\\|", "|"));
                }
            }
        }
    }
    found
}

/// Commands in the pages that this test does not run, by prefix, and why.
const NOT_RUN: [(&str, &str); 8] = [
    ("cargo test", "the test suite runs itself"),
    (
        "FUZZ_CASES=",
        "the long fuzz run takes minutes; CI runs the short one in the test suite",
    ),
    (
        "docs/examples/slurm/",
        "needs a Slurm cluster: .ci/slurm-test runs these scripts on a real one",
    ),
    ("sbatch ", "needs a Slurm cluster: .ci/slurm-test runs it on a real one"),
    (
        "scancel ",
        "needs a Slurm cluster: .ci/slurm-test runs it on a real one",
    ),
    (
        "cargo bench",
        "benchmarks take minutes; docs/performance.md gives their figures",
    ),
    ("cargo install", "installs into the user's cargo home"),
    ("docker ", "no container engine in CI"),
];

/// Commands whose full run takes minutes in a test build: they run as written plus
/// `--max-runs 2` (load, check and run the first two runs of the sweep).
const SLOW: [&str; 4] = [
    "fgd-openb.toml --out",
    "sweep.seeds=200",
    "sweep scenarios/examples/policy-comparison.toml --out",
    "limits.threads=256",
];

#[cfg(unix)]
#[test]
fn every_command_in_the_readme_and_docs_runs_as_written() {
    // The commands run in a folder that looks like a checkout (scenarios, traces and docs
    // linked in), so their relative paths resolve and their outputs land in a temporary folder.
    let dir = tempfile::tempdir().unwrap();
    for part in ["scenarios", "traces", "docs"] {
        std::os::unix::fs::symlink(root().join(part), dir.path().join(part)).unwrap();
    }
    let mut ran = 0;
    let mut failures = Vec::new();
    for (name, text) in pages() {
        for command in commands(&text) {
            let command = command.split(" #").next().unwrap().trim().to_string();
            let rest = command
                .strip_prefix("cargo run --release -- ")
                .or_else(|| command.strip_prefix("clustersim "));
            let Some(rest) = rest else {
                assert!(
                    NOT_RUN.iter().any(|(prefix, _)| command.starts_with(prefix)),
                    "{name}: `{command}` is neither a clustersim command nor in NOT_RUN"
                );
                continue;
            };
            let limit = if SLOW.iter().any(|s| command.contains(s)) {
                " --max-runs 2"
            } else {
                ""
            };
            let output = Command::new("bash")
                .arg("-c")
                .arg(format!("\"$CLUSTERSIM\" {rest}{limit}"))
                .env("CLUSTERSIM", env!("CARGO_BIN_EXE_clustersim"))
                .current_dir(dir.path())
                .output()
                .unwrap();
            ran += 1;
            if !output.status.success() {
                failures.push(format!(
                    "{name}: `{command}` exited {:?}: {}",
                    output.status.code(),
                    String::from_utf8_lossy(&output.stderr)
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    // The README alone shows a dozen commands; the docs a few more.
    assert!(ran >= 15, "only {ran} commands found");
}

#[test]
fn commands_are_found_in_blocks_and_inline() {
    let page = "text `clustersim trace generate --gpus 8 --out t.csv` and `clustersim run library:NAME`\n\
                and `clustersim sweep`.\n```sh\ncargo run --release -- demo   # a comment\nclustersim sweep a.toml \\\n  --quiet\n```\n\
                ```text\nclustersim check RESULTS --baseline FILE\n```\n";
    assert_eq!(
        commands(page),
        [
            "clustersim trace generate --gpus 8 --out t.csv",
            "cargo run --release -- demo   # a comment",
            "clustersim sweep a.toml --quiet"
        ]
    );
}

#[test]
fn the_readme_is_short_and_its_demo_output_is_the_real_one() {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    assert!(readme.len() <= 16 * 1024, "README.md is {} bytes", readme.len());
    for command in ["cargo run --release -- demo", "cargo test --workspace"] {
        assert!(readme.contains(&format!("```sh\n{command}")) || readme.contains(&format!("\n{command} ")));
    }
    let block = readme
        .split("```\nphilly-demo:")
        .nth(1)
        .and_then(|rest| rest.split("\n```").next())
        .map(|rest| format!("philly-demo:{rest}\n"))
        .expect("the README shows the demo's output");
    let dir = tempfile::tempdir().unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_clustersim"))
        .args(["demo", "--out", "demo"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert_ok(&output);
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(stdout.starts_with(&block), "README:\n{block}\ndemo:\n{stdout}");
}

/// Runs library scenario `name` (seed 1, no sweep) and returns its summary.
fn library_summary(name: &str) -> serde_json::Value {
    let dir = tempfile::tempdir().unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_clustersim"))
        .args([
            "run",
            &format!("library:{name}"),
            "--out",
            "out",
            "--quiet",
            "--no-report",
        ])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert_ok(&output);
    serde_json::from_str(&std::fs::read_to_string(dir.path().join("out/summary.json")).unwrap()).unwrap()
}

#[test]
fn the_readme_library_figures_are_what_the_library_gives() {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let row = |name: &str| {
        readme
            .lines()
            .find(|l| l.starts_with(&format!("| `{name}` |")))
            .unwrap_or_else(|| panic!("no README row for {name}"))
            .to_string()
    };
    let number = |s: &serde_json::Value, key: &str| s[key].as_f64().unwrap();
    // Each figure as the README prints it: one decimal for GPU-hours, thousands separated for
    // seconds, whole counts.
    let gpu_h = |v: f64| format!("{v:.1} GPU-h");
    let seconds = |v: f64| {
        let whole = v.round() as u64;
        format!("{},{:03} s", whole / 1000, whole % 1000)
    };
    let checks: Vec<(&str, Vec<String>)> = {
        let cascade = library_summary("cascading-failure");
        let paradox = library_summary("preemption-paradox");
        let thermal = library_summary("thermal-throttle");
        let tor = library_summary("tor-failure");
        let pdu = library_summary("pdu-trip");
        let spot = library_summary("spot-reclaim");
        let sharing = library_summary("gpu-sharing");
        vec![
            (
                "cascading-failure",
                vec![format!("{} nodes down", number(&cascade, "max_nodes_down"))],
            ),
            (
                "preemption-paradox",
                vec![
                    format!("{} victims", number(&paradox, "preemptions")),
                    format!("lose {}", gpu_h(number(&paradox, "lost_gpu_hours"))),
                ],
            ),
            (
                "thermal-throttle",
                vec![format!(
                    "{} /",
                    gpu_h(number(&thermal, "lost_gpu_hours")).replace(" GPU-h", "")
                )],
            ),
            (
                "tor-failure",
                vec![
                    format!("{} gangs killed", number(&tor, "interruptions")),
                    format!("({} lost)", gpu_h(number(&tor, "lost_gpu_hours"))),
                ],
            ),
            (
                "pdu-trip",
                vec![
                    format!("{} nodes down", number(&pdu, "max_nodes_down")),
                    format!("{} jobs killed", number(&pdu, "interruptions")),
                    format!("{} lost", gpu_h(number(&pdu, "lost_gpu_hours"))),
                    format!("mean JCT {}", seconds(number(&pdu, "avg_jct_s"))),
                ],
            ),
            (
                "spot-reclaim",
                vec![
                    format!("{} jobs interrupted", number(&spot, "interruptions")),
                    format!("{} lost", gpu_h(number(&spot, "lost_gpu_hours"))),
                    format!(
                        "mean JCT {}",
                        seconds(number(&spot, "avg_jct_s")).trim_end_matches(" s")
                    ),
                ],
            ),
            (
                // The scenario as written: time slicing with 100 ms slices.
                "gpu-sharing",
                vec![
                    format!("{} (100 ms slices", seconds(number(&sharing, "avg_jct_s"))),
                    format!("{} switching", gpu_h(number(&sharing, "switch_lost_gpu_hours"))),
                ],
            ),
        ]
    };
    for (name, figures) in checks {
        let line = row(name);
        for figure in figures {
            assert!(line.contains(&figure), "README row of {name} lacks `{figure}`: {line}");
        }
    }
}

#[test]
fn the_repository_mentions_only_files_it_has() {
    for (name, text) in pages() {
        for missing in ["MODELS.md", "DESIGN.md"] {
            assert!(!text.contains(missing), "{name} mentions {missing}");
        }
        // Every relative link leads to a file or folder of the repository.
        let base = root().join(&name);
        let folder = base.parent().unwrap();
        for link in text.split("](").skip(1).filter_map(|rest| rest.split(')').next()) {
            if link.starts_with("http") || link.starts_with('#') {
                continue;
            }
            let path = link.split('#').next().unwrap();
            assert!(folder.join(path).exists(), "{name}: broken link `{link}`");
        }
    }
    for licence in ["LICENSE-MIT", "LICENSE-APACHE"] {
        assert!(root().join(licence).is_file(), "{licence} missing");
    }
}

#[test]
fn the_docker_image_holds_the_data_its_examples_read() {
    let dockerfile = std::fs::read_to_string(docs().join("kubernetes/Dockerfile")).unwrap();
    // The image's copies of repository folders: `COPY --from=build /src/<repo> <image>`.
    let copies: Vec<(PathBuf, PathBuf)> = dockerfile
        .lines()
        .filter_map(|l| l.strip_prefix("COPY --from=build /src/"))
        .filter_map(|rest| rest.split_once(' '))
        .map(|(repo, image)| (PathBuf::from(repo), PathBuf::from(image)))
        .collect();
    let in_image = |repo: &Path| {
        copies
            .iter()
            .find_map(|(from, to)| repo.strip_prefix(from).ok().map(|r| to.join(r)))
    };
    let examples = root().join("scenarios/examples");
    let mut checked = 0;
    for entry in std::fs::read_dir(&examples).unwrap() {
        let scenario = entry.unwrap().path();
        let text = std::fs::read_to_string(&scenario).unwrap();
        let image_folder = in_image(Path::new("scenarios/examples")).expect("the image has the examples");
        // Every relative file a scenario names (traces, node lists) must be in the image, at the
        // place its relative path leads to from the scenario's place in the image.
        for quoted in text.split('"').skip(1).step_by(2) {
            if !quoted.starts_with("../") {
                continue;
            }
            let repo_file = Path::new("scenarios/examples").join(quoted);
            let normal = |p: &Path| {
                let mut parts: Vec<std::ffi::OsString> = Vec::new();
                for c in p.components() {
                    match c {
                        std::path::Component::ParentDir => {
                            parts.pop();
                        }
                        other => parts.push(other.as_os_str().to_owned()),
                    }
                }
                parts.iter().collect::<PathBuf>()
            };
            let repo_normal = normal(&repo_file);
            assert!(root().join(&repo_normal).is_file(), "{}: {quoted}", scenario.display());
            let expected = normal(&image_folder.join(quoted));
            assert_eq!(
                in_image(&repo_normal),
                Some(expected),
                "{}: {quoted} is not where the scenario looks for it in the image",
                scenario.display()
            );
            checked += 1;
        }
    }
    assert!(checked >= 5, "the examples read trace files: {checked} found");
    let ignore = std::fs::read_to_string(root().join(".dockerignore")).unwrap();
    let ignored: Vec<&str> = ignore.lines().filter(|l| !l.starts_with('#')).collect();
    assert!(ignored.contains(&"target") && !ignored.iter().any(|l| l.starts_with("traces")));
}

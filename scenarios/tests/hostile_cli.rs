//! The command-line reproducers of issue 13: closed pipes, merges over their own shards,
//! leftovers of killed writers, I/O failures, limits refused at once, raw control characters.

mod common;

use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Instant;

use common::{TRACE, clustersim, stderr, stdout};

/// A small sweep: 2 racks settings × 2 seeds over the shared test trace.
const SWEEP: &str = "name = \"s\"\n[cluster]\nracks = 1\nnodes_per_rack = 2\nnode = { gpus = 8, gpu_type = \"A100-80GB\" }\n\
                     [workload]\ntrace = \"trace.csv\"\n[sweep]\nseeds = 2\ngrid = { \"cluster.racks\" = [1, 2] }\n";

fn workspace() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("trace.csv"), TRACE).unwrap();
    std::fs::write(dir.path().join("s.toml"), SWEEP).unwrap();
    dir
}

/// Runs `clustersim ARGS` with its standard output closed before it writes anything, as
/// `| head` does once it has read enough; returns the exit code and the standard error.
fn with_closed_stdout(args: &[&str], cwd: &Path) -> (Option<i32>, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_clustersim"))
        .args(args)
        .current_dir(cwd)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let mut err = String::new();
    child.stderr.take().unwrap().read_to_string(&mut err).unwrap();
    (child.wait().unwrap().code(), err)
}

#[test]
fn a_closed_pipe_ends_every_printing_command_quietly() {
    let dir = workspace();
    let philly = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../traces/data/philly-rfold/philly_trace.csv"
    );
    for args in [
        vec!["policies"],
        vec!["scenarios"],
        vec!["trace", "convert", philly, "--to", "native"],
        vec!["trace", "stats", "trace.csv"],
        vec!["validate", "s.toml"],
    ] {
        let (code, err) = with_closed_stdout(&args, dir.path());
        assert_eq!(code, Some(0), "{args:?}: {err}");
        assert!(
            !err.contains("panicked") && !err.contains("Broken pipe"),
            "{args:?}: {err}"
        );
    }
}

#[test]
fn merge_refuses_to_write_over_one_of_its_shards_or_another_sweep() {
    let dir = workspace();
    for shard in ["1/2", "2/2"] {
        let out = format!("shard{}", &shard[..1]);
        let run = clustersim(
            &["sweep", "s.toml", "--shard", shard, "--quiet", "--out", &out],
            dir.path(),
        );
        assert_eq!(run.status.code(), Some(0), "{}", stderr(&run));
    }
    let before = std::fs::read(dir.path().join("shard1/sweep.csv")).unwrap();
    let merge = clustersim(&["merge", "shard1", "shard2", "--out", "shard1"], dir.path());
    assert_eq!(merge.status.code(), Some(2));
    assert!(
        stderr(&merge).contains(
            "--out shard1: that is the folder of shard 1/2 (shard1); merging into it would overwrite the shard"
        ),
        "{}",
        stderr(&merge)
    );
    assert_eq!(
        std::fs::read(dir.path().join("shard1/sweep.csv")).unwrap(),
        before,
        "the shard is untouched"
    );
    // Another sweep's folder is refused too; this merge's own folder may be merged again.
    let other = clustersim(
        &["sweep", "s.toml", "--set", "sweep.seeds=1", "--quiet", "--out", "other"],
        dir.path(),
    );
    assert_eq!(other.status.code(), Some(0), "{}", stderr(&other));
    let merge = clustersim(&["merge", "shard1", "shard2", "--out", "other"], dir.path());
    assert_eq!(merge.status.code(), Some(2));
    assert!(
        stderr(&merge).contains("--out other: holds another sweep"),
        "{}",
        stderr(&merge)
    );
    for _ in 0..2 {
        let merge = clustersim(&["merge", "shard1", "shard2", "--out", "merged"], dir.path());
        assert_eq!(merge.status.code(), Some(0), "{}", stderr(&merge));
    }
}

#[test]
fn leftovers_of_a_killed_sweep_are_removed_on_resume_and_never_read_as_results() {
    let dir = workspace();
    let first = clustersim(
        &["sweep", "s.toml", "--max-runs", "1", "--quiet", "--out", "out"],
        dir.path(),
    );
    assert_eq!(first.status.code(), Some(0), "{}", stderr(&first));
    // What a kill during a write leaves: temporary files of both the old and the new form.
    for name in [".sweep.csv.tmp-99999", ".aggregate.csv.Ab12Cd.tmp"] {
        std::fs::write(dir.path().join("out").join(name), "run,seed\n9,9\n").unwrap();
    }
    let resumed = clustersim(&["sweep", "s.toml", "--resume", "--quiet", "--out", "out"], dir.path());
    assert_eq!(resumed.status.code(), Some(0), "{}", stderr(&resumed));
    let mut names: Vec<String> = std::fs::read_dir(dir.path().join("out"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.starts_with('.'))
        .collect();
    names.sort();
    assert!(names.is_empty(), "{names:?}");
    let straight = clustersim(&["sweep", "s.toml", "--quiet", "--out", "straight"], dir.path());
    assert_eq!(straight.status.code(), Some(0));
    assert_eq!(
        std::fs::read(dir.path().join("out/sweep.csv")).unwrap(),
        std::fs::read(dir.path().join("straight/sweep.csv")).unwrap()
    );
}

#[test]
fn an_output_folder_the_machine_refuses_is_an_io_failure_with_its_own_exit_code() {
    let dir = workspace();
    // sysfs refuses new folders even to root: the run fails as a read-only or full disk would.
    let run = clustersim(
        &["run", "s.toml", "--out", "/sys/clustersim-hostile-test", "--quiet"],
        dir.path(),
    );
    assert_eq!(run.status.code(), Some(4), "{}", stderr(&run));
    assert!(
        stderr(&run).starts_with("error: /sys/clustersim-hostile-test: "),
        "{}",
        stderr(&run)
    );
    let help = clustersim(&["--help"], dir.path());
    assert!(stdout(&help).contains("4 an I/O failure (disk full, permission; nothing partial left)"));
}

#[test]
fn limits_on_threads_seeds_and_lines_are_refused_at_once() {
    let dir = workspace();
    let started = Instant::now();
    let threads = clustersim(&["sweep", "s.toml", "--threads", "100000", "--out", "t"], dir.path());
    assert_eq!(threads.status.code(), Some(2));
    assert!(
        stderr(&threads)
            .starts_with("error: --threads: the number of worker threads: 100000, more than limits.threads = "),
        "{}",
        stderr(&threads)
    );
    let compare = clustersim(
        &[
            "compare",
            "s.toml",
            "--policies",
            "first-fit,best-fit",
            "--seeds",
            "1000000000000",
            "--out",
            "c",
        ],
        dir.path(),
    );
    assert_eq!(compare.status.code(), Some(2));
    assert!(
        stderr(&compare)
            .contains("the number of sweep runs (grid points × sweep.seeds): 2000000000000, more than limits.runs"),
        "{}",
        stderr(&compare)
    );
    let zeros = clustersim(&["trace", "stats", "/dev/zero", "--format", "native"], dir.path());
    assert_eq!(zeros.status.code(), Some(2));
    assert!(
        stderr(&zeros).starts_with("error: /dev/zero:1: the row starting here is longer than 1048576 bytes"),
        "{}",
        stderr(&zeros)
    );
    // `check` reads no endless file either.
    let run = clustersim(&["run", "s.toml", "--quiet", "--no-report", "--out", "run"], dir.path());
    assert_eq!(run.status.code(), Some(0), "{}", stderr(&run));
    let results = clustersim(&["check", "/dev/zero", "--baseline", "run"], dir.path());
    assert_eq!(results.status.code(), Some(2));
    assert_eq!(
        stderr(&results),
        "error: /dev/zero: not a regular file (give a results folder or file)\n"
    );
    let rules = clustersim(
        &["check", "run", "--baseline", "run", "--rules", "/dev/zero"],
        dir.path(),
    );
    assert_eq!(rules.status.code(), Some(2));
    assert_eq!(
        stderr(&rules),
        "error: /dev/zero: larger than 1048576 bytes, the largest rules file read\n"
    );
    assert!(started.elapsed().as_secs() < 20, "took {:?}", started.elapsed());
    // Raised by the key, the thread count is accepted.
    let raised = clustersim(
        &[
            "sweep",
            "s.toml",
            "--threads",
            "100",
            "--set",
            "limits.threads=100",
            "--quiet",
            "--out",
            "r",
        ],
        dir.path(),
    );
    assert_eq!(raised.status.code(), Some(0), "{}", stderr(&raised));
}

#[test]
fn control_characters_from_the_input_never_reach_the_terminal_raw() {
    let dir = workspace();
    let run = clustersim(
        &["run", "s.toml", "--set", "workload.trace=\u{1b}[31mred\u{7}"],
        dir.path(),
    );
    assert_eq!(run.status.code(), Some(2));
    let err = stderr(&run);
    assert!(!err.contains('\u{1b}') && !err.contains('\u{7}'), "{err:?}");
    assert!(err.contains("file `\\u{1b}[31mred\\u{7}` not found"), "{err}");
}

#[test]
fn a_run_stopped_by_the_progress_guard_exits_2_and_leaves_no_output_folder() {
    let dir = workspace();
    let run = clustersim(
        &[
            "run",
            "library:cascading-failure",
            "--set",
            "limits.max_events=1000",
            "--quiet",
            "--out",
            "out",
        ],
        dir.path(),
    );
    assert_eq!(run.status.code(), Some(2), "{}", stderr(&run));
    let err = stderr(&run);
    assert!(
        err.starts_with("error: library:cascading-failure: the run makes no progress: 1001 events by ")
            && err.contains("raise limits.max_events"),
        "{err}"
    );
    assert!(!dir.path().join("out").exists());
}

//! Sweeps of fill runs: every run's curve joined in `fill.csv`, summarised in
//! `fill_summary.csv`, identical across thread counts, resumes and shard merges.

mod common;

use common::{clustersim, files};

use std::path::Path;

/// Two 1-GPU pods on 2 nodes × 4 GPUs (8,000 milli), inflated to 130 % (10,400 milli): ten
/// pods of 12.5 % each (an eleventh would pass the target). 3 placements × 3 seeds = 9 runs.
const SCENARIO: &str = "name = \"fills\"\nseed = 1\n[cluster]\nracks = 1\nnodes_per_rack = 2\n\
                        node = { gpus = 4, gpu_type = \"T4\" }\n[workload]\ntrace = \"pods.csv\"\nmode = \"fill\"\n\
                        [sweep]\nseeds = 3\ngrid = { \"policy.name\" = [\"fgd\", \"paper-random\", \"best-fit\"] }\n";

const PODS: &str = "name,cpu_milli,memory_mib,num_gpu,gpu_milli\na,1000,0,1,1000\nb,1000,0,1,1000\n";

fn sweep(dir: &Path, extra: &[&str]) {
    let mut args = vec!["sweep", "s.toml", "--quiet"];
    args.extend_from_slice(extra);
    let output = clustersim(&args, dir);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
}

#[test]
fn fill_curves_of_a_sweep_are_joined_summarised_and_reproducible() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("s.toml"), SCENARIO).unwrap();
    std::fs::write(dir.path().join("pods.csv"), PODS).unwrap();
    sweep(dir.path(), &["--threads", "1", "--out", "one"]);
    sweep(dir.path(), &["--threads", "2", "--out", "two"]);
    let one = files(&dir.path().join("one"));
    assert_eq!(one, files(&dir.path().join("two")));
    let names: Vec<String> = one.iter().map(|(p, _)| p.display().to_string()).collect();
    for expected in ["fill.csv", "fill_summary.csv", "fill_alloc.png", "report.html"] {
        assert!(names.iter().any(|n| n == expected), "{expected} in {names:?}");
    }
    // Whole-GPU pods on whole free GPUs leave no fragment: the bars would all be 0, so the page
    // says so in a line instead of drawing an empty panel.
    assert!(!names.iter().any(|n| n.starts_with("fill_frag_amount")), "{names:?}");
    let page = std::fs::read_to_string(dir.path().join("one/report.html")).unwrap();
    assert!(
        page.contains("<li>Fragmentation amount at 80 % and 100 % arrived demand: 0 throughout"),
        "{page}"
    );
    // The page opens with the allocation curve, then the fill table; the table of replay
    // metrics (JCTs and waits, all zeros and dashes for fill runs) is not there.
    let curve = page.find("<figure id=\"fill_alloc\">").unwrap();
    let table = page.find("<p class=\"caption\">Fill runs").unwrap();
    assert!(curve < table);
    assert!(!page.contains("per grid point"), "{page}");
    assert!(
        !names.iter().any(|n| n.starts_with("curves")),
        "run curves are removed: {names:?}"
    );

    // Each run: ten pods of 12.5 %, demand 12.5, 25, …, 125 % → percents 13, 25, 38, 50, 63,
    // 75, 88, 100, 113, 125 (halves up). The first eight fit; allocation stays at 1 after.
    let curves = std::fs::read_to_string(dir.path().join("one/fill.csv")).unwrap();
    let lines: Vec<&str> = curves.lines().collect();
    assert_eq!(
        lines[0],
        "run,seed,policy.name,arrived_pct,arrived_demand,gpu_alloc_ratio,pods_arrived,pods_failed,frag_amount,frag_ratio"
    );
    assert_eq!(lines.len(), 1 + 9 * 10);
    assert_eq!(lines[1], "0,1,fgd,13,0.125,0.125,1,0,0.0,0.0");
    assert_eq!(lines[90], "8,3,best-fit,125,1.25,1.0,10,2,0.0,0.0");
    // The summary: at 100 % every run has allocated everything (mean 1, no spread); no run
    // reaches 130 % (its last row is 125 %, more than one percent away).
    let summary = std::fs::read_to_string(dir.path().join("one/fill_summary.csv")).unwrap();
    assert!(
        summary.contains("\n1,paper-random,100,gpu_alloc_ratio,3,1.0,0.0,1.0,1.0\n"),
        "{summary}"
    );
    assert!(
        summary.contains("\n1,paper-random,130,gpu_alloc_ratio,0,,,,\n"),
        "{summary}"
    );

    // Interrupted and resumed, or run as shards and merged: the same files.
    sweep(dir.path(), &["--out", "resumed", "--max-runs", "4"]);
    assert!(dir.path().join("resumed/curves").is_dir());
    assert!(!dir.path().join("resumed/fill.csv").exists());
    sweep(dir.path(), &["--out", "resumed", "--resume"]);
    assert_eq!(one, files(&dir.path().join("resumed")));
    // A recorded run whose curve was lost runs again on resume: the same files still (and a
    // finished sweep resumed changes nothing).
    sweep(dir.path(), &["--out", "lost", "--max-runs", "4"]);
    std::fs::remove_file(dir.path().join("lost/curves/0.csv")).unwrap();
    sweep(dir.path(), &["--out", "lost", "--resume"]);
    assert_eq!(one, files(&dir.path().join("lost")));
    sweep(dir.path(), &["--out", "lost", "--resume"]);
    assert_eq!(one, files(&dir.path().join("lost")));
    for k in 1..=2 {
        sweep(
            dir.path(),
            &["--shard", &format!("{k}/2"), "--out", &format!("shard{k}")],
        );
    }
    let merged = clustersim(&["merge", "shard2", "shard1", "--out", "merged"], dir.path());
    assert!(merged.status.success(), "{}", String::from_utf8_lossy(&merged.stderr));
    assert_eq!(one, files(&dir.path().join("merged")));
}

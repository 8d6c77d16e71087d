//! `clustersim trace stats | convert | generate`, and scenarios built from the new formats and
//! keys, end to end.

mod common;

use common::{clustersim, stderr, stdout};

use std::path::Path;
use std::process::Output;

const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../traces/data");

fn with_files(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in files {
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    dir
}

/// Exit code 2 and a message containing `expected`.
fn assert_bad(output: &Output, expected: &str) {
    assert_eq!(output.status.code(), Some(2), "{}", stderr(output));
    assert!(
        stderr(output).contains(expected),
        "expected {expected:?} in {:?}",
        stderr(output)
    );
}

const SWF: &str = "; MaxProcs: 8\n\
                   1 0 -1 100 2 -1 -1 2 200 -1 1 4 -1 -1 -1 -1 -1 -1\n\
                   2 10 -1 0 1 -1 -1 1 -1 -1 1 4 -1 -1 -1 -1 -1 -1\n\
                   3 20 -1 50 4 -1 -1 4 -1 -1 1 5 -1 -1 -1 -1 -1 -1\n\
                   4 30 -1 10 2 -1 -1 2 -1 -1 0 5 -1 -1 -1 -1 -1 -1\n";

#[test]
fn stats_json_has_the_contract_keys() {
    // Jobs 1, 3, 4 (job 2 runs 0 s): sizes 2, 4, 2 GPUs; durations 100, 50, 10 s, sorted 10,
    // 50, 100: mean 160/3, p50 = 2nd = 50, p90 = p99 = 3rd = 100; GPU-hours (200 + 200 + 20)/3600.
    let dir = with_files(&[("t.swf", SWF)]);
    let output = clustersim(&["trace", "stats", "t.swf", "--json"], dir.path());
    assert!(output.status.success(), "{}", stderr(&output));
    let json: serde_json::Value = serde_json::from_str(&stdout(&output)).unwrap();
    assert_eq!(json["jobs"], 3);
    assert_eq!(json["skipped"], 1);
    assert_eq!(json["skipped_reasons"]["run time 0 or less (cannot run)"], 1);
    assert_eq!(
        (json["first_submit_s"].as_f64(), json["last_submit_s"].as_f64()),
        (Some(0.0), Some(30.0))
    );
    assert_eq!(json["size_histogram"], serde_json::json!({"2": 2, "4": 1}));
    assert!((json["duration_mean_s"].as_f64().unwrap() - 160.0 / 3.0).abs() < 1e-9);
    assert_eq!(json["duration_p50_s"], 50.0);
    assert_eq!(
        (json["duration_p90_s"].as_f64(), json["duration_p99_s"].as_f64()),
        (Some(100.0), Some(100.0))
    );
    assert!((json["total_gpu_hours"].as_f64().unwrap() - 420.0 / 3600.0).abs() < 1e-12);
    let keys: Vec<&str> = json.as_object().unwrap().keys().map(String::as_str).collect();
    for key in [
        "jobs",
        "skipped",
        "first_submit_s",
        "last_submit_s",
        "size_histogram",
        "duration_mean_s",
        "duration_p50_s",
        "duration_p90_s",
        "duration_p99_s",
        "total_gpu_hours",
    ] {
        assert!(keys.contains(&key), "{key}");
    }
    let text = clustersim(&["trace", "stats", "t.swf"], dir.path());
    assert!(
        stdout(&text).contains("skipped: 1 (1 × run time 0 or less (cannot run))"),
        "{}",
        stdout(&text)
    );
}

#[test]
fn stats_of_the_philly_trace() {
    // SOURCE.md: 111,549 rows, 10 with duration 0; 3,622,169 GPU-hours; 96,662 single-GPU jobs
    // (of which 10 are the skipped ones: awk -F, '$5==1 && $6>0' counts 96652).
    let output = clustersim(
        &[
            "trace",
            "stats",
            &format!("{DATA}/philly-rfold/philly_trace.csv"),
            "--json",
        ],
        Path::new("."),
    );
    let json: serde_json::Value = serde_json::from_str(&stdout(&output)).unwrap();
    assert_eq!(
        (json["jobs"].as_u64(), json["skipped"].as_u64()),
        (Some(111_539), Some(10))
    );
    assert_eq!(json["size_histogram"]["1"], 96_652);
    assert!((json["total_gpu_hours"].as_f64().unwrap() - 3_622_168.774).abs() < 0.001);
}

/// Philly rows whose single-server shape is the whole job (as the Crux/RFold variant writes
/// them): every row is read; a task wider than a node is split into nodes' worth at run time,
/// and a job wider than the cluster is refused at arrival, counted, and the run goes on.
#[test]
fn philly_shapes_wider_than_a_node_are_split_and_unfittable_jobs_counted() {
    let trace = "#job id,arrival time (sec),topology,shape,size,duration (sec)\r\n\
                 0,0.0,CLOS,256,256,100.0\r\n1,10.0,CLOS,8+8,16,50.0\r\n\
                 2,20.0,CLOS,4096,4096,10.0\r\n3,30.0,CLOS,1,1,5.0";
    let scenario = "name = \"crux\"\n[cluster]\nracks = 4\nnodes_per_rack = 8\n\
                    node = { gpus = 8, gpu_type = \"A100\" }\n[workload]\ntrace = \"t.csv\"\n\
                    format = \"philly\"\n";
    let dir = with_files(&[("t.csv", trace), ("s.toml", scenario)]);
    let stats = clustersim(&["trace", "stats", "t.csv", "--format", "philly", "--json"], dir.path());
    assert!(stats.status.success(), "{}", stderr(&stats));
    let json: serde_json::Value = serde_json::from_str(&stdout(&stats)).unwrap();
    assert_eq!(json["jobs"], 4);
    assert_eq!(json["size_histogram"]["4096"], 1);
    let run = clustersim(&["run", "s.toml", "--out", "out", "--no-report"], dir.path());
    assert!(run.status.success(), "{}", stderr(&run));
    assert!(
        stdout(&run).contains("1 of 4 jobs can never fit this cluster"),
        "{}",
        stdout(&run)
    );
    // 32 nodes × 8 = 256 GPUs: job 0 (256 = 32 tasks of 8) takes the whole cluster 0–100;
    // job 1 (2 × 8) and job 3 (1) wait for it; job 2 (4096) never fits.
    let jobs = std::fs::read_to_string(dir.path().join("out/jobs.csv")).unwrap();
    let row = |id: &str| {
        let line = jobs.lines().find(|l| l.split(',').next() == Some(id)).unwrap();
        line.split(',').take(5).map(str::to_string).collect::<Vec<_>>()
    };
    assert_eq!(row("0"), ["0", "0.0", "0.0", "100.0", "completed"]);
    assert_eq!(row("1"), ["1", "10.0", "100.0", "150.0", "completed"]);
    assert_eq!(row("2"), ["2", "20.0", "", "20.0", "never-fits"]);
    assert_eq!(row("3"), ["3", "30.0", "100.0", "105.0", "completed"]);
    let first = jobs.lines().find(|l| l.starts_with("0,")).unwrap();
    assert_eq!(first.matches('+').count(), 31, "32 nodes");
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("out/summary.json")).unwrap()).unwrap();
    assert_eq!(
        (summary["jobs_never_fit"].as_u64(), summary["jobs_failed"].as_u64()),
        (Some(1), Some(0))
    );
}

/// An SWF job wider than the machine is refused at arrival (`never-fits`) and the others run;
/// with `kill_at_limit`, a job that outruns its requested time (field 9) ends `timeout`.
///
/// MaxProcs 8, one-GPU nodes. Job 1: 2 procs, runs 100 s, requested 60 → killed at 60.
/// Job 2: 16 procs → never fits. Job 3: 4 procs at 20, runs 50 ≤ 80 requested → 20–70.
#[test]
fn swf_jobs_wider_than_the_machine_never_fit_and_limits_kill() {
    let swf = "; MaxProcs: 8\n\
               1 0 -1 100 2 -1 -1 2 60 -1 1 4 -1 -1 -1 -1 -1 -1\n\
               2 10 -1 50 16 -1 -1 16 60 -1 1 4 -1 -1 -1 -1 -1 -1\n\
               3 20 -1 50 4 -1 -1 4 80 -1 1 5 -1 -1 -1 -1 -1 -1\n";
    let scenario = "name = \"limits\"\n[cluster]\nfrom_trace = true\nnodes_per_rack = 8\n\
                    node = { gpus = 1, gpu_type = \"A100\" }\n[workload]\ntrace = \"t.swf\"\n\
                    [policy]\nname = \"easy-backfill\"\nkill_at_limit = true\n";
    let dir = with_files(&[("t.swf", swf), ("s.toml", scenario)]);
    let run = clustersim(&["run", "s.toml", "--out", "out", "--no-report"], dir.path());
    assert!(run.status.success(), "{}", stderr(&run));
    let jobs = std::fs::read_to_string(dir.path().join("out/jobs.csv")).unwrap();
    let row = |id: &str| {
        let line = jobs.lines().find(|l| l.split(',').next() == Some(id)).unwrap();
        line.split(',').take(5).map(str::to_string).collect::<Vec<_>>()
    };
    assert_eq!(row("1"), ["1", "0.0", "0.0", "60.0", "timeout"]);
    assert_eq!(row("2"), ["2", "10.0", "", "10.0", "never-fits"]);
    assert_eq!(row("3"), ["3", "20.0", "20.0", "70.0", "completed"]);
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("out/summary.json")).unwrap()).unwrap();
    assert_eq!(summary["jobs_timed_out"], 1);
    assert_eq!(summary["jobs_never_fit"], 1);
    // 60 s × 2 GPUs of work lost.
    assert!((summary["lost_gpu_hours"].as_f64().unwrap() - 120.0 / 3600.0).abs() < 1e-12);
}

/// `--swf` writes the simulated schedule as an SWF log: jobs in submit order whatever order they
/// ended in, the trace's numbers kept, status 0 for a job killed at its limit and 5 for one that
/// never fits; clustersim's own SWF reader reads it back.
///
/// Worked by hand: two one-GPU nodes, FIFO first fit, limits enforced. Job 1 (2 procs, runs
/// 100 s, requested 50) takes both nodes at 0 and is killed at 50. Job 2 (1 proc, at 10) waits
/// for it: 50–80. Job 3 (3 procs) can never fit and ends at 20, first of all. Job 4 (1 proc at
/// 30, runs 10) takes the other node at 50 and ends at 60, before job 2. Processors unknown to
/// SWF stay -1, as do the wait, run time and processors of the job that never ran.
#[test]
fn the_swf_log_lists_the_schedule_in_submit_order_with_archive_statuses() {
    let swf = "; MaxProcs: 2\n\
               1 0 -1 100 2 -1 -1 2 50 -1 1 7 -1 -1 1 -1 -1 -1\n\
               2 10 -1 30 1 -1 -1 1 40 -1 1 3 -1 -1 1 -1 -1 -1\n\
               3 20 -1 5 3 -1 -1 3 5 -1 1 7 -1 -1 2 -1 -1 -1\n\
               4 30 -1 10 1 -1 -1 1 20 -1 1 -1 -1 -1 -1 -1 -1 -1\n";
    let scenario = "name = \"log\"\n[cluster]\nfrom_trace = true\nnodes_per_rack = 2\n\
                    node = { gpus = 1, gpu_type = \"A100\" }\n[workload]\ntrace = \"t.swf\"\n\
                    [policy]\nname = \"first-fit\"\nkill_at_limit = true\n";
    let dir = with_files(&[("t.swf", swf), ("s.toml", scenario)]);
    let run = clustersim(&["run", "s.toml", "--out", "out", "--no-report", "--swf"], dir.path());
    assert!(run.status.success(), "{}", stderr(&run));
    assert!(stdout(&run).contains("jobs.swf"), "{}", stdout(&run));
    let log = std::fs::read_to_string(dir.path().join("out/jobs.swf")).unwrap();
    let header: Vec<&str> = log.lines().filter(|l| l.starts_with(';')).collect();
    for line in ["; Version: 2.2", "; MaxJobs: 4", "; MaxNodes: 2", "; MaxProcs: 2"] {
        assert!(header.contains(&line), "{line} in {header:?}");
    }
    let jobs: Vec<&str> = log.lines().filter(|l| !l.starts_with(';')).collect();
    assert_eq!(
        jobs,
        [
            "1 0 0 50 2 -1 -1 2 50 -1 0 7 -1 -1 1 -1 -1 -1",
            "2 10 40 30 1 -1 -1 1 40 -1 1 3 -1 -1 1 -1 -1 -1",
            "3 20 -1 -1 -1 -1 -1 3 5 -1 5 7 -1 -1 2 -1 -1 -1",
            "4 30 20 10 1 -1 -1 1 20 -1 1 -1 -1 -1 -1 -1 -1 -1",
        ]
    );
    // Read back by the SWF reader: job 3's unknown run time skips it (counted), three remain.
    let stats = clustersim(&["trace", "stats", "out/jobs.swf"], dir.path());
    assert!(stats.status.success(), "{}", stderr(&stats));
    assert!(stdout(&stats).contains("jobs: 3"), "{}", stdout(&stats));
    assert!(stdout(&stats).contains("skipped: 1"), "{}", stdout(&stats));
}

/// Read with `swf_processor = "cpu"`, an SWF processor is a CPU core, and the log written back
/// counts the machine in cores too: two nodes of 8 GPUs and 2 cores are 4 processors, not 16,
/// so replaying the log with `from_trace` builds the same two nodes.
#[test]
fn the_swf_log_of_cpu_jobs_counts_the_machine_in_cores() {
    let swf = "1 0 -1 10 3 -1 -1 3 10 -1 1 1 -1 -1 1 -1 -1 -1\n\
               2 5 -1 10 1 -1 -1 1 10 -1 1 1 -1 -1 1 -1 -1 -1\n";
    let scenario = "name = \"cores\"\n[cluster]\nracks = 1\nnodes_per_rack = 2\n\
                    node = { gpus = 8, cpus = 2, gpu_type = \"A100\" }\n[workload]\ntrace = \"t.swf\"\n\
                    swf_processor = \"cpu\"\n";
    let dir = with_files(&[("t.swf", swf), ("s.toml", scenario)]);
    let run = clustersim(
        &["run", "s.toml", "--out", "out", "--no-report", "--quiet", "--swf"],
        dir.path(),
    );
    assert!(run.status.success(), "{}", stderr(&run));
    let log = std::fs::read_to_string(dir.path().join("out/jobs.swf")).unwrap();
    let header: Vec<&str> = log.lines().filter(|l| l.starts_with(';')).collect();
    for line in ["; MaxNodes: 2", "; MaxProcs: 4"] {
        assert!(header.contains(&line), "{line} in {header:?}");
    }
}

/// A node without `cpus` leaves CPU unconstrained, so with `swf_processor = "cpu"` every job
/// would start at once on the first node: the scenario is refused instead.
#[test]
fn cpu_processors_need_nodes_that_count_their_cores() {
    let swf = "1 0 -1 10 3 -1 -1 3 10 -1 1 1 -1 -1 1 -1 -1 -1\n";
    let scenario = "name = \"cores\"\n[cluster]\nracks = 1\nnodes_per_rack = 2\n\
                    node = { gpus = 1, gpu_type = \"A100\" }\n[workload]\ntrace = \"t.swf\"\n\
                    swf_processor = \"cpu\"\n";
    let dir = with_files(&[("t.swf", swf), ("s.toml", scenario)]);
    for command in ["validate", "run"] {
        let output = clustersim(
            &[command, "s.toml", "--out", "out"][..if command == "run" { 4 } else { 2 }],
            dir.path(),
        );
        assert_eq!(output.status.code(), Some(2), "{command}: {}", stderr(&output));
        assert!(
            stderr(&output).contains("node `r0-n0` does not say how many it has: set cpus in [cluster] node"),
            "{command}: {}",
            stderr(&output)
        );
    }
    assert!(!dir.path().join("out").exists());
}

/// A trace of named jobs, users and queues gets SWF numbers: jobs by submit order, users and
/// queues by first appearance, -1 for none. Jobs x, y, z (one GPU each, 10 s, on one node) run
/// one after the other: waits 0, 10 and 20.
#[test]
fn the_swf_log_numbers_named_jobs_users_and_queues() {
    let trace = "job_id,submit_s,duration_s,tasks,gpus_per_task,user,queue\n\
                 x,0,10,1,1,bob,batch\ny,0,10,1,1,alice,\nz,0,10,1,1,bob,batch\n";
    let scenario = "name = \"named\"\n[cluster]\nracks = 1\nnodes_per_rack = 1\n\
                    node = { gpus = 1, gpu_type = \"A100\" }\n[workload]\ntrace = \"t.csv\"\n\
                    [output]\nswf = true\n";
    let dir = with_files(&[("t.csv", trace), ("s.toml", scenario)]);
    let run = clustersim(&["run", "s.toml", "--out", "out", "--no-report", "--quiet"], dir.path());
    assert!(run.status.success(), "{}", stderr(&run));
    let log = std::fs::read_to_string(dir.path().join("out/jobs.swf")).unwrap();
    let jobs: Vec<&str> = log.lines().filter(|l| !l.starts_with(';')).collect();
    assert_eq!(
        jobs,
        [
            "1 0 0 10 1 -1 -1 1 10 -1 1 1 -1 -1 1 -1 -1 -1",
            "2 0 10 10 1 -1 -1 1 10 -1 1 2 -1 -1 -1 -1 -1 -1",
            "3 0 20 10 1 -1 -1 1 10 -1 1 1 -1 -1 1 -1 -1 -1",
        ]
    );
}

/// Converting a trace onto itself (by its name or through a link) would replace the log being
/// read: refused, and the log is left as it was.
#[test]
fn convert_refuses_to_write_over_the_trace_it_reads() {
    let dir = with_files(&[("t.swf", SWF)]);
    std::os::unix::fs::symlink(dir.path().join("t.swf"), dir.path().join("link.swf")).unwrap();
    for out in ["t.swf", "./t.swf", "link.swf"] {
        let output = clustersim(
            &["trace", "convert", "t.swf", "--to", "native", "--out", out],
            dir.path(),
        );
        assert_bad(&output, "that is the trace being read (t.swf)");
    }
    assert_eq!(std::fs::read_to_string(dir.path().join("t.swf")).unwrap(), SWF);
}

/// A trace with a bad row converted to standard output prints nothing (the good rows before
/// the bad one included) and exits 2.
#[test]
fn convert_to_standard_output_prints_nothing_of_a_bad_trace() {
    let bad = "job_id,submit_s,duration_s,tasks,gpus_per_task\na,0,10,1,1\nb,1,x,1,1\n";
    let dir = with_files(&[("t.csv", bad)]);
    let output = clustersim(&["trace", "convert", "t.csv", "--to", "native"], dir.path());
    assert_bad(&output, "t.csv:3: column `duration_s`");
    assert!(output.stdout.is_empty(), "{}", String::from_utf8_lossy(&output.stdout));
}

#[test]
fn convert_writes_native_csv_that_runs() {
    let dir = with_files(&[("t.swf", SWF)]);
    let output = clustersim(
        &["trace", "convert", "t.swf", "--to", "native", "--out", "t.csv"],
        dir.path(),
    );
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(stderr(&output).contains("wrote 3 jobs to t.csv"));
    let csv = std::fs::read_to_string(dir.path().join("t.csv")).unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 4);
    assert_eq!(lines[1], "1,0,100,2,1,0,0,,4,default,0,true,0,200,,");
    let cpu = clustersim(
        &["trace", "convert", "t.swf", "--to", "native", "--swf-processor", "cpu"],
        dir.path(),
    );
    assert!(
        stdout(&cpu).lines().nth(1) == Some("1,0,100,2,0,1,0,,4,default,0,true,0,200,,"),
        "{}",
        stdout(&cpu)
    );
}

#[test]
fn the_size_rule_picks_which_processor_count_a_job_runs_on() {
    // Job 1 was allocated 2 processors and asked for 6; job 2 allocated 4 and asked for 1; job
    // 3 has no allocated count (-1) and asked for 3. By hand: allocated gives 2, 4, 3;
    // requested 6, 1, 3; larger 6, 4, 3. The tasks column of the native CSV is the 4th.
    let text = "1 0 -1 100 2 -1 -1 6 -1 -1 1 4 -1 -1 -1 -1 -1 -1\n\
                2 10 -1 50 4 -1 -1 1 -1 -1 1 4 -1 -1 -1 -1 -1 -1\n\
                3 20 -1 10 -1 -1 -1 3 -1 -1 1 5 -1 -1 -1 -1 -1 -1\n";
    let dir = with_files(&[("t.swf", text)]);
    for (rule, expected) in [
        ("allocated", [2, 4, 3]),
        ("requested", [6, 1, 3]),
        ("larger", [6, 4, 3]),
    ] {
        let output = clustersim(
            &["trace", "convert", "t.swf", "--to", "native", "--swf-size", rule],
            dir.path(),
        );
        assert!(output.status.success(), "{}", stderr(&output));
        let tasks: Vec<u32> = stdout(&output)
            .lines()
            .skip(1)
            .map(|line| line.split(',').nth(3).unwrap().parse().unwrap())
            .collect();
        assert_eq!(tasks, expected, "{rule}");
    }
    // A scenario's key does the same: under `requested` the jobs run on 6, 1 and 3 one-GPU nodes
    // of the 8 (jobs.csv names each task's node). By hand: job 1 starts at 0 on 6 nodes (ends at
    // 100), job 2 at 10 on one of the other two (ends at 60), job 3 (3 nodes) waits until job 1
    // ends and runs 100-110. Rows come as jobs end: 2, 1, 3.
    let scenario = "name = \"sizes\"\n[cluster]\nracks = 1\nnodes_per_rack = 8\nnode = { gpus = 1, gpu_type = \"A100\" }\n\
                    [workload]\ntrace = \"t.swf\"\nswf_size = \"requested\"\n";
    std::fs::write(dir.path().join("s.toml"), scenario).unwrap();
    let run = clustersim(&["run", "s.toml", "--out", "out", "--no-report"], dir.path());
    assert!(run.status.success(), "{}", stderr(&run));
    let jobs = std::fs::read_to_string(dir.path().join("out/jobs.csv")).unwrap();
    let nodes: Vec<usize> = jobs
        .lines()
        .skip(1)
        .map(|row| row.rsplit(',').next().unwrap().split('+').count())
        .collect();
    assert_eq!(nodes, [1, 6, 3]);
    assert!(
        jobs.lines()
            .last()
            .unwrap()
            .starts_with("3,20.0,100.0,110.0,completed,"),
        "{jobs}"
    );
    let wrong = clustersim(&["trace", "stats", "t.swf", "--swf-size", "max"], dir.path());
    assert_eq!(wrong.status.code(), Some(2));
    assert!(
        stderr(&wrong).contains("allocated, requested, larger"),
        "{}",
        stderr(&wrong)
    );
}

#[test]
fn bad_traces_exit_2_and_leave_no_output() {
    let cases: [(&str, &str, &str); 6] = [
        (
            "t.swf",
            "1 0 -1 100 2 -1 -1 2\n",
            "t.swf:1: expected 18 whitespace-separated fields (SWF), found 8",
        ),
        ("e.swf", "", "e.swf: empty file"),
        (
            "h.swf",
            "; MaxProcs: 8\n",
            "h.swf: no jobs to run (0 job lines skipped)",
        ),
        (
            "p.csv",
            "name,cpu_milli,memory_mib,num_gpu,gpu_milli\r\na,1,1,1,lots\r\n",
            "p.csv:2: column `gpu_milli`: expected a whole number ≥ 0, got `lots`",
        ),
        (
            "ph.csv",
            "#job id,arrival time (sec),topology,shape,size,duration (sec)\r\n0,0.0,CLOS,1,1,-5.0\r\n",
            "ph.csv:2: column `duration (sec)`: must be ≥ 0, got `-5.0`",
        ),
        (
            "n.csv",
            "job_id,submit_s,duration_s,tasks,gpus_per_task\n",
            "n.csv: no jobs: the file has a header but no rows",
        ),
    ];
    for (name, text, expected) in cases {
        let dir = with_files(&[(name, text)]);
        let output = clustersim(
            &["trace", "convert", name, "--to", "native", "--out", "o.csv"],
            dir.path(),
        );
        assert_bad(&output, expected);
        assert!(!dir.path().join("o.csv").exists(), "{name}: no partial output");
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            1,
            "{name}: no temporary file left"
        );
        assert_bad(&clustersim(&["trace", "stats", name], dir.path()), expected);
    }
    let dir = with_files(&[("x.csv", "a,b\n")]);
    assert_bad(
        &clustersim(&["trace", "stats", "x.csv", "--format", "sfw"], dir.path()),
        "unknown trace format `sfw`; known formats: native, philly, swf, openb, helios",
    );
}

#[test]
fn generate_is_deterministic_and_follows_the_keys() {
    let dir = tempfile::tempdir().unwrap();
    let args = |out: &'static str, seed: &'static str| {
        vec![
            "trace",
            "generate",
            "--gpus",
            "64",
            "--seed",
            seed,
            "--set",
            "jobs=300",
            "--set",
            "family=llm",
            "--out",
            out,
        ]
    };
    for (out, seed) in [("a.csv", "5"), ("b.csv", "5"), ("c.csv", "6")] {
        let output = clustersim(&args(out, seed), dir.path());
        assert!(output.status.success(), "{}", stderr(&output));
    }
    let read = |name: &str| std::fs::read(dir.path().join(name)).unwrap();
    assert_eq!(read("a.csv"), read("b.csv"));
    assert_ne!(read("a.csv"), read("c.csv"));
    assert_eq!(String::from_utf8(read("a.csv")).unwrap().lines().count(), 301);
    let stats = clustersim(&["trace", "stats", "a.csv", "--json"], dir.path());
    let json: serde_json::Value = serde_json::from_str(&stdout(&stats)).unwrap();
    assert_eq!(json["jobs"], 300);
    assert_bad(
        &clustersim(&["trace", "generate", "--set", "jobs=10"], dir.path()),
        "load: turning a load into an arrival rate needs the cluster's GPU count",
    );
    assert_bad(
        &clustersim(&["trace", "generate", "--gpus", "8", "--set", "jobz=10"], dir.path()),
        "--set jobz=10: unknown field `jobz`",
    );
    // No GPUs is no cluster to offer a load to: refused as the flag's value.
    assert_bad(
        &clustersim(&["trace", "generate", "--gpus", "0"], dir.path()),
        "invalid value '0' for '--gpus <GPUS>'",
    );
    // A scenario without [workload.synthetic] gives its cluster and seed; the note says the
    // other keys took their defaults.
    let replay = format!("name = \"r\"\n{CLUSTER}[workload]\ntrace = \"t.csv\"\n");
    std::fs::write(dir.path().join("r.toml"), replay).unwrap();
    std::fs::write(
        dir.path().join("t.csv"),
        "job_id,submit_s,duration_s,tasks,gpus_per_task\na,0,1,1,1\n",
    )
    .unwrap();
    let noted = clustersim(
        &["trace", "generate", "--scenario", "r.toml", "--set", "jobs=3"],
        dir.path(),
    );
    assert!(noted.status.success(), "{}", stderr(&noted));
    assert_eq!(stdout(&noted).lines().count(), 4);
    assert!(
        stderr(&noted)
            .contains("note: r.toml has no [workload.synthetic]: every key not given by --set took its default"),
        "{}",
        stderr(&noted)
    );
}

const CLUSTER: &str = "[cluster]\nracks = 1\nnodes_per_rack = 2\nnode = { gpus = 8, gpu_type = \"A100\" }\n";

#[test]
fn a_synthetic_scenario_runs_and_repeats_itself() {
    let scenario = format!(
        "name = \"syn\"\nseed = 3\n{CLUSTER}[workload.synthetic]\njobs = 200\nload = 0.5\ndiurnal = true\n\
         users = {{ alice = 1, bob = 1 }}\n"
    );
    let dir = with_files(&[("s.toml", &scenario)]);
    for out in ["one", "two"] {
        let output = clustersim(&["run", "s.toml", "--out", out, "--quiet"], dir.path());
        assert!(output.status.success(), "{}", stderr(&output));
    }
    for file in ["summary.json", "jobs.csv", "timeseries.csv"] {
        assert_eq!(
            std::fs::read(dir.path().join("one").join(file)).unwrap(),
            std::fs::read(dir.path().join("two").join(file)).unwrap(),
            "{file}"
        );
    }
    let jobs = std::fs::read_to_string(dir.path().join("one/jobs.csv")).unwrap();
    assert_eq!(jobs.lines().count(), 201);
}

#[test]
fn clusters_from_node_lists_and_swf_headers() {
    let openb = format!(
        "name = \"o\"\n[cluster]\nnodes_file = \"{DATA}/alibaba-openb-gpu-v2023/openb_node_list_gpu_node.csv\"\n\
         nodes_per_rack = 4\n[workload]\ntrace = \"{DATA}/alibaba-openb-gpu-v2023/openb_pod_list_gpuspec33.csv\"\n"
    );
    let pai = format!(
        "name = \"p\"\n[cluster]\nnodes_file = \"{DATA}/alibaba-pai-gpu-v2020/pai_machine_spec.csv\"\n\
         nodes_format = \"pai\"\n[workload]\ntrace = \"sample:philly\"\n"
    );
    // KTH: MaxProcs 100 on 8-GPU nodes → ceil(100 / 8) = 13 nodes, 104 GPUs, in racks of 4 → 4 racks.
    let kth = format!(
        "name = \"k\"\n[cluster]\nfrom_trace = true\nnodes_per_rack = 4\nnode = {{ gpus = 8, gpu_type = \"A100\" }}\n\
         [workload]\ntrace = \"{DATA}/swf-kth-sp2-1996/KTH-SP2-1996-2.1-cln.swf\"\n"
    );
    let dir = with_files(&[("o.toml", &openb), ("p.toml", &pai), ("k.toml", &kth)]);
    for (file, expected) in [
        ("o.toml", "cluster: 304 racks, 1213 nodes, 6212 GPUs"),
        ("p.toml", "cluster: 949 racks, 1897 nodes, 6742 GPUs"),
        ("k.toml", "cluster: 4 racks, 13 nodes, 104 GPUs"),
    ] {
        let output = clustersim(&["validate", file], dir.path());
        assert!(output.status.success(), "{file}: {}", stderr(&output));
        assert!(stdout(&output).contains(expected), "{file}: {}", stdout(&output));
    }
}

#[test]
fn new_keys_are_checked_with_their_line() {
    let base = format!("name = \"x\"\n{CLUSTER}[workload]\ntrace = \"t.csv\"\n");
    let cases = [
        (
            format!("{base}target_demand = 1.3\n"),
            "s.toml:8: workload.target_demand: applies to mode = \"fill\" only",
        ),
        (
            format!("{base}mode = \"fil\"\n"),
            "s.toml:8:8: workload.mode: unknown variant `fil`, expected `replay` or `fill`",
        ),
        (
            format!("{base}mode = \"fill\"\ntarget_demand = -1.0\n"),
            "s.toml:9: workload.target_demand: -1 is not accepted; give a number above 0 and at most 100",
        ),
        (
            format!("horizon = \"1h\"\n{base}mode = \"fill\"\n"),
            "s.toml:1: horizon: a fill run stops after its last arrival",
        ),
        (
            format!("{base}swf_processor = \"tpu\"\n"),
            "s.toml:8: workload.swf_processor: unknown SWF processor unit `tpu`",
        ),
        (
            format!("{base}swf_size = \"max\"\n"),
            "s.toml:8: workload.swf_size: unknown SWF size rule `max`",
        ),
        (
            format!("{base}[workload.synthetic]\njobs = 5\n"),
            "s.toml:8: workload.synthetic: give either trace or [workload.synthetic], not both",
        ),
        (
            format!("name = \"x\"\n{CLUSTER}[workload.synthetic]\njobs = 5\nfamily = \"hpc\"\n"),
            "s.toml:8: workload.synthetic.family: unknown workload family `hpc`",
        ),
        (
            format!("name = \"x\"\n{CLUSTER}[workload.synthetic]\nsizez = {{ 1 = 1 }}\n"),
            "unknown key `sizez` in [workload.synthetic] (did you mean `sizes`?)",
        ),
        (
            base.replace("racks = 1\n", "nodes_format = \"pai\"\n"),
            "s.toml:3: cluster.nodes_format: names the format of a nodes_file; give nodes_file",
        ),
    ];
    for (scenario, expected) in cases {
        let dir = with_files(&[
            ("s.toml", &scenario),
            ("t.csv", "job_id,submit_s,duration_s,tasks,gpus_per_task\na,0,1,1,1\n"),
        ]);
        assert_bad(&clustersim(&["validate", "s.toml"], dir.path()), expected);
    }
}

#[test]
fn the_example_scenarios_validate() {
    let examples = concat!(env!("CARGO_MANIFEST_DIR"), "/examples");
    for (file, expected) in [
        ("openb-fill.toml", "1213 nodes, 6212 GPUs"),
        ("openb-fill-mig.toml", "16 racks, 128 nodes, 1024 GPUs"),
        ("kth-sp2.toml", "5 racks, 25 nodes, 100 GPUs"),
        ("synthetic.toml", "workload: 5000 jobs from [workload.synthetic]"),
    ] {
        let output = clustersim(&["validate", &format!("{examples}/{file}")], Path::new("."));
        assert!(output.status.success(), "{file}: {}", stderr(&output));
        assert!(stdout(&output).contains(expected), "{file}: {}", stdout(&output));
    }
}

/// `trace generate` writes no more jobs than a run may replay (`limits.jobs`): a hundred million
/// is refused before anything is written, not generated into a temporary file without end.
#[test]
fn generate_refuses_more_jobs_than_a_run_may_replay() {
    let dir = with_files(&[]);
    let output = clustersim(
        &[
            "trace",
            "generate",
            "--gpus",
            "8",
            "--set",
            "jobs=100000000",
            "--out",
            "t.csv",
        ],
        dir.path(),
    );
    assert_bad(&output, "trace generate: jobs = 100000000 is more than limits.jobs = ");
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}

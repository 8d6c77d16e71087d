//! Sweep throughput: a 1,000-run sweep (2 policies × 2 cluster sizes × 250 seeds) of a small
//! scenario (300 synthetic jobs on 8 or 16 nodes of 8 GPUs), on 1 and 2 threads. Criterion
//! reports runs/s (one element = one run); the ratio of the two is the parallel speed-up.
//! Rows stream to the journal as runs finish, so memory does not grow with the run count.

mod common;

use criterion::{Criterion, criterion_group, criterion_main};
use scenarios::sweep::expand::{Source, plan};

const RUNS: u64 = 1_000;

const SCENARIO: &str = "name = \"bench\"\nseed = 1\n[cluster]\nracks = 1\nnodes_per_rack = 8\n\
                        node = { gpus = 8, gpu_type = \"A100-80GB\" }\n[workload]\ntrace = \"trace.csv\"\n\
                        [output]\nsample_interval = \"1h\"\n[sweep]\nseeds = 250\n\
                        grid = { \"policy.name\" = [\"first-fit\", \"best-fit\"], \"cluster.racks\" = [1, 2] }\n";

/// The benchmark's jobs as a native trace.
fn trace() -> String {
    let mut text = String::from("job_id,submit_s,duration_s,tasks,gpus_per_task\n");
    for job in benches::synthetic_jobs(300, 64, 0.9, 7) {
        let gpus = job.task.gpu_milli() as f64 / 1000.0;
        text.push_str(&format!(
            "{},{},{},{},{gpus}\n",
            job.id, job.submit, job.duration, job.tasks
        ));
    }
    text
}

fn sweep(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("a temporary folder");
    std::fs::write(dir.path().join("trace.csv"), trace()).expect("the trace is written");
    let source = Source {
        text: SCENARIO,
        origin: "bench.toml",
        base_dir: Some(dir.path().to_path_buf()),
    };
    let plan = plan(&source, &[], None).expect("the benchmark scenario is valid");
    assert_eq!(plan.runs(), RUNS);
    common::sweep_on_one_and_two_threads(c, "sweep_1000_runs", &plan, &dir.path().join("out"), RUNS);
}

criterion_group! {
    name = benches;
    // No HTML plots: the figures are read from the terminal, and criterion's plotters backend
    // cannot find a font once `reports` turns on plotters' embedded-font (`ab_glyph`) mode.
    config = Criterion::default().without_plots();
    targets = sweep
}
criterion_main!(benches);

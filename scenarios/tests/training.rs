//! The training job model end to end, worked by hand: checkpoint writes, lost work, detection,
//! waiting for nodes and warm-up, per job (`jobs.csv`'s split) and per run (`summary.json`).

use scenarios::load_str;
use scenarios::run::{ScenarioRun, run};
use sim_core::SimTime;

/// One 8-GPU job of 10 h of work on `nodes` nodes; a checkpoint every 1 h of work takes 6 min
/// to write; detection 10 min, warm-up 15 min; node r0-n0 (where first-fit puts the job) fails
/// at 2 h 30 min for 1 h.
fn run_on(nodes: u32) -> ScenarioRun {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("t.csv"),
        "job_id,submit_s,duration_s,tasks,gpus_per_task,checkpoint_s\nj,0,36000,1,8,3600\n",
    )
    .unwrap();
    let text = format!(
        "name = \"training\"\n[cluster]\nracks = 1\nnodes_per_rack = {nodes}\n\
         node = {{ gpus = 8, gpu_type = \"H100-80GB\" }}\n[workload]\ntrace = \"t.csv\"\n\
         [policy]\nname = \"first-fit\"\n[training]\ncheckpoint_cost = \"6m\"\nwarmup = \"15m\"\n\
         [faults]\nrestart_overhead = \"10m\"\n\
         [[faults.incident]]\nat = \"150m\"\nkind = \"node-failure\"\ntarget = \"r0-n0\"\nduration = \"1h\"\n"
    );
    let loaded = load_str(&text, "s.toml", Some(dir.path().to_path_buf()), &[]).unwrap();
    run(&loaded).unwrap()
}

const MIN: f64 = 60.0;

#[test]
fn a_failure_costs_the_work_since_the_last_written_checkpoint_detection_and_warm_up() {
    // Job time is cycles of 60 min work + 6 min write: at 150 min two cycles are done (132 min,
    // 2 h of work saved) and 18 min of the third interval are lost. Held 10 min (to 160 min),
    // it restarts at once on r0-n1, warms up 15 min, then runs the rest of its job time:
    // 10 h of work + 9 writes = 654 min, less the 132 saved = 522 min. It ends at
    // 160 + 15 + 522 = 697 min. Of those 697 min: 600 useful, 54 writing (9 × 6), 18 lost,
    // 10 detection, 15 warm-up, no waiting.
    let result = run_on(2);
    let job = &result.record.jobs[0];
    assert_eq!(job.end, Some(SimTime::from_secs(697 * 60)));
    let s = job.split;
    assert_eq!(
        (
            s.useful_s,
            s.checkpoint_s,
            s.lost_s,
            s.detection_s,
            s.waiting_s,
            s.warmup_s
        ),
        (600.0 * MIN, 54.0 * MIN, 18.0 * MIN, 10.0 * MIN, 0.0, 15.0 * MIN)
    );
    assert_eq!(s.wall_s, 697.0 * MIN);
    assert_eq!(s.ettr(), Some(600.0 / 697.0));
    // Goodput: useful ÷ time holding the GPUs (150 + 15 + 522 = 687 min).
    assert_eq!(s.goodput(), Some(600.0 / 687.0));
    assert_eq!(job.lost_gpu_s, 18.0 * MIN * 8.0);
    let summary = &result.record.summary;
    assert_eq!(summary.ettr, Some(600.0 / 697.0));
    // GPU-hours: 54 min × 8 GPUs = 7.2, 10 min × 8, 15 min × 8 = 2.
    assert!((summary.checkpoint_gpu_hours - 7.2).abs() < 1e-9);
    assert!((summary.detection_gpu_hours - 80.0 / 60.0).abs() < 1e-9);
    assert!((summary.warmup_gpu_hours - 2.0).abs() < 1e-9);
    assert_eq!(summary.rescheduling_gpu_hours, 0.0);
}

#[test]
fn with_no_other_node_the_job_waits_for_the_repair() {
    // One node: requeued at 160 min, the job waits for its node until 210 min (50 min of
    // rescheduling), then warms up and runs 522 min: it ends at 747 min.
    let result = run_on(1);
    let job = &result.record.jobs[0];
    assert_eq!(job.end, Some(SimTime::from_secs(747 * 60)));
    assert_eq!((job.split.waiting_s, job.split.wall_s), (50.0 * MIN, 747.0 * MIN));
    assert_eq!(job.split.ettr(), Some(600.0 / 747.0));
}

/// The job of `run_on(2)` with asynchronous checkpoints: each write takes 6 min at half speed
/// (3 min of the job's time lost to it, the checkpoint counting 3 min after that); r0-n0 fails
/// at `at_min` minutes.
fn run_async(at_min: u32) -> ScenarioRun {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("t.csv"),
        "job_id,submit_s,duration_s,tasks,gpus_per_task,checkpoint_s\nj,0,36000,1,8,3600\n",
    )
    .unwrap();
    let text = format!(
        "name = \"async\"\n[cluster]\nracks = 1\nnodes_per_rack = 2\n\
         node = {{ gpus = 8, gpu_type = \"H100-80GB\" }}\n[workload]\ntrace = \"t.csv\"\n\
         [policy]\nname = \"first-fit\"\n[training]\ncheckpoint_cost = \"6m\"\ncheckpoint_mode = \"async\"\n\
         checkpoint_slowdown = 0.5\nwarmup = \"15m\"\n[faults]\nrestart_overhead = \"10m\"\n\
         [[faults.incident]]\nat = \"{at_min}m\"\nkind = \"node-failure\"\ntarget = \"r0-n0\"\nduration = \"1h\"\n"
    );
    let loaded = load_str(&text, "s.toml", Some(dir.path().to_path_buf()), &[]).unwrap();
    run(&loaded).unwrap()
}

#[test]
fn an_asynchronous_checkpoint_costs_its_slowdown_and_counts_when_its_write_ends() {
    // Job time is cycles of 60 min work + 3 min (half of a 6 min write): the checkpoints at
    // 63 and 126 min count from 66 and 129 min. Failing at 128 min, the second has not counted:
    // the job goes back to 63 min (1 h of work saved) and loses 65 min. Held 10 min (to 138),
    // warm-up 15 min (to 153), then the rest of its job time: 10 h + 9 × 3 min = 627 min, less
    // 63 = 564 min: it ends at 717 min = 600 useful + 27 writing (9 × 3) + 65 lost + 10 + 15.
    let job = &run_async(128).record.jobs[0];
    assert_eq!(job.end, Some(SimTime::from_secs(717 * 60)));
    let s = job.split;
    assert_eq!(
        (s.useful_s, s.checkpoint_s, s.lost_s, s.detection_s, s.warmup_s),
        (600.0 * MIN, 27.0 * MIN, 65.0 * MIN, 10.0 * MIN, 15.0 * MIN)
    );
    // Failing at 130 min, after the second write ended: back to 126 min, 4 min lost; it ends
    // at 130 + 10 + 15 + (627 − 126) = 656 min.
    let job = &run_async(130).record.jobs[0];
    assert_eq!(job.end, Some(SimTime::from_secs(656 * 60)));
    assert_eq!((job.split.lost_s, job.split.checkpoint_s), (4.0 * MIN, 27.0 * MIN));
}

/// The error `load_str` gives for a scenario with `extra` appended.
fn load_error(extra: &str) -> String {
    let text = format!(
        "name = \"bad\"\n[cluster]\nracks = 1\nnodes_per_rack = 1\nnode = {{ gpus = 8, gpu_type = \"H100\" }}\n\
         [workload.synthetic]\njobs = 1\n{extra}"
    );
    match load_str(&text, "s.toml", None, &[]) {
        Ok(_) => panic!("accepted: {extra}"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn bad_cause_tables_and_training_keys_name_their_line_and_key() {
    // Line 8 is [faults], 9 the table header, 10–12 its keys.
    let gpu_without_repair = "[faults]\n[[faults.causes]]\nname = \"x\"\ndomain = \"gpu\"\nrate_per_day = 0.001\n";
    let error = load_error(gpu_without_repair);
    assert!(error.contains("s.toml:9: faults.causes[0].mttr"), "{error}");
    let job_with_repair =
        "[faults]\n[[faults.causes]]\nname = \"x\"\ndomain = \"job\"\nrate_per_day = 1\nmttr = \"1h\"\n";
    let error = load_error(job_with_repair);
    assert!(
        error.contains("s.toml:13: faults.causes[0].mttr: a job-only cause"),
        "{error}"
    );
    let too_fast = "[faults]\n[[faults.causes]]\nname = \"x\"\ndomain = \"job\"\nrate_per_day = 100\n";
    let error = load_error(too_fast);
    assert!(error.contains("s.toml:12: faults.causes[0].rate_per_day"), "{error}");
    let error = load_error("[training]\ncheckpoint_interval = \"0s\"\n");
    assert!(error.contains("s.toml:9: training.checkpoint_interval"), "{error}");
    let error = load_error("[training]\ncheckpoint_mode = \"async\"\n");
    assert!(error.contains("s.toml:9: training.checkpoint_mode"), "{error}");
    let error = load_error("[training]\ncheckpoint_slowdown = 0.5\n");
    assert!(
        error.contains("s.toml:9: training.checkpoint_slowdown: only with"),
        "{error}"
    );
    let error = load_error("[training]\ncheckpoint_mode = \"async\"\ncheckpoint_slowdown = 1.5\n");
    assert!(
        error.contains("s.toml:10: training.checkpoint_slowdown: 1.5"),
        "{error}"
    );
}

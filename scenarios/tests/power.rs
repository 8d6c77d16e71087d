//! Rack power budgets that can never hold a job: the job is refused at its arrival
//! (`never-fits`), as a job wider than the cluster is, instead of waiting to the end of the run.

use scenarios::load_str;
use scenarios::run::run;
use sim_core::SimTime;

/// One rack of one 8-GPU A100-80GB node under `budget_kw` in `mode`, first fit, the jobs of
/// `trace` (native CSV rows after the header).
fn run_under(budget_kw: f64, mode: &str, trace: &str) -> scenarios::run::ScenarioRun {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("t.csv"),
        format!("job_id,submit_s,duration_s,tasks,gpus_per_task\n{trace}"),
    )
    .unwrap();
    let text = format!(
        "name = \"power\"\n[cluster]\nracks = 1\nnodes_per_rack = 1\nnode = {{ gpus = 8, gpu_type = \"A100-80GB\" }}\n\
         [workload]\ntrace = \"t.csv\"\n[policy]\nname = \"first-fit\"\n\
         [power]\nrack_budget_kw = {budget_kw}\nmode = \"{mode}\"\n"
    );
    let loaded = load_str(&text, "s.toml", Some(dir.path().to_path_buf()), &[]).unwrap();
    run(&loaded).unwrap()
}

#[test]
fn a_job_no_budget_could_ever_power_never_fits() {
    // The node draws 1.4 kW idle and 4.8 kW with all 8 GPUs busy (docs/models.md §2): 0.425 W
    // per milli-GPU. A 3 kW budget leaves 1.6 kW: 3,764 milli-GPU at most. `a` (8 GPUs) and
    // `b` (4 GPUs) can never start: never-fits at arrival. `c` (2 GPUs) runs 10 → 110.
    let result = run_under(3.0, "admit", "a,0,100,1,8\nb,5,100,1,4\nc,10,100,1,2\n");
    let jobs = &result.record.jobs;
    let states: Vec<&str> = jobs.iter().map(|j| j.state.as_str()).collect();
    assert_eq!(states, ["never-fits", "never-fits", "completed"]);
    assert_eq!(jobs[2].end, Some(SimTime::from_secs(110)));
    assert_eq!(result.record.summary.jobs_never_fit, 2);
    // Under `cap` the rack may slow its GPUs to their lowest cap, 100 W each: 2.4 kW with all 8
    // busy, 0.125 W per milli-GPU. A 2 kW budget leaves 0.6 kW: 4,800 milli-GPU, so `a` still
    // never fits, while `b` (4 GPUs) runs, slowed.
    let result = run_under(2.0, "cap", "a,0,100,1,8\nb,5,100,1,4\n");
    let states: Vec<&str> = result.record.jobs.iter().map(|j| j.state.as_str()).collect();
    assert_eq!(states, ["never-fits", "completed"]);
    // A budget below the idle power (0.5 kW) holds no GPU at all.
    let result = run_under(0.5, "admit", "c,0,100,1,2\n");
    assert_eq!(result.record.jobs[0].state.as_str(), "never-fits");
}

//! Failures end to end, each expectation worked out by hand in its comment: checkpoint
//! accounting, a leaf switch failure, common random numbers across policies, and a hand-traced
//! cascade with and without the circuit breaker.

use scenarios::load_str;
use scenarios::run::{ScenarioRun, run};
use sim_core::SimTime;
use sim_core::faults::{Cause, IncidentRow};
use sim_core::metrics::JobRow;

const HEADER: &str = "job_id,submit_s,duration_s,tasks,gpus_per_task,mem_gib_per_task,checkpoint_s\n";

/// Runs `scenario` (TOML after the name) with `trace` (native CSV rows after the header).
fn run_with(scenario: &str, trace: &str) -> ScenarioRun {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("t.csv"), format!("{HEADER}{trace}")).unwrap();
    let text = format!("name = \"faults\"\n{scenario}");
    let loaded = load_str(&text, "s.toml", Some(dir.path().to_path_buf()), &[]).unwrap();
    run(&loaded).unwrap()
}

fn job<'a>(run: &'a ScenarioRun, id: &str) -> &'a JobRow {
    run.record.jobs.iter().find(|j| j.job_id == id).unwrap()
}

fn hours(h: f64) -> SimTime {
    SimTime::from_secs_f64(h * 3600.0).unwrap()
}

/// (unit, kind, cause, parent) of each incident.
fn chain(incidents: &[IncidentRow]) -> Vec<(String, &str, &'static str, Option<u32>)> {
    incidents
        .iter()
        .map(|i| (i.unit.clone(), &*i.kind, i.cause.name(), i.cause.parent()))
        .collect()
}

#[test]
fn a_failure_at_2_5_h_loses_half_an_hour_per_gpu_and_the_finish_moves_by_the_repair() {
    // One node of 8 GPUs; a 4 h job on all 8 with a 1 h checkpoint interval starts at 0.
    // The node fails at 2.5 h for 1 h: the checkpoint at 2 h holds, so 0.5 h × 8 GPUs = 4
    // GPU-hours = 14,400 GPU-s are lost. The job is held for the 10 min restart overhead
    // (until 2 h 40 min), waits for the node (back at 3.5 h), restarts from 2 h of work with
    // 2 h left and finishes at 3.5 + 2 = 5.5 h.
    let run = run_with(
        "[cluster]\nracks = 1\nnodes_per_rack = 1\nnode = { gpus = 8, gpu_type = \"A100\" }\n\
         [workload]\ntrace = \"t.csv\"\n\
         [faults]\nrestart_overhead = \"10m\"\n\
         [[faults.incident]]\nat = \"2h30m\"\nkind = \"node-failure\"\ntarget = \"r0-n0\"\nduration = \"1h\"\n",
        "train,0,14400,1,8,0,3600\n",
    );
    let train = job(&run, "train");
    assert_eq!(train.lost_gpu_s, 14_400.0);
    assert_eq!(train.restarts, 1);
    assert_eq!(train.end, Some(hours(5.5)));
    assert_eq!(run.record.summary.lost_gpu_hours, 4.0);
    assert_eq!(run.record.summary.interruptions, 1);
    assert_eq!(run.record.summary.node_failures, Some(1));
    let node = &run.record.incidents[0];
    assert_eq!((node.jobs_killed, node.jobs_requeued, node.nodes_down), (1, 1, 1));
    assert_eq!(node.end, Some(hours(3.5)));
}

#[test]
fn a_node_down_lowers_the_allocation_of_the_installed_capacity_not_of_what_is_up() {
    // Two nodes of 8 GPUs (16 installed); one 4 h job on 8 GPUs starts at 0 on r0-n0 (first
    // fit). r0-n1, idle, is down from 1 h to 3 h. Window [0, 4 h]:
    // - allocated 8 GPUs × 4 h = 32 GPU-h; installed 16 × 4 h = 64 GPU-h → gpu_alloc_ratio
    //   32 / 64 = 0.5, and gpu_util the same (speed 1, nothing lost);
    // - up 64 − 8 GPUs × 2 h = 48 GPU-h → gpu_capacity_up 48 / 64 = 0.75 and gpu_alloc_of_up
    //   32 / 48 = 2/3 (what gpu_alloc_ratio read when it divided by the capacity up).
    let run = run_with(
        "[cluster]\nracks = 1\nnodes_per_rack = 2\nnode = { gpus = 8, gpu_type = \"A100\" }\n\
         [workload]\ntrace = \"t.csv\"\n\
         [faults]\n\
         [[faults.incident]]\nat = \"1h\"\nkind = \"node-failure\"\ntarget = \"r0-n1\"\nduration = \"2h\"\n",
        "train,0,14400,1,8,0,0\n",
    );
    let s = &run.record.summary;
    assert_eq!(s.makespan_s, 14_400.0);
    assert_eq!(s.max_nodes_down, Some(1));
    assert_eq!((s.gpu_alloc_ratio, s.gpu_util), (0.5, 0.5));
    assert_eq!(s.gpu_capacity_up, 0.75);
    assert!((s.gpu_alloc_of_up - 2.0 / 3.0).abs() < 1e-12, "{}", s.gpu_alloc_of_up);
}

#[test]
fn a_tor_failure_kills_exactly_the_multi_node_jobs_through_its_rack() {
    // 2 racks × 2 nodes × 4 GPUs, first fit, all jobs at 0:
    //   single (1 × 4 GPUs, 5 h) → r0-n0;
    //   cross  (2 × 4 GPUs, 2 h) → r0-n1 + r1-n0, a gang through both racks;
    //   inside (2 × 2 GPUs, 5 h) → both tasks on r1-n1, inside one node.
    // r0's leaf switch fails at 1 h for 2 h. Only `cross` spans nodes with a task in r0: it dies
    // (no checkpoint: 1 h × 8 GPUs = 28,800 GPU-s lost); `single` goes on inside its node, and
    // `inside` never touches r0. `cross` is requeued at 1 h (no restart overhead) but r0-n1 is
    // cut off and nothing else is free; the repair at 3 h gives it back, so `cross` restarts at
    // 3 h and ends at 5 h, with `single` and `inside`.
    let run = run_with(
        "[cluster]\nracks = 2\nnodes_per_rack = 2\nnode = { gpus = 4, gpu_type = \"A100\" }\n\
         [workload]\ntrace = \"t.csv\"\n\
         [faults]\nrestart_overhead = \"0s\"\n\
         [[faults.incident]]\nat = \"1h\"\nkind = \"tor-failure\"\ntarget = \"r0\"\nduration = \"2h\"\n",
        "single,0,18000,1,4,0,0\ncross,0,7200,2,4,0,0\ninside,0,18000,2,2,0,0\n",
    );
    assert_eq!(job(&run, "cross").nodes, "r0-n1+r1-n0");
    assert_eq!(job(&run, "inside").nodes, "r1-n1+r1-n1");
    for (id, restarts, lost, end) in [
        ("single", 0, 0.0, 5.0),
        ("cross", 1, 28_800.0, 5.0),
        ("inside", 0, 0.0, 5.0),
    ] {
        let row = job(&run, id);
        assert_eq!(
            (row.restarts, row.lost_gpu_s, row.end),
            (restarts, lost, Some(hours(end))),
            "{id}"
        );
    }
    let tor = &run.record.incidents[0];
    assert_eq!(
        (tor.component, tor.unit.as_str(), &*tor.kind),
        ("tor", "r0", "tor-failure")
    );
    assert_eq!((tor.jobs_killed, tor.jobs_requeued, tor.nodes_down), (1, 1, 0));
    assert_eq!(tor.end, Some(hours(3.0)));
    // A cut-off node is not down.
    assert_eq!(run.record.summary.node_failures, Some(0));
}

#[test]
fn failure_times_do_not_depend_on_the_policy() {
    // Random node and GPU failures on 8 nodes over a synthetic workload: the runs differ (the
    // digests), but every random failure happens at the same time to the same unit. (The
    // horizon: a job of years without checkpoints never outlives 2-day node lifetimes.)
    let scenario = |policy: &str| {
        format!(
            "seed = 11\nhorizon = \"20d\"\n[cluster]\nracks = 2\nnodes_per_rack = 4\nnode = {{ gpus = 8, gpu_type = \"A100\" }}\n\
             [workload.synthetic]\njobs = 400\nload = 0.9\n[policy]\nname = \"{policy}\"\n\
             [faults]\n[[faults.random]]\ncomponent = \"node\"\nmtbf = \"2d\"\ndistribution = \"weibull\"\nmttr = \"4h\"\nrepair = \"lognormal\"\n\
             [[faults.random]]\ncomponent = \"gpu\"\nmtbf = \"20d\"\nmttr = \"1h\"\n"
        )
    };
    let runs: Vec<ScenarioRun> = ["first-fit", "worst-fit"]
        .iter()
        .map(|policy| {
            let loaded = load_str(&format!("name = \"crn\"\n{}", scenario(policy)), "s.toml", None, &[]).unwrap();
            run(&loaded).unwrap()
        })
        .collect();
    assert_ne!(runs[0].record.event_digest, runs[1].record.event_digest);
    let random = |r: &ScenarioRun| -> Vec<(SimTime, String)> {
        r.record
            .incidents
            .iter()
            .filter(|i| i.cause == Cause::Random)
            .map(|i| (i.at, i.unit.clone()))
            .collect()
    };
    let (a, b) = (random(&runs[0]), random(&runs[1]));
    let common = a.len().min(b.len());
    assert!(common >= 10, "{common} random failures");
    assert_eq!(a[..common], b[..common]);
}

/// The hand-traced cascade: six nodes of 8 GPUs and 100 GiB; jobs of 2 GPUs and 30 GiB, so
/// a node holds three by request. First fit, all at 0 (positions in brackets):
///   n0: a0 a1 a2 [0–2]; n1: b0 b1 x1 [3–5]; n2: c0 c1 x2 [6–8]; n3: d0 d1 x3 [9–11];
///   n4: e0 e1 x4 [12–14]; n5 empty. The x jobs end at 10 min, leaving one free slot on n1–n4.
/// A restarted job uses 1.5 × 30 = 45 GiB: two jobs and one restarted one need 105 GiB.
const CASCADE_TRACE: &str = "a0,0,36000,1,2,30,0\na1,0,36000,1,2,30,0\na2,0,36000,1,2,30,0\n\
    b0,0,36000,1,2,30,0\nb1,0,36000,1,2,30,0\nx1,0,600,1,2,30,0\n\
    c0,0,36000,1,2,30,0\nc1,0,36000,1,2,30,0\nx2,0,600,1,2,30,0\n\
    d0,0,36000,1,2,30,0\nd1,0,36000,1,2,30,0\nx3,0,600,1,2,30,0\n\
    e0,0,36000,1,2,30,0\ne1,0,36000,1,2,30,0\nx4,0,600,1,2,30,0\n";

fn cascade(mitigation: &str) -> ScenarioRun {
    run_with(
        &format!(
            "horizon = \"1h20m\"\n[cluster]\nracks = 1\nnodes_per_rack = 6\n\
             node = {{ gpus = 8, gpu_type = \"A100\", mem_gib = 100 }}\n\
             [workload]\ntrace = \"t.csv\"\n\
             [faults]\nrestart_overhead = \"1m\"\n\
             [faults.cascade]\nusage_factor = 1.5\noverload_delay = \"30s\"\nrecovery = \"30m\"\n{mitigation}\n\
             [[faults.incident]]\nat = \"1h\"\nkind = \"node-failure\"\ntarget = \"r0-n0\"\n"
        ),
        CASCADE_TRACE,
    )
}

#[test]
fn one_failure_cascades_through_the_free_slots() {
    // 1 h: n0 fails, a0 a1 a2 are held for 1 min.
    // 1 h 1 min: first fit puts a0 on n1, a1 on n2, a2 on n3 (one free slot each): each holds
    //   60 + 45 = 105 GiB > 100, so 30 s later, at 1 h 1 min 30 s, n1, n2, n3 go down (cascade
    //   of incident 0), killing 3 jobs each.
    // 1 h 2 min 30 s: the nine return in queue order a0 a1 a2 b0 b1 c0 c1 d0 d1; only n4 (one
    //   slot) and n5 (three) are up: a0 → n4 (105 GiB), a1 a2 b0 → n5 (3 × 45 = 135 GiB); the
    //   rest wait. At 1 h 3 min n4 and n5 go down: a0 and b0, which pushed them over, were
    //   killed by n1 (incident 1). Every node is down; nothing else fails before the horizon.
    let run = cascade("");
    let node = |i: u32| format!("r0-n{i}");
    assert_eq!(
        chain(&run.record.incidents),
        vec![
            (node(0), "node-failure", "scripted", None),
            (node(1), "overload", "cascade", Some(0)),
            (node(2), "overload", "cascade", Some(0)),
            (node(3), "overload", "cascade", Some(0)),
            (node(4), "overload", "cascade", Some(1)),
            (node(5), "overload", "cascade", Some(1)),
        ]
    );
    let at: Vec<SimTime> = run.record.incidents.iter().map(|i| i.at).collect();
    let t = |m: f64| SimTime::from_secs_f64(3600.0 + m * 60.0).unwrap();
    assert_eq!(at, vec![t(0.0), t(1.5), t(1.5), t(1.5), t(3.0), t(3.0)]);
    assert_eq!(run.record.summary.max_nodes_down, Some(6));
    assert_eq!(run.record.incidents[1].jobs_killed, 3);
}

#[test]
fn the_breaker_stops_the_cascade_at_the_third_failure_in_the_window() {
    // Same chain with a breaker tolerating 2 node failures in 10 min: n0 (1) and n1 (2) pass,
    // n2 (3 > 2) opens it until 1 h 1 min 30 s + 30 min, and n3 (4) keeps it open. The nine
    // jobs n1–n3 killed come back at 1 h 2 min 30 s to a paused queue and stay held: n4 and n5
    // never overload. Four nodes down, one trip, nine jobs waiting at the horizon.
    let run = cascade("[faults.breaker]\nfailures = 2\nwindow = \"10m\"\npause = \"30m\"");
    assert_eq!(run.record.incidents.len(), 4);
    assert_eq!(run.record.summary.max_nodes_down, Some(4));
    assert_eq!(run.record.summary.breaker_trips, Some(1));
    assert_eq!(run.record.summary.jobs_pending_at_end, 9);
    assert!(
        run.record
            .incidents
            .iter()
            .all(|i| i.jobs_requeued == 0 || i.unit == "r0-n0")
    );
}

#[test]
fn memory_limits_stop_the_cascade_at_its_source() {
    // Held to their requests, the restarted jobs fill n1–n3's free slots with 90 GiB each:
    // nothing overloads, only the scripted failure happens.
    let run = cascade("memory_limits = true");
    assert_eq!(run.record.incidents.len(), 1);
    assert_eq!(run.record.summary.max_nodes_down, Some(1));
}

#[test]
fn bad_fault_settings_name_the_file_line_and_key() {
    let base = "name = \"t\"\n[cluster]\nracks = 1\nnodes_per_rack = 2\nnode = { gpus = 4, gpu_type = \"A100\" }\n\
                [workload]\ntrace = \"t.csv\"\n[faults]\n";
    let error = |faults: &str| match load_str(&format!("{base}{faults}"), "s.toml", None, &[]) {
        Err(e) => e.to_string(),
        Ok(loaded) => match run(&loaded) {
            Err(e) => e.to_string(),
            Ok(_) => panic!("{faults} was accepted"),
        },
    };
    assert_eq!(
        error("[[faults.incident]]\nat = \"1h\"\nkind = \"node-failure\"\ntarget = \"r9-n9\"\n"),
        "s.toml:12: faults.incident[0].target: no node called `r9-n9` (names look like `r0-n0`; or give \"random\" or a count)"
    );
    assert_eq!(
        error("[[faults.random]]\ncomponent = \"node\"\nmtbf = \"0s\"\nmttr = \"1h\"\n"),
        "s.toml:11: faults.random[0].mtbf: \"0s\" is too short: give at least \"1h\" (units failing faster than jobs \
         can run never let a run end)"
    );
    assert_eq!(
        error("[[faults.incident]]\nat = \"1h\"\nkind = \"cooling-failure\"\ntarget = \"r0\"\n"),
        "s.toml:11: faults.incident[0].kind: cooling failures act through the thermal model: add [thermal]"
    );
    assert!(
        error("[[faults.random]]\ncomponent = \"nod\"\nmtbf = \"1d\"\nmttr = \"1h\"\n")
            .starts_with("s.toml:10:13: faults.random.component: unknown variant `nod`, expected one of `gpu`, `node`"),
    );
    // Two sources of one stream would not add their rates: refused, the second named.
    let node = "[[faults.random]]\ncomponent = \"node\"\nmtbf = \"5d\"\nmttr = \"1h\"\n";
    assert_eq!(
        error(&format!("{node}{node}")),
        "s.toml:14: faults.random[1].component: a second table for `node`: give one table per component class \
         (two would draw from one stream, not add their rates)"
    );
    let cause = "[[faults.causes]]\nname = \"x\"\ndomain = \"job\"\nrate_per_day = 0.02\n";
    assert_eq!(
        error(&format!("{cause}{cause}")),
        "s.toml:14: faults.causes[1].name: another cause is also called `x`: give each its own name (a cause's name \
         is its random stream)"
    );
    // Messages of the TOML reader name the key: a single table where a list is expected, a
    // duration's unit; a huge number is shown in scientific notation.
    assert_eq!(
        error("[faults.incident]\nat = \"1h\"\nkind = \"node-failure\"\ntarget = \"r0-n0\"\n"),
        "s.toml:9:1: faults.incident: expected a sequence, found map: a list of tables, each entry headed \
         [[faults.incident]]"
    );
    assert_eq!(
        error("[[faults.incident]]\nat = \"1h\"\nkind = \"node-failure\"\ntarget = \"r0-n0\"\nduration = \"9x\"\n"),
        "s.toml:13:12: faults.incident.duration: unknown unit `x` in `9x`: use us, ms, s, m, h, d or w"
    );
    assert!(
        error("[[faults.causes]]\nname = \"x\"\ndomain = \"job\"\nrate_per_day = 1e300\n")
            .starts_with("s.toml:12: faults.causes[0].rate_per_day: 1e300 is not accepted;")
    );
    // A target set by --set is the flag's fault, not the file line's (which names a good one);
    // a count written as text is told how to write it.
    let incident = "[[faults.incident]]\nat = \"1h\"\nkind = \"node-failure\"\ntarget = \"r0-n0\"\n";
    let set = |flag: &str| {
        let loaded = load_str(&format!("{base}{incident}"), "s.toml", None, &[flag.parse().unwrap()]).unwrap();
        run(&loaded).err().unwrap().to_string()
    };
    assert_eq!(
        set("faults.incident[0].target=\"r9-n9\""),
        "s.toml with --set faults.incident[0].target=\"r9-n9\": faults.incident[0].target: no node called `r9-n9` \
         (names look like `r0-n0`; or give \"random\" or a count)"
    );
    assert!(
        set("faults.incident[0].target=\"2\"").ends_with("; a count is a number without quotes: target = 2"),
        "{}",
        set("faults.incident[0].target=\"2\"")
    );
}

/// A `[faults]` section with nothing that can fail reports its failure metrics as zeros and
/// writes an `incidents.csv` of its header alone, so it compares with runs that have failures;
/// without the section they are absent (null).
#[test]
fn declared_faults_with_no_source_report_zeros() {
    let cluster = "[cluster]\nracks = 1\nnodes_per_rack = 1\nnode = { gpus = 8, gpu_type = \"A100\" }\n\
                   [workload]\ntrace = \"t.csv\"\n";
    let trace = "j1,0,3600,1,8,10,0\n";
    let declared = run_with(&format!("{cluster}[faults]\nincident = []\n"), trace);
    let summary = &declared.record.summary;
    assert_eq!(
        (
            summary.node_failures,
            summary.incidents,
            summary.max_nodes_down,
            summary.breaker_trips
        ),
        (Some(0), Some(0), Some(0), Some(0))
    );
    assert!(declared.record.faults_active);
    let absent = run_with(cluster, trace);
    assert_eq!(absent.record.summary.node_failures, None);
    assert!(!absent.record.faults_active);
}

/// A failed cooling unit removes no heat, so nothing brings the rack's inlet back to the supply
/// temperature while it is out, even once every node has shut down and the rack draws nothing:
/// on the thermal-throttle scenario with its rack's cooling out from 3 h to 8 h, every inlet
/// sample of that window is at least the one before. (Relaxing whenever the rack drew no more
/// than its cooling, 0 ≤ 0, took the inlet from about 79 °C back to 24 °C within half an hour,
/// and the recovered nodes overheated again, four times over.)
#[test]
fn a_rack_without_cooling_holds_its_inlet() {
    let overrides: Vec<scenarios::Override> = [
        "faults.incident=[{at=\"3h\",kind=\"cooling-failure\",target=\"r0\",duration=\"5h\"}]",
        "horizon=\"9h\"",
    ]
    .iter()
    .map(|o| o.parse().unwrap())
    .collect();
    let loaded = scenarios::load_file(std::path::Path::new("library:thermal-throttle"), &overrides).unwrap();
    let outcome = run(&loaded).unwrap();
    let inlets: Vec<f64> = outcome
        .record
        .racks
        .iter()
        .filter(|r| r.rack.index() == 0 && r.t >= hours(3.0) && r.t < hours(8.0))
        .map(|r| r.inlet_c.unwrap())
        .collect();
    assert!(inlets.len() >= 50, "{} samples", inlets.len());
    assert!(inlets.windows(2).all(|w| w[1] >= w[0]), "{inlets:?}");
    assert!(inlets.last().unwrap() > &60.0, "{inlets:?}");
}

/// A capped GPU that reaches the hardware slowdown threshold slows down, however wide the
/// hysteresis: one H100 node (max-op 87 °C, slowdown 89, shutdown 92) whose rack cooling (7.5 kW)
/// is short of its 8-GPU job's draw, with `hysteresis_c = 8`, so that the cap would be re-set
/// only at 87 + 8 = 95 °C. The node's hottest GPU never goes past 89 °C in any sample: at 89
/// its clocks halve and it cools. (Watching only max-op ± 8 while capped, it reached 95 °C
/// without slowing down or shutting down.)
#[test]
fn a_capped_gpu_slows_down_at_its_slowdown_threshold() {
    let scenario = "[cluster]\nracks = 1\nnodes_per_rack = 1\nnode = { gpus = 8, gpu_type = \"H100-80GB\" }\n\
                    [workload]\ntrace = \"t.csv\"\n[output]\nsample_interval = \"1m\"\n\
                    [thermal]\ninlet_c = 24\ncooling_kw_per_rack = 7.5\nhysteresis_c = 8\n";
    let outcome = run_with(scenario, "j1,0,20000,1,8,10,0\n");
    let hottest = outcome
        .record
        .racks
        .iter()
        .map(|r| r.max_temp_c.unwrap())
        .fold(f64::MIN, f64::max);
    assert!(hottest > 88.0 && hottest <= 89.0, "{hottest}");
}

#[test]
fn a_job_stopped_by_its_only_spine_leaves_the_run_ending_at_the_failure_not_at_its_old_finish() {
    // Two racks of one 8-GPU node, one spine, a non-blocking fabric: the 2 × 8-GPU job spans
    // both racks at full speed until the spine fails at 1,000 s and is never repaired. Its
    // uplinks keep 0 ÷ 1 of their capacity, so with half its time communicating it runs at
    // 1 ÷ (0.5 + 0.5 ÷ 0) = 0: it is still running when nothing is left to happen, and the
    // run ends at the failure, not at 3,600 s, the finish the job had before it.
    let run = run_with(
        "[cluster]\nracks = 2\nnodes_per_rack = 1\nnode = { gpus = 8, gpu_type = \"A100\" }\n\
         [workload]\ntrace = \"t.csv\"\ncomm_fraction = 0.5\n\
         [fabric]\nspines = 1\n\
         [faults]\n[[faults.incident]]\nat = \"1000s\"\nkind = \"spine-failure\"\ntarget = \"spine0\"\n",
        "x,0,3600,2,8,0,0\n",
    );
    let x = job(&run, "x");
    assert_eq!((x.state, x.end), (sim_core::job::JobState::Running, None));
    assert_eq!(run.record.end, SimTime::from_secs(1000));
}

#[test]
fn a_failure_at_the_instant_a_job_finishes_finds_it_finished() {
    // One 8-GPU node; a 1 h job starts at 0 and its work is done at 3,600 s, the instant the
    // node fails (for 100 s). The failure finds it finished: completed at 3,600 s with no
    // restart and nothing lost, while the node still goes down and the incident kills no job.
    // One microsecond earlier it would lose the whole hour (no checkpoint) and end at
    // 3,599 + 100 + 3,600 s.
    let scenario = |at: &str| {
        format!(
            "[cluster]\nracks = 1\nnodes_per_rack = 1\nnode = {{ gpus = 8, gpu_type = \"A100\" }}\n\
             [workload]\ntrace = \"t.csv\"\n[faults]\nrestart_overhead = \"0s\"\n\
             [[faults.incident]]\nat = \"{at}\"\nkind = \"node-failure\"\ntarget = \"r0-n0\"\nduration = \"100s\"\n"
        )
    };
    let run = run_with(&scenario("3600s"), "j,0,3600,1,8,0,0\n");
    let j = job(&run, "j");
    assert_eq!(
        (j.state, j.end, j.restarts, j.lost_gpu_s),
        (sim_core::job::JobState::Completed, Some(hours(1.0)), 0, 0.0)
    );
    let node = &run.record.incidents[0];
    assert_eq!((node.jobs_killed, node.nodes_down), (0, 1));
    let early = run_with(&scenario("3599999999us"), "j,0,3600,1,8,0,0\n");
    let j = job(&early, "j");
    assert_eq!(
        (j.restarts, j.end),
        (
            1,
            Some(SimTime::from_micros(3_599_999_999 + 100_000_000 + 3_600_000_000))
        )
    );
}

#[test]
fn a_run_whose_running_jobs_stand_still_while_failures_go_on_is_stopped_naming_them() {
    // As above, the only spine fails for good at 1,000 s and the 2 × 8-GPU job stands still;
    // random GPU failures (each GPU every 300 days, 16 GPUs) go on killing and restarting
    // it, so the run would never end: past its 1,000-day span it is stopped, and the message
    // blames the standstill, not the failures' rate.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("t.csv"), format!("{HEADER}x,0,3600,2,8,0,0\n")).unwrap();
    let text = "name = \"stuck\"\n[cluster]\nracks = 2\nnodes_per_rack = 1\nnode = { gpus = 8, gpu_type = \"A100\" }\n\
                [workload]\ntrace = \"t.csv\"\ncomm_fraction = 0.5\n[fabric]\nspines = 1\n[limits]\nmax_time = \"1000d\"\n\
                [faults]\n[[faults.incident]]\nat = \"1000s\"\nkind = \"spine-failure\"\ntarget = \"spine0\"\n\
                [[faults.random]]\ncomponent = \"gpu\"\nmtbf = \"300d\"\nmttr = \"1h\"\n";
    let loaded = load_str(text, "s.toml", Some(dir.path().to_path_buf()), &[]).unwrap();
    let err = run(&loaded).err().unwrap().to_string();
    assert!(
        err.contains(
            "with 1 job unfinished; most events were failures, repairs or checks around running jobs that stand still"
        ),
        "{err}"
    );
}

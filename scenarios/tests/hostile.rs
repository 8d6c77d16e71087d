//! The scenario reproducers of issue 13 ("Bounded and total"), each refused up front with a
//! message naming the file, the key and what would be accepted: inputs that made a run
//! allocate without bound, wrap time, panic or never end, and sizes that exhausted memory
//! inside `validate`. (The trace reproducers are in `traces/tests/hostile.rs`, the
//! command-line ones in `hostile_cli.rs`.)

use std::path::{Path, PathBuf};
use std::time::Instant;

use scenarios::build::{build_cluster, open_workload};
use scenarios::error::Failure;
use scenarios::{Override, ScenarioError, ValidScenario, load_file, load_str};

/// Two nodes of 4 A100s replaying the embedded Philly trace.
const BASE: &str = "name = \"t\"\n[cluster]\nracks = 1\nnodes_per_rack = 2\n\
                    node = { gpus = 4, gpu_type = \"A100-80GB\" }\n[workload]\ntrace = \"sample:philly\"\n";

fn overrides(settings: &[&str]) -> Vec<Override> {
    settings.iter().map(|s| s.parse().unwrap()).collect()
}

/// What `clustersim validate` does short of printing: load, build the cluster, read the
/// workload whole.
fn validate(text: &str, settings: &[&str], dir: Option<PathBuf>) -> Result<ValidScenario, ScenarioError> {
    let loaded = load_str(text, "s.toml", dir, &overrides(settings))?;
    let cluster = build_cluster(&loaded)?;
    scenarios::physics_build::physics_config(&loaded.scenario, &cluster, &loaded.origin)?;
    for job in &mut *open_workload(&loaded, &cluster)? {
        job?;
    }
    Ok(loaded)
}

/// The refusal of `settings` over [`BASE`], checked to be bad input (exit 2).
fn refusal(settings: &[&str]) -> String {
    let err = validate(BASE, settings, None).expect_err("must be refused");
    assert_eq!(err.failure(), Failure::Input, "{err}");
    err.to_string()
}

/// Runs `loaded` through the engine directly, built as `clustersim run` builds it but with
/// the physics of `scenario` (a setting validation would refuse) and its engine settings
/// changed by `change`, and returns the error that stopped it.
fn stopped_by_the_guard(
    loaded: &ValidScenario,
    scenario: &scenarios::schema::Scenario,
    change: impl FnOnce(&mut sim_core::engine::EngineConfig),
) -> sim_core::engine::RunError {
    let cluster = build_cluster(loaded).unwrap();
    let physics = scenarios::physics_build::physics_config(scenario, &cluster, &loaded.origin).unwrap();
    let faults = scenarios::faults_build::faults_config(loaded, &cluster).unwrap();
    let mut source = open_workload(loaded, &cluster).unwrap();
    let mut policy = policies::resolve(loaded.policy(), loaded.scenario.seed);
    let mut config = scenarios::build::engine_config(loaded);
    change(&mut config);
    let world = sim_core::engine::World {
        cluster,
        physics,
        faults,
        models: Vec::new(),
    };
    sim_core::run::simulate(world, &mut *source, policy.as_mut(), config)
        .err()
        .expect("stopped by the guard")
}

fn folder_with(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in files {
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    dir
}

#[test]
fn observation_1_a_trace_row_lasting_ten_trillion_seconds_is_refused_not_sampled() {
    // 9,999,999,999,999 s at one sample an hour would be 2.8 × 10^9 rows of timeseries.csv.
    let dir = folder_with(&[(
        "long.csv",
        "job_id,submit_s,duration_s,tasks,gpus_per_task\nlong,0,9999999999999,1,1\n",
    )]);
    let text = BASE.replace("sample:philly", "long.csv") + "[output]\nsample_interval = \"1h\"\n";
    let err = validate(&text, &[], Some(dir.path().to_path_buf()))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("long.csv:2: column `duration_s`: the job ends at 9999999999999 s, past 3153600000 s"),
        "{err}"
    );
}

#[test]
fn observation_1_sampling_and_slowdown_keys_that_would_grow_the_time_series_without_bound_are_refused() {
    assert_eq!(
        refusal(&["output.sample_interval=\"1us\""]),
        "s.toml with --set output.sample_interval=\"1us\": output.sample_interval: \"1us\" is not accepted; give at least \"1s\" (shorter ones cost millions of \
         events per simulated hour)"
    );
    assert!(
        refusal(&["fabric.oversubscription=1e300"])
            .starts_with("s.toml with --set fabric.oversubscription=1e300: fabric.oversubscription: 1e300 is not accepted; give a number from 0.01 to 100"),
    );
    // A value of the wrong range names its key and its flag, nested and indexed keys too.
    assert_eq!(
        refusal(&["seed=-1"]),
        "s.toml with --set seed=-1: seed: expected a whole number from 0 to 9223372036854775807, found -1"
    );
    assert!(
        refusal(&["cluster.node.cpus=1000001"])
            .starts_with("s.toml with --set cluster.node.cpus=1000001: cluster.node.cpus: 1000001 is not accepted"),
        "{}",
        refusal(&["cluster.node.cpus=1000001"])
    );
    let mttr = "faults.random=[{component=\"node\",mtbf=\"30d\",mttr=\"36501d\"}]";
    assert!(
        refusal(&[mttr]).starts_with(&format!(
            "s.toml with --set {mttr}: faults.random[0].mttr: 36501d is not accepted"
        )),
        "{}",
        refusal(&[mttr])
    );
    assert_eq!(
        refusal(&["limits.threads=0"]),
        "s.toml with --set limits.threads=0: limits.threads: 0 is not accepted; give at least 1 (a limit raises or \
         lowers a budget; omit the key for the default)"
    );
    assert!(
        refusal(&["fabric.spines=4294967295"]).starts_with(
            "s.toml with --set fabric.spines=4294967295: fabric.spines: 4294967295 is not accepted; give a number from 1 to 100000"
        ),
        "{}",
        refusal(&["fabric.spines=4294967295"])
    );
    assert!(
        refusal(&["faults.backoff_factor=1e300"])
            .starts_with("s.toml with --set faults.backoff_factor=1e300: faults.backoff_factor: 1e300 is not accepted; give a number from 1 to 10"),
    );
    // 10,000 weeks = 70,000 days, past the 36,500 days (100 years) a run may reach.
    assert_eq!(
        refusal(&["faults.restart_overhead=\"10000w\""]),
        "s.toml with --set faults.restart_overhead=\"10000w\": faults.restart_overhead: 70000d is not accepted; the run may reach at most 36500d (3153600000 s): \
         raise limits.max_time if the input is right"
    );
}

#[test]
fn observation_1_without_a_horizon_the_time_series_budget_bounds_the_trace() {
    // limits.samples = 1200 values is 100 rows of 12 columns: 99 intervals of 1 h = 356,400 s.
    let dir = folder_with(&[(
        "t.csv",
        "job_id,submit_s,duration_s,tasks,gpus_per_task\na,0,356400,1,1\nb,0,356401,1,1\n",
    )]);
    let text =
        BASE.replace("sample:philly", "t.csv") + "[output]\nsample_interval = \"1h\"\n[limits]\nsamples = 1200\n";
    let err = validate(&text, &[], Some(dir.path().to_path_buf()))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("t.csv:3: column `duration_s`: the job ends at 356401 s, past 356400 s"),
        "{err}"
    );
    // With a horizon the series is bounded by it: 10 h at 1 h is 11 rows × 12 columns = 132
    // values.
    let err = refusal(&["horizon=\"10h\"", "output.sample_interval=\"1h\"", "limits.samples=120"]);
    assert!(
        err.contains("(horizon ÷ output.sample_interval + 1 rows × 12 columns): 132, more than limits.samples = 120"),
        "{err}"
    );
    assert!(
        validate(
            BASE,
            &["horizon=\"10h\"", "output.sample_interval=\"1h\"", "limits.samples=132"],
            None
        )
        .is_ok()
    );
}

#[test]
fn observation_2_a_restart_overhead_that_would_wrap_the_clock_is_refused() {
    let err = refusal(&["faults.restart_overhead=\"18446744073709s\""]);
    assert!(
        err.starts_with("s.toml with --set faults.restart_overhead=\"18446744073709s\": faults.restart_overhead: ")
            && err.contains("the run may reach at most 36500d"),
        "{err}"
    );
}

#[test]
fn observation_3_weibull_shapes_that_panic_or_hang_the_sampler_are_refused() {
    for shape in ["0.006", "0.01", "0.19"] {
        let text = format!(
            "{BASE}[[faults.random]]\ncomponent = \"node\"\nmtbf = \"30d\"\ndistribution = \"weibull\"\nshape = {shape}\n\
             mttr = \"1h\"\n"
        );
        let err = validate(&text, &[], None).unwrap_err().to_string();
        assert_eq!(
            err,
            format!(
                "s.toml:12: faults.random[0].shape: {shape} is not accepted; give a number from 0.2 to 10 (failure data \
                 fit 0.5 to 1; smaller shapes draw lifetimes of zero and the run cannot advance)"
            )
        );
    }
}

#[test]
fn observation_4_physics_that_can_never_cool_is_refused() {
    assert_eq!(
        refusal(&["thermal.inlet_c=200"]),
        "s.toml with --set thermal.inlet_c=200: thermal.inlet_c: 200 is not accepted; give a number from 0 to 60 °C (ASHRAE's widest class allows 5 \
         to 45 °C)"
    );
    assert!(
        refusal(&["thermal.inlet_c=1e308"])
            .starts_with("s.toml with --set thermal.inlet_c=1e308: thermal.inlet_c: 1e308 is not accepted")
    );
    assert_eq!(
        refusal(&["thermal.cooling_kw_per_rack=0"]),
        "s.toml with --set thermal.cooling_kw_per_rack=0: thermal.cooling_kw_per_rack: must be > 0, got 0"
    );
    // Within the inlet range, but an A100 (min cap 100 W of 400 W) at 40 K × 100/400 = 10 K
    // above 60 °C would still be cool enough; a GPU whose lowest cap is its limit is not:
    // 55 + 40 × 400/400 = 95 °C ≥ its 92 °C shutdown.
    let text = format!("{BASE}[thermal]\ninlet_c = 55\n[power.gpu.\"A100-80GB\"]\nmin_cap_w = 400\n");
    let err = validate(&text, &[], None).unwrap_err().to_string();
    assert!(
        err.starts_with("s.toml: thermal.inlet_c: 55 is not accepted; one A100-80GB GPU at its lowest power cap would settle at 95.0 °C"),
        "{err}"
    );
    // At r_k_per_tdp = 400: 24 + 400 × 100/400 = 124 °C; no inlet of 0 °C or more would do
    // (92 − 100 = −8), so the resistance is blamed: below (92 − 24) × 400/100 = 272.
    let text = format!("{BASE}[thermal]\nr_k_per_tdp = 400\n");
    let err = validate(&text, &[], None).unwrap_err().to_string();
    assert!(
        err.starts_with("s.toml: thermal.r_k_per_tdp: 400 is not accepted; one A100-80GB GPU")
            && err.ends_with("give an r_k_per_tdp below 272.0 at this inlet_c"),
        "{err}"
    );
    // An idle GPU drawing more than a capped busy one (350 W idle, 100 W lowest cap) is refused:
    // idle GPUs would sit above their shutdown temperature unchecked.
    let text = format!("{BASE}[power.gpu.\"A100-80GB\"]\nidle_w = 350\n");
    let err = validate(&text, &[], None).unwrap_err().to_string();
    assert!(
        err.contains("power.gpu.\"A100-80GB\".idle_w: 350 is not accepted"),
        "{err}"
    );
    // Bands out of order blame the key that breaks the order, here the only one given.
    let text = format!("{BASE}[power.gpu.\"A100-80GB\"]\nmax_op_c = 95\n");
    let err = validate(&text, &[], None).unwrap_err().to_string();
    assert!(
        err.contains("power.gpu.\"A100-80GB\".max_op_c: 95 is not accepted"),
        "{err}"
    );
}

#[test]
fn observation_4_failure_and_slicing_rates_that_never_let_a_run_end_are_refused() {
    let err = refusal(&["faults.random=[{component=\"gpu\",mtbf=\"1us\",mttr=\"1h\"}]"]);
    assert!(
        err.starts_with(
            "s.toml with --set faults.random=[{component=\"gpu\",mtbf=\"1us\",mttr=\"1h\"}]: faults.random[0].mtbf: \
             \"1us\" is too short: give at least \"1h\""
        ),
        "{err}"
    );
    assert_eq!(
        refusal(&["policy.name=gang", "policy.time_slice=\"1us\""]),
        "s.toml with --set policy.time_slice=\"1us\": policy.time_slice: \"1us\" is not accepted; give at least \"1s\" (shorter ones cost millions of events \
         per simulated hour)"
    );
}

#[test]
fn observation_4_the_cascading_failure_without_its_horizon_is_refused() {
    let library = scenarios::library::scenario("cascading-failure").unwrap().text;
    let text = library.replace("horizon = \"2h\"\n", "");
    assert_ne!(text, library);
    let err = load_str(&text, "c.toml", None, &[]).unwrap_err().to_string();
    assert!(
        err.starts_with("c.toml:34: faults.cascade: restarted jobs overload nodes")
            && err.ends_with("set a horizon, faults.max_retries, or faults.cascade.memory_limits = true"),
        "{err}"
    );
    // Each way out named is accepted.
    for fix in [
        "horizon=\"2h\"",
        "faults.max_retries=3",
        "faults.cascade.memory_limits=true",
    ] {
        assert!(load_str(&text, "c.toml", None, &overrides(&[fix])).is_ok(), "{fix}");
    }
}

#[test]
fn observation_5_clusters_too_large_for_the_machine_are_refused_before_a_node_is_built() {
    let started = Instant::now();
    let err = refusal(&["cluster.racks=4294967295"]);
    assert!(
        err.starts_with(
            "s.toml with --set cluster.racks=4294967295: the nodes of cluster.racks × cluster.nodes_per_rack: 8589934590, \
             more than limits.nodes = "
        ),
        "{err}"
    );
    let err = refusal(&["cluster.racks=1000000000", "cluster.nodes_per_rack=1"]);
    assert!(err.contains(": 1000000000, more than limits.nodes"), "{err}");
    let err = refusal(&["limits.gpus=7"]);
    assert!(
        err.contains(
            "the GPUs of cluster.racks × cluster.nodes_per_rack: 8, more than limits.gpus = 7; raise limits.gpus"
        ),
        "{err}"
    );
    assert!(started.elapsed().as_secs() < 5, "refused at once");
}

#[test]
fn observation_5_an_swf_header_sizing_a_billion_processors_is_refused() {
    let dir = folder_with(&[(
        "big.swf",
        "; MaxProcs: 1000000000\n1 0 -1 10 1 -1 -1 1 -1 -1 1 -1 -1 -1 -1 -1 -1 -1\n",
    )]);
    let text = "name = \"s\"\n[cluster]\nfrom_trace = true\nnodes_per_rack = 4\nnode = { gpus = 8, gpu_type = \"A100-80GB\" }\n\
                [workload]\ntrace = \"big.swf\"\n";
    let started = Instant::now();
    let err = validate(text, &[], Some(dir.path().to_path_buf()))
        .unwrap_err()
        .to_string();
    // 10^9 processors ÷ 8 GPUs a node = 125,000,000 nodes.
    assert!(
        err.starts_with("s.toml: the nodes of [cluster] from_trace (the SWF header's MaxProcs or MaxNodes ÷ the node's processors): 125000000, more than limits.nodes"),
        "{err}"
    );
    assert!(started.elapsed().as_secs() < 5);
}

#[test]
fn observation_5_a_nodes_file_past_the_budget_is_refused_while_it_is_read() {
    let nodes = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../traces/data/alibaba-openb-gpu-v2023/openb_node_list_gpu_node.csv");
    let text = format!(
        "name = \"n\"\n[cluster]\nnodes_file = \"{}\"\n[workload]\ntrace = \"sample:philly\"\n[limits]\nnodes = 100\n",
        nodes.display()
    );
    let err = validate(&text, &[], None).unwrap_err().to_string();
    // Line 1 is the header: the 101st node is on line 102.
    assert!(
        err.ends_with(
            "openb_node_list_gpu_node.csv:102: more than 100 nodes, the most a cluster may have here; raise \
                       limits.nodes in the scenario if the machine can hold them"
        ),
        "{err}"
    );
}

#[test]
fn observation_5_synthetic_jobs_sweeps_and_grids_are_counted_before_anything_is_made() {
    let synthetic = "name = \"t\"\n[cluster]\nracks = 1\nnodes_per_rack = 2\nnode = { gpus = 4, gpu_type = \"A100-80GB\" }\n\
                     [workload.synthetic]\njobs = 10000000000\n";
    let err = load_str(synthetic, "s.toml", None, &[]).unwrap_err().to_string();
    assert!(
        err.starts_with("s.toml:7: workload.synthetic.jobs: 10000000000, more than limits.jobs = "),
        "{err}"
    );
    let err = refusal(&["sweep.seeds=1000000000"]);
    assert!(
        err.contains("the number of sweep runs (grid points × sweep.seeds): 1000000000, more than limits.runs"),
        "{err}"
    );
    // A 1000 × 1000 grid is refused at once, before a point is loaded.
    let values: Vec<String> = (1..=1000).map(|i| i.to_string()).collect();
    let grid = format!(
        "{BASE}[sweep]\ngrid = {{ \"cluster.racks\" = [{0}], \"cluster.nodes_per_rack\" = [{0}] }}\n",
        values.join(", ")
    );
    let started = Instant::now();
    let source = scenarios::sweep::expand::Source {
        text: &grid,
        origin: "g.toml",
        base_dir: None,
    };
    let err = scenarios::sweep::expand::plan(&source, &[], None)
        .unwrap_err()
        .to_string();
    assert!(
        err.starts_with("g.toml:9: the number of sweep grid points (the product of the value counts of sweep.grid): 1000000, more than limits.grid_points = 10000"),
        "{err}"
    );
    assert!(started.elapsed().as_secs() < 5, "took {:?}", started.elapsed());
}

#[test]
fn observation_5_a_fill_target_far_past_the_pod_list_is_refused_before_the_copies_are_made() {
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("../traces/data/alibaba-openb-gpu-v2023");
    let text = format!(
        "name = \"f\"\n[cluster]\nnodes_file = \"{}\"\n[workload]\ntrace = \"{}\"\nmode = \"fill\"\ntarget_demand = 1e6\n",
        data.join("openb_node_list_gpu_node.csv").display(),
        data.join("openb_pod_list_default.csv").display()
    );
    let err = load_str(&text, "f.toml", None, &[]).unwrap_err().to_string();
    assert!(
        err.starts_with(
            "f.toml:7: workload.target_demand: 1000000 is not accepted; give a number above 0 and at most 100"
        ),
        "{err}"
    );
    // Within the range, the pod budget refuses it before allocating: the default list's pods
    // ask for 0.57 GPUs on average, so 100 × the capacity is far more than 1000 pods.
    let started = Instant::now();
    let loaded = load_str(
        &text.replace("1e6", "100.0"),
        "f.toml",
        None,
        &overrides(&["limits.jobs=100000"]),
    )
    .unwrap();
    let err = scenarios::run::run(&loaded).err().unwrap().to_string();
    assert!(err.starts_with("fill workload: about "), "{err}");
    assert!(
        err.contains("more than limits.jobs = 100000; lower workload.target_demand or raise limits.jobs"),
        "{err}"
    );
    assert!(started.elapsed().as_secs() < 10);
}

#[test]
fn observation_5_a_trace_with_more_jobs_than_the_budget_is_refused_at_the_first_extra_job() {
    let err = refusal(&["limits.jobs=1000"]);
    assert_eq!(
        err,
        "sample:philly: more than 1000 jobs, the most a run may hold here; raise limits.jobs in the scenario if the \
         machine can hold them (about 1 KiB a job)"
    );
}

#[test]
fn observation_6_nan_infinities_and_negative_hysteresis_are_refused() {
    assert_eq!(
        refusal(&["thermal.inlet_c=nan"]),
        "s.toml with --set thermal.inlet_c=nan: thermal.inlet_c: NaN is not accepted; give a finite number (NaN and infinities are never accepted)"
    );
    assert_eq!(
        refusal(&["fabric.oversubscription=inf"]),
        "s.toml with --set fabric.oversubscription=inf: fabric.oversubscription: inf is not accepted; give a finite number (NaN and infinities are never accepted)"
    );
    assert_eq!(
        refusal(&["thermal.hysteresis_c=-2"]),
        "s.toml with --set thermal.hysteresis_c=-2: thermal.hysteresis_c: -2 is not accepted; give a number from 0 to 20 K (a band is left that far below \
         its threshold)"
    );
    // Every float key, wherever it is: in a file, an inline table, an array of tables.
    let text = format!("{BASE}[power.gpu.\"A100-80GB\"]\ntdp_w = -inf\n");
    assert!(
        validate(&text, &[], None)
            .unwrap_err()
            .to_string()
            .starts_with("s.toml:9: power.gpu.A100-80GB.tdp_w: -inf is not accepted"),
    );
    let text = format!(
        "{BASE}[[faults.random]]\ncomponent = \"node\"\nmtbf = \"30d\"\nmttr = \"1h\"\nrepair = \"lognormal\"\nrepair_sigma = nan\n"
    );
    assert!(
        validate(&text, &[], None)
            .unwrap_err()
            .to_string()
            .contains("faults.random[0].repair_sigma: NaN")
    );
    // A grid value in the inline table of `grid`: the line of `grid` stands for it.
    let text = format!("{BASE}[fabric]\n[sweep]\ngrid = {{ \"fabric.oversubscription\" = [1, nan] }}\n");
    assert!(
        validate(&text, &[], None)
            .unwrap_err()
            .to_string()
            .starts_with("s.toml:10: sweep.grid.fabric.oversubscription[1]: NaN is not accepted"),
        "{}",
        validate(&text, &[], None).unwrap_err()
    );
}

#[test]
fn observation_8_a_scenario_file_that_is_not_one_is_refused_without_reading_it_whole() {
    let err = load_file(Path::new("/dev/zero"), &[]).unwrap_err().to_string();
    assert_eq!(
        err,
        "/dev/zero: larger than 16777216 bytes, the largest scenario file read (is it a scenario?)"
    );
}

#[test]
fn accepted_scenarios_keep_loading_under_the_new_checks() {
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    for entry in std::fs::read_dir(&examples).unwrap() {
        let path = entry.unwrap().path();
        load_file(&path, &[]).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    }
    for entry in scenarios::library::LIBRARY {
        load_file(Path::new(&format!("library:{}", entry.name)), &[]).unwrap_or_else(|e| panic!("{}: {e}", entry.name));
    }
}

#[test]
fn observation_2_the_time_limit_itself_is_capped_so_that_sums_of_input_times_cannot_wrap() {
    // 30,000,000 weeks (575,000 years) is within the clock, but a restart overhead as long
    // added to it would not be: limits.max_time is capped at 10,000 years (3,650,000 days).
    assert_eq!(
        refusal(&["limits.max_time=\"30000000w\""]),
        "s.toml with --set limits.max_time=\"30000000w\": limits.max_time: \"210000000d\" is not accepted; give at most \
         \"3650000d\" (10,000 years): sums of the times a scenario names must stay far below the end of the microsecond \
         clock (584,942 years)"
    );
    // At the cap, the reproducer's overhead (213,503,982 days, parsed through a float) is still
    // refused.
    let err = refusal(&[
        "horizon=\"1h\"",
        "limits.max_time=\"3650000d\"",
        "faults.restart_overhead=\"18446744073709s\"",
    ]);
    assert!(
        err.contains(
            "faults.restart_overhead: 18446744073709000704us is not accepted; the run may reach at most 3650000d \
             (315360000000 s)"
        ),
        "{err}"
    );
    assert!(validate(BASE, &["limits.max_time=\"3650000d\""], None).is_ok());
}

/// The cascading failure of the library, built as `clustersim run` builds it, run without its
/// horizon (which validation refuses) through the engine directly: the progress guard stops
/// it, naming the cascade.
#[test]
fn observation_4_the_cascading_failure_without_its_horizon_is_stopped_by_the_guard() {
    let loaded = load_file(Path::new("library:cascading-failure"), &[]).unwrap();
    let err = stopped_by_the_guard(&loaded, &loaded.scenario, |config| {
        config.horizon = None;
        config.budget.max_events = Some(200_000);
    });
    let sim_core::engine::RunError::NoProgress(stall) = &err else {
        panic!("{err}")
    };
    assert_eq!(stall.cause, sim_core::engine::guard::Cause::Cascade);
    let err = scenarios::error::run_error(&loaded.origin, err);
    assert_eq!(err.failure(), Failure::Input, "{err}");
    let message = err.to_string();
    assert!(
        message.starts_with("library:cascading-failure: the run makes no progress: 200001 events by ")
            && message.contains("most events were memory overloads of a cascade")
            && message.ends_with("raise limits.max_events ([limits] max_events = N, or --set limits.max_events=N)"),
        "{message}"
    );
}

#[test]
fn a_run_past_its_event_budget_is_bad_input_naming_the_key() {
    let loaded = load_file(
        Path::new("library:cascading-failure"),
        &overrides(&["limits.max_events=1000"]),
    )
    .unwrap();
    let err = scenarios::run::run(&loaded).err().expect("over the budget");
    assert_eq!(err.failure(), Failure::Input, "{err}");
    assert!(
        err.to_string()
            .starts_with("library:cascading-failure: the run makes no progress: 1001 events by "),
        "{err}"
    );
}

/// A node back from a thermal shutdown before it cooled shuts down again at once: during the
/// thermal-throttle library scenario's cooling failure, with a 35 °C supply, a recovery of 0
/// never leaves its instant. Scenarios refuse recoveries under a second; run from a library,
/// the per-instant budget stops it, naming the thermal state.
#[test]
fn observation_4_a_thermal_recovery_too_short_to_cool_is_refused_or_stopped() {
    let err = refusal(&["thermal.recovery=\"1us\""]);
    assert_eq!(
        err,
        "s.toml with --set thermal.recovery=\"1us\": thermal.recovery: \"1us\" is not accepted; give at least \"1s\" \
         (shorter ones cost millions of events per simulated hour)"
    );
    let loaded = load_file(
        Path::new("library:thermal-throttle"),
        &overrides(&["thermal.inlet_c=35"]),
    )
    .unwrap();
    let mut scenario = loaded.scenario.clone();
    scenario.thermal.as_mut().unwrap().recovery = scenarios::duration::Duration(sim_core::SimTime::ZERO);
    let err = stopped_by_the_guard(&loaded, &scenario, |config| {
        config.budget.max_events_per_instant = Some(10_000)
    });
    let sim_core::engine::RunError::NoProgress(stall) = &err else {
        panic!("{err}")
    };
    assert_eq!(
        (stall.bound, stall.cause),
        (
            sim_core::engine::guard::Bound::SameInstant { limit: 10_000 },
            sim_core::engine::guard::Cause::Thermal
        )
    );
    // Within the cooling failure, 3 h to 4 h.
    assert!(
        (10_800..14_400).contains(&(stall.at.as_micros() / 1_000_000)),
        "{}",
        stall.at
    );
}

//! MIG in runs, each expectation worked out by hand in its comment: tasks go only to valid
//! starts (free slices at an invalid position do not help), a dynamic repartition delays its
//! task by the reconfiguration time and is counted, a static layout never changes, and bad
//! layouts and profiles are refused naming the file.

use std::path::Path;

use scenarios::run::{ScenarioRun, run};
use scenarios::{Override, load_file, load_str};
use sim_core::SimTime;
use sim_core::metrics::JobRow;

const HEADER: &str = "job_id,submit_s,duration_s,tasks,gpus_per_task,mig\n";

/// One node with one A100-80GB (7 compute slices, 8 memory slices), first-fit, `sharing`
/// appended.
fn scenario(sharing: &str) -> String {
    format!(
        "name = \"mig\"\n[cluster]\nracks = 1\nnodes_per_rack = 1\nnode = {{ gpus = 1, gpu_type = \"A100-80GB\" }}\n\
         [workload]\ntrace = \"t.csv\"\n[policy]\nname = \"first-fit\"\n{sharing}\n"
    )
}

/// Runs `scenario` with `trace` (native CSV rows after the header).
fn run_with(scenario: &str, trace: &str) -> ScenarioRun {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("t.csv"), format!("{HEADER}{trace}")).unwrap();
    let loaded = load_str(scenario, "s.toml", Some(dir.path().to_path_buf()), &[]).unwrap();
    run(&loaded).unwrap()
}

/// (start, end) of job `id`, in seconds.
fn span(run: &ScenarioRun, id: &str) -> (u64, u64) {
    let job: &JobRow = run.record.jobs.iter().find(|j| j.job_id == id).unwrap();
    let secs = |t: Option<SimTime>| t.unwrap().as_micros() / 1_000_000;
    (secs(job.start), secs(job.end))
}

/// The dynamic case, as profiles (`mig`) or as the fractions that map to them.
///
/// - a (1g) at 0: the GPU is empty; the lowest valid start of a 1g is 0. Creating the instance
///   is a reconfiguration (1 compute slice), so a works from 10 s: 0 → 1010.
/// - b (3g) at 0: a 3g starts at 0 or 4; 0's memory (slices 0–3) holds a's 1g, so 4. Created
///   (3 slices): 0 → 1010.
/// - c (3g) at 1: compute slices 1, 2 and 3 are free (and 1000 − 142 − 428 = 430 milli-GPU,
///   more than a 3g's 428), but a 3g cannot start at 1, and 0 is under a's memory: c waits.
/// - d (4g) at 2: a 4g starts only at 0: it waits too.
/// - At 1010 a and b end; their instances stay, idle. FIFO: c reuses the idle 3g at 4 (no
///   reconfiguration, no delay): 1010 → 1110. d needs 0–3: the idle 1g at 0 is removed and a
///   4g created (compute slices 0–3, a reconfiguration): 1010 + 10 → 1120.
///
/// Reconfigurations: a, b, d = 3; slices reconfigured 1 + 3 + 4 = 8, so 10 s × 8 / 7 of GPU
/// time = 80/7 s.
fn dynamic_case(trace: &str) {
    let run = run_with(
        &scenario("[sharing]\nmode = \"mig\"\nmig_partitioning = \"dynamic\"\nmig_reconfig = \"10s\""),
        trace,
    );
    assert_eq!(span(&run, "a"), (0, 1010));
    assert_eq!(span(&run, "b"), (0, 1010));
    assert_eq!(span(&run, "c"), (1010, 1110));
    assert_eq!(span(&run, "d"), (1010, 1120));
    let s = &run.record.summary;
    assert_eq!(s.mig_reconfigurations, Some(3));
    let hours = s.mig_reconfig_gpu_hours.unwrap();
    assert!((hours - 80.0 / 7.0 / 3600.0).abs() < 1e-12, "{hours}");
    assert_eq!(s.switch_lost_gpu_hours, None);
}

#[test]
fn a_task_goes_only_to_a_valid_start_and_a_repartition_costs_its_delay() {
    dynamic_case("a,0,1000,1,1,1g.10gb\nb,0,1000,1,1,3g.40gb\nc,1,100,1,1,3g.40gb\nd,2,100,1,1,4g.40gb\n");
}

#[test]
fn fractions_map_to_the_smallest_profile_that_holds_them() {
    // 0.1 → 1g (1000 · 1 ≥ 100 · 7), 0.4 → 3g (2g: 2000 < 2800; 3g: 3000 ≥ 2800), 0.5 → 4g
    // (3g: 3000 < 3500): the same run as with the profiles named.
    dynamic_case("a,0,1000,1,0.1,\nb,0,1000,1,0.4,\nc,1,100,1,0.4,\nd,2,100,1,0.5,\n");
}

#[test]
fn under_fractions_the_same_shares_fit_at_once() {
    // Without MIG the shares are only numbers: at 1, 1000 − 100 − 400 = 500 milli are free, so
    // c (400) starts at once; d (500) would need 500 more, which c took: it waits for a and b.
    let run = run_with(
        &scenario(""),
        "a,0,1000,1,0.1,\nb,0,1000,1,0.4,\nc,1,100,1,0.4,\nd,2,100,1,0.5,\n",
    );
    assert_eq!(span(&run, "c"), (1, 101));
    assert_eq!(span(&run, "d"), (101, 201));
    assert_eq!(run.record.summary.mig_reconfigurations, None);
    assert_eq!(run.record.summary.mig_frag_gpus_mean, None);
}

#[test]
fn a_static_layout_serves_only_its_instances() {
    // Layout 1g at 0 and 3g at 4: memory slices 1–3 hold no instance. a takes the 1g, b the
    // 3g, at once and without reconfiguration. c (3g) finds compute slices 1–3 free but no
    // idle 3g: it waits for b (1000 → 1100).
    let run = run_with(
        &scenario(
            "[sharing]\nmode = \"mig\"\nmig_partitioning = \"static\"\n\
             mig_layouts = { \"A100-80GB\" = [\"1g.10gb@0\", \"3g.40gb@4\"] }",
        ),
        "a,0,1000,1,1,1g.10gb\nb,0,1000,1,1,3g.40gb\nc,1,100,1,1,3g.40gb\ne,2,50,1,1,1g.10gb\n",
    );
    assert_eq!(span(&run, "a"), (0, 1000));
    assert_eq!(span(&run, "b"), (0, 1000));
    assert_eq!(span(&run, "c"), (1000, 1100));
    // e (1g) waits for a's 1g, the only one: 1000 → 1050.
    assert_eq!(span(&run, "e"), (1000, 1050));
    let s = &run.record.summary;
    assert_eq!((s.mig_reconfigurations, s.mig_reconfig_gpu_hours), (Some(0), Some(0.0)));
}

#[test]
fn mig_fragmentation_is_measured_against_the_typical_profiles() {
    // Static layout 4g at 0 + 3g at 4, every task a 3g (the only typical profile). From 0 to
    // 100 one 3g task runs in the 3g at 4: the 4g's four compute slices are free but hold no
    // 3g instance, so all 4 are fragmented for a 3g: 4/7 GPU. From 100 to 200 nothing runs:
    // the free slices of the 4g are still fragmented for a 3g (4/7) and the idle 3g's are not.
    // Mean over the 200 s: 4/7 GPU.
    let run = run_with(
        &scenario(
            "[sharing]\nmode = \"mig\"\nmig_partitioning = \"static\"\n\
             mig_layouts = { \"A100-80GB\" = [\"4g.40gb@0\", \"3g.40gb@4\"] }",
        ),
        "a,0,100,1,1,3g.40gb\nb,200,1,1,1,3g.40gb\n",
    );
    let frag = run.record.summary.mig_frag_gpus_mean.unwrap();
    assert!((frag - 4.0 / 7.0).abs() < 1e-9, "{frag}");
}

#[test]
fn bad_layouts_are_refused_naming_the_key() {
    let load = |sharing: &str| {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("t.csv"), format!("{HEADER}a,0,1,1,1,\n")).unwrap();
        load_str(&scenario(sharing), "s.toml", Some(dir.path().to_path_buf()), &[])
            .and_then(|loaded| run(&loaded))
            .err()
            .unwrap()
            .to_string()
    };
    // A 3g may start at 0 or 4 only.
    let at_two = load("[sharing]\nmode = \"mig\"\nmig_layouts = { \"A100-80GB\" = [\"3g.40gb@2\"] }");
    assert!(at_two.contains("sharing.mig_layouts.A100-80GB"), "{at_two}");
    assert!(at_two.contains("cannot start at slice 2"), "{at_two}");
    let unknown = load("[sharing]\nmode = \"mig\"\nmig_layouts = { \"A100-80GB\" = [\"3g.20gb@0\"] }");
    assert!(unknown.contains("`3g.20gb` is not one"), "{unknown}");
    let not_mig = load("[sharing]\nmode = \"mig\"\nmig_layouts = { \"V100\" = [\"7g.80gb@0\"] }");
    assert!(not_mig.contains("a MIG-capable GPU model"), "{not_mig}");
    // A node's layout is checked whether or not the node is in MIG mode in this run.
    let by_node = load("[sharing]\nmode = \"fraction\"\nmig_node_layouts = { \"r0-n0\" = [\"3g.40gb@2\"] }");
    assert!(
        by_node.contains("sharing.mig_node_layouts.r0-n0") && by_node.contains("cannot start at slice 2"),
        "{by_node}"
    );
}

/// e2's start on one node of two A100-80GB partitioned dynamically (no reconfiguration time),
/// under MIG placement `rule`.
fn second_3g_start(rule: &str) -> (u64, u64) {
    let text = scenario(&format!(
        "[sharing]\nmode = \"mig\"\nmig_reconfig = \"0s\"\nmig_placement = \"{rule}\""
    ))
    .replace("gpus = 1,", "gpus = 2,");
    let run = run_with(
        &text,
        "a,0,1000,1,1,1g.10gb\nb,0,1000,1,1,4g.40gb\nc,1,1000,1,1,1g.10gb\n\
         e1,2,100,1,1,3g.40gb\ne2,3,100,1,1,3g.40gb\n",
    );
    span(&run, "e2")
}

#[test]
fn the_mig_placement_rules_choose_different_devices() {
    // a (1g) takes GPU 0 at 0 (a tie: the lowest GPU). b (4g) can only start at 0, whose
    // memory (0–3) a holds on GPU 0: GPU 1 at 0. Then c (1g):
    // - first-fit: GPU 0, lowest open start 1;
    // - best-fit: GPU 1, which keeps 3 − 1 = 2 free compute slices (GPU 0 would keep 5), at 4;
    // - frag-aware, typical profiles 1g × 2, 4g × 1, 3g × 2, weighted fragmented slices
    //   (Σ count × fragmented compute slices): GPU 0 now 2·0 + 1·6 (no 4g fits) + 2·3 (a 3g fits
    //   only at 4, so slices 1–3 are stranded) = 12; with c at 1, 2 or 3 it is 1·5 + 2·2 = 9
    //   (−3), at 4–6 it is 1·5 + 2·5 = 15 (+3); GPU 1 is 1·3 = 3 and c at 4–6 makes it
    //   1·2 + 2·2 = 6 (+3). Least: GPU 0 at 1, as first-fit.
    // e1 and e2 (3g) need a start at 4 with memory 4–7 free. After first-fit or frag-aware both
    // GPUs have one: e2 starts at 3. After best-fit only GPU 0 has (c holds GPU 1's memory 4):
    // e2 waits for e1 (2 → 102) and reuses its idle instance, 102 → 202.
    assert_eq!(second_3g_start("first-fit"), (3, 103));
    assert_eq!(second_3g_start("frag-aware"), (3, 103));
    assert_eq!(second_3g_start("best-fit"), (102, 202));
}

#[test]
fn a_bad_profile_in_a_trace_or_a_synthetic_mix_exits_with_code_2_naming_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("t.csv"), format!("{HEADER}a,0,10,1,1,3g.41gb\n")).unwrap();
    std::fs::write(dir.path().join("s.toml"), scenario("[sharing]\nmode = \"mig\"")).unwrap();
    let synthetic = scenario("[sharing]\nmode = \"mig\"").replace(
        "trace = \"t.csv\"",
        "synthetic = { jobs = 20, sizes = { \"3g.41gb\" = 1.0 }, load = 0.5 }",
    );
    std::fs::write(dir.path().join("g.toml"), synthetic).unwrap();
    let run = |file: &str| {
        std::process::Command::new(env!("CARGO_BIN_EXE_clustersim"))
            .args(["run", file, "--out", "out"])
            .current_dir(dir.path())
            .output()
            .unwrap()
    };
    let trace = run("s.toml");
    assert_eq!(trace.status.code(), Some(2));
    let text = String::from_utf8_lossy(&trace.stderr);
    assert!(
        text.contains("t.csv:2: column `mig`: unknown MIG profile `3g.41gb`"),
        "{text}"
    );
    let mix = run("g.toml");
    assert_eq!(mix.status.code(), Some(2));
    let text = String::from_utf8_lossy(&mix.stderr);
    assert!(
        text.contains("workload.synthetic.sizes") && text.contains("`3g.41gb` is not a MIG profile"),
        "{text}"
    );
}

#[test]
fn a_synthetic_mix_of_profiles_runs_in_its_instances() {
    // Every job a 3g.40gb on one A100-80GB: at most two run at once (starts 0 and 4), and every
    // one completes.
    let text = scenario("[sharing]\nmode = \"mig\"").replace(
        "trace = \"t.csv\"",
        "synthetic = { jobs = 50, sizes = { \"3g.40gb\" = 1.0 }, load = 0.5 }",
    );
    let loaded = load_str(&text, "s.toml", None, &[]).unwrap();
    let run = run(&loaded).unwrap();
    assert_eq!(run.record.summary.jobs_completed, 50);
    // A 3g holds 428 milli-GPU of the one GPU, so two at once allocate at most 0.856 of it.
    assert!(run.record.summary.gpu_alloc_ratio <= 0.856 + 1e-9);
    assert!(run.record.summary.mig_reconfigurations.unwrap() >= 1);
}

#[test]
fn openb_fills_mig_gpus_through_the_engine() {
    // The example: the openb default list at 130 % on 128 nodes of 8 A100-80GB, MIG against
    // fractions. The allocation counts what pods hold, so under MIG a pod's rounded-up
    // instance: the GPU-only study (tests/mig_fill.rs) has MIG holding 99.4 % of the compute
    // slices at 130 % and fractions 95.9 % of the GPUs, and placing more pods' demand under
    // fractions. The values below were measured (a regression check, not derived by hand);
    // they sit near the study's (CPU and memory now count too).
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/openb-fill-mig.toml");
    let at = |mode: &str, pct: u32| {
        let set: Override = format!("sharing.mode=\"{mode}\"").parse().unwrap();
        let run = run(&load_file(&path, &[set]).unwrap()).unwrap();
        let rows = run.fill.unwrap();
        let row = rows.iter().find(|r| r.arrived_pct == pct).unwrap().clone();
        (row.gpu_alloc_ratio, row.pods_failed)
    };
    let (mig, mig_failed) = at("mig", 100);
    let (fraction, fraction_failed) = at("fraction", 100);
    assert!(
        (mig - 0.990376).abs() < 1e-6 && (fraction - 0.957041).abs() < 1e-6,
        "{mig} {fraction}"
    );
    // Rounding up fills more slices with fewer pods: more of them fail.
    assert_eq!((mig_failed, fraction_failed), (82, 45));
}

#[test]
fn a_profile_no_static_layout_offers_never_fits_and_blocks_nothing() {
    // Layout 4g at 0 + 3g at 4: a 2g has no instance and never will, so a is refused at
    // arrival (never-fits) instead of blocking the FIFO queue; b takes the 3g at once.
    let run = run_with(
        &scenario(
            "[sharing]\nmode = \"mig\"\nmig_partitioning = \"static\"\n\
             mig_layouts = { \"A100-80GB\" = [\"4g.40gb@0\", \"3g.40gb@4\"] }",
        ),
        "a,0,10,1,1,2g.20gb\nb,1,10,1,1,3g.40gb\n",
    );
    assert_eq!(run.record.summary.jobs_never_fit, 1);
    assert_eq!(span(&run, "b"), (1, 11));
}

/// A job more MIG instances than the devices can ever hold at once is `never-fits` at arrival,
/// not left waiting forever: on one A100-80GB, a 0.25 GPU share maps to a 2g.20gb instance, of
/// which a device holds at most 3 (dynamic partitioning). A gang of 3 such tasks runs; one of 4
/// never can. Under a static layout of a 2g.20gb at slice 0 and a 3g.40gb at 4, a 2g task has
/// one instance: a gang of 2 never fits.
#[test]
fn a_gang_of_more_instances_than_the_devices_hold_never_fits() {
    let state = |sharing: &str, trace: &str| {
        let run = run_with(&scenario(sharing), trace);
        run.record.jobs[0].state.as_str().to_string()
    };
    let dynamic = "[sharing]\nmode = \"mig\"";
    assert_eq!(state(dynamic, "g,0,100,3,0.25,\n"), "completed");
    assert_eq!(state(dynamic, "g,0,100,4,0.25,\n"), "never-fits");
    let fixed = "[sharing]\nmode = \"mig\"\nmig_partitioning = \"static\"\n\
                 mig_layouts = { \"A100-80GB\" = [\"2g.20gb@0\", \"3g.40gb@4\"] }";
    assert_eq!(state(fixed, "g,0,100,1,1,2g.20gb\n"), "completed");
    assert_eq!(state(fixed, "g,0,100,2,1,2g.20gb\n"), "never-fits");
}

#[test]
fn packed_places_by_the_geometry_not_by_free_capacity() {
    // Two nodes of one A100-80GB each, `packed` (and `gang`, which packs). Dynamic: a (3g) at 0
    // goes to r0-n0 at start 0 and is created (10 s): 0 → 1010. b (4g) at 1: a 4g starts only
    // at 0, under a's memory on r0-n0, so r0-n0 holds none (though 572 milli-GPU are free
    // there); r0-n1 is empty: created there, 1 → 111. Counting by free capacity put b on r0-n0
    // to wait for a: 1010 → 1120.
    let two_nodes = |sharing: &str, policy: &str| {
        scenario(sharing)
            .replace("nodes_per_rack = 1", "nodes_per_rack = 2")
            .replace("name = \"first-fit\"", &format!("name = \"{policy}\""))
    };
    for policy in ["packed", "gang"] {
        let dynamic = "[sharing]\nmode = \"mig\"\nmig_partitioning = \"dynamic\"\nmig_reconfig = \"10s\"";
        let run = run_with(
            &two_nodes(dynamic, policy),
            "a,0,1000,1,1,3g.40gb\nb,1,100,1,1,4g.40gb\n",
        );
        assert_eq!((span(&run, "a"), span(&run, "b")), ((0, 1010), (1, 111)), "{policy}");
        // Static: r0-n0 is one 7g, r0-n1 a 4g at 0 and a 3g at 4. a (3g) fits only r0-n1's 3g,
        // b (a whole GPU) only r0-n0's 7g: both at once, no reconfiguration. Counting by free
        // capacity tried r0-n0 for a, failed, and never placed either.
        let fixed = "[sharing]\nmode = \"mig\"\nmig_partitioning = \"static\"\n\
                     mig_layouts = { \"A100-80GB\" = [\"4g.40gb@0\", \"3g.40gb@4\"] }\n\
                     mig_node_layouts = { \"r0-n0\" = [\"7g.80gb@0\"] }";
        let run = run_with(&two_nodes(fixed, policy), "a,0,100,1,1,3g.40gb\nb,1,100,1,1,\n");
        assert_eq!((span(&run, "a"), span(&run, "b")), ((0, 100), (1, 101)), "{policy}");
    }
}

#[test]
fn typical_profiles_of_one_share_are_told_apart_by_their_memory() {
    // The typical task is a 1g.20gb (1 compute slice, 2 memory slices, starts 0, 2, 4, 6); a
    // 1g.10gb shares its milli-GPU but needs one memory slice. a (1g.10gb) reuses the layout's
    // idle 1g at 1 (memory slice 1) and runs 0 → 100. A 1g.20gb can then start at 2, 4 or 6 (0
    // needs memory slice 1): of the free compute slices 0, 2–6, slices 0, 3 and 5 are covered
    // by none, so 3/7 GPU is fragmented for the whole run. Measured as a 1g.10gb, nothing was.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("t.csv"), format!("{HEADER}a,0,100,1,1,1g.10gb\n")).unwrap();
    std::fs::write(
        dir.path().join("typ.csv"),
        format!("{HEADER}x,0,100,1,1,1g.20gb\ny,0,100,1,1,1g.20gb\n"),
    )
    .unwrap();
    let text =
        scenario("[sharing]\nmode = \"mig\"\nmig_reconfig = \"0s\"\nmig_layouts = { \"A100-80GB\" = [\"1g.10gb@1\"] }")
            .replace("trace = \"t.csv\"", "trace = \"t.csv\"\ntypical_tasks = \"typ.csv\"");
    let loaded = load_str(&text, "s.toml", Some(dir.path().to_path_buf()), &[]).unwrap();
    let run = run(&loaded).unwrap();
    let frag = run.record.summary.mig_frag_gpus_mean.unwrap();
    assert!((frag - 3.0 / 7.0).abs() < 1e-9, "{frag}");
}

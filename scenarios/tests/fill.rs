//! Fill runs end to end: `fill.csv` rows worked out by hand on tiny clusters, and a real one.

mod common;

use common::clustersim;

const PODS_HEADER: &str = "name,cpu_milli,memory_mib,num_gpu,gpu_milli\n";

/// Runs a fill scenario on one node of `gpus` T4s with `pods` (an openb list without times);
/// returns the run's `fill.csv`.
fn fill_csv(gpus: u32, pods: &str, target: f64) -> String {
    let dir = tempfile::tempdir().unwrap();
    let scenario = format!(
        "name = \"fill\"\nseed = 42\n[cluster]\nracks = 1\nnodes_per_rack = 1\nnode = {{ gpus = {gpus}, gpu_type = \"T4\" }}\n\
         [workload]\ntrace = \"pods.csv\"\nmode = \"fill\"\ntarget_demand = {target}\n"
    );
    std::fs::write(dir.path().join("s.toml"), scenario).unwrap();
    std::fs::write(dir.path().join("pods.csv"), format!("{PODS_HEADER}{pods}")).unwrap();
    let output = clustersim(&["run", "s.toml", "--out", "out", "--quiet"], dir.path());
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    std::fs::read_to_string(dir.path().join("out/fill.csv")).unwrap()
}

#[test]
fn whole_gpu_pods_fill_four_gpus_then_fail() {
    // Two 1-GPU pods on 4 GPUs (4,000 milli), target 1.3 → 5,200 milli: three copies are
    // appended (2,000 → 5,000; a fourth would make 6,000). Every pod is alike, so the shuffle
    // does not matter. Arrived demand after each pod: 25, 50, 75, 100, 125 %; the first four
    // are placed (allocation 0.25 … 1), the fifth finds no free GPU and fails.
    let csv = fill_csv(4, "a,1000,0,1,1000\nb,1000,0,1,1000\n", 1.3);
    assert_eq!(
        csv,
        "arrived_pct,arrived_demand,gpu_alloc_ratio,pods_arrived,pods_failed,frag_amount,frag_ratio\n\
         25,0.25,0.25,1,0,0.0,0.0\n50,0.5,0.5,2,0,0.0,0.0\n75,0.75,0.75,3,0,0.0,0.0\n100,1.0,1.0,4,0,0.0,0.0\n125,1.25,1.0,5,1,0.0,0.0\n"
    );
}

#[test]
fn shared_pods_are_grouped_by_rounded_percent() {
    // Pods of 4 milli-GPU on one GPU (1,000 milli; 1 % = 10 milli), target 0.02 → 20 milli: the
    // two pods plus three copies arrive, demand 0.4, 0.8, 1.2, 1.6, 2.0 %, rounded 0, 1, 1, 2, 2.
    // All fit, so allocation = demand; each row averages its group: 0 → 0.004;
    // 1 → (0.008 + 0.012) / 2 = 0.01; 2 → (0.016 + 0.020) / 2 = 0.018.
    let csv = fill_csv(1, "a,0,0,1,4\nb,0,0,1,4\n", 0.02);
    assert_eq!(
        csv,
        "arrived_pct,arrived_demand,gpu_alloc_ratio,pods_arrived,pods_failed,frag_amount,frag_ratio\n\
         0,0.004,0.004,1,0,0.0,0.0\n1,0.012,0.01,3,0,0.0,0.0\n2,0.02,0.018,5,0,0.0,0.0\n"
    );
}

#[test]
fn an_oversized_list_is_cut_to_the_target() {
    // Two 2-GPU pods on 2 GPUs, target 1.0 → 2,000 milli: the list already asks 4,000, so one
    // pod chosen at random is removed (4,000 → 2,000). The one left fills both GPUs: one row,
    // 100 %, allocation 1, nothing failed.
    let csv = fill_csv(2, "a,0,0,2,1000\nb,0,0,2,1000\n", 1.0);
    assert_eq!(
        csv,
        "arrived_pct,arrived_demand,gpu_alloc_ratio,pods_arrived,pods_failed,frag_amount,frag_ratio\n100,1.0,1.0,1,0,0.0,0.0\n"
    );
}

/// The FGD setting: the openb default list on the 1,213 GPU nodes, target 1.3, first-fit.
#[test]
fn the_openb_default_list_fills_the_openb_cluster_deterministically() {
    let data = concat!(env!("CARGO_MANIFEST_DIR"), "/../traces/data/alibaba-openb-gpu-v2023");
    let dir = tempfile::tempdir().unwrap();
    let scenario = format!(
        "name = \"openb-fill\"\nseed = 42\n[cluster]\nnodes_file = \"{data}/openb_node_list_gpu_node.csv\"\n\
         [workload]\ntrace = \"{data}/openb_pod_list_default.csv\"\nmode = \"fill\"\n"
    );
    std::fs::write(dir.path().join("s.toml"), scenario).unwrap();
    for out in ["one", "two"] {
        let output = clustersim(&["run", "s.toml", "--out", out, "--quiet"], dir.path());
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    }
    let one = std::fs::read_to_string(dir.path().join("one/fill.csv")).unwrap();
    assert_eq!(one, std::fs::read_to_string(dir.path().join("two/fill.csv")).unwrap());
    let rows: Vec<Vec<f64>> = one
        .lines()
        .skip(1)
        .map(|l| l.split(',').map(|v| v.parse().unwrap()).collect())
        .collect();
    // One row per percent from 0 to 130: a pod is at most 8 GPUs, 0.13 % of 6,212.
    let percents: Vec<f64> = rows.iter().map(|r| r[0]).collect();
    assert_eq!(percents, (0..=130).map(f64::from).collect::<Vec<_>>());
    let last = rows.last().unwrap();
    assert!(
        last[1] <= 1.3 && last[1] > 1.29,
        "demand stops just under 130 %: {}",
        last[1]
    );
    assert!(
        rows.iter().all(|r| r[2] <= 1.0 && r[2] <= r[1] + 1e-9),
        "allocation never exceeds capacity or demand"
    );
    assert!(
        rows.windows(2).all(|w| w[1][2] >= w[0][2] - 1e-9),
        "pods never finish: allocation only grows"
    );
    assert!(
        rows[50][4] == 0.0 && last[4] > 0.0,
        "nothing fails at half load; pods fail once it is full"
    );
}

#[test]
fn typical_tasks_can_come_from_another_list() {
    // The workload: 1-GPU pods on one node of 4 GPUs (five arrive, 25 % each). The typical
    // tasks come from other.csv instead: one class, 4 whole GPUs. After the first pod three
    // devices are idle, fewer than 4: all 3,000 idle milli are fragmented, 0.75 of the
    // capacity and all of the idle capacity; then 0.5, 0.25, and 0 once nothing is idle.
    let dir = tempfile::tempdir().unwrap();
    let scenario = "name = \"fill\"\nseed = 42\n[cluster]\nracks = 1\nnodes_per_rack = 1\n\
                    node = { gpus = 4, gpu_type = \"T4\" }\n[workload]\ntrace = \"pods.csv\"\nmode = \"fill\"\n\
                    typical_tasks = \"other.csv\"\n";
    std::fs::write(dir.path().join("s.toml"), scenario).unwrap();
    std::fs::write(
        dir.path().join("pods.csv"),
        format!("{PODS_HEADER}a,1000,0,1,1000\nb,1000,0,1,1000\n"),
    )
    .unwrap();
    std::fs::write(dir.path().join("other.csv"), format!("{PODS_HEADER}x,1000,0,4,1000\n")).unwrap();
    let output = clustersim(&["run", "s.toml", "--out", "out", "--quiet"], dir.path());
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let csv = std::fs::read_to_string(dir.path().join("out/fill.csv")).unwrap();
    let frag: Vec<&str> = csv.lines().skip(1).map(|l| l.splitn(6, ',').last().unwrap()).collect();
    assert_eq!(frag, ["0.75,1.0", "0.5,1.0", "0.25,1.0", "0.0,0.0", "0.0,0.0"]);
    // A threshold outside 1–100 % is refused before anything runs.
    let bad = clustersim(&["run", "s.toml", "--set", "workload.typical_threshold=0"], dir.path());
    assert_eq!(bad.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&bad.stderr).contains("typical_threshold: must be 1 to 100 (percent), got 0"),
        "{}",
        String::from_utf8_lossy(&bad.stderr)
    );
}

#[test]
fn a_fill_run_report_opens_with_its_allocation_curve() {
    // Two 1-GPU pods inflated to 130 % of 4 GPUs, as in the first test: the report leads with
    // the allocation against arrived demand, the one chart a fill run has to show (its time
    // series is a single instant).
    let dir = tempfile::tempdir().unwrap();
    let scenario = "name = \"fill\"\nseed = 42\n[cluster]\nracks = 1\nnodes_per_rack = 1\nnode = { gpus = 4, gpu_type = \"T4\" }\n\
                    [workload]\ntrace = \"pods.csv\"\nmode = \"fill\"\ntarget_demand = 1.3\n";
    std::fs::write(dir.path().join("s.toml"), scenario).unwrap();
    std::fs::write(
        dir.path().join("pods.csv"),
        format!("{PODS_HEADER}a,1000,0,1,1000\nb,1000,0,1,1000\n"),
    )
    .unwrap();
    let output = clustersim(&["run", "s.toml", "--out", "out", "--quiet"], dir.path());
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let page = std::fs::read_to_string(dir.path().join("out/report.html")).unwrap();
    let curve = page
        .find("<figure id=\"fill_alloc\">")
        .expect("the allocation curve is drawn");
    assert!(page.find("<figure").unwrap() == curve && curve < page.find("<p class=\"caption\">").unwrap());
}

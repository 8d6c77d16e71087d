//! The FGD study on the real openb default pod list and the 1,213 GPU nodes (seed 42, 130 %).

use std::path::{Path, PathBuf};

use scenarios::build::{build_cluster, open_workload, typical_tasks};
use scenarios::run::DEFAULT_TARGET_DEMAND;
use scenarios::{Override, ValidScenario, load_file};
use sim_core::engine::EngineConfig;
use sim_core::observe::{Observer, Record};
use sim_core::run::simulate_measured;
use sim_core::view::ClusterView;
use traces::fill::fill_workload;

fn example() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/openb-fill.toml")
}

fn scenario(policy: &str) -> ValidScenario {
    let set: Override = format!("policy.name={policy}").parse().unwrap();
    load_file(&example(), &[set]).unwrap()
}

/// Checks at the end of every instant, until the first pod fails, that the allocated GPU
/// capacity is exactly the arrived demand.
#[derive(Default)]
struct AllocEqualsDemand {
    arrived_milli: u64,
    failed: bool,
    instants_checked: u64,
    demand_at_first_failure: Option<u64>,
}

impl Observer for AllocEqualsDemand {
    fn on_record(&mut self, record: &Record, view: &ClusterView<'_>) {
        match *record {
            Record::Arrived { job } => self.arrived_milli += view.job(job).spec.gpu_milli(),
            Record::Rejected { job, .. } => {
                if view.job(job).first_start.is_none() && !self.failed {
                    self.demand_at_first_failure = Some(self.arrived_milli);
                }
                self.failed = true;
            }
            _ => {}
        }
    }

    fn on_instant_end(&mut self, view: &ClusterView<'_>) {
        if !self.failed {
            assert_eq!(view.cluster.allocated_gpu_milli(), self.arrived_milli);
            self.instants_checked += 1;
        }
    }
}

#[test]
fn allocation_equals_arrived_demand_while_nothing_fails() {
    // Pods first fail once this share of the capacity has arrived (at least): FGD keeps whole
    // nodes for the 8-GPU pods until the cluster is nearly full (about 95 % for this seed);
    // random breaks the few nodes that can hold an 8-GPU pod of 120 cores early (about 57 %).
    for (policy, fails_after) in [("fgd", 0.9), ("paper-random", 0.4)] {
        let loaded = scenario(policy);
        let cluster = build_cluster(&loaded).unwrap();
        let typical = typical_tasks(&loaded, &cluster).unwrap();
        let capacity = cluster.total_gpu_milli();
        assert_eq!(capacity, 6_212_000);
        let mut source = open_workload(&loaded, &cluster).unwrap();
        let mut fill = fill_workload(&mut *source, 42, capacity, DEFAULT_TARGET_DEMAND, u64::MAX).unwrap();
        let config = EngineConfig {
            horizon: Some(fill.last_arrival),
            fail_unplaced_arrivals: true,
            ..EngineConfig::default()
        };
        let spec = policies::PolicySpec::preset(policy).unwrap();
        let mut scheduler = policies::resolve_with(&spec, 42, &typical);
        let mut check = AllocEqualsDemand::default();
        simulate_measured(
            cluster,
            &mut fill.source,
            scheduler.as_mut(),
            config,
            vec![&mut check],
            &mut sim_core::metrics::DiscardRows,
            None,
            &[],
        )
        .unwrap();
        let first_failure = check
            .demand_at_first_failure
            .expect("130 % of the capacity cannot all fit");
        assert!(
            first_failure as f64 > fails_after * capacity as f64,
            "{policy}: first failure at {first_failure} milli"
        );
        assert!(check.instants_checked > 3000, "{policy}: {}", check.instants_checked);
    }
}

#[test]
fn fgd_allocates_more_than_random_at_130_percent() {
    let last_alloc = |policy: &str| {
        let run = scenarios::run::run(&scenario(policy)).unwrap();
        let rows = run.fill.unwrap();
        let last = rows.last().unwrap().clone();
        assert_eq!(last.arrived_pct, 130, "{policy}");
        (last.gpu_alloc_ratio, last.frag_amount.unwrap())
    };
    let (fgd, fgd_frag) = last_alloc("fgd");
    let (random, random_frag) = last_alloc("paper-random");
    // The study's headline: FGD leaves fewer GPUs unallocated (here 95.3 % allocated against
    // 88.1 %) because it leaves less capacity fragmented (4.6 % of the GPUs against 11.8 %).
    assert!(fgd > random + 0.05, "fgd {fgd} against random {random}");
    assert!(fgd_frag < random_frag, "fgd {fgd_frag} against random {random_frag}");
    assert!(
        fgd > 0.94 && fgd < 0.97,
        "the artifact's runs end at 95.1–95.5 %: {fgd}"
    );
}

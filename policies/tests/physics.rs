//! Network, power and thermal models on cases worked out by hand.

mod common;

use std::collections::BTreeMap;
use std::convert::Infallible;

use common::{Scripted, job, racks};
use sim_core::engine::{Engine, EngineConfig, RunOutcome, World};
use sim_core::fabric::{FabricConfig, Sharing, Uplink};
use sim_core::ids::{JobId, NodeId};
use sim_core::job::JobSpec;
use sim_core::observe::{Observer, Record};
use sim_core::physics::PhysicsConfig;
use sim_core::power::{PowerConfig, PowerMode};
use sim_core::thermal::ThermalConfig;
use sim_core::time::SimTime;
use sim_core::view::ClusterView;

/// Records every speed change and the network's recomputation count at the end.
#[derive(Default)]
struct Watch {
    rate_changes: Vec<(SimTime, JobId, f64)>,
    recomputed: u64,
    temps: Vec<(SimTime, f64)>,
    sample_node: usize,
}

impl Observer for Watch {
    fn on_record(&mut self, record: &Record, view: &ClusterView<'_>) {
        if let Record::RateChanged { job, new_rate, .. } = *record {
            self.rate_changes.push((view.now, job, new_rate));
        }
    }

    fn on_sample(&mut self, at: SimTime, view: &ClusterView<'_>) {
        if let Some(thermal) = view.physics.thermal() {
            self.temps
                .push((at, thermal.node_temp_c(NodeId::from_index(self.sample_node), at)));
        }
    }

    fn on_end(&mut self, _end: SimTime, view: &ClusterView<'_>) {
        self.recomputed = view.physics.network().map_or(0, |n| n.recomputed_jobs());
    }
}

fn run(world: World, jobs: Vec<JobSpec>, placements: &[(&str, &[usize])], config: EngineConfig) -> (RunOutcome, Watch) {
    let mut policy = Scripted {
        nodes: placements
            .iter()
            .map(|(j, n)| (j.to_string(), n.to_vec()))
            .collect::<BTreeMap<_, _>>(),
    };
    let mut watch = Watch::default();
    let mut engine = Engine::new(world, jobs.into_iter().map(Ok::<_, Infallible>), &mut policy, config).unwrap();
    engine.add_observer(&mut watch);
    (engine.run().unwrap(), watch)
}

fn end_s(outcome: &RunOutcome, index: usize) -> f64 {
    outcome.jobs[index].end.unwrap().as_secs_f64()
}

fn fabric(uplink_gbps: f64) -> FabricConfig {
    FabricConfig {
        node_nic_gbps: 100.0,
        uplink: Uplink::Gbps(uplink_gbps),
        spines: 1,
        sharing: Sharing::MaxMin,
    }
}

fn with_comm(mut spec: JobSpec, c: f64) -> JobSpec {
    spec.comm_fraction = c;
    spec
}

/// Two multi-rack jobs share one uplink and each get half of it.
///
/// Five racks of one node; NIC 100 Gbit/s, uplinks 100 Gbit/s. A (2 × 4 GPUs, 300 s, c = 0.5) on
/// n0 + n1 and B (2 × 4 GPUs, 600 s, c = 0.5) on n0 + n2 both cross r0's uplink, each asking
/// 100: each is served 1/2, so both run at 1 / (0.5 + 0.5/0.5) = 2/3 speed. A ends at
/// 300 / (2/3) = 450 s. B has then done 450 · 2/3 = 300 s of work; alone it runs at full speed
/// and ends at 450 + 300 = 750 s (not at 600 / (2/3) = 900 s). C (n3 + n4) shares nothing and
/// ends at 100 s.
///
/// Recomputations: starting A recomputes {A} (1), B {A, B} (2), C {C} (1); C ending recomputes
/// its now-empty component (0), A ending recomputes {B} (1), B ending nothing: 5 in all.
#[test]
fn two_jobs_sharing_an_uplink_get_half_each() {
    let world = World {
        cluster: racks(5, 1, "A100-80GB"),
        faults: Default::default(),
        models: Vec::new(),
        physics: PhysicsConfig {
            fabric: Some(fabric(100.0)),
            ..Default::default()
        },
    };
    let jobs = vec![
        with_comm(job("A", 0, 300, 2, 4.0), 0.5),
        with_comm(job("B", 0, 600, 2, 4.0), 0.5),
        with_comm(job("C", 0, 100, 2, 4.0), 0.5),
    ];
    let (outcome, watch) = run(
        world,
        jobs,
        &[("A", &[0, 1]), ("B", &[0, 2]), ("C", &[3, 4])],
        EngineConfig::default(),
    );
    assert!((end_s(&outcome, 0) - 450.0).abs() < 1e-6);
    assert!((end_s(&outcome, 1) - 750.0).abs() < 1e-6);
    assert_eq!(end_s(&outcome, 2), 100.0);
    assert!(
        watch.rate_changes.iter().all(|&(_, job, _)| job != JobId(2)),
        "C is never slowed"
    );
    assert_eq!(watch.recomputed, 5);
}

/// Jobs on one rack, or communicating nothing, are not slowed by a tiny uplink.
#[test]
fn in_rack_and_silent_jobs_are_not_slowed() {
    let world = World {
        cluster: racks(2, 2, "A100-80GB"),
        faults: Default::default(),
        models: Vec::new(),
        physics: PhysicsConfig {
            fabric: Some(fabric(1.0)),
            ..Default::default()
        },
    };
    let jobs = vec![
        with_comm(job("in-rack", 0, 100, 2, 8.0), 0.9),
        job("silent", 0, 100, 2, 8.0),
    ];
    let (outcome, watch) = run(
        world,
        jobs,
        &[("in-rack", &[0, 1]), ("silent", &[2, 3])],
        EngineConfig::default(),
    );
    assert_eq!((end_s(&outcome, 0), end_s(&outcome, 1)), (100.0, 100.0));
    assert!(watch.rate_changes.is_empty());
}

fn power(budget_w: f64, mode: PowerMode) -> PowerConfig {
    PowerConfig {
        mode,
        rack_budget_w: Some(budget_w),
        ..PowerConfig::default()
    }
}

/// Power cap: one rack of two A100 nodes under 8000 W.
///
/// Y (8 GPUs, 1000 s) starts at 0 on n0: rack 4800 + 1400 = 6200 W, within budget: full speed.
/// X (8 GPUs, 1000 s) starts at 100 s on n1: 9600 W at full clock, so the rack's GPUs get the
/// clock f with 4160 + 5440·f³ = 8000, f = (3840/5440)^(1/3) (the power module's unit test
/// derives these numbers); speed = f. Y had 900 s left: it ends at 100 + 900/f. X then runs
/// alone at full speed with 1000 − 900 = 100 s left: it ends at 200 + 900/f.
#[test]
fn a_rack_over_its_budget_slows_down_by_the_curve() {
    let world = World {
        cluster: racks(1, 2, "A100-80GB"),
        faults: Default::default(),
        models: Vec::new(),
        physics: PhysicsConfig {
            power: Some(power(8000.0, PowerMode::Cap)),
            ..Default::default()
        },
    };
    let jobs = vec![job("Y", 0, 1000, 1, 8.0), job("X", 100, 1000, 1, 8.0)];
    let (outcome, _) = run(world, jobs, &[("Y", &[0]), ("X", &[1])], EngineConfig::default());
    let f = sim_core::math::cbrt(3840.0 / 5440.0);
    assert!(
        (end_s(&outcome, 0) - (100.0 + 900.0 / f)).abs() < 1e-5,
        "{}",
        end_s(&outcome, 0)
    );
    assert!(
        (end_s(&outcome, 1) - (200.0 + 900.0 / f)).abs() < 1e-5,
        "{}",
        end_s(&outcome, 1)
    );
}

/// Admission: the same rack under 6500 W in `admit` mode. Y alone draws 6200 W: it starts.
/// X would take the rack to 9600 W: it waits until Y ends at 1000 s, then runs at full speed.
#[test]
fn admit_delays_the_job_that_would_exceed_the_budget() {
    let world = World {
        cluster: racks(1, 2, "A100-80GB"),
        faults: Default::default(),
        models: Vec::new(),
        physics: PhysicsConfig {
            power: Some(power(6500.0, PowerMode::Admit)),
            ..Default::default()
        },
    };
    let jobs = vec![job("Y", 0, 1000, 1, 8.0), job("X", 100, 1000, 1, 8.0)];
    let (outcome, watch) = run(world, jobs, &[("Y", &[0]), ("X", &[1])], EngineConfig::default());
    assert_eq!(outcome.jobs[1].first_start, Some(SimTime::from_secs(1000)));
    assert_eq!(end_s(&outcome, 1), 2000.0);
    assert!(watch.rate_changes.is_empty());
}

fn thermal_world(nodes: usize) -> World {
    let mut power = power(1e9, PowerMode::Cap);
    power.rack_budget_w = None;
    World {
        cluster: racks(1, nodes, "V100-32GB"),
        faults: Default::default(),
        models: Vec::new(),
        physics: PhysicsConfig {
            power: Some(power),
            thermal: Some(ThermalConfig {
                cooling_w_per_rack: Some(40_000.0),
                ..ThermalConfig::default()
            }),
            ..Default::default()
        },
    }
}

fn busy_rack(nodes: usize, horizon_s: u64) -> (RunOutcome, Watch) {
    let jobs: Vec<JobSpec> = (0..nodes).map(|i| job(&format!("j{i}"), 0, 100_000, 1, 8.0)).collect();
    let names: Vec<String> = (0..nodes).map(|i| format!("j{i}")).collect();
    let nodes_of: Vec<Vec<usize>> = (0..nodes).map(|i| vec![i]).collect();
    let placements: Vec<(&str, &[usize])> = names
        .iter()
        .map(String::as_str)
        .zip(nodes_of.iter().map(Vec::as_slice))
        .collect();
    let config = EngineConfig {
        horizon: Some(SimTime::from_secs(horizon_s)),
        sample_interval: Some(SimTime::from_secs(600)),
        ..Default::default()
    };
    run(thermal_world(nodes), jobs, &placements, config)
}

/// Ten V100 nodes at 3.5 kW each (8 × 300 W + 1.2 kW base = 3.6 kW, clipped at the DGX-1's
/// 3.5 kW) draw 35 kW under 40 kW of cooling: the inlet stays at 24 °C and each GPU settles at
/// 24 + R·P = 24 + (40/300)·300 = 64 °C, far below the 83 °C max-op: nothing ever throttles.
#[test]
fn ten_nodes_under_their_cooling_never_throttle() {
    let (_, watch) = busy_rack(10, 36_000);
    assert!(watch.rate_changes.is_empty(), "{:?}", watch.rate_changes.first());
    let last = watch.temps.last().unwrap().1;
    assert!((last - 64.0).abs() < 1e-9, "{last}");
}

/// Twelve nodes draw 42 kW: 2 kW more than the cooling removes. The rack air (heat capacity
/// C = 300 s · 12 · 3500 W / 16 K = 787,500 J/K) warms at k = 2000 / 787,500 K/s. A GPU starts
/// at idle, T₀ = 24 + (40/300)·35 = 28.667 °C, and follows
/// T(t) = 24 + 40 + k·(t − 30) + (T₀ − 64 + 30k)·e^(−t/30).
/// It reaches max-op (83 °C) when the exponential has long vanished: t = 30 + 19/k = 7511.25 s.
/// Then the firmware caps it, and the jobs slow down for the first time.
#[test]
fn twelve_nodes_heat_up_and_throttle_when_the_closed_form_says() {
    let (_, watch) = busy_rack(12, 9000);
    let k = 2000.0 / 787_500.0;
    let closed_form = |t: f64| {
        64.0 + k * (t - 30.0) + (24.0 + 40.0 / 300.0 * 35.0 - 64.0 + 30.0 * k) * sim_core::math::exp(-t / 30.0)
    };
    for &(at, temp) in &watch.temps {
        let t = at.as_secs_f64();
        if t < 7500.0 {
            assert!(
                (temp - closed_form(t)).abs() < 1e-9,
                "at {t} s: {temp} vs {}",
                closed_form(t)
            );
        }
    }
    let (first, _, rate) = watch.rate_changes[0];
    assert!((first.as_secs_f64() - 7511.25).abs() < 1e-3, "{first:?}");
    assert!(rate < 1.0 && rate > 0.99, "a slight cap first: {rate}");
}

fn overheated_rack(cooling_w: f64, horizon_s: u64) -> (RunOutcome, Watch) {
    let mut power = power(1e9, PowerMode::Cap);
    power.rack_budget_w = None;
    let world = World {
        cluster: racks(1, 8, "V100-32GB"),
        faults: Default::default(),
        models: Vec::new(),
        physics: PhysicsConfig {
            power: Some(power),
            thermal: Some(ThermalConfig {
                cooling_w_per_rack: Some(cooling_w),
                ..ThermalConfig::default()
            }),
            ..Default::default()
        },
    };
    let jobs: Vec<JobSpec> = (0..8).map(|i| job(&format!("j{i}"), 0, 1_000_000, 1, 8.0)).collect();
    let names: Vec<String> = (0..8).map(|i| format!("j{i}")).collect();
    let nodes_of: Vec<Vec<usize>> = (0..8).map(|i| vec![i]).collect();
    let placements: Vec<(&str, &[usize])> = names
        .iter()
        .map(String::as_str)
        .zip(nodes_of.iter().map(Vec::as_slice))
        .collect();
    let config = EngineConfig {
        horizon: Some(SimTime::from_secs(horizon_s)),
        sample_interval: Some(SimTime::from_secs(60)),
        ..Default::default()
    };
    run(world, jobs, &placements, config)
}

/// Eight busy V100 nodes (28 kW) under 24 kW of cooling: the inlet warms until firmware caps
/// hold the GPUs at max-op. The caps track the inlet, so no GPU goes more than the 2 K
/// hysteresis above 83 °C, none reaches the 87 °C slowdown, and nothing shuts down; the jobs
/// run slower but keep running.
#[test]
fn an_overloaded_rack_settles_under_its_caps() {
    let (outcome, watch) = overheated_rack(24_000.0, 20_000);
    let hottest = watch.temps.iter().map(|&(_, t)| t).fold(f64::MIN, f64::max);
    assert!(hottest > 83.0 && hottest <= 85.0 + 1e-6, "{hottest}");
    assert!(outcome.jobs.iter().all(|j| j.interruptions == 0));
    let slowest = watch.rate_changes.iter().map(|&(_, _, r)| r).fold(1.0, f64::min);
    // Equilibrium: rack power = cooling → per node 3 kW → GPUs at (3000 − 1200)/8 = 225 W,
    // clock ((225 − 45)/255)^(1/3) = 0.890; caps overshoot it a little while tracking.
    assert!(slowest < 0.92 && slowest > 0.85, "{slowest}");
}

/// A cooling failure (1 W left): caps cannot hold, the GPUs reach the hardware slowdown, then
/// their 90 °C shutdown: the nodes go down, their jobs are interrupted and wait, and the nodes
/// come back an hour later (the default recovery) into a rack that is still hot.
#[test]
fn a_cooling_failure_ends_in_shutdowns() {
    let (outcome, watch) = overheated_rack(1.0, 3 * 3600);
    let halved = watch
        .rate_changes
        .iter()
        .find(|&&(_, _, r)| r < 0.5)
        .expect("a hardware slowdown");
    let first_interruption = outcome.jobs.iter().filter(|j| j.interruptions > 0).count();
    assert!(first_interruption > 0, "nodes shut down and interrupted their jobs");
    assert!(halved.0 < SimTime::from_secs(3 * 3600));
    assert!(
        watch.temps.iter().all(|&(_, t)| t < 90.0 + 2.0),
        "no GPU runs far past shutdown"
    );
}

/// Runs `jobs` under the preset `name` on `world`.
fn run_preset(name: &str, world: World, jobs: Vec<JobSpec>) -> RunOutcome {
    let mut policy = common::policy(name);
    Engine::new(
        world,
        jobs.into_iter().map(Ok::<_, Infallible>),
        policy.as_mut(),
        EngineConfig::default(),
    )
    .unwrap()
    .run()
    .unwrap()
}

/// `packed` beats `first-fit` on a multi-node job's JCT when uplinks are oversubscribed 4:1,
/// and they tie at 1:1.
///
/// Two racks of two 8-GPU nodes; NIC 100 Gbit/s. F (8 GPUs, 1000 s) arrives first and both
/// policies put it on n0. G (2 × 8 GPUs, 100 s, c = 0.5) arrives at 1 s: first-fit takes n1
/// (rack 0) and n2 (rack 1); packed takes the rack that holds it whole, n2 + n3.
/// - 4:1: each uplink is 2 · 100 / 4 = 50 Gbit/s; first-fit's G asks 100 of each: served 1/2,
///   speed 1 / (0.5 + 0.5/0.5) = 2/3, JCT 150 s. Packed's G stays in its rack: JCT 100 s.
/// - 1:1: uplinks of 200 Gbit/s serve G fully: both JCTs are 100 s.
#[test]
fn packed_beats_first_fit_when_uplinks_are_oversubscribed() {
    let jct = |policy: &str, ratio: f64| {
        let world = World {
            cluster: racks(2, 2, "A100-80GB"),
            faults: Default::default(),
            models: Vec::new(),
            physics: PhysicsConfig {
                fabric: Some(FabricConfig {
                    node_nic_gbps: 100.0,
                    uplink: Uplink::Oversubscription(ratio),
                    spines: 1,
                    sharing: Sharing::MaxMin,
                }),
                ..Default::default()
            },
        };
        let jobs = vec![job("F", 0, 1000, 1, 8.0), with_comm(job("G", 1, 100, 2, 8.0), 0.5)];
        let outcome = run_preset(policy, world, jobs);
        let g = &outcome.jobs[1];
        (g.end.unwrap() - g.spec.submit).as_secs_f64()
    };
    assert!((jct("first-fit", 4.0) - 150.0).abs() < 1e-6);
    assert_eq!(jct("packed", 4.0), 100.0);
    assert_eq!(jct("first-fit", 1.0), 100.0);
    assert_eq!(jct("packed", 1.0), 100.0);
}

/// `power-aware` steers a job to the rack with the most headroom.
///
/// Two racks of two A100 nodes, budgets 10 kW each (admit). A (8 GPUs) runs on n0 (rack 0):
/// rack 0 draws 4800 + 1400 = 6200 W (headroom 3800), rack 1 2800 W (headroom 7200). B
/// (4 GPUs) arrives next: first-fit takes n1 in rack 0; power-aware takes rack 1 (n2, the
/// lower index of two equally tight nodes).
#[test]
fn power_aware_avoids_the_rack_near_its_budget() {
    let node_of_b = |policy: &str| {
        let world = World {
            cluster: racks(2, 2, "A100-80GB"),
            faults: Default::default(),
            models: Vec::new(),
            physics: PhysicsConfig {
                power: Some(power(10_000.0, PowerMode::Admit)),
                ..Default::default()
            },
        };
        let outcome = run_preset(policy, world, vec![job("A", 0, 1000, 1, 8.0), job("B", 1, 100, 1, 4.0)]);
        outcome.jobs[1].alloc[0].node
    };
    assert_eq!(node_of_b("first-fit"), NodeId(1));
    assert_eq!(node_of_b("power-aware"), NodeId(2));
}

/// `thermal-aware` steers a job to the cooler rack.
///
/// Two racks of two V100 nodes, rack 0's cooling at 4 kW (below its idle 2 × 1000 W plus a
/// busy node's 3500 W = 4.5 kW): A (8 GPUs, long) on n0 warms rack 0; by 600 s its GPUs run
/// well above rack 1's idle ones (24 + 40·35/300 = 28.7 °C). B arrives at 600 s: first-fit
/// takes n1 (rack 0), thermal-aware rack 1 (n2).
#[test]
fn thermal_aware_avoids_the_hot_rack() {
    let node_of_b = |policy: &str| {
        let mut power = power(1e9, PowerMode::Cap);
        power.rack_budget_w = None;
        let world = World {
            cluster: racks(2, 2, "V100-32GB"),
            faults: Default::default(),
            models: Vec::new(),
            physics: PhysicsConfig {
                power: Some(power),
                thermal: Some(ThermalConfig {
                    cooling_w_per_rack: Some(4000.0),
                    ..ThermalConfig::default()
                }),
                ..Default::default()
            },
        };
        let outcome = run_preset(
            policy,
            world,
            vec![job("A", 0, 100_000, 1, 8.0), job("B", 600, 100, 1, 4.0)],
        );
        outcome.jobs[1].alloc[0].node
    };
    assert_eq!(node_of_b("first-fit"), NodeId(1));
    assert_eq!(node_of_b("thermal-aware"), NodeId(2));
}

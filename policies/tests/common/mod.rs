//! Helpers for engine-level policy tests: small clusters and hand-written jobs.
#![allow(dead_code, reason = "each test binary uses a different subset of the helpers")]

use std::convert::Infallible;

use policies::{PolicyConfig, PolicySpec};
use sim_core::cluster::{Cluster, NodeSpec};
use sim_core::engine::{Engine, EngineConfig, RunOutcome};
use sim_core::job::{Job, JobSpec};
use sim_core::metrics::{Sample, UsageCollector};
use sim_core::policy::Policy;
use sim_core::resources::TaskRequest;
use sim_core::time::SimTime;

/// `nodes` nodes of `gpus` GPUs each, all in rack `r0`, named `n0`, `n1`, …
pub fn cluster(nodes: usize, gpus: u32) -> Cluster {
    let specs: Vec<NodeSpec> = (0..nodes).map(|i| node(i, "r0", gpus)).collect();
    Cluster::build(&specs).unwrap()
}

/// Node `n{i}` of `gpus` A100s in `rack`, with 64 cores and 1 TiB (never the binding limit).
pub fn node(i: usize, rack: &str, gpus: u32) -> NodeSpec {
    NodeSpec {
        name: format!("n{i}"),
        rack: rack.into(),
        gpus,
        gpu_type: "A100".into(),
        cpu_milli: 64_000,
        mem_mib: 1 << 20,
    }
}

/// A job of `tasks` × `gpus` submitted at `submit_s` that runs `duration_s` seconds.
pub fn job(id: &str, submit_s: u64, duration_s: u64, tasks: u32, gpus: f64) -> JobSpec {
    let task = TaskRequest::with_gpu_amount(gpus, 0, 0).unwrap();
    JobSpec::new(
        id,
        SimTime::from_secs(submit_s),
        SimTime::from_secs(duration_s),
        tasks,
        task,
    )
}

/// The preset called `name`, seeded with 0.
pub fn policy(name: &str) -> Box<dyn Policy + Send> {
    policies::resolve(&PolicySpec::preset(name).unwrap(), 0)
}

/// The preset `name` with `edit` applied to its `[policy]` table, seeded with `seed`.
pub fn configured(name: &str, seed: u64, edit: impl FnOnce(&mut PolicyConfig)) -> Box<dyn Policy + Send> {
    let mut config = PolicyConfig::preset(name);
    edit(&mut config);
    policies::resolve(&PolicySpec::from_config(&config).unwrap(), seed)
}

/// Runs `jobs` to the end under `policy`.
pub fn run_with(mut policy: Box<dyn Policy + Send>, cluster: Cluster, jobs: Vec<JobSpec>) -> RunOutcome {
    let source = jobs.into_iter().map(Ok::<_, Infallible>);
    Engine::new(cluster, source, policy.as_mut(), EngineConfig::default())
        .unwrap()
        .run()
        .unwrap()
}

/// Nodes with `gpus` GPUs, `cpus` cores and `mem_gib` GiB each, `per_rack` to a rack.
pub fn sized_cluster(nodes: usize, per_rack: usize, gpus: u32, cpus: u64, mem_gib: u64) -> Cluster {
    let specs: Vec<NodeSpec> = (0..nodes)
        .map(|i| NodeSpec {
            name: format!("n{i}"),
            rack: format!("r{}", i / per_rack),
            gpus,
            gpu_type: if gpus > 0 { "A100".into() } else { String::new() },
            cpu_milli: cpus * 1000,
            mem_mib: mem_gib * 1024,
        })
        .collect();
    Cluster::build(&specs).unwrap()
}

/// Sets fields of a job spec in place and returns it.
pub fn with(mut spec: JobSpec, edit: impl FnOnce(&mut JobSpec)) -> JobSpec {
    edit(&mut spec);
    spec
}

/// Runs `jobs` to the end under the named policy.
pub fn run(policy: &str, cluster: Cluster, jobs: Vec<JobSpec>) -> RunOutcome {
    let mut policy = self::policy(policy);
    let config = EngineConfig {
        horizon: None,
        sample_interval: None,
        ..Default::default()
    };
    let source = jobs.into_iter().map(Ok::<_, Infallible>);
    Engine::new(cluster, source, policy.as_mut(), config)
        .unwrap()
        .run()
        .unwrap()
}

/// Runs `jobs` under the named policy, sampling the cluster every `every_s` seconds.
pub fn run_sampled(policy: &str, cluster: Cluster, jobs: Vec<JobSpec>, every_s: u64) -> (RunOutcome, Vec<Sample>) {
    let mut policy = self::policy(policy);
    let config = EngineConfig {
        horizon: None,
        sample_interval: Some(SimTime::from_secs(every_s)),
        ..Default::default()
    };
    let source = jobs.into_iter().map(Ok::<_, Infallible>);
    let mut usage = UsageCollector::new();
    let mut engine = Engine::new(cluster, source, policy.as_mut(), config).unwrap();
    engine.add_observer(&mut usage);
    let outcome = engine.run().unwrap();
    (outcome, usage.into_samples())
}

/// The job called `id` in a finished run.
pub fn find<'a>(outcome: &'a RunOutcome, id: &str) -> &'a Job {
    outcome.jobs.iter().find(|j| j.spec.id == id).unwrap()
}

/// When job `id` first started (seconds) and the node numbers of its tasks, for assertions on
/// where a job ran.
pub fn start_and_nodes(outcome: &RunOutcome, id: &str) -> (u64, Vec<u32>) {
    let job = find(outcome, id);
    let nodes = job.alloc.iter().map(|t| t.node.0).collect();
    (secs(job.first_start).expect("the job started"), nodes)
}

/// Seconds of an optional instant, for compact assertions.
pub fn secs(t: Option<SimTime>) -> Option<u64> {
    t.map(|t| t.as_micros() / 1_000_000)
}

/// A test policy that starts each job, in arrival order, on the nodes listed for it (one per
/// task), as soon as they fit; a job that does not fit blocks those behind it.
pub struct Scripted {
    /// Job id → node index of each task.
    pub nodes: std::collections::BTreeMap<String, Vec<usize>>,
}

impl sim_core::policy::Policy for Scripted {
    fn name(&self) -> &str {
        "scripted"
    }

    fn schedule(&mut self, view: &sim_core::view::ClusterView<'_>, decisions: &mut Vec<sim_core::policy::Decision>) {
        let mut trial = sim_core::cluster::Trial::new(view.cluster);
        for job in view.pending_jobs() {
            let mut placement = Vec::new();
            for &node in &self.nodes[&job.spec.id] {
                let Some(task) = trial.fit(
                    sim_core::ids::NodeId::from_index(node),
                    &job.spec.task,
                    job.allowed_gpu_types,
                ) else {
                    for placed in &placement {
                        trial.give_back(placed);
                    }
                    return;
                };
                trial.take(&task).unwrap();
                placement.push(task);
            }
            decisions.push(sim_core::policy::Decision::Start {
                job: job.id,
                placement,
                kind: sim_core::policy::StartKind::Started,
            });
        }
    }
}

/// `racks` racks of `per_rack` nodes of 8 GPUs of `model`, named `n0`, `n1`, … in rack order.
pub fn racks(racks: usize, per_rack: usize, model: &str) -> Cluster {
    let specs: Vec<NodeSpec> = (0..racks * per_rack)
        .map(|i| NodeSpec {
            name: format!("n{i}"),
            rack: format!("r{}", i / per_rack),
            gpus: 8,
            gpu_type: model.into(),
            cpu_milli: 64_000,
            mem_mib: 1 << 20,
        })
        .collect();
    Cluster::build(&specs).unwrap()
}

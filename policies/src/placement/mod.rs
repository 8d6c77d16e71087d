//! Placements: where the tasks of a job go, once the queue order has picked the job.
//!
//! A job is placed on a [`Trial`], all or nothing: a gang that cannot be placed whole takes
//! nothing. Most placements score the nodes one task fits on and take the best
//! ([`place_each`]); `packed` plans the whole job at once.
//!
//! The placements of the FGD study (`fgd`, `dot-product`, `gpu-packing`, `gpu-clustering`,
//! `paper-best-fit`, `paper-random`) follow the definitions of its artifact: integer scores
//! 0–100, ties to the node first in a random order of the nodes drawn per run (`scored`), and each its own choice of
//! device for a task that shares a GPU.

mod best_fit;
mod dot_product;
mod fgd;
mod first_fit;
mod gpu_clustering;
mod gpu_packing;
mod packed;
mod paper_best_fit;
mod paper_random;
mod power_aware;
mod random;
mod scored;
mod spread;
mod thermal_aware;
mod worst_fit;

pub use best_fit::BestFit;
pub use dot_product::DotProduct;
pub use fgd::Fgd;
pub use first_fit::FirstFit;
pub use gpu_clustering::GpuClustering;
pub use gpu_packing::GpuPacking;
pub use packed::Packed;
pub use paper_best_fit::PaperBestFit;
pub use paper_random::PaperRandom;
pub use power_aware::PowerAware;
pub use random::RandomFit;
pub use spread::Spread;
pub use thermal_aware::ThermalAware;
pub use worst_fit::WorstFit;

use sim_core::cluster::{GpuTypeSet, Trial};
use sim_core::ids::NodeId;
use sim_core::job::Job;
use sim_core::observe::Record;
use sim_core::resources::{MILLI_PER_GPU, TaskAlloc, TaskRequest};
use sim_core::view::ClusterView;

use crate::explain::{Candidate, Reason};
use crate::registry::PlacementPart;

/// Chooses nodes for the tasks of a job.
pub trait Placement {
    /// Called at the start of every scheduling round; placements that read the physical state
    /// (power headroom, temperatures) take their snapshot here. The default ignores it.
    fn begin_round(&mut self, _view: &ClusterView<'_>) {}

    /// Called for every change the engine applies (a job started, ended, was stopped), for
    /// placements that keep state about what runs where. The default ignores it.
    fn observe(&mut self, _record: &Record, _view: &ClusterView<'_>) {}

    /// Places every task of `job` on `trial` and returns the tasks in order, or returns `None`
    /// and leaves `trial` as it was.
    fn place(&mut self, trial: &mut Trial<'_>, job: &Job) -> Option<Vec<TaskAlloc>>;

    /// Why `job` could not be placed on `trial` (called only when a run explains its decisions,
    /// after [`Placement::place`] refused; `free_gpu_milli` is the trial's free total). The
    /// default reads the trial as any node-by-node placement sees it (see
    /// [`crate::explain::refusal`]); a placement with rules of its own may say more. It must
    /// read nothing that changes without a record other than an arrival: a job refused again
    /// on the cluster as it was, nothing but arrivals since and nothing tried this round, is
    /// given the same reason without asking again.
    fn refusal(&self, trial: &Trial<'_>, free_gpu_milli: u64, job: &Job) -> Reason {
        crate::explain::refusal(trial, free_gpu_milli, job)
    }

    /// The best nodes for the first task of `job` on `trial`, best first, at most `k`, each with
    /// the score this placement ranks nodes by, pushed onto `out`. Called only when a run explains
    /// its decisions, just before [`Placement::place`]; it must change no later decision. The
    /// default lists none: a placement that takes the first node that fits, a random one, or
    /// plans the whole job at once ranks no nodes.
    fn candidates(&mut self, _trial: &Trial<'_>, _job: &Job, _k: usize, _out: &mut Vec<Candidate>) {}

    /// True when the placement keeps no state and places each task by the trial alone (as
    /// first, best and worst fit do): conservative backfilling may then carry its plan from one
    /// round to the next. The default is false, which is always safe.
    fn carries_plans(&self) -> bool {
        false
    }
}

/// This crate's placements, in listing order.
pub(crate) const BUILTIN: [PlacementPart; 14] = [
    first_fit::PART,
    best_fit::PART,
    worst_fit::PART,
    packed::PART,
    spread::PART,
    random::PART,
    power_aware::PART,
    thermal_aware::PART,
    fgd::PART,
    dot_product::PART,
    gpu_packing::PART,
    gpu_clustering::PART,
    paper_best_fit::PART,
    paper_random::PART,
];

/// Places the tasks one by one with `next_task` (given the trial and the tasks placed so far),
/// taking each on the trial; gives everything back if one task fits nowhere. The way most
/// placements are written: `next_task` chooses one task's node, this does the rest (the gang
/// all or nothing, and backfilling's preference for nodes that are busy now).
pub fn place_each(
    trial: &mut Trial<'_>,
    job: &Job,
    mut next_task: impl FnMut(&mut Trial<'_>, &[TaskAlloc]) -> Option<TaskAlloc>,
) -> Option<Vec<TaskAlloc>> {
    let mut tasks = Vec::with_capacity(job.spec.tasks as usize);
    trial.reserve(job.spec.tasks as usize);
    for _ in 0..job.spec.tasks {
        let preferred = if trial.has_preference() {
            trial.restrict_to_preferred(true);
            let task = next_task(trial, &tasks);
            trial.restrict_to_preferred(false);
            task
        } else {
            None
        };
        let Some(task) = preferred.or_else(|| next_task(trial, &tasks)) else {
            give_back_all(trial, &tasks);
            return None;
        };
        trial
            .take(&task)
            .expect("a placement only proposes tasks that fit the trial");
        tasks.push(task);
    }
    Some(tasks)
}

/// [`place_each`] with `next_task`, except that a job whose tasks each take a whole node goes
/// to the lowest-numbered nodes that fit it in one pass ([`Trial::take_whole_nodes`]): the
/// nodes first fit and best fit choose for such a job, found without one search per task.
pub(crate) fn place_lowest_whole_nodes_or_each(
    trial: &mut Trial<'_>,
    job: &Job,
    next_task: impl FnMut(&mut Trial<'_>, &[TaskAlloc]) -> Option<TaskAlloc>,
) -> Option<Vec<TaskAlloc>> {
    let (task, allowed) = (&job.spec.task, job.allowed_gpu_types);
    if trial.takes_whole_nodes(task, allowed) {
        return trial.take_whole_nodes(task, allowed, job.spec.tasks);
    }
    place_each(trial, job, next_task)
}

/// Returns every task of `tasks` to the trial.
pub(crate) fn give_back_all(trial: &mut Trial<'_>, tasks: &[TaskAlloc]) {
    for task in tasks {
        trial.give_back(task);
    }
}

/// The best `k` nodes for the first task of `job` on `trial` in the order [`min_by_node_key`]
/// picks from (the smallest `key` first, ties to the lower node index), each with its `score`,
/// onto `out`. `key` and `score` receive the node and its free GPU capacity (milli-GPU) after
/// the task; both must only read (`key` is also asked of nodes with room that the task may not
/// fit, `score` only of the nodes listed). Costs one pass over the nodes, fitting only those
/// that would be listed, and no sort.
pub(crate) fn ranked_by_node_key<K: Ord>(
    trial: &Trial<'_>,
    job: &Job,
    k: usize,
    out: &mut Vec<Candidate>,
    mut key: impl FnMut(NodeId, u64) -> K,
    mut score: impl FnMut(NodeId, u64) -> f64,
) {
    if k == 0 {
        return;
    }
    let request = &job.spec.task;
    let needed = request.gpu_milli();
    // The best `k` fitting nodes so far, best first, with their free capacity after the task.
    // Nodes come in index order and each goes after every kept one whose key is not greater,
    // so equal keys keep node order; a node that would not be kept is not fitted.
    let mut best: Vec<(K, NodeId, u64)> = Vec::with_capacity(k + 1);
    for (index, free) in trial.free_gpu_milli_of_nodes().enumerate() {
        // `fit` refuses a node with less free GPU capacity than the task needs, too.
        if free < needed {
            continue;
        }
        let node = NodeId::from_index(index);
        let node_key = key(node, free - needed);
        let at = best.partition_point(|(kept, _, _)| *kept <= node_key);
        if at == k || trial.fit(node, request, job.allowed_gpu_types).is_none() {
            continue;
        }
        best.insert(at, (node_key, node, free - needed));
        best.truncate(k);
    }
    out.extend(best.into_iter().map(|(_, node, free_after)| Candidate {
        node,
        score: score(node, free_after),
    }));
}

/// Free milli-GPU as GPUs, the score of best, worst fit and spread.
pub(crate) fn gpus_of(milli: u64) -> f64 {
    milli as f64 / f64::from(MILLI_PER_GPU)
}

/// The fitting node with the smallest `key` (ties to the lower node id), and the task's devices
/// there. `key` receives the node and its free GPU capacity (milli-GPU) after the task.
pub(crate) fn min_by_node_key<K: Ord>(
    trial: &Trial<'_>,
    job: &Job,
    mut key: impl FnMut(NodeId, u64) -> K,
) -> Option<TaskAlloc> {
    let request = &job.spec.task;
    let mut best: Option<(K, TaskAlloc)> = None;
    for index in 0..trial.cluster().nodes().len() {
        let node = NodeId::from_index(index);
        let Some(task) = trial.fit(node, request, job.allowed_gpu_types) else {
            continue;
        };
        let k = key(node, trial.free_gpu_milli(node) - request.gpu_milli());
        if best.as_ref().is_none_or(|(b, _)| k < *b) {
            best = Some((k, task));
        }
    }
    best.map(|(_, task)| task)
}

/// How many copies of `request` fit on `node` of the trial now, at most `limit`.
pub(crate) fn copies_that_fit(
    trial: &Trial<'_>,
    node: NodeId,
    request: &TaskRequest,
    allowed: GpuTypeSet,
    limit: u32,
) -> u32 {
    let n = trial.cluster().node(node);
    if request.gpus > 0 && !allowed.contains(n.gpu_type) {
        return 0;
    }
    let by = |free: u64, need: u64| free.checked_div(need).unwrap_or(u64::MAX);
    let devices = trial.gpu_free_milli(node);
    let by_gpu = if request.gpus == 0 {
        u64::MAX
    } else if request.milli_per_gpu == MILLI_PER_GPU {
        let idle = devices.iter().filter(|&&f| u32::from(f) == MILLI_PER_GPU).count() as u64;
        idle / u64::from(request.gpus)
    } else {
        // Shares never straddle devices: each device holds floor(free / share) of them.
        let shares: u64 = devices
            .iter()
            .map(|&f| u64::from(f) / u64::from(request.milli_per_gpu))
            .sum();
        shares / u64::from(request.gpus)
    };
    let (cpu, mem) = trial.free_cpu_mem(node);
    let count = by_gpu
        .min(by(cpu, request.cpu_milli))
        .min(by(mem, request.mem_mib))
        .min(u64::from(limit));
    count as u32
}

/// [`copies_that_fit`] counted by placing copies on `trial` one by one and giving them back:
/// exact where a node's free capacity does not say what fits, as on a cluster with MIG-mode
/// nodes, whose instances' geometry decides (free slices at another start do not help).
pub(crate) fn copies_placed(
    trial: &mut Trial<'_>,
    node: NodeId,
    request: &TaskRequest,
    allowed: GpuTypeSet,
    limit: u32,
) -> u32 {
    let mut placed = Vec::new();
    while (placed.len() as u32) < limit {
        let Some(task) = trial.fit(node, request, allowed) else {
            break;
        };
        if trial.take(&task).is_err() {
            break;
        }
        placed.push(task);
    }
    give_back_all(trial, &placed);
    placed.len() as u32
}

#[cfg(test)]
pub(crate) mod tests {
    use sim_core::cluster::{Cluster, GpuTypeSet, NodeSpec};
    use sim_core::ids::{JobId, QueueId, UserId};
    use sim_core::job::{Job, JobSpec};
    use sim_core::resources::TaskRequest;
    use sim_core::time::SimTime;

    /// Nodes with the given GPU counts, one rack each.
    pub(crate) fn nodes(gpus: &[u32]) -> Cluster {
        racks(&gpus.iter().map(|&g| vec![g]).collect::<Vec<_>>())
    }

    /// Racks of nodes with the given GPU counts.
    pub(crate) fn racks(racks: &[Vec<u32>]) -> Cluster {
        let mut specs = Vec::new();
        for (r, nodes) in racks.iter().enumerate() {
            for &g in nodes {
                specs.push(NodeSpec {
                    name: format!("n{}", specs.len()),
                    rack: format!("r{r}"),
                    gpus: g,
                    gpu_type: "A100".into(),
                    cpu_milli: 64_000,
                    mem_mib: 1 << 20,
                });
            }
        }
        Cluster::build(&specs).unwrap()
    }

    /// Nodes of (GPUs, cores, GPU model), one rack each, 1 TiB of memory.
    pub(crate) fn machines(nodes: &[(u32, u64, &str)]) -> Cluster {
        let specs: Vec<NodeSpec> = nodes
            .iter()
            .enumerate()
            .map(|(i, &(gpus, cores, model))| NodeSpec {
                name: format!("n{i}"),
                rack: format!("r{i}"),
                gpus,
                gpu_type: model.into(),
                cpu_milli: cores * 1000,
                mem_mib: 1 << 20,
            })
            .collect();
        Cluster::build(&specs).unwrap()
    }

    /// A pending one-task job (a pod) of `cores` CPU and `gpus` GPUs.
    pub(crate) fn pod(cores: u64, gpus: f64) -> Job {
        let request = TaskRequest::with_gpu_amount(gpus, cores * 1000, 0).unwrap();
        let spec = JobSpec::new("p", SimTime::ZERO, SimTime::from_secs(1), 1, request);
        Job::new(JobId(0), spec, UserId(0), QueueId(0), GpuTypeSet::ANY)
    }

    /// Takes `milli` of device `gpu` of `node` and `cores` CPU, as a running task would.
    pub(crate) fn hold(cluster: &mut Cluster, node: u32, gpus: &[u32], milli: u32, cores: u64) {
        let task = sim_core::resources::TaskAlloc {
            node: sim_core::ids::NodeId(node),
            gpu_mask: gpus.iter().fold(0, |m, g| m | (1 << g)),
            milli_per_gpu: milli,
            cpu_milli: cores * 1000,
            mem_mib: 0,
            mig: None,
        };
        cluster.allocate(&[task]).unwrap();
    }

    /// Where the first task of `job` goes on `cluster` under the placement `of` builds for each
    /// seed of `seeds` (a node index per seed): how tests see ties drawn at random.
    pub(crate) fn first_nodes<P: super::Placement>(
        seeds: std::ops::Range<u64>,
        cluster: &Cluster,
        job: &Job,
        of: impl Fn(u64) -> P,
    ) -> Vec<u32> {
        seeds
            .map(|seed| {
                of(seed)
                    .place(&mut sim_core::cluster::Trial::new(cluster), job)
                    .unwrap()[0]
                    .node
                    .0
            })
            .collect()
    }

    /// A pending job of `tasks` × `gpus`.
    pub(crate) fn job(tasks: u32, gpus: f64) -> Job {
        let request = TaskRequest::with_gpu_amount(gpus, 0, 0).unwrap();
        let spec = JobSpec::new("j", SimTime::ZERO, SimTime::from_secs(1), tasks, request);
        Job::new(JobId(0), spec, UserId(0), QueueId(0), GpuTypeSet::ANY)
    }

    #[test]
    fn copies_count_whole_devices_shares_cpu_and_memory() {
        use super::copies_that_fit;
        use sim_core::cluster::Trial;
        use sim_core::ids::NodeId;
        let cluster = nodes(&[8]);
        let trial = Trial::new(&cluster);
        let count = |gpus: f64, cpu: u64| {
            let r = TaskRequest::with_gpu_amount(gpus, cpu, 0).unwrap();
            copies_that_fit(&trial, NodeId(0), &r, GpuTypeSet::ANY, 100)
        };
        // 8 idle devices: 2 copies of 3 GPUs, 24 copies of 0.3 (3 per device × 8)…
        assert_eq!(count(3.0, 0), 2);
        assert_eq!(count(0.3, 0), 24);
        // …and CPU limits too: 64 cores hold 4 copies of 16 cores.
        assert_eq!(count(1.0, 16_000), 4);
        assert_eq!(
            copies_that_fit(&trial, NodeId(0), &TaskRequest::default(), GpuTypeSet::ANY, 7),
            7
        );
    }
}

//! GPU clustering as the FGD study runs it (the artifact's `GpuClusteringScore`): tasks of one
//! kind (sharing a GPU, or `k` whole GPUs) are kept together on nodes that already run that
//! kind and only that kind. With `base = ⌊25 · (8000 − free) / 8000⌋` (`free` the node's free GPU
//! capacity in milli-GPU, so fuller nodes score higher within a band), a GPU task scores
//!
//! - `base + 75` on a node running only tasks of its kind,
//! - `base + 50` on a node running its kind among others,
//! - `base + 25` on a node running no GPU task,
//! - `base` on a node running only other kinds;
//!
//! tasks without GPU score 0. Ties go to the node first in the run's random order ([`super::scored`]); a shared task takes the fullest device it
//! fits, whole-GPU tasks the lowest idle ones. The kinds on each node are kept from the engine's
//! records, so they are those of the tasks running when the round began.

use sim_core::cluster::Trial;
use sim_core::job::Job;
use sim_core::observe::Record;
use sim_core::resources::{MILLI_PER_GPU, TaskAlloc, TaskRequest};
use sim_core::view::ClusterView;

use super::Placement;
use super::scored::{MAX_SPEC_GPU_MILLI, Ties, free_milli, place_scored, scored_candidates};
use crate::explain::Candidate;
use crate::registry::{Factory, PartInfo, PlacementPart};

/// `gpu-clustering`.
pub(crate) const PART: PlacementPart = PlacementPart {
    info: PartInfo {
        name: "gpu-clustering",
        description: "FGD study: tasks of one kind (shared, k GPUs) on nodes running only that kind, fuller first; fullest device; ties to the first node of a random order drawn per run",
        params: &[],
    },
    build: Factory::Static(&|_, context| Box::new(GpuClustering::new(context.seed))),
};

/// The kind of a GPU task: `0` shares a GPU, `k` takes `k` whole GPUs; `None` for no GPU.
fn kind(request: &TaskRequest) -> Option<u32> {
    match request.gpus {
        0 => None,
        _ if request.milli_per_gpu < MILLI_PER_GPU => Some(0),
        k => Some(k),
    }
}

/// Keep tasks of one kind together.
pub struct GpuClustering {
    ties: Ties,
    /// Per node, the kinds of the GPU tasks running there with their counts.
    kinds: Vec<Vec<(u32, u32)>>,
}

impl GpuClustering {
    /// Ties drawn from the `placement` stream of `seed`.
    pub fn new(seed: u64) -> GpuClustering {
        GpuClustering {
            ties: Ties::new(seed),
            kinds: Vec::new(),
        }
    }

    /// Counts (`delta` = 1) or uncounts (−1) a running task of `kind` on node `node`.
    fn count(&mut self, node: usize, kind: u32, delta: i32) {
        let kinds = &mut self.kinds[node];
        match kinds.iter().position(|&(k, _)| k == kind) {
            Some(i) if delta < 0 && kinds[i].1 == 1 => {
                kinds.swap_remove(i);
            }
            Some(i) => kinds[i].1 = kinds[i].1.checked_add_signed(delta).expect("task counts stay positive"),
            None => {
                debug_assert!(delta > 0, "a task ends on a node that did not count it");
                kinds.push((kind, 1));
            }
        }
    }
}

/// The score of a node with `free_milli` free GPU capacity running `kinds`, for a task of `kind`.
fn score(kinds: &[(u32, u32)], free_milli: i64, kind: Option<u32>) -> i64 {
    let Some(kind) = kind else {
        return 0;
    };
    let base = 25 * (MAX_SPEC_GPU_MILLI - free_milli) / MAX_SPEC_GPU_MILLI;
    if kinds.iter().any(|&(k, _)| k == kind) {
        base + if kinds.len() == 1 { 75 } else { 50 }
    } else if kinds.is_empty() {
        base + 25
    } else {
        base
    }
}

impl Placement for GpuClustering {
    fn begin_round(&mut self, view: &ClusterView<'_>) {
        self.kinds.resize_with(view.cluster.nodes().len(), Vec::new);
    }

    fn observe(&mut self, record: &Record, view: &ClusterView<'_>) {
        let (job, delta) = match *record {
            Record::Started { job, .. } => (job, 1),
            Record::Completed { job }
            | Record::TimedOut { job, .. }
            | Record::Preempted { job, .. }
            | Record::Interrupted { job, .. }
            | Record::Suspended { job, .. } => (job, -1),
            _ => return,
        };
        let job = view.job(job);
        let Some(kind) = kind(&job.spec.task) else {
            return;
        };
        self.kinds.resize_with(view.cluster.nodes().len(), Vec::new);
        for task in &job.alloc {
            self.count(task.node.index(), kind, delta);
        }
    }

    fn place(&mut self, trial: &mut Trial<'_>, job: &Job) -> Option<Vec<TaskAlloc>> {
        let task_kind = kind(&job.spec.task);
        let GpuClustering { ties, kinds } = self;
        kinds.resize_with(trial.cluster().nodes().len(), Vec::new);
        place_scored(trial, job, ties, |trial, task| {
            let free = free_milli(trial.gpu_free_milli(task.node));
            Some((score(&kinds[task.node.index()], free, task_kind), task))
        })
    }

    fn candidates(&mut self, trial: &Trial<'_>, job: &Job, k: usize, out: &mut Vec<Candidate>) {
        let task_kind = kind(&job.spec.task);
        let GpuClustering { ties, kinds } = self;
        kinds.resize_with(trial.cluster().nodes().len(), Vec::new);
        let scorer = |trial: &Trial<'_>, task: TaskAlloc| {
            let free = free_milli(trial.gpu_free_milli(task.node));
            Some((score(&kinds[task.node.index()], free, task_kind), task))
        };
        scored_candidates(trial, job, ties, scorer, k, out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::PolicySpec;
    use crate::placement::tests::{machines, pod};
    use sim_core::engine::EngineConfig;
    use sim_core::job::JobSpec;
    use sim_core::time::SimTime;

    #[test]
    fn kinds_stay_together() {
        // A 0.5-GPU task (kind "share"):
        // n0, 8 idle GPUs, nothing running: base ⌊25·0/8000⌋ = 0, + 25 = 25.
        // n1, 2 GPUs, one share task (1600 free): ⌊25·6400/8000⌋ = 20, only its kind: 95.
        // n2, 4 GPUs, a share task and a 1-GPU task (2700 free): ⌊25·5300/8000⌋ = 16, + 50 = 66.
        // n3, 4 GPUs, a 2-GPU task (2000 free): ⌊25·6000/8000⌋ = 18, other kinds only: 18.
        let share = Some(0);
        assert_eq!(score(&[], 8000, share), 25);
        assert_eq!(score(&[(0, 1)], 1600, share), 95);
        assert_eq!(score(&[(0, 1), (1, 1)], 2700, share), 66);
        assert_eq!(score(&[(2, 1)], 2000, share), 18);
        assert_eq!(score(&[(2, 1)], 2000, None), 0);
        let mut placement = GpuClustering::new(1);
        placement.kinds = vec![vec![], vec![(0, 1)], vec![(0, 1), (1, 1)], vec![(2, 1)]];
        let mut cluster = machines(&[(8, 32, "A"), (2, 32, "A"), (4, 32, "A"), (4, 32, "A")]);
        crate::placement::tests::hold(&mut cluster, 1, &[1], 400, 1);
        crate::placement::tests::hold(&mut cluster, 2, &[0], 1000, 1);
        crate::placement::tests::hold(&mut cluster, 2, &[1], 300, 1);
        crate::placement::tests::hold(&mut cluster, 3, &[0, 1], 1000, 1);
        let placed = placement.place(&mut Trial::new(&cluster), &pod(1, 0.5)).unwrap();
        assert_eq!(placed[0].node, sim_core::ids::NodeId(1));
    }

    #[test]
    fn kinds_are_learned_from_the_run() {
        // Two idle 2-GPU nodes. A (1 GPU, t = 0) scores 25 on both and lands on one of them, X.
        // B (0.5 GPU, t = 1): X runs another kind, ⌊25·7000/8000⌋ = 21; the idle node
        // ⌊25·6000/8000⌋ + 25 = 43: B goes to the other node, Y. C (1 GPU, t = 2): X runs only
        // its kind, 21 + 75 = 96; Y runs another kind (1500 free), 20: C joins A on X.
        let cluster = machines(&[(2, 32, "A"), (2, 32, "A")]);
        let job = |id: &str, t: u64, gpus: f64| {
            let task = TaskRequest::with_gpu_amount(gpus, 1000, 0).unwrap();
            Ok::<_, std::io::Error>(JobSpec::new(
                id,
                SimTime::from_secs(t),
                SimTime::from_secs(100),
                1,
                task,
            ))
        };
        let jobs = vec![job("a", 0, 1.0), job("b", 1, 0.5), job("c", 2, 1.0)];
        let mut policy = crate::resolve(&PolicySpec::preset("gpu-clustering").unwrap(), 7);
        let record =
            sim_core::run::simulate(cluster, jobs.into_iter(), policy.as_mut(), EngineConfig::default()).unwrap();
        let nodes: Vec<&str> = record.jobs.iter().map(|j| j.nodes.as_str()).collect();
        assert_eq!(nodes[0], nodes[2]);
        assert_ne!(nodes[0], nodes[1]);
    }
}

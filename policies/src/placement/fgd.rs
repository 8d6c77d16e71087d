//! FGD, Fragmentation Gradient Descent (Weng et al., USENIX ATC '23; the artifact's
//! `FGDScore`): each task goes where the expected fragmentation of the cluster grows least.
//!
//! Fragmentation is measured against the workload's typical tasks ([`sim_core::frag`]), given
//! when the placement is built. Placing a task changes only its
//! node's fragmentation, from `F` to `F'`, so a node scores
//!
//! `⌊100 · σ((F − F') / 1000)⌋`, `σ(x) = 1 / (1 + e^−x)`, `F` in milli-GPU,
//!
//! the highest score winning, ties to the node first in the run's random order. A task sharing a GPU tries every device with
//! room for its share and takes the one that scores highest (the first such device on ties):
//! this is also FGD's choice of device within the node. Whole-GPU tasks take the lowest idle
//! devices (which idle devices does not change `F'`). Without typical tasks every node scores
//! 50 and the choice is random.
//!
//! Scoring every node for every task would dominate a run, so scores are cached: per node, the
//! state (free CPU and devices) its scores were computed for, and per task class (CPU, devices,
//! share) and node, the score and chosen device. A node's cache is renewed only when its state
//! changes, so each task costs one comparison per node plus the nodes that changed since.

use std::collections::BTreeMap;

use sim_core::cluster::Trial;
use sim_core::frag::TypicalTasks;
use sim_core::ids::GpuTypeId;
use sim_core::job::Job;
use sim_core::resources::{MAX_GPUS_PER_NODE, MILLI_PER_GPU, TaskAlloc, TaskRequest};

use super::Placement;
use super::scored::{Ties, place_scored, scored_candidates};
use crate::explain::Candidate;
use crate::registry::{Factory, PartInfo, PlacementPart};

/// `fgd`.
pub(crate) const PART: PlacementPart = PlacementPart {
    info: PartInfo {
        name: "fgd",
        description: "FGD paper: each task where the expected fragmentation (against the workload's typical tasks) grows least; a shared task on the device that does; ties to the first node of a random order drawn per run",
        params: &[],
    },
    build: Factory::Static(&|_, context| Box::new(Fgd::new(context.seed, context.typical.clone()))),
};

/// Most cached scores (task classes × nodes); classes beyond are scored without a cache.
const MAX_CACHED_SCORES: usize = 1 << 24;

/// Least growth of the expected fragmentation.
pub struct Fgd {
    ties: Ties,
    /// The typical tasks.
    typical: TypicalTasks,
    /// Task classes (CPU, devices, share) by first appearance.
    classes: BTreeMap<(u64, u32, u32), usize>,
    cache: ScoreCache,
}

/// The scores FGD computed, kept while the nodes they belong to are unchanged.
#[derive(Default)]
struct ScoreCache {
    /// Per node, the state its cached scores belong to.
    states: Vec<NodeState>,
    /// Free milli-GPU of each device of each node's cached state, node `n` at `offsets[n]`.
    devices: Vec<u16>,
    offsets: Vec<usize>,
    last_version: u32,
    /// Per class, per node: the cached score.
    scores: Vec<Vec<Cached>>,
}

/// A node's state as its cached scores saw it.
#[derive(Clone, Copy, Default)]
struct NodeState {
    /// 0 before the first look; renewed whenever the state differs.
    version: u32,
    cpu_free_milli: u64,
    /// The node's fragmentation, weighted ([`TypicalTasks::node_frag`]).
    frag: u64,
}

/// One node's score for one task class.
#[derive(Clone, Copy, Default)]
struct Cached {
    /// The [`NodeState::version`] it was computed for.
    version: u32,
    score: i16,
    /// For a shared task: the free milli-GPU of the device to use.
    device_free: u16,
}

impl Fgd {
    /// Fragmentation measured against `typical` (every node scores alike when it is empty);
    /// ties drawn from the `placement` stream of `seed`.
    pub fn new(seed: u64, typical: TypicalTasks) -> Fgd {
        Fgd {
            ties: Ties::new(seed),
            typical,
            classes: BTreeMap::new(),
            cache: ScoreCache::default(),
        }
    }

    /// Sizes the caches for the trial's cluster, once.
    fn prepare(&mut self, trial: &Trial<'_>) {
        let cache = &mut self.cache;
        if !cache.offsets.is_empty() {
            return;
        }
        let cluster = trial.cluster();
        cache.states = vec![NodeState::default(); cluster.nodes().len()];
        cache.offsets = std::iter::once(0)
            .chain(cluster.nodes().iter().scan(0, |end, n| {
                *end += n.gpu_count as usize;
                Some(*end)
            }))
            .collect();
        cache.devices = vec![0; *cache.offsets.last().unwrap_or(&0)];
    }

    /// The cache row of `request`'s class, if the cache has room for it.
    fn class_row(&mut self, request: &TaskRequest) -> Option<usize> {
        let key = (request.cpu_milli, request.gpus, request.milli_per_gpu);
        let next = self.classes.len();
        let row = *self.classes.entry(key).or_insert(next);
        let cache = &mut self.cache;
        if row == cache.scores.len() && (row + 1) * cache.states.len() <= MAX_CACHED_SCORES {
            cache.scores.push(vec![Cached::default(); cache.states.len()]);
        }
        (row < cache.scores.len()).then_some(row)
    }
}

impl ScoreCache {
    /// A fresh state version; when they run out, every cached score is dropped.
    fn renew(&mut self) -> u32 {
        if self.last_version == u32::MAX {
            self.scores.iter_mut().flatten().for_each(|c| c.version = 0);
            self.last_version = 0;
        }
        self.last_version += 1;
        self.last_version
    }
}

/// The FGD score of a change of a node's weighted fragmentation from `before` to `after`.
fn score_of(typical: &TypicalTasks, before: u64, after: u64) -> i64 {
    let weight = typical.weight().max(1) as f64;
    let delta_milli = (before as f64 - after as f64) / weight;
    (100.0 / (1.0 + sim_core::math::exp(-delta_milli / 1000.0))) as i64
}

/// The score of placing `request` on a node of model `gpu_type` with `cpu_free_milli` and
/// devices `free` (where it fits) whose weighted fragmentation is `before`, and for a shared task
/// the free milli-GPU of the device to use (0 otherwise).
fn score_node(
    typical: &TypicalTasks,
    gpu_type: GpuTypeId,
    cpu_free_milli: u64,
    free: &[u16],
    before: u64,
    request: &TaskRequest,
) -> (i64, u16) {
    let cpu_after = cpu_free_milli - request.cpu_milli;
    let mut buffer = [0u16; MAX_GPUS_PER_NODE as usize];
    let after = &mut buffer[..free.len()];
    after.copy_from_slice(free);
    if request.is_shared_gpu() {
        let share = request.milli_per_gpu as u16;
        let mut best: Option<(i64, u16)> = None;
        for (i, &f) in free.iter().enumerate() {
            if f < share || free[..i].contains(&f) {
                continue;
            }
            after[i] = f - share;
            let score = score_of(typical, before, typical.node_frag(gpu_type, cpu_after, after));
            after[i] = f;
            if best.is_none_or(|(b, _)| score > b) {
                best = Some((score, f));
            }
        }
        return best.expect("a shared task that fits has a device with room");
    }
    let mut needed = request.gpus;
    for device in after.iter_mut() {
        if needed == 0 {
            break;
        }
        if u32::from(*device) == MILLI_PER_GPU {
            *device = 0;
            needed -= 1;
        }
    }
    (
        score_of(typical, before, typical.node_frag(gpu_type, cpu_after, after)),
        0,
    )
}

/// What scoring nodes for one task class needs: the typical tasks and the caches, borrowed from
/// [`Fgd`] apart from its tie-break order.
struct Scorer<'f> {
    typical: &'f TypicalTasks,
    cache: &'f mut ScoreCache,
    /// The cache row of the class, if the cache has room for it.
    row: Option<usize>,
    request: TaskRequest,
}

impl Scorer<'_> {
    /// The score of `task`'s node (where it fits, on the devices [`Trial::fit`] chose), and the
    /// task on the device FGD chooses for a shared one.
    fn score(&mut self, trial: &Trial<'_>, mut task: TaskAlloc) -> Option<(i64, TaskAlloc)> {
        let node = task.node.index();
        let free = trial.gpu_free_milli(task.node);
        let (cpu_free, _) = trial.free_cpu_mem(task.node);
        let gpu_type = trial.cluster().node(task.node).gpu_type;
        let cache = &mut *self.cache;
        if cache.states[node].version == 0
            || cache.states[node].cpu_free_milli != cpu_free
            || cache.devices[cache.offsets[node]..cache.offsets[node + 1]] != *free
        {
            let version = cache.renew();
            let state = &mut cache.states[node];
            state.version = version;
            state.cpu_free_milli = cpu_free;
            state.frag = self.typical.node_frag(gpu_type, cpu_free, free);
            cache.devices[cache.offsets[node]..cache.offsets[node + 1]].copy_from_slice(free);
        }
        let state = cache.states[node];
        let (score, device_free) = match self.row.map(|r| &mut cache.scores[r][node]) {
            Some(entry) if entry.version == state.version => (i64::from(entry.score), entry.device_free),
            entry => {
                let (score, device_free) =
                    score_node(self.typical, gpu_type, cpu_free, free, state.frag, &self.request);
                if let Some(entry) = entry {
                    *entry = Cached {
                        version: state.version,
                        score: score as i16,
                        device_free,
                    };
                }
                (score, device_free)
            }
        };
        // A task in a MIG instance keeps the device and start the cluster's layout chose.
        if self.request.is_shared_gpu() && task.mig.is_none() {
            let device = free
                .iter()
                .position(|&f| f == device_free)
                .expect("the cached device is free");
            task.gpu_mask = 1 << device;
        }
        Some((score, task))
    }
}

impl Fgd {
    /// The tie-break order and a scorer of `request`'s class on `trial`'s cluster.
    fn scorer(&mut self, trial: &Trial<'_>, request: TaskRequest) -> (&mut Ties, Scorer<'_>) {
        self.prepare(trial);
        let row = self.class_row(&request);
        let scorer = Scorer {
            typical: &self.typical,
            cache: &mut self.cache,
            row,
            request,
        };
        (&mut self.ties, scorer)
    }
}

impl Placement for Fgd {
    fn place(&mut self, trial: &mut Trial<'_>, job: &Job) -> Option<Vec<TaskAlloc>> {
        let (ties, mut scorer) = self.scorer(trial, job.spec.task);
        place_scored(trial, job, ties, |trial, task| scorer.score(trial, task))
    }

    /// Scores: FGD's, 0–100, the highest first (ties in the run's random order of the nodes).
    fn candidates(&mut self, trial: &Trial<'_>, job: &Job, k: usize, out: &mut Vec<Candidate>) {
        let (ties, mut scorer) = self.scorer(trial, job.spec.task);
        scored_candidates(trial, job, ties, |trial, task| scorer.score(trial, task), k, out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::placement::tests::{hold, machines, pod};
    use sim_core::cluster::GpuTypeSet;
    use sim_core::frag::TypicalClass;
    use sim_core::ids::NodeId;

    fn typical(classes: &[(u32, u32, u64)]) -> TypicalTasks {
        TypicalTasks::new(
            classes
                .iter()
                .map(|&(gpus, milli, count)| TypicalClass {
                    request: TaskRequest {
                        gpus,
                        milli_per_gpu: milli,
                        cpu_milli: 0,
                        mem_mib: 0,
                        mig: sim_core::sharing::mig::MigName::NONE,
                    },
                    allowed: GpuTypeSet::ANY,
                    count,
                })
                .collect(),
        )
    }

    #[test]
    fn the_node_and_device_where_fragmentation_grows_least() {
        // Typical tasks: c1 one 0.7 share (count 1), c2 four whole GPUs (count 1); weight 2.
        // n0: 2 GPUs, a task holds 300 of device 1: free [1000, 700]. n1: 4 idle GPUs.
        // A 0.2-GPU task:
        // n0 before: c1 fits (2 devices ≥ 700), nothing below 700: 0; c2 needs 4 whole devices,
        //   has 1: all 1700 idle. Weighted 1700.
        //   device 0 → [800, 700]: c1 0; c2 all 1500. Weighted 1500; ΔF = (1700 − 1500) / 2
        //     = 100 milli: ⌊100 σ(0.1)⌋ = ⌊52.50⌋ = 52.
        //   device 1 → [1000, 500]: c1 fits on device 0, the 500 it cannot use; c2 1500.
        //     Weighted 2000; ΔF = −150: ⌊100 σ(−0.15)⌋ = ⌊46.26⌋ = 46.
        //   FGD takes device 0 (52), where best fit would take the fuller device 1.
        // n1 before: c1 and c2 fit with nothing left over: 0. After [800, 1000, 1000, 1000]:
        //   c1 0; c2 has 3 whole devices: all 3800. ΔF = −1900: ⌊100 σ(−1.9)⌋ = ⌊13.01⌋ = 13.
        // So: n0, device 0.
        let typical = typical(&[(1, 700, 1), (4, 1000, 1)]);
        let a = GpuTypeId(0);
        let small = pod(0, 0.2).spec.task;
        assert_eq!(typical.node_frag(a, 64_000, &[1000, 700]), 1700);
        assert_eq!(score_node(&typical, a, 64_000, &[1000, 700], 1700, &small), (52, 1000));
        assert_eq!(score_node(&typical, a, 64_000, &[1000; 4], 0, &small), (13, 1000));
        assert_eq!(score_of(&typical, 1700, 2000), 46);
        let mut cluster = machines(&[(2, 64, "A"), (4, 64, "A")]);
        hold(&mut cluster, 0, &[1], 300, 0);
        let mut fgd = Fgd::new(1, typical);
        let placed = fgd.place(&mut Trial::new(&cluster), &pod(0, 0.2)).unwrap();
        assert_eq!((placed[0].node, placed[0].gpu_mask), (NodeId(0), 0b01));
        // Cached scores are reused, and renewed when a node changes: with device 0 of n0 taken
        // to 800 the same task now scores on n0 [800, 700]: before c1 0, c2 1500 → 1500;
        // device 0 → [600, 700]: c1 600, c2 1300 → 1900, ΔF = −200: ⌊100 σ(−0.2)⌋ = 45;
        // device 1 → [800, 500]: c1 fits on device 0, 500; c2 1300 → 1800, ΔF = −150: 46.
        // n0 still wins (46 > 13), now on device 1.
        let mut trial = Trial::new(&cluster);
        trial.take(&placed[0]).unwrap();
        let again = fgd.place(&mut trial, &pod(0, 0.2)).unwrap();
        assert_eq!((again[0].node, again[0].gpu_mask), (NodeId(0), 0b10));
    }

    #[test]
    fn whole_gpu_tasks_keep_whole_nodes_for_large_typical_tasks() {
        // Typical tasks: c1 one whole GPU (count 1), c2 eight whole GPUs (count 1).
        // n0: 8 idle GPUs; n1: 8 GPUs, one held (7 idle). A 1-GPU task:
        // n0 before 0 (both fit, nothing left over); after 7 idle: c2 cannot: 7000 → ΔF = −3500:
        //   ⌊100 σ(−3.5)⌋ = ⌊2.93⌋ = 2.
        // n1 before: c1 0, c2 7000 → 7000; after 6 idle: c2 6000 → ΔF = +500: ⌊100 σ(0.5)⌋ = 62.
        let typical = typical(&[(1, 1000, 1), (8, 1000, 1)]);
        let one = pod(0, 1.0).spec.task;
        let a = GpuTypeId(0);
        assert_eq!(score_node(&typical, a, 64_000, &[1000; 8], 0, &one).0, 2);
        let mut n1 = [1000u16; 8];
        n1[0] = 0;
        assert_eq!(score_node(&typical, a, 64_000, &n1, 7000, &one).0, 62);
        let mut cluster = machines(&[(8, 64, "A"), (8, 64, "A")]);
        hold(&mut cluster, 1, &[0], 1000, 0);
        let placed = Fgd::new(1, typical)
            .place(&mut Trial::new(&cluster), &pod(0, 1.0))
            .unwrap();
        assert_eq!((placed[0].node, placed[0].gpu_mask), (NodeId(1), 0b10));
    }
}

//! What the placements of the FGD study share: the kube-scheduler's way of choosing a node, as
//! the study's artifact (`hkust-adsl/kubernetes-scheduler-simulator`) runs it. Each node a task
//! fits on gets an integer score (the artifact truncates every score to an integer in 0–100, so
//! ties are common); the task goes to a node of the highest score. Ties go to the node that comes
//! first in a random order of the nodes drawn once per run: the artifact prefixes every node's
//! name with its place in a seeded random permutation and its `selectHost` keeps the smallest
//! name among equal scores "for reproducibility". A fixed order makes ties pack (the same node
//! keeps winning until its score drops), which is much of how these placements behave.

use rand::seq::SliceRandom;
use sim_core::cluster::Trial;
use sim_core::ids::NodeId;
use sim_core::job::Job;
use sim_core::resources::{MILLI_PER_GPU, TaskAlloc, UNCONSTRAINED};
use sim_core::rng::{Stream, stream};

use super::{Placement, place_each};
use crate::explain::Candidate;

/// CPU of the largest node the artifact normalises by (`MaxSpecCpu`), in milli-cores.
pub(crate) const MAX_SPEC_CPU_MILLI: f64 = 128_000.0;

/// GPU capacity of the largest node the artifact normalises by (`MaxSpecGpu`), in milli-GPU.
pub(crate) const MAX_SPEC_GPU_MILLI: i64 = 8000;

/// The best-scored candidate of one task, ties broken by a random order of the nodes.
pub(crate) struct Ties {
    rng: Stream,
    /// Each node's place in the tie-break order, drawn at the first placement.
    rank: Vec<u32>,
    best: Option<(i64, u32, TaskAlloc)>,
}

impl Ties {
    /// Ties broken by an order drawn from the `placement` stream of `seed`.
    pub(crate) fn new(seed: u64) -> Ties {
        Ties {
            rng: stream(seed, "placement"),
            rank: Vec::new(),
            best: None,
        }
    }

    /// Draws the order of `nodes` nodes, once.
    fn prepare(&mut self, nodes: usize) {
        if self.rank.len() != nodes {
            self.rank = (0..nodes as u32).collect();
            self.rank.shuffle(&mut self.rng);
        }
    }

    /// Forgets the candidate of the previous task.
    fn clear(&mut self) {
        self.best = None;
    }

    /// Offers `task` with `score`: it becomes the candidate if it scores higher, or as high
    /// on a node earlier in the order.
    pub(crate) fn offer(&mut self, score: i64, task: TaskAlloc) {
        let rank = self.rank[task.node.index()];
        if self.best.is_none_or(|(s, r, _)| score > s || (score == s && rank < r)) {
            self.best = Some((score, rank, task));
        }
    }

    /// The candidate.
    fn pick(&self) -> Option<TaskAlloc> {
        self.best.map(|(_, _, task)| task)
    }
}

/// Places the tasks of `job` one by one: `score` gets each node a task fits on, with the
/// devices [`Trial::fit`] chose there (the fullest that fit), and returns the node's score and
/// the task as it would place it (it may choose other devices), or `None` to pass the node.
pub(crate) fn place_scored(
    trial: &mut Trial<'_>,
    job: &Job,
    ties: &mut Ties,
    mut score: impl FnMut(&Trial<'_>, TaskAlloc) -> Option<(i64, TaskAlloc)>,
) -> Option<Vec<TaskAlloc>> {
    ties.prepare(trial.cluster().nodes().len());
    place_each(trial, job, |trial, _| {
        ties.clear();
        score_each(trial, job, &mut score, |s, task| ties.offer(s, task));
        ties.pick()
    })
}

/// Scores every node one task of `job` fits on (see [`place_scored`]) and hands each score and
/// task to `offer`, in node order.
fn score_each(
    trial: &Trial<'_>,
    job: &Job,
    score: &mut impl FnMut(&Trial<'_>, TaskAlloc) -> Option<(i64, TaskAlloc)>,
    mut offer: impl FnMut(i64, TaskAlloc),
) {
    for index in 0..trial.cluster().nodes().len() {
        let node = NodeId::from_index(index);
        let Some(fit) = trial.fit(node, &job.spec.task, job.allowed_gpu_types) else {
            continue;
        };
        if let Some((s, task)) = score(trial, fit) {
            offer(s, task);
        }
    }
}

/// The best `k` nodes for the first task of `job` as [`place_scored`] would rank them with
/// `score` (highest score first, ties in the run's random order of the nodes), onto `out`.
pub(crate) fn scored_candidates(
    trial: &Trial<'_>,
    job: &Job,
    ties: &mut Ties,
    mut score: impl FnMut(&Trial<'_>, TaskAlloc) -> Option<(i64, TaskAlloc)>,
    k: usize,
    out: &mut Vec<Candidate>,
) {
    ties.prepare(trial.cluster().nodes().len());
    let mut all: Vec<(i64, u32, NodeId)> = Vec::new();
    score_each(trial, job, &mut score, |s, task| {
        all.push((s, ties.rank[task.node.index()], task.node))
    });
    all.sort_unstable_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    out.extend(
        all.iter()
            .take(k)
            .map(|&(s, _, node)| Candidate { node, score: s as f64 }),
    );
}

/// The score of the artifact's placements that look at nothing but the node's free CPU and GPU
/// (milli-cores, milli-GPU summed over its devices) and the task's CPU and GPU request
/// (`DotProductScore`, its best fit), as a scorer for [`place_scored`].
pub(crate) fn by_free_cpu_gpu(
    job: &Job,
    score: fn(u64, i64, u64, u64) -> i64,
) -> impl FnMut(&Trial<'_>, TaskAlloc) -> Option<(i64, TaskAlloc)> {
    let request = job.spec.task;
    move |trial, task| {
        let (mut cpu_free, _) = trial.free_cpu_mem(task.node);
        if trial.cluster().node(task.node).cpu_milli >= UNCONSTRAINED {
            // A node that does not limit CPU scores as the study's largest node, every core
            // free (or the request's cores, when it asks for more): scores stay in 0–100.
            cpu_free = (MAX_SPEC_CPU_MILLI as u64).max(request.cpu_milli);
        }
        let gpu_free = free_milli(trial.gpu_free_milli(task.node));
        Some((score(cpu_free, gpu_free, request.cpu_milli, request.gpu_milli()), task))
    }
}

/// A placement of the study that looks at nothing but a node's free CPU and GPU and the task's
/// request ([`by_free_cpu_gpu`]): `dot-product` and `paper-best-fit`. Its tie order and its
/// score are all it has; it places by [`place_scored`] and ranks by [`scored_candidates`].
pub(crate) trait FreeCpuGpuScore {
    /// The score of a node with `cpu_free_milli` and `gpu_free_milli` for a task of
    /// `cpu_milli` and `gpu_milli`.
    const SCORE: fn(u64, i64, u64, u64) -> i64;

    /// The run's random order of the nodes, for ties.
    fn ties(&mut self) -> &mut Ties;
}

impl<T: FreeCpuGpuScore> Placement for T {
    fn place(&mut self, trial: &mut Trial<'_>, job: &Job) -> Option<Vec<TaskAlloc>> {
        place_scored(trial, job, self.ties(), by_free_cpu_gpu(job, T::SCORE))
    }

    fn candidates(&mut self, trial: &Trial<'_>, job: &Job, k: usize, out: &mut Vec<Candidate>) {
        scored_candidates(trial, job, self.ties(), by_free_cpu_gpu(job, T::SCORE), k, out);
    }
}

/// Devices of `devices` wholly free.
pub(crate) fn idle_devices(devices: &[u16]) -> usize {
    devices.iter().filter(|&&f| u32::from(f) == MILLI_PER_GPU).count()
}

/// Total free capacity of `devices`, in milli-GPU.
pub(crate) fn free_milli(devices: &[u16]) -> i64 {
    devices.iter().map(|&f| i64::from(f)).sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn task(node: u32) -> TaskAlloc {
        TaskAlloc {
            node: NodeId(node),
            gpu_mask: 1,
            milli_per_gpu: 1000,
            cpu_milli: 0,
            mem_mib: 0,
            mig: None,
        }
    }

    fn winner(ties: &mut Ties, offers: &[(u32, i64)]) -> u32 {
        ties.clear();
        for &(node, score) in offers {
            ties.offer(score, task(node));
        }
        ties.pick().unwrap().node.0
    }

    #[test]
    fn candidates_rank_as_the_placement_picks() {
        // Four 4-GPU nodes scored 70, 20, 70, 70 (by index): the three 70s come first, in the
        // run's tie order, and the first of them is the node the placement takes.
        let cluster = crate::placement::tests::nodes(&[4, 4, 4, 4]);
        let trial = Trial::new(&cluster);
        let job = crate::placement::tests::job(1, 1.0);
        let by_index = |_: &Trial<'_>, task: TaskAlloc| Some((if task.node.0 == 1 { 20 } else { 70 }, task));
        let mut ties = Ties::new(3);
        let mut out = Vec::new();
        scored_candidates(&trial, &job, &mut ties, by_index, 3, &mut out);
        let mut nodes: Vec<u32> = out.iter().map(|c| c.node.0).collect();
        assert!(out.iter().all(|c| c.score == 70.0), "{out:?}");
        let taken = place_scored(&mut Trial::new(&cluster), &job, &mut ties, by_index).unwrap();
        assert_eq!(nodes[0], taken[0].node.0);
        nodes.sort_unstable();
        assert_eq!(nodes, [0, 2, 3]);
    }

    #[test]
    fn the_highest_score_wins_and_ties_follow_one_random_order() {
        let mut ties = Ties::new(3);
        ties.prepare(4);
        assert_eq!(winner(&mut ties, &[(0, 40), (1, 70)]), 1);
        // Nodes 0, 2, 3 tie at 70: the one first in the run's order wins, every time and
        // whatever the order of the offers.
        let first = winner(&mut ties, &[(0, 70), (1, 20), (2, 70), (3, 70)]);
        assert_ne!(first, 1);
        assert_eq!(winner(&mut ties, &[(3, 70), (2, 70), (1, 20), (0, 70)]), first);
        // Another seed draws another order: over seeds, each tied node wins sometimes.
        let winners: Vec<u32> = (0..24)
            .map(|seed| {
                let mut ties = Ties::new(seed);
                ties.prepare(4);
                winner(&mut ties, &[(0, 70), (1, 20), (2, 70), (3, 70)])
            })
            .collect();
        assert!(
            [0, 2, 3].iter().all(|n| winners.contains(n)) && !winners.contains(&1),
            "{winners:?}"
        );
    }
}

//! What the placements of the FGD study share: the kube-scheduler's way of choosing a node. Each
//! node a task fits on gets an integer score; the task goes to a node of the highest score,
//! drawn uniformly among the ties (kube-scheduler's `selectHost`), from the run's seeded
//! `placement` stream. The artifact (`hkust-adsl/kubernetes-scheduler-simulator`) truncates
//! every score to an integer in 0–100, so ties are common and the draw matters.

use rand::RngExt;
use sim_core::cluster::Trial;
use sim_core::ids::NodeId;
use sim_core::job::Job;
use sim_core::resources::{MILLI_PER_GPU, TaskAlloc};
use sim_core::rng::{Stream, stream};

use super::place_each;

/// CPU of the largest node the artifact normalises by (`MaxSpecCpu`), in milli-cores.
pub(crate) const MAX_SPEC_CPU_MILLI: f64 = 128_000.0;

/// GPU capacity of the largest node the artifact normalises by (`MaxSpecGpu`), in milli-GPU.
pub(crate) const MAX_SPEC_GPU_MILLI: i64 = 8000;

/// The best-scored candidates of one task and the stream that breaks their ties.
pub(crate) struct Ties {
    rng: Stream,
    best: Vec<TaskAlloc>,
    best_score: i64,
}

impl Ties {
    /// Ties broken by the `placement` stream of `seed`.
    pub(crate) fn new(seed: u64) -> Ties {
        Ties {
            rng: stream(seed, "placement"),
            best: Vec::new(),
            best_score: i64::MIN,
        }
    }

    /// The stream, for placements that also draw devices.
    pub(crate) fn rng(&mut self) -> &mut Stream {
        &mut self.rng
    }

    /// Forgets the candidates of the previous task.
    pub(crate) fn clear(&mut self) {
        self.best.clear();
        self.best_score = i64::MIN;
    }

    /// Offers `task` with `score`.
    pub(crate) fn offer(&mut self, score: i64, task: TaskAlloc) {
        if score > self.best_score {
            self.best.clear();
            self.best_score = score;
        }
        if score == self.best_score {
            self.best.push(task);
        }
    }

    /// One of the best candidates, uniformly (one draw when there are several).
    pub(crate) fn pick(&mut self) -> Option<TaskAlloc> {
        match self.best.len() {
            0 => None,
            1 => Some(self.best[0]),
            n => Some(self.best[self.rng.random_range(0..n)]),
        }
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
    place_each(trial, job, |trial, _| {
        ties.clear();
        for index in 0..trial.cluster().nodes().len() {
            let node = NodeId::from_index(index);
            let Some(fit) = trial.fit(node, &job.spec.task, job.allowed_gpu_types) else {
                continue;
            };
            if let Some((s, task)) = score(trial, fit) {
                ties.offer(s, task);
            }
        }
        ties.pick()
    })
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
        }
    }

    #[test]
    fn the_highest_score_wins_and_ties_are_drawn_uniformly() {
        let mut ties = Ties::new(3);
        ties.offer(40, task(0));
        ties.offer(70, task(1));
        assert_eq!(ties.pick().map(|t| t.node), Some(NodeId(1)));
        // Three nodes tied at 70: each is drawn about a third of the time.
        let mut counts = [0u32; 4];
        for _ in 0..3000 {
            ties.clear();
            for (node, score) in [(0, 70), (1, 20), (2, 70), (3, 70)] {
                ties.offer(score, task(node));
            }
            counts[ties.pick().unwrap().node.index()] += 1;
        }
        assert_eq!(counts[1], 0);
        assert!(
            counts
                .iter()
                .enumerate()
                .all(|(i, &c)| i == 1 || (900..1100).contains(&c)),
            "{counts:?}"
        );
    }
}

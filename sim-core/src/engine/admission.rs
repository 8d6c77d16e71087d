//! Arrivals: turning a trace job into a pending job, or rejecting one that can never run.

use super::State;
use crate::cluster::{Cluster, GpuTypeSet, Pool};
use crate::ids::{JobId, QueueId, UserId};
use crate::job::{Job, JobSpec, JobState};
use crate::observe::{Record, RejectReason};
use crate::resources::{MAX_TASKS_PER_JOB, MILLI_PER_GPU, TaskRequest};

impl State {
    /// Adds an arriving job: pending if the cluster could ever hold it (less the hot-spare
    /// pool), otherwise `NeverFits` at once (a job larger than the whole cluster would otherwise
    /// block a FIFO queue forever).
    pub(super) fn admit(&mut self, mut spec: JobSpec) {
        let id = JobId::from_index(self.jobs.len());
        let user = UserId(self.users.intern(&spec.user));
        let queue = QueueId(self.queues.intern(&spec.queue));
        let (allowed, fits) = admitted(
            &self.cluster,
            &mut spec.task,
            &mut spec.tasks,
            &spec.gpu_types,
            self.hot_spares,
        );
        let mut job = Job::new(id, spec, user, queue, allowed);
        job.queue_position = self.next_position;
        self.next_position += 1;
        if fits {
            self.pending.push(id, job.queue_position);
            self.arrived_now.push(id);
            self.records.push(Record::Arrived { job: id });
        } else {
            job.state = JobState::NeverFits;
            self.ended.push(id);
            job.end = Some(self.now);
            self.records.push(Record::Rejected {
                job: id,
                reason: RejectReason::NeverFits,
            });
        }
        self.jobs.push(job);
    }
}

/// A job's tasks as the cluster admits them on arrival: `task` and `tasks` split to fit a node
/// (see [`split_to_fit`]); returns the GPU models the job may use (of `gpu_types`, narrowed to
/// the MIG-mode models with its profile) and whether the cluster, `hot_spares` nodes held out,
/// could ever hold it (else it is `never-fits`).
pub(crate) fn admitted(
    cluster: &Cluster,
    task: &mut TaskRequest,
    tasks: &mut u32,
    gpu_types: &[String],
    hot_spares: u32,
) -> (GpuTypeSet, bool) {
    let mut allowed = allowed_types(cluster, gpu_types);
    if !task.mig.is_none() {
        // A MIG profile runs only on the MIG-mode models that have it.
        allowed.0 &= cluster.mig().map_or(0, |m| m.types_with(task.mig));
    }
    split_to_fit(cluster, task, tasks, allowed);
    let fits =
        can_ever_fit(cluster, task, *tasks, allowed, hot_spares) && cluster.mig_could_hold(task, *tasks, allowed);
    (allowed, fits)
}

/// The cluster's GPU models among `names`; every model when `names` is empty.
pub(crate) fn allowed_types(cluster: &Cluster, names: &[String]) -> GpuTypeSet {
    if names.is_empty() {
        return GpuTypeSet::ANY;
    }
    GpuTypeSet(
        names
            .iter()
            .filter_map(|n| cluster.gpu_type_id(n))
            .fold(0, |mask, ty| mask | 1 << ty.0),
    )
}

/// Splits a task that asks for more whole GPUs than any node it may use has (a Philly shape
/// `256`, an SWF job's processors as one part) into equal tasks of the largest size that
/// divides it and fits a node: 256 GPUs on 8-GPU nodes become 32 tasks of 8. CPU and memory
/// are shared out in proportion, rounded up. The GPU total is kept; a job that then still
/// cannot fit is refused as `never-fits`.
pub(crate) fn split_to_fit(cluster: &Cluster, request: &mut TaskRequest, tasks: &mut u32, allowed: GpuTypeSet) {
    let task = *request;
    if task.milli_per_gpu != MILLI_PER_GPU {
        return;
    }
    let largest = cluster
        .pools()
        .iter()
        .filter(|p| allowed.contains(p.gpu_type))
        .map(|p| p.gpu_count)
        .max()
        .unwrap_or(0);
    if largest == 0 || task.gpus <= largest {
        return;
    }
    let size = (1..=largest).rev().find(|&g| task.gpus.is_multiple_of(g)).unwrap_or(1);
    let parts = task.gpus / size;
    let Some(split) = tasks.checked_mul(parts) else {
        return;
    };
    *tasks = split;
    *request = TaskRequest {
        gpus: size,
        milli_per_gpu: MILLI_PER_GPU,
        cpu_milli: task.cpu_milli.div_ceil(u64::from(parts)),
        mem_mib: task.mem_mib.div_ceil(u64::from(parts)),
        mig: task.mig,
    };
}

/// True when `tasks` copies of `task` fit on the cluster when it is empty, within its rack
/// power budgets if it has any, with `held_out` of its nodes out of reach (the hot-spare pool,
/// whose members change: at best they are the nodes that would hold the fewest copies), and are
/// no more than [`MAX_TASKS_PER_JOB`].
pub(crate) fn can_ever_fit(
    cluster: &Cluster,
    task: &TaskRequest,
    tasks: u32,
    allowed: GpuTypeSet,
    held_out: u32,
) -> bool {
    if tasks > MAX_TASKS_PER_JOB {
        return false;
    }
    if let Some(power) = cluster.power_limits()
        && task.gpus > 0
        && !power.can_ever_hold(tasks, task.gpu_milli())
    {
        return false;
    }
    if held_out > 0 {
        let mut pools: Vec<(u64, u64)> = cluster
            .pools()
            .iter()
            .map(|pool| (tasks_per_empty_node(pool, task, allowed), pool.nodes.len() as u64))
            .collect();
        pools.sort_unstable();
        let mut left_out = u64::from(held_out);
        let mut room = 0u64;
        for (per_node, nodes) in pools {
            let out = left_out.min(nodes);
            left_out -= out;
            room = room.saturating_add(per_node.saturating_mul(nodes - out));
        }
        return room >= u64::from(tasks);
    }
    let mut room = 0u64;
    for pool in cluster.pools() {
        let per_node = tasks_per_empty_node(pool, task, allowed);
        room = room.saturating_add(per_node.saturating_mul(pool.nodes.len() as u64));
        if room >= u64::from(tasks) {
            return true;
        }
    }
    false
}

/// How many copies of `task` an empty node of `pool` holds.
fn tasks_per_empty_node(node: &Pool, task: &TaskRequest, allowed: GpuTypeSet) -> u64 {
    let by = |capacity: u64, need: u64| capacity.checked_div(need).unwrap_or(u64::MAX);
    let by_gpu = if task.gpus == 0 {
        u64::MAX
    } else if !allowed.contains(node.gpu_type) {
        0
    } else if task.milli_per_gpu == MILLI_PER_GPU {
        by(u64::from(node.gpu_count), u64::from(task.gpus))
    } else {
        // Shares never straddle devices: each device holds floor(1000 / share) of them.
        u64::from(node.gpu_count) * by(u64::from(MILLI_PER_GPU), u64::from(task.milli_per_gpu)) / u64::from(task.gpus)
    };
    by_gpu
        .min(by(node.cpu_milli, task.cpu_milli))
        .min(by(node.mem_mib, task.mem_mib))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::NodeSpec;
    use crate::cluster::tests::uniform;

    #[test]
    fn never_fit_counts_whole_nodes() {
        // 2 nodes × 4 GPUs: a gang of 2 × 4 fits (one per node), 3 × 4 never does, nor 1 × 8.
        let c = uniform(1, 2, 4);
        let four = TaskRequest::with_gpu_amount(4.0, 0, 0).unwrap();
        let eight = TaskRequest::with_gpu_amount(8.0, 0, 0).unwrap();
        assert!(can_ever_fit(&c, &four, 2, GpuTypeSet::ANY, 0));
        assert!(!can_ever_fit(&c, &four, 3, GpuTypeSet::ANY, 0));
        assert!(!can_ever_fit(&c, &eight, 1, GpuTypeSet::ANY, 0));
        // Three 3-GPU tasks: one per node only (4 / 3 = 1), so never.
        let three = TaskRequest::with_gpu_amount(3.0, 0, 0).unwrap();
        assert!(!can_ever_fit(&c, &three, 3, GpuTypeSet::ANY, 0));
        // Tasks that need nothing fit anywhere, but no more than 2²⁰ of them in one job.
        let nothing = TaskRequest::with_gpu_amount(0.0, 0, 0).unwrap();
        assert!(can_ever_fit(&c, &nothing, MAX_TASKS_PER_JOB, GpuTypeSet::ANY, 0));
        assert!(!can_ever_fit(&c, &nothing, MAX_TASKS_PER_JOB + 1, GpuTypeSet::ANY, 0));
        assert!(!can_ever_fit(&c, &nothing, u32::MAX, GpuTypeSet::ANY, 0));
        // 0.3-GPU shares: 3 per device × 8 devices = 24.
        let share = TaskRequest::with_gpu_amount(0.3, 0, 0).unwrap();
        assert!(can_ever_fit(&c, &share, 24, GpuTypeSet::ANY, 0));
        assert!(!can_ever_fit(&c, &share, 25, GpuTypeSet::ANY, 0));
        // CPU bound: 64 cores per node, 40-core tasks: one per node.
        let cpu = TaskRequest::with_gpu_amount(0.0, 40_000, 0).unwrap();
        assert!(!can_ever_fit(&c, &cpu, 3, GpuTypeSet::ANY, 0));
    }

    #[test]
    fn nodes_held_as_hot_spares_are_out_of_reach_at_best_the_smallest() {
        // 3 nodes × 4 GPUs, one held: two 4-GPU tasks fit, three never do.
        let c = uniform(1, 3, 4);
        let four = TaskRequest::with_gpu_amount(4.0, 0, 0).unwrap();
        assert!(can_ever_fit(&c, &four, 2, GpuTypeSet::ANY, 1));
        assert!(!can_ever_fit(&c, &four, 3, GpuTypeSet::ANY, 1));
        assert!(!can_ever_fit(&c, &four, 1, GpuTypeSet::ANY, 3));
        // Two 8-GPU nodes and two 2-GPU ones, two held: at best the 2-GPU ones, so 16 one-GPU
        // tasks can run (8 + 8), 17 never; 2-GPU tasks: 4 + 4 = 8 fit, 9 never.
        let node = |name: &str, gpus: u32| NodeSpec {
            name: name.into(),
            rack: "r0".into(),
            gpus,
            gpu_type: "A100".into(),
            cpu_milli: 64_000,
            mem_mib: 1 << 20,
        };
        let mixed = Cluster::build(&[node("a", 2), node("b", 8), node("c", 2), node("d", 8)]).unwrap();
        let one = TaskRequest::with_gpu_amount(1.0, 0, 0).unwrap();
        let two = TaskRequest::with_gpu_amount(2.0, 0, 0).unwrap();
        assert!(can_ever_fit(&mixed, &one, 16, GpuTypeSet::ANY, 2));
        assert!(!can_ever_fit(&mixed, &one, 17, GpuTypeSet::ANY, 2));
        assert!(can_ever_fit(&mixed, &two, 8, GpuTypeSet::ANY, 2));
        assert!(!can_ever_fit(&mixed, &two, 9, GpuTypeSet::ANY, 2));
        // 8-GPU tasks: the 2-GPU nodes hold none, so they are the ones held; both 8s remain.
        let eight = TaskRequest::with_gpu_amount(8.0, 0, 0).unwrap();
        assert!(can_ever_fit(&mixed, &eight, 2, GpuTypeSet::ANY, 2));
        assert!(!can_ever_fit(&mixed, &eight, 2, GpuTypeSet::ANY, 3));
    }

    #[test]
    fn tasks_wider_than_every_node_are_split_into_the_largest_equal_parts() {
        let c = uniform(1, 4, 8);
        let split = |gpus: u32, cpu: u64| {
            let mut spec = JobSpec::new(
                "j",
                crate::time::SimTime::ZERO,
                crate::time::SimTime::from_secs(1),
                1,
                TaskRequest {
                    gpus,
                    milli_per_gpu: MILLI_PER_GPU,
                    cpu_milli: cpu,
                    mem_mib: 0,
                    mig: crate::sharing::mig::MigName::NONE,
                },
            );
            split_to_fit(&c, &mut spec.task, &mut spec.tasks, GpuTypeSet::ANY);
            (spec.tasks, spec.task.gpus, spec.task.cpu_milli)
        };
        // 256 on 8-GPU nodes: 32 × 8; 12: 2 × 6 (6 is the largest divisor ≤ 8); 7 fits as is;
        // 11 (prime): 11 × 1. CPU shared out: 12 GPUs with 10 cores → 2 tasks of 5.
        assert_eq!(split(256, 0), (32, 8, 0));
        assert_eq!(split(12, 10_000), (2, 6, 5_000));
        assert_eq!(split(7, 0), (1, 7, 0));
        assert_eq!(split(11, 0), (11, 1, 0));
        // 32 × 8 fits 4 nodes × 8 only if 4 × 8 ≥ 32 GPUs: 256 never does, 32 does.
        let mut wide = JobSpec::new(
            "w",
            crate::time::SimTime::ZERO,
            crate::time::SimTime::from_secs(1),
            1,
            TaskRequest::with_gpu_amount(32.0, 0, 0).unwrap(),
        );
        split_to_fit(&c, &mut wide.task, &mut wide.tasks, GpuTypeSet::ANY);
        assert!(can_ever_fit(&c, &wide.task, wide.tasks, GpuTypeSet::ANY, 0));
    }

    #[test]
    fn unknown_gpu_models_allow_nothing() {
        let c = uniform(1, 1, 4);
        assert_eq!(allowed_types(&c, &[]), GpuTypeSet::ANY);
        assert_eq!(allowed_types(&c, &["H100".into()]), GpuTypeSet::NONE);
        assert_eq!(allowed_types(&c, &["H100".into(), "A100".into()]), GpuTypeSet(1));
    }
}

//! Arrivals: turning a trace job into a pending job, or rejecting one that can never run.

use super::State;
use crate::cluster::{Cluster, GpuTypeSet, Node};
use crate::ids::{JobId, QueueId, UserId};
use crate::job::{Job, JobSpec, JobState};
use crate::observe::{Record, RejectReason};
use crate::resources::{MILLI_PER_GPU, TaskRequest};

impl State {
    /// Adds an arriving job: pending if the cluster could ever hold it, otherwise `Failed` at
    /// once (a job larger than the whole cluster would otherwise block a FIFO queue forever).
    pub(super) fn admit(&mut self, spec: JobSpec) {
        let id = JobId::from_index(self.jobs.len());
        let user = UserId(self.users.intern(&spec.user));
        let queue = QueueId(self.queues.intern(&spec.queue));
        let allowed = allowed_types(&self.cluster, &spec.gpu_types);
        let fits = can_ever_fit(&self.cluster, &spec.task, spec.tasks, allowed);
        let mut job = Job::new(id, spec, user, queue, allowed);
        job.queue_position = self.next_position;
        self.next_position += 1;
        if fits {
            self.pending.push(id);
            self.arrived_now.push(id);
            self.records.push(Record::Arrived { job: id });
        } else {
            job.state = JobState::Failed;
            job.end = Some(self.now);
            self.records.push(Record::Rejected {
                job: id,
                reason: RejectReason::NeverFits,
            });
        }
        self.jobs.push(job);
    }
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

/// True when `tasks` copies of `task` fit on the cluster when it is empty.
pub(crate) fn can_ever_fit(cluster: &Cluster, task: &TaskRequest, tasks: u32, allowed: GpuTypeSet) -> bool {
    let mut room = 0u64;
    for node in cluster.nodes() {
        room += tasks_per_empty_node(node, task, allowed);
        if room >= u64::from(tasks) {
            return true;
        }
    }
    false
}

/// How many copies of `task` an empty `node` holds.
fn tasks_per_empty_node(node: &Node, task: &TaskRequest, allowed: GpuTypeSet) -> u64 {
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
    use crate::cluster::tests::uniform;

    #[test]
    fn never_fit_counts_whole_nodes() {
        // 2 nodes × 4 GPUs: a gang of 2 × 4 fits (one per node), 3 × 4 never does, nor 1 × 8.
        let c = uniform(1, 2, 4);
        let four = TaskRequest::with_gpu_amount(4.0, 0, 0).unwrap();
        let eight = TaskRequest::with_gpu_amount(8.0, 0, 0).unwrap();
        assert!(can_ever_fit(&c, &four, 2, GpuTypeSet::ANY));
        assert!(!can_ever_fit(&c, &four, 3, GpuTypeSet::ANY));
        assert!(!can_ever_fit(&c, &eight, 1, GpuTypeSet::ANY));
        // Three 3-GPU tasks: one per node only (4 / 3 = 1), so never.
        let three = TaskRequest::with_gpu_amount(3.0, 0, 0).unwrap();
        assert!(!can_ever_fit(&c, &three, 3, GpuTypeSet::ANY));
        // 0.3-GPU shares: 3 per device × 8 devices = 24.
        let share = TaskRequest::with_gpu_amount(0.3, 0, 0).unwrap();
        assert!(can_ever_fit(&c, &share, 24, GpuTypeSet::ANY));
        assert!(!can_ever_fit(&c, &share, 25, GpuTypeSet::ANY));
        // CPU bound: 64 cores per node, 40-core tasks: one per node.
        let cpu = TaskRequest::with_gpu_amount(0.0, 40_000, 0).unwrap();
        assert!(!can_ever_fit(&c, &cpu, 3, GpuTypeSet::ANY));
    }

    #[test]
    fn unknown_gpu_models_allow_nothing() {
        let c = uniform(1, 1, 4);
        assert_eq!(allowed_types(&c, &[]), GpuTypeSet::ANY);
        assert_eq!(allowed_types(&c, &["H100".into()]), GpuTypeSet::NONE);
        assert_eq!(allowed_types(&c, &["H100".into(), "A100".into()]), GpuTypeSet(1));
    }
}

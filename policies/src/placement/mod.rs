//! Placements: where the tasks of a job go, once the queue order has picked the job.
//!
//! Each placement scores the nodes a task fits on and takes the best; a job is placed task by
//! task on a [`Trial`], all or nothing (a gang that cannot be placed whole holds nothing).

mod best_fit;
mod first_fit;
mod worst_fit;

pub use best_fit::BestFit;
pub use first_fit::FirstFit;
pub use worst_fit::WorstFit;

use sim_core::cluster::Trial;
use sim_core::ids::NodeId;
use sim_core::job::Job;
use sim_core::resources::TaskAlloc;

/// Chooses a node for each task of a job.
pub trait Placement {
    /// Where the next task of `job` goes, given what is tentatively placed in `trial`, or `None`
    /// when it fits nowhere.
    fn place_task(&mut self, trial: &Trial<'_>, job: &Job) -> Option<TaskAlloc>;
}

/// Places every task of `job` on `trial`, or none: on failure the trial is as it was.
pub fn place_job(placement: &mut dyn Placement, trial: &mut Trial<'_>, job: &Job) -> Option<Vec<TaskAlloc>> {
    let mut tasks = Vec::with_capacity(job.spec.tasks as usize);
    for _ in 0..job.spec.tasks {
        let Some(task) = placement.place_task(trial, job) else {
            for placed in &tasks {
                trial.give_back(placed);
            }
            return None;
        };
        trial
            .take(&task)
            .expect("a placement only proposes tasks that fit the trial");
        tasks.push(task);
    }
    Some(tasks)
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

#[cfg(test)]
pub(crate) mod tests {
    use sim_core::cluster::{Cluster, GpuTypeSet, NodeSpec};
    use sim_core::ids::{JobId, QueueId, UserId};
    use sim_core::job::{Job, JobSpec};
    use sim_core::resources::TaskRequest;
    use sim_core::time::SimTime;

    /// Nodes with the given GPU counts, one rack each.
    pub(crate) fn nodes(gpus: &[u32]) -> Cluster {
        let specs: Vec<NodeSpec> = gpus
            .iter()
            .enumerate()
            .map(|(i, &g)| NodeSpec {
                name: format!("n{i}"),
                rack: format!("r{i}"),
                gpus: g,
                gpu_type: "A100".into(),
                cpu_milli: 64_000,
                mem_mib: 1 << 20,
            })
            .collect();
        Cluster::build(&specs).unwrap()
    }

    /// A pending job of `tasks` × `gpus`.
    pub(crate) fn job(tasks: u32, gpus: f64) -> Job {
        let request = TaskRequest::with_gpu_amount(gpus, 0, 0).unwrap();
        let spec = JobSpec::new("j", SimTime::ZERO, SimTime::from_secs(1), tasks, request);
        Job::new(JobId(0), spec, UserId(0), QueueId(0), GpuTypeSet::ANY)
    }
}

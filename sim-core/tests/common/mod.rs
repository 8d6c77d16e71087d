//! A policy shared by the integration tests: the smallest one that starts jobs.

use sim_core::cluster::Trial;
use sim_core::ids::NodeId;
use sim_core::policy::{Decision, Policy, StartKind};
use sim_core::view::ClusterView;

/// Starts waiting single-task jobs on the first node they fit.
pub struct FirstFit;

impl Policy for FirstFit {
    fn name(&self) -> &str {
        "first-fit"
    }

    fn schedule(&mut self, view: &ClusterView<'_>, decisions: &mut Vec<Decision>) {
        let mut trial = Trial::new(view.cluster);
        for job in view.pending_jobs() {
            let fit = (0..view.cluster.nodes().len())
                .find_map(|i| trial.fit(NodeId::from_index(i), &job.spec.task, job.allowed_gpu_types));
            if let Some(task) = fit {
                trial.take(&task).expect("the task fits");
                decisions.push(Decision::Start {
                    job: job.id,
                    placement: vec![task],
                    kind: StartKind::Started,
                });
            }
        }
    }
}

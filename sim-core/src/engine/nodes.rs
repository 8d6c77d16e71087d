//! Nodes going down and coming back, and the jobs a failure interrupts.

use super::apply::Stop;
use super::{Event, State};
use crate::ids::{JobId, NodeId};
use crate::observe::{DownCause, Record};

impl State {
    /// Stops a running job because something it used failed: it loses the work since its last
    /// checkpoint and waits again (non-preemptible jobs too).
    pub(super) fn interrupt(&mut self, id: JobId) {
        self.stop(id, Stop::Interrupt)
            .expect("only running jobs are interrupted");
    }

    /// Takes a node down: interrupts its jobs, removes its capacity, and schedules its return.
    pub(super) fn shut_down(&mut self, node: NodeId, cause: DownCause) {
        if !self.cluster.node(node).up {
            return;
        }
        let victims: Vec<JobId> = self
            .running
            .iter()
            .copied()
            .filter(|j| self.jobs[j.index()].alloc.iter().any(|t| t.node == node))
            .collect();
        for job in victims {
            self.interrupt(job);
        }
        self.cluster.set_node_up(node, false);
        self.records.push(Record::NodeDown { node, cause });
        let recovery = match cause {
            DownCause::Thermal => self.physics.thermal().map(|t| t.config().recovery),
        };
        if let Some(after) = recovery {
            self.queue.push(self.now + after, Event::NodeRecovery { node });
        }
        self.node_changed(node);
    }

    /// Brings a node back up.
    pub(super) fn recover(&mut self, node: NodeId) {
        if self.cluster.set_node_up(node, true) {
            self.records.push(Record::NodeUp { node });
            self.node_changed(node);
        }
    }

    fn node_changed(&mut self, node: NodeId) {
        let mut effects = std::mem::take(&mut self.effects);
        self.physics
            .node_changed(&self.cluster, &self.jobs, node, self.now, &mut effects);
        self.apply_effects(&mut effects, None);
        self.effects = effects;
    }

    /// A thermal check came due.
    pub(super) fn thermal_check(&mut self, node: NodeId, version: u32) {
        let mut effects = std::mem::take(&mut self.effects);
        self.physics
            .thermal_check(&self.cluster, &self.jobs, node, version, self.now, &mut effects);
        self.apply_effects(&mut effects, None);
        self.effects = effects;
    }
}

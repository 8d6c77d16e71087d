//! Nodes going down and coming back, and the jobs a failure stops.
//!
//! A node may be held down for several reasons at once (a PDU trip and its own failure): it
//! goes down with the first and comes back when the last one ends.

use super::apply::Stop;
use super::{Event, State};
use crate::faults::Requeue;
use crate::ids::{JobId, NodeId};
use crate::job::JobState;
use crate::model::NodeChange;
use crate::observe::{DownCause, Record};

impl State {
    /// Stops a running job because incident `incident` took something it used: it loses the
    /// work since its last checkpoint (non-preemptible jobs too), then waits out its restart
    /// overhead and back-off outside the queue, or ends `Failed` past its retry limit.
    ///
    /// A job whose work is done at this very instant (its finish event is due now, behind the
    /// failure's) completes instead: the failure finds it finished, with nothing to lose.
    pub(super) fn kill(&mut self, id: JobId, incident: u32) {
        if self.jobs[id].progress.remaining_at(self.now) == 0.0 {
            self.complete(id);
            return;
        }
        self.stop(id, Stop::Interrupt)
            .expect("only running jobs are killed by failures");
        let now = self.now;
        let job = &mut self.jobs[id];
        job.incident = Some(incident);
        let failures = job.interruptions;
        self.held_jobs += 1;
        let row = &mut self.incidents[incident as usize];
        row.jobs_killed += 1;
        if self.impact.max_retries.is_some_and(|limit| failures > limit) {
            job.state = JobState::Failed;
            self.ended.push(id);
            job.end = Some(now);
            self.held_jobs -= 1;
            row.jobs_failed += 1;
            self.records.push(Record::GaveUp { job: id });
            return;
        }
        let delay = self.impact.delay(failures);
        if delay.as_micros() == 0 {
            self.requeue(id);
        } else {
            self.queue.push(now + delay, Event::Requeue { job: id });
        }
    }

    /// Puts a held job back in the queue (or keeps it held while a model, the breaker, says so).
    pub(super) fn requeue(&mut self, id: JobId) {
        if self.held_by_model(id) {
            return;
        }
        let job = &mut self.jobs[id];
        job.state = JobState::Pending;
        job.ledger.requeued(self.now);
        self.held_jobs -= 1;
        if self.impact.requeue == Requeue::Back {
            job.queue_position = self.next_position;
            self.next_position += 1;
        }
        if let Some(incident) = job.incident {
            self.incidents[incident as usize].jobs_requeued += 1;
        }
        self.enqueue(id);
        self.records.push(Record::Requeued { job: id });
    }

    /// A held job's wait is over: it returns to the queue (unless a model holds it).
    pub(super) fn requeue_due(&mut self, job: JobId) -> bool {
        if self.jobs[job].state != JobState::Held {
            return false;
        }
        self.requeue(job);
        true
    }

    /// Inserts a job into the pending list at its queue position.
    pub(super) fn enqueue(&mut self, id: JobId) {
        self.pending.insert(id, self.jobs[id].queue_position);
    }

    /// Takes the jobs of `started` that are no longer pending out of the pending list: each is
    /// the list's head (as the first jobs of the queue are) or found by its queue position (the
    /// list's order), so a round that starts a few jobs of a deep queue costs a few searches,
    /// not a pass over the queue.
    pub(super) fn unqueue_started(&mut self, started: &[JobId]) {
        for &id in started {
            let job = &self.jobs[id];
            if job.state == JobState::Pending {
                continue;
            }
            if let Some(at) = self.pending.find(id, job.queue_position) {
                self.pending.remove(at);
            }
        }
    }

    /// Holds a node down for incident `incident`: the first hold stops its jobs, removes its
    /// capacity and counts a node failure. Returns true when the node went down now.
    pub(super) fn hold_node_down(&mut self, node: NodeId, cause: DownCause, incident: u32) -> bool {
        self.node_holds[node.index()] += 1;
        if !self.cluster.node(node).up {
            return false;
        }
        let victims: Vec<JobId> = self
            .running
            .iter()
            .copied()
            .filter(|&j| self.jobs[j].alloc.iter().any(|t| t.node == node))
            .collect();
        for job in victims {
            self.kill(job, incident);
        }
        self.cluster.set_node_up(node, false);
        self.records.push(Record::NodeDown { node, cause });
        self.incidents[incident as usize].nodes_down += 1;
        self.peak_down_nodes = self.peak_down_nodes.max(self.cluster.down_nodes() as u32);
        self.node_changed(node, NodeChange::Down(cause));
        true
    }

    /// Ends one reason a node is down; the last one brings it back up.
    pub(super) fn release_node(&mut self, node: NodeId) {
        let holds = &mut self.node_holds[node.index()];
        *holds = holds.saturating_sub(1);
        if *holds == 0 && self.cluster.set_node_up(node, true) {
            self.records.push(Record::NodeUp { node });
            self.node_changed(node, NodeChange::Up);
        }
    }

    /// A device fails in `incident`: every job using it is stopped (several share a device in
    /// slices), the device leaves the capacity.
    pub(super) fn gpu_down(&mut self, node: NodeId, device: u32, incident: u32) {
        let users: Vec<JobId> = self
            .running
            .iter()
            .copied()
            .filter(|j| {
                self.jobs[*j]
                    .alloc
                    .iter()
                    .any(|t| t.node == node && t.gpu_mask >> device & 1 == 1)
            })
            .collect();
        for job in users {
            self.kill(job, incident);
        }
        self.cluster.set_gpu_failed(node, device, true);
        self.node_changed(node, NodeChange::GpuFailed);
    }

    /// A failed device is repaired.
    pub(super) fn gpu_up(&mut self, node: NodeId, device: u32) {
        self.cluster.set_gpu_failed(node, device, false);
        self.node_changed(node, NodeChange::GpuRepaired);
    }

    /// Tells the models a node changed, and applies what follows.
    pub(super) fn node_changed(&mut self, node: NodeId, change: NodeChange) {
        self.notify(None, |m, ctx, effects| m.node_changed(ctx, node, change, effects));
    }
}

//! State changes: starting, finishing, preempting and suspending jobs and changing their speed.

use super::{Event, State};
use crate::ids::JobId;
use crate::job::{JobSpeed, JobState};
use crate::observe::{Record, RejectReason};
use crate::policy::{Decision, StartKind};
use crate::resources::{MILLI_PER_GPU, TaskAlloc};
use crate::time::SimTime;

/// How a running job is stopped and returned to the queue.
#[derive(Clone, Copy, PartialEq)]
pub(super) enum Stop {
    /// A policy preemption: back to the last checkpoint.
    Preempt,
    /// Time slicing: progress kept, less `overhead` of work.
    Suspend { overhead: SimTime },
    /// A failure of something the job used: back to the last checkpoint, even if the job is
    /// not preemptible; the job is `Held` (the caller decides when it returns).
    Interrupt,
}

impl State {
    /// Applies a policy decision after checking it; on error nothing has changed.
    pub(super) fn apply_decision(&mut self, decision: Decision) -> Result<(), String> {
        match decision {
            Decision::Start { job, placement, kind } => self.start(job, placement, kind),
            Decision::Preempt { job } => self.stop(job, Stop::Preempt),
            Decision::Suspend { job, overhead } => self.stop(job, Stop::Suspend { overhead }),
            Decision::WakeAt(at) => {
                if at >= self.now && self.wakeups.insert(at) {
                    self.queue.push(at, Event::Wake);
                }
                Ok(())
            }
            Decision::Invalid { reason, .. } => Err(reason),
        }
    }

    /// Fails the jobs that arrived at this instant and are still waiting (fill experiments:
    /// a pod that cannot be placed when it arrives fails at once instead of queueing).
    pub(super) fn fail_unplaced_arrivals(&mut self) {
        let now = self.now;
        for id in std::mem::take(&mut self.arrived_now) {
            let job = &mut self.jobs[id];
            if job.state == JobState::Pending {
                job.state = JobState::Failed;
                self.ended.push(id);
                job.end = Some(now);
                self.records.push(Record::Rejected {
                    job: id,
                    reason: RejectReason::NotPlacedOnArrival,
                });
            }
        }
        let jobs = &self.jobs;
        self.pending.retain(|&id| jobs[id].state == JobState::Pending);
    }

    fn start(&mut self, id: JobId, placement: Vec<TaskAlloc>, kind: StartKind) -> Result<(), String> {
        let job = self
            .jobs
            .get(id)
            .ok_or_else(|| format!("job #{} does not exist", id.0))?;
        if job.state != JobState::Pending {
            return Err(format!("it is {}, not pending", job.state.as_str()));
        }
        if placement.len() != job.spec.tasks as usize {
            return Err(format!(
                "placement has {} tasks, the job has {}",
                placement.len(),
                job.spec.tasks
            ));
        }
        for (i, task) in placement.iter().enumerate() {
            if !task.matches(&job.spec.task) {
                return Err(format!(
                    "task {i}'s allocation {task:?} does not match its request {:?}",
                    job.spec.task
                ));
            }
            let node = self
                .cluster
                .nodes()
                .get(task.node.index())
                .ok_or_else(|| format!("node {} does not exist", task.node.0))?;
            if task.gpu_mask != 0 && !job.allowed_gpu_types.contains(node.gpu_type) {
                return Err(format!("node `{}` has GPU model the job does not allow", node.name));
            }
        }
        self.cluster.allocate(&placement).map_err(|e| e.to_string())?;
        // An instance created for the job (a MIG reconfiguration) serves nothing for the
        // reconfiguration time: the job starts that much later in its own time.
        let reconfig = match (self.cluster.take_mig_reconfigured(), self.cluster.mig()) {
            (n, Some(mig)) if n > 0 => mig.reconfig_time().as_micros() as f64,
            _ => 0.0,
        };
        let now = self.now;
        let job = &mut self.jobs[id];
        if job.first_start.is_some() {
            job.restarts += 1;
        }
        let warmup = reconfig
            + if job.ledger.restoring {
                job.spec.warmup.as_micros() as f64
            } else {
                0.0
            };
        job.ledger.restoring = false;
        job.ledger
            .started(now, job.first_start.is_none(), job.checkpointed_work, warmup);
        job.first_start.get_or_insert(now);
        job.last_start = Some(now);
        job.state = JobState::Running;
        job.alloc = placement;
        job.speed = JobSpeed::FULL;
        self.running.insert(id);
        self.tally.started(self.stats.events);
        self.notify(Some(id), |m, ctx, effects| m.job_started(ctx, id, effects));
        let job = &mut self.jobs[id];
        job.progress.remaining = job.cycle.length() - job.ledger.attempt_from;
        job.progress.rate = job.speed.rate();
        job.progress.updated_at = now;
        job.progress.version += 1;
        self.schedule_finish(id);
        if self.kill_at_limit {
            let limit = now.saturating_add(self.jobs[id].spec.requested);
            self.queue.push(limit, Event::TimeLimit { job: id, started: now });
        }
        self.records.push(Record::Started { job: id, kind });
        Ok(())
    }

    /// Kills a running job at its time limit, unless it has been stopped and restarted since
    /// (`started` is not its attempt) or finishes at this very instant. Returns whether it was
    /// killed.
    pub(super) fn time_limit(&mut self, id: JobId, started: SimTime) -> bool {
        let now = self.now;
        let Some(job) = self.jobs.get(id) else {
            return false;
        };
        if job.state != JobState::Running || job.last_start != Some(started) || job.progress.remaining_at(now) <= 0.0 {
            return false;
        }
        let job = &mut self.jobs[id];
        let done = job.work_done_at(now);
        let gpus = job.spec.gpu_milli() as f64 / f64::from(MILLI_PER_GPU);
        let lost_gpu_s = done / 1e6 * gpus;
        job.lost_gpu_s += lost_gpu_s;
        let position = job.position_at(now);
        let resumed = job.ledger.resumed_at;
        job.ledger.stopped(now, &job.cycle, position, resumed);
        job.ledger.discard_kept();
        job.state = JobState::Timeout;
        self.ended.push(id);
        job.end = Some(now);
        job.progress.remaining = job.progress.remaining_at(now);
        job.progress.updated_at = now;
        job.progress.version += 1;
        self.cluster.release(&self.jobs[id].alloc);
        self.running.remove(&id);
        self.records.push(Record::TimedOut { job: id, lost_gpu_s });
        self.after_stop(id);
        true
    }

    /// Stops a running job and puts it back in the queue at its queue position (an interrupted
    /// job is `Held` instead). A preemption or an interruption keeps only the work saved by its
    /// last checkpoint; a suspension keeps all of it but the switch overhead. The lost work ×
    /// the job's GPUs is counted in `lost_gpu_s`. Policies may only stop preemptible jobs;
    /// failures stop any.
    pub(super) fn stop(&mut self, id: JobId, how: Stop) -> Result<(), String> {
        let job = self
            .jobs
            .get(id)
            .ok_or_else(|| format!("job #{} does not exist", id.0))?;
        if job.state != JobState::Running {
            return Err(format!("it is {}, not running", job.state.as_str()));
        }
        if how != Stop::Interrupt && !job.spec.preemptible {
            return Err("it is not preemptible".into());
        }
        let now = self.now;
        let job = &mut self.jobs[id];
        let done = job.position_at(now);
        let saved = match how {
            Stop::Preempt | Stop::Interrupt => job.checkpointed_part(done).max(job.checkpointed_work),
            Stop::Suspend { overhead } => (done - overhead.as_micros() as f64).max(0.0),
        };
        let gpus = job.spec.gpu_milli() as f64 / f64::from(MILLI_PER_GPU);
        let lost_gpu_s = (done - saved).max(0.0) / 1e6 * gpus;
        job.ledger.stopped(now, &job.cycle, done, saved);
        job.ledger.restoring = !matches!(how, Stop::Suspend { .. });
        job.checkpointed_work = saved;
        job.lost_gpu_s += lost_gpu_s;
        job.state = if how == Stop::Interrupt {
            JobState::Held
        } else {
            JobState::Pending
        };
        job.progress.remaining = job.cycle.length() - saved;
        job.progress.updated_at = now;
        job.progress.version += 1;
        let record = match how {
            Stop::Preempt => {
                job.preemptions += 1;
                Record::Preempted { job: id, lost_gpu_s }
            }
            Stop::Suspend { .. } => {
                job.suspensions += 1;
                self.tally.suspensions += 1;
                Record::Suspended { job: id, lost_gpu_s }
            }
            Stop::Interrupt => {
                job.interruptions += 1;
                Record::Interrupted { job: id, lost_gpu_s }
            }
        };
        self.cluster.release(&self.jobs[id].alloc);
        self.running.remove(&id);
        if how != Stop::Interrupt {
            self.enqueue(id);
        }
        self.records.push(record);
        self.after_stop(id);
        Ok(())
    }

    /// Tells the models a job stopped and applies what follows (other jobs speed up).
    pub(super) fn after_stop(&mut self, id: JobId) {
        self.notify(None, |m, ctx, effects| m.job_stopped(ctx, id, effects));
    }

    /// Marks a running job completed and frees its resources.
    pub(super) fn complete(&mut self, id: JobId) {
        let now = self.now;
        let job = &mut self.jobs[id];
        job.state = JobState::Completed;
        self.ended.push(id);
        job.end = Some(now);
        let length = job.cycle.length();
        job.ledger.stopped(now, &job.cycle, length, length);
        job.progress.remaining = 0.0;
        job.progress.updated_at = now;
        job.checkpointed_work = length;
        self.cluster.release(&self.jobs[id].alloc);
        self.running.remove(&id);
        self.records.push(Record::Completed { job: id });
        self.after_stop(id);
    }

    /// Brings a running job's progress up to date, sets its new speed and moves its finish.
    pub(super) fn change_rate(&mut self, id: JobId, rate: f64) {
        let now = self.now;
        let job = &mut self.jobs[id];
        if job.state != JobState::Running || job.progress.rate == rate {
            return;
        }
        let old_rate = job.progress.rate;
        job.progress.remaining = job.progress.remaining_at(now);
        job.progress.updated_at = now;
        job.progress.rate = rate.max(0.0);
        job.progress.version += 1;
        self.schedule_finish(id);
        self.records.push(Record::RateChanged {
            job: id,
            old_rate,
            new_rate: rate.max(0.0),
        });
        self.notify(None, |m, ctx, effects| m.job_rate_changed(ctx, id, effects));
    }

    /// Whether a finish event of `job` at progress `version` is still due: a change of speed
    /// moves the finish (a new event, a new version), and a job that ended by another way may
    /// have been retired since.
    pub(super) fn finish_is_current(&self, job: JobId, version: u32) -> bool {
        self.jobs
            .get(job)
            .is_some_and(|j| j.state == JobState::Running && j.progress.version == version)
    }

    fn schedule_finish(&mut self, id: JobId) {
        let progress = &self.jobs[id].progress;
        if let Some(at) = progress.finish_time() {
            self.queue.push(
                at,
                Event::Finish {
                    job: id,
                    version: progress.version,
                },
            );
        }
    }
}

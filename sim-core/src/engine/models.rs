//! Calling the world models and applying their effects.
//!
//! A model's effects are applied in the order it pushed them, right after its call and before
//! the next model is called. Applying one may call the models again (a killed job stops, a node
//! goes down): those calls push their effects above the ones still waiting and apply them
//! first, so `effects` works as a stack and no call allocates.

use super::{Event, State};
use crate::ids::JobId;
use crate::job::JobState;
use crate::model::{Effect, Effects, ModelCtx, ModelEvent, SpeedPart, WorldModel};

impl State {
    /// Calls `call` on every model in order, applying each one's effects after its call.
    /// `starting` is a job being started now, whose rate the caller sets.
    pub(super) fn notify(
        &mut self,
        starting: Option<JobId>,
        mut call: impl FnMut(&mut dyn WorldModel, &mut ModelCtx<'_>, &mut Effects),
    ) {
        for index in 0..self.models.len() {
            self.call_model(index, starting, &mut call);
        }
    }

    /// One of model `model`'s events came due; returns whether the policy should run.
    pub(super) fn model_event(&mut self, model: u16, event: ModelEvent) -> bool {
        self.call_model(usize::from(model), None, |m, ctx, effects| m.event(ctx, event, effects))
    }

    /// True when a model keeps a job stopped by a failure out of the queue for now.
    pub(super) fn held_by_model(&mut self, job: JobId) -> bool {
        let ctx = ModelCtx {
            now: self.now,
            cluster: &self.cluster,
            jobs: &self.jobs,
            running: &self.running,
            incidents: &mut self.incidents,
        };
        self.models.iter_mut().any(|m| m.hold_requeue(&ctx, job))
    }

    /// Calls model `index` and applies the effects it pushed.
    fn call_model<R>(
        &mut self,
        index: usize,
        starting: Option<JobId>,
        call: impl FnOnce(&mut dyn WorldModel, &mut ModelCtx<'_>, &mut Effects) -> R,
    ) -> R {
        let base = self.effects.len();
        let mut ctx = ModelCtx {
            now: self.now,
            cluster: &self.cluster,
            jobs: &self.jobs,
            running: &self.running,
            incidents: &mut self.incidents,
        };
        let result = call(&mut *self.models[index], &mut ctx, &mut self.effects);
        for at in base..self.effects.len() {
            let effect = self.effects.get(at);
            self.apply_effect(index, effect, starting);
        }
        self.effects.truncate(base);
        result
    }

    /// Applies one effect of model `model`.
    fn apply_effect(&mut self, model: usize, effect: Effect, starting: Option<JobId>) {
        match effect {
            Effect::Speed { job, part, factor } => {
                let speed = &mut self.jobs[job].speed;
                match part {
                    SpeedPart::Network => speed.network = factor,
                    SpeedPart::Power => speed.power = factor,
                    SpeedPart::Sharing => speed.sharing = factor,
                }
                let rate = speed.rate();
                if Some(job) != starting {
                    self.change_rate(job, rate);
                }
            }
            Effect::Schedule { at, event } => {
                let model = u16::try_from(model).expect("fewer than 65,536 world models");
                self.queue.push(at, Event::Model { model, event });
            }
            Effect::HoldNodeDown { node, cause, incident } => {
                self.hold_node_down(node, cause, incident);
            }
            Effect::ReleaseNode { node } => self.release_node(node),
            Effect::FailGpu { node, device, incident } => self.gpu_down(node, device, incident),
            Effect::RepairGpu { node, device } => self.gpu_up(node, device),
            Effect::SetReachable { node, reachable } => {
                self.cluster.set_node_reachable(node, reachable);
            }
            Effect::SetSpare { node, spare } => {
                self.cluster.set_node_spare(node, spare);
            }
            Effect::Kill { job, incident } => {
                if self.jobs.get(job).is_some_and(|j| j.state == JobState::Running) {
                    self.kill(job, incident);
                }
            }
            Effect::Requeue { job } => self.requeue(job),
            Effect::Signal(signal) => self.notify(None, |m, ctx, effects| m.signal(ctx, signal, effects)),
        }
    }
}

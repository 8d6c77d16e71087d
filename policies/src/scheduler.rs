//! The policy itself: a queue order, a placement and the optional parts (quotas, EASY
//! backfilling, preemption, time slicing) combined in one scheduling round.
//!
//! A round, run once per instant:
//! 1. The queue order offers waiting jobs one at a time.
//! 2. A job that would exceed its queue's quota is passed over (it does not block).
//! 3. A job that can be placed starts. Before any reservation exists, a job that cannot be
//!    placed may preempt lower-priority jobs (when a preemption rule is set).
//! 4. Otherwise the job is blocked: without backfilling the round ends here; with backfilling
//!    the first `depth` blocked jobs get reservations (EASY: 1, conservative: all), and later
//!    jobs start only if they delay none of them (see [`crate::backfill`]).
//! 5. With time slicing, each blocked job in turn may suspend running jobs of equal priority
//!    whose slice is over.
//! 6. The policy asks to be woken at the next slice end or grace-period end that matters, and,
//!    when it stopped running jobs, again at this instant: those wait again and may start (or
//!    preempt lower priorities) at once.

use std::cmp::Reverse;
use std::collections::BTreeSet;

use sim_core::cluster::TrialMemory;
use sim_core::frag::TypicalTasks;
use sim_core::ids::JobId;
use sim_core::job::Job;
use sim_core::observe::Record;
use sim_core::policy::{Decision, Policy, StartKind};
use sim_core::resources::TaskAlloc;
use sim_core::time::SimTime;
use sim_core::view::ClusterView;

use crate::backfill::{Forecast, Plan, Refused};
use crate::explain::{ExplainSink, Explainer, Outcome, Reason};
use crate::offers::Offers;
use crate::placement::Placement;
use crate::preemption::Preemption;
use crate::queue::QueueOrder;
use crate::quota::Quotas;
use crate::registry::Context;
use crate::round::Round;
use crate::slicing::TimeSlicing;
use crate::spec::PolicySpec;
use crate::victims::{StopRule, make_room};
use crate::waiting_index::{Filter, WaitingIndex};

/// A policy assembled from parts.
pub struct Scheduler {
    label: String,
    queue: Box<dyn QueueOrder + Send>,
    placement: Box<dyn Placement + Send>,
    /// How many blocked jobs get a reservation; `None` without backfilling.
    backfill_depth: Option<usize>,
    quotas: Option<Quotas>,
    preemption: Option<Preemption>,
    slicing: Option<TimeSlicing>,
    /// Jobs left waiting by the current round: those that could not start, in the order
    /// offered, then those it suspended.
    blocked: Vec<JobId>,
    /// Whether a backfilling plan may be carried from round to round (see [`Kept`]).
    carries_plans: bool,
    /// The last round's plan, while it may still hold.
    kept: Option<Kept>,
    /// A plan of an earlier round, whose memory the next plan reuses.
    spare: Option<Box<Plan>>,
    /// The memory of the last round's trial, which the next round's reuses.
    trial_memory: TrialMemory,
    /// What backfilling expects of the running jobs (kept only when backfilling is on).
    forecast: Forecast,
    /// The why-log, when the run explains its decisions (`None` costs nothing).
    explain: Option<Explainer>,
    /// The jobs the queue order offered this round, checked against its contract.
    offers: Offers,
    /// The waiting jobs indexed for backfilling past a deep queue, when the order is the
    /// pending list's and nothing but the reservations decides who may start (see
    /// [`WaitingIndex`]).
    waiting: Option<WaitingIndex>,
}

/// A backfilling plan kept from the last round. With FIFO order, whole-node reservations on a
/// single pool and no part that looks beyond the queue (quotas, preemption, slicing), a round
/// in which only the expected happened would recompute every reservation at the same time and
/// refuse every job it refused before: the plan is carried over, due reservations start and
/// only the new arrivals are offered. What counts as expected: arrivals, and, under
/// conservative backfilling (every waiting job reserved), running jobs ending at their expected
/// ends; under EASY or a limited depth a job ending at all recomputes, since what it frees may
/// let an unreserved job backfill. Anything else recomputes the plan, including a change of the
/// cluster's state that no record reports (an idle device failing or repaired, a rack cut off
/// or reconnected: `Cluster::state_version`).
struct Kept {
    plan: Box<Plan>,
    /// The last job of the queue the plan has seen.
    last: JobId,
    /// False once something the plan did not expect has happened.
    holds: bool,
    /// The cluster's state version the plan was made for.
    state_version: u64,
}

impl Scheduler {
    /// The policy `spec` describes; `seed` feeds its random streams (`lottery`, `placement`);
    /// the FGD placement measures fragmentation against the workload's `typical` tasks.
    pub fn new(spec: &PolicySpec, seed: u64, typical: &TypicalTasks) -> Scheduler {
        let context = Context::with_typical(seed, typical.clone());
        let mut queue = (spec.queue.build)(&spec.params, &context);
        let placement = (spec.placement.build)(&spec.params, &context);
        let quotas = Quotas::new(spec.queues());
        let preemption = Preemption::new(&spec.preemption, &spec.params, &context);
        let carries_plans = spec.backfill_depth.is_some()
            && queue.arrival_order()
            && quotas.is_none()
            && preemption.is_none()
            && spec.slicing.is_none()
            && placement.carries_plans();
        Scheduler {
            label: spec.label.clone(),
            carries_plans,
            // Under conservative backfilling every waiting job is reserved: none is passed over.
            waiting: (carries_plans && spec.backfill_depth != Some(usize::MAX) && queue.pending_cursor().is_some())
                .then(WaitingIndex::default),
            queue,
            placement,
            backfill_depth: spec.backfill_depth,
            quotas,
            preemption,
            slicing: spec.slicing.map(TimeSlicing::new),
            blocked: Vec::new(),
            kept: None,
            spare: None,
            trial_memory: TrialMemory::default(),
            forecast: Forecast::default(),
            explain: None,
            offers: Offers::default(),
        }
    }

    /// [`Scheduler::new`], explaining every round into `sink` (see [`crate::explain`]). The
    /// decisions are the same; backfilling plans are recomputed every round rather than carried
    /// over (which decides the same, as debug builds check), so that every waiting job is
    /// considered and explained.
    /// Each start by a placement that scores nodes lists its best `top_k` candidates.
    pub fn explained(
        spec: &PolicySpec,
        seed: u64,
        typical: &TypicalTasks,
        sink: Box<dyn ExplainSink>,
        top_k: usize,
    ) -> Scheduler {
        Scheduler {
            carries_plans: false,
            waiting: None,
            explain: Some(Explainer::new(sink, top_k)),
            ..Scheduler::new(spec, seed, typical)
        }
    }

    fn start(
        &mut self,
        round: &mut Round<'_>,
        job: &Job,
        tasks: Vec<TaskAlloc>,
        decisions: &mut Vec<Decision>,
        kind: StartKind,
    ) {
        if let Some(explain) = &mut self.explain {
            explain.note(job.id, Outcome::from(kind), &tasks);
        }
        round.started.push(job.id);
        self.queue.started(job);
        if let Some(quotas) = &mut self.quotas {
            quotas.started(job);
        }
        decisions.push(Decision::Start {
            job: job.id,
            placement: tasks,
            kind,
        });
    }

    /// Steps 1–4: offers every candidate until one blocks (or, with backfilling, to the end);
    /// returns the plan of reservations, if one was made.
    fn fill(&mut self, round: &mut Round<'_>, decisions: &mut Vec<Decision>) -> Option<Box<Plan>> {
        let view = round.view;
        let mut plan: Option<Box<Plan>> = None;
        // What the reservations ask of a job passed over by the index, once they are all made.
        let mut reserved: Option<Filter> = None;
        loop {
            // Most of a deep queue behind a full cluster, once every reservation is made, is
            // ruled out by its capacity alone, without reading the jobs' records. Such a job
            // waits, as the refusal below would have it: nothing else of the round changes for
            // a job with no quota, no reason to note and no reservation to take. An order that
            // walks the pending list is moved past a run of them in one scan, or, with the
            // waiting index, straight to the next job the reservations may let start.
            let passes_over =
                plan.as_ref().is_some_and(|plan| !plan.has_room()) && self.quotas.is_none() && self.explain.is_none();
            if passes_over && let Some(cursor) = self.queue.pending_cursor() {
                if let (Some(waiting), Some(plan)) = (self.waiting.as_ref().filter(|w| w.ready()), plan.as_mut()) {
                    let placement = self.placement.as_mut();
                    *cursor = next_candidate(waiting, round, plan, placement, &self.forecast, &mut reserved, *cursor)
                        .unwrap_or(view.pending.len());
                } else {
                    let rest = view.pending.get(*cursor..).unwrap_or_default();
                    let ruled_out = rest.iter().take_while(|&&id| round.rules_out(view.demand(id))).count();
                    self.blocked.extend_from_slice(&rest[..ruled_out]);
                    *cursor += ruled_out;
                }
            }
            let Some(id) = self.queue.next(&view) else {
                break;
            };
            if let Some(reason) = self.offers.offer(&view, id) {
                decisions.push(Decision::Invalid { job: id, reason });
                break;
            }
            let job = view.job(id);
            if let Some(queue) = self.quotas.as_ref().and_then(|q| q.refusing(job)) {
                if let Some(explain) = &mut self.explain {
                    let reason = Reason::OverQuota {
                        queue: queue.to_string(),
                    };
                    explain.note(id, Outcome::Waits(reason), &[]);
                }
                continue;
            }
            if let Some(explain) = &mut self.explain
                && !round.cannot_fit(job)
            {
                explain.rank(self.placement.as_mut(), &round.trial, job);
            }
            let placed = match plan.as_mut() {
                // The same bound, job by job: for a plan still taking reservations, and for
                // orders that do not lend their cursor.
                Some(_) if round.rules_out(view.demand(id)) => Err(Refused::NoRoom),
                Some(plan) => plan.admit(round, self.placement.as_mut(), &self.forecast, job),
                None => round.place(self.placement.as_mut(), job).ok_or(Refused::NoRoom),
            };
            let refused = match placed {
                Ok(tasks) => {
                    let kind = if plan.is_some() {
                        StartKind::Backfilled
                    } else {
                        StartKind::Started
                    };
                    self.start(round, job, tasks, decisions, kind);
                    continue;
                }
                Err(refused) => refused,
            };
            if plan.is_none()
                && let Some(preemption) = &self.preemption
                && let Some((victims, tasks)) = make_room(round, self.placement.as_mut(), job, preemption)
            {
                if let Some(explain) = &mut self.explain {
                    explain.stopped(&victims, |v| preemption.explain(view.job(v), view.now));
                }
                decisions.extend(victims.into_iter().map(|job| Decision::Preempt { job }));
                self.start(round, job, tasks, decisions, StartKind::PreemptedOthers);
                continue;
            }
            self.blocked.push(id);
            if self.explain.is_some() {
                let reason = self.refusal(round, plan.as_deref(), refused, job);
                if let Some(explain) = &mut self.explain {
                    explain.note(id, Outcome::Waits(reason), &[]);
                }
            }
            let Some(depth) = self.backfill_depth else {
                if let Some(explain) = &mut self.explain {
                    explain.stops_at(id);
                }
                break;
            };
            let forecast = &mut self.forecast;
            let spare = &mut self.spare;
            let plan = plan.get_or_insert_with(|| Plan::new(round, decisions, depth, forecast, spare.take()));
            if plan.has_room() {
                plan.reserve(job);
            }
        }
        plan
    }

    /// Why `job`, which the round could not start, waits: the reservation it would run into,
    /// too few preemption victims (when some job could have been preempted), or the
    /// placement's refusal (the last one again when the cluster is as it was then and nothing
    /// was tried yet this round).
    fn refusal(&mut self, round: &Round<'_>, plan: Option<&Plan>, refused: Refused, job: &Job) -> Reason {
        if refused == Refused::Reservation
            && let Some((holder, until)) = plan.and_then(Plan::first_reservation)
        {
            return Reason::Reservation { job: holder, until };
        }
        if plan.is_none()
            && let Some(preemption) = &self.preemption
        {
            let candidates = preemption.candidates(round, job);
            if candidates > 0 {
                return Reason::TooFewVictims { candidates };
            }
        }
        let untried = plan.is_none() && round.started.is_empty() && round.stopped().is_empty();
        let version = round.view.cluster.state_version();
        let explain = self.explain.as_mut().expect("only an explaining round asks why");
        if untried && let Some(reason) = explain.refused_again(job.id, version) {
            debug_assert_eq!(
                reason,
                &self.placement.refusal(&round.trial, round.free_gpu_milli(), job),
                "a refusal reused on a cluster that changed at {:?}",
                round.view.now
            );
            return reason.clone();
        }
        let reason = self.placement.refusal(&round.trial, round.free_gpu_milli(), job);
        if untried {
            explain.refused(job.id, version, &reason);
        }
        reason
    }

    /// Runs the round on the last round's plan when it still holds (see [`Kept`]): starts the
    /// reservations due now, then offers the jobs that arrived since. Returns false, with nothing
    /// decided, when the plan must be recomputed.
    fn carry_over(&mut self, round: &mut Round<'_>, decisions: &mut Vec<Decision>) -> bool {
        let Some(mut kept) = self.kept.take() else {
            return false;
        };
        if !kept.holds
            || kept.state_version != round.view.cluster.state_version()
            || round.view.cluster.pools().len() != 1
            || !kept.plan.carry_over(round, &mut self.forecast)
        {
            self.spare = Some(kept.plan);
            return false;
        }
        let view = round.view;
        let mut started = Vec::new();
        for id in kept.plan.due() {
            let job = view.job(id);
            let Some(tasks) = kept.plan.start_due(round, self.placement.as_mut(), &self.forecast, job) else {
                return false;
            };
            started.push((job, tasks));
        }
        let first_new = view.pending.partition_point(|&id| id <= kept.last);
        for &id in &view.pending[first_new..] {
            let job = view.job(id);
            match kept.plan.admit(round, self.placement.as_mut(), &self.forecast, job) {
                Ok(tasks) => started.push((job, tasks)),
                Err(_) if kept.plan.has_room() => kept.plan.reserve(job),
                Err(_) => {}
            }
        }
        // As a recomputed round would say (debug builds check it): a start is backfilled when a
        // job ahead of it in the queue waits. The starts are in queue order, which is the
        // pending order: the first pending job that is not the next start is the first to wait.
        let mut in_order = started.iter().map(|(job, _)| job.id).peekable();
        let first_waiting = view
            .pending
            .iter()
            .copied()
            .find(|&id| in_order.next_if_eq(&id).is_none());
        for (job, tasks) in started {
            let kind = if first_waiting.is_some_and(|first| first < job.id) {
                StartKind::Backfilled
            } else {
                StartKind::Started
            };
            self.start(round, job, tasks, decisions, kind);
        }
        kept.last = view.pending.last().copied().unwrap_or(kept.last);
        self.kept = Some(kept);
        true
    }

    /// Step 5: waiting jobs take the place of running jobs whose slice is over, those waiting
    /// longest first (since they arrived or were last stopped; then in queue position), so
    /// gangs that do not fit together take turns however many there are. Higher priorities go
    /// first; without backfilling every waiting job takes part and the walk stops at the first
    /// that can neither fit beside the running jobs nor make room, as the queue stops at its
    /// head (a higher-priority job that cannot make room holds back the slicing of lower
    /// ones); with backfilling only jobs of a priority with such a running job are tried, and
    /// one that cannot make room is passed over. A job whose turn comes and fits starts
    /// without suspending anyone, so what a suspension frees beyond the new job's needs goes
    /// to the next in turn. Afterwards `blocked` holds every waiting job.
    fn rotate(&mut self, slicing: &TimeSlicing, round: &mut Round<'_>, decisions: &mut Vec<Decision>) {
        let view = round.view;
        let now = view.now;
        let mut started = round.started.clone();
        started.sort_unstable();
        let waiting = view.pending.iter().filter(|id| started.binary_search(id).is_err());
        self.blocked.clear();
        self.blocked.extend(waiting);
        let turns: BTreeSet<i32> = round
            .running()
            .filter(|r| slicing.may_stop(r, r, now))
            .map(|r| r.spec.priority)
            .collect();
        let backfilling = self.backfill_depth.is_some();
        let mut candidates: Vec<&Job> = self
            .blocked
            .iter()
            .map(|&id| view.job(id))
            .filter(|job| !backfilling || turns.contains(&job.spec.priority))
            .filter(|job| self.quotas.as_ref().is_none_or(|q| q.refusing(job).is_none()))
            .collect();
        candidates.sort_by_key(|job| {
            (
                Reverse(job.spec.priority),
                job.progress.updated_at,
                job.queue_position,
                job.id,
            )
        });
        for job in candidates {
            let room = match round.place(self.placement.as_mut(), job) {
                Some(tasks) => Some((Vec::new(), tasks)),
                None => make_room(round, self.placement.as_mut(), job, slicing),
            };
            let Some((victims, tasks)) = room else {
                if !backfilling {
                    break;
                }
                continue;
            };
            decisions.extend(victims.iter().map(|&job| Decision::Suspend {
                job,
                overhead: slicing.overhead(),
            }));
            if let Some(explain) = &mut self.explain {
                explain.retract(job.id);
                explain.stopped(&victims, |v| crate::slicing::slice_start(view.job(v)));
            }
            // A job whose turn has come may fit beside the running ones (it waited behind the
            // queue's head, not for room): it starts without suspending anyone.
            let kind = if victims.is_empty() {
                StartKind::Started
            } else {
                StartKind::PreemptedOthers
            };
            self.start(round, job, tasks, decisions, kind);
            self.blocked.retain(|&id| id != job.id);
            // The suspended jobs wait from now on: their turn comes at a slice end.
            self.blocked.extend(victims);
        }
    }
}

impl Scheduler {
    /// The decisions a full recomputation of this round would make (debug builds check carried
    /// plans against it; the placements that allow carrying keep no state, so this changes
    /// nothing).
    fn recomputed(&mut self, view: &ClusterView<'_>) -> Vec<Decision> {
        let kept = self.kept.take();
        let mut round = Round::new(*view, TrialMemory::default());
        let mut decisions = Vec::new();
        self.blocked.clear();
        self.fill(&mut round, &mut decisions);
        self.kept = kept;
        decisions
    }
}

impl Scheduler {
    /// One round (see the module's steps), on the last round's trial memory.
    /// A round that stopped running jobs asks for another at this instant: those wait again, and
    /// may start on what is left or stop lower-priority jobs at once.
    fn schedule_round(&mut self, view: &ClusterView<'_>, decisions: &mut Vec<Decision>) {
        let mut round = Round::new(*view, std::mem::take(&mut self.trial_memory));
        if let Some(waiting) = &mut self.waiting {
            waiting.sync(view);
        }
        self.run_round(&mut round, view, decisions);
        if let Some(waiting) = &mut self.waiting {
            waiting.started(&round.started);
        }
        if !round.stopped().is_empty() {
            decisions.push(Decision::WakeAt(view.now));
        }
        self.trial_memory = round.into_memory();
    }

    /// The steps of [`Scheduler::schedule_round`] on `round`.
    fn run_round(&mut self, round: &mut Round<'_>, view: &ClusterView<'_>, decisions: &mut Vec<Decision>) {
        self.queue.begin_round(view);
        self.offers.begin_round();
        self.placement.begin_round(view);
        if let Some(quotas) = &mut self.quotas {
            quotas.begin_round();
        }
        self.blocked.clear();
        if self.backfill_depth.is_some() {
            self.forecast.refresh(view.cluster);
        }
        if self.carry_over(round, decisions) {
            debug_assert_eq!(
                decisions,
                &self.recomputed(view),
                "a carried-over plan decided otherwise than a recomputed one at {:?}",
                view.now
            );
            return;
        }
        match self.fill(round, decisions) {
            Some(plan) if self.carries_plans => {
                let last = view.pending.last().copied().unwrap_or_default();
                self.kept = Some(Kept {
                    plan,
                    last,
                    holds: true,
                    state_version: view.cluster.state_version(),
                });
            }
            Some(plan) => self.spare = Some(plan),
            None => {}
        }
        if self.blocked.is_empty() {
            return;
        }
        let slicing = self.slicing.take();
        if let Some(slicing) = &slicing {
            self.rotate(slicing, round, decisions);
        }
        self.slicing = slicing;
        let wakes = [
            self.slicing.as_ref().and_then(|s| s.next_wake(round, &self.blocked)),
            self.preemption.as_ref().and_then(|p| p.next_wake(round, &self.blocked)),
        ];
        decisions.extend(wakes.into_iter().flatten().map(Decision::WakeAt));
    }
}

impl Policy for Scheduler {
    fn name(&self) -> &str {
        &self.label
    }

    fn schedule(&mut self, view: &ClusterView<'_>, decisions: &mut Vec<Decision>) {
        self.schedule_round(view, decisions);
        if let Some(explain) = &mut self.explain {
            explain.end_round(view);
        }
    }
    fn observe(&mut self, record: &Record, view: &ClusterView<'_>) {
        if let Some(kept) = &mut self.kept {
            kept.holds &= match *record {
                Record::Arrived { .. }
                | Record::Started { .. }
                | Record::RateChanged { .. }
                | Record::Rejected { .. } => true,
                Record::Completed { job } => {
                    self.backfill_depth == Some(usize::MAX)
                        && kept.plan.expected_end(job, &self.forecast) == Some(view.now)
                }
                _ => false,
            };
        }
        if self.backfill_depth.is_some() {
            self.forecast.observe(record, view);
        }
        if let Some(explain) = &mut self.explain {
            explain.observe(record);
        }
        self.queue.observe(record, view);
        self.placement.observe(record, view);
        if let Some(quotas) = &mut self.quotas {
            quotas.observe(record, view);
        }
    }
}

/// The pending position, at `from` or later, of the next job that could start beside `plan`'s
/// reservations, every one of which is made; the jobs before it would be refused, and are
/// passed over without reading them (debug builds offer each to the plan to check).
fn next_candidate(
    waiting: &WaitingIndex,
    round: &mut Round<'_>,
    plan: &mut Plan,
    placement: &mut dyn Placement,
    forecast: &Forecast,
    reserved: &mut Option<Filter>,
    from: usize,
) -> Option<usize> {
    let fits_now = Filter::fits_now(round.free_gpu_milli(), round.max_node_free_gpu_milli());
    let next = waiting.next_passing(from, &fits_now).and_then(|at| {
        let filter = reserved.get_or_insert_with(|| {
            let mut filter = fits_now;
            plan.backfill_bounds(round, placement, forecast, &mut filter);
            filter
        });
        let filter = Filter {
            free_total: fits_now.free_total,
            max_task: fits_now.max_task,
            ..*filter
        };
        // The jobs whose ask the plan has refused from an earlier expected end, on the trial as
        // it is, would be refused again: passed over here, they are not read one by one.
        let refused = plan.refused_asks(round, placement, |ask| waiting.ask_number(ask));
        if refused.is_empty() {
            return waiting.next_passing(at, &filter);
        }
        let now = round.now();
        waiting.next_passing_unless(at, &filter, |ask, estimate| {
            let end = now.saturating_add(SimTime(estimate));
            refused.iter().any(|&(refused, from)| refused == ask && end >= from)
        })
    });
    if cfg!(debug_assertions) {
        let view = round.view;
        let end = next.unwrap_or(view.pending.len());
        for &id in &view.pending[from..end] {
            let job = view.job(id);
            debug_assert!(
                round.rules_out(view.demand(id)) || plan.admit(round, placement, forecast, job).is_err(),
                "job #{} passed over by the waiting index would have started at {:?}",
                id.0,
                view.now
            );
        }
    }
    next
}

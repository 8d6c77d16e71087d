//! Preemption: a job that cannot start may stop running jobs of lower priority.
//!
//! Candidates are running, preemptible jobs of strictly lower priority that have run at least
//! `grace` since they last (re)started and have been preempted fewer than `max_preemptions`
//! times. They are ordered by the victim rule ([`VictimOrder`]), and the smallest set that makes
//! room is taken (see the victim rules of `victims`). Victims lose the work since their last
//! checkpoint and return to the queue. Ties in every rule go to the most recently arrived job (the higher id).

use std::cmp::{Ordering, Reverse};

use sim_core::ids::JobId;
use sim_core::job::Job;
use sim_core::resources::MILLI_PER_GPU;
use sim_core::time::SimTime;

use crate::params::{Kind, Param, Params};
use crate::registry::{Context, Factory, PartInfo, PreemptionPart, VictimOrderFn};
use crate::round::Round;
use crate::victims::StopRule;

/// The order in which candidates are preempted: the first ones go first.
pub trait VictimOrder {
    /// Sorts `candidates` (running, preemptible, of lower priority than the blocked job, past
    /// their grace period) at time `now`.
    fn order(&self, candidates: &mut [&Job], now: SimTime);

    /// What this rule ranks `victim` by at `now`, as `key=value` pairs joined by `,`: why the
    /// why-log says it was chosen (called only when a run explains its decisions). The default
    /// says nothing.
    fn explain(&self, _victim: &Job, _now: SimTime) -> String {
        String::new()
    }
}

/// The parameters every victim rule reads (the scheduler applies them whatever the order): a
/// rule of another crate declares them with `params: PARAMS`.
pub const PARAMS: &[Param] = &[
    Param {
        name: "grace",
        kind: Kind::Duration,
        default: Some("0s"),
        doc: "a job cannot be preempted until it has run this long since it (re)started",
        in_label: false,
    },
    Param {
        name: "max_preemptions",
        kind: Kind::Count {
            min: 0,
            max: u32::MAX as u64,
        },
        default: None,
        doc: "a job preempted this often is never preempted again (none: no cap)",
        in_label: false,
    },
];

/// A victim rule given as functions: how it compares two candidates at a given time (before the tie
/// every rule breaks the same way: the most recently arrived job first), and what it ranks a
/// victim by.
struct Rule {
    compare: fn(&Job, &Job, SimTime) -> Ordering,
    explain: fn(&Job, SimTime) -> String,
}

impl VictimOrder for Rule {
    fn order(&self, candidates: &mut [&Job], now: SimTime) {
        candidates.sort_by(|a, b| (self.compare)(a, b, now).then(Reverse(a.id).cmp(&Reverse(b.id))));
    }

    fn explain(&self, victim: &Job, now: SimTime) -> String {
        (self.explain)(victim, now)
    }
}

/// A victim rule of this crate: `name` and `description` under the shared [`PARAMS`], built by
/// `build`.
const fn rule(name: &'static str, description: &'static str, build: &'static VictimOrderFn) -> PreemptionPart {
    PreemptionPart {
        info: PartInfo {
            name,
            description,
            params: PARAMS,
        },
        build: Factory::Static(build),
    }
}

/// Compares `a` and `b` by the fraction of their work done at `now`, least first.
fn by_progress(a: &Job, b: &Job, now: SimTime) -> Ordering {
    a.progress_fraction_at(now).total_cmp(&b.progress_fraction_at(now))
}

/// `progress=F`: the fraction of `job`'s work done at `now`, to three places.
fn progress_of(job: &Job, now: SimTime) -> String {
    format!("progress={:.3}", job.progress_fraction_at(now))
}

/// `last_start_s=S`: when `job` last (re)started, in whole seconds.
pub(crate) fn last_start(job: &Job) -> String {
    format!(
        "last_start_s={}",
        job.last_start.unwrap_or(SimTime::ZERO).as_secs_f64().round()
    )
}

/// `none`.
const NONE: PreemptionPart = PreemptionPart {
    info: PartInfo {
        name: "none",
        description: "never preempt",
        params: &[],
    },
    build: Factory::Static(&|_, _| None),
};

/// `least-progress`.
const LEAST_PROGRESS: PreemptionPart = rule(
    "least-progress",
    "victims with the smallest fraction of their work done first",
    &|_, _| {
        Some(Box::new(Rule {
            compare: by_progress,
            explain: progress_of,
        }))
    },
);

/// `lowest-priority`.
const LOWEST_PRIORITY: PreemptionPart = rule(
    "lowest-priority",
    "victims of the lowest priority first, then least progress",
    &|_, _| {
        Some(Box::new(Rule {
            compare: |a, b, now| a.spec.priority.cmp(&b.spec.priority).then(by_progress(a, b, now)),
            explain: |j, now| format!("priority={},{}", j.spec.priority, progress_of(j, now)),
        }))
    },
);

/// `newest`.
const NEWEST: PreemptionPart = rule("newest", "the most recently (re)started victims first", &|_, _| {
    Some(Box::new(Rule {
        compare: |a, b, _| b.last_start.cmp(&a.last_start),
        explain: |j, _| last_start(j),
    }))
});

/// `min-lost-work`.
const MIN_LOST_WORK: PreemptionPart = rule(
    "min-lost-work",
    "victims losing the least GPU time since their last checkpoint first",
    &|_, _| {
        Some(Box::new(Rule {
            compare: |a, b, now| {
                lost_gpu_s(a, now)
                    .total_cmp(&lost_gpu_s(b, now))
                    .then(by_progress(a, b, now))
            },
            explain: |j, now| format!("lost_gpu_s={}", lost_gpu_s(j, now).round()),
        }))
    },
);

/// This crate's victim rules, in listing order.
pub(crate) const BUILTIN: [PreemptionPart; 5] = [NONE, LEAST_PROGRESS, LOWEST_PRIORITY, NEWEST, MIN_LOST_WORK];

/// The preemption settings of a policy.
pub(crate) struct Preemption {
    order: Box<dyn VictimOrder + Send>,
    grace: SimTime,
    max_per_job: Option<u64>,
}

impl Preemption {
    /// Preemption in the victim order of the rule `part` built for the run's `context`, with
    /// the grace period and cap of `params`; `None` when the rule never preempts.
    pub(crate) fn new(part: &PreemptionPart, params: &Params, context: &Context) -> Option<Preemption> {
        Some(Preemption {
            order: (part.build)(params, context)?,
            grace: params.duration("grace").unwrap_or(SimTime::ZERO),
            max_per_job: params.count("max_preemptions"),
        })
    }

    /// True when `victim` may be preempted for a job of priority `priority` at `now`, grace aside.
    fn may_preempt(&self, victim: &Job, priority: i32) -> bool {
        victim.spec.preemptible
            && victim.spec.priority < priority
            && self.max_per_job.is_none_or(|cap| u64::from(victim.preemptions) < cap)
    }

    /// When `victim`'s grace period ends.
    fn grace_end(&self, victim: &Job) -> SimTime {
        victim.last_start.unwrap_or(SimTime::ZERO).saturating_add(self.grace)
    }

    /// What the victim rule ranked `victim` by at `now` (the why-log's reason for choosing it).
    pub(crate) fn explain(&self, victim: &Job, now: SimTime) -> String {
        self.order.explain(victim, now)
    }

    /// How many running jobs `job` may preempt now (the candidates [`crate::victims::make_room`]
    /// tries); the why-log reports it when they were too few.
    pub(crate) fn candidates(&self, round: &Round<'_>, job: &Job) -> usize {
        let now = round.now();
        round.running().filter(|v| self.may_stop(v, job, now)).count()
    }

    /// The next time a grace period ends that could let one of `blocked` preempt.
    pub(crate) fn next_wake(&self, round: &Round<'_>, blocked: &[JobId]) -> Option<SimTime> {
        let top = blocked.iter().map(|&id| round.view.job(id).spec.priority).max()?;
        round
            .running()
            .filter(|v| self.may_preempt(v, top))
            .map(|v| self.grace_end(v))
            .filter(|&t| t > round.now())
            .min()
    }
}

impl StopRule for Preemption {
    /// Preemptible jobs of lower priority than `job`'s, past their grace period and under the
    /// cap.
    fn may_stop(&self, victim: &Job, job: &Job, now: SimTime) -> bool {
        self.may_preempt(victim, job.spec.priority) && self.grace_end(victim) <= now
    }

    /// The victim rule's order.
    fn order(&self, candidates: &mut [&Job], now: SimTime) {
        self.order.order(candidates, now);
    }
}

/// GPU-seconds a running job would lose if preempted at `now`: its work since the last
/// checkpoint × its GPUs (what the engine will count).
fn lost_gpu_s(job: &Job, now: SimTime) -> f64 {
    let done = job.work_done_at(now);
    let saved = job.checkpointed_part(done).max(job.checkpointed_work);
    (done - saved) / 1e6 * job.spec.gpu_milli() as f64 / f64::from(MILLI_PER_GPU)
}

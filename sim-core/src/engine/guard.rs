//! The progress guard: a run that goes on processing events without simulated time advancing,
//! processes far more events than its jobs and units can need, or runs past the time it was
//! budgeted for, is stopped with [`RunError::NoProgress`](super::RunError::NoProgress), naming
//! the kind of event that kept it busy and its likely cause, instead of running forever.
//!
//! The checks cost two comparisons and two increments per event and one comparison per
//! instant; the budgets are recomputed only when a job arrives.

use std::fmt;

use super::Event;
use crate::model::{EventKind, Models};
use crate::time::SimTime;

/// Events any run may process, before the allowance per job and per unit.
pub const EVENTS_BASE: u64 = 10_000_000;
/// Events allowed per job that arrived and per GPU and node of the cluster: far more than a
/// job's arrival, starts, finishes, rate changes and restarts, or a unit's failures within
/// any horizon, need.
pub const EVENTS_PER_ITEM: u64 = 10_000;
/// Events any single instant may hold, before the allowance per job and per node.
pub const INSTANT_EVENTS_BASE: u64 = 1_000_000;
/// Events allowed at one instant per job that arrived and per node: an instant holds at most
/// a few events per job (its arrival, finish, requeue, time limit) and per node (a failure, a
/// repair, a thermal check), so 64 is generous.
pub const INSTANT_EVENTS_PER_ITEM: u64 = 64;

/// How much work a run may do before the engine calls it stuck. `None` takes the default
/// derived from the run (see each field); a library caller that knows better sets a number.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Budget {
    /// Most events of the whole run. Default: [`EVENTS_BASE`] + [`EVENTS_PER_ITEM`] × (jobs
    /// arrived so far + GPUs + nodes), growing as jobs arrive.
    pub max_events: Option<u64>,
    /// Most events at one simulated instant. Default: [`INSTANT_EVENTS_BASE`] +
    /// [`INSTANT_EVENTS_PER_ITEM`] × (jobs arrived so far + nodes).
    pub max_events_per_instant: Option<u64>,
    /// The latest instant the run may reach (scenarios pass the span they budgeted the time
    /// series for). `None`: no limit but the horizon.
    pub max_time: Option<SimTime>,
}

impl Budget {
    /// The total and per-instant event limits once `arrived` jobs have arrived on a cluster of
    /// `gpus` GPUs and `nodes` nodes.
    pub(super) fn limits(&self, arrived: u64, gpus: u64, nodes: u64) -> (u64, u64) {
        let total = self.max_events.unwrap_or_else(|| {
            EVENTS_BASE
                .saturating_add(EVENTS_PER_ITEM.saturating_mul(arrived.saturating_add(gpus).saturating_add(nodes)))
        });
        let instant = self.max_events_per_instant.unwrap_or_else(|| {
            INSTANT_EVENTS_BASE.saturating_add(INSTANT_EVENTS_PER_ITEM.saturating_mul(arrived.saturating_add(nodes)))
        });
        (total, instant)
    }
}

/// Which bound a stuck run hit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Bound {
    /// More than `limit` events at one instant: simulated time stopped advancing.
    SameInstant {
        /// The per-instant limit in force.
        limit: u64,
    },
    /// More than `limit` events in all.
    Events {
        /// The total limit in force.
        limit: u64,
    },
    /// The next event is past the latest instant the run may reach.
    Time {
        /// [`Budget::max_time`].
        limit: SimTime,
        /// When the next event would have happened.
        next: SimTime,
    },
}

/// The kind of work that kept a stuck run busy, and so the likely cause.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cause {
    /// Policy wake-ups with suspensions: time slicing.
    TimeSlicing,
    /// Policy wake-ups without suspensions.
    Wakeups,
    /// Failures of the random failure processes.
    RandomFailures,
    /// Thermal checks.
    Thermal,
    /// Memory overloads, and the restarts they cause.
    Cascade,
    /// Failed jobs returning to the queue.
    Restarts,
    /// Scripted incidents.
    Incidents,
    /// Finish events: jobs ending or changing speed.
    Finishes,
    /// Time limits.
    TimeLimits,
    /// Arrivals.
    Arrivals,
    /// Nothing runs or is held, jobs wait, and none has started lately: what goes on (failures
    /// and repairs, most often) goes on around jobs that never start.
    Waiting,
    /// Every running job stands still (speed zero) when the run is stopped: what goes on
    /// (failures and repairs, restarts of the jobs they kill) goes on around jobs that cannot
    /// progress.
    Standstill,
}

impl Cause {
    /// What kept the run busy and what usually makes it so, as a clause.
    pub fn hint(self) -> &'static str {
        match self {
            Cause::TimeSlicing => {
                "suspensions and resumptions of time slicing: a policy time_slice far shorter than the jobs"
            }
            Cause::Wakeups => "policy wake-ups: a policy asking to run again and again",
            Cause::RandomFailures => {
                "random failures: an mtbf far shorter than the jobs (or a Weibull shape so small that lifetimes \
                 collapse to zero), so units fail faster than jobs can run"
            }
            Cause::Thermal => {
                "thermal checks: a thermal state that never cools (nodes keep crossing their thresholds, shutting \
                 down and recovering)"
            }
            Cause::Cascade => {
                "memory overloads of a cascade: restarted jobs overload nodes whose jobs restart and overload \
                 others, with no horizon, retry limit or memory limits to end it"
            }
            Cause::Restarts => {
                "restarts of failed jobs: jobs killed and requeued again and again (or a back-off grown past the \
                 run's span); a retry limit ends them"
            }
            Cause::Incidents => "scripted incidents",
            Cause::Finishes => "job finishes and speed changes: physics changing job speeds again and again",
            Cause::TimeLimits => "time limits of jobs",
            Cause::Arrivals => "job arrivals: more jobs than the event budget allows for",
            Cause::Waiting => {
                "failures, repairs or checks around jobs that wait and never start (a queue quota or a power \
                 budget they exceed, units down for good, or a policy that never picks them): nothing runs, \
                 so nothing can end; a horizon ends such a run"
            }
            Cause::Standstill => {
                "failures, repairs or checks around running jobs that stand still (speed zero: every spine \
                 down for good cuts multi-rack jobs off), so nothing can end; a horizon ends such a run"
            }
        }
    }
}

/// Why a run was stopped as stuck: [`RunError::NoProgress`](super::RunError::NoProgress).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Stall {
    /// The bound it hit.
    pub bound: Bound,
    /// The instant it was at.
    pub at: SimTime,
    /// Events processed by then.
    pub events: u64,
    /// Jobs not yet ended: pending, running, or held after a failure.
    pub unfinished: u64,
    /// What kept it busy.
    pub cause: Cause,
}

impl fmt::Display for Stall {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (at, events, unfinished) = (self.at, self.events, self.unfinished);
        match self.bound {
            Bound::SameInstant { limit } => write!(
                f,
                "the run makes no progress: more than {limit} events at {at} s without simulated time advancing"
            )?,
            Bound::Events { limit } => write!(
                f,
                "the run makes no progress: {events} events by {at} s, more than the {limit} its jobs and units \
                 can need"
            )?,
            Bound::Time { limit, next } => write!(
                f,
                "the run makes no progress: its next event is at {next} s, past {limit} s, the latest time it may \
                 reach"
            )?,
        }
        let jobs = if unfinished == 1 { "job" } else { "jobs" };
        write!(
            f,
            ", with {unfinished} {jobs} unfinished; most events were {}",
            self.cause.hint()
        )
    }
}

/// Events processed per kind over a sliding window: the last [`WINDOW`] to 2 × [`WINDOW`]
/// events, so a stuck run is judged by what it does now, not by how it started.
#[derive(Clone, Debug, Default)]
pub(super) struct Tally {
    current: [u64; KINDS],
    previous: [u64; KINDS],
    in_window: u64,
    /// The number of events processed when a job last started.
    last_start: Option<u64>,
    /// Suspensions by time slicing, over the whole run.
    pub(super) suspensions: u64,
}

/// Kinds of [`Event`].
const KINDS: usize = 11;
/// Events per window of the tally.
const WINDOW: u64 = 1 << 16;

impl Tally {
    /// Counts one event of kind `k` (see [`kind`]).
    pub(super) fn count(&mut self, k: usize) {
        self.current[k] += 1;
        self.in_window += 1;
        if self.in_window == WINDOW {
            self.previous = self.current;
            self.current = [0; KINDS];
            self.in_window = 0;
        }
    }

    /// Notes that a job started after `events` events.
    pub(super) fn started(&mut self, events: u64) {
        self.last_start = Some(events);
    }

    /// Whether a job started lately, `events` events into the run: within the last
    /// [`WINDOW`] events, or the last half of the run when it is shorter.
    pub(super) fn started_lately(&self, events: u64) -> bool {
        self.last_start.is_some_and(|at| events - at <= WINDOW.min(events / 2))
    }

    /// The likely cause of the recent work; `next`, the kind of the event about to happen,
    /// decides a tie and stands alone when nothing was counted. (The engine names
    /// [`Cause::Waiting`] itself, from the jobs' states.)
    pub(super) fn cause(&self, next: Option<usize>) -> Cause {
        let mut by_cause: Vec<(Cause, u64)> = Vec::new();
        let overloads = self.current[kind_index::OVERLOAD] + self.previous[kind_index::OVERLOAD];
        for k in 0..KINDS {
            let n = self.current[k] + self.previous[k] + u64::from(next == Some(k));
            let Some(cause) = cause_of(k, overloads > 0, self.suspensions > 0) else {
                continue;
            };
            match by_cause.iter_mut().find(|(c, _)| *c == cause) {
                Some((_, total)) => *total += n,
                None => by_cause.push((cause, n)),
            }
        }
        by_cause
            .into_iter()
            .filter(|&(_, n)| n > 0)
            .max_by_key(|&(_, n)| n)
            .map_or(Cause::Finishes, |(cause, _)| cause)
    }
}

/// Indices of [`kind`].
mod kind_index {
    pub const ARRIVAL: usize = 0;
    pub const FINISH: usize = 1;
    pub const WAKE: usize = 2;
    pub const THERMAL: usize = 3;
    pub const FAILURE: usize = 4;
    pub const INCIDENT: usize = 5;
    pub const REPAIR: usize = 6;
    pub const REQUEUE: usize = 7;
    pub const OVERLOAD: usize = 8;
    pub const BREAKER_CLOSE: usize = 9;
    pub const TIME_LIMIT: usize = 10;
}

/// The kind of `event` for the tally; a world model's events count as the model says
/// ([`crate::model::WorldModel::event_kind`]).
pub(super) fn kind(event: &Event, models: &Models) -> usize {
    use kind_index::*;
    match event {
        Event::Arrival => ARRIVAL,
        Event::Finish { .. } => FINISH,
        Event::Wake => WAKE,
        Event::Requeue { .. } => REQUEUE,
        Event::TimeLimit { .. } => TIME_LIMIT,
        Event::Model { model, event } => match models[usize::from(*model)].event_kind(*event) {
            EventKind::Wake => WAKE,
            EventKind::Thermal => THERMAL,
            EventKind::Failure => FAILURE,
            EventKind::Incident => INCIDENT,
            EventKind::Repair => REPAIR,
            EventKind::Overload => OVERLOAD,
            EventKind::BreakerClose => BREAKER_CLOSE,
        },
    }
}

/// The cause events of kind `k` point to; `None` for repairs, which follow whatever failed.
fn cause_of(k: usize, overloads: bool, suspensions: bool) -> Option<Cause> {
    use kind_index::*;
    Some(match k {
        ARRIVAL => Cause::Arrivals,
        FINISH => Cause::Finishes,
        WAKE if suspensions => Cause::TimeSlicing,
        WAKE => Cause::Wakeups,
        THERMAL => Cause::Thermal,
        FAILURE => Cause::RandomFailures,
        INCIDENT => Cause::Incidents,
        REQUEUE | BREAKER_CLOSE if overloads => Cause::Cascade,
        REQUEUE | BREAKER_CLOSE => Cause::Restarts,
        OVERLOAD => Cause::Cascade,
        TIME_LIMIT => Cause::TimeLimits,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_limits_grow_with_jobs_and_units() {
        // 10,000,000 + 10,000 × (5 jobs + 16 GPUs + 2 nodes) = 10,230,000;
        // 1,000,000 + 64 × (5 jobs + 2 nodes) = 1,000,448.
        assert_eq!(Budget::default().limits(5, 16, 2), (10_230_000, 1_000_448));
        let fixed = Budget {
            max_events: Some(7),
            max_events_per_instant: Some(3),
            max_time: None,
        };
        assert_eq!(fixed.limits(5, 16, 2), (7, 3));
        assert_eq!(Budget::default().limits(u64::MAX, 1, 1).0, u64::MAX);
    }

    #[test]
    fn the_cause_is_what_the_recent_events_were() {
        let mut tally = Tally::default();
        // An early burst of arrivals, then a window and more of nothing but failures: the
        // arrivals have left the window.
        for _ in 0..1000 {
            tally.count(kind_index::ARRIVAL);
        }
        for _ in 0..2 * WINDOW {
            tally.count(kind_index::FAILURE);
        }
        assert_eq!(tally.cause(None), Cause::RandomFailures);
        // Requeues are restarts, or a cascade once nodes overload.
        let mut restarts = Tally::default();
        for _ in 0..10 {
            restarts.count(kind_index::REQUEUE);
        }
        assert_eq!(restarts.cause(None), Cause::Restarts);
        restarts.count(kind_index::OVERLOAD);
        assert_eq!(restarts.cause(None), Cause::Cascade);
        // Wake-ups are time slicing once a job was suspended.
        let mut wakes = Tally::default();
        wakes.count(kind_index::WAKE);
        assert_eq!(wakes.cause(None), Cause::Wakeups);
        wakes.suspensions = 1;
        assert_eq!(wakes.cause(None), Cause::TimeSlicing);
        // A start is recent within the last window, or the last half of a shorter run: one at
        // event 10 is recent at event 20 (10 ≤ 20 ÷ 2), not at event 21 (11 > 10); one at event
        // 100,000 is recent until 100,000 + 65,536.
        let mut starts = Tally::default();
        assert!(!starts.started_lately(5));
        starts.started(10);
        assert!(starts.started_lately(20) && !starts.started_lately(21));
        starts.started(100_000);
        assert!(starts.started_lately(165_536) && !starts.started_lately(165_537));
        // With nothing counted, the next event names the cause.
        assert_eq!(Tally::default().cause(Some(kind_index::REQUEUE)), Cause::Restarts);
    }
}

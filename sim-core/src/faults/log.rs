//! The incident log: one row per incident of a run, in the order they happened, behind
//! `incidents.csv` and the printed timeline.

use std::borrow::Cow;

use crate::time::SimTime;

/// Why an incident happened.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cause {
    /// A random failure of the component class's failure process.
    Random,
    /// A scripted `[[faults.incident]]`.
    Scripted,
    /// It followed from an earlier incident (its index in the log): a node overloaded by jobs
    /// that incident rescheduled, or a thermal shutdown in a rack whose cooling it took.
    Cascade {
        /// The incident it followed from.
        parent: u32,
    },
    /// Physics alone: a thermal shutdown with no failure behind it.
    Physics,
    /// A planned interruption of a cause table (maintenance, upgrades).
    Planned,
    /// An operator's decision: a node that failed too often drained for a long repair
    /// (`[faults.lemons]`).
    Drain,
}

impl Cause {
    /// The name written in `incidents.csv`.
    pub fn name(self) -> &'static str {
        match self {
            Cause::Random => "random",
            Cause::Scripted => "scripted",
            Cause::Cascade { .. } => "cascade",
            Cause::Physics => "physics",
            Cause::Planned => "planned",
            Cause::Drain => "drain",
        }
    }

    /// The parent incident of a cascade.
    pub fn parent(self) -> Option<u32> {
        match self {
            Cause::Cascade { parent } => Some(parent),
            _ => None,
        }
    }
}

/// One incident.
#[derive(Clone, Debug, PartialEq)]
pub struct IncidentRow {
    /// When it happened.
    pub at: SimTime,
    /// The component class (`gpu`, `node`, `tor`, `spine`, `pdu`, `cooling`).
    pub component: &'static str,
    /// The unit that failed (`r03-n1`, `r03-n1/gpu5`, `r03`, `spine1`).
    pub unit: String,
    /// What happened (`node-failure`, `tor-failure`, `overload`, `thermal-shutdown`, a
    /// cause table's cause name, …).
    pub kind: Cow<'static, str>,
    /// Why.
    pub cause: Cause,
    /// Nodes it took down (already-down nodes not counted).
    pub nodes_down: u32,
    /// Running jobs it stopped.
    pub jobs_killed: u32,
    /// Of those, the jobs that went back to the queue (so far, or by the end of the run).
    pub jobs_requeued: u32,
    /// Of those, the jobs that ended `Failed` past their retry limit.
    pub jobs_failed: u32,
    /// When its units came back, if they did within the run.
    pub end: Option<SimTime>,
}

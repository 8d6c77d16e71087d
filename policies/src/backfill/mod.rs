//! Backfilling: reservations for waiting jobs, and the rule that a later job may start ahead of
//! them only if it delays none.
//!
//! # What a round does
//! The queue order offers the waiting jobs one at a time. Until the first job cannot start,
//! jobs start wherever they fit. From then on the round works on the *availability profile*:
//! the capacity of every node over future time, in which running jobs end at their start plus
//! their estimate (`requested_s`, less the work a restarted job had saved; a job that has
//! outlived its estimate is assumed to end just after now, so its resources are never free
//! now), jobs started in the round end at now plus their estimate, and each reservation holds
//! what it needs over its window. A job starts now if it fits in the profile for its whole
//! estimated run time; otherwise, while fewer than `depth` jobs hold a reservation, it is
//! reserved at the earliest time it fits for its whole estimate. Everything is recomputed at
//! every round, so reservations move when jobs end early.
//!
//! - `easy` has depth 1: only the first job that cannot start is protected (EASY: Lifka,
//!   JSSPP 1995; Mu'alem and Feitelson, IEEE TPDS 2001). Its reservation starts at the shadow
//!   time; a later job may start if it ends by then, or if it only uses what the reservation
//!   leaves (the extra).
//! - `conservative` has unlimited depth: every waiting job is reserved, and a job may start
//!   early only if it delays none of them (Mu'alem and Feitelson). A finite `backfill_depth`
//!   protects the first k, like Slurm's `bf_max_job_test`; on `easy` it gives EASY with k
//!   protected jobs.
//!
//! # Node-level resources
//! Nodes of identical capacity form a pool ([`sim_core::cluster::Pool`]). A job whose tasks
//! each take a whole node is reserved as a *count* of nodes per pool over its window, not on
//! named nodes: within a pool such nodes are interchangeable, and any count that fits at every
//! instant can be laid out on real nodes without moving anything (intervals on identical
//! machines). So on a pool of identical one-GPU nodes the schedule is exactly the count-based
//! textbook one. A job whose tasks share nodes is reserved on named nodes, chosen by its
//! placement rule on the capacity free for its whole window, trying first, task by task, the
//! nodes whose capacity is busy now (so what is free now stays free for backfilling); a named
//! reservation withholds from a job whose window overlaps it what its claims need there beyond
//! what running jobs free before they need it, and a node it takes no longer counts as free
//! for whole-node jobs in its window. A job that would run
//! across a whole-node reservation may take, in that pool, at most the nodes the count leaves
//! spare. These rules never let a started job delay a reservation on heterogeneous clusters;
//! they may reserve a shared-node job later than a perfect packing would.

mod copies;
mod forecast;
mod frees;
mod plan;
mod rules;
mod steps;

pub(crate) use forecast::{Forecast, estimate};
pub(crate) use plan::{Ask, Plan, Refused};

use crate::registry::BackfillPart;

/// This crate's backfill rules, in listing order.
pub(crate) const BUILTIN: [BackfillPart; 3] = [rules::NONE, rules::EASY, rules::CONSERVATIVE];

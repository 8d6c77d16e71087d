//! Queue orders: which waiting job is considered next.
//!
//! A scheduling round asks the order for candidates one at a time ([`QueueOrder::next`]) and
//! tells it which ones started ([`QueueOrder::started`]), so orders whose choice depends on
//! what is running (DRF, fair share) see the effect of each start at once, as progressive
//! filling requires. Orders keep their waiting sets incrementally from the engine's records.

mod drf;
mod fair_share;
mod fifo;
mod groups;
mod lottery;
mod priority;
mod sjf;
mod sorted;
mod walk;

pub use drf::Drf;
pub use fair_share::FairShare;
pub use fifo::Fifo;
pub use groups::ShareBy;
pub use lottery::Lottery;
pub use priority::Priority;
pub use sjf::Sjf;
pub use sorted::SortedWaiting;

use sim_core::ids::JobId;
use sim_core::job::Job;
use sim_core::observe::Record;
use sim_core::view::ClusterView;

use crate::registry::QueueOrderPart;

/// The order in which waiting jobs are offered to the placement.
pub trait QueueOrder {
    /// Keeps incremental state (waiting sets, shares) up to date with a change the engine applied.
    fn observe(&mut self, record: &Record, view: &ClusterView<'_>);

    /// Starts a round: every waiting job becomes a candidate again.
    fn begin_round(&mut self, view: &ClusterView<'_>);

    /// The next candidate of this round, or `None` when every waiting job has been offered.
    /// A job is offered at most once per round.
    fn next(&mut self, view: &ClusterView<'_>) -> Option<JobId>;

    /// The last candidate started in this round (its resources are taken from now on).
    fn started(&mut self, job: &Job);

    /// True when the order offers every waiting job in the engine's pending order (arrival
    /// order), whatever runs: conservative backfilling may then carry its plan from one round
    /// to the next. The default is false, which is always safe.
    fn arrival_order(&self) -> bool {
        false
    }

    /// For an order that offers the waiting jobs as they stand in `view.pending`, one after
    /// another: the position there of its next candidate, which the round may move forward
    /// past candidates it rules out by their demand alone (a deep queue behind a full cluster
    /// is then passed over in one scan instead of offered job by job). The default, `None`,
    /// is always safe.
    fn pending_cursor(&mut self) -> Option<&mut usize> {
        None
    }
}

/// This crate's queue orders, in listing order.
pub(crate) const BUILTIN: [QueueOrderPart; 6] = [
    fifo::PART,
    priority::PART,
    sjf::PART,
    drf::PART,
    lottery::PART,
    fair_share::PART,
];

/// The demand of a whole job: GPU (milli), CPU (milli-cores), memory (MiB).
pub(crate) fn demand(job: &Job) -> [u64; 3] {
    let tasks = u64::from(job.spec.tasks);
    [
        job.spec.gpu_milli(),
        tasks * job.spec.task.cpu_milli,
        tasks * job.spec.task.mem_mib,
    ]
}

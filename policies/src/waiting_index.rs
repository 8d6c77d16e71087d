//! The waiting jobs of a queue in arrival order, indexed by what rules a job out of backfilling
//! once every reservation of a round is made: its GPU demand (against what is free now) and its
//! estimate (against the first reservation's start). Behind a full cluster EASY offers every
//! waiting job to backfilling in every round; with a queue of hundreds of thousands, reading
//! each of them every round costs more than the rest of the run. The index finds the next job
//! that may start in O(log queue), passing over the rest without reading them.
//!
//! It mirrors the engine's pending list from one round to the next: the jobs the policy
//! started leave it, arrivals join at its end, and anything else (a stopped job returning to
//! its place, see [`ClusterView::pending_epoch`]) rebuilds it from the list.

use rustc_hash::FxHashMap;
use sim_core::ids::JobId;
use sim_core::jobs::GpuDemand;
use sim_core::view::ClusterView;

use crate::backfill::{Ask, estimate};

/// The queue length at which the index is built.
const BUILD_AT: usize = 128;

/// The queue length under which a built index is let go (below [`BUILD_AT`], so that a queue
/// hovering around it is not indexed again and again).
const DROP_BELOW: usize = 32;

/// What a waiting job must meet to be worth offering: a job failing it would be refused.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Filter {
    /// The GPU capacity free now on the whole trial, in milli-GPU: a job asking for more waits.
    pub(crate) free_total: u64,
    /// No node has more GPU capacity free than this: a job whose task asks for more waits.
    pub(crate) max_task: u64,
    /// A job whose estimate (µs) is at most this ends before the first reservation starts.
    pub(crate) ends_by: u64,
    /// A job that does not end by then must ask for at most this much GPU capacity (milli-GPU)
    /// to leave the first reservation its own.
    pub(crate) extra_total: u64,
}

impl Filter {
    /// A filter on what is free now only (no reservation to respect).
    pub(crate) fn fits_now(free_total: u64, max_task: u64) -> Filter {
        Filter {
            free_total,
            max_task,
            ends_by: u64::MAX,
            extra_total: u64::MAX,
        }
    }
}

/// One node of the tree: how many live jobs it covers, and the least of each key among them.
#[derive(Clone, Copy, Debug)]
struct Summary {
    live: u32,
    min_total: u64,
    min_task: u64,
    min_estimate: u64,
}

/// The summary of no job (an empty slot, or one whose job has left).
const NONE: Summary = Summary {
    live: 0,
    min_total: u64::MAX,
    min_task: u64::MAX,
    min_estimate: u64::MAX,
};

impl Summary {
    fn job(demand: GpuDemand, estimate: u64) -> Summary {
        Summary {
            live: 1,
            min_total: demand.total_milli,
            min_task: demand.per_task_milli,
            min_estimate: estimate,
        }
    }

    fn join(a: Summary, b: Summary) -> Summary {
        Summary {
            live: a.live + b.live,
            min_total: a.min_total.min(b.min_total),
            min_task: a.min_task.min(b.min_task),
            min_estimate: a.min_estimate.min(b.min_estimate),
        }
    }

    /// False when no job it covers can pass `filter` (exact for a single job).
    #[inline]
    fn may_pass(&self, filter: &Filter) -> bool {
        self.live > 0
            && self.min_task <= filter.max_task
            && self.min_total <= filter.free_total
            && (self.min_estimate <= filter.ends_by || self.min_total <= filter.extra_total)
    }
}

/// The index (see the module).
#[derive(Debug, Default)]
pub(crate) struct WaitingIndex {
    /// The job of each slot, in pending order (ascending ids); a slot whose job left stays
    /// until the next rebuild.
    ids: Vec<JobId>,
    /// What the job of each slot asks, by its number in `ask_numbers`.
    asks: Vec<u32>,
    /// A number for each distinct ask seen, so that a slot holds 4 bytes for it.
    ask_numbers: FxHashMap<Ask, u32>,
    /// A binary tree over the slots, the root at 1 and slot `s` at `leaves + s`.
    tree: Vec<Summary>,
    leaves: usize,
    /// The pending list's epoch the index mirrors, once built.
    epoch: Option<u64>,
    /// True when the index mirrors the pending list: it is built (the queue was long enough)
    /// and the list is in id order. A list out of id order (a job returned behind every
    /// waiting one) keeps it out of use until the list changes again.
    usable: bool,
    /// Jobs the policy started since the last [`WaitingIndex::sync`].
    started: Vec<JobId>,
}

impl WaitingIndex {
    /// Notes jobs the policy started: they leave the pending list before the next round.
    pub(crate) fn started(&mut self, jobs: &[JobId]) {
        self.started.extend_from_slice(jobs);
    }

    /// True when the index mirrors the pending list this round (see [`WaitingIndex::sync`]).
    pub(crate) fn ready(&self) -> bool {
        self.usable
    }

    /// Brings the index up to the pending list of `view`, which the round is given; it may be
    /// used this round if it is then [`WaitingIndex::ready`]. A short queue is walked as cheaply
    /// as the index is kept, so the index is built only once the queue is [`BUILD_AT`] jobs
    /// long, and let go when it falls under [`DROP_BELOW`].
    pub(crate) fn sync(&mut self, view: &ClusterView<'_>) {
        if self.epoch.is_none() && view.pending.len() < BUILD_AT {
            self.usable = false;
        } else if self.epoch != Some(view.pending_epoch) || !self.follow(view) {
            self.rebuild(view);
        }
        self.started.clear();
        if self.usable && (self.tree[1].live as usize) < DROP_BELOW {
            self.epoch = None;
            self.usable = false;
            self.ids.clear();
            self.asks.clear();
        }
        debug_assert!(
            !self.usable || self.live().eq(view.pending.iter().copied()),
            "the waiting index is out of step with the pending list at {:?}",
            view.now
        );
    }

    /// Takes out the jobs started since the last round and adds those that arrived; false
    /// when the index must be rebuilt instead.
    fn follow(&mut self, view: &ClusterView<'_>) -> bool {
        if !self.usable {
            return true;
        }
        for i in 0..self.started.len() {
            self.remove(self.started[i]);
        }
        let last = self.ids.last().copied();
        let arrived = last.map_or(0, |last| view.pending.partition_point(|&id| id <= last));
        for &id in &view.pending[arrived..] {
            if self.ids.len() == self.leaves {
                return false;
            }
            let slot = self.ids.len();
            let (summary, ask) = summary(&mut self.ask_numbers, view, id);
            self.ids.push(id);
            self.asks.push(ask);
            self.set(slot, summary);
        }
        let live = self.tree[1].live as usize;
        // A start the engine refused leaves its job waiting: the count tells, since nothing
        // but starts removes a job while the epoch holds. Many dead slots are reclaimed.
        live == view.pending.len() && self.ids.len() <= 2 * live + 1024
    }

    /// The jobs held, in order.
    fn live(&self) -> impl Iterator<Item = JobId> + '_ {
        let leaves = &self.tree[self.leaves..];
        self.ids
            .iter()
            .zip(leaves)
            .filter(|(_, s)| s.live > 0)
            .map(|(&id, _)| id)
    }

    /// The pending position, at `from` or later, of the first job that may pass `filter`, if
    /// any.
    pub(crate) fn next_passing(&self, from: usize, filter: &Filter) -> Option<usize> {
        let live = self.tree[1].live as usize;
        if from >= live {
            return None;
        }
        let slot = self.first_passing(self.select(from), filter)?;
        Some(self.rank(slot))
    }

    /// The pending position, at `from` or later, of the first job that passes `filter` and
    /// that `refused` (given the number of its ask, see [`WaitingIndex::ask_number`], and its
    /// estimate in µs) does not rule out, if any. The jobs ruled out are passed over in slot
    /// order, each read from the index alone.
    pub(crate) fn next_passing_unless(
        &self,
        from: usize,
        filter: &Filter,
        mut refused: impl FnMut(u32, u64) -> bool,
    ) -> Option<usize> {
        let live = self.tree[1].live as usize;
        if from >= live {
            return None;
        }
        let mut slot = self.first_passing(self.select(from), filter)?;
        while refused(self.asks[slot], self.tree[self.leaves + slot].min_estimate) {
            if slot + 1 >= self.leaves {
                return None;
            }
            slot = self.first_passing(slot + 1, filter)?;
        }
        Some(self.rank(slot))
    }

    /// The number the index gives `ask`, if a job asking it was ever held.
    pub(crate) fn ask_number(&self, ask: &Ask) -> Option<u32> {
        self.ask_numbers.get(ask).copied()
    }

    fn rebuild(&mut self, view: &ClusterView<'_>) {
        self.epoch = Some(view.pending_epoch);
        self.usable = view.pending.is_sorted_by(|a, b| a < b);
        if self.usable {
            let mut numbers = std::mem::take(&mut self.ask_numbers);
            self.load(view.pending.iter().map(|&id| {
                let (summary, ask) = summary(&mut numbers, view, id);
                (id, summary, ask)
            }));
            self.ask_numbers = numbers;
        } else {
            self.ids.clear();
            self.asks.clear();
        }
    }

    /// Makes the index hold `jobs` (each with its leaf and the number of its ask), in order,
    /// and room for as many again.
    fn load(&mut self, jobs: impl ExactSizeIterator<Item = (JobId, Summary, u32)>) {
        self.ids.clear();
        self.asks.clear();
        self.leaves = (2 * jobs.len()).max(64).next_power_of_two();
        self.tree.clear();
        self.tree.resize(2 * self.leaves, NONE);
        for (slot, (id, summary, ask)) in jobs.enumerate() {
            self.ids.push(id);
            self.asks.push(ask);
            self.tree[self.leaves + slot] = summary;
        }
        for node in (1..self.leaves).rev() {
            self.tree[node] = Summary::join(self.tree[2 * node], self.tree[2 * node + 1]);
        }
    }

    /// Takes job `id` out, if held.
    fn remove(&mut self, id: JobId) {
        if let Ok(slot) = self.ids.binary_search(&id) {
            self.set(slot, NONE);
        }
    }

    fn set(&mut self, slot: usize, summary: Summary) {
        let mut node = self.leaves + slot;
        self.tree[node] = summary;
        while node > 1 {
            node /= 2;
            self.tree[node] = Summary::join(self.tree[2 * node], self.tree[2 * node + 1]);
        }
    }

    /// The slot of the live job at pending position `rank` (which exists).
    fn select(&self, mut rank: usize) -> usize {
        let mut node = 1;
        while node < self.leaves {
            let left = self.tree[2 * node].live as usize;
            if rank < left {
                node *= 2;
            } else {
                rank -= left;
                node = 2 * node + 1;
            }
        }
        node - self.leaves
    }

    /// The pending position of the live job in `slot`: the live jobs before it.
    fn rank(&self, slot: usize) -> usize {
        let mut node = self.leaves + slot;
        let mut before = 0;
        while node > 1 {
            if node % 2 == 1 {
                before += self.tree[node - 1].live as usize;
            }
            node /= 2;
        }
        before
    }

    /// The first slot at `from` or later whose job passes `filter`.
    fn first_passing(&self, from: usize, filter: &Filter) -> Option<usize> {
        let mut node = self.leaves + from;
        loop {
            if let Some(slot) = self.descend(node, filter) {
                return Some(slot);
            }
            // On to the subtree just right of this one: up while this is a right child.
            while node % 2 == 1 {
                node /= 2;
            }
            if node == 0 {
                return None;
            }
            node += 1;
        }
    }

    /// The first slot under `node` whose job passes `filter`.
    fn descend(&self, node: usize, filter: &Filter) -> Option<usize> {
        if !self.tree[node].may_pass(filter) {
            return None;
        }
        if node >= self.leaves {
            return Some(node - self.leaves);
        }
        self.descend(2 * node, filter)
            .or_else(|| self.descend(2 * node + 1, filter))
    }
}

/// The leaf of job `id`, and the number of its ask in `numbers` (a new ask is given the next).
fn summary(numbers: &mut FxHashMap<Ask, u32>, view: &ClusterView<'_>, id: JobId) -> (Summary, u32) {
    let job = view.job(id);
    let ask = (job.spec.task, job.spec.tasks, job.allowed_gpu_types);
    let next = numbers.len() as u32;
    let number = *numbers.entry(ask).or_insert(next);
    (Summary::job(view.demand(id), estimate(job).0), number)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    /// A job of the tests: (GPU total, per task, estimate), each small so that filters cut.
    type Keys = (u64, u64, u64);

    fn index(jobs: &[Keys]) -> WaitingIndex {
        let mut index = WaitingIndex::default();
        let demand = |&(total_milli, per_task_milli, _): &Keys| GpuDemand {
            total_milli,
            per_task_milli,
        };
        index.load(
            jobs.iter()
                .enumerate()
                .map(|(i, keys)| (JobId(i as u32), Summary::job(demand(keys), keys.2), ask_of(keys))),
        );
        index
    }

    /// The number of a test job's ask: its GPU total (jobs alike in total ask alike here).
    fn ask_of(&(total, _, _): &Keys) -> u32 {
        total as u32
    }

    /// The filter read job by job, as the definition says.
    fn passes(&(total, task, estimate): &Keys, f: &Filter) -> bool {
        task <= f.max_task && total <= f.free_total && (estimate <= f.ends_by || total <= f.extra_total)
    }

    #[test]
    fn finds_the_first_job_passing_past_a_run_of_others() {
        // Worked by hand: from position 0, job 0 asks 8 of 4 free, job 1 runs past the
        // reservation (estimate 50 > 10) and asks 2 > extra 1, job 2 passes by its end, job 3
        // by its size. With job 2 taken out, job 3 is at position 2.
        let mut index = index(&[(8, 8, 5), (2, 1, 50), (3, 3, 10), (1, 1, 99)]);
        let filter = Filter {
            free_total: 4,
            max_task: 4,
            ends_by: 10,
            extra_total: 1,
        };
        assert_eq!(index.next_passing(0, &filter), Some(2));
        assert_eq!(index.next_passing(3, &filter), Some(3));
        index.remove(JobId(2));
        assert_eq!(index.next_passing(0, &filter), Some(2));
        assert_eq!(index.next_passing(3, &filter), None);
    }

    #[test]
    fn passes_over_the_jobs_of_refused_asks_from_their_estimates() {
        // Worked by hand: every job passes the open filter. Asks 2 (jobs 0, 2, 4) are refused
        // from estimate 10 on: jobs 0 (12) and 2 (10) are passed over, job 1 (ask 1) is the
        // first left; from position 2 on, job 3 (ask 1) is; from 4, job 4 (estimate 9) is, and
        // with asks 1 refused too, nothing from position 3.
        let index = index(&[(2, 1, 12), (1, 1, 30), (2, 1, 10), (1, 1, 5), (2, 1, 9)]);
        let open = Filter::fits_now(u64::MAX, u64::MAX);
        let asks_2_from_10 = |ask: u32, estimate: u64| ask == 2 && estimate >= 10;
        assert_eq!(index.next_passing_unless(0, &open, asks_2_from_10), Some(1));
        assert_eq!(index.next_passing_unless(2, &open, asks_2_from_10), Some(3));
        assert_eq!(index.next_passing_unless(4, &open, asks_2_from_10), Some(4));
        assert_eq!(index.next_passing_unless(3, &open, |_, estimate| estimate >= 5), None);
    }

    proptest! {
        /// Against a scan of the live jobs, whatever is taken out and whatever the filter.
        #[test]
        fn agrees_with_a_scan(
            jobs in prop::collection::vec((0u64..8, 0u64..4, 0u64..20), 0..200),
            removed in prop::collection::vec(any::<prop::sample::Index>(), 0..100),
            (free_total, max_task, ends_by, extra_total) in (0u64..10, 0u64..5, 0u64..25, 0u64..10),
            from in 0usize..210,
            (refused_below, refused_from) in (0u64..9, 0u64..21),
        ) {
            let mut index = index(&jobs);
            let mut live: Vec<usize> = (0..jobs.len()).collect();
            for pick in removed {
                if !live.is_empty() {
                    let i = pick.index(live.len());
                    index.remove(JobId(live.remove(i) as u32));
                }
            }
            let filter = Filter { free_total, max_task, ends_by, extra_total };
            let expected = live.iter().enumerate().skip(from).find(|&(_, &j)| passes(&jobs[j], &filter)).map(|(at, _)| at);
            prop_assert_eq!(index.next_passing(from, &filter), expected);
            // Jobs of asks (GPU totals) below `refused_below` ruled out from estimate `refused_from` on.
            let refused = |ask: u32, estimate: u64| u64::from(ask) < refused_below && estimate >= refused_from;
            let expected = live
                .iter()
                .enumerate()
                .skip(from)
                .find(|&(_, &j)| passes(&jobs[j], &filter) && !refused(ask_of(&jobs[j]), jobs[j].2))
                .map(|(at, _)| at);
            prop_assert_eq!(index.next_passing_unless(from, &filter, refused), expected);
        }
    }
}

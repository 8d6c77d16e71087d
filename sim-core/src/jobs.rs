//! The jobs of a run that are still of interest, indexed by [`JobId`].
//!
//! Jobs are numbered in arrival order. The store holds the jobs that have arrived and not yet
//! been retired; the engine can retire a job as soon as it ends (hand it to observers and drop
//! it), so a long replay holds only its waiting, running and held jobs. Slots come in pages of
//! 16 ids; a page whose jobs have all been retired is let go, so a job that lives for a whole
//! run (a long one, or one that waits throughout) keeps its own page (under 400 bytes) and 8
//! bytes per later page, not a slot for every job that came after it. Pages are small because
//! on a large cluster with long-tailed run times most pages hold one long job: with 1,024 ids a
//! page (24 kB) for each of them made memory grow with the trace's length.

use std::ops::{Index, IndexMut};

use crate::ids::JobId;
use crate::job::{Job, JobSpec};

/// Ids per page.
const PAGE: usize = 16;

/// The slots of [`PAGE`] consecutive ids, and how many of them hold a job.
#[derive(Clone, Debug)]
struct Page {
    slots: [Option<Box<Job>>; PAGE],
    /// The GPU demand of the job in each slot (as of its arrival; a job's request never
    /// changes), side by side: a round that rules out most of a deep queue by capacity reads
    /// these instead of each job's record.
    demand: [GpuDemand; PAGE],
    held: usize,
}

/// The GPU capacity a job asks for, in milli-GPU: all of its tasks together, and one task.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct GpuDemand {
    /// Every task's GPU capacity together ([`crate::job::JobSpec::gpu_milli`]).
    pub total_milli: u64,
    /// One task's ([`crate::resources::TaskRequest::gpu_milli`]).
    pub per_task_milli: u64,
}

impl GpuDemand {
    /// The demand of a job asking for `spec`.
    pub fn of(spec: &JobSpec) -> GpuDemand {
        GpuDemand {
            total_milli: spec.gpu_milli(),
            per_task_milli: spec.task.gpu_milli(),
        }
    }
}

/// Live jobs by id.
#[derive(Clone, Debug, Default)]
pub struct JobStore {
    /// The page number of `pages[0]`.
    first_page: usize,
    /// From the oldest page with a live job (or a little before: empty leading pages are
    /// dropped in batches) to the newest; `None` for one let go.
    pages: Vec<Option<Box<Page>>>,
    /// How many of `pages` at the front are `None`: counted on as pages are let go, so that
    /// finding when to drop them costs nothing per page.
    leading_empty: usize,
    /// Jobs that have arrived.
    arrived: usize,
}

impl JobStore {
    /// An empty store.
    pub fn new() -> JobStore {
        JobStore::default()
    }

    /// Jobs that have arrived, retired ones included: the next job's id.
    pub fn len(&self) -> usize {
        self.arrived
    }

    /// True when no job has arrived.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Adds the next job; its id must be [`JobStore::len`].
    pub fn push(&mut self, job: Job) {
        debug_assert_eq!(job.id.index(), self.len(), "jobs are stored in id order");
        let id = self.arrived;
        if self.pages.is_empty() {
            self.first_page = id / PAGE;
        }
        let at = id / PAGE - self.first_page;
        if at == self.pages.len() {
            self.pages.push(Some(Box::new(Page {
                slots: [const { None }; PAGE],
                demand: [GpuDemand::default(); PAGE],
                held: 0,
            })));
        }
        let page = self.pages[at].as_mut().expect("the newest page is held");
        page.demand[id % PAGE] = GpuDemand::of(&job.spec);
        page.slots[id % PAGE] = Some(Box::new(job));
        page.held += 1;
        self.arrived += 1;
    }

    /// The page (its position in `pages`) and slot of `id`.
    fn locate(&self, id: JobId) -> Option<(usize, usize)> {
        let at = (id.index() / PAGE).checked_sub(self.first_page)?;
        Some((at, id.index() % PAGE))
    }

    /// The job `id`, unless it has been retired or has not arrived.
    pub fn get(&self, id: JobId) -> Option<&Job> {
        let (page, slot) = self.locate(id)?;
        self.pages.get(page)?.as_ref()?.slots[slot].as_deref()
    }

    /// The job `id`, mutably, unless it has been retired or has not arrived.
    /// The GPU demand of job `id`, if held, read without touching the job's record.
    #[inline]
    pub fn demand(&self, id: JobId) -> Option<GpuDemand> {
        let (page, slot) = self.locate(id)?;
        let page = self.pages.get(page)?.as_ref()?;
        page.slots[slot].is_some().then(|| page.demand[slot])
    }

    fn get_mut(&mut self, id: JobId) -> Option<&mut Job> {
        let (page, slot) = self.locate(id)?;
        self.pages.get_mut(page)?.as_mut()?.slots[slot].as_deref_mut()
    }

    /// The jobs held, in id order.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = &Job> {
        self.pages[self.leading_empty..]
            .iter()
            .flatten()
            .flat_map(|page| page.slots.iter().filter_map(|slot| slot.as_deref()))
    }

    /// Removes job `id` and returns it, if it is held (in its box: a job's record is large, and
    /// moving it out would copy it for every job of a run).
    pub fn retire(&mut self, id: JobId) -> Option<Box<Job>> {
        let (at, slot) = self.locate(id)?;
        let page = self.pages.get_mut(at)?.as_mut()?;
        let job = page.slots[slot].take()?;
        page.held -= 1;
        // A page is let go once every id it numbers has arrived and left; the empty entries
        // at the front go once they are half of the list.
        let complete = (self.first_page + at + 1) * PAGE <= self.arrived;
        if page.held == 0 && complete {
            self.pages[at] = None;
            if at == self.leading_empty {
                self.leading_empty += self.pages[at..].iter().take_while(|p| p.is_none()).count();
                if self.leading_empty * 2 >= self.pages.len() {
                    self.pages.drain(..self.leading_empty);
                    self.first_page += self.leading_empty;
                    self.leading_empty = 0;
                }
            }
        }
        Some(job)
    }

    /// Removes and returns the oldest job held, if any.
    pub fn retire_oldest(&mut self) -> Option<Box<Job>> {
        let id = self.iter().next()?.id;
        self.retire(id)
    }
}

impl Index<JobId> for JobStore {
    type Output = Job;

    fn index(&self, id: JobId) -> &Job {
        self.get(id)
            .unwrap_or_else(|| panic!("job #{} is not held (retired or not arrived)", id.0))
    }
}

impl IndexMut<JobId> for JobStore {
    fn index_mut(&mut self, id: JobId) -> &mut Job {
        self.get_mut(id)
            .unwrap_or_else(|| panic!("job #{} is not held (retired or not arrived)", id.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::GpuTypeSet;
    use crate::ids::{QueueId, UserId};
    use crate::job::JobSpec;
    use crate::resources::TaskRequest;
    use crate::time::SimTime;

    fn job(i: u32) -> Job {
        let spec = JobSpec::new(
            i.to_string(),
            SimTime::ZERO,
            SimTime::from_secs(1),
            1,
            TaskRequest::default(),
        );
        Job::new(JobId(i), spec, UserId(0), QueueId(0), GpuTypeSet::ANY)
    }

    #[test]
    fn demand_is_read_beside_the_jobs_while_they_are_held() {
        // Job 0 asks for 3 tasks of 2 GPUs (6,000 milli-GPU in all, 2,000 a task), job 1 for a
        // 0.5-GPU task; after job 0 is retired its demand is gone too, job 1's stays.
        let mut store = JobStore::new();
        let mut wide = job(0);
        wide.spec.tasks = 3;
        wide.spec.task = TaskRequest::with_gpu_amount(2.0, 0, 0).unwrap();
        let mut half = job(1);
        half.spec.task = TaskRequest::with_gpu_amount(0.5, 0, 0).unwrap();
        store.push(wide);
        store.push(half);
        let demand = |total_milli, per_task_milli| GpuDemand {
            total_milli,
            per_task_milli,
        };
        assert_eq!(store.demand(JobId(0)), Some(demand(6000, 2000)));
        assert_eq!(store.demand(JobId(1)), Some(demand(500, 500)));
        store.retire(JobId(0));
        assert_eq!(store.demand(JobId(0)), None);
        assert_eq!(store.demand(JobId(1)), Some(demand(500, 500)));
        assert_eq!(store.demand(JobId(2)), None);
    }

    #[test]
    fn retiring_keeps_ids_and_frees_the_front_once_it_is_empty() {
        let mut store = JobStore::new();
        for i in 0..3 {
            store.push(job(i));
        }
        // Job 1 ends first: gone at once, job 0 still held, ids unchanged.
        assert_eq!(store.retire(JobId(1)).map(|j| j.id), Some(JobId(1)));
        assert!(store.get(JobId(1)).is_none() && store.retire(JobId(1)).is_none());
        assert_eq!(store[JobId(0)].id, JobId(0));
        assert_eq!(store.iter().map(|j| j.id.0).collect::<Vec<_>>(), [0, 2]);
        // Job 0 ends: job 2 is the oldest held.
        assert_eq!(store.retire_oldest().map(|j| j.id), Some(JobId(0)));
        assert_eq!(store.len(), 3);
        store.push(job(3));
        assert_eq!(store.iter().map(|j| j.id.0).collect::<Vec<_>>(), [2, 3]);
        assert!(store.get(JobId(4)).is_none());
    }

    #[test]
    fn pages_emptied_behind_the_front_go_with_it() {
        // Ids 0 … 4 × PAGE: pages 0 … 4, the last holding one job. Pages 2 and 1 empty first
        // and stay (the front, page 0, is held); once page 0 empties, the three empty pages
        // at the front are at least half of the five and go: pages 3 and 4 remain.
        let mut store = JobStore::new();
        let last = 4 * PAGE as u32;
        for i in 0..=last {
            store.push(job(i));
        }
        let page = |p: u32| p * PAGE as u32..(p + 1) * PAGE as u32;
        for i in page(2).chain(page(1)) {
            store.retire(JobId(i));
        }
        assert_eq!((store.first_page, store.pages.len()), (0, 5));
        for i in page(0) {
            store.retire(JobId(i));
        }
        assert_eq!((store.first_page, store.pages.len()), (3, 2));
        assert_eq!(store.iter().next().map(|j| j.id), Some(JobId(3 * PAGE as u32)));
        assert!(store.get(JobId(PAGE as u32)).is_none());
        assert_eq!(store[JobId(last)].id, JobId(last));
    }

    #[test]
    fn a_job_held_throughout_keeps_one_page_not_a_slot_per_later_job() {
        // Job 0 stays; jobs 1 … 10 × PAGE arrive and leave one by one. Every page but job 0's
        // (page 0) and the newest (page 10, whose ids have not all arrived) is let go: pages
        // 1 … 9 are empty entries behind page 0, page 10 holds nothing yet.
        let mut store = JobStore::new();
        store.push(job(0));
        let last = 10 * PAGE as u32;
        for i in 1..=last {
            store.push(job(i));
            assert_eq!(store.retire(JobId(i)).map(|j| j.id), Some(JobId(i)));
        }
        assert_eq!(store.pages.len(), 11);
        let held: Vec<usize> = store
            .pages
            .iter()
            .enumerate()
            .filter(|(_, p)| p.is_some())
            .map(|(i, _)| i)
            .collect();
        assert_eq!(held, [0, 10]);
        assert_eq!(store.iter().map(|j| j.id.0).collect::<Vec<_>>(), [0]);
        // Job 0 leaves: pages 0 … 9 go, page 10 stays for the ids still to come.
        assert_eq!(store.retire_oldest().map(|j| j.id), Some(JobId(0)));
        assert_eq!((store.first_page, store.pages.len()), (10, 1));
        store.push(job(last + 1));
        assert_eq!(store[JobId(last + 1)].id, JobId(last + 1));
        assert!(store.get(JobId(5)).is_none() && store.get(JobId(last + 2)).is_none());
    }
}

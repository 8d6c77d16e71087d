//! The jobs of a run that are still of interest, indexed by [`JobId`].
//!
//! Jobs are numbered in arrival order. The store holds the jobs that have arrived and not yet
//! been retired; the engine can retire a job as soon as it ends (hand it to observers and drop
//! it), so a long replay holds only its waiting, running and held jobs, plus one empty slot (a
//! pointer) per ended job between its oldest live job and its newest.

use std::collections::VecDeque;
use std::ops::{Index, IndexMut};

use crate::ids::JobId;
use crate::job::Job;

/// Live jobs by id.
#[derive(Clone, Debug, Default)]
pub struct JobStore {
    /// The id of `window[0]`.
    first: u32,
    /// From the oldest live job to the newest; `None` for one retired since.
    window: VecDeque<Option<Box<Job>>>,
}

impl JobStore {
    /// An empty store.
    pub fn new() -> JobStore {
        JobStore::default()
    }

    /// Jobs that have arrived, retired ones included: the next job's id.
    pub fn len(&self) -> usize {
        self.first as usize + self.window.len()
    }

    /// True when no job has arrived.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Adds the next job; its id must be [`JobStore::len`].
    pub fn push(&mut self, job: Job) {
        debug_assert_eq!(job.id.index(), self.len(), "jobs are stored in id order");
        self.window.push_back(Some(Box::new(job)));
    }

    /// The job `id`, unless it has been retired or has not arrived.
    pub fn get(&self, id: JobId) -> Option<&Job> {
        let slot = self.window.get(id.0.checked_sub(self.first)? as usize)?;
        slot.as_deref()
    }

    /// The jobs held, in id order.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = &Job> {
        self.window.iter().filter_map(|slot| slot.as_deref())
    }

    /// Removes job `id` and returns it, if it is held.
    pub fn retire(&mut self, id: JobId) -> Option<Job> {
        let slot = self.window.get_mut(id.0.checked_sub(self.first)? as usize)?;
        let job = slot.take()?;
        while self.window.front().is_some_and(Option::is_none) {
            self.window.pop_front();
            self.first += 1;
        }
        Some(*job)
    }

    /// Removes and returns the oldest job held, if any.
    pub fn retire_oldest(&mut self) -> Option<Job> {
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
        id.0.checked_sub(self.first)
            .and_then(|i| self.window.get_mut(i as usize))
            .and_then(|slot| slot.as_deref_mut())
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
        // Job 0 ends: the window moves past both empty slots.
        assert_eq!(store.retire_oldest().map(|j| j.id), Some(JobId(0)));
        assert_eq!((store.len(), store.window.len()), (3, 1));
        store.push(job(3));
        assert_eq!(store.iter().map(|j| j.id.0).collect::<Vec<_>>(), [2, 3]);
        assert!(store.get(JobId(4)).is_none());
    }
}

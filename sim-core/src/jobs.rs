//! The jobs of a run that are still of interest, indexed by [`JobId`].
//!
//! Jobs are numbered in arrival order. The store holds a window of them, from the oldest not yet
//! retired to the newest; once the oldest have ended the engine can retire them (hand them to
//! observers and drop them), so a long replay holds only the jobs between its oldest unfinished
//! one and its newest, not the whole trace. A job that waits forever keeps the window open
//! behind it.

use std::collections::VecDeque;
use std::ops::{Index, IndexMut};

use crate::ids::JobId;
use crate::job::Job;

/// Jobs by id, from the oldest not retired on.
#[derive(Clone, Debug, Default)]
pub struct JobStore {
    /// The id of `window[0]`.
    first: u32,
    window: VecDeque<Job>,
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
        self.window.push_back(job);
    }

    /// The job `id`, unless it has been retired or has not arrived.
    pub fn get(&self, id: JobId) -> Option<&Job> {
        id.0.checked_sub(self.first).and_then(|i| self.window.get(i as usize))
    }

    /// The jobs held, in id order.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = &Job> {
        self.window.iter()
    }

    /// Removes and returns the oldest job held if `retire` says so.
    pub fn retire_first(&mut self, retire: impl FnOnce(&Job) -> bool) -> Option<Job> {
        if !retire(self.window.front()?) {
            return None;
        }
        self.first += 1;
        self.window.pop_front()
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
        let i =
            id.0.checked_sub(self.first)
                .unwrap_or_else(|| panic!("job #{} was retired", id.0));
        &mut self.window[i as usize]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::GpuTypeSet;
    use crate::ids::{QueueId, UserId};
    use crate::job::{JobSpec, JobState};
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
    fn retiring_keeps_ids_and_only_drops_from_the_front() {
        let mut store = JobStore::new();
        for i in 0..3 {
            store.push(job(i));
        }
        store[JobId(1)].state = JobState::Completed;
        // Job 0 still runs: nothing retires, even though job 1 has ended.
        assert!(store.retire_first(|j| j.state.is_terminal()).is_none());
        store[JobId(0)].state = JobState::Completed;
        assert_eq!(
            store.retire_first(|j| j.state.is_terminal()).map(|j| j.id),
            Some(JobId(0))
        );
        assert_eq!(
            store.retire_first(|j| j.state.is_terminal()).map(|j| j.id),
            Some(JobId(1))
        );
        assert!(store.retire_first(|j| j.state.is_terminal()).is_none());
        assert_eq!((store.len(), store.get(JobId(1)).is_none()), (3, true));
        assert_eq!(store[JobId(2)].id, JobId(2));
        store.push(job(3));
        assert_eq!(store.iter().map(|j| j.id.0).collect::<Vec<_>>(), [2, 3]);
    }
}

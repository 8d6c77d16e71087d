//! The pending list: waiting jobs in queue-position order.

use std::ops::Deref;

use crate::ids::JobId;

/// Waiting jobs in queue-position order, read as a slice. The jobs that leave it are mostly at
/// its head (the first jobs of the queue start), so the head is dropped by moving a start mark,
/// not by shifting a deep queue; the dropped prefix is reclaimed once it outgrows the rest.
/// Each job's queue position is kept beside it, so that finding a job's place searches a list
/// of numbers instead of reading a job record at every step of the search.
#[derive(Debug, Default)]
pub(super) struct Pending {
    ids: Vec<JobId>,
    /// The queue position of each of `ids`.
    positions: Vec<u64>,
    start: usize,
    /// Counts the changes other than appending and removing (see [`Pending::epoch`]).
    epoch: u64,
}

impl Pending {
    /// Appends `id`, at queue position `position` (later in queue order than every listed job).
    pub(super) fn push(&mut self, id: JobId, position: u64) {
        debug_assert!(
            self.positions.last().is_none_or(|&last| last < position),
            "appended in order"
        );
        self.ids.push(id);
        self.positions.push(position);
    }

    /// The position in the list as read where job `id`, at queue position `position`, is or
    /// would be: the first place whose (queue position, id) is not below the job's.
    fn place(&self, id: JobId, position: u64) -> usize {
        let (ids, positions) = (&self.ids[self.start..], &self.positions[self.start..]);
        let mut at = positions.partition_point(|&p| p < position);
        while positions.get(at) == Some(&position) && ids[at] < id {
            at += 1;
        }
        at
    }

    /// Inserts `id` at its queue position `position`, among the listed jobs.
    pub(super) fn insert(&mut self, id: JobId, position: u64) {
        let at = self.start + self.place(id, position);
        self.ids.insert(at, id);
        self.positions.insert(at, position);
        self.epoch += 1;
    }

    /// The position in the list as read of job `id`, at queue position `position`, if listed.
    pub(super) fn find(&self, id: JobId, position: u64) -> Option<usize> {
        if self.first() == Some(&id) {
            return Some(0);
        }
        let at = self.place(id, position);
        (self.get(at) == Some(&id)).then_some(at)
    }

    /// Removes the job at position `at` of the list as read, shifting whichever side of it is
    /// shorter: a job backfilled from the first half of a deep queue moves the jobs ahead of it
    /// one place back, not the whole rest of the queue one place forward.
    pub(super) fn remove(&mut self, at: usize) {
        let len = self.ids.len() - self.start;
        if at < len / 2 {
            let (from, to) = (self.start..self.start + at, self.start + 1);
            self.ids.copy_within(from.clone(), to);
            self.positions.copy_within(from, to);
            self.start += 1;
            if self.start * 2 > self.ids.len() {
                self.ids.drain(..self.start);
                self.positions.drain(..self.start);
                self.start = 0;
            }
        } else {
            self.ids.remove(self.start + at);
            self.positions.remove(self.start + at);
        }
    }

    /// Keeps only the jobs for which `keep` is true.
    pub(super) fn retain(&mut self, mut keep: impl FnMut(&JobId) -> bool) {
        let before = self.ids.len() - self.start;
        let mut kept = 0;
        for i in self.start..self.ids.len() {
            if keep(&self.ids[i]) {
                self.ids[kept] = self.ids[i];
                self.positions[kept] = self.positions[i];
                kept += 1;
            }
        }
        self.ids.truncate(kept);
        self.positions.truncate(kept);
        self.start = 0;
        if kept != before {
            self.epoch += 1;
        }
    }

    /// Changes whenever the list changes other than by [`Pending::push`] and [`Pending::remove`]
    /// (arrivals at its end, started jobs leaving it): the engine's
    /// [`crate::view::ClusterView::pending_epoch`].
    pub(super) fn epoch(&self) -> u64 {
        self.epoch
    }
}

impl Deref for Pending {
    type Target = [JobId];

    fn deref(&self) -> &[JobId] {
        &self.ids[self.start..]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_as_the_list_after_head_and_middle_removals() {
        // By hand: jobs 0..6 pushed at queue positions 10..16; the head removed twice
        // (2,3,4,5); position 2 of 4 removed, the tail shifted (2,3,5); 9 inserted at queue
        // position 1, the front (9,2,3,5); position 1 of 4 removed, the head shifted (9,3,5); 3
        // dropped by retain (9,5).
        let mut pending = Pending::default();
        for i in 0..6 {
            pending.push(JobId(i), 10 + u64::from(i));
        }
        pending.remove(0);
        pending.remove(0);
        assert_eq!(&*pending, &[JobId(2), JobId(3), JobId(4), JobId(5)]);
        pending.remove(2);
        assert_eq!(&*pending, &[JobId(2), JobId(3), JobId(5)]);
        assert_eq!(pending.epoch(), 0, "appending and removing keep the epoch");
        pending.insert(JobId(9), 1);
        assert_eq!(&*pending, &[JobId(9), JobId(2), JobId(3), JobId(5)]);
        assert_eq!(pending.epoch(), 1, "an insertion changes it");
        pending.remove(1);
        assert_eq!(&*pending, &[JobId(9), JobId(3), JobId(5)]);
        assert_eq!(pending.epoch(), 1, "a removal near the head keeps it");
        pending.retain(|id| id.0 != 3);
        assert_eq!(&*pending, &[JobId(9), JobId(5)]);
        assert_eq!(pending.epoch(), 2, "a removal by retain changes it");
        pending.retain(|_| true);
        assert_eq!(pending.epoch(), 2, "a retain that keeps everything does not");
        // The positions moved with their jobs: 5 (position 15) is found, and a job at position
        // 12 goes between 9 and 5.
        assert_eq!(pending.find(JobId(5), 15), Some(1));
        assert_eq!(pending.find(JobId(3), 13), None);
        pending.insert(JobId(7), 12);
        assert_eq!(&*pending, &[JobId(9), JobId(7), JobId(5)]);
        pending.remove(1);
        pending.remove(0);
        pending.remove(0);
        assert!(pending.is_empty());
    }

    #[test]
    fn jobs_are_found_and_placed_by_position_then_id() {
        // Positions 5, 7, 7, 9 (jobs 1, 4, 6, 2): a requeued job 5 at position 7 goes between
        // jobs 4 and 6; each job is found where it is, and not at another's position. After
        // head removals the start mark moves, and the search reads from it.
        let mut pending = Pending::default();
        for (id, position) in [(1, 5), (4, 7), (6, 7), (2, 9)] {
            pending.insert(JobId(id), position);
        }
        pending.insert(JobId(5), 7);
        assert_eq!(&*pending, &[JobId(1), JobId(4), JobId(5), JobId(6), JobId(2)]);
        for (at, (id, position)) in [(1, 5), (4, 7), (5, 7), (6, 7), (2, 9)].into_iter().enumerate() {
            assert_eq!(pending.find(JobId(id), position), Some(at), "job {id}");
        }
        assert_eq!(pending.find(JobId(2), 7), None);
        pending.remove(0);
        pending.remove(0);
        assert_eq!(pending.find(JobId(6), 7), Some(1));
        assert_eq!(pending.find(JobId(2), 9), Some(2));
        pending.insert(JobId(3), 6);
        assert_eq!(&*pending, &[JobId(3), JobId(5), JobId(6), JobId(2)]);
    }
}

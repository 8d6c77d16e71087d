//! The pending list: waiting jobs in queue-position order.

use std::ops::Deref;

use crate::ids::JobId;

/// Waiting jobs in queue-position order, read as a slice. The jobs that leave it are mostly at
/// its head (the first jobs of the queue start), so the head is dropped by moving a start mark,
/// not by shifting a deep queue; the dropped prefix is reclaimed once it outgrows the rest.
#[derive(Debug, Default)]
pub(super) struct Pending {
    ids: Vec<JobId>,
    start: usize,
    /// Counts the changes other than appending and removing (see [`Pending::epoch`]).
    epoch: u64,
}

impl Pending {
    /// Appends `id` (a job later in queue order than every listed one).
    pub(super) fn push(&mut self, id: JobId) {
        self.ids.push(id);
    }

    /// Inserts `id` at position `at` of the list as read.
    pub(super) fn insert(&mut self, at: usize, id: JobId) {
        self.ids.insert(self.start + at, id);
        self.epoch += 1;
    }

    /// Removes the job at position `at` of the list as read, shifting whichever side of it is
    /// shorter: a job backfilled from the first half of a deep queue moves the jobs ahead of it
    /// one place back, not the whole rest of the queue one place forward.
    pub(super) fn remove(&mut self, at: usize) {
        let len = self.ids.len() - self.start;
        if at < len / 2 {
            self.ids.copy_within(self.start..self.start + at, self.start + 1);
            self.start += 1;
            if self.start * 2 > self.ids.len() {
                self.ids.drain(..self.start);
                self.start = 0;
            }
        } else {
            self.ids.remove(self.start + at);
        }
    }

    /// Keeps only the jobs for which `keep` is true.
    pub(super) fn retain(&mut self, keep: impl FnMut(&JobId) -> bool) {
        self.ids.drain(..self.start);
        self.start = 0;
        let before = self.ids.len();
        self.ids.retain(keep);
        if self.ids.len() != before {
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
        // By hand: 0..6 pushed; the head removed twice (2,3,4,5); position 2 of 4 removed, the
        // tail shifted (2,3,5); 9 inserted at the front (9,2,3,5); position 1 of 4 removed, the
        // head shifted (9,3,5); 3 dropped by retain (9,5).
        let mut pending = Pending::default();
        for i in 0..6 {
            pending.push(JobId(i));
        }
        pending.remove(0);
        pending.remove(0);
        assert_eq!(&*pending, &[JobId(2), JobId(3), JobId(4), JobId(5)]);
        pending.remove(2);
        assert_eq!(&*pending, &[JobId(2), JobId(3), JobId(5)]);
        assert_eq!(pending.epoch(), 0, "appending and removing keep the epoch");
        pending.insert(0, JobId(9));
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
        pending.remove(1);
        pending.remove(0);
        assert!(pending.is_empty());
    }
}

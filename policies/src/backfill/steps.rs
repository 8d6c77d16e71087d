//! A piecewise-constant integer function of time from a round's present: how many nodes of a
//! pool are free for a whole-node task at each future instant.

use sim_core::time::SimTime;

/// Segments `(from, value)` in time order; the first starts at the present, the last lasts
/// forever. Kept as a flat vector: a round reads and splits a few hundred segments at most, and
/// scanning contiguous memory beats walking a tree.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Steps {
    segments: Vec<(SimTime, i64)>,
}

impl Steps {
    /// `value` at `now`, changed by each `(at, delta)` of `changes` from `at` on (in any order;
    /// changes at or before now count from now).
    pub(crate) fn from_changes(now: SimTime, value: i64, mut changes: Vec<(SimTime, i64)>) -> Steps {
        let mut steps = Steps { segments: Vec::new() };
        steps.rebuild(now, value, &mut changes);
        steps
    }

    /// Makes this the function [`Steps::from_changes`] builds, in its own memory (`changes` is
    /// left sorted).
    pub(crate) fn rebuild(&mut self, now: SimTime, value: i64, changes: &mut [(SimTime, i64)]) {
        changes.sort_unstable();
        let segments = &mut self.segments;
        segments.clear();
        segments.push((now, value));
        for &(at, delta) in changes.iter() {
            let last = segments.last_mut().expect("there is always a first segment");
            if at <= last.0 {
                last.1 += delta;
            } else {
                let value = last.1 + delta;
                segments.push((at, value));
            }
        }
        segments.dedup_by(|later, earlier| later.1 == earlier.1);
    }

    /// The present.
    fn now(&self) -> SimTime {
        self.segments[0].0
    }

    /// The index of the segment holding `t` (≥ now).
    fn holding(&self, t: SimTime) -> usize {
        self.segments.partition_point(|&(from, _)| from <= t) - 1
    }

    /// The index of a segment starting exactly at `t` (≥ now), splitting one if needed.
    fn split(&mut self, t: SimTime) -> usize {
        let i = self.holding(t);
        if self.segments[i].0 == t {
            return i;
        }
        let value = self.segments[i].1;
        self.segments.insert(i + 1, (t, value));
        i + 1
    }

    /// Adds `delta` over `[from, to)` (from is clamped to now; `SimTime::MAX` means forever).
    pub(crate) fn add(&mut self, from: SimTime, to: SimTime, delta: i64) {
        let from = from.max(self.now());
        if from >= to || delta == 0 {
            return;
        }
        let first = self.split(from);
        let last = if to == SimTime::MAX {
            self.segments.len()
        } else {
            self.split(to)
        };
        for segment in &mut self.segments[first..last] {
            segment.1 += delta;
        }
        self.merge_around(first, last);
    }

    /// Joins neighbours left equal by an addition over segments `first..last`.
    fn merge_around(&mut self, first: usize, last: usize) {
        if last < self.segments.len() && self.segments[last].1 == self.segments[last - 1].1 {
            self.segments.remove(last);
        }
        if first > 0 && self.segments[first].1 == self.segments[first - 1].1 {
            self.segments.remove(first);
        }
    }

    /// The smallest value over `[from, to)` (from ≥ now, from < to).
    pub(crate) fn min_over(&self, from: SimTime, to: SimTime) -> i64 {
        let first = self.holding(from);
        self.segments[first..]
            .iter()
            .take_while(|&&(start, _)| start < to)
            .map(|&(_, value)| value)
            .min()
            .expect("the segment holding `from` is in the window")
    }

    /// The times after `t` at which the value changes, in order.
    pub(crate) fn changes_after(&self, t: SimTime) -> impl Iterator<Item = SimTime> + '_ {
        self.segments
            .iter()
            .map(|&(from, _)| from)
            .filter(move |&from| from > t)
    }

    /// The earliest `t` ≥ `from` at which the value stays at least `need` for `length`, or
    /// `None` if it never does.
    pub(crate) fn earliest(&self, from: SimTime, length: SimTime, need: i64) -> Option<SimTime> {
        let first = self.holding(from);
        // The start of the stretch of at least `need` under way, and when it would be long
        // enough.
        let mut run = (self.segments[first].1 >= need).then(|| (from, from.saturating_add(length)));
        for &(start, value) in &self.segments[first + 1..] {
            match run {
                Some((begin, enough)) if start >= enough => return Some(begin),
                Some(_) if value < need => run = None,
                None if value >= need => run = Some((start, start.saturating_add(length))),
                _ => {}
            }
        }
        run.map(|(begin, _)| begin)
    }

    /// Moves the present to `now` (later than the current one): what came before is forgotten.
    pub(crate) fn advance(&mut self, now: SimTime) {
        let i = self.holding(now);
        self.segments.drain(..i);
        self.segments[0].0 = now;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: u64) -> SimTime {
        SimTime::from_secs(s)
    }

    #[test]
    fn windows_find_the_earliest_stretch_that_holds() {
        // 1 free now; +2 at 10 (3); a reservation takes 2 over [20, 30) (1); +1 at 40 (4).
        let mut steps = Steps::from_changes(t(0), 1, Vec::new());
        steps.add(t(10), SimTime::MAX, 2);
        steps.add(t(20), t(30), -2);
        steps.add(t(40), SimTime::MAX, 1);
        assert_eq!(steps.min_over(t(0), t(50)), 1);
        assert_eq!(steps.min_over(t(10), t(20)), 3);
        assert_eq!(steps.min_over(t(15), t(25)), 1);
        // Need 1: now. Need 3 for 10 s: [10, 20) holds. Need 3 for 15 s: 10 fails at 20, the
        // next stretch of ≥ 3 starts at 30 (3 from 30, 4 from 40). Need 5: never.
        assert_eq!(steps.earliest(t(0), t(100), 1), Some(t(0)));
        assert_eq!(steps.earliest(t(0), t(10), 3), Some(t(10)));
        assert_eq!(steps.earliest(t(0), t(15), 3), Some(t(30)));
        assert_eq!(steps.earliest(t(0), t(1), 5), None);
        assert_eq!(steps.changes_after(t(20)).collect::<Vec<_>>(), [t(30), t(40)]);
        // From 25 on: 1 until 30, then 3, then 4; 3 for 5 s starts at 30.
        steps.advance(t(25));
        assert_eq!(steps.min_over(t(25), t(26)), 1);
        assert_eq!(steps.earliest(t(25), t(5), 3), Some(t(30)));
        // Adding back the reservation joins the segments it split.
        steps.add(t(20), t(30), 2);
        assert_eq!(steps.changes_after(t(25)).collect::<Vec<_>>(), [t(40)]);
    }

    #[test]
    fn built_from_changes_as_by_additions() {
        // 2 now; nodes free from 30, 10, 10 and 50; one change at 20 that cancels out.
        let built = Steps::from_changes(
            t(0),
            2,
            vec![(t(30), 1), (t(10), 1), (t(10), 1), (t(50), 1), (t(20), 0)],
        );
        let mut added = Steps::from_changes(t(0), 2, Vec::new());
        for at in [30, 10, 10, 50] {
            added.add(t(at), SimTime::MAX, 1);
        }
        assert_eq!(built.segments, added.segments);
        assert_eq!(built.segments, [(t(0), 2), (t(10), 4), (t(30), 5), (t(50), 6)]);
    }
}

//! A piecewise-constant integer function of time from a round's present: how many nodes of a
//! pool are free for a whole-node task at each future instant.

use sim_core::time::SimTime;

/// A stretch [`Steps::earliest`] found, with the segments holding its ends, so that taking it
/// ([`Steps::take`]) needs no second search.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Stretch {
    /// When it starts.
    pub(crate) start: SimTime,
    /// When it ends (`SimTime::MAX`: never).
    pub(crate) end: SimTime,
    /// The segments holding `start` and `end`.
    held: (usize, usize),
}

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
        changes.sort_unstable();
        let mut segments = vec![(now, value)];
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
        Steps { segments }
    }

    /// Makes this `value` at `now`, raised by each `(at, count)` of `frees` from `at` on: nodes
    /// becoming free, in strictly increasing time order with positive counts (a pool's busy
    /// nodes by when they are expected free). Those at or before `soon` count from `soon`. What
    /// [`Steps::from_changes`] makes of the same changes, in this one's memory, in one pass
    /// without sorting.
    pub(crate) fn rebuild_from_frees(
        &mut self,
        now: SimTime,
        soon: SimTime,
        value: i64,
        frees: impl Iterator<Item = (SimTime, i64)>,
    ) {
        debug_assert!(now < soon, "a node is expected free after now");
        let segments = &mut self.segments;
        segments.clear();
        segments.push((now, value));
        let mut total = value;
        let mut frees = frees.peekable();
        let mut by_soon = false;
        while let Some((_, count)) = frees.next_if(|&(at, _)| at <= soon) {
            total += count;
            by_soon = true;
        }
        if by_soon {
            segments.push((soon, total));
        }
        // Every later time is a change of its own: one segment each, no search, no merge (the
        // pool's busiest walk of each round).
        segments.extend(frees.map(|(at, count)| {
            total += count;
            (at, total)
        }));
        debug_assert!(
            segments.windows(2).all(|w| w[0].0 < w[1].0 && w[0].1 < w[1].1),
            "frees come in strictly increasing time order, each of some nodes"
        );
    }

    /// The present.
    fn now(&self) -> SimTime {
        self.segments[0].0
    }

    /// The index of the segment holding `t` (≥ now); the present's without a search.
    fn holding(&self, t: SimTime) -> usize {
        match self.segments.get(1) {
            Some(&(next, _)) if t >= next => self.segments.partition_point(|&(from, _)| from <= t) - 1,
            _ => 0,
        }
    }

    /// Adds `delta` over `[from, to)` (from is clamped to now; `SimTime::MAX` means forever).
    pub(crate) fn add(&mut self, from: SimTime, to: SimTime, delta: i64) {
        let from = from.max(self.now());
        if from >= to || delta == 0 {
            return;
        }
        let last = if to == SimTime::MAX {
            self.segments.len() - 1
        } else {
            self.holding(to)
        };
        self.add_held(from, to, (self.holding(from), last), delta);
    }

    /// Adds `delta` over a stretch [`Steps::earliest`] found, the profile unchanged since.
    pub(crate) fn take(&mut self, stretch: Stretch, delta: i64) {
        debug_assert_eq!(stretch.held.0, self.holding(stretch.start), "a stale stretch");
        debug_assert!(
            stretch.end == SimTime::MAX || stretch.held.1 == self.holding(stretch.end),
            "a stale stretch"
        );
        self.add_held(stretch.start, stretch.end, stretch.held, delta);
    }

    /// Adds `delta` over `[from, to)` (now ≤ from < to), given the segments holding `from` and
    /// `to` (the last one when `to` is `SimTime::MAX`), splitting them where needed and joining
    /// neighbours it leaves equal. A split or a join at each end of the window would each shift
    /// the segments after it; they are done together, so that the segments past the window move
    /// at most once, and not at all when one end splits and the other joins (a reservation's
    /// window, far from the profile's end, touches only its own segments).
    fn add_held(&mut self, from: SimTime, to: SimTime, (first, last): (usize, usize), delta: i64) {
        let segments = &mut self.segments;
        let split_from = segments[first].0 != from;
        let split_to = to != SimTime::MAX && segments[last].0 != to;
        // The segments that overlap the window: `first` (only from `from` on when it splits)
        // to `last` (only up to `to` when it splits), or to the end.
        let end = match (to == SimTime::MAX, split_to) {
            (true, _) => segments.len(),
            (false, true) => last + 1,
            (false, false) => last,
        };
        let (first_value, last_value) = (segments[first].1, segments[last].1);
        for segment in &mut segments[first..end] {
            segment.1 += delta;
        }
        // At the window's end: a new segment at `to` with the value from before, or the one at
        // `to` joining the window's last (decided first: a split start restores the first
        // segment's value, which may be the window's last). At its start: a new segment at
        // `from`, or the first one joining the one before it.
        let back = if split_to {
            Edit::Insert(end, (to, last_value))
        } else if end < segments.len() && segments[end].1 == segments[end - 1].1 {
            Edit::Remove(end)
        } else {
            Edit::Keep
        };
        let front = if split_from {
            segments[first].1 = first_value;
            Edit::Insert(first + 1, (from, first_value + delta))
        } else if first > 0 && segments[first].1 == segments[first - 1].1 {
            Edit::Remove(first)
        } else {
            Edit::Keep
        };
        apply_edits(segments, front, back);
    }

    /// True when the value is at least `need` all over `[from, to)` (from ≥ now, from < to):
    /// [`Steps::min_over`] compared with `need`, stopping at the first segment below it (a job
    /// that would run into a reservation finds it at the reservation, not at its own end).
    pub(crate) fn at_least_over(&self, from: SimTime, to: SimTime, need: i64) -> bool {
        let first = self.holding(from);
        self.segments[first..]
            .iter()
            .take_while(|&&(start, _)| start < to)
            .all(|&(_, value)| value >= need)
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

    /// The earliest stretch of `length` from `t` ≥ `from` over which the value stays at least
    /// `need`, or `None` if there is none.
    pub(crate) fn earliest(&self, from: SimTime, length: SimTime, need: i64) -> Option<Stretch> {
        let first = self.holding(from);
        // The stretch of at least `need` under way: its start, the segment holding it, and
        // when it would be long enough.
        let mut run = (self.segments[first].1 >= need).then(|| (from, first, from.saturating_add(length)));
        for (i, &(start, value)) in self.segments.iter().enumerate().skip(first + 1) {
            match run {
                Some((begin, held, enough)) if start >= enough => {
                    let last = if start == enough { i } else { i - 1 };
                    return Some(Stretch {
                        start: begin,
                        end: enough,
                        held: (held, last),
                    });
                }
                Some(_) if value < need => run = None,
                None if value >= need => run = Some((start, i, start.saturating_add(length))),
                _ => {}
            }
        }
        run.map(|(begin, held, enough)| Stretch {
            start: begin,
            end: enough,
            held: (held, self.segments.len() - 1),
        })
    }

    /// Moves the present to `now` (later than the current one): what came before is forgotten.
    pub(crate) fn advance(&mut self, now: SimTime) {
        let i = self.holding(now);
        self.segments.drain(..i);
        self.segments[0].0 = now;
    }
}

/// A change of one segment's place in the list, at a position counted before any change.
#[derive(Clone, Copy, Debug)]
enum Edit {
    Keep,
    Insert(usize, (SimTime, i64)),
    Remove(usize),
}

/// Makes the front edit and the back edit of `segments` (the front one first in the list),
/// moving each segment once: between the two edits the segments shift by the front one's
/// change, past the back one by both.
fn apply_edits(segments: &mut Vec<(SimTime, i64)>, front: Edit, back: Edit) {
    match (front, back) {
        (Edit::Keep, Edit::Keep) => {}
        (Edit::Keep, Edit::Insert(at, segment)) | (Edit::Insert(at, segment), Edit::Keep) => {
            segments.insert(at, segment);
        }
        (Edit::Keep, Edit::Remove(at)) | (Edit::Remove(at), Edit::Keep) => {
            segments.remove(at);
        }
        (Edit::Insert(p, front), Edit::Insert(q, back)) => {
            let len = segments.len();
            segments.extend_from_slice(&[(SimTime::ZERO, 0); 2]);
            segments.copy_within(q..len, q + 2);
            segments.copy_within(p..q, p + 1);
            segments[p] = front;
            segments[q + 1] = back;
        }
        (Edit::Remove(p), Edit::Remove(q)) => {
            let len = segments.len();
            segments.copy_within(p + 1..q, p);
            segments.copy_within(q + 1..len, q - 1);
            segments.truncate(len - 2);
        }
        (Edit::Insert(p, front), Edit::Remove(q)) => {
            segments.copy_within(p..q, p + 1);
            segments[p] = front;
        }
        (Edit::Remove(p), Edit::Insert(q, back)) => {
            segments.copy_within(p + 1..q, p);
            segments[q - 1] = back;
        }
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
        // At least `need` throughout exactly when the minimum is, over the same windows.
        for (from, to) in [(0, 50), (10, 20), (15, 25), (0, 1), (35, 45)] {
            let min = steps.min_over(t(from), t(to));
            for need in [min - 1, min, min + 1] {
                assert_eq!(
                    steps.at_least_over(t(from), t(to), need),
                    min >= need,
                    "[{from}, {to}) {need}"
                );
            }
        }
        // Need 1: now. Need 3 for 10 s: [10, 20) holds. Need 3 for 15 s: 10 fails at 20, the
        // next stretch of ≥ 3 starts at 30 (3 from 30, 4 from 40). Need 5: never.
        let start = |from, length, need| steps.earliest(t(from), t(length), need).map(|s| s.start);
        assert_eq!(start(0, 100, 1), Some(t(0)));
        assert_eq!(start(0, 10, 3), Some(t(10)));
        assert_eq!(start(0, 15, 3), Some(t(30)));
        assert_eq!(start(0, 1, 5), None);
        assert_eq!(steps.changes_after(t(20)).collect::<Vec<_>>(), [t(30), t(40)]);
        // From 25 on: 1 until 30, then 3, then 4; 3 for 5 s starts at 30.
        steps.advance(t(25));
        assert_eq!(steps.min_over(t(25), t(26)), 1);
        assert_eq!(steps.earliest(t(25), t(5), 3).map(|s| s.start), Some(t(30)));
        // Adding back the reservation joins the segments it split.
        steps.add(t(20), t(30), 2);
        assert_eq!(steps.changes_after(t(25)).collect::<Vec<_>>(), [t(40)]);
    }

    #[test]
    fn a_found_stretch_is_taken_as_an_addition_over_its_window() {
        // [(0, 1), (10, 3), (20, 1), (30, 3), (40, 4)], as in the test above.
        let profile = Steps::from_changes(t(0), 1, vec![(t(10), 2), (t(20), -2), (t(30), 2), (t(40), 1)]);
        let taken = |from, length, need, after: &[(u64, i64)]| {
            let stretch = profile.earliest(t(from), length, need).expect("the stretch exists");
            let mut took = profile.clone();
            took.take(stretch, -need);
            let mut added = profile.clone();
            added.add(stretch.start, stretch.end, -need);
            assert_eq!(took, added);
            let after: Vec<_> = after.iter().map(|&(at, value)| (t(at), value)).collect();
            assert_eq!(took.segments, after);
        };
        // 3 for 10 s: [10, 20), ending where the next segment starts.
        taken(0, t(10), 3, &[(0, 1), (10, 0), (20, 1), (30, 3), (40, 4)]);
        // 3 for 15 s: [30, 45), ending inside the last segment.
        taken(0, t(15), 3, &[(0, 1), (10, 3), (20, 1), (30, 0), (40, 1), (45, 4)]);
        // 1 for 3 s from 5: [5, 8), inside the first segment.
        taken(
            5,
            t(3),
            1,
            &[(0, 1), (5, 0), (8, 1), (10, 3), (20, 1), (30, 3), (40, 4)],
        );
        // 4 for 100 s: [40, 140), from the last segment on.
        taken(0, t(100), 4, &[(0, 1), (10, 3), (20, 1), (30, 3), (40, 0), (140, 4)]);
        // 1 forever: every segment loses one.
        taken(0, SimTime::MAX, 1, &[(0, 0), (10, 2), (20, 0), (30, 2), (40, 3)]);
    }

    #[test]
    fn built_from_frees_as_from_changes() {
        // 2 idle at 10; nodes free at 5 and 10 (before or at soon, 11: counted from 11), 11,
        // 30 (two) and 50: 2, then 5 from 11, 7 from 30, 8 from 50, as the general build has it.
        let frees = [(t(5), 1), (t(10), 1), (t(11), 1), (t(30), 2), (t(50), 1)];
        let mut built = Steps::from_changes(t(0), 0, Vec::new());
        built.rebuild_from_frees(t(10), t(11), 2, frees.into_iter());
        let clamped: Vec<(SimTime, i64)> = frees.iter().map(|&(at, n)| (at.max(t(11)), n)).collect();
        assert_eq!(built, Steps::from_changes(t(10), 2, clamped));
        assert_eq!(built.segments, [(t(10), 2), (t(11), 5), (t(30), 7), (t(50), 8)]);
        // None by soon: no segment at soon. None at all: the present alone.
        built.rebuild_from_frees(t(10), t(11), 0, [(t(12), 3)].into_iter());
        assert_eq!(built.segments, [(t(10), 0), (t(12), 3)]);
        built.rebuild_from_frees(t(10), t(11), 4, std::iter::empty());
        assert_eq!(built.segments, [(t(10), 4)]);
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

    proptest::proptest! {
        /// Additions over random windows (some forever, some from before now, some of nothing)
        /// leave the profile that [`Steps::from_changes`] builds from the same changes at once:
        /// the same function of time, in the same fewest segments. Small times make windows
        /// share ends, so every split and join at either end, alone or together, is taken.
        #[test]
        fn additions_give_what_a_build_from_the_same_changes_gives(
            start in 0i64..5,
            windows in proptest::collection::vec((0u64..30, 1u64..20, -3i64..4, proptest::bool::ANY), 0..60),
        ) {
            let now = t(5);
            let mut steps = Steps::from_changes(now, start, Vec::new());
            let mut changes = Vec::new();
            for (from, length, delta, forever) in windows {
                let to = if forever { SimTime::MAX } else { t(from + length) };
                steps.add(t(from), to, delta);
                // The window clamped to now, as `add` takes it; nothing when that leaves none.
                let clamped = t(from).max(now);
                if clamped < to && delta != 0 {
                    changes.push((clamped, delta));
                    if to != SimTime::MAX {
                        changes.push((to, -delta));
                    }
                }
                proptest::prop_assert_eq!(&steps, &Steps::from_changes(now, start, changes.clone()));
            }
        }
    }
}

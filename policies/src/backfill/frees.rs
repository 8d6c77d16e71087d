//! One pool's busy nodes counted by the time they are expected to be free, kept both as a tree
//! (a count changes in O(log n) as jobs start and end) and as a sorted list brought up to date
//! only when a plan reads it whole (a contiguous walk, several times a tree's speed).

use std::collections::BTreeMap;

use sim_core::time::SimTime;

/// Counts of nodes by the time they are expected to be free: one per time, none zero.
#[derive(Debug, Clone, Default)]
pub(crate) struct PoolFrees {
    /// The counts, always current.
    tree: BTreeMap<SimTime, i64>,
    /// The counts in time order as of the last read of the whole list (when `listed`).
    list: Vec<(SimTime, i64)>,
    /// The changes since then, in the order made (when `listed`).
    changes: Vec<(SimTime, i64)>,
    /// True when `list` and `changes` together make the counts. Dropped when the changes
    /// outnumber the list (no round read it for a while): the next read lists the tree again,
    /// so that the changes kept stay bounded and each costs O(1) amortized.
    listed: bool,
    /// The memory of the next list, swapped with `list` at each read.
    spare: Vec<(SimTime, i64)>,
}

impl PoolFrees {
    /// Counts `delta` (never zero) nodes expected free at `until`.
    pub(crate) fn add(&mut self, until: SimTime, delta: i64) {
        debug_assert_ne!(delta, 0, "a count changes by at least one node");
        let count = self.tree.entry(until).or_default();
        *count += delta;
        if *count == 0 {
            self.tree.remove(&until);
        }
        if self.listed {
            self.changes.push((until, delta));
            if self.changes.len() > self.list.len().max(256) {
                self.listed = false;
                self.changes.clear();
            }
        }
    }

    /// The earliest time a node is expected free, if any.
    pub(crate) fn first(&self) -> Option<SimTime> {
        self.tree.keys().next().copied()
    }

    /// The counts in time order, read from the tree (best for reading only the first few).
    pub(crate) fn iter(&self) -> impl Iterator<Item = (SimTime, i64)> + '_ {
        self.tree.iter().map(|(&at, &count)| (at, count))
    }

    /// The counts in time order, as one list (best for reading them all).
    pub(crate) fn listed(&mut self) -> &[(SimTime, i64)] {
        // Many changes against a short list are listed again from the tree, which then costs
        // less than sorting and merging them.
        if !self.listed || self.changes.len() * 4 > self.list.len() {
            self.list.clear();
            self.list.extend(self.tree.iter().map(|(&at, &count)| (at, count)));
            self.changes.clear();
            self.listed = true;
        } else if !self.changes.is_empty() {
            self.merge_changes();
        }
        debug_assert!(self.list.iter().copied().eq(self.iter()), "the list is the tree's");
        &self.list
    }

    /// Brings `list` up to date with `changes` in one pass: runs of the list between changed
    /// times are copied whole.
    fn merge_changes(&mut self) {
        self.changes.sort_unstable_by_key(|&(at, _)| at);
        let (list, merged) = (&self.list, &mut self.spare);
        merged.clear();
        let mut i = 0;
        for &(at, delta) in &self.changes {
            let run = list[i..].partition_point(|&(t, _)| t < at);
            if run > 0 {
                drop_zero_last(merged);
                merged.extend_from_slice(&list[i..i + run]);
                i += run;
            }
            match merged.last_mut() {
                Some((t, count)) if *t == at => *count += delta,
                _ => {
                    drop_zero_last(merged);
                    let listed = list.get(i).filter(|&&(t, _)| t == at).map_or(0, |&(_, count)| count);
                    i += usize::from(listed != 0);
                    merged.push((at, listed + delta));
                }
            }
        }
        drop_zero_last(merged);
        merged.extend_from_slice(&list[i..]);
        std::mem::swap(&mut self.list, &mut self.spare);
        self.changes.clear();
    }
}

/// Drops the last count of `counts` when the changes merged into it cancelled out.
fn drop_zero_last(counts: &mut Vec<(SimTime, i64)>) {
    if counts.last().is_some_and(|&(_, count)| count == 0) {
        counts.pop();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn t(s: u64) -> SimTime {
        SimTime::from_secs(s)
    }

    #[test]
    fn the_list_follows_the_changes_made_since_it_was_read() {
        let mut frees = PoolFrees::default();
        frees.add(t(10), 2);
        frees.add(t(30), 1);
        assert_eq!(frees.listed(), [(t(10), 2), (t(30), 1)]);
        // Worked by hand: 10 loses both its nodes (gone), 20 gains one (new, between), 30 gains
        // one and loses it again (still 1), 40 gains three (new, at the end).
        frees.add(t(10), -1);
        frees.add(t(20), 1);
        frees.add(t(30), 1);
        frees.add(t(10), -1);
        frees.add(t(40), 3);
        frees.add(t(30), -1);
        assert_eq!(frees.listed(), [(t(20), 1), (t(30), 1), (t(40), 3)]);
        assert_eq!(frees.first(), Some(t(20)));
    }

    proptest! {
        /// Whatever the changes, and however often the list is read between them, it is the
        /// tree's counts (the independent reference: a map of counts rebuilt by hand).
        #[test]
        fn the_list_is_the_counts(
            steps in proptest::collection::vec((0u64..40, 1i64..4, any::<bool>()), 0..600),
            every in 1usize..400,
        ) {
            // Read every `every` changes: often (merged changes), or seldom (more than 256
            // changes between reads drop the list, which is then rebuilt from the tree).
            let mut frees = PoolFrees::default();
            let mut reference: std::collections::BTreeMap<u64, i64> = Default::default();
            for (step, (at, n, take)) in steps.into_iter().enumerate() {
                let held = reference.get(&at).copied().unwrap_or(0);
                let delta = if take && held > 0 { -n.min(held) } else { n };
                *reference.entry(at).or_default() += delta;
                reference.retain(|_, count| *count != 0);
                frees.add(t(at), delta);
                if step % every == 0 {
                    let expected: Vec<(SimTime, i64)> = reference.iter().map(|(&at, &n)| (t(at), n)).collect();
                    prop_assert_eq!(frees.listed(), &expected[..]);
                }
            }
            let expected: Vec<(SimTime, i64)> = reference.iter().map(|(&at, &n)| (t(at), n)).collect();
            prop_assert_eq!(frees.listed(), &expected[..]);
        }
    }
}

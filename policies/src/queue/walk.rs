//! Walking a sorted set in order across calls, cheaply whether a round looks at a few jobs or
//! at all of them.
//!
//! The first steps of a round are O(log n) lookups in the set; past [`LIST_AFTER`] steps the rest
//! of the set is copied into a list once (O(n), which a round that deep spends anyway) and the
//! walk continues along it. So a round that starts one job behind a long queue costs O(log n),
//! and an EASY round that considers every job costs O(n), not O(n log n).

use std::collections::BTreeSet;
use std::ops::Bound;

/// Steps taken by lookups before the rest of the set is listed.
const LIST_AFTER: usize = 32;

/// A position in a walk of a sorted set (the set must not change during the walk).
#[derive(Debug)]
pub(crate) struct Walk<T> {
    last: Option<T>,
    steps: usize,
    /// The rest of the set once listed (`listed`), walked from `position`.
    rest: Vec<T>,
    listed: bool,
    position: usize,
}

impl<T> Default for Walk<T> {
    fn default() -> Self {
        Walk {
            last: None,
            steps: 0,
            rest: Vec::new(),
            listed: false,
            position: 0,
        }
    }
}

impl<T: Ord + Copy> Walk<T> {
    /// Back to the start of the set.
    pub(crate) fn reset(&mut self) {
        self.last = None;
        self.steps = 0;
        self.position = 0;
        self.listed = false;
        self.rest.clear();
    }

    /// The next element of `set` after the ones already walked.
    pub(crate) fn next(&mut self, set: &BTreeSet<T>) -> Option<T> {
        if self.listed {
            let next = self.rest.get(self.position).copied();
            self.position += 1;
            return next;
        }
        self.steps += 1;
        let after = match self.last {
            None => set.range(..),
            Some(last) => set.range((Bound::Excluded(last), Bound::Unbounded)),
        };
        if self.steps > LIST_AFTER {
            self.rest.extend(after.copied());
            self.listed = true;
            return self.next(set);
        }
        let next = after.copied().next()?;
        self.last = Some(next);
        Some(next)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn walks_every_element_once_in_order_past_the_listing_point() {
        let set: BTreeSet<u32> = (0..100).map(|i| i * 3).collect();
        let mut walk = Walk::default();
        for _ in 0..2 {
            walk.reset();
            let walked: Vec<u32> = std::iter::from_fn(|| walk.next(&set)).collect();
            assert_eq!(walked, set.iter().copied().collect::<Vec<_>>());
        }
    }
}

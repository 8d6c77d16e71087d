//! A piecewise-constant integer function of time from a round's present: how many nodes of a
//! pool are free for a whole-node task at each future instant.

use std::collections::BTreeMap;

use sim_core::time::SimTime;

/// A value at `now` and the changes after it; a change at `t` holds from `t` on.
#[derive(Clone, Debug)]
pub(crate) struct Steps {
    now: SimTime,
    at_now: i64,
    changes: BTreeMap<SimTime, i64>,
}

impl Steps {
    /// The constant `value` from `now` on.
    pub(crate) fn new(now: SimTime, value: i64) -> Steps {
        Steps {
            now,
            at_now: value,
            changes: BTreeMap::new(),
        }
    }

    /// Adds `delta` over `[from, to)` (from is clamped to now; `SimTime::MAX` means forever).
    pub(crate) fn add(&mut self, from: SimTime, to: SimTime, delta: i64) {
        let from = from.max(self.now);
        if from >= to || delta == 0 {
            return;
        }
        if from == self.now {
            self.at_now += delta;
        } else {
            self.change(from, delta);
        }
        if to != SimTime::MAX {
            self.change(to, -delta);
        }
    }

    fn change(&mut self, at: SimTime, delta: i64) {
        let entry = self.changes.entry(at).or_insert(0);
        *entry += delta;
        if *entry == 0 {
            self.changes.remove(&at);
        }
    }

    /// The value at `t` (≥ now).
    fn value_at(&self, t: SimTime) -> i64 {
        self.at_now + self.changes.range(..=t).map(|(_, d)| d).sum::<i64>()
    }

    /// The smallest value over `[from, to)` (from ≥ now, from < to).
    pub(crate) fn min_over(&self, from: SimTime, to: SimTime) -> i64 {
        let mut value = self.value_at(from);
        let mut min = value;
        for (_, delta) in self.changes.range(from..to).filter(|&(&t, _)| t > from) {
            value += delta;
            min = min.min(value);
        }
        min
    }

    /// The times after `t` at which the value changes, in order.
    pub(crate) fn changes_after(&self, t: SimTime) -> impl Iterator<Item = SimTime> + '_ {
        self.changes.range(t..).map(|(&at, _)| at).filter(move |&at| at > t)
    }

    /// The earliest `t` ≥ `from` at which the value stays at least `need` for `length`, or
    /// `None` if it never does.
    pub(crate) fn earliest(&self, from: SimTime, length: SimTime, need: i64) -> Option<SimTime> {
        let mut value = self.value_at(from);
        let mut run = (value >= need).then_some(from);
        for (&at, delta) in self.changes.range(from..).filter(|&(&at, _)| at > from) {
            if let Some(start) = run
                && at >= start.saturating_add(length)
            {
                return Some(start);
            }
            value += delta;
            if value < need {
                run = None;
            } else if run.is_none() {
                run = Some(at);
            }
        }
        run
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
        let mut steps = Steps::new(t(0), 1);
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
    }
}

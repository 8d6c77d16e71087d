//! Temporal sharing: tasks on one GPU take turns in slices of length `s`, and every turn
//! starts with a context switch of length `c` during which nothing works.
//!
//! With `k ≥ 2` tasks a cycle lasts `k·s` and holds `k` switches, so each task does
//! `s − c` of work per `k·s`: it progresses at `(1/k)·(1 − c/s)` of its solo rate, and the GPU
//! does work for `1 − c/s` of the time. A task alone never switches and pays nothing.
//!
//! A task that needs only a fraction `f` of the GPU (openb's `gpu_milli`: its trace run time is
//! the time it takes holding that share) runs at the whole GPU's speed during its turns, so it
//! progresses at `min(1, (1 − c/s) / (k·f))` of its trace speed: it never runs faster than its
//! own full speed ([`TimeSlice::task_rate_for`]). A whole-GPU task (`f = 1`) gets the seed's
//! `(1/k)·(1 − c/s)`; four quarter-GPU tasks each get `1 − c/s` (97.9 % with 100 ms slices and
//! 2.1 ms switches); two quarter-GPU tasks lose nothing (the switches eat idle time).
//!
//! The rates are exact rationals of integer microseconds ([`TimeSlice::task_share`]); the
//! speed the engine uses is their one correctly rounded division ([`TimeSlice::task_rate`]),
//! so the same on every machine.

use crate::time::SimTime;

/// Why time-slicing parameters were refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TimeSliceError {
    /// A slice of zero length.
    #[error("the time slice must be longer than zero")]
    ZeroSlice,
    /// A switch as long as the slice or longer: no work would be done.
    #[error("the context switch ({switch_us} µs) must be shorter than the time slice ({slice_us} µs)")]
    SwitchTooLong {
        /// The switch, µs.
        switch_us: u64,
        /// The slice, µs.
        slice_us: u64,
    },
}

/// Slice length and context-switch cost of a time-sliced GPU.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TimeSlice {
    slice: SimTime,
    switch: SimTime,
}

impl TimeSlice {
    /// Slices of `slice` with switches of `switch` (shorter than the slice).
    pub fn new(slice: SimTime, switch: SimTime) -> Result<TimeSlice, TimeSliceError> {
        if slice == SimTime::ZERO {
            return Err(TimeSliceError::ZeroSlice);
        }
        if switch >= slice {
            return Err(TimeSliceError::SwitchTooLong {
                switch_us: switch.as_micros(),
                slice_us: slice.as_micros(),
            });
        }
        Ok(TimeSlice { slice, switch })
    }

    /// The slice length.
    pub fn slice(&self) -> SimTime {
        self.slice
    }

    /// The context-switch cost.
    pub fn switch(&self) -> SimTime {
        self.switch
    }

    /// Share of the GPU doing work with `k` tasks, as the exact fraction (numerator,
    /// denominator): `(s − c)/s` for `k ≥ 2`, `1/1` for one task, `0/1` for none.
    pub fn busy_share(&self, k: u32) -> (u64, u64) {
        match k {
            0 => (0, 1),
            1 => (1, 1),
            _ => (self.slice.as_micros() - self.switch.as_micros(), self.slice.as_micros()),
        }
    }

    /// Each task's rate, relative to running alone, with `k ≥ 1` tasks, as the exact fraction
    /// `(s − c)/(k·s)` (`1/1` for one task).
    pub fn task_share(&self, k: u32) -> (u64, u64) {
        let (num, den) = self.busy_share(k.max(1));
        (num, den * u64::from(k.max(1)))
    }

    /// Each task's rate with `k ≥ 1` tasks, `(1/k)·(1 − c/s)`, as the correctly rounded
    /// quotient of [`TimeSlice::task_share`].
    pub fn task_rate(&self, k: u32) -> f64 {
        let (num, den) = self.task_share(k);
        num as f64 / den as f64
    }

    /// The rate, relative to its trace speed, of a task holding `milli` milli-GPU (1..=1000)
    /// among `k ≥ 1` tasks: `min(1, (s − c)·1000 / (k·s·milli))`, as one correctly rounded
    /// division of exact integers; 1 for a task alone.
    pub fn task_rate_for(&self, k: u32, milli: u32) -> f64 {
        let (num, den) = self.task_share(k);
        let (num, den) = (u128::from(num) * 1000, u128::from(den) * u128::from(milli.max(1)));
        if num >= den { 1.0 } else { num as f64 / den as f64 }
    }

    /// GPU time lost to switches while `k` tasks share the GPU for `span`: `span · c/s` for
    /// `k ≥ 2`, nothing otherwise; in µs.
    pub fn lost_us(&self, k: u32, span: SimTime) -> f64 {
        if k < 2 {
            return 0.0;
        }
        span.as_micros() as f64 * self.switch.as_micros() as f64 / self.slice.as_micros() as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn us(micros: u64) -> SimTime {
        SimTime::from_micros(micros)
    }

    #[test]
    fn the_seed_question_four_tasks_100ms_slices_2_1ms_switches() {
        // By hand: a cycle is 4 × 100 ms = 400 ms with 4 switches of 2.1 ms = 8.4 ms lost, so
        // 391.6 / 400 = 0.979 of the GPU works and 0.021 is lost. Checked as exact integer
        // fractions (µs), then the f64 rate against the nearest double of 0.979 / 4 = 0.24475
        // (one correctly rounded division of exact integers gives exactly that double).
        let ts = TimeSlice::new(us(100_000), us(2_100)).unwrap();
        assert_eq!(ts.busy_share(4), (97_900, 100_000));
        let (num, den) = ts.busy_share(4);
        assert_eq!(num * 1000, 979 * den, "97.9 % works");
        assert_eq!((den - num) * 1000, 21 * den, "2.1 % lost");
        assert_eq!(ts.task_share(4), (97_900, 400_000));
        assert_eq!(ts.task_rate(4), 0.24475);
        // Per 400 ms cycle: 400 000 µs × 2 100 / 100 000 = 8 400 µs of switches.
        assert_eq!(ts.lost_us(4, us(400_000)), 8_400.0);
    }

    #[test]
    fn the_seed_question_with_200ms_slices() {
        // 200 ms slices: 2.1 / 200 = 1.05 % lost, 98.95 % works.
        let ts = TimeSlice::new(us(200_000), us(2_100)).unwrap();
        let (num, den) = ts.busy_share(4);
        assert_eq!(num * 10_000, 9_895 * den, "98.95 % works");
        assert_eq!(ts.task_rate(4), 0.247375);
    }

    #[test]
    fn a_task_alone_pays_nothing() {
        let ts = TimeSlice::new(us(10_000), us(2_100)).unwrap();
        assert_eq!(ts.task_rate(1), 1.0);
        assert_eq!(ts.lost_us(1, us(1_000_000)), 0.0);
        // Two tasks with 10 ms slices: (1/2)(1 − 0.21) = 0.395.
        assert_eq!(ts.task_share(2), (7_900, 20_000));
        assert_eq!(ts.task_rate(2), 0.395);
    }

    #[test]
    fn fractional_tasks_run_at_their_own_speed_at_most() {
        // By hand: four quarter-GPU tasks, 100 ms / 2.1 ms: (1 − 0.021) / (4 × 0.25) = 0.979.
        let ts = TimeSlice::new(us(100_000), us(2_100)).unwrap();
        assert_eq!(ts.task_rate_for(4, 250), 0.979);
        // Two quarter tasks: 0.979 / 0.5 > 1, capped: they lose nothing.
        assert_eq!(ts.task_rate_for(2, 250), 1.0);
        // Whole-GPU tasks get the seed's (1/k)(1 − c/s).
        assert_eq!(ts.task_rate_for(4, 1000), ts.task_rate(4));
        // Three tasks of half a GPU (oversubscribed): 0.979 / 1.5 = 0.65266….
        assert_eq!(ts.task_rate_for(3, 500), 97_900_000.0 / 150_000_000.0);
        assert_eq!(ts.task_rate_for(1, 100), 1.0);
    }

    #[test]
    fn nonsense_is_refused() {
        assert_eq!(
            TimeSlice::new(SimTime::ZERO, SimTime::ZERO),
            Err(TimeSliceError::ZeroSlice)
        );
        assert_eq!(
            TimeSlice::new(us(2_000), us(2_000)),
            Err(TimeSliceError::SwitchTooLong {
                switch_us: 2_000,
                slice_us: 2_000
            })
        );
    }
}

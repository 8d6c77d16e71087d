//! A sum of per-job quantities that does not depend on the order the jobs are added in.
//!
//! Jobs reach the totals as they retire: in the order they end when a run streams its rows,
//! in arrival order when it keeps them. A floating-point sum rounds after every addition, so the
//! two orders gave summaries that differed in their last digits for the same schedule. Here
//! every value is rounded once, to a multiple of 2⁻⁵², and the multiples are added as integers,
//! which is exact and so the same in any order.

/// Fixed-point units per 1.0: a value in [1, 2) keeps every bit of its `f64`, larger values
/// keep at least that absolute precision.
const SCALE: f64 = 4_503_599_627_370_496.0; // 2^52

/// A sum of `f64` values, the same whatever order they come in. It holds totals up to about
/// 3.8 × 10²² (then it stays at its bound): 10¹⁵ GPU-years in seconds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ExactSum(i128);

impl ExactSum {
    /// Adds `value`, rounded to the nearest multiple of 2⁻⁵².
    pub fn add(&mut self, value: f64) {
        // `as` saturates at the bounds of i128 (and takes NaN to 0): never a panic.
        self.0 = self.0.saturating_add((value * SCALE).round() as i128);
    }

    /// The sum, rounded once to the nearest `f64`.
    pub fn value(&self) -> f64 {
        self.0 as f64 / SCALE
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sum_of(values: impl IntoIterator<Item = f64>) -> f64 {
        let mut sum = ExactSum::default();
        values.into_iter().for_each(|v| sum.add(v));
        sum.value()
    }

    #[test]
    fn the_order_of_the_values_does_not_change_the_sum() {
        // Left to right, f64 addition gives 0.6000000000000001; right to left, 0.6.
        let values = [0.1, 0.2, 0.3];
        let naive = |v: &[f64]| v.iter().fold(0.0, |sum, x| sum + x);
        let mut reversed = values;
        reversed.reverse();
        assert_ne!(naive(&values), naive(&reversed));
        // Every order of the three gives the same bits here.
        let first = sum_of(values);
        for turn in 0..values.len() {
            let mut order = values;
            order.rotate_left(turn);
            assert_eq!(sum_of(order).to_bits(), first.to_bits());
            order.reverse();
            assert_eq!(sum_of(order).to_bits(), first.to_bits());
        }
        // A large value among small ones: left to right, 1e16 absorbs each 1.0 (the spacing of
        // f64 there is 2), so the naive sum loses them all; the exact sum keeps them.
        let values = [1e16, 1.0, 1.0, 1.0, 1.0];
        assert_eq!(naive(&values), 1e16);
        assert_eq!(sum_of(values), 1e16 + 4.0);
        assert_eq!(sum_of(values.into_iter().rev()), 1e16 + 4.0);
    }

    #[test]
    fn values_keep_their_bits_and_the_bound_holds() {
        // Slowdowns are at least 1: a value in [1, 2) is a whole number of 2^-52 units.
        let slowdown = 1.0 + f64::EPSILON * 3.0;
        assert_eq!(sum_of([slowdown]), slowdown);
        assert_eq!(sum_of([]), 0.0);
        assert_eq!(sum_of([2.5, -1.0]), 1.5);
        // Past the bound the sum stays there instead of wrapping or panicking.
        let top = i128::MAX as f64 / SCALE;
        assert_eq!(sum_of([1e30, 1e30]), top);
        assert_eq!(sum_of([f64::NAN]), 0.0);
    }
}

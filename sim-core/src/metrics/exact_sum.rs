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
        self.0 = self.0.saturating_add(units(value));
    }

    /// The sum, rounded once to the nearest `f64`.
    pub fn value(&self) -> f64 {
        self.0 as f64 / SCALE
    }
}

/// `value` in units of 2⁻⁵², rounded to the nearest, halves away from zero, saturating at the
/// bounds of `i128` and taking NaN to 0: what `(value * SCALE).round() as i128` gives, without
/// the software conversion to `i128` that costs most of a job's totals (eleven sums a job).
#[inline]
fn units(value: f64) -> i128 {
    /// 2⁵²: from here on every `f64` is a whole number.
    const WHOLE_FROM: f64 = 4_503_599_627_370_496.0;
    let scaled = value * SCALE;
    if scaled.abs() < WHOLE_FROM {
        // Both conversions are exact here, and so is the fraction the subtraction leaves.
        let truncated = scaled as i64;
        let fraction = scaled - truncated as f64;
        let rounded = truncated + i64::from(fraction >= 0.5) - i64::from(fraction <= -0.5);
        return i128::from(rounded);
    }
    if scaled.is_nan() {
        return 0;
    }
    // A whole number (or infinite): its significand shifted by its exponent.
    let bits = scaled.to_bits();
    let exponent = ((bits >> 52) & 0x7ff) as i32 - 1075;
    let significand = (bits & ((1 << 52) - 1)) | (1 << 52);
    let negative = scaled < 0.0;
    // A 53-bit significand shifted past 74 places reaches 2¹²⁷ (infinities land here too).
    if exponent > 74 {
        return if negative { i128::MIN } else { i128::MAX };
    }
    let magnitude = i128::from(significand) << exponent;
    if negative { -magnitude } else { magnitude }
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

    #[test]
    fn units_are_the_rounded_conversion() {
        // The reference is the conversion `units` replaces, by the standard library.
        let reference = |value: f64| (value * SCALE).round() as i128;
        let half = 1.0 / SCALE / 2.0;
        let edges = [
            0.0,
            -0.0,
            half,
            -half,
            3.0 * half,
            -3.0 * half,
            half * 0.999,
            1.0 + f64::EPSILON,
            0.1,
            -0.1,
            1.0 - half,
            1_023.999_999_999_999_9,
            1.0e3,
            390_091.986_7,
            -390_091.986_7,
            1.0e10,
            1.0e22,
            3.8e22,
            -3.8e22,
            1.0e300,
            f64::MAX,
            f64::MIN,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NAN,
            f64::MIN_POSITIVE,
            f64::from_bits(1),
        ];
        for value in edges {
            assert_eq!(units(value), reference(value), "{value:e}");
        }
        // Values just around 2^52 units (1.0 here), where the two paths meet.
        for step in -4i64..=4 {
            let value = 1.0 + step as f64 * f64::EPSILON / 2.0;
            assert_eq!(units(value), reference(value), "{value:e}");
            assert_eq!(units(-value), reference(-value), "{value:e}");
        }
    }

    proptest::proptest! {
        #[test]
        fn units_match_the_rounded_conversion_on_any_bits(bits: u64) {
            let value = f64::from_bits(bits);
            proptest::prop_assert_eq!(units(value), (value * SCALE).round() as i128);
        }

        #[test]
        fn units_match_the_rounded_conversion_on_halves(whole in -1_000_000_000i64..1_000_000_000, scale in 0i32..80) {
            // Halfway points a tie-breaking error would get wrong: (whole + 1/2) × 2^-scale.
            // 2^-scale, exactly, from its exponent bits.
            let power = f64::from_bits(((1023 - scale) as u64) << 52);
            let value = (whole as f64 + 0.5) * power;
            proptest::prop_assert_eq!(units(value), (value * SCALE).round() as i128);
        }
    }
}

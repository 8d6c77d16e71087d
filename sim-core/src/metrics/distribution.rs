//! The distribution of a per-job quantity (completion time, wait), for its mean and
//! nearest-rank percentiles: exact for runs of up to [`EXACT_UP_TO`] jobs, in bounded memory
//! past that, so that a replay's memory does not grow with the length of its trace.

use hdrhistogram::Histogram;

use super::exact_sum::ExactSum;
use super::stats::{mean, percentile};

/// Values kept one by one (8 bytes each, 8 MiB at most): every trace of the archives and the
/// usual synthetic runs stay under it and get exact figures.
pub const EXACT_UP_TO: usize = 1 << 20;

/// Significant decimal digits the histogram keeps past [`EXACT_UP_TO`]: a percentile is then
/// within 0.1 % of the exact one (at most one microsecond off below a millisecond).
const SIGNIFICANT_DIGITS: u8 = 3;

/// Values in seconds (≥ 0), kept exactly until there are [`EXACT_UP_TO`] of them, then folded
/// into a histogram of microseconds with three significant digits (a few hundred KiB
/// whatever the count).
#[derive(Clone, Debug, Default)]
pub struct Distribution {
    exact: Vec<f64>,
    histogram: Option<Histogram<u64>>,
    /// Sum and count of every value, for the mean once the histogram holds them (a sum the
    /// order of the values does not change, as the exact mean's sorted sum does not).
    sum: ExactSum,
    count: u64,
}

impl Distribution {
    /// Adds one value, in seconds.
    pub fn push(&mut self, seconds: f64) {
        self.sum.add(seconds);
        self.count += 1;
        match &mut self.histogram {
            Some(histogram) => record(histogram, seconds),
            None if self.exact.len() < EXACT_UP_TO => self.exact.push(seconds),
            None => {
                let mut histogram =
                    Histogram::new(SIGNIFICANT_DIGITS).expect("3 significant digits are within the histogram's range");
                for value in std::mem::take(&mut self.exact).into_iter().chain([seconds]) {
                    record(&mut histogram, value);
                }
                self.histogram = Some(histogram);
            }
        }
    }

    /// True once the values are summarised by the histogram (more than [`EXACT_UP_TO`]).
    pub fn is_approximate(&self) -> bool {
        self.histogram.is_some()
    }

    /// The mean and the nearest-rank percentiles `percents` (each in 0..=100); `None` each
    /// when there is no value. Exact up to [`EXACT_UP_TO`] values (the mean summed in
    /// ascending order); past it the mean is the exact sum over the count and each
    /// percentile the upper end of its histogram bucket.
    pub fn summarise<const N: usize>(&self, percents: [f64; N]) -> (Option<f64>, [Option<f64>; N]) {
        match &self.histogram {
            None => {
                let sorted = sorted_by_total_order(&self.exact);
                (mean(&sorted), percents.map(|p| percentile(&sorted, p)))
            }
            Some(histogram) => {
                let seconds = |p: f64| histogram.value_at_quantile(p / 100.0) as f64 / 1e6;
                (
                    Some(self.sum.value() / self.count as f64),
                    percents.map(|p| Some(seconds(p))),
                )
            }
        }
    }
}

/// `values` in the order of [`f64::total_cmp`], sorted as integers: with every bit but the sign
/// flipped in negative values, the bits of an `f64` read as an `i64` are that order (the key
/// `total_cmp` itself compares), and integers sort in about 60 % of the instructions of a
/// comparison closure. The values come back bit for bit.
fn sorted_by_total_order(values: &[f64]) -> Vec<f64> {
    // Its own inverse: the sign bit, which decides the flip, is never flipped.
    let flip = |bits: i64| bits ^ (((bits >> 63) as u64 >> 1) as i64);
    let mut keys: Vec<i64> = values.iter().map(|x| flip(x.to_bits() as i64)).collect();
    keys.sort_unstable();
    keys.into_iter().map(|key| f64::from_bits(flip(key) as u64)).collect()
}

/// Records `seconds` in a histogram of microseconds, widening its range as needed (to its
/// largest trackable value at most).
fn record(histogram: &mut Histogram<u64>, seconds: f64) {
    let micros = (seconds * 1e6).round() as u64;
    if histogram.record(micros).is_err() {
        histogram.saturating_record(micros);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_sort_in_total_order_bit_for_bit() {
        let values = [
            3.0,
            -0.0,
            f64::INFINITY,
            0.0,
            -1.5,
            1e-300,
            f64::NEG_INFINITY,
            0.0,
            -1e-300,
        ];
        let expected = [
            f64::NEG_INFINITY,
            -1.5,
            -1e-300,
            -0.0,
            0.0,
            0.0,
            1e-300,
            3.0,
            f64::INFINITY,
        ];
        let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(&sorted_by_total_order(&values)), bits(&expected));
        // The same as sorting with `total_cmp`, NaNs of either sign included.
        let mut with_nans = values.to_vec();
        with_nans.extend([f64::NAN, -f64::NAN, 2.5]);
        let mut by_total_cmp = with_nans.clone();
        by_total_cmp.sort_by(f64::total_cmp);
        assert_eq!(bits(&sorted_by_total_order(&with_nans)), bits(&by_total_cmp));
    }

    #[test]
    fn exact_values_give_the_nearest_rank_figures() {
        // 10, 20, 30, 40 (pushed out of order): mean 25; nearest rank of p50 is the 2nd value
        // (ceil(0.5 × 4) = 2), of p95 and p99 the 4th.
        let mut d = Distribution::default();
        for v in [40.0, 10.0, 30.0, 20.0] {
            d.push(v);
        }
        assert!(!d.is_approximate());
        assert_eq!(
            d.summarise([50.0, 95.0, 99.0]),
            (Some(25.0), [Some(20.0), Some(40.0), Some(40.0)])
        );
        assert_eq!(Distribution::default().summarise([50.0]), (None, [None]));
    }

    #[test]
    fn past_the_exact_limit_figures_stay_within_a_thousandth() {
        // 1, 2, …, n seconds with n = EXACT_UP_TO + 1,000: the exact mean is (n + 1) / 2 and
        // the nearest-rank p-th percentile is ceil(p/100 × n) seconds; the histogram gives the
        // upper end of that value's bucket, at most 0.1 % above it and never below.
        let n = EXACT_UP_TO + 1_000;
        let mut d = Distribution::default();
        for v in 1..=n {
            d.push(v as f64);
        }
        assert!(d.is_approximate());
        assert!(d.exact.capacity() == 0, "the exact values are let go");
        let (mean, [p50, p95, p99]) = d.summarise([50.0, 95.0, 99.0]);
        assert_eq!(mean, Some((n as f64 + 1.0) / 2.0));
        for (got, p) in [(p50, 50.0), (p95, 95.0), (p99, 99.0)] {
            let exact = (p / 100.0 * n as f64).ceil();
            let got = got.unwrap();
            assert!(got >= exact && got <= exact * 1.001, "p{p}: {got} against {exact}");
        }
    }
}

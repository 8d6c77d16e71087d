//! Per-node failure rates: a fleet where a few nodes are bad (`[faults] node_rate_sigma`).
//!
//! Each node's failure rate, and that of each of its GPUs, is the configured rate times a
//! multiplier `m = e^(σZ − σ²/2)`, Z standard normal: a lognormal of mean 1 (so the fleet's
//! expected failure count is unchanged) and median `e^(−σ²/2)` (most nodes fail less than the
//! configured rate, a few much more). The multipliers are drawn once, in node order, from the
//! run's stream `faults.node_rates`, so the same seed gives the same fleet under every policy and
//! the other failure streams are not shifted.

use crate::math;
use crate::rng::stream;

/// The failure-rate multiplier of each of `nodes` nodes for a run seeded with `seed`: lognormal
/// with mean 1 and `ln m` of standard deviation `sigma`.
pub fn node_rate_multipliers(seed: u64, nodes: usize, sigma: f64) -> Vec<f64> {
    let mut rng = stream(seed, "faults.node_rates");
    (0..nodes)
        .map(|_| math::lognormal(&mut rng, -sigma * sigma / 2.0, sigma))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn multipliers_have_mean_one_and_the_lognormal_median() {
        // σ = 1: mean 1, median e^(−½) = 0.6065. Over 100,000 nodes the mean's standard error is
        // √(e^(σ²) − 1) / √n = 1.311 / 316 = 0.0041; 0.02 is about 5 standard errors. The sample
        // median's standard error is about 1.2533 × 0.6065 / 316 = 0.0024; 0.012 is 5 of them.
        let m = node_rate_multipliers(7, 100_000, 1.0);
        let mean = m.iter().sum::<f64>() / m.len() as f64;
        assert!((mean - 1.0).abs() < 0.02, "mean {mean}");
        let mut sorted = m.clone();
        sorted.sort_by(f64::total_cmp);
        let median = sorted[sorted.len() / 2];
        assert!((median - math::exp(-0.5)).abs() < 0.012, "median {median}");
        assert_eq!(m, node_rate_multipliers(7, 100_000, 1.0), "same seed, same fleet");
    }

    #[test]
    fn sigma_zero_gives_a_uniform_fleet() {
        assert!(node_rate_multipliers(1, 10, 0.0).iter().all(|&m| m == 1.0));
    }
}

//! Random times of the failure models: time between failures (exponential or Weibull) and
//! repair time (fixed or lognormal), in seconds, drawn from a caller's seeded stream.
//!
//! Every distribution is given by its mean, as docs/models.md §5 quotes them (MTBF, MTTR): a Weibull
//! of shape `k` and mean `m` has scale `η = m ÷ Γ(1 + 1/k)`; a lognormal of median `M` and log
//! standard deviation `σ` has mean `M·e^(σ²/2)`.

use rand::Rng;
use rand_distr::{Distribution, Exp, LogNormal, Weibull};

use crate::time::SimTime;

/// Time between two failures of one unit, restarted after each repair.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Lifetime {
    /// Constant hazard: exponential with this mean, in seconds.
    Exponential {
        /// Mean time between failures, s.
        mean_s: f64,
    },
    /// Weibull: hazard decreasing over time when `shape` < 1 (infant mortality), constant at 1.
    Weibull {
        /// Shape `k`.
        shape: f64,
        /// Scale `η`, s.
        scale_s: f64,
    },
}

impl Lifetime {
    /// A Weibull of shape `shape` whose mean is `mean_s`: scale `mean_s ÷ Γ(1 + 1/shape)`.
    pub fn weibull_with_mean(mean_s: f64, shape: f64) -> Lifetime {
        Lifetime::Weibull {
            shape,
            scale_s: mean_s / gamma(1.0 + 1.0 / shape),
        }
    }

    /// The mean, s.
    pub fn mean_s(&self) -> f64 {
        match *self {
            Lifetime::Exponential { mean_s } => mean_s,
            Lifetime::Weibull { shape, scale_s } => scale_s * gamma(1.0 + 1.0 / shape),
        }
    }

    /// The variance, s²: `m²` for the exponential, `η²·(Γ(1 + 2/k) − Γ(1 + 1/k)²)` for the Weibull.
    pub fn variance_s2(&self) -> f64 {
        match *self {
            Lifetime::Exponential { mean_s } => mean_s * mean_s,
            Lifetime::Weibull { shape, scale_s } => {
                let g1 = gamma(1.0 + 1.0 / shape);
                scale_s * scale_s * (gamma(1.0 + 2.0 / shape) - g1 * g1)
            }
        }
    }

    /// One draw, s.
    pub fn sample_s(&self, rng: &mut impl Rng) -> f64 {
        match *self {
            Lifetime::Exponential { mean_s } => Exp::new(1.0 / mean_s).expect("validated: mean > 0").sample(rng),
            Lifetime::Weibull { shape, scale_s } => Weibull::new(scale_s, shape)
                .expect("validated: scale and shape > 0")
                .sample(rng),
        }
    }

    /// One draw as a duration, at least 1 µs (a unit never fails twice at one instant).
    pub fn sample(&self, rng: &mut impl Rng) -> SimTime {
        to_time(self.sample_s(rng))
    }
}

/// How long a failed unit takes to come back.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum RepairTime {
    /// Always the same time.
    Fixed(SimTime),
    /// Lognormal: `ln(repair s)` is normal with mean `ln(median_s)` and standard deviation `sigma`.
    LogNormal {
        /// Median repair time, s.
        median_s: f64,
        /// Standard deviation of the log.
        sigma: f64,
    },
}

impl RepairTime {
    /// A lognormal of log standard deviation `sigma` whose mean is `mean_s`: median
    /// `mean_s ÷ e^(σ²/2)`.
    pub fn lognormal_with_mean(mean_s: f64, sigma: f64) -> RepairTime {
        RepairTime::LogNormal {
            median_s: mean_s / (sigma * sigma / 2.0).exp(),
            sigma,
        }
    }

    /// The mean, s.
    pub fn mean_s(&self) -> f64 {
        match *self {
            RepairTime::Fixed(t) => t.as_secs_f64(),
            RepairTime::LogNormal { median_s, sigma } => median_s * (sigma * sigma / 2.0).exp(),
        }
    }

    /// One draw (a fixed time draws nothing from the stream), at least 1 µs.
    pub fn sample(&self, rng: &mut impl Rng) -> SimTime {
        match *self {
            RepairTime::Fixed(t) => t.max(SimTime(1)),
            RepairTime::LogNormal { median_s, sigma } => to_time(
                LogNormal::new(median_s.ln(), sigma)
                    .expect("validated: sigma ≥ 0")
                    .sample(rng),
            ),
        }
    }
}

/// Seconds to whole microseconds, rounded up, at least 1 µs and at most about 292,000 years.
fn to_time(seconds: f64) -> SimTime {
    SimTime((seconds * 1e6).ceil().clamp(1.0, u64::MAX as f64 / 2.0) as u64)
}

/// The gamma function Γ(x) for x > 0, by the Lanczos approximation (g = 7, 9 terms; relative
/// error below 1e-13 on the range the Weibull needs).
pub fn gamma(x: f64) -> f64 {
    const G: f64 = 7.0;
    const COEFFICIENTS: [f64; 9] = [
        0.999_999_999_999_809_9,
        676.520_368_121_885_1,
        -1_259.139_216_722_402_8,
        771.323_428_777_653_1,
        -176.615_029_162_140_6,
        12.507_343_278_686_905,
        -0.138_571_095_265_720_12,
        9.984_369_578_019_572e-6,
        1.505_632_735_149_311_6e-7,
    ];
    if x < 0.5 {
        return std::f64::consts::PI / ((std::f64::consts::PI * x).sin() * gamma(1.0 - x));
    }
    let x = x - 1.0;
    let t = x + G + 0.5;
    let sum = COEFFICIENTS[1..]
        .iter()
        .enumerate()
        .fold(COEFFICIENTS[0], |acc, (i, c)| acc + c / (x + i as f64 + 1.0));
    (2.0 * std::f64::consts::PI).sqrt() * t.powf(x + 0.5) * (-t).exp() * sum
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::stream;

    /// Sample mean and variance of `n` draws.
    fn moments(n: usize, mut draw: impl FnMut() -> f64) -> (f64, f64) {
        let values: Vec<f64> = (0..n).map(|_| draw()).collect();
        let mean = values.iter().sum::<f64>() / n as f64;
        let variance = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
        (mean, variance)
    }

    #[test]
    fn gamma_matches_known_values() {
        // Γ(1) = Γ(2) = 1, Γ(5) = 4! = 24, Γ(1/2) = √π, Γ(1 + 1/0.7) = Γ(2.428571…) = 1.265823…
        assert!((gamma(1.0) - 1.0).abs() < 1e-13);
        assert!((gamma(2.0) - 1.0).abs() < 1e-13);
        assert!((gamma(5.0) - 24.0).abs() < 1e-11);
        assert!((gamma(0.5) - std::f64::consts::PI.sqrt()).abs() < 1e-13);
        assert!((gamma(1.0 + 1.0 / 0.7) - 1.265_823_1).abs() < 1e-6);
    }

    #[test]
    fn exponential_moments_over_100k_draws() {
        // Mean 264 d = 22,809,600 s; variance = mean². The standard error of the mean over
        // n = 100,000 draws is m/√n = 0.32 % of m, so 1 % is over 3 standard errors; the
        // sample variance of an exponential has relative standard error √(8/n) = 0.9 %, so 4 %.
        let lifetime = Lifetime::Exponential {
            mean_s: 264.0 * 86_400.0,
        };
        let mut rng = stream(7, "test.exponential");
        let (mean, variance) = moments(100_000, || lifetime.sample_s(&mut rng));
        assert!((mean / lifetime.mean_s() - 1.0).abs() < 0.01, "mean {mean}");
        assert!(
            (variance / lifetime.variance_s2() - 1.0).abs() < 0.04,
            "variance {variance}"
        );
    }

    #[test]
    fn weibull_moments_over_100k_draws() {
        // Shape 0.7, mean 264 d: η = 264 d ÷ Γ(2.4286) = 208.6 d (docs/models.md §5 quotes 208 d).
        // Coefficient of variation √(Γ(1 + 2/0.7) ÷ Γ(2.4286)² − 1) = 1.46, so the mean's standard
        // error is 0.46 % (1.5 % allowed); the variance's heavier tail gets 8 %.
        let lifetime = Lifetime::weibull_with_mean(264.0 * 86_400.0, 0.7);
        let Lifetime::Weibull { scale_s, .. } = lifetime else {
            unreachable!("weibull_with_mean builds a Weibull")
        };
        assert!(
            (scale_s / 86_400.0 - 208.6).abs() < 0.1,
            "scale {} d",
            scale_s / 86_400.0
        );
        let mut rng = stream(7, "test.weibull");
        let (mean, variance) = moments(100_000, || lifetime.sample_s(&mut rng));
        assert!((mean / lifetime.mean_s() - 1.0).abs() < 0.015, "mean {mean}");
        assert!(
            (variance / lifetime.variance_s2() - 1.0).abs() < 0.08,
            "variance {variance}"
        );
    }

    #[test]
    fn lognormal_repair_mean_over_100k_draws() {
        // Median 2 h, σ 0.8: mean 2 h · e^0.32 = 2.754 h (docs/models.md: "mean ≈ 2.75 h").
        let repair = RepairTime::LogNormal {
            median_s: 7200.0,
            sigma: 0.8,
        };
        assert!((repair.mean_s() / 3600.0 - 2.754).abs() < 0.001);
        let mut rng = stream(7, "test.lognormal");
        let (mean, _) = moments(100_000, || repair.sample(&mut rng).as_secs_f64());
        assert!((mean / repair.mean_s() - 1.0).abs() < 0.01, "mean {mean}");
        assert_eq!(RepairTime::lognormal_with_mean(repair.mean_s(), 0.8), repair);
    }
}

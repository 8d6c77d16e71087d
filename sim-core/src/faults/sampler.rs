//! Random times of the failure models: time between failures (exponential or Weibull) and
//! repair time (fixed or lognormal), in seconds, drawn from a caller's seeded stream.
//!
//! Every distribution is given by its mean, as docs/models.md §5 quotes them (MTBF, MTTR): a Weibull
//! of shape `k` and mean `m` has scale `η = m ÷ Γ(1 + 1/k)`; a lognormal of median `M` and log
//! standard deviation `σ` has mean `M·e^(σ²/2)`.
//!
//! Draws use the portable math of [`crate::math`] (inversion for the exponential and the
//! Weibull, Box–Muller for the lognormal), so the same stream gives the same times on every
//! machine. Sampling is total: whatever the parameters (the enums' fields are public), a draw
//! is a duration from 1 µs to about 292,000 years, never a panic; a draw that is not a number
//! (parameters no constructor accepts, such as a scale of 0 with an infinite power) counts as
//! the shortest, 1 µs. The constructors refuse parameters whose distribution does not exist or
//! cannot be represented ([`ParameterError`]). Parameters that exist but draw lifetimes of
//! microseconds (a Weibull shape of 0.01) are the engine's progress guard's business.

use rand::Rng;

use crate::math;
use crate::time::SimTime;

/// A distribution's parameter that it cannot take.
#[derive(Clone, Copy, Debug, PartialEq, thiserror::Error)]
#[error("{name} = {value} is not accepted: {accepted}")]
pub struct ParameterError {
    /// The parameter.
    pub name: &'static str,
    /// Its value.
    pub value: f64,
    /// What would be.
    pub accepted: &'static str,
}

/// `value` if it is finite and above 0, else the error naming it.
fn positive(name: &'static str, value: f64) -> Result<f64, ParameterError> {
    if value.is_finite() && value > 0.0 {
        Ok(value)
    } else {
        Err(ParameterError {
            name,
            value,
            accepted: "give a finite number above 0",
        })
    }
}

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
    /// An exponential of mean `mean_s`, which must be finite and above 0.
    pub fn exponential(mean_s: f64) -> Result<Lifetime, ParameterError> {
        Ok(Lifetime::Exponential {
            mean_s: positive("mean", mean_s)?,
        })
    }

    /// A Weibull of shape `shape` whose mean is `mean_s` (both finite and above 0): scale
    /// `mean_s ÷ Γ(1 + 1/shape)`. Refused when that scale is not a positive number: below a
    /// shape of about 0.0058, Γ(1 + 1/shape) overflows and the scale would be 0.
    pub fn weibull_with_mean(mean_s: f64, shape: f64) -> Result<Lifetime, ParameterError> {
        let mean_s = positive("mean", mean_s)?;
        let shape = positive("shape", shape)?;
        let scale_s = mean_s / math::tgamma(1.0 + 1.0 / shape);
        if !(scale_s.is_finite() && scale_s > 0.0) {
            return Err(ParameterError {
                name: "shape",
                value: shape,
                accepted: "the scale mean ÷ Γ(1 + 1/shape) underflows to 0: give a larger shape",
            });
        }
        Ok(Lifetime::Weibull { shape, scale_s })
    }

    /// The mean, s.
    pub fn mean_s(&self) -> f64 {
        match *self {
            Lifetime::Exponential { mean_s } => mean_s,
            Lifetime::Weibull { shape, scale_s } => scale_s * math::tgamma(1.0 + 1.0 / shape),
        }
    }

    /// The variance, s²: `m²` for the exponential, `η²·(Γ(1 + 2/k) − Γ(1 + 1/k)²)` for the Weibull.
    pub fn variance_s2(&self) -> f64 {
        match *self {
            Lifetime::Exponential { mean_s } => mean_s * mean_s,
            Lifetime::Weibull { shape, scale_s } => {
                let g1 = math::tgamma(1.0 + 1.0 / shape);
                scale_s * scale_s * (math::tgamma(1.0 + 2.0 / shape) - g1 * g1)
            }
        }
    }

    /// One draw, s (one uniform from `rng`).
    pub fn sample_s(&self, rng: &mut impl Rng) -> f64 {
        match *self {
            Lifetime::Exponential { mean_s } => math::exponential(rng, mean_s),
            Lifetime::Weibull { shape, scale_s } => math::weibull(rng, scale_s, shape),
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
    /// A lognormal of log standard deviation `sigma` (finite, at least 0) whose mean is
    /// `mean_s` (finite, above 0): median `mean_s ÷ e^(σ²/2)`. Refused when that median is not
    /// a positive number (σ above about 38, where e^(σ²/2) overflows).
    pub fn lognormal_with_mean(mean_s: f64, sigma: f64) -> Result<RepairTime, ParameterError> {
        let mean_s = positive("mean", mean_s)?;
        if !(sigma.is_finite() && sigma >= 0.0) {
            return Err(ParameterError {
                name: "sigma",
                value: sigma,
                accepted: "give a finite number of at least 0",
            });
        }
        let median_s = mean_s / math::exp(sigma * sigma / 2.0);
        if !(median_s.is_finite() && median_s > 0.0) {
            return Err(ParameterError {
                name: "sigma",
                value: sigma,
                accepted: "the median mean ÷ e^(σ²/2) underflows to 0: give a smaller sigma",
            });
        }
        Ok(RepairTime::LogNormal { median_s, sigma })
    }

    /// The mean, s.
    pub fn mean_s(&self) -> f64 {
        match *self {
            RepairTime::Fixed(t) => t.as_secs_f64(),
            RepairTime::LogNormal { median_s, sigma } => median_s * math::exp(sigma * sigma / 2.0),
        }
    }

    /// One draw (a fixed time draws nothing from the stream; a lognormal, two uniforms), at
    /// least 1 µs.
    pub fn sample(&self, rng: &mut impl Rng) -> SimTime {
        match *self {
            RepairTime::Fixed(t) => t.max(SimTime(1)),
            RepairTime::LogNormal { median_s, sigma } => to_time(math::lognormal(rng, math::ln(median_s), sigma)),
        }
    }
}

/// Seconds to whole microseconds, rounded up, at least 1 µs and at most about 292,000 years
/// (half the clock, so that adding a draw to any instant of a run cannot reach its end); not a
/// number counts as 1 µs.
pub(crate) fn to_time(seconds: f64) -> SimTime {
    let micros = (seconds * 1e6).ceil();
    if micros.is_nan() {
        return SimTime(1);
    }
    SimTime(micros.clamp(1.0, u64::MAX as f64 / 2.0) as u64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::stream;

    /// Sample mean and variance of `n` draws.
    fn moments(n: usize, mut draw: impl FnMut() -> f64) -> (f64, f64) {
        let values: Vec<f64> = (0..n).map(|_| draw()).collect();
        let mean = values.iter().sum::<f64>() / n as f64;
        let variance = values.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / (n - 1) as f64;
        (mean, variance)
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
        let lifetime = Lifetime::weibull_with_mean(264.0 * 86_400.0, 0.7).unwrap();
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
        assert_eq!(RepairTime::lognormal_with_mean(repair.mean_s(), 0.8), Ok(repair));
    }

    #[test]
    fn issue_13_weibull_shapes_that_panicked_or_hung_are_refused_or_drawn_totally() {
        // Shape 0.006, mean 30 d = 2,592,000 s: the old hand-written Γ overflowed at
        // Γ(1 + 1/0.006) = Γ(167.7), the scale became 0 and rand_distr's Weibull panicked
        // (ScaleTooSmall); shape 0.01 drew lifetimes of 1 µs without end. libm's Γ(167.7) ≈
        // 10^298 is finite: the scale is about 10^-292 s. A draw η·E^(1/k), E = −ln U, reaches
        // 1 µs only for E ≥ (10^-6 ÷ η)^k ≈ 52, i.e. U < 10^-22 (shape 0.01: η = 2,592,000 ÷
        // 100! = 2.8 × 10^-152 s, E ≥ 28.5, U < 10^-12): every draw is the shortest, 1 µs. The
        // run that follows is the progress guard's to stop.
        let mut rng = stream(7, "test.tiny-shape");
        for shape in [0.006, 0.01] {
            let lifetime = Lifetime::weibull_with_mean(30.0 * 86_400.0, shape).unwrap();
            assert!((0..1000).all(|_| lifetime.sample(&mut rng) == SimTime(1)), "{shape}");
        }
        // Shape 0.005: Γ(201) overflows, the scale would be 0: refused.
        assert_eq!(
            Lifetime::weibull_with_mean(30.0 * 86_400.0, 0.005).unwrap_err().name,
            "shape"
        );
        for (mean, shape) in [
            (0.0, 1.0),
            (-1.0, 1.0),
            (f64::NAN, 1.0),
            (1.0, 0.0),
            (1.0, f64::INFINITY),
        ] {
            assert!(Lifetime::weibull_with_mean(mean, shape).is_err(), "{mean} {shape}");
        }
        assert!(Lifetime::exponential(f64::INFINITY).is_err());
        assert!(RepairTime::lognormal_with_mean(3600.0, 40.0).is_err());
        assert!(RepairTime::lognormal_with_mean(3600.0, -1.0).is_err());
    }

    #[test]
    fn draws_of_parameters_no_constructor_accepts_are_still_durations() {
        // The fields are public: a scale of 0 with a huge power (0 × ∞ = NaN), a negative mean,
        // NaN everywhere. Every draw is a duration from 1 µs to half the clock (2⁶³ µs), never a
        // panic.
        let mut rng = stream(7, "test.total");
        let odd = [
            Lifetime::Weibull {
                shape: 1e-300,
                scale_s: 0.0,
            },
            Lifetime::Weibull {
                shape: f64::NAN,
                scale_s: f64::NAN,
            },
            Lifetime::Weibull {
                shape: 0.5,
                scale_s: f64::INFINITY,
            },
            Lifetime::Exponential { mean_s: -5.0 },
            Lifetime::Exponential { mean_s: f64::NAN },
        ];
        for lifetime in odd {
            for _ in 0..100 {
                let t = lifetime.sample(&mut rng);
                assert!(t >= SimTime(1) && t.as_micros() <= 1 << 63, "{lifetime:?}: {t:?}");
            }
        }
        let repair = RepairTime::LogNormal {
            median_s: -1.0,
            sigma: f64::INFINITY,
        };
        assert!(repair.sample(&mut rng) >= SimTime(1));
    }
}

//! Job durations: lognormal fits of public traces, log-uniform, and GAVEL's mixture.

use std::str::FromStr;

use rand::RngExt;
use sim_core::math;
use sim_core::rng::Stream;

use crate::UnknownName;

/// A lognormal fit of a trace family's durations (on seconds): `μ = ln(median)`,
/// `σ = √(2·ln(mean/median))`, derived in docs/models.md §6 from InternLM/AcmeTrace
/// `data/cluster_summary.csv` (L).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DurationFit {
    /// Microsoft Philly 2017: μ 6.77, σ 2.46 (the DL default).
    Philly,
    /// SenseTime Helios: μ 5.33, σ 2.64.
    Helios,
    /// Alibaba PAI 2020: μ 6.18, σ 2.14.
    Pai,
    /// Shanghai AI Lab Acme Seren: μ 4.80, σ 2.21.
    Seren,
    /// Shanghai AI Lab Acme Kalos: μ 4.82, σ 2.15 (the LLM default).
    Kalos,
}

impl DurationFit {
    /// Every fit with its name.
    pub const ALL: [(DurationFit, &'static str); 5] = [
        (DurationFit::Philly, "philly"),
        (DurationFit::Helios, "helios"),
        (DurationFit::Pai, "pai"),
        (DurationFit::Seren, "seren"),
        (DurationFit::Kalos, "kalos"),
    ];

    /// (μ, σ) of ln(duration in seconds).
    pub fn mu_sigma(self) -> (f64, f64) {
        match self {
            DurationFit::Philly => (6.77, 2.46),
            DurationFit::Helios => (5.33, 2.64),
            DurationFit::Pai => (6.18, 2.14),
            DurationFit::Seren => (4.80, 2.21),
            DurationFit::Kalos => (4.82, 2.15),
        }
    }
}

impl FromStr for DurationFit {
    type Err = UnknownName;
    fn from_str(s: &str) -> Result<Self, UnknownName> {
        crate::error::by_name("duration fit", s, &DurationFit::ALL, "fits")
    }
}

/// How long jobs run, in seconds.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum DurationModel {
    /// ln(duration) ~ Normal(μ, σ).
    LogNormal {
        /// Mean of ln(seconds).
        mu: f64,
        /// Standard deviation of ln(seconds), > 0.
        sigma: f64,
    },
    /// ln(duration) uniform between ln(min) and ln(max).
    LogUniform {
        /// Shortest duration, seconds.
        min_s: f64,
        /// Longest duration, seconds.
        max_s: f64,
    },
    /// GAVEL's `_generate_duration` (docs/models.md §6, H): with probability 0.8, 60·10^U(1.5, 3) s;
    /// otherwise 60·10^U(3, 4) s.
    Gavel,
}

/// A [`DurationModel`] whose parameters are out of range (what the model needs is in the message).
#[derive(Clone, Copy, Debug, PartialEq, thiserror::Error)]
#[error("{}", match *.0 {
    DurationModel::LogNormal { mu, sigma } => format!("a lognormal needs a finite μ and σ > 0, got μ {mu}, σ {sigma}"),
    DurationModel::LogUniform { min_s, max_s } => format!("a log-uniform needs 0 < min ≤ max, got {min_s} s and {max_s} s"),
    DurationModel::Gavel => "GAVEL's durations have no parameters".to_string(),
})]
pub struct BadDurations(pub DurationModel);

/// GAVEL's two log-uniform ranges, in seconds, and the probability of the first.
const GAVEL_SHORT: (f64, f64) = (60.0 * 31.622_776_601_683_793, 60_000.0);
const GAVEL_LONG: (f64, f64) = (60_000.0, 600_000.0);
const GAVEL_SHORT_SHARE: f64 = 0.8;

impl DurationModel {
    /// The lognormal of a fit.
    pub fn fit(fit: DurationFit) -> DurationModel {
        let (mu, sigma) = fit.mu_sigma();
        DurationModel::LogNormal { mu, sigma }
    }

    /// Checks the parameters: the model itself, when they are out of range.
    pub fn check(&self) -> Result<(), BadDurations> {
        let bad = match *self {
            DurationModel::LogNormal { mu, sigma } => !(mu.is_finite() && sigma.is_finite() && sigma > 0.0),
            DurationModel::LogUniform { min_s, max_s } => !(min_s > 0.0 && max_s >= min_s && max_s.is_finite()),
            DurationModel::Gavel => false,
        };
        if bad { Err(BadDurations(*self)) } else { Ok(()) }
    }

    /// Expected duration, in seconds.
    pub fn mean_s(&self) -> f64 {
        match *self {
            DurationModel::LogNormal { mu, sigma } => math::exp(mu + sigma * sigma / 2.0),
            DurationModel::LogUniform { min_s, max_s } => log_uniform_mean(min_s, max_s),
            DurationModel::Gavel => {
                GAVEL_SHORT_SHARE * log_uniform_mean(GAVEL_SHORT.0, GAVEL_SHORT.1)
                    + (1.0 - GAVEL_SHORT_SHARE) * log_uniform_mean(GAVEL_LONG.0, GAVEL_LONG.1)
            }
        }
    }

    /// Draws one duration, in seconds.
    pub fn draw(&self, stream: &mut Stream) -> f64 {
        match *self {
            DurationModel::LogNormal { mu, sigma } => math::lognormal(stream, mu, sigma),
            DurationModel::LogUniform { min_s, max_s } => log_uniform(stream, min_s, max_s),
            DurationModel::Gavel => {
                let (low, high) = if stream.random::<f64>() < GAVEL_SHORT_SHARE {
                    GAVEL_SHORT
                } else {
                    GAVEL_LONG
                };
                log_uniform(stream, low, high)
            }
        }
    }
}

/// Mean of a log-uniform variable on [a, b]: (b − a) / ln(b / a) (a when a = b).
fn log_uniform_mean(a: f64, b: f64) -> f64 {
    if a == b { a } else { (b - a) / math::ln(b / a) }
}

fn log_uniform(stream: &mut Stream, a: f64, b: f64) -> f64 {
    math::exp(math::ln(a) + stream.random::<f64>() * math::ln(b / a))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn means_by_hand() {
        // Philly: exp(6.77 + 2.46² / 2) = exp(9.7958) ≈ 17,970 s.
        let philly = DurationModel::fit(DurationFit::Philly).mean_s();
        assert!((philly - math::exp(9.7958)).abs() < 1e-6 * philly);
        // Log-uniform on [1, e]: (e − 1) / 1.
        let lu = DurationModel::LogUniform {
            min_s: 1.0,
            max_s: std::f64::consts::E,
        }
        .mean_s();
        assert!((lu - (std::f64::consts::E - 1.0)).abs() < 1e-12);
        assert!(DurationModel::LogNormal { mu: 1.0, sigma: 0.0 }.check().is_err());
        assert_eq!("kalos".parse::<DurationFit>(), Ok(DurationFit::Kalos));
    }
}

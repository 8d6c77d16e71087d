//! Arrival times: a Poisson process, optionally shaped by a daily cycle and quieter weekends
//! (docs/models.md §6), sampled by thinning.

use std::f64::consts::PI;

use rand::RngExt;
use sim_core::math;
use sim_core::rng::Stream;

const DAY_S: f64 = 86_400.0;

/// A daily cycle: `λ(t) = λ0·(1 + A·sin(2π(t − φ)/24 h))`, peaking at `φ + 6 h`, times
/// `weekend_factor` on days 6 and 7 of each week (time 0 is a Monday, 00:00).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Diurnal {
    /// Amplitude A in [0, 1]: 0.3–0.5 in HELIOS and PAI (docs/models.md §6, L).
    pub amplitude: f64,
    /// Hour of the day with the most arrivals, in seconds after midnight (14:00 by default).
    pub peak_s: f64,
    /// Rate on Saturdays and Sundays relative to weekdays (0.6 by default).
    pub weekend_factor: f64,
}

impl Diurnal {
    /// docs/models.md §6 defaults: A = 0.4 (the middle of 0.3–0.5), peak at 14:00, weekends × 0.6.
    pub const DEFAULT: Diurnal = Diurnal {
        amplitude: 0.4,
        peak_s: 14.0 * 3600.0,
        weekend_factor: 0.6,
    };

    /// The rate at `t` relative to λ0.
    fn shape(&self, t: f64) -> f64 {
        let phase = self.peak_s - DAY_S / 4.0;
        let day = (t / DAY_S).floor() as u64 % 7;
        let week = if day >= 5 { self.weekend_factor } else { 1.0 };
        (1.0 + self.amplitude * math::sin(2.0 * PI * (t - phase) / DAY_S)) * week
    }

    /// The mean of [`Diurnal::shape`] over a week (the sine averages out over each day).
    fn mean_shape(&self) -> f64 {
        (5.0 + 2.0 * self.weekend_factor) / 7.0
    }

    /// The largest value of [`Diurnal::shape`].
    fn max_shape(&self) -> f64 {
        (1.0 + self.amplitude) * self.weekend_factor.max(1.0)
    }

    /// Checks the parameters.
    pub fn check(&self) -> Result<(), BadDiurnal> {
        if !(0.0..=1.0).contains(&self.amplitude) {
            return Err(BadDiurnal::Amplitude(self.amplitude));
        }
        if !(self.weekend_factor.is_finite() && self.weekend_factor > 0.0) {
            return Err(BadDiurnal::WeekendFactor(self.weekend_factor));
        }
        Ok(())
    }
}

/// A [`Diurnal`] parameter out of range, with its value.
#[derive(Clone, Copy, Debug, PartialEq, thiserror::Error)]
pub enum BadDiurnal {
    /// The amplitude is outside [0, 1].
    #[error("the amplitude must be between 0 and 1, got {0}")]
    Amplitude(f64),
    /// The weekend factor is not a number above 0.
    #[error("the weekend factor must be > 0, got {0}")]
    WeekendFactor(f64),
}

/// Arrival process with a long-run mean rate of `rate_per_s` jobs per second.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Arrivals {
    /// Long-run mean arrivals per second (> 0).
    pub rate_per_s: f64,
    /// The daily cycle, if any; without it arrivals are a homogeneous Poisson process.
    pub diurnal: Option<Diurnal>,
}

impl Arrivals {
    /// The next arrival after `now` (seconds): candidates at the peak rate from `gaps`,
    /// each kept with probability λ(t) ÷ peak, drawn from `thinning`.
    pub fn next(&self, now: f64, gaps: &mut Stream, thinning: &mut Stream) -> f64 {
        let Some(diurnal) = self.diurnal else {
            return now + exp_gap(self.rate_per_s, gaps);
        };
        let base = self.rate_per_s / diurnal.mean_shape();
        let peak = base * diurnal.max_shape();
        let mut t = now;
        loop {
            t += exp_gap(peak, gaps);
            if thinning.random::<f64>() * diurnal.max_shape() < diurnal.shape(t) {
                return t;
            }
        }
    }
}

/// An exponential gap between arrivals at `rate` per second (checked > 0 when the generator
/// is built), drawn by inversion ([`math::exponential`]).
fn exp_gap(rate: f64, stream: &mut Stream) -> f64 {
    math::exponential(stream, 1.0 / rate)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cycle_peaks_at_the_peak_hour_and_rests_at_weekends() {
        let d = Diurnal::DEFAULT;
        assert!((d.shape(14.0 * 3600.0) - 1.4).abs() < 1e-12, "Monday 14:00: 1 + A");
        assert!((d.shape(2.0 * 3600.0) - 0.6).abs() < 1e-12, "Monday 02:00: 1 − A");
        assert!(
            (d.shape(5.0 * DAY_S + 14.0 * 3600.0) - 1.4 * 0.6).abs() < 1e-12,
            "Saturday"
        );
        assert!(
            (d.shape(7.0 * DAY_S + 14.0 * 3600.0) - 1.4).abs() < 1e-12,
            "next Monday"
        );
        assert!((d.mean_shape() - 6.2 / 7.0).abs() < 1e-12);
    }
}

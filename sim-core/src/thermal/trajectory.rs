//! Closed-form temperature trajectories between events, and exact threshold crossing times.
//!
//! A node's GPU temperature follows `τ·dT/dt = T_in(t) + H − T` (first-order RC, docs/models.md §3:
//! `H = R·P` is the rise above inlet at steady state). Its rack's inlet either relaxes towards
//! the supply temperature with the room time constant `τ_r` (cooling keeps up) or rises linearly
//! at `k` K/s (the rack's heat exceeds its cooling). Both give closed forms:
//!
//! - relaxing inlet `T_in = A + (I₀ − A)·e^(−t/τ_r)`:
//!   `T(t) = A + H + K·e^(−t/τ_r) + (T₀ − A − H − K)·e^(−t/τ)`, `K = (I₀ − A)·τ_r/(τ_r − τ)`;
//! - ramping inlet `T_in = I₀ + k·t`:
//!   `T(t) = I₀ + H + k·(t − τ) + (T₀ − I₀ − H + k·τ)·e^(−t/τ)`.
//!
//! Each has at most one turning point, found analytically, so a threshold crossing is bracketed
//! exactly and found by bisection on whole microseconds (the crossing event is never early).

use crate::math;

/// How a rack's inlet temperature evolves from its anchor.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Inlet {
    /// Relaxes from `start_c` towards `target_c` with time constant `tau_s`.
    Relax {
        /// Inlet at the anchor, °C.
        start_c: f64,
        /// Asymptote, °C.
        target_c: f64,
        /// Time constant, s.
        tau_s: f64,
    },
    /// Rises from `start_c` at `rate_c_per_s`.
    Ramp {
        /// Inlet at the anchor, °C.
        start_c: f64,
        /// Slope, K/s.
        rate_c_per_s: f64,
    },
}

impl Inlet {
    /// Inlet temperature `t` seconds after the anchor.
    pub fn at(&self, t: f64) -> f64 {
        match *self {
            Inlet::Relax {
                start_c,
                target_c,
                tau_s,
            } => target_c + (start_c - target_c) * math::exp(-t / tau_s),
            Inlet::Ramp { start_c, rate_c_per_s } => start_c + rate_c_per_s * t,
        }
    }
}

/// A node's temperature trajectory from an anchor.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Trajectory {
    /// Node temperature at the anchor, °C.
    pub start_c: f64,
    /// Steady rise above inlet, `R·P`, K.
    pub heat_k: f64,
    /// Node time constant, s.
    pub tau_s: f64,
    /// The rack inlet.
    pub inlet: Inlet,
}

/// A trajectory written as `T(t) = base + slope·t + fast·e^(−t/τ_fast) + node·e^(−t/τ)`.
struct Terms {
    base: f64,
    slope: f64,
    fast: f64,
    tau_fast: f64,
    node: f64,
    tau: f64,
}

impl Trajectory {
    /// The closed form's terms (see the module documentation).
    fn terms(&self) -> Terms {
        let tau = self.tau_s;
        match self.inlet {
            Inlet::Relax {
                start_c: i0,
                target_c: a,
                tau_s: tau_r,
            } => {
                let tau_r = separate(tau_r, tau);
                let k = (i0 - a) * tau_r / (tau_r - tau);
                Terms {
                    base: a + self.heat_k,
                    slope: 0.0,
                    fast: k,
                    tau_fast: tau_r,
                    node: self.start_c - a - self.heat_k - k,
                    tau,
                }
            }
            Inlet::Ramp {
                start_c: i0,
                rate_c_per_s: k,
            } => Terms {
                base: i0 + self.heat_k - k * tau,
                slope: k,
                fast: 0.0,
                tau_fast: tau,
                node: self.start_c - i0 - self.heat_k + k * tau,
                tau,
            },
        }
    }

    /// Temperature `t` seconds after the anchor.
    pub fn at(&self, t: f64) -> f64 {
        let c = self.terms();
        c.base + c.slope * t + c.fast * math::exp(-t / c.tau_fast) + c.node * math::exp(-t / c.tau)
    }

    /// The highest temperature over the first `span_s` seconds after the anchor (the turning
    /// point is the only place inside the span where it can peak).
    pub fn max_over(&self, span_s: f64) -> f64 {
        let ends = self.start_c.max(self.at(span_s));
        match self.turning_point() {
            Some(turn) if turn < span_s => ends.max(self.at(turn)),
            _ => ends,
        }
    }

    /// The time (s after the anchor) of the trajectory's turning point, if it has one after 0.
    /// `T' = slope − (fast/τ_fast)·e^(−t/τ_fast) − (node/τ)·e^(−t/τ)`, and one of `slope` and
    /// `fast` is always zero, so `T' = 0` solves in closed form.
    fn turning_point(&self) -> Option<f64> {
        let c = self.terms();
        let t = if c.fast == 0.0 {
            // slope = (node/τ)·e^(−t/τ).
            let ratio = c.slope * c.tau / c.node;
            (ratio > 0.0 && ratio < 1.0).then(|| -c.tau * math::ln(ratio))?
        } else {
            // (fast/τ_fast)·e^(−t/τ_fast) = −(node/τ)·e^(−t/τ).
            let ratio = -c.node * c.tau_fast / (c.fast * c.tau);
            (ratio > 0.0).then(|| math::ln(ratio) / (1.0 / c.tau - 1.0 / c.tau_fast))?
        };
        (t.is_finite() && t > 0.0).then_some(t)
    }

    /// Rate of change at the anchor, K/s.
    fn initial_slope(&self) -> f64 {
        let inlet = match self.inlet {
            Inlet::Relax { start_c, .. } | Inlet::Ramp { start_c, .. } => start_c,
        };
        (inlet + self.heat_k - self.start_c) / self.tau_s
    }

    /// The first whole microsecond within `[0, horizon_us]` after the anchor at which the
    /// temperature is at or above `threshold_c` (`rising`) or at or below it (falling). If it
    /// already is at the anchor: 0, unless it is moving away from the threshold, in which case
    /// the answer is its return (after its turning point), if any.
    pub fn crossing_us(&self, threshold_c: f64, rising: bool, horizon_us: u64) -> Option<u64> {
        let reached = |us: u64| {
            let temp = self.at(us as f64 * 1e-6);
            if rising {
                temp >= threshold_c
            } else {
                temp <= threshold_c
            }
        };
        let turn_us = self
            .turning_point()
            .map(|turn| (turn * 1e6) as u64)
            .filter(|&t| t > 0 && t < horizon_us);
        let mut points = vec![0u64];
        if reached(0) {
            let moving_away = if rising {
                self.initial_slope() < 0.0
            } else {
                self.initial_slope() > 0.0
            };
            match turn_us {
                Some(turn) if moving_away && !reached(turn) => points = vec![turn],
                _ if moving_away => return None,
                _ => return Some(0),
            }
        } else if let Some(turn) = turn_us {
            points.push(turn);
        }
        points.push(horizon_us);
        for pair in points.windows(2) {
            let (mut lo, mut hi) = (pair[0], pair[1]);
            if !reached(hi) {
                continue;
            }
            while hi - lo > 1 {
                let mid = lo + (hi - lo) / 2;
                if reached(mid) { hi = mid } else { lo = mid }
            }
            return Some(hi);
        }
        None
    }
}

/// Keeps the two time constants apart so the relaxation formula stays defined (equal
/// constants are nudged by one part in a million, far below any measurable effect).
fn separate(tau_r: f64, tau: f64) -> f64 {
    if (tau_r - tau).abs() < 1e-9 * tau.max(1.0) {
        tau * (1.0 + 1e-6)
    } else {
        tau_r
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Numerical integration of τ·dT/dt = T_in(t) + H − T with small explicit steps, an
    /// independent check of the closed forms.
    fn integrate(traj: &Trajectory, t_end: f64) -> f64 {
        let dt = 1e-3;
        let mut temp = traj.start_c;
        let steps = (t_end / dt).round() as usize;
        for i in 0..steps {
            let t = i as f64 * dt;
            // Midpoint (RK2) step.
            let f = |t: f64, temp: f64| (traj.inlet.at(t) + traj.heat_k - temp) / traj.tau_s;
            let k1 = f(t, temp);
            let k2 = f(t + dt / 2.0, temp + k1 * dt / 2.0);
            temp += k2 * dt;
        }
        temp
    }

    #[test]
    fn closed_forms_match_integration() {
        let relax = Trajectory {
            start_c: 30.0,
            heat_k: 40.0,
            tau_s: 30.0,
            inlet: Inlet::Relax {
                start_c: 40.0,
                target_c: 24.0,
                tau_s: 300.0,
            },
        };
        let ramp = Trajectory {
            inlet: Inlet::Ramp {
                start_c: 24.0,
                rate_c_per_s: 0.01,
            },
            ..relax
        };
        for t in [1.0, 10.0, 60.0, 200.0] {
            assert!((relax.at(t) - integrate(&relax, t)).abs() < 1e-6, "relax at {t}");
            assert!((ramp.at(t) - integrate(&ramp, t)).abs() < 1e-6, "ramp at {t}");
        }
    }

    #[test]
    fn a_constant_inlet_gives_the_textbook_crossing() {
        // Inlet fixed at 24 °C (relaxing from 24 to 24), H = 40 K, T₀ = 24: T = 64 − 40·e^(−t/30).
        // Crossing 60 °C: t = 30·ln(40/4) = 69.0776 s (docs/models.md §3: t = τ·ln((T₀−T_ss)/(T_x−T_ss))).
        let traj = Trajectory {
            start_c: 24.0,
            heat_k: 40.0,
            tau_s: 30.0,
            inlet: Inlet::Relax {
                start_c: 24.0,
                target_c: 24.0,
                tau_s: 300.0,
            },
        };
        let exact_us = 30.0 * math::ln(40.0 / 4.0) * 1e6;
        let us = traj.crossing_us(60.0, true, 3_600_000_000).unwrap();
        assert_eq!(us, exact_us.ceil() as u64);
        assert_eq!(
            traj.crossing_us(65.0, true, 3_600_000_000),
            None,
            "64 °C is never exceeded"
        );
        assert_eq!(traj.crossing_us(20.0, false, 3_600_000_000), None);
        assert_eq!(
            traj.crossing_us(24.0, false, 3_600_000_000),
            None,
            "at 24 °C and rising for good"
        );
        assert_eq!(traj.crossing_us(20.0, true, 3_600_000_000), Some(0), "already above");
    }

    #[test]
    fn a_trajectory_that_turns_back_crosses_only_on_its_way_up() {
        // Hot inlet relaxing: starts 24 °C node, inlet 60 → 24 over 300 s, H = 10.
        // The node warms towards the inlet, peaks, then cools to 34 °C.
        let traj = Trajectory {
            start_c: 24.0,
            heat_k: 10.0,
            tau_s: 30.0,
            inlet: Inlet::Relax {
                start_c: 60.0,
                target_c: 24.0,
                tau_s: 300.0,
            },
        };
        let turn = traj.turning_point().unwrap();
        let peak = traj.at(turn);
        assert!(peak > traj.at(turn - 1.0) && peak > traj.at(turn + 1.0));
        assert_eq!(traj.max_over(turn * 2.0), peak);
        assert_eq!(
            traj.max_over(turn / 2.0),
            traj.at(turn / 2.0),
            "still rising over the first half"
        );
        let up = traj.crossing_us(peak - 1.0, true, 10_000_000_000).unwrap();
        assert!((up as f64) < turn * 1e6);
        assert_eq!(traj.crossing_us(peak + 0.1, true, 10_000_000_000), None);
        let down = traj.crossing_us(40.0, false, 10_000_000_000).unwrap();
        assert!(down as f64 > turn * 1e6 && (traj.at(down as f64 * 1e-6) - 40.0).abs() < 1e-4);
    }

    #[test]
    fn a_trajectory_above_a_threshold_and_falling_reports_its_return() {
        // Freshly capped: at 85 °C with a steady state of 83 under an inlet ramping 0.01 K/s;
        // it first falls (T' = (I₀ + H − T₀)/τ < 0) and comes back above 85 later.
        let traj = Trajectory {
            start_c: 85.0,
            heat_k: 40.0,
            tau_s: 30.0,
            inlet: Inlet::Ramp {
                start_c: 43.0,
                rate_c_per_s: 0.01,
            },
        };
        let back = traj.crossing_us(85.0, true, 10_000_000_000).unwrap();
        assert!(back > traj.turning_point().unwrap() as u64 * 1_000_000);
        assert!((traj.at(back as f64 * 1e-6) - 85.0).abs() < 1e-6);
        // Rising through a threshold it already exceeds: due now.
        let rising = Trajectory { start_c: 70.0, ..traj };
        assert_eq!(rising.crossing_us(60.0, true, 10_000_000_000), Some(0));
    }
}

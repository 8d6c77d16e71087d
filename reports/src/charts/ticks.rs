//! Axis ticks: round steps (1, 2, 2.5 or 5 × a power of ten, or a time unit's own steps) and
//! labels printed at the precision the step needs, so that no two ticks of an axis read alike.

/// Steps of a numeric axis, as multiples of a power of ten.
const DECIMAL_STEPS: [f64; 4] = [1.0, 2.0, 2.5, 5.0];

/// The ticks of one axis: positions and their labels, in ascending order.
#[derive(Clone, Debug, PartialEq)]
pub struct Ticks {
    /// The distance between neighbouring ticks.
    pub step: f64,
    /// Tick positions, from the axis's low end to its high end.
    pub values: Vec<f64>,
    /// The label of each position.
    pub labels: Vec<String>,
}

/// The smallest step of the form `m × 10^k` (`m` in `multiples`) at least `raw`.
fn decimal_step(raw: f64, multiples: &[f64]) -> f64 {
    let power = 10f64.powf(raw.log10().floor());
    multiples
        .iter()
        .map(|m| m * power)
        .chain(std::iter::once(10.0 * power))
        .find(|&step| step >= raw * (1.0 - 1e-9))
        .unwrap_or(10.0 * power)
}

/// A round step that puts about `count` intervals on `[low, high]`: the first of `preferred`
/// at least the raw step, else a 1–2–2.5–5 step.
pub fn nice_step(low: f64, high: f64, count: usize, preferred: &[f64]) -> f64 {
    let span = (high - low).abs();
    let raw = if span > 0.0 {
        span / count.max(1) as f64
    } else {
        low.abs().max(1.0)
    };
    preferred
        .iter()
        .copied()
        .find(|&step| step >= raw * (1.0 - 1e-9))
        .unwrap_or_else(|| decimal_step(raw, &DECIMAL_STEPS))
}

/// The range `[low, high]` widened to whole steps, and the ticks on it.
pub fn ticks(low: f64, high: f64, count: usize, preferred: &[f64]) -> Ticks {
    let (low, high) = if high > low {
        (low, high)
    } else if low == 0.0 {
        (0.0, 1.0)
    } else {
        (low - low.abs() * 0.5, high + high.abs() * 0.5)
    };
    let step = nice_step(low, high, count, preferred);
    // The tolerance keeps a bound that is a whole step (0.98 = 49 × 0.02) from rounding away.
    let first = (low / step + 1e-9).floor() as i64;
    let last = (high / step - 1e-9).ceil() as i64;
    let values: Vec<f64> = (first..=last).map(|k| k as f64 * step).collect();
    let labels = labels(&values, step);
    Ticks { step, values, labels }
}

/// Decimals needed to print multiples of `step` exactly (0 for whole steps, 1 for 0.5, 2 for 0.25).
pub fn decimals(step: f64) -> usize {
    (0..=12)
        .find(|&d| {
            let scaled = step.abs() * 10f64.powi(d as i32);
            scaled >= 1.0 - 1e-9 && (scaled - scaled.round()).abs() < 1e-6 * scaled
        })
        .unwrap_or(12)
}

/// Labels of ticks `step` apart: in thousands (`k`), millions (`M`) or billions (`G`) when
/// the largest tick reaches ten thousand, at the precision of the step in those units; zero
/// reads `0`.
pub fn labels(values: &[f64], step: f64) -> Vec<String> {
    let largest = values.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    let (scale, suffix) = if largest >= 1e10 {
        (1e9, "G")
    } else if largest >= 1e7 {
        (1e6, "M")
    } else if largest >= 1e4 {
        (1e3, "k")
    } else {
        (1.0, "")
    };
    let places = decimals(step / scale);
    values
        .iter()
        .map(|v| {
            let text = format!("{:.places$}", v / scale);
            if text.trim_start_matches('-').chars().all(|c| c == '0' || c == '.') {
                "0".to_string()
            } else {
                format!("{text}{suffix}")
            }
        })
        .collect()
}

/// Ticks of a log₁₀ axis over `[low, high]` (exponents): one per power of ten, labelled with
/// the value (`0.01`, `1`, `100`, `10k`).
pub fn log_ticks(low: f64, high: f64) -> Ticks {
    let first = low.floor() as i32;
    let last = (high.ceil() as i32).max(first + 1);
    let values: Vec<f64> = (first..=last).map(f64::from).collect();
    let labels = values
        .iter()
        .map(|&e| {
            let value = 10f64.powf(e);
            labels(&[value], value).remove(0)
        })
        .collect();
    Ticks {
        step: 1.0,
        values,
        labels,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn distinct(labels: &[String]) -> bool {
        labels.iter().enumerate().all(|(i, l)| !labels[..i].contains(l))
    }

    #[test]
    fn steps_are_round_and_labels_follow_the_step() {
        // 0–1 in about 5 intervals: raw step 0.2 → 0.2; six ticks, one decimal each.
        let t = ticks(0.0, 1.0, 5, &[]);
        assert_eq!(t.labels, ["0", "0.2", "0.4", "0.6", "0.8", "1.0"]);
        // A 0.4 % difference around 23,700 (the old axis printed "23.7k" three times): raw step
        // 100 ÷ 5 = 20 → 20; in thousands that is 0.02, so two decimals.
        let t = ticks(23_650.0, 23_750.0, 5, &[]);
        assert_eq!(t.step, 20.0);
        assert_eq!(
            t.labels,
            ["23.64k", "23.66k", "23.68k", "23.70k", "23.72k", "23.74k", "23.76k"]
        );
        // CDF fractions near 1 (the old labels read "1 1 1 1.1 1.1"): span 0.1 ÷ 5 = 0.02.
        let t = ticks(0.98, 1.08, 5, &[]);
        assert_eq!(t.labels, ["0.98", "1.00", "1.02", "1.04", "1.06", "1.08"]);
        // A step of 2.5 needs one decimal.
        assert_eq!(decimals(2.5), 1);
        assert_eq!(decimals(0.25), 2);
        assert_eq!(decimals(500.0), 0);
    }

    #[test]
    fn labels_are_distinct_for_any_range() {
        // Ranges from tiny to huge spans at many offsets: every axis must read without repeats.
        for low_exp in -6..10 {
            for span_exp in -4..8 {
                for offset in [0.0, 0.3, 1.0, 7.7, 23.7, 99.9] {
                    let low = offset * 10f64.powi(low_exp);
                    let high = low + 10f64.powi(span_exp) * 1.37;
                    // Spans below a millionth of the values are flat to the charts (a note, not
                    // an axis), and beyond what f64 tick arithmetic resolves.
                    if high - low < 1e-6 * low.abs() {
                        continue;
                    }
                    for count in [4, 6, 8] {
                        let t = ticks(low, high, count, &[]);
                        assert!(distinct(&t.labels), "{low}..{high}: {:?}", t.labels);
                        let slack = t.step * 1e-3;
                        assert!(
                            t.values[0] <= low + slack && *t.values.last().unwrap() >= high - slack,
                            "{low}..{high}: {:?}",
                            t.values
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn a_flat_range_still_gets_an_axis_and_negative_zero_reads_zero() {
        assert_eq!(ticks(0.0, 0.0, 5, &[]).labels, ["0", "0.2", "0.4", "0.6", "0.8", "1.0"]);
        assert_eq!(labels(&[-0.0001], 0.1), ["0"]);
        assert_eq!(labels(&[-1.0], 1.0), ["-1"]);
    }

    #[test]
    fn preferred_steps_come_first() {
        // 0–72 h in about 6 intervals: raw 12 → the hour steps offer 12.
        let hours = [1.0, 2.0, 3.0, 6.0, 12.0, 24.0, 48.0];
        assert_eq!(ticks(0.0, 72.0, 6, &hours).step, 12.0);
        // Past the list: 1–2–2.5–5 steps (0–2,000 h → 500).
        assert_eq!(ticks(0.0, 2000.0, 6, &hours).step, 500.0);
    }

    #[test]
    fn log_ticks_are_powers_of_ten() {
        let t = log_ticks(-1.2, 3.5);
        assert_eq!(t.labels, ["0.01", "0.1", "1", "10", "100", "1000", "10k"]);
    }
}

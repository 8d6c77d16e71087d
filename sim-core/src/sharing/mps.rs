//! MPS (CUDA Multi-Process Service): co-located tasks run at the same time on one GPU, each on
//! its share of the streaming multiprocessors, without isolation, so they slow each other down.
//!
//! A task's fraction (`gpu_milli`) is its share of the GPU and of the GPU's memory; the
//! cluster's milli-GPU accounting already keeps the shares of one device at or below 1000, so
//! memory capacity is enforced by construction. With `k` tasks on the device each runs at
//! `1 / (1 + α·(k − 1))` of its solo rate, `α` the model's interference factor; one task alone
//! runs at full speed.
//!
//! **The default `α = 0.1` is an assumption**, not a measurement: published co-location
//! studies report anything from gains to about 30 % slowdown under memory contention,
//! depending on the pair of workloads. It is a per-GPU-model knob.

/// The assumed interference factor when a scenario does not set one.
pub const DEFAULT_INTERFERENCE: f64 = 0.1;

/// Interference of co-located MPS tasks on one GPU model.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Mps {
    interference: f64,
}

/// Why an interference factor was refused.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("the MPS interference factor must be a finite number ≥ 0, got {0}")]
pub struct MpsError(pub f64);

impl Default for Mps {
    /// The assumed [`DEFAULT_INTERFERENCE`].
    fn default() -> Mps {
        Mps {
            interference: DEFAULT_INTERFERENCE,
        }
    }
}

impl Mps {
    /// Interference factor `α ≥ 0` (0: co-located tasks do not slow each other).
    pub fn new(interference: f64) -> Result<Mps, MpsError> {
        if !interference.is_finite() || interference < 0.0 {
            return Err(MpsError(interference));
        }
        Ok(Mps { interference })
    }

    /// The interference factor.
    pub fn interference(&self) -> f64 {
        self.interference
    }

    /// Each task's rate with `k` tasks on the device: `1 / (1 + α·(k − 1))`, 1 for `k ≤ 1`.
    pub fn task_rate(&self, k: u32) -> f64 {
        if k <= 1 {
            return 1.0;
        }
        1.0 / (1.0 + self.interference * f64::from(k - 1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_fall_with_co_located_tasks() {
        let mps = Mps::default();
        assert_eq!(mps.task_rate(1), 1.0);
        // By hand: 1 / (1 + 0.1 × 3) = 1 / 1.3.
        assert_eq!(mps.task_rate(4), 1.0 / 1.3);
        let free = Mps::new(0.0).unwrap();
        assert_eq!(free.task_rate(7), 1.0);
        // α = 0.25, two tasks: 1 / 1.25 = 0.8 exactly.
        assert_eq!(Mps::new(0.25).unwrap().task_rate(2), 0.8);
        assert_eq!(Mps::new(-0.1), Err(MpsError(-0.1)));
        assert!(Mps::new(f64::NAN).is_err());
    }
}

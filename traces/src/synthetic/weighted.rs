//! Weighted choice among named values (users, queues, priorities, size buckets).

use rand::RngExt;
use sim_core::rng::Stream;

/// Why weights cannot make a choice.
#[derive(Clone, Copy, Debug, PartialEq, thiserror::Error)]
pub enum WeightError {
    /// A weight below 0, or not finite.
    #[error("weights must be numbers ≥ 0, got {0}")]
    Invalid(f64),
    /// Every weight is 0 (or there are none): nothing could be drawn.
    #[error("the weights must not all be 0")]
    AllZero,
}

/// Values with non-negative weights; draws pick each with probability weight ÷ total.
#[derive(Clone, Debug, PartialEq)]
pub struct Weighted<T> {
    values: Vec<T>,
    cumulative: Vec<f64>,
}

impl<T> Weighted<T> {
    /// Builds the choice from (value, weight) pairs, in the given order; refuses negative or
    /// non-finite weights and an all-zero total.
    pub fn new(entries: Vec<(T, f64)>) -> Result<Weighted<T>, WeightError> {
        let mut total = 0.0;
        let mut values = Vec::with_capacity(entries.len());
        let mut cumulative = Vec::with_capacity(entries.len());
        for (value, weight) in entries {
            if !weight.is_finite() || weight < 0.0 {
                return Err(WeightError::Invalid(weight));
            }
            total += weight;
            values.push(value);
            cumulative.push(total);
        }
        if total <= 0.0 {
            return Err(WeightError::AllZero);
        }
        Ok(Weighted { values, cumulative })
    }

    /// A single value, always drawn.
    pub fn only(value: T) -> Weighted<T> {
        Weighted {
            values: vec![value],
            cumulative: vec![1.0],
        }
    }

    /// Each value with its probability.
    pub fn probabilities(&self) -> impl Iterator<Item = (&T, f64)> {
        let total = self.total();
        let mut previous = 0.0;
        self.values.iter().zip(&self.cumulative).map(move |(v, &c)| {
            let p = (c - previous) / total;
            previous = c;
            (v, p)
        })
    }

    /// Draws one value (one uniform number from `stream`).
    pub fn draw(&self, stream: &mut Stream) -> &T {
        let u = stream.random::<f64>() * self.total();
        let i = self.cumulative.partition_point(|&c| c <= u);
        &self.values[i.min(self.values.len() - 1)]
    }

    fn total(&self) -> f64 {
        self.cumulative.last().copied().unwrap_or(1.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn probabilities_follow_the_weights() {
        let w = Weighted::new(vec![("a", 3.0), ("b", 0.0), ("c", 1.0)]).unwrap();
        let p: Vec<(&&str, f64)> = w.probabilities().collect();
        assert_eq!(p, vec![(&"a", 0.75), (&"b", 0.0), (&"c", 0.25)]);
        let mut stream = sim_core::rng::stream(1, "test");
        assert!(
            (0..1000).all(|_| *w.draw(&mut stream) != "b"),
            "a zero weight is never drawn"
        );
        assert_eq!(Weighted::new(vec![("a", -1.0)]), Err(WeightError::Invalid(-1.0)));
        assert_eq!(Weighted::new(vec![("a", 0.0)]), Err(WeightError::AllZero));
    }
}

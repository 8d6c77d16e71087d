//! Small statistics used by the summary.

/// Nearest-rank percentile (`p` in 0..=100) of `sorted` (ascending): the smallest value with at
/// least p % of the values at or below it. `None` for an empty slice.
pub fn percentile(sorted: &[f64], p: f64) -> Option<f64> {
    if sorted.is_empty() {
        return None;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil().max(1.0) as usize;
    Some(sorted[rank.min(sorted.len()) - 1])
}

/// Arithmetic mean; `None` for an empty slice.
pub fn mean(values: &[f64]) -> Option<f64> {
    (!values.is_empty()).then(|| values.iter().sum::<f64>() / values.len() as f64)
}

/// Jain's fairness index (Σx)² ÷ (n·Σx²): 1 when all values are equal, 1/n when one takes all.
/// `None` for no values or all zeros.
pub fn jain_index(values: &[f64]) -> Option<f64> {
    let sum: f64 = values.iter().sum();
    let sum_sq: f64 = values.iter().map(|x| x * x).sum();
    (sum_sq > 0.0).then(|| sum * sum / (values.len() as f64 * sum_sq))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_percentiles() {
        // 10 values 1..=10: p50 is the 5th (ceil(0.5·10) = 5), p95 the 10th (ceil(9.5) = 10),
        // p10 the 1st.
        let v: Vec<f64> = (1..=10).map(f64::from).collect();
        assert_eq!(percentile(&v, 50.0), Some(5.0));
        assert_eq!(percentile(&v, 95.0), Some(10.0));
        assert_eq!(percentile(&v, 10.0), Some(1.0));
        assert_eq!(percentile(&v, 0.0), Some(1.0));
        assert_eq!(percentile(&[], 50.0), None);
    }

    #[test]
    fn jain_extremes() {
        assert_eq!(jain_index(&[2.0, 2.0, 2.0]), Some(1.0));
        // One of four gets everything: 1/4.
        assert_eq!(jain_index(&[0.0, 0.0, 0.0, 8.0]), Some(0.25));
        // (1+3)² / (2·(1+9)) = 16/20.
        assert_eq!(jain_index(&[1.0, 3.0]), Some(0.8));
        assert_eq!(jain_index(&[]), None);
    }
}

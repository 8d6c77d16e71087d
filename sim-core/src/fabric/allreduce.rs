//! The ring all-reduce time of docs/models.md §4 (Thakur et al. 2005; Patarasuk & Yuan 2009), to
//! derive a job's `comm_fraction` from what users know: model size, step time, GPU count.

/// Time of one ring all-reduce of `bytes` among `ranks` at `gbps` per rank and `latency_s`
/// per step: `T = 2(n−1)/n · S/B + 2(n−1)·α`, in seconds.
pub fn ring_allreduce_s(bytes: f64, ranks: u32, gbps: f64, latency_s: f64) -> f64 {
    if ranks < 2 {
        return 0.0;
    }
    let n = f64::from(ranks);
    let bytes_per_s = gbps * 1e9 / 8.0;
    2.0 * (n - 1.0) / n * bytes / bytes_per_s + 2.0 * (n - 1.0) * latency_s
}

/// The share of a training step spent in its gradient all-reduce, when `compute_s` of
/// computation is not overlapped with it: `T / (compute + T)`.
pub fn comm_fraction(compute_s: f64, allreduce_s: f64) -> f64 {
    let step = compute_s + allreduce_s;
    if step > 0.0 { allreduce_s / step } else { 0.0 }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ring_time_by_hand() {
        // 1 GB among 8 ranks at 100 Gbit/s (12.5 GB/s), 5 µs per step:
        // 2·7/8 · 1e9 / 12.5e9 = 0.14 s, plus 2·7·5e-6 = 70 µs → 0.14007 s.
        let t = ring_allreduce_s(1e9, 8, 100.0, 5e-6);
        assert!((t - 0.14007).abs() < 1e-12, "{t}");
        assert_eq!(ring_allreduce_s(1e9, 1, 100.0, 5e-6), 0.0);
        // 0.14007 s of all-reduce after 0.5 s of compute: 0.14007 / 0.64007.
        assert!((comm_fraction(0.5, t) - 0.14007 / 0.64007).abs() < 1e-12);
    }
}

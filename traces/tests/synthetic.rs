//! The synthetic generator: for a fixed seed, sample frequencies, means and quantiles fall
//! within stated tolerances of the configured distributions; a seed gives the same trace byte
//! for byte. Tolerances are about 4–5 standard errors of the estimate (working beside each).

use sim_core::job::JobSpec;
use traces::synthetic::{Arrivals, Diurnal, DurationModel, Family, SyntheticConfig, SyntheticSource, Weighted};

const JOBS: u64 = 100_000;

fn generate(config: SyntheticConfig, seed: u64) -> Vec<JobSpec> {
    SyntheticSource::new(config, seed)
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

fn share(jobs: &[JobSpec], keep: impl Fn(&JobSpec) -> bool) -> f64 {
    jobs.iter().filter(|j| keep(j)).count() as f64 / jobs.len() as f64
}

/// Nearest-rank quantile of ln(duration).
fn ln_quantile(sorted_ln: &[f64], p: f64) -> f64 {
    sorted_ln[((p * sorted_ln.len() as f64).ceil() as usize).max(1) - 1]
}

#[test]
fn dl_sizes_and_philly_durations_match_their_distributions() {
    let jobs = generate(SyntheticConfig::family(Family::Dl, JOBS, 0.1), 42);
    // GAVEL mix 0.70 / 0.10 / 0.15 / 0.05; SE of a share p is √(p(1−p)/n) ≤ 0.00145 → ±0.006.
    for (gpus, p) in [(1, 0.70), (2, 0.10), (4, 0.15), (8, 0.05)] {
        let observed = share(&jobs, |j| j.gpu_milli() == gpus * 1000);
        assert!((observed - p).abs() < 0.006, "{gpus} GPUs: {observed}");
    }
    assert!(jobs.iter().all(|j| j.tasks == 1), "8 GPUs or fewer fit one 8-GPU node");
    // ln(d) ~ N(6.77, 2.46). Mean: SE 2.46/√n = 0.0078, plus a small upward bias from rounding
    // sub-second draws up to 1 s (0.5 % of jobs) → ±0.04. SD: SE σ/√(2n) = 0.0055 → ±0.04.
    let mut ln: Vec<f64> = jobs
        .iter()
        .map(|j| sim_core::math::ln(j.duration.as_secs_f64()))
        .collect();
    let mean = ln.iter().sum::<f64>() / ln.len() as f64;
    let sd = (ln.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / ln.len() as f64).sqrt();
    assert!((mean - 6.77).abs() < 0.04, "mean ln {mean}");
    assert!((sd - 2.46).abs() < 0.04, "sd ln {sd}");
    // Quantiles of ln(d) = μ + zσ: p50 6.77 (SE 0.0097 → ±0.05), p90 6.77 + 1.2816·2.46 = 9.9226
    // (SE 0.0133 → ±0.07), p99 6.77 + 2.3263·2.46 = 12.4928 (SE 0.029 → ±0.15).
    ln.sort_by(f64::total_cmp);
    for (p, expected, tolerance) in [(0.5, 6.77, 0.05), (0.9, 9.9226, 0.07), (0.99, 12.4928, 0.15)] {
        let q = ln_quantile(&ln, p);
        assert!((q - expected).abs() < tolerance, "p{p}: {q}");
    }
}

#[test]
fn llm_sizes_spread_huge_jobs_over_nodes() {
    let jobs = generate(SyntheticConfig::family(Family::Llm, JOBS, 0.1), 7);
    // 0.05 of jobs take 16–1024 GPUs, each power of two with 0.05 / 7 = 0.00714 (SE 0.00027).
    let huge = share(&jobs, |j| j.gpu_milli() >= 16_000);
    assert!((huge - 0.05).abs() < 0.003, "{huge}");
    let of_1024 = share(&jobs, |j| j.gpu_milli() == 1_024_000);
    assert!((of_1024 - 0.05 / 7.0).abs() < 0.0015, "{of_1024}");
    let big = jobs.iter().find(|j| j.gpu_milli() == 1_024_000).unwrap();
    assert_eq!((big.tasks, big.task.gpus), (128, 8), "1024 GPUs = 128 tasks of 8");
    assert_eq!(big.comm_fraction, 0.2, "multi-node LLM jobs communicate");
    assert!(jobs.iter().filter(|j| j.tasks == 1).all(|j| j.comm_fraction == 0.0));
}

#[test]
fn gavel_durations_have_the_analytic_mean() {
    // E = 0.8·(60000 − 1897.37)/ln(60000/1897.37) + 0.2·540000/ln 10 = 60,361.75 s; SD 110,685 s,
    // so the SE of a 100,000-job mean is 350 s (0.58 %) → ±2.5 %.
    let mut config = SyntheticConfig::family(Family::Dl, JOBS, 0.1);
    config.durations = DurationModel::Gavel;
    assert!((config.durations.mean_s() - 60_361.75).abs() < 0.01);
    let jobs = generate(config, 3);
    let mean = jobs.iter().map(|j| j.duration.as_secs_f64()).sum::<f64>() / jobs.len() as f64;
    assert!((mean / 60_361.75 - 1.0).abs() < 0.025, "{mean}");
    assert!(
        jobs.iter()
            .all(|j| (1897.0..=600_000.0).contains(&j.duration.as_secs_f64()))
    );
}

#[test]
fn poisson_arrivals_have_the_configured_rate() {
    // Rate 0.5/s: mean gap 2 s, SE 2/√n = 0.0063 s → ±0.03 s.
    let jobs = generate(SyntheticConfig::family(Family::Dl, JOBS, 0.5), 11);
    let span = jobs.last().unwrap().submit.as_secs_f64();
    let mean_gap = span / jobs.len() as f64;
    assert!((mean_gap - 2.0).abs() < 0.03, "{mean_gap}");
    assert!(jobs.windows(2).all(|w| w[0].submit <= w[1].submit));
}

#[test]
fn diurnal_arrivals_peak_in_the_afternoon_and_rest_at_weekends() {
    // 100,800 jobs at a mean 1,440 a day span 70 days (10 whole weeks).
    let mut config = SyntheticConfig::family(Family::Dl, 100_800, 1440.0 / 86_400.0);
    config.arrivals = Arrivals {
        rate_per_s: 1440.0 / 86_400.0,
        diurnal: Some(Diurnal::DEFAULT),
    };
    let jobs = generate(config, 5);
    let days = jobs.last().unwrap().submit.as_secs_f64() / 86_400.0;
    assert!((days - 70.0).abs() < 1.0, "the mean rate is kept: {days} days");
    // Weekend share: 2·0.6 / (5 + 2·0.6) = 0.19355 (SE 0.00125 → ±0.006).
    let weekend = share(&jobs, |j| (j.submit.as_secs_f64() / 86_400.0).floor() as u64 % 7 >= 5);
    assert!((weekend - 0.19355).abs() < 0.006, "{weekend}");
    // Share between 08:00 and 20:00, around the 14:00 peak: (12 h + A·24 h/π) / 24 h = 0.5 + 0.4/π
    // = 0.62732 (SE 0.0015 → ±0.007).
    let day_time = share(&jobs, |j| {
        (8.0..20.0).contains(&(j.submit.as_secs_f64() % 86_400.0 / 3600.0))
    });
    assert!((day_time - 0.62732).abs() < 0.007, "{day_time}");
}

#[test]
fn users_queues_priorities_and_preemption_follow_their_weights() {
    let mut config = SyntheticConfig::family(Family::Dl, JOBS, 0.1);
    config.users = Weighted::new(vec![("alice".to_string(), 3.0), ("bob".to_string(), 1.0)]).unwrap();
    config.priorities = Weighted::new(vec![(0, 0.9), (10, 0.1)]).unwrap();
    config.preemptible_share = 0.25;
    let jobs = generate(config, 13);
    // Shares 0.75, 0.1, 0.25; SE ≤ 0.00137 → ±0.006.
    assert!((share(&jobs, |j| j.user == "alice") - 0.75).abs() < 0.006);
    assert!((share(&jobs, |j| j.priority == 10) - 0.1).abs() < 0.006);
    assert!((share(&jobs, |j| j.preemptible) - 0.25).abs() < 0.006);
    assert!(jobs.iter().all(|j| j.queue == "default"));
}

#[test]
fn the_same_seed_gives_the_same_trace_byte_for_byte() {
    let csv = |seed| {
        let mut source = SyntheticSource::new(SyntheticConfig::family(Family::Llm, 2000, 0.01), seed).unwrap();
        let mut out = Vec::new();
        traces::write_native(&mut source, &mut out, "mem").unwrap();
        out
    };
    assert_eq!(csv(1), csv(1));
    assert_ne!(csv(1), csv(2));
}

#[test]
fn invalid_configurations_name_the_key() {
    let mut config = SyntheticConfig::family(Family::Dl, 10, 0.1);
    config.gpus_per_node = 3;
    let err = SyntheticSource::new(config, 1).err().unwrap();
    assert_eq!(
        err.to_string(),
        "sizes: a job of 4 GPUs is not a whole number of 3-GPU nodes"
    );
}

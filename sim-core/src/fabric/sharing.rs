//! Sharing rack uplinks among the jobs that cross them.
//!
//! Each job `j` asks `d_jr` Gbit/s of every uplink `r` it crosses and is served the same
//! fraction `s_j` ≤ 1 of its demand on all of them (a collective runs at the pace of its
//! slowest link). Two rules:
//!
//! - **Max-min fairness** (the reference): progressive filling. All unfrozen fractions rise
//!   together; when an uplink saturates, the jobs crossing it freeze at the current level; jobs
//!   that reach 1 stop. Capacity a job cannot use because it is held back elsewhere is passed on.
//! - **Proportional share** (simpler, slightly pessimistic): `s_jr = min(1, C_r ÷ Σ_k d_kr)`,
//!   `s_j = min_r s_jr`; capacity left by jobs limited elsewhere is not passed on.

/// How an uplink is shared.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Sharing {
    /// Max-min fair progressive filling.
    #[default]
    MaxMin,
    /// Each link divides its capacity in proportion to demand.
    Proportional,
}

/// One job's demand: `(link index, Gbit/s)` for each link it crosses.
pub type Demand = Vec<(usize, f64)>;

/// Served fractions `s_j` for `demands` over links of `capacity` Gbit/s (indices into
/// `capacity`). Jobs are given in a fixed order; the result follows it.
pub fn served_fractions(sharing: Sharing, capacity: &[f64], demands: &[Demand]) -> Vec<f64> {
    match sharing {
        Sharing::MaxMin => max_min(capacity, demands),
        Sharing::Proportional => proportional(capacity, demands),
    }
}

fn proportional(capacity: &[f64], demands: &[Demand]) -> Vec<f64> {
    let mut load = vec![0.0; capacity.len()];
    for demand in demands {
        for &(link, gbps) in demand {
            load[link] += gbps;
        }
    }
    demands
        .iter()
        .map(|demand| {
            demand
                .iter()
                .map(|&(link, _)| (capacity[link] / load[link]).min(1.0))
                .fold(1.0, f64::min)
        })
        .collect()
}

/// Relative tolerance when deciding that a link is saturated.
const SATURATION_EPSILON: f64 = 1e-12;

fn max_min(capacity: &[f64], demands: &[Demand]) -> Vec<f64> {
    let mut served: Vec<Option<f64>> = vec![None; demands.len()];
    let mut frozen_load = vec![0.0; capacity.len()];
    loop {
        let mut unfrozen_demand = vec![0.0; capacity.len()];
        for (demand, s) in demands.iter().zip(&served) {
            if s.is_none() {
                for &(link, gbps) in demand {
                    unfrozen_demand[link] += gbps;
                }
            }
        }
        // The level at which the first link saturates (or every job is fully served).
        let level = (0..capacity.len())
            .filter(|&l| unfrozen_demand[l] > 0.0)
            .map(|l| (capacity[l] - frozen_load[l]).max(0.0) / unfrozen_demand[l])
            .fold(1.0, f64::min);
        let saturated: Vec<bool> = (0..capacity.len())
            .map(|l| {
                unfrozen_demand[l] > 0.0
                    && frozen_load[l] + level * unfrozen_demand[l] >= capacity[l] * (1.0 - SATURATION_EPSILON)
            })
            .collect();
        let mut froze_any = false;
        for (demand, s) in demands.iter().zip(served.iter_mut()) {
            if s.is_some() {
                continue;
            }
            if level >= 1.0 || demand.iter().any(|&(link, _)| saturated[link]) {
                *s = Some(level.min(1.0));
                froze_any = true;
                for &(link, gbps) in demand {
                    frozen_load[link] += level.min(1.0) * gbps;
                }
            }
        }
        if !froze_any || served.iter().all(Option::is_some) {
            return served.into_iter().map(|s| s.unwrap_or(1.0)).collect();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_jobs_on_one_link_get_half_each() {
        // Link 0: 400 Gbit/s; both jobs ask 400 → max-min and proportional both give 1/2.
        let demands = vec![vec![(0, 400.0), (1, 400.0)], vec![(0, 400.0), (2, 400.0)]];
        let capacity = [400.0, 800.0, 800.0];
        assert_eq!(served_fractions(Sharing::MaxMin, &capacity, &demands), vec![0.5, 0.5]);
        assert_eq!(
            served_fractions(Sharing::Proportional, &capacity, &demands),
            vec![0.5, 0.5]
        );
    }

    #[test]
    fn max_min_passes_on_what_a_bottlenecked_job_cannot_use() {
        // Links: A 100, B 300. Job x crosses A and B (asks 100 on each); job y crosses B only
        // (asks 300). Progressive filling: A saturates at s = 1 for x alone (100/100), B would
        // saturate at 300/400 = 0.75: the lower level, 0.75, freezes x and y on B.
        // Now make A tighter: A = 50. A saturates first at 0.5 → x frozen at 0.5 (50 on B);
        // then y rises alone on B: (300 − 50)/300 = 0.8333…
        let demands = vec![vec![(0, 100.0), (1, 100.0)], vec![(1, 300.0)]];
        let s = served_fractions(Sharing::MaxMin, &[100.0, 300.0], &demands);
        assert_eq!(s, vec![0.75, 0.75]);
        let s = served_fractions(Sharing::MaxMin, &[50.0, 300.0], &demands);
        assert_eq!(s[0], 0.5);
        assert!((s[1] - 250.0 / 300.0).abs() < 1e-12);
        // Proportional does not pass it on: y gets 300/400 = 0.75 on B.
        let p = served_fractions(Sharing::Proportional, &[50.0, 300.0], &demands);
        assert_eq!(p, vec![0.5, 0.75]);
    }

    #[test]
    fn uncongested_links_serve_everyone_fully() {
        let demands = vec![vec![(0, 100.0)], vec![(0, 100.0)]];
        assert_eq!(served_fractions(Sharing::MaxMin, &[800.0], &demands), vec![1.0, 1.0]);
    }
}

//! Policy comparison with common random numbers: per policy the mean and 95 % interval of
//! each metric, the best marked, and the paired differences against the first policy.
//!
//! Every policy runs on the same seeds, so run `s` of policy P and run `s` of the first
//! policy share every random draw: the difference P(s) − first(s) removes the noise the
//! seeds add to both, and its interval (Student's t over the seeds that both completed) is
//! much tighter than the two separate intervals suggest.
//!
//! `comparison.csv` columns: `policy, metric, n, mean, ci95_low, ci95_high, best` (`true`
//! for the best mean of the metric, ties included), then `diff_n, diff_mean, diff_ci95_low,
//! diff_ci95_high` (empty for the first policy).

use std::collections::BTreeMap;
use std::io::{self, Write};
use std::path::Path;

use sim_core::metrics::METRIC_NAMES;

use crate::aggregate::Estimate;
use crate::atomic::write_atomic;
use crate::direction::{Better, better, better_in};
use crate::error::ReportError;
use crate::number::float_cell;
use crate::sweep_manifest::MetricDecl;
use crate::sweep_table::{SweepRow, SweepTable, csv_line};

/// The key a comparison sweeps.
pub const POLICY_KEY: &str = "policy.name";

/// One policy's results.
#[derive(Clone, Debug, PartialEq)]
pub struct PolicyResult {
    /// The policy's name.
    pub policy: String,
    /// Estimates per metric, in [`METRIC_NAMES`] order, then the metrics of a crate's own in
    /// [`PolicyResult::extra_metrics`] order.
    pub metrics: Vec<Estimate>,
    /// Paired differences against the first policy, per metric (`None` for the first).
    pub differences: Option<Vec<Estimate>>,
    /// The policy's runs, failed ones included: a metric with fewer values than this is a mean
    /// over other seeds than a complete one, so no best is claimed on its row.
    pub runs: usize,
    /// The metrics of a crate's own (after the built-in ones in `metrics`) and their directions.
    pub extra_metrics: Vec<(String, Better)>,
}

impl PolicyResult {
    /// The name and direction of the metric at `index` of [`PolicyResult::metrics`].
    pub fn metric_at(&self, index: usize) -> (&str, Better) {
        match METRIC_NAMES.get(index) {
            Some(name) => (name, better(name)),
            None => {
                let (name, direction) = &self.extra_metrics[index - METRIC_NAMES.len()];
                (name, *direction)
            }
        }
    }
}

/// The comparison of every policy in `table` (which sweeps [`POLICY_KEY`] only), in order of
/// first appearance; its metrics of a crate's own rank as `declared` (by the sweep's
/// `sweep.json`).
pub fn compare(table: &SweepTable, declared: &[MetricDecl]) -> Result<Vec<PolicyResult>, ReportError> {
    if table.params != [POLICY_KEY] {
        return Err(ReportError::NotAComparison {
            params: table.params.clone(),
        });
    }
    let mut rows: Vec<_> = table.rows.iter().collect();
    rows.sort_by_key(|r| r.run);
    let mut policies: Vec<&str> = Vec::new();
    for row in &rows {
        if !policies.contains(&row.params[0].as_str()) {
            policies.push(&row.params[0]);
        }
    }
    let by_run: BTreeMap<(&str, u64), &SweepRow> = rows.iter().map(|r| ((r.params[0].as_str(), r.seed), *r)).collect();
    let value = |policy: &str, seed: u64, metric: usize| by_run.get(&(policy, seed)).and_then(|r| r.value(metric));
    let count = table.metric_names().count();
    let extra_metrics: Vec<(String, Better)> = table
        .extra_metrics
        .iter()
        .map(|name| (name.clone(), better_in(name, declared)))
        .collect();
    let seeds: Vec<u64> = rows
        .iter()
        .filter(|r| policies.first().is_some_and(|first| r.params[0] == *first))
        .map(|r| r.seed)
        .collect();
    Ok(policies
        .iter()
        .enumerate()
        .map(|(index, policy)| {
            let metrics = (0..count)
                .map(|metric| {
                    let values: Vec<f64> = rows
                        .iter()
                        .filter(|r| r.params[0] == *policy)
                        .filter_map(|r| r.value(metric))
                        .collect();
                    Estimate::of(&values)
                })
                .collect();
            let differences = (index > 0).then(|| {
                (0..count)
                    .map(|metric| {
                        let paired: Vec<f64> = seeds
                            .iter()
                            .filter_map(|&seed| Some(value(policy, seed, metric)? - value(policies[0], seed, metric)?))
                            .collect();
                        Estimate::of(&paired)
                    })
                    .collect()
            });
            PolicyResult {
                policy: policy.to_string(),
                metrics,
                differences,
                runs: rows.iter().filter(|r| r.params[0] == *policy).count(),
                extra_metrics: extra_metrics.clone(),
            }
        })
        .collect())
}

/// Whether policy `index` alone has the best mean of metric `metric`, compared at the three
/// decimals the tables show: a best shared by several policies is no best (no star), nor is one
/// of a metric with no direction or no values, nor one of a metric some run lacks (a failed
/// run, or a value it did not have): means over different seeds are not compared.
pub fn is_best(results: &[PolicyResult], index: usize, metric: usize) -> bool {
    if results.iter().any(|r| r.metrics[metric].n != r.runs) {
        return false;
    }
    let shown = |r: &PolicyResult| r.metrics[metric].mean.map(|m| (m * 1000.0).round());
    let Some(mine) = shown(&results[index]) else {
        return false;
    };
    let means: Vec<f64> = results.iter().filter_map(shown).collect();
    let best = match results[index].metric_at(metric).1 {
        Better::Lower => means.iter().copied().fold(f64::INFINITY, f64::min),
        Better::Higher => means.iter().copied().fold(f64::NEG_INFINITY, f64::max),
        Better::Neither => return false,
    };
    mine == best && means.iter().filter(|&&m| m == best).count() == 1
}

/// Writes `comparison.csv` rows to `w`.
pub fn write_comparison(w: &mut impl Write, results: &[PolicyResult]) -> io::Result<()> {
    let header = [
        "policy",
        "metric",
        "n",
        "mean",
        "ci95_low",
        "ci95_high",
        "best",
        "diff_n",
        "diff_mean",
        "diff_ci95_low",
        "diff_ci95_high",
    ];
    w.write_all(&csv_line(&header.map(String::from)))?;
    for (index, result) in results.iter().enumerate() {
        for (m, e) in result.metrics.iter().enumerate() {
            let name = result.metric_at(m).0;
            let d = result.differences.as_ref().map(|d| d[m]);
            let fields = [
                result.policy.clone(),
                name.to_string(),
                e.n.to_string(),
                float_cell(e.mean),
                float_cell(e.ci95.map(|c| c.0)),
                float_cell(e.ci95.map(|c| c.1)),
                is_best(results, index, m).to_string(),
                d.map(|d| d.n.to_string()).unwrap_or_default(),
                float_cell(d.and_then(|d| d.mean)),
                float_cell(d.and_then(|d| d.ci95.map(|c| c.0))),
                float_cell(d.and_then(|d| d.ci95.map(|c| c.1))),
            ];
            w.write_all(&csv_line(&fields))?;
        }
    }
    Ok(())
}

/// Writes `comparison.csv` atomically.
pub fn write_comparison_csv(path: &Path, results: &[PolicyResult]) -> io::Result<()> {
    write_atomic(path, |w| write_comparison(w, results))
}

/// The folder of a policy's first-seed run files inside a comparison folder: the name with
/// anything but letters, digits, `-`, `_` and `.` replaced by `_`.
pub fn policy_folder(policy: &str) -> String {
    policy
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "-_.".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sweep_table::RunStatus;

    fn row(run: u64, policy: &str, seed: u64, jct: f64) -> SweepRow {
        let mut values = vec![None; METRIC_NAMES.len()];
        values[5] = Some(jct);
        SweepRow {
            run,
            seed,
            params: vec![policy.into()],
            status: RunStatus::Ok(values),
        }
    }

    #[test]
    fn paired_differences_cancel_the_seed_noise() {
        // Seeds 1, 2, 3 give JCTs 10, 20, 30 under a and 12, 21, 33 under b: the seeds move
        // both alike. Separately b's mean 22 has a wide interval (squared deviations 100 + 1 +
        // 121 = 222, std dev √111 = 10.535654, half-width t(0.975, 2) = 4.302653 × 10.535654 / √3
        // = 26.172015), but the differences 2, 1, 3 have mean 2,
        // std dev 1, half-width 4.302653 × 1 / √3 = 2.484138: interval [−0.484138, 4.484138].
        let table = SweepTable {
            params: vec![POLICY_KEY.into()],
            extra_metrics: Vec::new(),
            rows: vec![
                row(0, "a", 1, 10.0),
                row(1, "a", 2, 20.0),
                row(2, "a", 3, 30.0),
                row(3, "b", 1, 12.0),
                row(4, "b", 2, 21.0),
                row(5, "b", 3, 33.0),
            ],
        };
        let results = compare(&table, &[]).unwrap();
        assert_eq!(results[0].differences, None);
        let d = results[1].differences.as_ref().unwrap()[5];
        assert_eq!((d.n, d.mean), (3, Some(2.0)));
        let (low, high) = d.ci95.unwrap();
        assert!((low + 0.484138).abs() < 1e-6 && (high - 4.484138).abs() < 1e-6, "{d:?}");
        assert!((results[1].metrics[5].half_width().unwrap() - 26.172015).abs() < 1e-6);
        // avg_jct_s (index 5) is lower-better: a (mean 20) is best, b (22) is not.
        assert!(is_best(&results, 0, 5) && !is_best(&results, 1, 5));
        // jobs_submitted has no direction; a tie has no best: give b a's values and neither is.
        assert!(!is_best(&results, 0, 0));
        let mut tied = results.clone();
        tied[1].metrics[5] = tied[0].metrics[5];
        assert!(!is_best(&tied, 0, 5) && !is_best(&tied, 1, 5));
        // Had b's run with seed 3 failed, b's mean (12 + 21) / 2 = 16.5 would beat a's 20 on
        // fewer seeds: no best then.
        let mut failed = table.clone();
        failed.rows[5].status = RunStatus::Failed("stopped".into());
        let short = compare(&failed, &[]).unwrap();
        assert_eq!((short[1].metrics[5].n, short[1].runs), (2, 3));
        assert!(!is_best(&short, 0, 5) && !is_best(&short, 1, 5));
        let mut text = Vec::new();
        write_comparison(&mut text, &results).unwrap();
        let text = String::from_utf8(text).unwrap();
        assert!(text.contains("\nb,avg_jct_s,3,22.0,"), "{text}");
        assert!(text.contains(",false,3,2.0,-0.484138,4.484138\n"), "{text}");
        assert_eq!(policy_folder("drf[k=2]"), "drf_k_2_");
    }

    #[test]
    fn metrics_of_a_crate_s_own_are_compared_and_ranked_as_declared() {
        // max_queue_length after the built-in metrics: a waits 3 jobs at most, b 1; lower is
        // better, so b is best.
        let with_queue = |run: u64, policy: &str, queue: f64| {
            let mut row = row(run, policy, 1, 10.0);
            if let RunStatus::Ok(values) = &mut row.status {
                values.push(Some(queue));
            }
            row
        };
        let table = SweepTable {
            params: vec![POLICY_KEY.into()],
            extra_metrics: vec!["max_queue_length".into()],
            rows: vec![with_queue(0, "a", 3.0), with_queue(1, "b", 1.0)],
        };
        let declared = [MetricDecl {
            name: "max_queue_length".into(),
            unit: "jobs".into(),
            better: Better::Lower,
            doc: "the most jobs waiting at once".into(),
        }];
        let results = compare(&table, &declared).unwrap();
        let m = METRIC_NAMES.len();
        assert_eq!(results[1].metric_at(m), ("max_queue_length", Better::Lower));
        assert!(!is_best(&results, 0, m) && is_best(&results, 1, m));
        // b − a = 1 − 3 = −2.
        assert_eq!(results[1].differences.as_ref().unwrap()[m].mean, Some(-2.0));
        let mut text = Vec::new();
        write_comparison(&mut text, &results).unwrap();
        let text = String::from_utf8(text).unwrap();
        assert!(text.contains("\nb,max_queue_length,1,1.0,,,true,1,-2.0,,\n"), "{text}");
        // Without a declaration (no sweep.json), it is compared but not ranked.
        let undeclared = compare(&table, &[]).unwrap();
        assert!(!is_best(&undeclared, 1, m));
    }
}

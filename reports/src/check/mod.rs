//! `clustersim check`: gating CI on results against a baseline.
//!
//! Every rule ([`rules`]) is checked on every grid point of the results ([`results`]); a
//! point missing from either side, or a metric without a value, fails its checks rather than
//! passing silently. So does a point of the results with failed runs (its means leave them
//! out), or with values from fewer runs than the baseline's point: each adds a failed check of
//! its own (`failed == 0`, `n >= baseline`), beside those of the rules.

pub mod results;
pub mod rules;

use crate::error::ReportError;
use crate::number::decimal;
use crate::report::count;
use results::{Point, Results};
use rules::Rule;

/// The outcome of one rule on one point.
#[derive(Clone, Debug, PartialEq)]
pub struct Check {
    /// The grid point (`key=value, …`; empty for a single run).
    pub point: String,
    /// The rule.
    pub rule: String,
    /// The result's value.
    pub value: Option<f64>,
    /// The limit the rule computed.
    pub limit: Option<f64>,
    /// Whether it passed.
    pub passed: bool,
    /// Why it failed when it could not be evaluated.
    pub note: String,
}

/// Every rule on every point.
#[derive(Clone, Debug, PartialEq)]
pub struct CheckReport {
    /// The checks, point by point in the results' order.
    pub checks: Vec<Check>,
}

impl CheckReport {
    /// The checks that failed.
    pub fn failures(&self) -> impl Iterator<Item = &Check> {
        self.checks.iter().filter(|c| !c.passed)
    }

    /// The checks as table rows: point, rule, value, limit, status.
    pub fn rows<'a>(checks: impl Iterator<Item = &'a Check>) -> Vec<Vec<String>> {
        let number = |v: Option<f64>| v.map_or_else(|| "-".to_string(), decimal);
        checks
            .map(|c| {
                // Six decimals can make a value and a limit that differ read alike: then both
                // are shown in full, so the verdict can be seen.
                let (mut value, mut limit) = (number(c.value), number(c.limit));
                if let (Some(v), Some(l)) = (c.value, c.limit)
                    && value == limit
                    && v != l
                {
                    (value, limit) = (v.to_string(), l.to_string());
                }
                let status = match (c.passed, c.note.is_empty()) {
                    (true, _) => "ok".to_string(),
                    (false, true) => "REGRESSED".to_string(),
                    (false, false) => format!("FAILED: {}", c.note),
                };
                vec![
                    if c.point.is_empty() {
                        "(run)".into()
                    } else {
                        c.point.clone()
                    },
                    c.rule.clone(),
                    value,
                    limit,
                    status,
                ]
            })
            .collect()
    }
}

/// Checks `rules` on every point of `results` against `baseline`. Results and baseline with
/// no point in common are bad input (they are not the same experiment).
pub fn check(results: &Results, baseline: &Results, rules: &[Rule]) -> Result<CheckReport, ReportError> {
    if !results.points.iter().any(|p| baseline.point(&p.label).is_some()) {
        let first = |r: &Results| match r.points.first() {
            Some(p) if p.label.is_empty() => "a single run's (no swept key)".to_string(),
            Some(p) => format!("`{}`", p.label),
            None => "nothing (no point)".to_string(),
        };
        return Err(ReportError::NoCommonPoint {
            results: results.origin.clone(),
            baseline: baseline.origin.clone(),
            results_point: first(results),
            baseline_point: first(baseline),
        });
    }
    let mut checks = Vec::new();
    for point in &results.points {
        let label = &point.label;
        let base = baseline.point(label);
        checks.extend(runs_checks(point, base));
        for rule in rules {
            let value = point.values.get(&rule.metric).copied();
            let base_value = base.and_then(|b| b.values.get(&rule.metric).copied());
            let limit = rule.limit(base_value);
            let (passed, note) = match (value, limit) {
                (Some(v), Some(l)) => (rule.op.holds(v, l), String::new()),
                (None, _) => (false, "no value in the results".to_string()),
                (_, None) if base.is_none() => (false, "point not in the baseline".to_string()),
                (_, None) => (false, "no value in the baseline".to_string()),
            };
            checks.push(Check {
                point: label.clone(),
                rule: rule.to_string(),
                value,
                limit,
                passed,
                note,
            });
        }
    }
    for point in &baseline.points {
        if results.point(&point.label).is_none() {
            checks.push(Check {
                point: point.label.clone(),
                rule: "present".into(),
                value: None,
                limit: None,
                passed: false,
                note: "point missing from the results".into(),
            });
        }
    }
    Ok(CheckReport { checks })
}

/// The failed checks of the runs behind `point`'s values: runs that failed, and fewer runs
/// with values than the baseline's point (`base`) has. None when the runs are in order.
fn runs_checks(point: &Point, base: Option<&Point>) -> Vec<Check> {
    let mut checks = Vec::new();
    if point.failed > 0 {
        checks.push(Check {
            point: point.label.clone(),
            rule: "failed == 0".into(),
            value: Some(point.failed as f64),
            limit: Some(0.0),
            passed: false,
            note: format!(
                "{} of {} failed (their errors are in sweep.csv)",
                point.failed,
                count((point.failed + point.runs) as u64, "run")
            ),
        });
    }
    if let Some(base) = base.filter(|b| point.runs < b.runs) {
        checks.push(Check {
            point: point.label.clone(),
            rule: "n >= baseline".into(),
            value: Some(point.runs as f64),
            limit: Some(base.runs as f64),
            passed: false,
            note: format!(
                "values from {}, the baseline's from {}",
                count(point.runs as u64, "run"),
                base.runs
            ),
        });
    }
    checks
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    /// Results of points labelled as given, each of 3 finished runs and none failed.
    fn results(points: &[(&str, &[(&str, f64)])]) -> Results {
        Results {
            origin: "r".into(),
            extra_metrics: Vec::new(),
            points: points
                .iter()
                .map(|(label, values)| Point {
                    label: label.to_string(),
                    values: values
                        .iter()
                        .map(|(k, v)| (k.to_string(), *v))
                        .collect::<BTreeMap<_, _>>(),
                    runs: 3,
                    failed: 0,
                })
                .collect(),
        }
    }

    #[test]
    fn regressions_missing_values_and_missing_points_fail() {
        let rules = rules::parse_rules("p95_jct_s <= 1.05 * baseline\ngpu_alloc_ratio >= 0.9\n", "r").unwrap();
        let baseline = results(&[
            ("p=a", &[("p95_jct_s", 100.0), ("gpu_alloc_ratio", 0.95)]),
            ("p=b", &[("p95_jct_s", 100.0)]),
            ("p=c", &[]),
        ]);
        // a: 104 ≤ 105 passes, 0.92 ≥ 0.9 passes; b: 106 > 105 regresses, no alloc value;
        // d is not in the baseline; c is missing from the results.
        let run = results(&[
            ("p=a", &[("p95_jct_s", 104.0), ("gpu_alloc_ratio", 0.92)]),
            ("p=b", &[("p95_jct_s", 106.0)]),
            ("p=d", &[("p95_jct_s", 1.0), ("gpu_alloc_ratio", 1.0)]),
        ]);
        let report = check(&run, &baseline, &rules).unwrap();
        let failed: Vec<(&str, &str, &str)> = report
            .failures()
            .map(|c| (c.point.as_str(), c.rule.as_str(), c.note.as_str()))
            .collect();
        assert_eq!(
            failed,
            [
                ("p=b", "p95_jct_s <= 1.05 * baseline", ""),
                ("p=b", "gpu_alloc_ratio >= 0.9", "no value in the results"),
                ("p=d", "p95_jct_s <= 1.05 * baseline", "point not in the baseline"),
                ("p=c", "present", "point missing from the results"),
            ]
        );
        let rows = CheckReport::rows(report.failures());
        assert_eq!(
            rows[0],
            ["p=b", "p95_jct_s <= 1.05 * baseline", "106", "105", "REGRESSED"]
        );
        // The audit's case: 0.12963 against 1.05 × 0.123457 = 0.12962985 reads 0.12963 twice
        // at six decimals, so both are shown in full.
        let close = check(
            &results(&[("p=a", &[("frag_mean", 0.12963)])]),
            &results(&[("p=a", &[("frag_mean", 0.123457)])]),
            &rules::parse_rules("frag_mean <= 1.05 * baseline\n", "r").unwrap(),
        )
        .unwrap();
        let row = &CheckReport::rows(close.failures())[0];
        assert_eq!(row[2..], ["0.12963", &(1.05 * 0.123457f64).to_string(), "REGRESSED"]);
        assert_ne!(row[2], row[3]);
        let unrelated = results(&[("q=1", &[])]);
        let err = check(&unrelated, &baseline, &rules).unwrap_err().to_string();
        assert!(
            err.contains("no grid point in common (the results' points read like `q=1`, the baseline's like `p=a`"),
            "{err}"
        );
    }

    #[test]
    fn failed_runs_and_fewer_runs_than_the_baseline_fail_their_point() {
        let rules = rules::parse_rules("avg_jct_s <= 1.05 * baseline\n", "r").unwrap();
        let baseline = results(&[("p=a", &[("avg_jct_s", 100.0)]), ("p=b", &[("avg_jct_s", 100.0)])]);
        // Every rule holds (100 ≤ 105 at both points), but point a's mean is of 1 run with 2
        // failed (the audit's sharded sweep: n = 1, failed = 2), and point b's of 2 runs where
        // the baseline had 3, none failed.
        let mut run = baseline.clone();
        (run.points[0].runs, run.points[0].failed) = (1, 2);
        run.points[1].runs = 2;
        let report = check(&run, &baseline, &rules).unwrap();
        let rows = CheckReport::rows(report.failures());
        assert_eq!(
            rows,
            [
                [
                    "p=a",
                    "failed == 0",
                    "2",
                    "0",
                    "FAILED: 2 of 3 runs failed (their errors are in sweep.csv)"
                ],
                [
                    "p=a",
                    "n >= baseline",
                    "1",
                    "3",
                    "FAILED: values from 1 run, the baseline's from 3"
                ],
                [
                    "p=b",
                    "n >= baseline",
                    "2",
                    "3",
                    "FAILED: values from 2 runs, the baseline's from 3"
                ],
            ]
        );
        // The rule's check passed at both points beside them: 2 + 3 checks.
        assert_eq!(report.checks.len(), 5);
        // The same runs against a baseline as short as they are: only the failures fail.
        let report = check(&run, &run, &rules).unwrap();
        let failed: Vec<(&str, &str)> = report.failures().map(|c| (c.point.as_str(), c.rule.as_str())).collect();
        assert_eq!(failed, [("p=a", "failed == 0")]);
        // More runs than the baseline is no failure: a single-run baseline (n = 1).
        let mut single = baseline.clone();
        single.points.iter_mut().for_each(|p| p.runs = 1);
        assert_eq!(check(&baseline, &single, &rules).unwrap().failures().count(), 0);
    }
}

//! `clustersim check`: gating CI on results against a baseline.
//!
//! Every rule ([`rules`]) is checked on every grid point of the results ([`results`]); a
//! point missing from either side, or a metric without a value, fails its checks rather than
//! passing silently.

pub mod results;
pub mod rules;

use crate::error::ReportError;
use crate::number::decimal;
use results::Results;
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
                    number(c.value),
                    number(c.limit),
                    status,
                ]
            })
            .collect()
    }
}

/// Checks `rules` on every point of `results` against `baseline`. Results and baseline with
/// no point in common are bad input (they are not the same experiment).
pub fn check(results: &Results, baseline: &Results, rules: &[Rule]) -> Result<CheckReport, ReportError> {
    if !results.points.iter().any(|(label, _)| baseline.point(label).is_some()) {
        return Err(ReportError::NoCommonPoint {
            results: results.origin.clone(),
            baseline: baseline.origin.clone(),
        });
    }
    let mut checks = Vec::new();
    for (label, values) in &results.points {
        let base = baseline.point(label);
        for rule in rules {
            let value = values.get(&rule.metric).copied();
            let base_value = base.and_then(|b| b.get(&rule.metric).copied());
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
    for (label, _) in &baseline.points {
        if results.point(label).is_none() {
            checks.push(Check {
                point: label.clone(),
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn results(points: &[(&str, &[(&str, f64)])]) -> Results {
        Results {
            origin: "r".into(),
            extra_metrics: Vec::new(),
            points: points
                .iter()
                .map(|(label, values)| {
                    let map: BTreeMap<String, f64> = values.iter().map(|(k, v)| (k.to_string(), *v)).collect();
                    (label.to_string(), map)
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
        let unrelated = results(&[("q=1", &[])]);
        assert!(
            check(&unrelated, &baseline, &rules)
                .unwrap_err()
                .to_string()
                .contains("no grid point in common")
        );
    }
}

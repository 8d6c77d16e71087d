//! The rule language of `clustersim check`, one rule a line:
//!
//! ```text
//! # lines starting with # are comments
//! p95_jct_s <= 1.05 * baseline     # at most 5 % worse than the baseline
//! gpu_alloc_ratio >= 0.9           # an absolute floor
//! avg_wait_s <= baseline + 60      # at most a minute more
//! jobs_failed == 0
//! ```
//!
//! A rule is `METRIC OP LIMIT`: METRIC a summary metric name (built-in, or a metric of a
//! crate's own that the results hold: [`parse_rules_for`]), OP one of `<=`, `>=`, `<`, `>`,
//! `==`, and LIMIT a number, or `baseline` (the metric's value in the baseline) optionally
//! multiplied by a number (`1.05 * baseline` or `baseline * 1.05`) and optionally plus or
//! minus a number.
//!
//! A baseline of 0 cannot be scaled: a factor F then stands for an absolute tolerance of
//! F − 1 in the metric's unit (`<= 1.05 * baseline` on a baseline of 0 s allows 0.05 s;
//! `>= 0.95 * baseline` allows −0.05), so a metric that was 0 is not a regression at every
//! value above 0; write `<= baseline` or `== 0` to keep it at 0. A byte-order mark at the
//! start of the file is ignored.

use std::fmt;

use sim_core::metrics::METRIC_NAMES;

use crate::direction::{Better, HEADLINE_METRICS, better};
use crate::error::ReportError;

/// Why a line of a rules file is not a rule.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RuleError {
    /// The metric is not a summary metric.
    #[error("unknown metric `{metric}`{}", nearest.as_ref().map(|m| format!(" (did you mean `{m}`?)")).unwrap_or_default())]
    UnknownMetric {
        /// The name given.
        metric: String,
        /// The nearest metric name (at most 3 edits away), if any.
        nearest: Option<String>,
    },
    /// No comparison operator.
    #[error("`{0}` has no comparison (<=, >=, <, >, ==)")]
    NoComparison(String),
    /// Comparison signs that are not an operator (`=<`, `=`, `!=`).
    #[error(
        "unknown operator `{operator}`{}; the operators: <=, >=, <, >, ==",
        nearest.map(|o| format!(" (did you mean `{o}`?)")).unwrap_or_default()
    )]
    UnknownOperator {
        /// The signs given.
        operator: String,
        /// The operator they are likely a misspelling of (`<=` for `=<`, `==` for `=`).
        nearest: Option<&'static str>,
    },
    /// The right-hand side is not a limit.
    #[error("`{0}` is not a limit such as 0.9, 1.05 * baseline or baseline + 60")]
    NotALimit(String),
}

/// A comparison operator.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    /// `<=`
    AtMost,
    /// `>=`
    AtLeast,
    /// `<`
    Below,
    /// `>`
    Above,
    /// `==`
    Equal,
}

impl Op {
    /// Whether `value OP limit` holds (with a relative tolerance of 1e-9 for rounding).
    pub fn holds(self, value: f64, limit: f64) -> bool {
        let tolerance = 1e-9 * limit.abs().max(1.0);
        match self {
            Op::AtMost => value <= limit + tolerance,
            Op::AtLeast => value >= limit - tolerance,
            Op::Below => value < limit,
            Op::Above => value > limit,
            Op::Equal => (value - limit).abs() <= tolerance,
        }
    }

    fn symbol(self) -> &'static str {
        match self {
            Op::AtMost => "<=",
            Op::AtLeast => ">=",
            Op::Below => "<",
            Op::Above => ">",
            Op::Equal => "==",
        }
    }
}

/// One rule.
#[derive(Clone, Debug, PartialEq)]
pub struct Rule {
    /// The metric it checks.
    pub metric: String,
    /// How the value must compare with the limit.
    pub op: Op,
    /// `Some(f)`: the limit is f × baseline + offset; `None`: the limit is the offset.
    pub baseline_factor: Option<f64>,
    /// A number added to the limit.
    pub offset: f64,
}

impl Rule {
    /// The limit, given the baseline's value of the metric (`None` when the rule needs a
    /// baseline value and there is none). On a baseline of 0 the factor F is read as an absolute
    /// tolerance of F − 1 (see the module's documentation).
    pub fn limit(&self, baseline: Option<f64>) -> Option<f64> {
        match self.baseline_factor {
            Some(factor) => match baseline? {
                0.0 => Some(factor - 1.0 + self.offset),
                base => Some(factor * base + self.offset),
            },
            None => Some(self.offset),
        }
    }
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {} ", self.metric, self.op.symbol())?;
        match self.baseline_factor {
            None => write!(f, "{}", self.offset),
            Some(factor) => {
                if factor != 1.0 {
                    write!(f, "{factor} * ")?;
                }
                write!(f, "baseline")?;
                if self.offset != 0.0 {
                    let sign = if self.offset < 0.0 { '-' } else { '+' };
                    write!(f, " {sign} {}", self.offset.abs())?;
                }
                Ok(())
            }
        }
    }
}

/// Parses a rules file naming built-in metrics; errors name `origin`, the line and what is
/// wrong.
pub fn parse_rules(text: &str, origin: &str) -> Result<Vec<Rule>, ReportError> {
    parse_rules_for(text, origin, &[])
}

/// [`parse_rules`], the rules also naming the metrics of a crate's own in `extra_metrics`
/// (those the results hold: [`super::results::Results::extra_metrics`]).
pub fn parse_rules_for(text: &str, origin: &str, extra_metrics: &[String]) -> Result<Vec<Rule>, ReportError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut rules = Vec::new();
    for (number, line) in text.lines().enumerate() {
        let content = line.split('#').next().unwrap_or_default().trim();
        if content.is_empty() {
            continue;
        }
        rules.push(parse_rule(content, extra_metrics).map_err(|reason| ReportError::Rule {
            origin: origin.to_string(),
            line: number as u64 + 1,
            reason,
        })?);
    }
    if rules.is_empty() {
        return Err(ReportError::NoRules {
            origin: origin.to_string(),
        });
    }
    Ok(rules)
}

/// The rules used without `--rules`: every headline metric at most 5 % worse than the
/// baseline (`<= 1.05 * baseline` where lower is better, `>= 0.95 * baseline` where higher is).
pub fn default_rules() -> Vec<Rule> {
    HEADLINE_METRICS
        .iter()
        .filter_map(|metric| {
            let (op, factor) = match better(metric) {
                Better::Lower => (Op::AtMost, 1.05),
                Better::Higher => (Op::AtLeast, 0.95),
                Better::Neither => return None,
            };
            Some(Rule {
                metric: metric.to_string(),
                op,
                baseline_factor: Some(factor),
                offset: 0.0,
            })
        })
        .collect()
}

/// One rule, from a line without its comment, naming a built-in metric or one of
/// `extra_metrics`.
fn parse_rule(text: &str, extra_metrics: &[String]) -> Result<Rule, RuleError> {
    let (metric, op, rest) = split_operator(text)?;
    let known = || {
        METRIC_NAMES
            .iter()
            .copied()
            .chain(extra_metrics.iter().map(String::as_str))
    };
    if !known().any(|m| m == metric) {
        let nearest = known()
            .map(|m| (strsim::levenshtein(metric, m), m))
            .min()
            .filter(|(d, _)| *d <= 3)
            .map(|(_, m)| m.to_string());
        return Err(RuleError::UnknownMetric {
            metric: metric.to_string(),
            nearest,
        });
    }
    let (baseline_factor, offset) = parse_limit(rest)?;
    Ok(Rule {
        metric: metric.to_string(),
        op,
        baseline_factor,
        offset,
    })
}

/// Every operator, by its symbol.
const OPERATORS: [(&str, Op); 5] = [
    ("<=", Op::AtMost),
    (">=", Op::AtLeast),
    ("==", Op::Equal),
    ("<", Op::Below),
    (">", Op::Above),
];

/// The characters operators are made of (neither metric names nor limits hold any).
const OPERATOR_SIGNS: [char; 4] = ['<', '>', '=', '!'];

/// The metric, the operator and the limit's text of a rule. The operator is the first run of
/// comparison signs, so a misspelt one (`=<`) is named as such rather than read as `<` after a
/// metric called `avg_jct_s =`.
fn split_operator(text: &str) -> Result<(&str, Op, &str), RuleError> {
    let Some(start) = text.find(OPERATOR_SIGNS) else {
        return Err(RuleError::NoComparison(text.to_string()));
    };
    let end = text[start..]
        .find(|c| !OPERATOR_SIGNS.contains(&c))
        .map_or(text.len(), |length| start + length);
    let symbol = &text[start..end];
    let find = |symbol: &str| OPERATORS.iter().find(|(s, _)| *s == symbol);
    match find(symbol) {
        Some((_, op)) => Ok((text[..start].trim(), *op, text[end..].trim())),
        None => {
            let reversed: String = symbol.chars().rev().collect();
            let nearest = match find(&reversed) {
                Some((s, _)) => Some(*s),
                None if symbol == "=" => Some("=="),
                None => None,
            };
            Err(RuleError::UnknownOperator {
                operator: symbol.to_string(),
                nearest,
            })
        }
    }
}

/// `NUMBER` | `[NUMBER *] baseline [* NUMBER] [(+|-) NUMBER]`.
fn parse_limit(text: &str) -> Result<(Option<f64>, f64), RuleError> {
    let bad = || RuleError::NotALimit(text.to_string());
    let number = |s: &str| s.trim().parse::<f64>().ok().filter(|v| v.is_finite());
    let Some(at) = text.find("baseline") else {
        return number(text).map(|v| (None, v)).ok_or_else(bad);
    };
    let before = text[..at].trim();
    let after = text[at + "baseline".len()..].trim();
    let mut factor = match before.strip_suffix('*') {
        Some(n) => number(n).ok_or_else(bad)?,
        None if before.is_empty() => 1.0,
        None => return Err(bad()),
    };
    let mut rest = after;
    if let Some(tail) = rest.strip_prefix('*') {
        let tail = tail.trim_start();
        let end = tail.find(['+', '-']).filter(|&i| i > 0).unwrap_or(tail.len());
        factor *= number(&tail[..end]).ok_or_else(bad)?;
        rest = tail[end..].trim();
    }
    let offset = if rest.is_empty() {
        0.0
    } else if let Some(n) = rest.strip_prefix('+') {
        number(n).ok_or_else(bad)?
    } else if let Some(n) = rest.strip_prefix('-') {
        -number(n).ok_or_else(bad)?
    } else {
        return Err(bad());
    };
    Ok((Some(factor), offset))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_parse_in_every_form() {
        let text = "# gate\np95_jct_s <= 1.05 * baseline\ngpu_alloc_ratio >= 0.9  # floor\n\
                    avg_wait_s <= baseline + 60\nmakespan_s < baseline*1.1 - 5\njobs_failed == 0\n";
        let rules = parse_rules(text, "r.txt").unwrap();
        let shown: Vec<String> = rules.iter().map(Rule::to_string).collect();
        assert_eq!(
            shown,
            [
                "p95_jct_s <= 1.05 * baseline",
                "gpu_alloc_ratio >= 0.9",
                "avg_wait_s <= baseline + 60",
                "makespan_s < 1.1 * baseline - 5",
                "jobs_failed == 0"
            ]
        );
        // 1.05 × 200 = 210; 1.1 × 100 − 5 = 105.
        assert_eq!(rules[0].limit(Some(200.0)), Some(210.0));
        assert!((rules[3].limit(Some(100.0)).unwrap() - 105.0).abs() < 1e-12);
        assert_eq!(rules[0].limit(None), None);
        assert_eq!(rules[1].limit(None), Some(0.9));
    }

    #[test]
    fn rules_name_the_metrics_of_a_crate_s_own_the_results_hold() {
        let extra = ["max_queue_length".to_string()];
        let rules = parse_rules_for("max_queue_length <= baseline\n", "r.txt", &extra).unwrap();
        assert_eq!(rules[0].metric, "max_queue_length");
        let err = parse_rules_for("max_queue_lenght <= 2\n", "r.txt", &extra).unwrap_err();
        assert_eq!(
            err.to_string(),
            "r.txt:1: unknown metric `max_queue_lenght` (did you mean `max_queue_length`?)"
        );
        // Results without it do not know it.
        let err = parse_rules("max_queue_length <= 2\n", "r.txt").unwrap_err();
        assert_eq!(err.to_string(), "r.txt:1: unknown metric `max_queue_length`");
    }

    #[test]
    fn bad_rules_name_the_line() {
        let err = parse_rules("\np95_jct <= baseline\n", "r.txt").unwrap_err().to_string();
        assert_eq!(err, "r.txt:2: unknown metric `p95_jct` (did you mean `p95_jct_s`?)");
        let err = parse_rules("avg_jct_s <= twice baseline\n", "r.txt")
            .unwrap_err()
            .to_string();
        assert_eq!(
            err,
            "r.txt:1: `twice baseline` is not a limit such as 0.9, 1.05 * baseline or baseline + 60"
        );
        let err = parse_rules("avg_jct_s baseline\n", "r.txt").unwrap_err().to_string();
        assert_eq!(
            err,
            "r.txt:1: `avg_jct_s baseline` has no comparison (<=, >=, <, >, ==)"
        );
        assert_eq!(
            parse_rules("# nothing\n", "r.txt").unwrap_err().to_string(),
            "r.txt: no rules"
        );
    }

    #[test]
    fn a_misspelt_operator_is_named_with_the_operators() {
        // `=<` is `<=` written backwards, `=` a single equals sign; `!=` has no near operator.
        let error = |text: &str| parse_rules(text, "r.txt").unwrap_err().to_string();
        assert_eq!(
            error("avg_jct_s =< 5\n"),
            "r.txt:1: unknown operator `=<` (did you mean `<=`?); the operators: <=, >=, <, >, =="
        );
        assert_eq!(
            error("# gate\ngpu_util=>0.9\n"),
            "r.txt:2: unknown operator `=>` (did you mean `>=`?); the operators: <=, >=, <, >, =="
        );
        assert_eq!(
            error("jobs_failed = 0\n"),
            "r.txt:1: unknown operator `=` (did you mean `==`?); the operators: <=, >=, <, >, =="
        );
        assert_eq!(
            error("jobs_failed != 0\n"),
            "r.txt:1: unknown operator `!=`; the operators: <=, >=, <, >, =="
        );
        // Operators written without spaces still split where they are.
        let rules = parse_rules("avg_wait_s<=baseline-5\njobs_failed<1\n", "r.txt").unwrap();
        assert_eq!(rules[0].to_string(), "avg_wait_s <= baseline - 5");
        assert_eq!((rules[1].op, rules[1].offset), (Op::Below, 1.0));
    }

    #[test]
    fn a_byte_order_mark_is_not_part_of_the_first_metric() {
        let rules = parse_rules("\u{feff}p95_jct_s <= 1.05 * baseline\n", "r.txt").unwrap();
        assert_eq!(rules[0].metric, "p95_jct_s");
    }

    #[test]
    fn a_baseline_of_zero_reads_the_factor_as_an_absolute_tolerance() {
        let rules = parse_rules(
            "avg_wait_s <= 1.05 * baseline\ngpu_util >= 0.95 * baseline\njobs_failed <= baseline + 2\n",
            "r.txt",
        )
        .unwrap();
        // 1.05 − 1 = 0.05 s of waiting allowed over a baseline of 0; 0.95 − 1 = −0.05 below it.
        assert!((rules[0].limit(Some(0.0)).unwrap() - 0.05).abs() < 1e-12);
        assert!(Op::AtMost.holds(0.04, rules[0].limit(Some(0.0)).unwrap()));
        assert!(!Op::AtMost.holds(0.06, rules[0].limit(Some(0.0)).unwrap()));
        assert!((rules[1].limit(Some(0.0)).unwrap() + 0.05).abs() < 1e-12);
        // A factor of 1 is unchanged: 0 + 2.
        assert_eq!(rules[2].limit(Some(0.0)), Some(2.0));
    }

    #[test]
    fn operators_hold_with_a_rounding_tolerance() {
        assert!(Op::AtMost.holds(210.0, 210.0) && !Op::AtMost.holds(210.001, 210.0));
        assert!(Op::AtLeast.holds(0.9, 0.9) && !Op::AtLeast.holds(0.899, 0.9));
        assert!(!Op::Below.holds(1.0, 1.0) && Op::Equal.holds(0.1 + 0.2, 0.3));
    }
}

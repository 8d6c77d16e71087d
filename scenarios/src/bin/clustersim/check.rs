//! `clustersim check`: exit 1 with a table of what regressed (or of the points with failed runs,
//! or with fewer runs than the baseline's), 0 when every rule holds.

use reports::check::rules::{default_rules, parse_rules_for};
use reports::check::{CheckReport, check, results};
use reports::report::count;
use scenarios::ScenarioError;

use crate::cli::CheckArgs;
use crate::exit::REGRESSED;
use crate::table::render;

/// The largest rules file read: 1 MiB (a rule is one line).
const MAX_RULES_BYTES: u64 = 1 << 20;

/// The text of a rules file (a pipe too: `--rules <(…)`), refused past [`MAX_RULES_BYTES`].
fn read_rules(path: &std::path::Path) -> std::io::Result<String> {
    use std::io::Read;
    let mut text = String::new();
    std::fs::File::open(path)?
        .take(MAX_RULES_BYTES + 1)
        .read_to_string(&mut text)?;
    if text.len() as u64 > MAX_RULES_BYTES {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!("larger than {MAX_RULES_BYTES} bytes, the largest rules file read"),
        ));
    }
    Ok(text)
}

pub fn check_command(args: &CheckArgs) -> Result<i32, ScenarioError> {
    let found = results::load(&args.results)?;
    let baseline = results::load(&args.baseline)?;
    let rules = match &args.rules {
        Some(path) => {
            let origin = path.display().to_string();
            let text = read_rules(path).map_err(|e| ScenarioError::io(path, e))?;
            parse_rules_for(&text, &origin, &found.extra_metrics)?
        }
        None => default_rules(),
    };
    let report = check(&found, &baseline, &rules)?;
    let failed = report.failures().count();
    let header = ["point", "rule", "value", "limit", "status"];
    if failed > 0 {
        outln!(
            "check failed: {failed} of {} against {}",
            count(report.checks.len() as u64, "check"),
            baseline.origin
        );
        let rows = match args.verbose {
            true => CheckReport::rows(report.checks.iter()),
            false => CheckReport::rows(report.failures()),
        };
        outln!("{}", render(&header, &rows));
        return Ok(REGRESSED);
    }
    outln!(
        "check passed: {} ({} × {}) against {}",
        count(report.checks.len() as u64, "check"),
        count(rules.len() as u64, "rule"),
        count(found.points.len() as u64, "point"),
        baseline.origin
    );
    if args.verbose {
        outln!("{}", render(&header, &CheckReport::rows(report.checks.iter())));
    }
    Ok(0)
}

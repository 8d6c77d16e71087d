//! `clustersim check`: exit 1 with a table of what regressed, 0 when every rule holds.

use reports::check::rules::{default_rules, parse_rules};
use reports::check::{CheckReport, check, results};
use scenarios::ScenarioError;

use crate::cli::CheckArgs;
use crate::table::render;

/// Exit code of a check that found a regression.
const REGRESSED: i32 = 1;

pub fn check_command(args: &CheckArgs) -> Result<i32, ScenarioError> {
    let input = ScenarioError::Input;
    let found = results::load(&args.results).map_err(input)?;
    let baseline = results::load(&args.baseline).map_err(input)?;
    let rules = match &args.rules {
        Some(path) => {
            let origin = path.display().to_string();
            let text = std::fs::read_to_string(path).map_err(|e| input(format!("{origin}: {e}")))?;
            parse_rules(&text, &origin).map_err(input)?
        }
        None => default_rules(),
    };
    let report = check(&found, &baseline, &rules).map_err(input)?;
    let failed = report.failures().count();
    let header = ["point", "rule", "value", "limit", "status"];
    if failed > 0 {
        outln!(
            "check failed: {failed} of {} checks against {}",
            report.checks.len(),
            baseline.origin
        );
        outln!("{}", render(&header, &CheckReport::rows(report.failures())));
        return Ok(REGRESSED);
    }
    outln!(
        "check passed: {} checks ({} rules × {} points) against {}",
        report.checks.len(),
        rules.len(),
        found.points.len(),
        baseline.origin
    );
    if args.verbose {
        outln!("{}", render(&header, &CheckReport::rows(report.checks.iter())));
    }
    Ok(0)
}

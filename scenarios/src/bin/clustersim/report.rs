//! `clustersim report DIR`: charts and report.html from the files of a sweep, a comparison or
//! a single run.

use std::path::Path;

use reports::report::{Rendered, render, split};
use scenarios::ScenarioError;

use crate::cli::ReportArgs;

/// Renders the charts and the page of the sweep or comparison folder `dir`.
pub fn render_dir(dir: &Path) -> Result<Rendered, ScenarioError> {
    render(dir).map_err(|e| ScenarioError::report_of(dir, e))
}

pub fn report(args: &ReportArgs) -> Result<i32, ScenarioError> {
    let dir = &args.dir;
    let (charts, page, comparison) = if dir.join("sweep.csv").exists() {
        let rendered = render_dir(dir)?;
        (rendered.charts, rendered.page, rendered.comparison)
    } else if dir.join("summary.json").exists() {
        let drawn = crate::run::render_run_report(dir)?;
        (split(drawn).0, dir.join("report.html"), None)
    } else if dir.join(scenarios::sweep::resume::JOURNAL).exists() {
        return Err(ScenarioError::Input(format!(
            "report of {}: an unfinished sweep or comparison (its runs so far are in {}, no sweep.csv yet): \
             finish it with the same command and --resume, then report",
            dir.display(),
            scenarios::sweep::resume::JOURNAL
        )));
    } else {
        return Err(ScenarioError::Input(format!(
            "report of {}: neither a sweep or comparison folder (sweep.csv) nor a run folder (summary.json)",
            dir.display()
        )));
    };
    if args.quiet {
        return Ok(0);
    }
    for chart in &charts {
        outln!("wrote {} and {}", chart.png.display(), chart.svg.display());
    }
    if let Some(path) = &comparison {
        outln!("wrote {}", path.display());
    }
    outln!("wrote {}", page.display());
    Ok(0)
}

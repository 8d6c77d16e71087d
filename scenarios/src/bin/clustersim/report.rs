//! `clustersim report DIR`: charts and report.html from the files of a sweep or comparison.

use std::path::Path;

use reports::report::{Rendered, render};
use scenarios::ScenarioError;

use crate::cli::ReportArgs;

/// Renders the charts and the page of `dir`.
pub fn render_dir(dir: &Path) -> Result<Rendered, ScenarioError> {
    render(dir).map_err(|e| ScenarioError::Input(format!("report of {}: {e}", dir.display())))
}

pub fn report(args: &ReportArgs) -> Result<i32, ScenarioError> {
    let rendered = render_dir(&args.dir)?;
    for chart in &rendered.charts {
        outln!("wrote {} and {}", chart.png.display(), chart.svg.display());
    }
    if let Some(path) = &rendered.comparison {
        outln!("wrote {}", path.display());
    }
    outln!("wrote {}", rendered.page.display());
    Ok(0)
}

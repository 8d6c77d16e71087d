//! Charts (plotters), each written as PNG and SVG, all through [`render`] and the shared
//! [`frame`], which build in the rules a reader relies on:
//!
//! - ticks at round steps, labelled at the precision the step needs, never twice alike
//!   ([`ticks`]); ratios and counts on axes from zero; simulated time in one unit per report
//!   with that unit's round steps ([`time`]);
//! - swept values that are strings or few numbers drawn as categories, one tick each, with short
//!   labels cut to fit ([`categories`]); lines join points only along numeric axes;
//! - identical series drawn once under a merged legend entry, and a chart whose every series is
//!   flat replaced by a one-line note ([`series`]); legends in a column beside the plot;
//! - PNG strokes kept inside the plot ([`frame::line`]); heatmaps on perceptually uniform
//!   sequential colour maps ([`heatmap`]); no title ending in empty parentheses.
//!
//! Text is drawn with DejaVu Sans, embedded in the binary (`reports/assets/fonts`, with its
//! licence) and registered with plotters' `ab_glyph` renderer, so charts render the same on a
//! machine without fontconfig or FreeType. Colours come from [`palette`]: a policy keeps its
//! colour in every chart of a report.

pub mod bands;
pub mod bars;
pub mod canvas;
pub mod categories;
pub mod frame;
pub mod heatmap;
pub mod lines;
pub mod palette;
pub mod series;
pub mod ticks;
pub mod time;

use std::io::{self, Write};
use std::path::{Path, PathBuf};

use plotters::drawing::DrawingAreaErrorKind;

use crate::error::ReportError;

pub use bands::{BandChart, BandPoint, BandSeries};
pub use bars::{Bar, BarChart, BarSeries};
pub use heatmap::HeatmapChart;
pub use lines::{LineChart, Series};
pub use time::TimeUnit;

/// Why a chart could not be drawn: the message of the drawing backend or of the PNG encoder
/// (neither says more that a caller could act on).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct DrawError(String);

impl<E: std::error::Error + Send + Sync> From<DrawingAreaErrorKind<E>> for DrawError {
    fn from(error: DrawingAreaErrorKind<E>) -> Self {
        DrawError(error.to_string())
    }
}

impl From<png::EncodingError> for DrawError {
    fn from(error: png::EncodingError) -> Self {
        DrawError(error.to_string())
    }
}

/// Width and height of every chart, in pixels.
pub const SIZE: (u32, u32) = (960, 560);

/// The files of one chart.
#[derive(Clone, Debug, PartialEq)]
pub struct ChartFiles {
    /// The chart's file stem (`jct_cdf`).
    pub name: String,
    /// Its title.
    pub title: String,
    /// `NAME.png`.
    pub png: PathBuf,
    /// `NAME.svg`.
    pub svg: PathBuf,
}

/// What a chart is drawn on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Medium {
    /// SVG text (strokes are joined and mitre-limited by the viewer).
    Svg,
    /// A PNG bitmap.
    Png,
}

/// A chart that can draw itself on any plotters backend.
pub trait Chart {
    /// The file stem.
    fn name(&self) -> &str;
    /// The title drawn on top.
    fn title(&self) -> &str;
    /// The one-line note that replaces the chart when there is nothing to see (every series
    /// flat), else `None`.
    fn flat_note(&self) -> Option<String>;
    /// Draws on `area`.
    fn draw<DB: plotters::prelude::DrawingBackend>(
        &self,
        area: &plotters::prelude::DrawingArea<DB, plotters::coord::Shift>,
        medium: Medium,
    ) -> Result<(), DrawError>;
}

/// What [`render`] made of a chart.
#[derive(Clone, Debug, PartialEq)]
pub enum Drawn {
    /// The chart's files.
    Files(ChartFiles),
    /// A one-line note instead of a chart with nothing to see.
    Note(String),
}

/// A title without empty parentheses (`"… over time ()"` → `"… over time"`).
pub fn tidy_title(title: &str) -> String {
    let mut text = title.replace("()", "");
    while text.contains("  ") {
        text = text.replace("  ", " ");
    }
    text.trim().trim_end_matches([':', ',']).trim_end().to_string()
}

/// Writes `chart` as `dir/NAME.png` and `dir/NAME.svg` (each atomically), or returns its note
/// when every series is flat: then no file is written, and the files of an earlier drawing of
/// the chart are removed, so a folder never holds a chart its page does not show.
pub fn render(dir: &Path, chart: &impl Chart) -> Result<Drawn, ReportError> {
    let io_error = |e| ReportError::io(dir, e);
    if let Some(note) = chart.flat_note() {
        for extension in ["png", "svg"] {
            match std::fs::remove_file(dir.join(format!("{}.{extension}", chart.name()))) {
                Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(io_error(e)),
                _ => {}
            }
        }
        return Ok(Drawn::Note(note));
    }
    let draw_error = |source| ReportError::Draw {
        path: dir.display().to_string(),
        source,
    };
    let svg = canvas::svg(chart).map_err(draw_error)?;
    let png = canvas::png(chart).map_err(draw_error)?;
    let files = ChartFiles {
        name: chart.name().to_string(),
        title: tidy_title(chart.title()),
        png: dir.join(format!("{}.png", chart.name())),
        svg: dir.join(format!("{}.svg", chart.name())),
    };
    crate::write_atomic(&files.svg, |w| w.write_all(svg.as_bytes())).map_err(io_error)?;
    crate::write_atomic(&files.png, |w| w.write_all(&png)).map_err(io_error)?;
    Ok(Drawn::Files(files))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_chart_that_became_flat_leaves_no_old_files() {
        let dir = tempfile::tempdir().unwrap();
        let mut chart = LineChart {
            name: "queue_over_time".into(),
            title: "Queue length over time".into(),
            x: lines::XScale::Time(time::HOURS),
            y_label: "jobs waiting".into(),
            y_from_zero: true,
            series: vec![Series {
                label: "first-fit".into(),
                colour: 0,
                points: vec![(0.0, 1.0), (1.0, 3.0)],
            }],
            steps: false,
        };
        assert!(matches!(render(dir.path(), &chart).unwrap(), Drawn::Files(_)));
        assert!(dir.path().join("queue_over_time.png").exists());
        // Redrawn from data where nothing ever waited: a note, and the old files are gone.
        chart.series[0].points = vec![(0.0, 0.0), (1.0, 0.0)];
        assert!(matches!(render(dir.path(), &chart).unwrap(), Drawn::Note(_)));
        assert!(!dir.path().join("queue_over_time.png").exists());
        assert!(!dir.path().join("queue_over_time.svg").exists());
    }

    #[test]
    fn titles_lose_empty_parentheses() {
        assert_eq!(
            tidy_title("Fragmentation against the typical tasks over time ()"),
            "Fragmentation against the typical tasks over time"
        );
        assert_eq!(tidy_title("GPU allocation (seed 1)"), "GPU allocation (seed 1)");
    }
}

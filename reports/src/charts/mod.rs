//! Charts (plotters), each written as PNG and SVG.
//!
//! Text is drawn with DejaVu Sans, embedded in the binary (`reports/assets/fonts`, with its
//! licence) and registered with plotters' `ab_glyph` renderer, so charts render the same on a
//! machine without fontconfig or FreeType. Colours come from [`palette`]: a policy keeps its
//! colour in every chart of a report.

pub mod bands;
pub mod bars;
pub mod canvas;
pub mod heatmap;
pub mod lines;
pub mod palette;

use std::io::{self, Write};
use std::path::{Path, PathBuf};

pub use bands::{BandChart, BandPoint, BandSeries};
pub use bars::{Bar, BarChart, BarSeries};
pub use heatmap::HeatmapChart;
pub use lines::{LineChart, Series};

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

/// A chart that can draw itself on any plotters backend.
pub trait Chart {
    /// The file stem.
    fn name(&self) -> &str;
    /// The title drawn on top.
    fn title(&self) -> &str;
    /// Draws on `area`.
    fn draw<DB: plotters::prelude::DrawingBackend>(
        &self,
        area: &plotters::prelude::DrawingArea<DB, plotters::coord::Shift>,
    ) -> Result<(), String>;
}

/// Writes `chart` as `dir/NAME.png` and `dir/NAME.svg` (each atomically).
pub fn render(dir: &Path, chart: &impl Chart) -> io::Result<ChartFiles> {
    let svg = canvas::svg(chart).map_err(io::Error::other)?;
    let png = canvas::png(chart).map_err(io::Error::other)?;
    let files = ChartFiles {
        name: chart.name().to_string(),
        title: chart.title().to_string(),
        png: dir.join(format!("{}.png", chart.name())),
        svg: dir.join(format!("{}.svg", chart.name())),
    };
    crate::write_atomic(&files.svg, |w| w.write_all(svg.as_bytes()))?;
    crate::write_atomic(&files.png, |w| w.write_all(&png))?;
    Ok(files)
}

/// The unit to draw a simulated-time axis spanning `span_s` seconds in: days for spans of three
/// days or more, hours from three hours, else seconds; with the seconds per unit.
pub fn time_unit(span_s: f64) -> (&'static str, f64) {
    if span_s >= 3.0 * 86_400.0 {
        ("days", 86_400.0)
    } else if span_s >= 3.0 * 3_600.0 {
        ("hours", 3_600.0)
    } else {
        ("s", 1.0)
    }
}

/// A number for an axis tick: short and readable (`0.25`, `1,200` as `1.2k`, `3.5M`).
pub fn compact(x: f64) -> String {
    let magnitude = x.abs();
    let (value, suffix) = if magnitude >= 1e9 {
        (x / 1e9, "G")
    } else if magnitude >= 1e6 {
        (x / 1e6, "M")
    } else if magnitude >= 1e4 {
        (x / 1e3, "k")
    } else {
        (x, "")
    };
    let text = if value.fract() == 0.0 || value.abs() >= 100.0 {
        format!("{value:.0}")
    } else if value.abs() >= 1.0 {
        format!("{value:.1}")
    } else {
        format!("{value:.3}")
    };
    let trimmed = if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.')
    } else {
        &text
    };
    format!("{trimmed}{suffix}")
}

/// A range that shows every value in `values` with a margin, never empty.
pub fn padded_range(values: impl Iterator<Item = f64>) -> (f64, f64) {
    let (low, high) = values
        .filter(|v| v.is_finite())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), v| (l.min(v), h.max(v)));
    if !low.is_finite() {
        return (0.0, 1.0);
    }
    let span = high - low;
    let margin = if span > 0.0 {
        span * 0.05
    } else {
        low.abs().max(1.0) * 0.05
    };
    (low - margin, high + margin)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_are_compact() {
        assert_eq!(compact(0.25), "0.25");
        assert_eq!(compact(12.0), "12");
        assert_eq!(compact(1500.0), "1500");
        assert_eq!(compact(12_500.0), "12.5k");
        assert_eq!(compact(3_500_000.0), "3.5M");
        assert_eq!(compact(-0.5), "-0.5");
        assert_eq!(padded_range([2.0, 4.0].into_iter()), (1.9, 4.1));
        assert_eq!(padded_range([0.0].into_iter()), (-0.05, 0.05));
        assert_eq!(padded_range(std::iter::empty()), (0.0, 1.0));
    }
}

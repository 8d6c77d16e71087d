//! Grouped bars: a value per series (policy) in each group (a condition), with its 95 %
//! interval as an error bar.

use plotters::prelude::*;

use super::canvas::FAMILY;
use super::palette::colour;
use super::{Chart, compact};

/// One bar: mean and interval (equal to the mean when there is none).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Bar {
    /// Mean across seeds.
    pub mean: f64,
    /// Lower end of the 95 % interval.
    pub low: f64,
    /// Upper end of the interval.
    pub high: f64,
}

/// One series: a bar in each group (`None` where it has no value).
#[derive(Clone, Debug, PartialEq)]
pub struct BarSeries {
    /// Legend entry.
    pub label: String,
    /// Palette index of its colour.
    pub colour: usize,
    /// One bar per group, in group order.
    pub bars: Vec<Option<Bar>>,
}

/// A chart of grouped bars.
#[derive(Clone, Debug, PartialEq)]
pub struct BarChart {
    /// File stem.
    pub name: String,
    /// Title.
    pub title: String,
    /// X axis description (what the groups are).
    pub x_label: String,
    /// Y axis description (the value, with its unit).
    pub y_label: String,
    /// Group labels, left to right.
    pub groups: Vec<String>,
    /// The series, drawn side by side in each group.
    pub series: Vec<BarSeries>,
}

impl BarChart {
    /// Left and right edges of bar `index` of group `group`.
    fn span(&self, group: usize, index: usize) -> (f64, f64) {
        let width = 0.8 / self.series.len().max(1) as f64;
        let left = group as f64 - 0.4 + index as f64 * width;
        (left + width * 0.08, left + width * 0.92)
    }
}

impl Chart for BarChart {
    fn name(&self) -> &str {
        &self.name
    }

    fn title(&self) -> &str {
        &self.title
    }

    fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, plotters::coord::Shift>) -> Result<(), String> {
        let top = self
            .series
            .iter()
            .flat_map(|s| s.bars.iter().flatten())
            .map(|b| b.high.max(b.mean))
            .fold(0.0, f64::max);
        // Headroom above the tallest bar keeps the legend (upper left) clear of the bars.
        let y_high = if top > 0.0 { top * 1.6 } else { 1.0 };
        let mut chart = ChartBuilder::on(area)
            .caption(&self.title, (FAMILY, 24))
            .margin(16)
            .x_label_area_size(52)
            .y_label_area_size(80)
            .build_cartesian_2d(-0.5..self.groups.len() as f64 - 0.5, 0.0..y_high)
            .map_err(|e| e.to_string())?;
        let x_tick = |v: &f64| {
            let i = v.round();
            if (v - i).abs() < 1e-9 && i >= 0.0 {
                self.groups.get(i as usize).cloned().unwrap_or_default()
            } else {
                String::new()
            }
        };
        let y_tick = |v: &f64| compact(*v);
        chart
            .configure_mesh()
            .x_labels(self.groups.len() * 2 + 1)
            .disable_x_mesh()
            .x_desc(self.x_label.as_str())
            .y_desc(self.y_label.as_str())
            .x_label_formatter(&x_tick)
            .y_label_formatter(&y_tick)
            .label_style((FAMILY, 15))
            .axis_desc_style((FAMILY, 17))
            .light_line_style(RGBColor(235, 235, 235))
            .draw()
            .map_err(|e| e.to_string())?;
        for (index, series) in self.series.iter().enumerate() {
            let tone = colour(series.colour);
            let bars: Vec<(usize, Bar)> = series
                .bars
                .iter()
                .enumerate()
                .filter_map(|(g, b)| b.map(|b| (g, b)))
                .collect();
            chart
                .draw_series(bars.iter().map(|&(g, bar)| {
                    let (left, right) = self.span(g, index);
                    Rectangle::new([(left, 0.0), (right, bar.mean)], tone.filled())
                }))
                .map_err(|e| e.to_string())?
                .label(series.label.as_str())
                .legend(move |(x, y)| Rectangle::new([(x, y - 6), (x + 16, y + 6)], tone.filled()));
            chart
                .draw_series(bars.iter().filter(|(_, b)| b.high > b.low).map(|&(g, bar)| {
                    let (left, right) = self.span(g, index);
                    let middle = (left + right) / 2.0;
                    PathElement::new(vec![(middle, bar.low), (middle, bar.high)], BLACK.stroke_width(2))
                }))
                .map_err(|e| e.to_string())?;
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperLeft)
            .label_font((FAMILY, 16))
            .background_style(WHITE.mix(0.85))
            .border_style(RGBColor(160, 160, 160))
            .draw()
            .map_err(|e| e.to_string())
    }
}

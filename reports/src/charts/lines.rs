//! Line charts: values over time (one line per policy) and cumulative distributions.

use plotters::prelude::*;

use super::canvas::FAMILY;
use super::palette::colour;
use super::{Chart, compact, padded_range};

/// One line.
#[derive(Clone, Debug, PartialEq)]
pub struct Series {
    /// The legend entry (a policy name).
    pub label: String,
    /// Palette index of its colour.
    pub colour: usize,
    /// (x, y) points in x order.
    pub points: Vec<(f64, f64)>,
}

/// A chart of lines sharing two axes.
#[derive(Clone, Debug, PartialEq)]
pub struct LineChart {
    /// File stem.
    pub name: String,
    /// Title.
    pub title: String,
    /// X axis description (with its unit).
    pub x_label: String,
    /// Y axis description (with its unit).
    pub y_label: String,
    /// The lines.
    pub series: Vec<Series>,
    /// Draw x on a log₁₀ scale (values below 1 are drawn at 1).
    pub x_log: bool,
    /// Draw each line as steps (a value holds until the next point), as for a CDF.
    pub steps: bool,
    /// Where the legend goes: the corner the lines usually leave empty.
    pub legend: SeriesLabelPosition,
}

impl LineChart {
    /// The points of `series` as drawn: log-transformed and stepped as asked.
    fn drawn(&self, series: &Series) -> Vec<(f64, f64)> {
        let x = |v: f64| if self.x_log { v.max(1.0).log10() } else { v };
        let mut points = Vec::with_capacity(series.points.len() * 2);
        for (i, &(px, py)) in series.points.iter().enumerate() {
            if self.steps && i > 0 {
                points.push((x(px), series.points[i - 1].1));
            }
            points.push((x(px), py));
        }
        points
    }
}

impl Chart for LineChart {
    fn name(&self) -> &str {
        &self.name
    }

    fn title(&self) -> &str {
        &self.title
    }

    fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, plotters::coord::Shift>) -> Result<(), String> {
        let drawn: Vec<Vec<(f64, f64)>> = self.series.iter().map(|s| self.drawn(s)).collect();
        let (x_low, x_high) = padded_range(drawn.iter().flatten().map(|p| p.0));
        let (y_low, y_high) = padded_range(drawn.iter().flatten().map(|p| p.1));
        let mut chart = ChartBuilder::on(area)
            .caption(&self.title, (FAMILY, 24))
            .margin(16)
            .x_label_area_size(52)
            .y_label_area_size(80)
            .build_cartesian_2d(x_low..x_high, y_low..y_high)
            .map_err(|e| e.to_string())?;
        let x_tick = |v: &f64| {
            if self.x_log {
                compact(10f64.powf(*v))
            } else {
                compact(*v)
            }
        };
        let y_tick = |v: &f64| compact(*v);
        chart
            .configure_mesh()
            .x_desc(self.x_label.as_str())
            .y_desc(self.y_label.as_str())
            .x_label_formatter(&x_tick)
            .y_label_formatter(&y_tick)
            .label_style((FAMILY, 15))
            .axis_desc_style((FAMILY, 17))
            .light_line_style(RGBColor(235, 235, 235))
            .draw()
            .map_err(|e| e.to_string())?;
        for (series, points) in self.series.iter().zip(drawn) {
            let style = colour(series.colour).stroke_width(2);
            chart
                .draw_series(LineSeries::new(points, style))
                .map_err(|e| e.to_string())?
                .label(series.label.as_str())
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 24, y)], style));
        }
        chart
            .configure_series_labels()
            .position(self.legend.clone())
            .label_font((FAMILY, 16))
            .background_style(WHITE.mix(0.85))
            .border_style(RGBColor(160, 160, 160))
            .draw()
            .map_err(|e| e.to_string())
    }
}

//! A metric against a swept parameter: the mean of each grid point with its 95 % interval,
//! drawn as a shaded band (and error bars), one series per policy.

use plotters::prelude::*;

use super::canvas::FAMILY;
use super::palette::colour;
use super::{Chart, compact, padded_range};

/// One grid point's estimate.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct BandPoint {
    /// The parameter's value (or its position, for a categorical parameter).
    pub x: f64,
    /// Mean across seeds.
    pub mean: f64,
    /// 95 % interval (equal to the mean when there is none).
    pub low: f64,
    /// Upper end of the interval.
    pub high: f64,
}

/// One series: a policy (and any other swept values held fixed).
#[derive(Clone, Debug, PartialEq)]
pub struct BandSeries {
    /// Legend entry.
    pub label: String,
    /// Palette index of its colour.
    pub colour: usize,
    /// Points in x order.
    pub points: Vec<BandPoint>,
}

/// A chart of series with interval bands.
#[derive(Clone, Debug, PartialEq)]
pub struct BandChart {
    /// File stem.
    pub name: String,
    /// Title.
    pub title: String,
    /// X axis description (the parameter).
    pub x_label: String,
    /// Y axis description (the metric).
    pub y_label: String,
    /// Tick labels when the parameter is categorical (x = 0, 1, 2 …), else `None`.
    pub categories: Option<Vec<String>>,
    /// The series.
    pub series: Vec<BandSeries>,
    /// Many points per series (a curve): no markers or error bars, the band and line only.
    pub dense: bool,
}

impl BandChart {
    /// Horizontal offset of series `index` so that error bars at one category do not overlap.
    fn offset(&self, index: usize) -> f64 {
        match self.categories {
            Some(_) => (index as f64 - (self.series.len() as f64 - 1.0) / 2.0) * 0.08,
            None => 0.0,
        }
    }
}

impl Chart for BandChart {
    fn name(&self) -> &str {
        &self.name
    }

    fn title(&self) -> &str {
        &self.title
    }

    fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, plotters::coord::Shift>) -> Result<(), String> {
        let points = || self.series.iter().flat_map(|s| s.points.iter());
        let (x_low, x_high) = match &self.categories {
            Some(labels) => (-0.5, labels.len() as f64 - 0.5),
            None => padded_range(points().map(|p| p.x)),
        };
        let (y_low, y_high) = padded_range(points().flat_map(|p| [p.low, p.high]));
        let mut chart = ChartBuilder::on(area)
            .caption(&self.title, (FAMILY, 24))
            .margin(16)
            .x_label_area_size(52)
            .y_label_area_size(80)
            .build_cartesian_2d(x_low..x_high, y_low..y_high)
            .map_err(|e| e.to_string())?;
        let x_tick = |v: &f64| match &self.categories {
            Some(labels) if (v - v.round()).abs() < 1e-9 && *v >= 0.0 => {
                labels.get(v.round() as usize).cloned().unwrap_or_default()
            }
            Some(_) => String::new(),
            None => compact(*v),
        };
        let y_tick = |v: &f64| compact(*v);
        let mut mesh = chart.configure_mesh();
        if let Some(labels) = &self.categories {
            mesh.x_labels(labels.len() * 2 + 1);
        }
        mesh.x_desc(self.x_label.as_str())
            .y_desc(self.y_label.as_str())
            .x_label_formatter(&x_tick)
            .y_label_formatter(&y_tick)
            .label_style((FAMILY, 15))
            .axis_desc_style((FAMILY, 17))
            .light_line_style(RGBColor(235, 235, 235))
            .draw()
            .map_err(|e| e.to_string())?;
        for (index, series) in self.series.iter().enumerate() {
            let shift = self.offset(index);
            let tone = colour(series.colour);
            let at = |p: &BandPoint| p.x + shift;
            if series.points.len() > 1 {
                let outline: Vec<(f64, f64)> = series
                    .points
                    .iter()
                    .map(|p| (at(p), p.high))
                    .chain(series.points.iter().rev().map(|p| (at(p), p.low)))
                    .collect();
                chart
                    .draw_series(std::iter::once(Polygon::new(outline, tone.mix(0.18).filled())))
                    .map_err(|e| e.to_string())?;
            }
            if !self.dense {
                chart
                    .draw_series(
                        series
                            .points
                            .iter()
                            .map(|p| PathElement::new(vec![(at(p), p.low), (at(p), p.high)], tone.stroke_width(2))),
                    )
                    .map_err(|e| e.to_string())?;
            }
            let line = tone.stroke_width(2);
            let marker = if self.dense { 0 } else { 4 };
            chart
                .draw_series(LineSeries::new(series.points.iter().map(|p| (at(p), p.mean)), line).point_size(marker))
                .map_err(|e| e.to_string())?
                .label(series.label.as_str())
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 24, y)], line));
        }
        chart
            .configure_series_labels()
            .position(if self.dense {
                SeriesLabelPosition::UpperLeft
            } else {
                SeriesLabelPosition::UpperRight
            })
            .label_font((FAMILY, 16))
            .background_style(WHITE.mix(0.85))
            .border_style(RGBColor(160, 160, 160))
            .draw()
            .map_err(|e| e.to_string())
    }
}

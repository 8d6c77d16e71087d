//! Heatmaps: one row per rack, time along x, a value per cell (power, temperature, uplink
//! load), with a colour bar. Cells are averaged into at most [`MAX_COLUMNS`] time bins so the
//! SVG stays small whatever the sampling interval.

use plotters::prelude::*;

use super::canvas::FAMILY;
use super::{Chart, compact};

/// Time bins drawn at most.
pub const MAX_COLUMNS: usize = 240;

/// Colour stops of the ramp (low → high): a perceptually ordered blue–yellow–red.
const RAMP: [(f64, (u8, u8, u8)); 5] = [
    (0.0, (49, 54, 149)),
    (0.25, (69, 117, 180)),
    (0.5, (254, 224, 144)),
    (0.75, (244, 109, 67)),
    (1.0, (165, 0, 38)),
];

/// A heatmap of rows (racks) over time.
#[derive(Clone, Debug, PartialEq)]
pub struct HeatmapChart {
    /// File stem.
    pub name: String,
    /// Title.
    pub title: String,
    /// X axis description (with its unit).
    pub x_label: String,
    /// What the colour shows (with its unit), drawn beside the colour bar.
    pub value_label: String,
    /// Row names, bottom to top.
    pub rows: Vec<String>,
    /// Time of each column's left edge, in x units, ascending; the last column ends at `x_end`.
    pub times: Vec<f64>,
    /// Right edge of the last column.
    pub x_end: f64,
    /// `values[row][column]`; `None` draws no cell.
    pub values: Vec<Vec<Option<f64>>>,
}

impl HeatmapChart {
    /// A heatmap from samples at `times` (ascending) of `values[row][sample]`, binned into at
    /// most [`MAX_COLUMNS`] columns by averaging.
    pub fn binned(
        name: &str,
        title: &str,
        x_label: &str,
        value_label: &str,
        rows: Vec<String>,
        times: &[f64],
        values: &[Vec<Option<f64>>],
    ) -> HeatmapChart {
        let stride = times.len().div_ceil(MAX_COLUMNS).max(1);
        let x_end = match times {
            [.., before, last] => last + (last - before),
            [only] => only + 1.0,
            [] => 1.0,
        };
        let binned_values = values
            .iter()
            .map(|row| {
                row.chunks(stride)
                    .map(|chunk| {
                        let present: Vec<f64> = chunk.iter().flatten().copied().collect();
                        (!present.is_empty()).then(|| present.iter().sum::<f64>() / present.len() as f64)
                    })
                    .collect()
            })
            .collect();
        HeatmapChart {
            name: name.into(),
            title: title.into(),
            x_label: x_label.into(),
            value_label: value_label.into(),
            rows,
            times: times.iter().step_by(stride).copied().collect(),
            x_end,
            values: binned_values,
        }
    }

    /// The lowest and highest value drawn (equal values get a unit span).
    fn value_range(&self) -> (f64, f64) {
        let (low, high) = self
            .values
            .iter()
            .flatten()
            .flatten()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &v| {
                (lo.min(v), hi.max(v))
            });
        if !low.is_finite() {
            (0.0, 1.0)
        } else if high - low < 1e-9 {
            (low - 0.5, high + 0.5)
        } else {
            (low, high)
        }
    }
}

/// The ramp's colour at `fraction` (0 to 1).
pub fn ramp(fraction: f64) -> RGBColor {
    let f = fraction.clamp(0.0, 1.0);
    let upper = RAMP
        .iter()
        .position(|&(stop, _)| stop >= f)
        .unwrap_or(RAMP.len() - 1)
        .max(1);
    let (s0, c0) = RAMP[upper - 1];
    let (s1, c1) = RAMP[upper];
    let t = if s1 > s0 { (f - s0) / (s1 - s0) } else { 0.0 };
    let mix = |a: u8, b: u8| (f64::from(a) + (f64::from(b) - f64::from(a)) * t).round() as u8;
    RGBColor(mix(c0.0, c1.0), mix(c0.1, c1.1), mix(c0.2, c1.2))
}

impl Chart for HeatmapChart {
    fn name(&self) -> &str {
        &self.name
    }

    fn title(&self) -> &str {
        &self.title
    }

    fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, plotters::coord::Shift>) -> Result<(), String> {
        let (width, _) = area.dim_in_pixel();
        let (main, bar) = area.split_horizontally(width.saturating_sub(150));
        let (low, high) = self.value_range();
        let x_low = self.times.first().copied().unwrap_or(0.0);
        let rows = self.rows.len().max(1) as f64;
        let mut chart = ChartBuilder::on(&main)
            .caption(&self.title, (FAMILY, 24))
            .margin(16)
            .x_label_area_size(52)
            .y_label_area_size(80)
            .build_cartesian_2d(x_low..self.x_end, 0.0..rows)
            .map_err(|e| e.to_string())?;
        let names = self.rows.clone();
        // Rows are labelled at their lower edge; plotters picks the ticks (every row, or every
        // other one on tall maps), so only whole positions get a name.
        let row_label = move |v: &f64| {
            let i = v.round();
            if (v - i).abs() < 1e-9 && i >= 0.0 {
                names.get(i as usize).cloned().unwrap_or_default()
            } else {
                String::new()
            }
        };
        chart
            .configure_mesh()
            .disable_mesh()
            .x_desc(self.x_label.as_str())
            .y_desc("rack")
            .x_label_formatter(&|v: &f64| compact(*v))
            .y_label_formatter(&row_label)
            .y_labels(self.rows.len().min(20) + 1)
            .label_style((FAMILY, 13))
            .axis_desc_style((FAMILY, 17))
            .draw()
            .map_err(|e| e.to_string())?;
        let mut cells = Vec::new();
        for (r, row) in self.values.iter().enumerate() {
            for (c, value) in row.iter().enumerate() {
                let Some(value) = value else { continue };
                let x0 = self.times[c];
                let x1 = self.times.get(c + 1).copied().unwrap_or(self.x_end);
                let colour = ramp((value - low) / (high - low));
                cells.push(Rectangle::new([(x0, r as f64), (x1, r as f64 + 1.0)], colour.filled()));
            }
        }
        chart.draw_series(cells).map_err(|e| e.to_string())?;
        draw_colour_bar(&bar, low, high, &self.value_label)
    }
}

/// The colour bar: the ramp from `low` (bottom) to `high` (top), labelled.
fn draw_colour_bar<DB: DrawingBackend>(
    area: &DrawingArea<DB, plotters::coord::Shift>,
    low: f64,
    high: f64,
    label: &str,
) -> Result<(), String> {
    let (_, height) = area.dim_in_pixel();
    let (top, bottom) = (70i32, height as i32 - 70);
    let steps = 64;
    for i in 0..steps {
        let y0 = bottom - (bottom - top) * i / steps;
        let y1 = bottom - (bottom - top) * (i + 1) / steps;
        let colour = ramp(f64::from(i) / f64::from(steps - 1));
        area.draw(&Rectangle::new([(10, y1), (34, y0)], colour.filled()))
            .map_err(|e| e.to_string())?;
    }
    let text = |s: String, y: i32| Text::new(s, (40, y - 7), (FAMILY, 14));
    area.draw(&text(compact(high), top)).map_err(|e| e.to_string())?;
    area.draw(&text(compact((low + high) / 2.0), (top + bottom) / 2))
        .map_err(|e| e.to_string())?;
    area.draw(&text(compact(low), bottom)).map_err(|e| e.to_string())?;
    area.draw(&Text::new(label.to_string(), (4, top - 40), (FAMILY, 14)))
        .map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ramp_runs_from_blue_to_red() {
        assert_eq!(ramp(0.0), RGBColor(49, 54, 149));
        assert_eq!(ramp(1.0), RGBColor(165, 0, 38));
        assert_eq!(ramp(0.5), RGBColor(254, 224, 144));
        // Halfway between the first two stops.
        assert_eq!(ramp(0.125), RGBColor(59, 86, 165));
    }

    #[test]
    fn samples_are_averaged_into_bins() {
        // 480 samples of one row → stride 2 → 240 columns, each the mean of two samples.
        let times: Vec<f64> = (0..480).map(f64::from).collect();
        let values = vec![(0..480).map(|i| Some(f64::from(i))).collect::<Vec<_>>()];
        let chart = HeatmapChart::binned("h", "t", "x", "v", vec!["r0".into()], &times, &values);
        assert_eq!(chart.times.len(), 240);
        assert_eq!(chart.values[0][0], Some(0.5));
        assert_eq!(chart.values[0][239], Some(478.5));
        assert_eq!(chart.x_end, 480.0);
    }
}

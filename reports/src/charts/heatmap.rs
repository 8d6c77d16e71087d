//! Heatmaps: one row per rack, simulated time along x, a value per cell (power, temperature,
//! uplink load) on a perceptually uniform sequential colour map, with a colour bar. Samples are
//! gathered into at most [`MAX_COLUMNS`] time bins, each showing its samples' maximum (named in
//! the title), so a short peak is never averaged away and the SVG stays small.

use plotters::prelude::*;

use super::canvas::FAMILY;
use super::frame::{Axis, framed};
use super::series::constant;
use super::ticks::ticks;
use super::{Chart, DrawError, Medium, TimeUnit};

/// Time bins drawn at most.
pub const MAX_COLUMNS: usize = 240;

/// Width of the colour bar column, in pixels.
const BAR_COLUMN_PX: u32 = 130;

/// A sequential colour map (from `colorous`, the d3 schemes).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ColourMap {
    /// Black through red to yellow: heat and power.
    Inferno,
    /// Purple through green to yellow: loads.
    Viridis,
}

impl ColourMap {
    /// The colour at `fraction` (0 to 1) of the map.
    pub fn at(self, fraction: f64) -> RGBColor {
        let gradient = match self {
            ColourMap::Inferno => colorous::INFERNO,
            ColourMap::Viridis => colorous::VIRIDIS,
        };
        let colorous::Color { r, g, b } = gradient.eval_continuous(fraction.clamp(0.0, 1.0));
        RGBColor(r, g, b)
    }
}

/// A heatmap of rows (racks) over time.
#[derive(Clone, Debug, PartialEq)]
pub struct HeatmapChart {
    /// File stem.
    pub name: String,
    /// Title, with the statistic each cell shows.
    pub title: String,
    /// The time unit of `times` and `x_end`.
    pub unit: TimeUnit,
    /// What the colour shows (with its unit), drawn above the colour bar.
    pub value_label: String,
    /// The colour map.
    pub map: ColourMap,
    /// Start the colour scale at zero (power, load) rather than at the lowest value.
    pub from_zero: bool,
    /// Row names, bottom to top.
    pub rows: Vec<String>,
    /// Time of each column's left edge, in `unit`, ascending; the last column ends at `x_end`.
    pub times: Vec<f64>,
    /// Right edge of the last column.
    pub x_end: f64,
    /// `values[row][column]`; `None` draws no cell.
    pub values: Vec<Vec<Option<f64>>>,
}

/// What [`HeatmapChart::binned`] needs besides the samples.
pub struct HeatmapSpec<'a> {
    /// File stem.
    pub name: &'a str,
    /// Title; the statistic of the bins is appended.
    pub title: &'a str,
    /// The time unit of the samples' times.
    pub unit: TimeUnit,
    /// What the colour shows.
    pub value_label: &'a str,
    /// The colour map.
    pub map: ColourMap,
    /// Start the colour scale at zero.
    pub from_zero: bool,
}

impl HeatmapChart {
    /// A heatmap from samples at `times` (ascending, in `spec.unit`) of `values[row][sample]`,
    /// gathered into at most [`MAX_COLUMNS`] columns, each the maximum of its samples.
    pub fn binned(
        spec: HeatmapSpec<'_>,
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
                    .map(|chunk| chunk.iter().flatten().copied().reduce(f64::max))
                    .collect()
            })
            .collect();
        let statistic = match times {
            [first, second, ..] if stride > 1 => {
                // In the largest unit of which the bin is at least one (a 2-minute bin, not a
                // 0.0333333-hour one).
                use super::time::{DAYS, HOURS, MINUTES, SECONDS};
                let seconds = (second - first) * stride as f64 * spec.unit.seconds;
                let unit = [DAYS, HOURS, MINUTES]
                    .into_iter()
                    .find(|u| seconds >= u.seconds)
                    .unwrap_or(SECONDS);
                let width = seconds / unit.seconds;
                let width = super::ticks::labels(&[width], width).remove(0);
                format!("maximum per {width}-{} bin", unit.singular)
            }
            _ => "per sample".to_string(),
        };
        HeatmapChart {
            name: spec.name.into(),
            title: format!("{} ({statistic})", spec.title),
            unit: spec.unit,
            value_label: spec.value_label.into(),
            map: spec.map,
            from_zero: spec.from_zero,
            rows,
            times: times.iter().step_by(stride).copied().collect(),
            x_end,
            values: binned_values,
        }
    }

    /// The colour scale's ends: round ticks over the values (from zero when asked).
    fn scale(&self) -> super::ticks::Ticks {
        let (low, high) = self
            .values
            .iter()
            .flatten()
            .flatten()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &v| {
                (lo.min(v), hi.max(v))
            });
        let (low, high) = if low.is_finite() { (low, high) } else { (0.0, 1.0) };
        let low = if self.from_zero { low.min(0.0) } else { low };
        ticks(low, high, 5, &[])
    }
}

impl Chart for HeatmapChart {
    fn name(&self) -> &str {
        &self.name
    }

    fn title(&self) -> &str {
        &self.title
    }

    fn flat_note(&self) -> Option<String> {
        let value = constant(self.values.iter().flatten().flatten().copied())?;
        Some(super::series::flat_note(
            &super::tidy_title(&self.title),
            &[(format!("every rack, {}", self.value_label), value)],
        ))
    }

    fn draw<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, plotters::coord::Shift>,
        _medium: Medium,
    ) -> Result<(), DrawError> {
        let (width, _) = area.dim_in_pixel();
        let (main, bar) = area.split_horizontally(width.saturating_sub(BAR_COLUMN_PX));
        let scale = self.scale();
        let (low, high) = (scale.values[0], *scale.values.last().expect("ticks are never empty"));
        let x = Axis::time(self.unit, self.times.iter().copied().chain([self.x_end]));
        let y = Axis::categories("rack", self.rows.clone());
        framed(&main, &super::tidy_title(&self.title), &x, &y, &[], |chart| {
            let mut cells = Vec::new();
            for (r, row) in self.values.iter().enumerate() {
                for (c, value) in row.iter().enumerate() {
                    let Some(value) = value else { continue };
                    let x0 = self.times[c];
                    let x1 = self.times.get(c + 1).copied().unwrap_or(self.x_end);
                    let colour = self.map.at((value - low) / (high - low));
                    let y0 = r as f64 - 0.5;
                    cells.push(Rectangle::new([(x0, y0), (x1, y0 + 1.0)], colour.filled()));
                }
            }
            chart.draw_series(cells).map(|_| ()).map_err(DrawError::from)
        })?;
        draw_colour_bar(&bar, self.map, &scale, &self.value_label)
    }
}

/// The colour bar: the map from the scale's low end (bottom) to its high end (top), with the
/// scale's ticks.
fn draw_colour_bar<DB: DrawingBackend>(
    area: &DrawingArea<DB, plotters::coord::Shift>,
    map: ColourMap,
    scale: &super::ticks::Ticks,
    label: &str,
) -> Result<(), DrawError> {
    let (_, height) = area.dim_in_pixel();
    let (top, bottom) = (90i32, height as i32 - 90);
    let steps = 64;
    for i in 0..steps {
        let y0 = bottom - (bottom - top) * i / steps;
        let y1 = bottom - (bottom - top) * (i + 1) / steps;
        let colour = map.at(f64::from(i) / f64::from(steps - 1));
        area.draw(&Rectangle::new([(10, y1), (34, y0)], colour.filled()))?;
    }
    let (low, high) = (scale.values[0], *scale.values.last().expect("ticks are never empty"));
    for (value, text) in scale.values.iter().zip(&scale.labels) {
        let y = bottom - ((value - low) / (high - low) * f64::from(bottom - top)).round() as i32;
        area.draw(&PathElement::new(vec![(34, y), (39, y)], BLACK))?;
        area.draw(&Text::new(text.clone(), (42, y - 7), (FAMILY, 14)))?;
    }
    area.draw(&Text::new(label.to_string(), (4, top - 30), (FAMILY, 14)))
        .map_err(DrawError::from)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::charts::time::HOURS;

    fn spec() -> HeatmapSpec<'static> {
        HeatmapSpec {
            name: "temperature_heatmap",
            title: "Hottest GPU per rack",
            unit: HOURS,
            value_label: "°C",
            map: ColourMap::Inferno,
            from_zero: false,
        }
    }

    #[test]
    fn the_maps_are_sequential_from_dark_to_light() {
        // Inferno runs from near black to pale yellow; viridis from dark purple to yellow.
        let luminance = |c: RGBColor| 0.2126 * f64::from(c.0) + 0.7152 * f64::from(c.1) + 0.0722 * f64::from(c.2);
        for map in [ColourMap::Inferno, ColourMap::Viridis] {
            let steps: Vec<f64> = (0..=10).map(|i| luminance(map.at(f64::from(i) / 10.0))).collect();
            assert!(steps.windows(2).all(|w| w[1] > w[0]), "{map:?}: {steps:?}");
        }
        assert_eq!(ColourMap::Inferno.at(0.0), RGBColor(0, 0, 4));
    }

    #[test]
    fn bins_keep_their_hottest_sample() {
        // 480 samples of one row, a 90 °C spike at sample 7 among 60 °C: stride 2 → 240
        // columns; the spike's bin (samples 6 and 7) reads 90, as max_temp_c does, not 75.
        let times: Vec<f64> = (0..480).map(|i| f64::from(i) * 0.5).collect();
        let row: Vec<Option<f64>> = (0..480).map(|i| Some(if i == 7 { 90.0 } else { 60.0 })).collect();
        let chart = HeatmapChart::binned(spec(), vec!["r0".into()], &times, std::slice::from_ref(&row));
        assert_eq!(chart.times.len(), 240);
        assert_eq!(chart.values[0][3], Some(90.0));
        assert_eq!(chart.values[0][4], Some(60.0));
        assert_eq!(chart.x_end, 240.0);
        assert_eq!(chart.title, "Hottest GPU per rack (maximum per 1-hour bin)");
        assert_eq!(chart.flat_note(), None);
        // Samples a minute apart on an hour axis, binned by 2: a 2-minute bin, not 0.0333333 h.
        let times: Vec<f64> = (0..480).map(|i| f64::from(i) / 60.0).collect();
        let chart = HeatmapChart::binned(spec(), vec!["r0".into()], &times, &[row]);
        assert_eq!(chart.title, "Hottest GPU per rack (maximum per 2-minute bin)");
    }

    #[test]
    fn a_uniform_map_is_a_note() {
        let chart = HeatmapChart::binned(spec(), vec!["r0".into()], &[0.0, 1.0], &[vec![Some(24.0), Some(24.0)]]);
        assert_eq!(chart.title, "Hottest GPU per rack (per sample)");
        assert_eq!(
            chart.flat_note().as_deref(),
            Some("Hottest GPU per rack (per sample): 24 throughout (every rack, °C); no chart drawn.")
        );
    }
}

//! The frame every cartesian chart is drawn in: the title across the top, the plot with the
//! axes and ticks of [`Axis`], and the legend in a column to the right of the plot, outside the
//! data. Lines are drawn through [`line()`], which keeps PNG strokes inside the plot.

use std::ops::Range;

use plotters::coord::Shift;
use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint};
use plotters::prelude::*;
use plotters::style::FontDesc;

use super::canvas::FAMILY;
use super::categories::{fit, fit_all};
use super::ticks::{Ticks, log_ticks, ticks};
use super::time::TimeUnit;
use super::{DrawError, Medium};

/// Height of the title band, in pixels.
pub const TITLE_PX: u32 = 44;
/// Height of the x-axis tick and description band below the plot, in pixels.
pub const X_AXIS_PX: u32 = 56;
/// Font size of tick labels and legend entries.
const LABEL_FONT: u32 = 15;
/// Widest legend column, in pixels.
const LEGEND_MAX_PX: f64 = 300.0;
/// Legend swatch and gap before the label, in pixels.
const SWATCH_PX: i32 = 34;

/// A linear coordinate whose mesh lines and labels are exactly an [`Axis`]'s ticks (plotters'
/// own numeric coordinates pick their ticks themselves).
#[derive(Clone, Debug, PartialEq)]
pub struct Ticked {
    low: f64,
    high: f64,
    ticks: Vec<f64>,
}

impl Ranged for Ticked {
    type FormatOption = DefaultFormatting;
    type ValueType = f64;

    fn map(&self, value: &f64, limit: (i32, i32)) -> i32 {
        if self.high == self.low {
            return (limit.0 + limit.1) / 2;
        }
        let fraction = (value - self.low) / (self.high - self.low);
        limit.0 + (f64::from(limit.1 - limit.0) * fraction + 1e-3).floor() as i32
    }

    fn key_points<Hint: KeyPointHint>(&self, hint: Hint) -> Vec<f64> {
        if hint.weight().allow_light_points() {
            Vec::new()
        } else {
            self.ticks.clone()
        }
    }

    fn range(&self) -> Range<f64> {
        self.low..self.high
    }
}

/// The coordinate system of every framed chart.
pub type Plane = Cartesian2d<Ticked, Ticked>;

/// One axis: its description, range and ticks.
#[derive(Clone, Debug, PartialEq)]
pub struct Axis {
    /// Description with its unit.
    pub label: String,
    /// Low end of the range.
    pub low: f64,
    /// High end of the range.
    pub high: f64,
    /// Tick positions and labels.
    pub ticks: Ticks,
    /// Categories (one tick at each whole position), whose labels are fitted to their slots.
    pub categorical: bool,
}

impl Axis {
    /// A numeric axis over `values` with round ticks, from zero when `from_zero` (ratios,
    /// counts) or when every value is non-negative and zero is near.
    pub fn numeric(label: impl Into<String>, values: impl IntoIterator<Item = f64>, from_zero: bool) -> Axis {
        Axis::stepped(label, values, from_zero, 6, &[])
    }

    /// A simulated-time axis in `unit` over `values` (already in the unit), from zero.
    pub fn time(unit: TimeUnit, values: impl IntoIterator<Item = f64>) -> Axis {
        Axis::stepped(unit.axis_label(), values, true, 8, unit.steps)
    }

    fn stepped(
        label: impl Into<String>,
        values: impl IntoIterator<Item = f64>,
        from_zero: bool,
        count: usize,
        preferred: &[f64],
    ) -> Axis {
        let (mut low, mut high) = extent(values);
        if from_zero {
            low = low.min(0.0);
            high = high.max(0.0);
        }
        let ticks = ticks(low, high, count, preferred);
        Axis {
            label: label.into(),
            low: ticks.values[0],
            high: *ticks.values.last().expect("ticks are never empty"),
            ticks,
            categorical: false,
        }
    }

    /// A log₁₀ axis over `exponents` (log₁₀ of the values), a tick per power of ten.
    pub fn log10(label: impl Into<String>, exponents: impl IntoIterator<Item = f64>) -> Axis {
        let (low, high) = extent(exponents);
        let ticks = log_ticks(low, high);
        Axis {
            label: label.into(),
            low: ticks.values[0],
            high: *ticks.values.last().expect("log ticks are never empty"),
            ticks,
            categorical: false,
        }
    }

    /// Categories at 0, 1, 2, …, each with one tick and its label.
    pub fn categories(label: impl Into<String>, names: Vec<String>) -> Axis {
        let values: Vec<f64> = (0..names.len()).map(|i| i as f64).collect();
        Axis {
            label: label.into(),
            low: -0.5,
            high: names.len().max(1) as f64 - 0.5,
            ticks: Ticks {
                step: 1.0,
                values,
                labels: names,
            },
            categorical: true,
        }
    }

    /// The coordinate of this axis.
    fn coordinate(&self) -> Ticked {
        Ticked {
            low: self.low,
            high: self.high,
            ticks: self.ticks.values.clone(),
        }
    }

    /// The label of tick `value` (empty between ticks).
    fn label_at(&self, value: f64) -> String {
        let tolerance = self.ticks.step.abs() * 1e-6;
        self.ticks
            .values
            .iter()
            .position(|t| (t - value).abs() <= tolerance)
            .map(|i| self.ticks.labels[i].clone())
            .unwrap_or_default()
    }
}

/// The lowest and highest finite value (0 and 1 when there is none).
fn extent(values: impl IntoIterator<Item = f64>) -> (f64, f64) {
    let (low, high) = values
        .into_iter()
        .filter(|v| v.is_finite())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), v| (l.min(v), h.max(v)));
    if low.is_finite() { (low, high) } else { (0.0, 1.0) }
}

/// What a legend entry's swatch looks like.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Mark {
    /// A short line.
    Line,
    /// A filled box.
    Box,
    /// A dot.
    Point,
}

/// One legend entry.
#[derive(Clone, Debug, PartialEq)]
pub struct LegendEntry {
    /// The label.
    pub label: String,
    /// The series' colour.
    pub colour: RGBColor,
    /// The swatch.
    pub mark: Mark,
}

/// The legend of `series`, one entry a series: `label_colour` gives its label and palette
/// index; every swatch is `mark`.
pub fn legend<S>(series: &[S], mark: Mark, label_colour: impl Fn(&S) -> (&str, usize)) -> Vec<LegendEntry> {
    series
        .iter()
        .map(|s| {
            let (label, index) = label_colour(s);
            LegendEntry {
                label: label.to_string(),
                colour: super::palette::colour(index),
                mark,
            }
        })
        .collect()
}

/// Width of `text` in the label font, in pixels.
pub fn text_width(text: &str) -> f64 {
    super::canvas::register_font();
    let font: FontDesc = (FAMILY, LABEL_FONT).into_font();
    font.box_size(text)
        .map_or(text.chars().count() as f64 * 9.0, |(w, _)| f64::from(w))
}

/// Width of the legend column for `entries`, in pixels (0 without entries).
pub fn legend_width(entries: &[LegendEntry]) -> f64 {
    if entries.is_empty() {
        return 0.0;
    }
    let widest = entries.iter().map(|e| text_width(&e.label)).fold(0.0, f64::max);
    (widest + f64::from(SWATCH_PX) + 16.0).min(LEGEND_MAX_PX)
}

/// Every how many rows to label `rows` categories sharing `axis_px` pixels vertically, so
/// that labels `label_px` high never overlap.
pub fn label_every(rows: usize, axis_px: f64, label_px: f64) -> usize {
    if rows == 0 || axis_px <= 0.0 {
        return 1;
    }
    let per_row = axis_px / rows as f64;
    ((label_px + 4.0) / per_row).ceil().max(1.0) as usize
}

/// Draws the title, the legend column and the axes of a chart on `area`, then calls `draw`
/// with the plot's coordinates to draw the data.
pub fn framed<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    title: &str,
    x: &Axis,
    y: &Axis,
    legend: &[LegendEntry],
    draw: impl FnOnce(&mut ChartContext<'_, DB, Plane>) -> Result<(), DrawError>,
) -> Result<(), DrawError> {
    let (width, _) = area.dim_in_pixel();
    let (top, body) = area.split_vertically(TITLE_PX);
    top.titled(title, (FAMILY, 22))?;
    let legend_px = legend_width(legend);
    let (plot_side, legend_side) = body.split_horizontally(width.saturating_sub(legend_px.ceil() as u32));
    let mut chart = ChartBuilder::on(&plot_side)
        .margin_right(16)
        .margin_top(8)
        .margin_left(8)
        .x_label_area_size(X_AXIS_PX)
        .y_label_area_size(76)
        .build_cartesian_2d(x.coordinate(), y.coordinate())?;
    let (plot_px, plot_py) = chart.plotting_area().dim_in_pixel();
    let x_shown = shown_labels(x, f64::from(plot_px), false);
    let y_shown = shown_labels(y, f64::from(plot_py), true);
    let x_tick = |v: &f64| x_shown.label_at(*v);
    let y_tick = |v: &f64| y_shown.label_at(*v);
    let mut mesh = chart.configure_mesh();
    mesh.x_labels(x.ticks.values.len())
        .y_labels(y.ticks.values.len())
        .x_desc(x.label.as_str())
        .y_desc(y.label.as_str())
        .x_label_formatter(&x_tick)
        .y_label_formatter(&y_tick)
        .label_style((FAMILY, LABEL_FONT))
        .axis_desc_style((FAMILY, 16))
        .bold_line_style(RGBColor(232, 232, 232))
        .light_line_style(TRANSPARENT);
    if x.categorical {
        mesh.disable_x_mesh();
    }
    if y.categorical {
        mesh.disable_y_mesh();
    }
    mesh.draw()?;
    draw(&mut chart)?;
    draw_legend(&legend_side, legend, legend_px)
}

/// `axis` with the labels that fit: category names cut to their slots along x, every k-th
/// row named along y.
fn shown_labels(axis: &Axis, axis_px: f64, vertical: bool) -> Axis {
    if !axis.categorical {
        return axis.clone();
    }
    let mut shown = axis.clone();
    if vertical {
        let every = label_every(axis.ticks.labels.len(), axis_px, f64::from(LABEL_FONT));
        for (i, label) in shown.ticks.labels.iter_mut().enumerate() {
            if i % every != 0 {
                label.clear();
            }
        }
    } else {
        shown.ticks.labels = fit_all(&axis.ticks.labels, axis_px, &text_width);
    }
    shown
}

/// The legend: one entry a line, top-aligned with the plot, labels cut to the column.
fn draw_legend<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    entries: &[LegendEntry],
    width_px: f64,
) -> Result<(), DrawError> {
    let room = width_px - f64::from(SWATCH_PX) - 8.0;
    for (i, entry) in entries.iter().enumerate() {
        let y = 20 + 26 * i as i32;
        let style = ShapeStyle::from(entry.colour).stroke_width(3);
        match entry.mark {
            Mark::Line => area.draw(&PathElement::new(vec![(4, y), (26, y)], style)),
            Mark::Box => area.draw(&Rectangle::new([(6, y - 7), (24, y + 7)], entry.colour.filled())),
            Mark::Point => area.draw(&Circle::new((15, y), 5, entry.colour.filled())),
        }?;
        let text = fit(&entry.label, room, &text_width);
        area.draw(&Text::new(text, (SWATCH_PX, y - 9), (FAMILY, LABEL_FONT)))?;
    }
    Ok(())
}

/// Draws a polyline. On PNG every segment is its own stroke: plotters joins thick polylines
/// with unbounded mitres, which at a sharp spike shoot far outside the plot.
pub fn line<DB: DrawingBackend>(
    chart: &mut ChartContext<'_, DB, Plane>,
    points: &[(f64, f64)],
    style: ShapeStyle,
    medium: Medium,
) -> Result<(), DrawError> {
    match medium {
        Medium::Svg => chart
            .draw_series(std::iter::once(PathElement::new(points.to_vec(), style)))
            .map(|_| ()),
        Medium::Png => chart
            .draw_series(points.windows(2).map(|pair| PathElement::new(pair.to_vec(), style)))
            .map(|_| ()),
    }
    .map_err(DrawError::from)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ratios_and_counts_start_at_zero() {
        // Allocation between 0.462 and 0.464: from zero, the 0.4 % difference stays small.
        let axis = Axis::numeric("alloc", [0.462, 0.464], true);
        assert_eq!((axis.low, axis.high), (0.0, 0.5));
        assert_eq!(axis.ticks.labels, ["0", "0.1", "0.2", "0.3", "0.4", "0.5"]);
        // Without the rule the range hugs the data: 0.4620 … 0.4640.
        let fitted = Axis::numeric("alloc", [0.462, 0.464], false);
        assert!((fitted.low - 0.462).abs() < 1e-12 && (fitted.high - 0.464).abs() < 1e-12);
    }

    #[test]
    fn categories_have_one_tick_each_and_rows_thin_out() {
        let axis = Axis::categories("policy", vec!["a".into(), "b".into(), "c".into()]);
        assert_eq!((axis.low, axis.high), (-0.5, 2.5));
        assert_eq!(axis.ticks.values, [0.0, 1.0, 2.0]);
        assert_eq!(axis.label_at(1.0), "b");
        assert_eq!(axis.label_at(1.5), "");
        // 63 racks on 400 px: 6.35 px a row; 15 px labels need 19 px → every ⌈2.99⌉ = 3rd row.
        assert_eq!(label_every(63, 400.0, 15.0), 3);
        assert_eq!(label_every(8, 400.0, 15.0), 1);
    }

    #[test]
    fn the_legend_column_fits_its_labels() {
        let entry = |label: &str| LegendEntry {
            label: label.into(),
            colour: BLACK,
            mark: Mark::Line,
        };
        assert_eq!(legend_width(&[]), 0.0);
        let short = legend_width(&[entry("fgd")]);
        let long = legend_width(&[entry(&"x".repeat(200))]);
        assert!(short > 34.0 && short < 100.0, "{short}");
        assert_eq!(long, LEGEND_MAX_PX);
    }
}

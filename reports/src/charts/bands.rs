//! A metric against a swept parameter: the mean of each grid point with its 95 % interval, one
//! series per policy. Along a numeric parameter the means are joined by a line inside a shaded
//! band; for categories (strings, or few numbers) each mean is a point with an error bar, side
//! by side per series and never joined.

use plotters::prelude::*;

use super::frame::{Axis, Mark, framed, legend, line};
use super::palette::{colour, stroke_width};
use super::series::{Labelled, constant, merge_identical, note_if_all_flat};
use super::{Chart, DrawError, Medium};

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

impl Labelled for BandSeries {
    fn label_mut(&mut self) -> &mut String {
        &mut self.label
    }

    fn same_as(&self, other: &Self) -> bool {
        let close = |a: f64, b: f64| (a - b).abs() <= 1e-6 * a.abs().max(b.abs()).max(1e-9);
        self.points.len() == other.points.len()
            && self
                .points
                .iter()
                .zip(&other.points)
                .all(|(p, q)| close(p.x, q.x) && close(p.mean, q.mean) && close(p.low, q.low) && close(p.high, q.high))
    }
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
    /// Start the y axis at zero (ratios, counts, durations).
    pub y_from_zero: bool,
    /// Tick labels when the parameter is categorical (x = 0, 1, 2 …), else `None`.
    pub categories: Option<Vec<String>>,
    /// The series.
    pub series: Vec<BandSeries>,
    /// Many points per series (a curve): no markers or error bars, the band and line only.
    pub dense: bool,
}

impl BandChart {
    /// The series as drawn: identical ones merged.
    fn shown(&self) -> Vec<BandSeries> {
        merge_identical(self.series.clone())
    }

    /// Horizontal offset of the point at `x` of series `index` of `shown`: the series with a
    /// point at that category sit side by side within a third of its width; a category with one
    /// point (one policy per category) keeps it centred.
    fn offset(&self, shown: &[BandSeries], index: usize, x: f64) -> f64 {
        if self.categories.is_none() {
            return 0.0;
        }
        let at_x: Vec<usize> = (0..shown.len())
            .filter(|&i| shown[i].points.iter().any(|p| p.x == x))
            .collect();
        let slot = at_x.iter().position(|&i| i == index).unwrap_or(0);
        match at_x.len() {
            0 | 1 => 0.0,
            count => (slot as f64 / (count - 1) as f64 - 0.5) * 0.36,
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

    fn flat_note(&self) -> Option<String> {
        note_if_all_flat(&self.title, self.shown(), |s| {
            constant(s.points.iter().flat_map(|p| [p.mean, p.low, p.high]))
        })
    }

    fn draw<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, plotters::coord::Shift>,
        medium: Medium,
    ) -> Result<(), DrawError> {
        let shown = self.shown();
        let points = || shown.iter().flat_map(|s| s.points.iter());
        let x = match &self.categories {
            Some(names) => Axis::categories(self.x_label.clone(), names.clone()),
            None => Axis::numeric(self.x_label.clone(), points().map(|p| p.x), false),
        };
        let y = Axis::numeric(
            self.y_label.clone(),
            points().flat_map(|p| [p.low, p.high]),
            self.y_from_zero,
        );
        let categorical = self.categories.is_some();
        let mark = if categorical { Mark::Point } else { Mark::Line };
        let legend = legend(&shown, mark, |s| (&s.label, s.colour));
        framed(area, &super::tidy_title(&self.title), &x, &y, &legend, |chart| {
            for (index, series) in shown.iter().enumerate() {
                let tone = colour(series.colour);
                let at = |p: &BandPoint| p.x + self.offset(&shown, index, p.x);
                if !categorical && series.points.len() > 1 {
                    let outline: Vec<(f64, f64)> = series
                        .points
                        .iter()
                        .map(|p| (at(p), p.high))
                        .chain(series.points.iter().rev().map(|p| (at(p), p.low)))
                        .collect();
                    chart.draw_series(std::iter::once(Polygon::new(outline, tone.mix(0.18).filled())))?;
                    let means: Vec<(f64, f64)> = series.points.iter().map(|p| (at(p), p.mean)).collect();
                    line(
                        chart,
                        &means,
                        tone.stroke_width(stroke_width(index, shown.len())),
                        medium,
                    )?;
                }
                if !self.dense {
                    chart.draw_series(
                        series
                            .points
                            .iter()
                            .filter(|p| p.high > p.low)
                            .map(|p| PathElement::new(vec![(at(p), p.low), (at(p), p.high)], tone.stroke_width(2))),
                    )?;
                    chart.draw_series(
                        series
                            .points
                            .iter()
                            .map(|p| Circle::new((at(p), p.mean), 5, tone.filled())),
                    )?;
                }
            }
            Ok(())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chart(categories: Option<Vec<String>>, series: Vec<BandSeries>) -> BandChart {
        BandChart {
            name: "avg_jct_s_vs_x".into(),
            title: "avg_jct_s".into(),
            x_label: "x".into(),
            y_label: "avg_jct_s".into(),
            y_from_zero: true,
            categories,
            series,
            dense: false,
        }
    }

    fn series(label: &str, means: &[f64]) -> BandSeries {
        BandSeries {
            label: label.into(),
            colour: 0,
            points: means
                .iter()
                .enumerate()
                .map(|(i, &m)| BandPoint {
                    x: i as f64,
                    mean: m,
                    low: m - 1.0,
                    high: m + 1.0,
                })
                .collect(),
        }
    }

    #[test]
    fn category_points_sit_side_by_side_within_their_slot() {
        let c = chart(Some(vec!["1".into(), "4".into()]), vec![]);
        // Three series at both categories: offsets −0.18, 0, +0.18, well inside the ±0.5 slot.
        let three = [
            series("a", &[1.0, 2.0]),
            series("b", &[3.0, 4.0]),
            series("c", &[5.0, 6.0]),
        ];
        let offsets: Vec<f64> = (0..3).map(|i| c.offset(&three, i, 1.0)).collect();
        assert_eq!(offsets, [-0.18, 0.0, 0.18]);
        // One policy per category (a comparison): each point stays on its tick.
        let mut lone = series("first-fit", &[1.0]);
        let mut other = series("packed", &[2.0]);
        other.points[0].x = 1.0;
        lone.points[0].x = 0.0;
        let each = [lone, other];
        assert_eq!((c.offset(&each, 0, 0.0), c.offset(&each, 1, 1.0)), (0.0, 0.0));
    }

    #[test]
    fn identical_series_are_drawn_once_and_flat_ones_become_a_note() {
        let c = chart(
            None,
            vec![series("first-fit", &[5.0, 6.0]), series("best-fit", &[5.0, 6.0])],
        );
        let shown = c.shown();
        assert_eq!(shown.len(), 1);
        assert_eq!(shown[0].label, "first-fit = best-fit");
        assert_eq!(c.flat_note(), None);
        let zero = BandSeries {
            label: "packed".into(),
            colour: 2,
            points: vec![BandPoint {
                x: 0.0,
                mean: 0.0,
                low: 0.0,
                high: 0.0,
            }],
        };
        assert_eq!(
            chart(None, vec![zero]).flat_note().as_deref(),
            Some("avg_jct_s: 0 throughout (packed); no chart drawn.")
        );
    }
}

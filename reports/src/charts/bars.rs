//! Grouped bars: a value per series (policy) in each group (a condition), with its 95 %
//! interval as an error bar.

use plotters::prelude::*;

use super::frame::{Axis, Mark, framed, legend};
use super::palette::colour;
use super::series::{Labelled, constant, merge_identical, note_if_all_flat};
use super::{Chart, DrawError, Medium};

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

impl Labelled for BarSeries {
    fn label_mut(&mut self) -> &mut String {
        &mut self.label
    }

    fn same_as(&self, other: &Self) -> bool {
        self.bars == other.bars
    }
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
    /// The series as drawn: identical ones merged.
    fn shown(&self) -> Vec<BarSeries> {
        merge_identical(self.series.clone())
    }

    /// Left and right edges of bar `index` of `count` in group `group`.
    fn span(group: usize, index: usize, count: usize) -> (f64, f64) {
        let width = 0.8 / count.max(1) as f64;
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

    fn flat_note(&self) -> Option<String> {
        note_if_all_flat(&self.title, self.shown(), |s| {
            constant(s.bars.iter().flatten().flat_map(|b| [b.mean, b.low, b.high])).filter(|v| *v == 0.0)
        })
    }

    fn draw<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, plotters::coord::Shift>,
        _medium: Medium,
    ) -> Result<(), DrawError> {
        let shown = self.shown();
        let x = Axis::categories(self.x_label.clone(), self.groups.clone());
        let values = shown
            .iter()
            .flat_map(|s| s.bars.iter().flatten())
            .flat_map(|b| [b.mean, b.high]);
        let y = Axis::numeric(self.y_label.clone(), values, true);
        let legend = legend(&shown, Mark::Box, |s| (&s.label, s.colour));
        framed(area, &super::tidy_title(&self.title), &x, &y, &legend, |chart| {
            for (index, series) in shown.iter().enumerate() {
                let tone = colour(series.colour);
                let bars: Vec<(usize, Bar)> = series
                    .bars
                    .iter()
                    .enumerate()
                    .filter_map(|(g, b)| b.map(|b| (g, b)))
                    .collect();
                let span = |g: usize| BarChart::span(g, index, shown.len());
                chart.draw_series(bars.iter().map(|&(g, bar)| {
                    let (left, right) = span(g);
                    Rectangle::new([(left, 0.0), (right, bar.mean)], tone.filled())
                }))?;
                chart.draw_series(bars.iter().filter(|(_, b)| b.high > b.low).map(|&(g, bar)| {
                    let (left, right) = span(g);
                    let middle = (left + right) / 2.0;
                    PathElement::new(vec![(middle, bar.low), (middle, bar.high)], BLACK.stroke_width(2))
                }))?;
            }
            Ok(())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bars(label: &str, means: [f64; 2]) -> BarSeries {
        BarSeries {
            label: label.into(),
            colour: 0,
            bars: means
                .iter()
                .map(|&mean| {
                    Some(Bar {
                        mean,
                        low: mean,
                        high: mean,
                    })
                })
                .collect(),
        }
    }

    fn chart(series: Vec<BarSeries>) -> BarChart {
        BarChart {
            name: "fill_frag_amount_a".into(),
            title: "Fragmentation amount".into(),
            x_label: "arrived GPU demand".into(),
            y_label: "% of GPUs".into(),
            groups: vec!["80 %".into(), "100 %".into()],
            series,
        }
    }

    #[test]
    fn bars_of_a_group_stay_inside_it() {
        // Four series share 0.8 of a group's width: 0.2 each, 8 % margins on both sides.
        let (left, right) = BarChart::span(1, 3, 4);
        assert!((left - 1.216).abs() < 1e-12 && (right - 1.384).abs() < 1e-12);
        assert!(left > 0.5 && right < 1.5);
    }

    #[test]
    fn zero_bars_become_a_note_and_twins_merge() {
        let zero = chart(vec![bars("fgd", [0.0, 0.0]), bars("random", [0.0, 0.0])]);
        assert_eq!(
            zero.flat_note().as_deref(),
            Some("Fragmentation amount: 0 throughout (fgd = random); no chart drawn.")
        );
        let twins = chart(vec![
            bars("fgd", [1.0, 2.0]),
            bars("random", [1.0, 2.0]),
            bars("b", [3.0, 2.0]),
        ]);
        assert_eq!(twins.flat_note(), None);
        let labels: Vec<String> = twins.shown().into_iter().map(|s| s.label).collect();
        assert_eq!(labels, ["fgd = random", "b"]);
    }
}

//! Line charts: values over simulated time (one line per policy) and cumulative distributions.

use plotters::prelude::*;

use super::frame::{Axis, Mark, framed, legend, line};
use super::palette::{colour, stroke_width};
use super::series::{Labelled, constant, merge_identical, note_if_all_flat, same_points};
use super::{Chart, DrawError, Medium, TimeUnit};

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

impl Labelled for Series {
    fn label_mut(&mut self) -> &mut String {
        &mut self.label
    }

    fn same_as(&self, other: &Self) -> bool {
        same_points(&self.points, &other.points)
    }
}

/// The x axis of a line chart.
#[derive(Clone, Debug, PartialEq)]
pub enum XScale {
    /// Simulated time; the points' x are already in this unit.
    Time(TimeUnit),
    /// A log₁₀ scale (values below `floor` are drawn at `floor`), described by the label.
    Log10 {
        /// Axis description.
        label: String,
        /// The values' unit, named where the chart is replaced by a note (`min`).
        unit: String,
        /// The smallest value drawn.
        floor: f64,
    },
}

/// A chart of lines sharing two axes.
#[derive(Clone, Debug, PartialEq)]
pub struct LineChart {
    /// File stem.
    pub name: String,
    /// Title.
    pub title: String,
    /// The x axis.
    pub x: XScale,
    /// Y axis description (with its unit).
    pub y_label: String,
    /// Start the y axis at zero (ratios, counts, fractions).
    pub y_from_zero: bool,
    /// The lines.
    pub series: Vec<Series>,
    /// Draw each line as steps (a value holds until the next point), as for a CDF.
    pub steps: bool,
}

impl LineChart {
    /// The series as drawn: identical ones merged, empty ones left out.
    fn shown(&self) -> Vec<Series> {
        merge_identical(self.series.iter().filter(|s| !s.points.is_empty()).cloned().collect())
    }

    /// The points of `series` as drawn: log-transformed and stepped as asked.
    fn drawn(&self, series: &Series) -> Vec<(f64, f64)> {
        let x = |v: f64| match &self.x {
            XScale::Log10 { floor, .. } => v.max(*floor).log10(),
            XScale::Time(_) => v,
        };
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

    /// Flat means every series holds one value: one y over time, or, for a distribution on a
    /// log scale, one x (every job waited 0 s).
    fn flat_note(&self) -> Option<String> {
        // A distribution whose values are all one is told by that value, in its unit.
        let (title, distribution) = match &self.x {
            XScale::Log10 { unit, .. } => (format!("{} ({unit})", self.title), true),
            XScale::Time(_) => (self.title.clone(), false),
        };
        note_if_all_flat(&title, self.shown(), |s| {
            constant(s.points.iter().map(|p| if distribution { p.0 } else { p.1 }))
        })
    }

    fn draw<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, plotters::coord::Shift>,
        medium: Medium,
    ) -> Result<(), DrawError> {
        let shown = self.shown();
        let drawn: Vec<Vec<(f64, f64)>> = shown.iter().map(|s| self.drawn(s)).collect();
        let xs = drawn.iter().flatten().map(|p| p.0);
        let x = match &self.x {
            XScale::Time(unit) => Axis::time(*unit, xs),
            XScale::Log10 { label, .. } => Axis::log10(label.clone(), xs),
        };
        let y = Axis::numeric(
            self.y_label.clone(),
            drawn.iter().flatten().map(|p| p.1),
            self.y_from_zero,
        );
        let legend = legend(&shown, Mark::Line, |s| (&s.label, s.colour));
        framed(area, &super::tidy_title(&self.title), &x, &y, &legend, |chart| {
            for (index, (series, points)) in shown.iter().zip(&drawn).enumerate() {
                let width = stroke_width(index, shown.len());
                line(chart, points, colour(series.colour).stroke_width(width), medium)?;
            }
            Ok(())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::charts::frame::{TITLE_PX, X_AXIS_PX};
    use crate::charts::{SIZE, canvas};

    fn over_time(series: Vec<Series>) -> LineChart {
        LineChart {
            name: "alloc_over_time".into(),
            title: "GPU allocation over time".into(),
            x: XScale::Time(crate::charts::time::HOURS),
            y_label: "allocated ÷ capacity".into(),
            y_from_zero: true,
            series,
            steps: false,
        }
    }

    /// The pixels of a PNG as RGB triples, row by row.
    fn pixels(png_bytes: &[u8]) -> Vec<[u8; 3]> {
        let decoder = png::Decoder::new(png_bytes);
        let mut reader = decoder.read_info().unwrap();
        let mut buffer = vec![0; reader.output_buffer_size()];
        let info = reader.next_frame(&mut buffer).unwrap();
        buffer[..info.buffer_size()]
            .chunks(3)
            .map(|c| [c[0], c[1], c[2]])
            .collect()
    }

    #[test]
    fn png_strokes_stay_inside_the_plot_at_spikes() {
        // A saw-tooth of one-sample spikes from 0 to 1: the sharpest turns a line can make.
        // Plotters' mitred joins at such turns reached hundreds of pixels past the vertex, through
        // the title and below the x axis; the series' colour must appear only between them.
        let points: Vec<(f64, f64)> = (0..400).map(|i| (f64::from(i) * 0.1, f64::from(i % 2))).collect();
        let chart = over_time(vec![Series {
            label: "first-fit".into(),
            colour: 0,
            points,
        }]);
        let image = pixels(&canvas::png(&chart).unwrap());
        let blue = colour(0);
        let (width, height) = (SIZE.0 as usize, SIZE.1 as usize);
        let outside: Vec<(usize, usize)> = (0..height)
            .filter(|&row| row < TITLE_PX as usize || row >= height - X_AXIS_PX as usize)
            .flat_map(|row| (0..width).map(move |col| (row, col)))
            .filter(|&(row, col)| image[row * width + col] == [blue.0, blue.1, blue.2])
            .collect();
        assert!(
            outside.is_empty(),
            "series pixels outside the plot: {:?}",
            &outside[..outside.len().min(5)]
        );
        // The line itself was drawn.
        assert!(image.contains(&[blue.0, blue.1, blue.2]));
    }

    #[test]
    fn the_legend_stands_beside_the_data_never_over_it() {
        // A line across the whole time range, ending at the top right corner, where an inset
        // legend would sit: every point of it lies left of the legend's text.
        let points: Vec<(f64, f64)> = (0..=50).map(|i| (f64::from(i), f64::from(i) / 50.0)).collect();
        let chart = over_time(vec![Series {
            label: "first-fit".into(),
            colour: 0,
            points,
        }]);
        let svg = canvas::svg(&chart).unwrap();
        let line_right = svg
            .split("points=\"")
            .skip(1)
            .flat_map(|rest| rest.split('"').next().unwrap().split(' '))
            .filter_map(|pair| pair.split(',').next()?.parse::<i32>().ok())
            .max()
            .unwrap();
        let before_label = &svg[..svg.find("\nfirst-fit\n</text>").unwrap()];
        let text_at = before_label.rfind("<text x=\"").unwrap() + "<text x=\"".len();
        let legend_left: i32 = before_label[text_at..].split('"').next().unwrap().parse().unwrap();
        assert!(
            legend_left > line_right,
            "legend at x = {legend_left}, data up to x = {line_right}"
        );
    }

    #[test]
    fn identical_lines_merge_and_flat_charts_become_notes() {
        let flat = |label: &str| Series {
            label: label.into(),
            colour: 0,
            points: vec![(0.0, 0.0), (1.0, 0.0)],
        };
        let chart = over_time(vec![flat("first-fit"), flat("best-fit")]);
        assert_eq!(chart.shown().len(), 1);
        assert_eq!(chart.shown()[0].label, "first-fit = best-fit");
        assert_eq!(
            chart.flat_note().as_deref(),
            Some("GPU allocation over time: 0 throughout (first-fit = best-fit); no chart drawn.")
        );
        let mut rising = flat("worst-fit");
        rising.points[1].1 = 1.0;
        assert_eq!(over_time(vec![flat("first-fit"), rising]).flat_note(), None);
    }

    #[test]
    fn a_distribution_of_one_value_is_told_in_its_unit() {
        // Every job took 600 s: a CDF in minutes with all its points at x = 10.
        let chart = LineChart {
            name: "jct_cdf".into(),
            title: "Job completion time, CDF".into(),
            x: XScale::Log10 {
                label: "JCT (min, log scale)".into(),
                unit: "min".into(),
                floor: 1.0 / 60.0,
            },
            y_label: "fraction of jobs".into(),
            y_from_zero: true,
            series: vec![Series {
                label: "first-fit".into(),
                colour: 0,
                points: vec![(10.0, 0.5), (10.0, 1.0)],
            }],
            steps: true,
        };
        assert_eq!(
            chart.flat_note().as_deref(),
            Some("Job completion time, CDF (min): 10 throughout (first-fit); no chart drawn.")
        );
    }
}

//! Rules on a chart's series before drawing: identical series are drawn once under a merged
//! legend entry, and a chart whose every series is flat becomes a one-line note.

/// Something drawn as one legend entry.
pub trait Labelled {
    /// The legend entry.
    fn label_mut(&mut self) -> &mut String;
    /// Whether `other` would be drawn exactly on top of this one.
    fn same_as(&self, other: &Self) -> bool;
}

/// `series` with every series identical to an earlier one removed and its label joined to the
/// earlier one's ("first-fit = best-fit"), so no line hides under another unannounced.
pub fn merge_identical<S: Labelled>(series: Vec<S>) -> Vec<S> {
    let mut kept: Vec<S> = Vec::with_capacity(series.len());
    for mut s in series {
        match kept.iter_mut().find(|k| k.same_as(&s)) {
            Some(earlier) => {
                let label = std::mem::take(s.label_mut());
                earlier.label_mut().push_str(&format!(" = {label}"));
            }
            None => kept.push(s),
        }
    }
    kept
}

/// The value every one of `values` has (within a millionth of its size), if they are all equal;
/// `None` for an empty list or values that vary.
pub fn constant(values: impl IntoIterator<Item = f64>) -> Option<f64> {
    let mut iter = values.into_iter().filter(|v| v.is_finite());
    let first = iter.next()?;
    let tolerance = 1e-6 * first.abs().max(1e-9);
    iter.all(|v| (v - first).abs() <= tolerance).then_some(first)
}

/// Whether two point lists are the same within a millionth of each value.
pub fn same_points(a: &[(f64, f64)], b: &[(f64, f64)]) -> bool {
    let close = |x: f64, y: f64| (x - y).abs() <= 1e-6 * x.abs().max(y.abs()).max(1e-9);
    a.len() == b.len() && a.iter().zip(b).all(|(p, q)| close(p.0, q.0) && close(p.1, q.1))
}

/// The note that replaces a chart whose series are all flat, from each series' label and
/// value: `"Queue length over time: 0 throughout (first-fit = best-fit, worst-fit); no chart drawn."`.
pub fn flat_note(title: &str, flat: &[(String, f64)]) -> String {
    let show = |v: f64| crate::number::decimal(v);
    let labels: Vec<&str> = flat.iter().map(|(l, _)| l.as_str()).collect();
    match constant(flat.iter().map(|(_, v)| *v)) {
        Some(value) if labels.is_empty() => format!("{title}: {} throughout; no chart drawn.", show(value)),
        Some(value) => format!(
            "{title}: {} throughout ({}); no chart drawn.",
            show(value),
            labels.join(", ")
        ),
        None if flat.is_empty() => format!("{title}: no data; no chart drawn."),
        None => {
            let each: Vec<String> = flat.iter().map(|(l, v)| format!("{l} {}", show(*v))).collect();
            format!("{title}: constant throughout: {}; no chart drawn.", each.join(", "))
        }
    }
}

/// The note of the chart titled `title` when every series of `series` (as drawn) is flat, else
/// `None`: `value_of` gives a series' one value, or `None` when it varies; the note names each
/// series by its label.
pub fn note_if_all_flat<S: Labelled>(
    title: &str,
    series: Vec<S>,
    value_of: impl Fn(&S) -> Option<f64>,
) -> Option<String> {
    let flat: Option<Vec<(String, f64)>> = series
        .into_iter()
        .map(|mut s| value_of(&s).map(|v| (std::mem::take(s.label_mut()), v)))
        .collect();
    flat.map(|flat| flat_note(&super::tidy_title(title), &flat))
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Line(String, Vec<(f64, f64)>);

    impl Labelled for Line {
        fn label_mut(&mut self) -> &mut String {
            &mut self.0
        }
        fn same_as(&self, other: &Self) -> bool {
            same_points(&self.1, &other.1)
        }
    }

    #[test]
    fn identical_series_merge_their_labels() {
        let a = vec![(0.0, 1.0), (1.0, 2.0)];
        let b = vec![(0.0, 1.0), (1.0, 3.0)];
        let merged = merge_identical(vec![
            Line("first-fit".into(), a.clone()),
            Line("worst-fit".into(), b),
            Line("best-fit".into(), a),
        ]);
        let labels: Vec<&str> = merged.iter().map(|l| l.0.as_str()).collect();
        assert_eq!(labels, ["first-fit = best-fit", "worst-fit"]);
    }

    #[test]
    fn flat_series_are_found_and_described() {
        assert_eq!(constant([0.0, 0.0, 0.0]), Some(0.0));
        assert_eq!(
            constant([0.4670001, 0.467]),
            Some(0.4670001),
            "equal within a millionth"
        );
        assert_eq!(constant([0.0, 1.0]), None);
        assert_eq!(constant(std::iter::empty()), None);
        assert_eq!(
            flat_note("Queue length over time", &[("first-fit = best-fit".into(), 0.0)]),
            "Queue length over time: 0 throughout (first-fit = best-fit); no chart drawn."
        );
        assert_eq!(
            flat_note("Nodes down", &[("a".into(), 0.0), ("b".into(), 2.0)]),
            "Nodes down: constant throughout: a 0, b 2; no chart drawn."
        );
        assert_eq!(flat_note("Wait", &[]), "Wait: no data; no chart drawn.");
    }
}

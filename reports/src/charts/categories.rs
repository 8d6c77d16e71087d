//! Grid keys as categories: which swept values get a numeric axis, and short tick labels that
//! never overlap.

/// A swept key gets a numeric axis only with at least this many distinct numeric values;
/// fewer (oversubscription 1 and 4, a breaker at 2 or 100,000) are categories, one tick each.
pub const MIN_NUMERIC_VALUES: usize = 5;

/// Whether `values` (distinct, as written in `sweep.csv`) are drawn as categories: any value
/// that is not a number, or fewer than [`MIN_NUMERIC_VALUES`] of them.
pub fn is_categorical(values: &[&str]) -> bool {
    values.len() < MIN_NUMERIC_VALUES || values.iter().any(|v| v.trim().parse::<f64>().is_err())
}

/// A value as a short label: a file path becomes its file name without the extension
/// (`../../traces/data/openb_pod_list_gpushare100.csv` → `openb_pod_list_gpushare100`).
pub fn short(value: &str) -> &str {
    if !value.contains(['/', '\\']) && value.parse::<f64>().is_ok() {
        return value;
    }
    let name = value.rsplit(['/', '\\']).next().unwrap_or(value);
    match name.rsplit_once('.') {
        Some((stem, extension)) if !stem.is_empty() && !extension.is_empty() => stem,
        _ => name,
    }
}

/// Short labels of `values`, each distinct: file stems, or the whole value where two stems
/// would read alike.
pub fn short_labels(values: &[&str]) -> Vec<String> {
    let stems: Vec<&str> = values.iter().map(|v| short(v)).collect();
    values
        .iter()
        .zip(&stems)
        .map(|(value, stem)| {
            if stems.iter().filter(|s| *s == stem).count() > 1 {
                value.to_string()
            } else {
                stem.to_string()
            }
        })
        .collect()
}

/// `text` cut in the middle with `…` so that `width(text)` is at most `room` pixels; the ends
/// are kept, as file names differ at their ends (`openb_pod_list_gpushare100`).
pub fn fit(text: &str, room: f64, width: &impl Fn(&str) -> f64) -> String {
    if width(text) <= room {
        return text.to_string();
    }
    let chars: Vec<char> = text.chars().collect();
    for keep in (1..chars.len()).rev() {
        let head = keep.div_ceil(2);
        let tail = keep - head;
        let candidate: String = chars[..head]
            .iter()
            .chain(std::iter::once(&'…'))
            .chain(&chars[chars.len() - tail..])
            .collect();
        if width(&candidate) <= room {
            return candidate;
        }
    }
    "…".to_string()
}

/// Tick labels for `labels.len()` categories sharing `axis_px` pixels: each cut to fit its
/// slot (with a small gap), so that neighbouring labels never overlap.
pub fn fit_all(labels: &[String], axis_px: f64, width: &impl Fn(&str) -> f64) -> Vec<String> {
    let slot = axis_px / labels.len().max(1) as f64;
    let room = (slot - 8.0).max(0.0);
    labels.iter().map(|l| fit(l, room, width)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Text width of a monospace 8-pixel font: simple to reason about in the tests below.
    fn mono(text: &str) -> f64 {
        8.0 * text.chars().count() as f64
    }

    #[test]
    fn few_or_textual_values_are_categories() {
        assert!(is_categorical(&["1", "4"]), "two oversubscription settings");
        assert!(is_categorical(&["2", "100000"]), "a breaker on or effectively off");
        assert!(is_categorical(&["first-fit", "best-fit", "a", "b", "c"]));
        assert!(
            !is_categorical(&["1", "2", "4", "8", "16"]),
            "five numbers: a numeric axis"
        );
    }

    #[test]
    fn paths_become_distinct_stems() {
        assert_eq!(
            short("../../traces/data/alibaba/openb_pod_list_default.csv"),
            "openb_pod_list_default"
        );
        assert_eq!(short("2.5"), "2.5");
        assert_eq!(short("first-fit"), "first-fit");
        assert_eq!(
            short_labels(&["a/x.csv", "b/x.csv", "c/y.csv"]),
            ["a/x.csv", "b/x.csv", "y"],
            "equal stems keep their paths"
        );
    }

    #[test]
    fn labels_fit_their_slots() {
        let labels: Vec<String> = ["openb_pod_list_default", "openb_pod_list_gpushare100", "short"]
            .map(String::from)
            .to_vec();
        // 3 slots of 400 ÷ 3 = 133 px, 125 px of room: 15 characters of 8 px at most.
        let fitted = fit_all(&labels, 400.0, &mono);
        assert_eq!(fitted, ["openb_p…default", "openb_p…hare100", "short"]);
        assert!(fitted.iter().all(|l| mono(l) <= 125.0));
        // Wide slots leave the labels whole.
        assert_eq!(fit_all(&labels, 3000.0, &mono), labels);
    }
}

//! Plain-text tables for the terminal.

/// Formats rows under a header with columns padded to their widest cell; the first column is
/// left-aligned, the others right-aligned (numbers).
pub fn render(header: &[&str], rows: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |cells: Vec<&str>| {
        let padded: Vec<String> = cells
            .iter()
            .zip(&widths)
            .enumerate()
            .map(|(i, (cell, &w))| {
                if i == 0 {
                    format!("{cell:<w$}")
                } else {
                    format!("{cell:>w$}")
                }
            })
            .collect();
        padded.join("  ").trim_end().to_string()
    };
    let mut out = line(header.to_vec());
    out.push('\n');
    out.push_str(&widths.iter().map(|&w| "-".repeat(w)).collect::<Vec<_>>().join("  "));
    for row in rows {
        out.push('\n');
        out.push_str(&line(row.iter().map(String::as_str).collect()));
    }
    out
}

/// A metric value for display: `-` when undefined, else up to three decimals.
pub fn cell(value: Option<f64>) -> String {
    match value {
        None => "-".into(),
        Some(v) if v.fract() == 0.0 && v.abs() < 1e15 => format!("{v:.0}"),
        Some(v) => format!("{v:.3}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aligns_columns() {
        let text = render(
            &["policy", "n"],
            &[vec!["a".into(), "10".into()], vec!["best-fit".into(), "2".into()]],
        );
        assert_eq!(text, "policy     n\n--------  --\na         10\nbest-fit   2");
        assert_eq!(cell(None), "-");
        assert_eq!(cell(Some(2.0)), "2");
        assert_eq!(cell(Some(0.12345)), "0.123");
    }
}

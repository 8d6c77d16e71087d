//! Number formatting shared by the CSV writers: fixed precision, no trailing zeros, so files
//! are short, stable and exact enough (1e-6) for every ratio they hold.

/// `x` with at most six decimals and no trailing zeros (`0.5`, `12`, `0.333333`).
pub fn decimal(x: f64) -> String {
    // Whole numbers (most times and counts) need no decimal formatting; -0 becomes 0.
    if x.fract() == 0.0 && x.abs() < 1e15 {
        return (x as i64).to_string();
    }
    let text = format!("{x:.6}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    if text == "-0" {
        "0".to_string()
    } else {
        text.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::decimal;

    #[test]
    fn trims_zeros() {
        assert_eq!(decimal(0.5), "0.5");
        assert_eq!(decimal(12.0), "12");
        assert_eq!(decimal(1.0 / 3.0), "0.333333");
        assert_eq!(decimal(-0.0000001), "0");
    }
}

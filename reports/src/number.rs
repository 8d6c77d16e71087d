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

/// `x` as [`decimal`] writes it, always with a decimal point (`12.0`, `0.5`), so that a CSV
/// column of measurements reads as floating point in every row (polars, pandas and R infer a
/// column's type from its first rows).
pub fn float(x: f64) -> String {
    let text = decimal(x);
    if text.contains('.') || !x.is_finite() {
        text
    } else {
        format!("{text}.0")
    }
}

/// A simulated time in seconds as [`float`] writes numbers: exact to the microsecond, always
/// with a decimal point (`90.0`, `1070.5`).
pub fn seconds(t: sim_core::SimTime) -> String {
    let text = t.to_string();
    if text.contains('.') { text } else { format!("{text}.0") }
}

#[cfg(test)]
mod tests {
    use super::{decimal, float, seconds};

    #[test]
    fn times_keep_their_point() {
        assert_eq!(seconds(sim_core::SimTime::from_secs(90)), "90.0");
        assert_eq!(seconds(sim_core::SimTime::from_micros(1_070_500_000)), "1070.5");
    }

    #[test]
    fn floats_keep_their_point() {
        assert_eq!(float(505166.0), "505166.0");
        assert_eq!(float(506314.124379), "506314.124379");
        assert_eq!(float(-0.0000001), "0.0");
        assert_eq!(float(0.5), "0.5");
    }

    #[test]
    fn trims_zeros() {
        assert_eq!(decimal(0.5), "0.5");
        assert_eq!(decimal(12.0), "12");
        assert_eq!(decimal(1.0 / 3.0), "0.333333");
        assert_eq!(decimal(-0.0000001), "0");
    }
}

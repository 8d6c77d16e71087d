//! Number formatting shared by the CSV writers: fixed precision, no trailing zeros, so files
//! are short, stable and exact enough (1e-6) for every ratio they hold.

/// `x` with at most six decimals and no trailing zeros (`0.5`, `12`, `0.333333`).
pub fn decimal(x: f64) -> String {
    // Whole numbers (most times and counts) need no decimal formatting; -0 becomes 0.
    if x.fract() == 0.0 && x.abs() < 1e15 {
        return (x as i64).to_string();
    }
    if let Some(text) = six_decimals_by_integers(x) {
        return text;
    }
    let text = format!("{x:.6}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    if text == "-0" {
        "0".to_string()
    } else {
        text.to_string()
    }
}

/// [`decimal`]'s text by integer arithmetic, when that is sure to round as the exact decimal
/// formatter does: below 10^6 the product x × 10^6 is off by under 10^-4, so unless its
/// fraction lies within 10^-3 of one half (where `None` leaves the decision to the formatter)
/// it rounds to the same integer.
fn six_decimals_by_integers(x: f64) -> Option<String> {
    if !x.is_finite() || x.abs() >= 1e6 {
        return None;
    }
    let scaled = x * 1e6;
    let rounded = scaled.round();
    if (scaled - rounded).abs() > 0.499 {
        return None;
    }
    let micros = rounded as i64;
    let sign = if micros < 0 { "-" } else { "" };
    let (whole, fraction) = (micros.unsigned_abs() / 1_000_000, micros.unsigned_abs() % 1_000_000);
    if fraction == 0 {
        return Some(if whole == 0 {
            "0".into()
        } else {
            format!("{sign}{whole}")
        });
    }
    let digits = format!("{fraction:06}");
    Some(format!("{sign}{whole}.{}", digits.trim_end_matches('0')))
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
    fn integer_arithmetic_writes_what_the_formatter_writes() {
        // Against the formatter itself on a spread of values: ratios, tiny and negative ones,
        // values near a rounding tie, and large ones past the integer path's range.
        let mut x = 0.000_000_3_f64;
        let mut values = vec![0.0000005, -0.0000005, 0.1234565, 2.5e-7, 999_999.999_999_5, 1e7 + 0.25];
        while x < 2e6 {
            values.extend([x, -x, x * 0.999_991, 1.0 / (x + 1.0)]);
            x *= 1.37;
        }
        for v in values {
            let text = format!("{v:.6}");
            let text = text.trim_end_matches('0').trim_end_matches('.');
            let expected = if text == "-0" { "0" } else { text };
            assert_eq!(decimal(v), expected, "{v:e}");
        }
    }

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

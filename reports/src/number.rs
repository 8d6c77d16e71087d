//! Number formatting shared by the CSV writers: fixed precision, no trailing zeros, so files
//! are short, stable and exact enough (1e-6) for every ratio they hold. The `push_` forms append
//! to a buffer the writer reuses, so a long file costs no allocation per number.

use std::fmt::Write;

/// `x` with at most six decimals and no trailing zeros (`0.5`, `12`, `0.333333`).
pub fn decimal(x: f64) -> String {
    let mut out = String::new();
    push_decimal(&mut out, x);
    out
}

/// Appends [`decimal`]'s text of `x` to `out`.
pub fn push_decimal(out: &mut String, x: f64) {
    // Whole numbers (most times and counts) need no decimal formatting; -0 becomes 0.
    if x.fract() == 0.0 && x.abs() < 1e15 {
        out.push_str(itoa::Buffer::new().format(x as i64));
    } else if !push_six_decimals_by_integers(out, x) {
        let start = out.len();
        write!(out, "{x:.6}").expect("writing to a String cannot fail");
        let kept = out[start..].trim_end_matches('0').trim_end_matches('.').len();
        out.truncate(start + kept);
        if &out[start..] == "-0" {
            out.truncate(start);
            out.push('0');
        }
    }
}

/// Appends `x` to six decimals by integer arithmetic, when that is sure to round as the exact
/// decimal formatter does: below 10^6 the product x × 10^6 is off by under 10^-4, so unless its
/// fraction lies within 10^-3 of one half (where `false` leaves the decision to the formatter)
/// it rounds to the same integer.
fn push_six_decimals_by_integers(out: &mut String, x: f64) -> bool {
    if !x.is_finite() || x.abs() >= 1e6 {
        return false;
    }
    let scaled = x * 1e6;
    let rounded = scaled.round();
    if (scaled - rounded).abs() > 0.499 {
        return false;
    }
    let micros = rounded as i64;
    if micros < 0 {
        out.push('-');
    }
    push_micros(out, micros.unsigned_abs());
    true
}

/// Appends `micros` millionths as a decimal number without trailing zeros (`1070.5`, `3`).
fn push_micros(out: &mut String, micros: u64) {
    let (whole, fraction) = (micros / 1_000_000, micros % 1_000_000);
    out.push_str(itoa::Buffer::new().format(whole));
    if fraction != 0 {
        // One million more is a 1 followed by the fraction's six digits, leading zeros included.
        let mut buffer = itoa::Buffer::new();
        let digits = &buffer.format(fraction + 1_000_000)[1..];
        out.push('.');
        out.push_str(digits.trim_end_matches('0'));
    }
}

/// `x` as [`decimal`] writes it, always with a decimal point (`12.0`, `0.5`), so that a CSV
/// column of measurements reads as floating point in every row (polars, pandas and R infer a
/// column's type from its first rows).
pub fn float(x: f64) -> String {
    let mut out = String::new();
    push_float(&mut out, x);
    out
}

/// [`float`]'s text of `x`, or an empty cell without a value.
pub fn float_cell(x: Option<f64>) -> String {
    x.map(float).unwrap_or_default()
}

/// Appends [`float`]'s text of `x` to `out`.
pub fn push_float(out: &mut String, x: f64) {
    // The values most cells hold (nothing lost, a ratio of one), written at once.
    if x == 0.0 {
        out.push_str("0.0");
        return;
    }
    if x == 1.0 {
        out.push_str("1.0");
        return;
    }
    let start = out.len();
    push_decimal(out, x);
    if x.is_finite() && !out[start..].contains('.') {
        out.push_str(".0");
    }
}

/// A simulated time in seconds as [`float`] writes numbers: exact to the microsecond, always
/// with a decimal point (`90.0`, `1070.5`).
pub fn seconds(t: sim_core::SimTime) -> String {
    let mut out = String::new();
    push_seconds(&mut out, t);
    out
}

/// Appends [`seconds`]'s text of `t` to `out`.
pub fn push_seconds(out: &mut String, t: sim_core::SimTime) {
    let micros = t.as_micros();
    push_micros(out, micros);
    if micros.is_multiple_of(1_000_000) {
        out.push_str(".0");
    }
}

/// Appends a simulated time in seconds as logs of whole seconds write it: without a decimal
/// point when whole (`90`), otherwise exact to the microsecond (`1070.5`).
pub fn push_log_seconds(out: &mut String, t: sim_core::SimTime) {
    push_micros(out, t.as_micros());
}

#[cfg(test)]
mod tests {
    use super::{decimal, float, push_log_seconds, seconds};

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
    fn times_write_as_the_clock_prints_them() {
        for micros in [0, 1, 999_999, 1_000_000, 1_070_500_000, 123_456_789, 10_000_000_000_001] {
            let t = sim_core::SimTime::from_micros(micros);
            let printed = t.to_string();
            let expected = if printed.contains('.') {
                printed
            } else {
                format!("{printed}.0")
            };
            assert_eq!(seconds(t), expected);
        }
    }

    #[test]
    fn times_keep_their_point() {
        assert_eq!(seconds(sim_core::SimTime::from_secs(90)), "90.0");
        assert_eq!(seconds(sim_core::SimTime::from_micros(1_070_500_000)), "1070.5");
    }

    #[test]
    fn log_times_drop_the_point_of_whole_seconds() {
        let log = |micros| {
            let mut out = String::new();
            push_log_seconds(&mut out, sim_core::SimTime::from_micros(micros));
            out
        };
        assert_eq!(log(90_000_000), "90");
        assert_eq!(log(0), "0");
        assert_eq!(log(1_070_500_000), "1070.5");
        assert_eq!(log(1), "0.000001");
    }

    #[test]
    fn floats_keep_their_point() {
        assert_eq!(float(505166.0), "505166.0");
        assert_eq!(float(506314.124379), "506314.124379");
        assert_eq!(float(-0.0000001), "0.0");
        assert_eq!(float(0.5), "0.5");
    }

    #[test]
    fn zero_and_one_read_as_the_general_rule_writes_them() {
        // The general rule: the decimal text, then ".0" when it has no point.
        for x in [0.0, -0.0, 1.0] {
            let mut general = decimal(x);
            general.push_str(".0");
            assert_eq!(float(x), general);
        }
        assert_eq!(float(-0.0), "0.0");
        assert_eq!(float(1.0), "1.0");
    }

    #[test]
    fn trims_zeros() {
        assert_eq!(decimal(0.5), "0.5");
        assert_eq!(decimal(12.0), "12");
        assert_eq!(decimal(1.0 / 3.0), "0.333333");
        assert_eq!(decimal(-0.0000001), "0");
    }
}

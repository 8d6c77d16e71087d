//! Parsing of individual field values, with reasons that quote what was found.

use sim_core::sharing::mig::MigName;
use sim_core::time::{MICROS_PER_SECOND, SimTime};

/// Why a field's text is not the value its column takes. Each carries the text as found
/// (control characters escaped, so it can be echoed) and, where there is one, the bound it
/// broke; readers put it in a [`crate::TraceError::Field`] with the file, line and column.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub(crate) enum FieldError {
    /// Not a decimal number.
    #[error("expected a number, got `{0}`")]
    NotANumber(String),
    /// `inf` or `NaN`.
    #[error("expected a finite number, got `{0}`")]
    NotFinite(String),
    /// Past what the field's type (or the clock) holds.
    #[error("too large, got `{0}`")]
    TooLarge(String),
    /// A number below the least the field takes.
    #[error("must be ≥ {min}, got `{text}`")]
    Below {
        /// The text.
        text: String,
        /// The least value.
        min: u64,
    },
    /// Zero or negative where only positive values are taken.
    #[error("must be > 0, got `{0}`")]
    NotPositive(String),
    /// A positive time that rounds to 0 µs.
    #[error("must be at least one microsecond, got `{0}`")]
    UnderAMicrosecond(String),
    /// Not a whole number of at least `min`.
    #[error("expected a whole number ≥ {min}, got `{text}`")]
    NotWhole {
        /// The text.
        text: String,
        /// The least value.
        min: u64,
    },
    /// Not a (signed) whole number.
    #[error("expected a whole number, got `{0}`")]
    NotAnInteger(String),
    /// A number outside [0, 1].
    #[error("must be between 0 and 1, got `{0}`")]
    NotAFraction(String),
    /// Not one of the words of a boolean.
    #[error("expected true or false, got `{0}`")]
    NotABoolean(String),
    /// Not a MIG profile of any GPU model of the catalog.
    #[error(
        "unknown MIG profile `{0}` (profiles are named as nvidia-smi prints them, e.g. `3g.40gb`; docs/gpu-sharing.md)"
    )]
    UnknownMigProfile(String),
    /// A MIG profile that none of the task's GPU models has.
    #[error("MIG profile `{profile}` is not a profile of GPU model {asked} (it is one of: {models})")]
    MigNotOnModels {
        /// The profile.
        profile: String,
        /// The task's `gpu_type` list.
        asked: String,
        /// The models that have the profile.
        models: String,
    },
}

/// The most digits of a whole number read without the float parser: 15 digits are exact in an
/// `f64`.
const SMALL_INTEGER_DIGITS: usize = 15;

/// The whole number that starts at `bytes[from]`, and where it ends, when it is 1 to
/// [`SMALL_INTEGER_DIGITS`] digits with an optional minus sign (`-0` reads as 0): the common
/// case in traces, read in one pass without the float machinery. What follows it is the
/// caller's to check.
#[inline]
pub(crate) fn leading_small_integer(bytes: &[u8], from: usize) -> Option<(i64, usize)> {
    let negative = bytes.get(from) == Some(&b'-');
    let first_digit = from + usize::from(negative);
    let mut end = first_digit;
    let mut magnitude = 0i64;
    while let Some(digit) = bytes
        .get(end)
        .map(|byte| byte.wrapping_sub(b'0'))
        .filter(|&digit| digit <= 9)
    {
        // Past the digit limit this wraps, and the number is refused just below.
        magnitude = magnitude.wrapping_mul(10).wrapping_add(i64::from(digit));
        end += 1;
    }
    (1..=SMALL_INTEGER_DIGITS)
        .contains(&(end - first_digit))
        .then(|| (if negative { -magnitude } else { magnitude }, end))
}

/// `text` as a whole number when all of it is one [`leading_small_integer`] reads.
fn small_integer(text: &str) -> Option<i64> {
    leading_small_integer(text.as_bytes(), 0)
        .filter(|&(_, end)| end == text.len())
        .map(|(n, _)| n)
}

/// `text` as echoed in a reason: control characters escaped.
fn shown(text: &str) -> String {
    crate::escape::escaped(text)
}

/// A [`FieldError::Below`] 0 for `text`.
fn negative(text: &str) -> FieldError {
    FieldError::Below {
        text: shown(text),
        min: 0,
    }
}

/// Whole seconds as a [`SimTime`], when they fit the clock.
fn whole_seconds(seconds: u64) -> Option<SimTime> {
    seconds.checked_mul(MICROS_PER_SECOND).map(SimTime)
}

/// A decimal number, or why not (`inf` and `NaN` are refused).
#[inline]
pub(crate) fn number(text: &str) -> Result<f64, FieldError> {
    match small_integer(text) {
        Some(n) => Ok(n as f64),
        None => any_number(text),
    }
}

/// [`number`] for text that is not a small integer, by the float parser. Kept out of line so
/// that the small-integer path, taken for most fields, stays short where it is inlined.
#[inline(never)]
fn any_number(text: &str) -> Result<f64, FieldError> {
    let value: f64 = text.parse().map_err(|_| FieldError::NotANumber(shown(text)))?;
    if value.is_finite() {
        Ok(value)
    } else {
        Err(FieldError::NotFinite(shown(text)))
    }
}

/// Seconds ≥ 0 as a [`SimTime`].
pub(crate) fn seconds(text: &str) -> Result<SimTime, FieldError> {
    if let Some(n) = small_integer(text).and_then(|n| u64::try_from(n).ok()) {
        return whole_seconds(n).ok_or_else(|| FieldError::TooLarge(shown(text)));
    }
    let value = number(text)?;
    if value < 0.0 {
        return Err(negative(text));
    }
    SimTime::from_secs_f64(value).ok_or_else(|| FieldError::TooLarge(shown(text)))
}

/// Seconds > 0 as a [`SimTime`] (at least one microsecond after rounding).
pub(crate) fn positive_seconds(text: &str) -> Result<SimTime, FieldError> {
    if let Some(n) = small_integer(text)
        .and_then(|n| u64::try_from(n).ok())
        .filter(|&n| n > 0)
    {
        return whole_seconds(n).ok_or_else(|| FieldError::TooLarge(shown(text)));
    }
    let value = number(text)?;
    if value <= 0.0 {
        return Err(FieldError::NotPositive(shown(text)));
    }
    match SimTime::from_secs_f64(value) {
        Some(t) if t > SimTime::ZERO => Ok(t),
        Some(_) => Err(FieldError::UnderAMicrosecond(shown(text))),
        None => Err(FieldError::TooLarge(shown(text))),
    }
}

/// A whole number ≥ `min`.
pub(crate) fn integer_at_least(text: &str, min: u64) -> Result<u64, FieldError> {
    let value: u64 = text
        .parse()
        .map_err(|_| FieldError::NotWhole { text: shown(text), min })?;
    if value < min {
        Err(FieldError::Below { text: shown(text), min })
    } else {
        Ok(value)
    }
}

/// A signed whole number.
pub(crate) fn signed_integer(text: &str) -> Result<i32, FieldError> {
    text.parse().map_err(|_| FieldError::NotAnInteger(shown(text)))
}

/// A fraction in [0, 1].
pub(crate) fn fraction(text: &str) -> Result<f64, FieldError> {
    let value = number(text)?;
    if (0.0..=1.0).contains(&value) {
        Ok(value)
    } else {
        Err(FieldError::NotAFraction(shown(text)))
    }
}

/// The largest CPU or memory amount a trace or nodes file may give, in its own unit (cores,
/// GiB): far beyond any machine, and small enough that the scaled amount is exact and sums of
/// it never saturate.
const MAX_SCALED_AMOUNT: f64 = 1e9;

/// A non-negative amount scaled to integer units (`cores` → milli-cores with scale 1000), at
/// most [`MAX_SCALED_AMOUNT`] before scaling.
pub(crate) fn scaled(text: &str, scale: f64) -> Result<u64, FieldError> {
    let value = number(text)?;
    if value < 0.0 {
        return Err(negative(text));
    }
    if value > MAX_SCALED_AMOUNT {
        return Err(FieldError::TooLarge(shown(text)));
    }
    Ok((value * scale).round() as u64)
}

/// A MIG profile name of the catalog (`3g.40gb`, `1g.10gb+me`).
pub(crate) fn mig_profile(text: &str) -> Result<MigName, FieldError> {
    MigName::parse(text).ok_or_else(|| FieldError::UnknownMigProfile(shown(text)))
}

/// Checks that MIG profile `mig` exists on at least one of the GPU models `gpu_types` a task
/// may use (any model when the list is empty).
pub(crate) fn mig_on_models(mig: MigName, gpu_types: &[String]) -> Result<(), FieldError> {
    if gpu_types.is_empty() || mig.models().any(|m| gpu_types.iter().any(|t| t == m.gpu)) {
        return Ok(());
    }
    let name = mig.name().unwrap_or_default();
    let models: Vec<&str> = mig.models().map(|m| m.gpu).collect();
    Err(FieldError::MigNotOnModels {
        profile: name.to_string(),
        asked: gpu_types.join("|"),
        models: models.join(", "),
    })
}

/// `true`/`false`, `1`/`0`, `yes`/`no` (any case).
pub(crate) fn boolean(text: &str) -> Result<bool, FieldError> {
    let is = |word: &str| text.eq_ignore_ascii_case(word);
    if is("true") || is("1") || is("yes") {
        Ok(true)
    } else if is("false") || is("0") || is("no") {
        Ok(false)
    } else {
        Err(FieldError::NotABoolean(shown(text)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The reason an error gives, as readers show it.
    fn reason<T>(result: Result<T, FieldError>) -> Result<T, String> {
        result.map_err(|e| e.to_string())
    }

    #[test]
    fn reasons_quote_the_value() {
        assert_eq!(reason(positive_seconds("-5")), Err("must be > 0, got `-5`".into()));
        assert_eq!(reason(positive_seconds("0")), Err("must be > 0, got `0`".into()));
        assert_eq!(reason(number("abc")), Err("expected a number, got `abc`".into()));
        assert_eq!(reason(number("inf")), Err("expected a finite number, got `inf`".into()));
        assert_eq!(reason(integer_at_least("0", 1)), Err("must be ≥ 1, got `0`".into()));
        assert_eq!(
            reason(fraction("1.5")),
            Err("must be between 0 and 1, got `1.5`".into())
        );
        assert_eq!(
            reason(boolean("maybe")),
            Err("expected true or false, got `maybe`".into())
        );
        // The error keeps the text (escaped) and the bound it broke.
        assert_eq!(
            integer_at_least("0", 1),
            Err(FieldError::Below {
                text: "0".into(),
                min: 1
            })
        );
        assert_eq!(scaled("a\tb", 1.0), Err(FieldError::NotANumber("a\\tb".into())));
    }

    #[test]
    fn small_integers_read_as_the_float_parser_reads_them() {
        // Up to 15 digits, with or without a minus sign, in one pass (values worked out by hand).
        assert_eq!(small_integer("-1"), Some(-1));
        assert_eq!(small_integer("3600"), Some(3600));
        assert_eq!(small_integer("007"), Some(7));
        assert_eq!(small_integer("-0"), Some(0));
        assert_eq!(small_integer("999999999999999"), Some(999_999_999_999_999));
        // Anything else is left to the float parser.
        for text in [
            "",
            "-",
            "--1",
            "+5",
            "1e3",
            "3600.5",
            " 1",
            "1 ",
            "1_000",
            "1234567890123456",
            "99999999999999999999",
            "-9223372036854775808",
        ] {
            assert_eq!(small_integer(text), None, "{text:?}");
        }
        // `number` reads both kinds alike.
        assert_eq!(number("-1"), Ok(-1.0));
        assert_eq!(number("007"), Ok(7.0));
        assert_eq!(number("-0"), Ok(0.0));
        assert_eq!(number("+5"), Ok(5.0));
        assert_eq!(number("1e3"), Ok(1000.0));
        assert_eq!(number("3600.5"), Ok(3600.5));
        assert_eq!(number("999999999999999"), Ok(999_999_999_999_999.0));
        assert_eq!(number("1234567890123456"), Ok(1_234_567_890_123_456.0));
        assert_eq!(number("-"), Err(FieldError::NotANumber("-".into())));
        assert_eq!(number("1 "), Err(FieldError::NotANumber("1 ".into())));
    }

    #[test]
    fn values_convert_exactly() {
        assert_eq!(seconds("1.5"), Ok(SimTime::from_micros(1_500_000)));
        assert_eq!(scaled("1.5", 1000.0), Ok(1500));
        assert_eq!(scaled("1e9", 1024.0), Ok(1_024_000_000_000));
        assert_eq!(scaled("1e20", 1000.0), Err(FieldError::TooLarge("1e20".into())));
        assert_eq!(boolean("Yes"), Ok(true));
        assert_eq!(signed_integer("-3"), Ok(-3));
        assert_eq!(seconds("12"), Ok(SimTime::from_secs(12)));
        assert_eq!(number("-17"), Ok(-17.0));
        assert_eq!(reason(number("NaN")), Err("expected a finite number, got `NaN`".into()));
        assert_eq!(
            reason(seconds("999999999999999")),
            Err("too large, got `999999999999999`".into())
        );
        assert_eq!(reason(positive_seconds("-0")), Err("must be > 0, got `-0`".into()));
    }
}

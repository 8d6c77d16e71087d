//! Simulated time: integer microseconds, and the duration strings scenarios are written in.
//!
//! Time is never a float: two runs that add the same integers land on the same instants, so
//! event order (and therefore every output) is reproducible bit for bit.

use std::fmt;
use std::ops::{Add, AddAssign, Sub};

/// An instant or a span of simulated time, in whole microseconds since the start of the run.
///
/// Spans and instants share the type because the engine adds them constantly. No arithmetic on
/// it wraps or panics, in debug or release builds, whoever calls it: `Sub` saturates at zero
/// (so "time since" is never negative), `Add` and [`SimTime::from_secs`] saturate at
/// [`SimTime::MAX`], the instant that means "never" (an event there is never reached within a
/// run's span). Scenarios keep every time they name far below it (`limits.max_time`, at most
/// [`MAX_TIME_CEILING`]), so a saturated sum only ever comes from a library caller or a
/// back-off grown past any horizon; [`SimTime::checked_add`] tells such a sum apart.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(transparent)]
pub struct SimTime(pub u64);

/// Microseconds in one second.
pub const MICROS_PER_SECOND: u64 = 1_000_000;

/// The latest time any input may name, however `limits.max_time` is raised: 10,000 years
/// (3,650,000 days), 1/58 of where the microsecond clock saturates (584,942 years). Any sum of
/// a few dozen input times (a submit time, a duration, restart overheads, repairs, sample
/// intervals) therefore stays far below [`SimTime::MAX`].
pub const MAX_TIME_CEILING: SimTime = SimTime(3_650_000 * 86_400 * MICROS_PER_SECOND);

impl SimTime {
    /// The start of every run.
    pub const ZERO: SimTime = SimTime(0);
    /// The largest representable instant, used as "never".
    pub const MAX: SimTime = SimTime(u64::MAX);

    /// Whole microseconds.
    pub const fn from_micros(us: u64) -> SimTime {
        SimTime(us)
    }

    /// Whole seconds, saturating at [`SimTime::MAX`] (past 18,446,744,073,709 s).
    pub const fn from_secs(s: u64) -> SimTime {
        SimTime(s.saturating_mul(MICROS_PER_SECOND))
    }

    /// Seconds given as a decimal number (trace files), rounded to the nearest microsecond.
    /// Returns `None` for negative, non-finite or out-of-range values.
    pub fn from_secs_f64(s: f64) -> Option<SimTime> {
        let us = (s * MICROS_PER_SECOND as f64).round();
        (s.is_finite() && s >= 0.0 && us < u64::MAX as f64).then_some(SimTime(us as u64))
    }

    /// The value in microseconds.
    pub const fn as_micros(self) -> u64 {
        self.0
    }

    /// The value in seconds, as a float, for metrics (never for ordering).
    pub fn as_secs_f64(self) -> f64 {
        self.0 as f64 / MICROS_PER_SECOND as f64
    }

    /// `self + span`, or `SimTime::MAX` when that would overflow (what `+` does).
    pub const fn saturating_add(self, span: SimTime) -> SimTime {
        SimTime(self.0.saturating_add(span.0))
    }

    /// `self + span`, or `None` when the sum does not fit the clock: for callers that must
    /// report an overflow rather than treat it as "never".
    pub const fn checked_add(self, span: SimTime) -> Option<SimTime> {
        match self.0.checked_add(span.0) {
            Some(us) => Some(SimTime(us)),
            None => None,
        }
    }
}

/// Saturating: a sum past the clock's end is [`SimTime::MAX`] ("never"), never a wrapped early
/// instant and never a panic.
impl Add for SimTime {
    type Output = SimTime;
    fn add(self, rhs: SimTime) -> SimTime {
        self.saturating_add(rhs)
    }
}

/// Saturating, as `Add`.
impl AddAssign for SimTime {
    fn add_assign(&mut self, rhs: SimTime) {
        *self = self.saturating_add(rhs);
    }
}

impl Sub for SimTime {
    type Output = SimTime;
    fn sub(self, rhs: SimTime) -> SimTime {
        SimTime(self.0.saturating_sub(rhs.0))
    }
}

/// Seconds with up to six decimals and no trailing zeros (`90`, `0.25`, `1.000001`): exact,
/// so CSV and JSON outputs carry the integer clock without float rounding.
impl fmt::Display for SimTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let secs = self.0 / MICROS_PER_SECOND;
        let frac = self.0 % MICROS_PER_SECOND;
        if frac == 0 {
            return write!(f, "{secs}");
        }
        let digits = format!("{frac:06}");
        write!(f, "{secs}.{}", digits.trim_end_matches('0'))
    }
}

/// Why a duration string was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DurationError {
    /// Nothing to parse.
    #[error("empty duration: write a number and a unit, e.g. \"90s\", \"15m\", \"4h\", \"7d\"")]
    Empty,
    /// A part that is not `<number><unit>`.
    #[error("`{0}` is not a duration: write a number and a unit (us, ms, s, m, h, d, w), e.g. \"90s\" or \"1h30m\"")]
    Malformed(String),
    /// A unit outside the list.
    #[error("unknown unit `{unit}` in `{text}`: use us, ms, s, m, h, d or w")]
    UnknownUnit {
        /// The unit as written.
        unit: String,
        /// The whole duration string.
        text: String,
    },
    /// Larger than the clock can hold.
    #[error("`{0}` is too long for the simulation clock")]
    Overflow(String),
}

/// Parses a duration such as `90s`, `15m`, `4h`, `7d`, `1.5h`, `1h30m` or `250ms`.
///
/// A bare number is refused on purpose: `"60"` could mean seconds or minutes, and scenario files
/// are read by people. Fractions are rounded to the nearest microsecond.
pub fn parse_duration(text: &str) -> Result<SimTime, DurationError> {
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Err(DurationError::Empty);
    }
    let mut total: f64 = 0.0;
    let mut rest = trimmed;
    while !rest.is_empty() {
        let number_len = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let unit_len = rest[number_len..]
            .find(|c: char| !c.is_ascii_alphabetic())
            .unwrap_or(rest.len() - number_len);
        let (number, unit) = (&rest[..number_len], &rest[number_len..number_len + unit_len]);
        let value: f64 = number
            .parse()
            .map_err(|_| DurationError::Malformed(trimmed.to_string()))?;
        if unit.is_empty() {
            return Err(DurationError::Malformed(trimmed.to_string()));
        }
        let unit_us = unit_micros(unit).ok_or_else(|| DurationError::UnknownUnit {
            unit: unit.to_string(),
            text: trimmed.to_string(),
        })?;
        total += value * unit_us as f64;
        rest = rest[number_len + unit_len..].trim_start();
    }
    if total >= u64::MAX as f64 {
        return Err(DurationError::Overflow(trimmed.to_string()));
    }
    Ok(SimTime(total.round() as u64))
}

fn unit_micros(unit: &str) -> Option<u64> {
    Some(match unit {
        "us" => 1,
        "ms" => 1_000,
        "s" => MICROS_PER_SECOND,
        "m" | "min" => 60 * MICROS_PER_SECOND,
        "h" => 3_600 * MICROS_PER_SECOND,
        "d" => 86_400 * MICROS_PER_SECOND,
        "w" => 7 * 86_400 * MICROS_PER_SECOND,
        _ => return None,
    })
}

/// Writes a span the way scenarios spell it (`90s`, `15m`, `4h`, `7d`, or `1500ms`), choosing
/// the largest unit that divides it exactly, so `parse_duration(format_duration(t)) == t`.
pub fn format_duration(span: SimTime) -> String {
    const UNITS: [(&str, u64); 6] = [
        ("d", 86_400 * MICROS_PER_SECOND),
        ("h", 3_600 * MICROS_PER_SECOND),
        ("m", 60 * MICROS_PER_SECOND),
        ("s", MICROS_PER_SECOND),
        ("ms", 1_000),
        ("us", 1),
    ];
    let us = span.as_micros();
    if us == 0 {
        return "0s".to_string();
    }
    let (name, size) = UNITS
        .iter()
        .find(|(_, size)| us.is_multiple_of(*size))
        .copied()
        .unwrap_or(("us", 1));
    format!("{}{name}", us / size)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_units_of_the_contract() {
        assert_eq!(parse_duration("90s"), Ok(SimTime::from_secs(90)));
        assert_eq!(parse_duration("15m"), Ok(SimTime::from_secs(900)));
        assert_eq!(parse_duration("4h"), Ok(SimTime::from_secs(14_400)));
        assert_eq!(parse_duration("7d"), Ok(SimTime::from_secs(604_800)));
    }

    #[test]
    fn parses_fractions_and_compounds() {
        // 1.5 h = 5400 s; 1h30m is the same span written in two parts.
        assert_eq!(parse_duration("1.5h"), Ok(SimTime::from_secs(5_400)));
        assert_eq!(parse_duration("1h30m"), Ok(SimTime::from_secs(5_400)));
        assert_eq!(parse_duration("250ms"), Ok(SimTime::from_micros(250_000)));
        assert_eq!(parse_duration(" 2w "), Ok(SimTime::from_secs(1_209_600)));
    }

    #[test]
    fn refuses_ambiguous_or_broken_text() {
        assert_eq!(parse_duration(""), Err(DurationError::Empty));
        assert!(matches!(parse_duration("60"), Err(DurationError::Malformed(_))));
        assert!(matches!(parse_duration("5x"), Err(DurationError::UnknownUnit { .. })));
        assert!(matches!(parse_duration("-5s"), Err(DurationError::Malformed(_))));
        assert!(matches!(parse_duration("h"), Err(DurationError::Malformed(_))));
    }

    #[test]
    fn displays_exact_seconds() {
        assert_eq!(SimTime::from_secs(90).to_string(), "90");
        assert_eq!(SimTime::from_micros(250_000).to_string(), "0.25");
        assert_eq!(SimTime::from_micros(1_000_001).to_string(), "1.000001");
    }

    #[test]
    fn format_round_trips() {
        for text in ["90s", "15m", "4h", "7d", "1500ms", "3us"] {
            let t = parse_duration(text).unwrap();
            assert_eq!(format_duration(t), text);
            assert_eq!(parse_duration(&format_duration(t)), Ok(t));
        }
    }

    #[test]
    fn sums_saturate_at_the_end_of_the_clock_instead_of_wrapping() {
        // u64::MAX µs is 18,446,744,073,709.551615 s: 18,446,744,073,709 s + 1 s is past it.
        let near_end = SimTime::from_secs(18_446_744_073_709);
        assert_eq!(near_end + SimTime::from_secs(1), SimTime::MAX);
        assert_eq!(near_end.checked_add(SimTime::from_secs(1)), None);
        assert_eq!(near_end.checked_add(SimTime(551_615)), Some(SimTime::MAX));
        let mut t = SimTime::MAX;
        t += SimTime(1);
        assert_eq!(t, SimTime::MAX);
        assert_eq!(SimTime::from_secs(u64::MAX / 2), SimTime::MAX);
        assert_eq!(SimTime(3) - SimTime(5), SimTime::ZERO);
        // The ceiling on input times: 3,650,000 d × 86,400 s × 10⁶ µs = 3.1536 × 10¹⁷ µs, and
        // u64::MAX ÷ that = 58.49: 58 of them add up without saturating.
        assert_eq!(MAX_TIME_CEILING.as_micros(), 315_360_000_000_000_000);
        assert_eq!(u64::MAX / MAX_TIME_CEILING.as_micros(), 58);
    }

    #[test]
    fn float_seconds_round_to_micros() {
        assert_eq!(SimTime::from_secs_f64(1.5), Some(SimTime::from_micros(1_500_000)));
        assert_eq!(SimTime::from_secs_f64(-1.0), None);
        assert_eq!(SimTime::from_secs_f64(f64::NAN), None);
    }
}

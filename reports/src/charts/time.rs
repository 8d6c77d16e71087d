//! The one unit of simulated time a report draws every time axis in, chosen from the longest
//! run it shows, with the unit's own round steps (15 min, 6 h, 7 days).

/// A unit of simulated time for axes.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TimeUnit {
    /// Its name on axis labels (`hours`).
    pub name: &'static str,
    /// One of it (`hour`), as in "a 2-hour bin".
    pub singular: &'static str,
    /// Seconds in one unit.
    pub seconds: f64,
    /// Round tick steps in this unit, smallest first (beyond them, 1–2–2.5–5 steps).
    pub steps: &'static [f64],
}

/// Seconds.
pub const SECONDS: TimeUnit = TimeUnit {
    name: "seconds",
    singular: "second",
    seconds: 1.0,
    steps: &[1.0, 2.0, 5.0, 10.0, 15.0, 30.0, 60.0, 120.0, 300.0],
};

/// Minutes.
pub const MINUTES: TimeUnit = TimeUnit {
    name: "minutes",
    singular: "minute",
    seconds: 60.0,
    steps: &[1.0, 2.0, 5.0, 10.0, 15.0, 30.0, 60.0],
};

/// Hours.
pub const HOURS: TimeUnit = TimeUnit {
    name: "hours",
    singular: "hour",
    seconds: 3_600.0,
    steps: &[1.0, 2.0, 3.0, 6.0, 12.0, 24.0],
};

/// Days.
pub const DAYS: TimeUnit = TimeUnit {
    name: "days",
    singular: "day",
    seconds: 86_400.0,
    steps: &[1.0, 2.0, 7.0, 14.0, 28.0],
};

impl TimeUnit {
    /// The unit for axes spanning up to `span_s` seconds: seconds below ten minutes, minutes
    /// below three hours, hours below three days, days beyond.
    pub fn for_span(span_s: f64) -> TimeUnit {
        if span_s >= 3.0 * 86_400.0 {
            DAYS
        } else if span_s >= 3.0 * 3_600.0 {
            HOURS
        } else if span_s >= 600.0 {
            MINUTES
        } else {
            SECONDS
        }
    }

    /// `seconds` in this unit.
    pub fn of(self, seconds: f64) -> f64 {
        seconds / self.seconds
    }

    /// The label of a simulated-time axis.
    pub fn axis_label(self) -> String {
        format!("simulated time ({})", self.name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::charts::ticks::ticks;

    #[test]
    fn the_unit_follows_the_span_and_steps_are_the_units_own() {
        assert_eq!(TimeUnit::for_span(300.0), SECONDS);
        assert_eq!(TimeUnit::for_span(7_200.0), MINUTES);
        assert_eq!(TimeUnit::for_span(50.0 * 3_600.0), HOURS);
        assert_eq!(TimeUnit::for_span(200.0 * 86_400.0), DAYS);
        // A 50-hour run in about 8 intervals: raw step 6.25 h → 12 h; 0, 12, …, 60.
        let t = ticks(0.0, HOURS.of(50.0 * 3_600.0), 8, HOURS.steps);
        assert_eq!(t.labels, ["0", "12", "24", "36", "48", "60"]);
        // 200 days: raw 25 → 28-day steps.
        assert_eq!(ticks(0.0, 200.0, 8, DAYS.steps).step, 28.0);
        assert_eq!(HOURS.axis_label(), "simulated time (hours)");
    }
}

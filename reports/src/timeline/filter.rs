//! What part of a run a timeline keeps: a span of time and a set of nodes.

use std::str::FromStr;

use sim_core::time::{SimTime, parse_duration};

/// Why a window or node filter was refused.
#[derive(Debug, thiserror::Error)]
pub enum FilterError {
    /// Not `FROM..TO`.
    #[error("`{0}` is not a window: write FROM..TO with durations from the start, e.g. 2d..3d or 90m..4h")]
    Shape(String),
    /// A bound that is not a duration.
    #[error("`{text}` in the window: {reason}")]
    Bound {
        /// The bound as written.
        text: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The end is not after the start.
    #[error("the window `{0}` is empty: its end must come after its start")]
    Empty(String),
    /// An empty node pattern.
    #[error("the node filter is empty: give a node or rack name, `*` matching any characters (e.g. r01-* or *-n1)")]
    EmptyPattern,
}

/// A span of simulated time, `[from, to)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Window {
    /// Start, from the beginning of the run.
    pub from: SimTime,
    /// End (excluded).
    pub to: SimTime,
}

impl Window {
    /// True when `[start, end]` meets the window (an instant has `start == end`).
    pub fn overlaps(&self, start: SimTime, end: SimTime) -> bool {
        start < self.to && (end > self.from || (start == end && start >= self.from))
    }
}

impl FromStr for Window {
    type Err = FilterError;

    fn from_str(text: &str) -> Result<Window, FilterError> {
        let (from, to) = text
            .split_once("..")
            .ok_or_else(|| FilterError::Shape(text.to_string()))?;
        // `0` needs no unit: the start of the run.
        let bound = |part: &str| {
            if part.trim() == "0" {
                return Ok(SimTime::ZERO);
            }
            parse_duration(part).map_err(|e| FilterError::Bound {
                text: part.to_string(),
                reason: e.to_string(),
            })
        };
        let window = Window {
            from: bound(from)?,
            to: bound(to)?,
        };
        if window.to <= window.from {
            return Err(FilterError::Empty(text.to_string()));
        }
        Ok(window)
    }
}

/// Nodes whose name, or whose rack's name, matches a pattern in which `*` matches any run of
/// characters; several patterns are separated by commas.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NodeFilter {
    patterns: Vec<String>,
}

impl NodeFilter {
    /// True when the filter keeps node `node` of rack `rack`.
    pub fn keeps(&self, node: &str, rack: &str) -> bool {
        self.patterns.iter().any(|p| matches(p, node) || matches(p, rack))
    }

    /// The patterns, as given (commas between them).
    pub fn patterns(&self) -> String {
        self.patterns.join(",")
    }
}

impl FromStr for NodeFilter {
    type Err = FilterError;

    fn from_str(text: &str) -> Result<NodeFilter, FilterError> {
        let patterns: Vec<String> = text
            .split(',')
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .map(String::from)
            .collect();
        if patterns.is_empty() {
            return Err(FilterError::EmptyPattern);
        }
        Ok(NodeFilter { patterns })
    }
}

/// Whole-string match of `text` against `pattern`, `*` matching any run of characters.
fn matches(pattern: &str, text: &str) -> bool {
    let mut parts = pattern.split('*');
    let first = parts.next().unwrap_or("");
    let Some(mut rest) = text.strip_prefix(first) else {
        return false;
    };
    let parts: Vec<&str> = parts.collect();
    let Some((last, middle)) = parts.split_last() else {
        return rest.is_empty();
    };
    for part in middle {
        match rest.find(part) {
            Some(at) => rest = &rest[at + part.len()..],
            None => return false,
        }
    }
    rest.len() >= last.len() && rest.ends_with(last)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_match_whole_names() {
        assert!(matches("r01-*", "r01-n3"));
        assert!(!matches("r01-*", "r011-n3"));
        assert!(matches("*-n1", "r07-n1"));
        assert!(!matches("*-n1", "r07-n10"));
        assert!(matches("r0*-n*", "r03-n12"));
        assert!(matches("r03-n1", "r03-n1"));
        assert!(!matches("r03-n1", "r03-n12"));
        assert!(matches("*", ""));
        // "ab*ba" must not let the prefix and the suffix share the middle "b" of "aba".
        assert!(!matches("ab*ba", "aba"));
        let filter: NodeFilter = "r02, *-n0".parse().unwrap();
        assert!(filter.keeps("r02-n5", "r02"));
        assert!(filter.keeps("r09-n0", "r09"));
        assert!(!filter.keeps("r09-n5", "r09"));
    }

    #[test]
    fn windows_read_durations_and_keep_what_meets_them() {
        let window: Window = "2d..3d".parse().unwrap();
        assert_eq!(window.from, SimTime::from_secs(2 * 86_400));
        assert_eq!(window.to, SimTime::from_secs(3 * 86_400));
        let h = |n: u64| SimTime::from_secs(n * 3600);
        assert!(window.overlaps(h(47), h(49)), "a slice across the start");
        assert!(!window.overlaps(h(40), h(48)), "a slice ending at the start");
        assert!(window.overlaps(h(48), h(48)), "an instant at the start");
        assert!(!window.overlaps(h(72), h(72)), "an instant at the (excluded) end");
        assert!(matches!("3d..2d".parse::<Window>(), Err(FilterError::Empty(_))));
        assert!(matches!("5m..5m".parse::<Window>(), Err(FilterError::Empty(_))));
        assert_eq!("0..1s".parse::<Window>().map(|w| w.from).ok(), Some(SimTime::ZERO));
        assert!(matches!("2d".parse::<Window>(), Err(FilterError::Shape(_))));
        assert!(matches!("2..3d".parse::<Window>(), Err(FilterError::Bound { .. })));
    }
}

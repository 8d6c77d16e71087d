//! Durations in scenario files: strings such as `"90s"`, `"4h"`, `"7d"`.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use sim_core::time::{SimTime, format_duration, parse_duration};

/// A span of simulated time written as a duration string.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Duration(pub SimTime);

impl<'de> Deserialize<'de> for Duration {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = Duration;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a duration string such as \"90s\", \"15m\", \"4h\" or \"7d\"")
            }
            fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<Duration, E> {
                parse_duration(text).map(Duration).map_err(E::custom)
            }
        }
        deserializer.deserialize_str(Visitor)
    }
}

impl Serialize for Duration {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&format_duration(self.0))
    }
}

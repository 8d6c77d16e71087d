//! How a node shares its GPUs between tasks.

use std::fmt;
use std::str::FromStr;

/// A node's GPU-sharing mode (`sharing = "…"` in a cluster file).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum SharingMode {
    /// A shared task holds a fraction of a device (openb's `gpu_milli`) and runs at full speed:
    /// no cost, no geometry. The default, so existing results do not move.
    #[default]
    Fraction,
    /// Tasks on one device take turns in slices and pay a context switch per turn
    /// ([`super::time_slice`]).
    TimeSlice,
    /// Tasks on one device run concurrently and interfere ([`super::mps`]).
    Mps,
    /// Devices are partitioned into MIG instances with the real geometry ([`super::mig`]).
    Mig,
}

/// The names of the modes, as cluster files write them.
pub const SHARING_MODES: [&str; 4] = ["fraction", "time-slice", "mps", "mig"];

/// An unknown mode name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown GPU sharing mode `{0}` (expected one of: fraction, time-slice, mps, mig)")]
pub struct UnknownMode(pub String);

impl FromStr for SharingMode {
    type Err = UnknownMode;

    fn from_str(s: &str) -> Result<SharingMode, UnknownMode> {
        match s {
            "fraction" => Ok(SharingMode::Fraction),
            "time-slice" => Ok(SharingMode::TimeSlice),
            "mps" => Ok(SharingMode::Mps),
            "mig" => Ok(SharingMode::Mig),
            _ => Err(UnknownMode(s.to_string())),
        }
    }
}

impl fmt::Display for SharingMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = match self {
            SharingMode::Fraction => SHARING_MODES[0],
            SharingMode::TimeSlice => SHARING_MODES[1],
            SharingMode::Mps => SHARING_MODES[2],
            SharingMode::Mig => SHARING_MODES[3],
        };
        f.write_str(name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_fraction_is_the_default() {
        for name in SHARING_MODES {
            assert_eq!(name.parse::<SharingMode>().unwrap().to_string(), name);
        }
        assert_eq!(SharingMode::default(), SharingMode::Fraction);
        assert_eq!("timeslice".parse::<SharingMode>(), Err(UnknownMode("timeslice".into())));
    }
}

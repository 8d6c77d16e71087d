//! Job ids seen so far in one trace, with the line of each one's first row, so that every
//! reader refuses a repeated id the same way.
//!
//! Memory: this is the one per-row state a streaming reader keeps. Each distinct id costs its
//! own bytes plus about 41 (a 24-byte `String`, an 8-byte line number and the hash table's
//! control byte and slack at its 7/8 load): the 111,549 Philly jobs, ids of up to 6 digits,
//! take about 5 MB. A scenario bounds the number of jobs (`limits.jobs`) and a row's length is bounded
//! ([`crate::MAX_LINE_BYTES`]), so the set is bounded too.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use crate::error::{Location, TraceError};

/// 64-bit FNV-1a: the set is only asked "seen before?", never iterated, so a fast
/// non-cryptographic hash will do (the standard SipHash cost a third of the parse time).
struct Fnv1a(u64);

impl Default for Fnv1a {
    fn default() -> Self {
        Fnv1a(0xcbf2_9ce4_8422_2325)
    }
}

impl Hasher for Fnv1a {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
}

/// The ids of one trace, each with the line it was first seen on.
#[derive(Default)]
pub(crate) struct SeenIds {
    first_lines: HashMap<String, u64, BuildHasherDefault<Fnv1a>>,
}

impl SeenIds {
    /// Records `id`, read from column `field` at `at`; an error naming both lines when the
    /// trace gave it before.
    pub(crate) fn record(&mut self, id: &str, field: &str, at: &Location<'_>) -> Result<(), TraceError> {
        match self.first_lines.insert(id.to_string(), at.line) {
            None => Ok(()),
            Some(first_line) => Err(at.duplicate_id(field, id, first_line)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_repeated_id_names_both_lines() {
        let mut ids = SeenIds::default();
        let at = |line| Location { file: "t.csv", line };
        ids.record("a", "job_id", &at(2)).unwrap();
        ids.record("b", "job_id", &at(3)).unwrap();
        let err = ids.record("a", "job_id", &at(7)).unwrap_err();
        assert_eq!(
            err.to_string(),
            "t.csv:7: column `job_id`: `a` appears twice (first on line 2); job ids must be unique"
        );
    }
}

//! Job ids seen so far in one trace, with the line of each one's first row, so that every
//! reader refuses a repeated id the same way.
//!
//! Most traces number their jobs: Philly, SWF and Helios give increasing whole numbers. While
//! every id is a whole number written plainly (no sign, no leading zero) and larger than the
//! one before, no id can repeat, and the ids are kept as numbers in order (16 bytes each, with
//! their lines), checked by one comparison. The first id that breaks the pattern moves them all
//! into a hash table: per id its hash, where it is in one growing text of ids (no allocation
//! per id), its length and first line, 32 bytes plus a control byte and the table's slack at
//! its 7/8 load, about 38 bytes plus the id itself.
//!
//! Memory: this is the one per-row state a streaming reader keeps, at most about 38 bytes plus
//! the id per job (16 bytes for numbered jobs: the 111,549 Philly jobs take 1.8 MB). A scenario
//! bounds the number of jobs (`limits.jobs`) and a row's length is bounded
//! ([`crate::MAX_LINE_BYTES`]), so the set is bounded too.

use hashbrown::HashTable;

use crate::error::{Location, TraceError};

/// The hash of an id: 64-bit FNV-1a ([`sim_core::fnv`]; the set is only asked "seen
/// before?", never iterated, so a fast non-cryptographic hash will do: the standard SipHash
/// cost a third of the parse time), then MurmurHash3's finalizer: FNV-1a alone leaves the high
/// bits of short keys (trace ids are a few digits) nearly constant, and the hash table takes
/// its control bytes from the high bits, so without mixing every probe collides.
fn id_hash(id: &str) -> u64 {
    let mut h = sim_core::fnv::fnv1a(id.as_bytes());
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^= h >> 33;
    h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    h ^ (h >> 33)
}

/// One id of the set: where it is in the text of ids, and the line it was first seen on.
struct Entry {
    hash: u64,
    start: usize,
    len: u32,
    first_line: u64,
}

/// The ids of one trace, each with the line it was first seen on.
#[derive(Default)]
pub(crate) struct SeenIds {
    /// Ids so far, while they are increasing plain whole numbers, with their lines.
    numbered: Vec<(u64, u64)>,
    /// Set once an id broke the pattern: every id since the start is in `table`.
    hashed: bool,
    table: HashTable<Entry>,
    text: String,
}

impl SeenIds {
    /// Records job id `id`, read from column `field` at `at`; an error naming both lines when
    /// the trace gave it before.
    pub(crate) fn record(&mut self, id: &str, field: &str, at: &Location<'_>) -> Result<(), TraceError> {
        self.record_as(id, field, "job ids", at)
    }

    /// [`SeenIds::record`] of an id of another kind, `what` naming them in the error (`node
    /// names`).
    pub(crate) fn record_as(
        &mut self,
        id: &str,
        field: &str,
        what: &'static str,
        at: &Location<'_>,
    ) -> Result<(), TraceError> {
        if !self.hashed {
            match plain_number(id) {
                Some(n) if self.numbered.last().is_none_or(|&(last, _)| n > last) => {
                    self.numbered.push((n, at.line));
                    return Ok(());
                }
                _ => self.switch_to_table(),
            }
        }
        self.insert(id, at.line)
            .map_err(|first_line| at.duplicate_id(field, id, first_line, what))
    }

    /// Moves the numbered ids into the table.
    fn switch_to_table(&mut self) {
        self.hashed = true;
        for (n, line) in std::mem::take(&mut self.numbered) {
            self.insert(&n.to_string(), line)
                .expect("increasing numbers are distinct");
        }
    }

    /// Adds `id` first seen on `line`, or returns the line it was first seen on.
    fn insert(&mut self, id: &str, line: u64) -> Result<(), u64> {
        let hash = id_hash(id);
        let text = &self.text;
        let same = |e: &Entry| e.hash == hash && text[e.start..e.start + e.len as usize] == *id;
        if let Some(first) = self.table.find(hash, same) {
            return Err(first.first_line);
        }
        // A row is at most 1 MiB, so an id's length fits in 32 bits.
        let entry = Entry {
            hash,
            start: self.text.len(),
            len: id.len() as u32,
            first_line: line,
        };
        self.text.push_str(id);
        self.table.insert_unique(hash, entry, |e| e.hash);
        Ok(())
    }
}

/// `id` as a number when it is one written plainly: digits only, no leading zero (so that
/// `7` and `007`, distinct ids, are never taken for the same number), at most 19 digits.
fn plain_number(id: &str) -> Option<u64> {
    let bytes = id.as_bytes();
    let plain = !bytes.is_empty()
        && bytes.len() <= 19
        && bytes.iter().all(u8::is_ascii_digit)
        && (bytes[0] != b'0' || bytes.len() == 1);
    plain.then(|| bytes.iter().fold(0u64, |n, d| n * 10 + u64::from(d - b'0')))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbered_ids_repeated_after_the_pattern_breaks_are_found() {
        let mut ids = SeenIds::default();
        let at = |line| Location { file: "t.swf", line };
        for (line, id) in ["1", "2", "10"].into_iter().enumerate() {
            ids.record(id, "job", &at(line as u64 + 1)).unwrap();
        }
        assert!(!ids.hashed, "increasing plain numbers stay numbers");
        // 5 is smaller than 10: the pattern breaks, but 5 is new.
        ids.record("5", "job", &at(4)).unwrap();
        assert!(ids.hashed);
        let err = ids.record("2", "job", &at(5)).unwrap_err();
        assert!(err.to_string().contains("`2` appears twice (first on line 2)"), "{err}");
        // `007` and `7` are different ids; `x` and `10` too.
        ids.record("007", "job", &at(6)).unwrap();
        ids.record("7", "job", &at(7)).unwrap();
        let err = ids.record("10", "job", &at(8)).unwrap_err();
        assert!(err.to_string().contains("(first on line 3)"), "{err}");
        assert_eq!(
            plain_number("18446744073709551615"),
            None,
            "20 digits are not taken as a number"
        );
        assert_eq!(plain_number("0"), Some(0));
    }

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

//! 64-bit FNV-1a (Fowler–Noll–Vo), the one non-cryptographic hash of the workspace.
//!
//! It turns random-stream names into numbers ([`crate::rng`]), folds the event digest
//! (the event digest of `metrics::digest`), fingerprints a sweep's scenario (`sweep.json`) and hashes job
//! ids in the trace readers. Every one of those values is pinned by tests or written to files,
//! so the function must never change: it is written here once, to the published definition
//! (offset basis 14695981039346656037, prime 2⁴⁰ + 2⁸ + 0xb3).

use std::hash::Hasher;

/// The FNV-1a 64-bit offset basis: the hash of no bytes.
pub const OFFSET_BASIS: u64 = 0xcbf2_9ce4_8422_2325;

/// The FNV 64-bit prime.
pub const PRIME: u64 = 0x0000_0100_0000_01b3;

/// An FNV-1a hash being fed bytes; [`Hasher::finish`] gives the hash so far.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Fnv1a(u64);

impl Default for Fnv1a {
    fn default() -> Self {
        Fnv1a(OFFSET_BASIS)
    }
}

impl Hasher for Fnv1a {
    /// The hash of every byte written so far (the state itself: FNV-1a has no finalizer).
    fn finish(&self) -> u64 {
        self.0
    }

    /// Folds `bytes` in, one at a time: XOR, then multiply by the prime.
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 ^ u64::from(b)).wrapping_mul(PRIME);
        }
    }
}

/// `PRIME` to the power k (wrapping), for k from 0 to 8: what k zero bytes do to the state,
/// since a zero byte leaves the XOR step unchanged.
const PRIME_POWERS: [u64; 9] = {
    let mut powers = [1u64; 9];
    let mut k = 1;
    while k < powers.len() {
        powers[k] = powers[k - 1].wrapping_mul(PRIME);
        k += 1;
    }
    powers
};

impl Fnv1a {
    /// Folds in the eight little-endian bytes of `value`: exactly [`Hasher::write`] of
    /// `value.to_le_bytes()`, with the high zero bytes of a small number folded in by one
    /// multiplication instead of one each (the event digest feeds millions of node ids and
    /// device masks, mostly a byte or two wide, and each byte's multiplication waits for the last).
    #[inline]
    pub fn write_le_u64(&mut self, value: u64) {
        let used = 8 - (value.leading_zeros() / 8) as usize;
        self.write(&value.to_le_bytes()[..used]);
        self.0 = self.0.wrapping_mul(PRIME_POWERS[8 - used]);
    }
}

/// The 64-bit FNV-1a hash of `bytes`.
pub fn fnv1a(bytes: &[u8]) -> u64 {
    let mut hasher = Fnv1a::default();
    hasher.write(bytes);
    hasher.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_the_published_test_vectors() {
        // From the reference implementation's test suite (FNV-1a, 64 bits).
        assert_eq!(fnv1a(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a(b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(fnv1a(b"foobar"), 0x8594_4171_f739_67e8);
    }

    #[test]
    fn a_little_endian_number_is_its_eight_bytes() {
        // Zero, one byte, a high byte alone, bytes with zeros between them, all ones: each fed
        // by `write_le_u64` gives the state that feeding its eight bytes one by one gives.
        let values = [
            0,
            1,
            0xff,
            0x100,
            0x8000_0000_0000_0000,
            0x00ff_0000_0000_0001,
            0x1234_5678,
            u64::MAX,
        ];
        for value in values {
            let mut by_bytes = Fnv1a::default();
            by_bytes.write(b"seed");
            let mut by_number = by_bytes;
            by_bytes.write(&value.to_le_bytes());
            by_number.write_le_u64(value);
            assert_eq!(by_number, by_bytes, "{value:#x}");
        }
    }

    #[test]
    fn feeding_in_pieces_is_feeding_at_once() {
        let mut hasher = Fnv1a::default();
        hasher.write(b"foo");
        hasher.write(b"bar");
        assert_eq!(hasher.finish(), fnv1a(b"foobar"));
    }
}
